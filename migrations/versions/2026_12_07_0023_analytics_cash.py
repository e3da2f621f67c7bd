"""expenses, imported repair-order facts (issue 17): the cash a garage had at a month's start, the expenses an
admin enters (once or monthly), when imported repair orders were last turned into facts; a job fact may name an
imported repair order (service_history) instead of a job, so its job_id loses the foreign key to jobs

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade() -> None:
    with op.batch_alter_table('analytics_job_facts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_analytics_job_facts_job_id_jobs', type_='foreignkey')

    t = 'analytics_expenses'
    op.create_table(t,
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('category', sa.Enum('RENT', 'WAGES', 'UTILITIES', 'OTHER', name='expensecategory',
                                  native_enum=False, length=16), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('recurring', sa.Boolean(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    _fk(t, 'garage_id', 'garages', 'CASCADE'), _fk(t, 'site_id', 'sites', 'SET NULL'),
    _fk(t, 'created_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_expenses'))
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_analytics_expenses_garage_day', ['garage_id', 'spent_on'], unique=False)

    t = 'analytics_cash_openings'
    op.create_table(t,
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    _fk(t, 'garage_id', 'garages', 'CASCADE'), _fk(t, 'updated_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('garage_id', 'month', name=op.f('pk_analytics_cash_openings'))
    )

    t = 'analytics_import_sync'
    op.create_table(t,
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('synced_at', _DT, nullable=False),
    _fk(t, 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('garage_id', name=op.f('pk_analytics_import_sync'))
    )


def downgrade() -> None:
    op.drop_table('analytics_import_sync')
    op.drop_table('analytics_cash_openings')
    with op.batch_alter_table('analytics_expenses', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_expenses_garage_day')
    op.drop_table('analytics_expenses')
    op.execute("DELETE FROM analytics_job_facts WHERE imported")
    with op.batch_alter_table('analytics_job_facts', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_analytics_job_facts_job_id_jobs', 'jobs', ['job_id'], ['id'],
                                    ondelete='CASCADE')
