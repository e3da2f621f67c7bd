"""first-run setup, staff invitations, open sign-up (issue 19)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


ROLES = ('ADMIN', 'SITE_MANAGER', 'TECHNICIAN', 'WORKSHOP_MANAGER', 'WAREHOUSE_MANAGER', 'BILLING')


def upgrade() -> None:
    op.create_table('installation',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_installation_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_installation'))
    )
    op.create_table('invitations',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, length=32), nullable=False),
    sa.Column('streams', sa.JSON(), nullable=False),
    sa.Column('home_site_id', sa.Uuid(), nullable=True),
    sa.Column('locale', sa.Enum('EN', 'TH', name='locale', native_enum=False, length=32), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sent_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.Column('accepted_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('invited_by_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_invitations_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['home_site_id'], ['sites.id'], name=op.f('fk_invitations_home_site_id_sites'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_garage_email', ['garage_id', 'email'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_garage_email')
    op.drop_table('invitations')
    op.drop_table('installation')
