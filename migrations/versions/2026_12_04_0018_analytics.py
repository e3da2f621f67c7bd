"""analytics: the service advisor of a job, a user's hourly cost, KPI facts (jobs, clock days, quotes), dirty
marks, goals with their breach state (issue 17)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('advisor_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_jobs_advisor_id_users'), 'users', ['advisor_id'], ['id'],
                                    ondelete='SET NULL')
    op.execute("UPDATE jobs SET advisor_id = created_by_id")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hourly_cost', sa.Integer(), nullable=True))

    t = 'analytics_job_facts'
    op.create_table(t,
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('invoice_id', sa.Uuid(), nullable=True),
    sa.Column('technician_id', sa.Uuid(), nullable=True),
    sa.Column('advisor_id', sa.Uuid(), nullable=True),
    sa.Column('vehicle_id', sa.Uuid(), nullable=True),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('operations_stream', sa.String(length=32), nullable=True),
    sa.Column('revenue_stream', sa.String(length=32), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('billed_seconds', sa.BigInteger(), nullable=False),
    sa.Column('clocked_seconds', sa.BigInteger(), nullable=False),
    sa.Column('labour_sales', sa.BigInteger(), nullable=False),
    sa.Column('parts_sales', sa.BigInteger(), nullable=False),
    sa.Column('other_sales', sa.BigInteger(), nullable=False),
    sa.Column('parts_cost', sa.BigInteger(), nullable=False),
    sa.Column('labour_cost', sa.BigInteger(), nullable=False),
    sa.Column('has_inspection', sa.Boolean(), nullable=False),
    sa.Column('came_back', sa.Boolean(), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    _fk(t, 'job_id', 'jobs', 'CASCADE'), _fk(t, 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_analytics_job_facts'))
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_analytics_job_facts_garage_day', ['garage_id', 'day'], unique=False)
        batch_op.create_index('ix_analytics_job_facts_site_day', ['garage_id', 'site_id', 'day'], unique=False)
        batch_op.create_index('ix_analytics_job_facts_technician_day', ['garage_id', 'technician_id', 'day'],
                              unique=False)
        batch_op.create_index('ix_analytics_job_facts_advisor_day', ['garage_id', 'advisor_id', 'day'], unique=False)
        batch_op.create_index('ix_analytics_job_facts_customer', ['garage_id', 'customer_id', 'day'], unique=False)
        batch_op.create_index('ix_analytics_job_facts_vehicle', ['vehicle_id'], unique=False)

    t = 'analytics_clock_days'
    op.create_table(t,
    sa.Column('technician_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('clocked_seconds', sa.BigInteger(), nullable=False),
    _fk(t, 'technician_id', 'users', 'CASCADE'), _fk(t, 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('technician_id', 'day', 'site_id', name=op.f('pk_analytics_clock_days'))
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_analytics_clock_days_garage_day', ['garage_id', 'day'], unique=False)

    t = 'analytics_quote_facts'
    op.create_table(t,
    sa.Column('quote_id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('advisor_id', sa.Uuid(), nullable=True),
    sa.Column('technician_id', sa.Uuid(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('presented', sa.BigInteger(), nullable=False),
    sa.Column('approved', sa.BigInteger(), nullable=False),
    sa.Column('any_approved', sa.Boolean(), nullable=False),
    _fk(t, 'quote_id', 'quotes', 'CASCADE'), _fk(t, 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('quote_id', name=op.f('pk_analytics_quote_facts'))
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_analytics_quote_facts_garage_day', ['garage_id', 'day'], unique=False)

    t = 'analytics_dirty'
    op.create_table(t,
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Uuid(), nullable=False),
    sa.Column('at_from', _DT, nullable=True),
    sa.Column('at_to', _DT, nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    _fk(t, 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_dirty'))
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_analytics_dirty_garage', ['garage_id', 'created_at'], unique=False)

    t = 'analytics_goals'
    op.create_table(t,
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('kpi', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('target', sa.Numeric(precision=16, scale=4), nullable=False),
    sa.Column('alert_days', sa.Integer(), nullable=False),
    sa.Column('off_since', sa.Date(), nullable=True),
    sa.Column('checked_through', sa.Date(), nullable=True),
    sa.Column('alerted_run', sa.Date(), nullable=True),
    sa.Column('alerts_sent', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    _fk(t, 'garage_id', 'garages', 'CASCADE'), _fk(t, 'created_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_goals')),
    sa.UniqueConstraint('garage_id', 'kpi', 'subject_id', 'month',
                        name=op.f('uq_analytics_goals_garage_id_kpi_subject_id_month'))
    )


def downgrade() -> None:
    for table in ('analytics_goals', 'analytics_dirty', 'analytics_quote_facts', 'analytics_clock_days',
                  'analytics_job_facts'):
        op.drop_table(table)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('hourly_cost')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_jobs_advisor_id_users'), type_='foreignkey')
        batch_op.drop_column('advisor_id')
