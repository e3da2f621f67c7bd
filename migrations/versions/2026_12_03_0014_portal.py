"""portal: links per job (token stored hashed), portal settings, one-time approval codes, approval records;
quote revisions and locking (issue 15)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('portal_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('revoked_at', _DT, nullable=True),
    sa.Column('revoked_by_id', sa.Uuid(), nullable=True),
    sa.Column('last_seen_at', _DT, nullable=True),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_portal_links_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_portal_links_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_portal_links_customer_id_customers'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_portal_links_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_portal_links_revoked_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_portal_links_token_hash'))
    )
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.create_index('ix_portal_links_job', ['garage_id', 'job_id', 'revoked_at'], unique=False)

    op.create_table('portal_settings',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('link_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_portal_settings_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('garage_id', name=op.f('pk_portal_settings'))
    )

    op.create_table('portal_approval_codes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('link_id', sa.Uuid(), nullable=False),
    sa.Column('quote_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('expires_at', _DT, nullable=False),
    sa.Column('used_at', _DT, nullable=True),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'],
                            name=op.f('fk_portal_approval_codes_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['portal_links.id'],
                            name=op.f('fk_portal_approval_codes_link_id_portal_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_portal_approval_codes_quote_id_quotes'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_approval_codes'))
    )
    with op.batch_alter_table('portal_approval_codes', schema=None) as batch_op:
        batch_op.create_index('ix_portal_approval_codes_link', ['link_id', 'quote_id', 'created_at'], unique=False)

    op.create_table('quote_approvals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('quote_id', sa.Uuid(), nullable=False),
    sa.Column('link_id', sa.Uuid(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('quote_version', sa.Integer(), nullable=False),
    sa.Column('lines_hash', sa.String(length=64), nullable=False),
    sa.Column('approved_line_ids', sa.JSON(), nullable=False),
    sa.Column('declined_line_ids', sa.JSON(), nullable=False),
    sa.Column('approved_total', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=500), nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_quote_approvals_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_approvals_quote_id_quotes'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['portal_links.id'], name=op.f('fk_quote_approvals_link_id_portal_links'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_approvals'))
    )
    with op.batch_alter_table('quote_approvals', schema=None) as batch_op:
        batch_op.create_index('ix_quote_approvals_quote', ['quote_id', 'created_at'], unique=False)

    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_column('locked')
        batch_op.drop_column('revision')
    with op.batch_alter_table('quote_approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_quote_approvals_quote')
    op.drop_table('quote_approvals')
    with op.batch_alter_table('portal_approval_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_approval_codes_link')
    op.drop_table('portal_approval_codes')
    op.drop_table('portal_settings')
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_links_job')
    op.drop_table('portal_links')
