"""analytics retention: customer visits with each customer's next visit (garage-wide, same site, technician,
advisor), made from the job facts already kept

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-08 00:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0030'
down_revision = '0028'
branch_labels = None
depends_on = None

T = 'analytics_customer_visits'


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column('job_id', sa.Uuid(), nullable=False),
        sa.Column('garage_id', sa.Uuid(), nullable=False),
        sa.Column('customer_id', sa.Uuid(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('site_id', sa.Uuid(), nullable=False),
        sa.Column('technician_id', sa.Uuid(), nullable=True),
        sa.Column('advisor_id', sa.Uuid(), nullable=True),
        sa.Column('next_day', sa.Date(), nullable=True),
        sa.Column('next_site_day', sa.Date(), nullable=True),
        sa.Column('next_technician_day', sa.Date(), nullable=True),
        sa.Column('next_advisor_day', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f(f'fk_{T}_garage_id_garages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('job_id', name=op.f(f'pk_{T}')),
    )
    with op.batch_alter_table(T, schema=None) as batch_op:
        batch_op.create_index('ix_analytics_customer_visits_garage_day', ['garage_id', 'day'], unique=False)
        batch_op.create_index('ix_analytics_customer_visits_customer', ['garage_id', 'customer_id', 'day'],
                              unique=False)
    # the visits of the facts already kept (window functions: PostgreSQL, and SQLite since 3.25)
    op.execute(f"""
        INSERT INTO {T} (job_id, garage_id, customer_id, day, site_id, technician_id, advisor_id, next_day,
                         next_site_day, next_technician_day, next_advisor_day)
        SELECT job_id, garage_id, customer_id, day, site_id, technician_id, advisor_id,
            LEAD(day) OVER (PARTITION BY garage_id, customer_id ORDER BY day, job_id),
            LEAD(day) OVER (PARTITION BY garage_id, customer_id, site_id ORDER BY day, job_id),
            LEAD(day) OVER (PARTITION BY garage_id, customer_id, technician_id ORDER BY day, job_id),
            LEAD(day) OVER (PARTITION BY garage_id, customer_id, advisor_id ORDER BY day, job_id)
        FROM analytics_job_facts WHERE customer_id IS NOT NULL""")


def downgrade() -> None:
    with op.batch_alter_table(T, schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_customer_visits_customer')
        batch_op.drop_index('ix_analytics_customer_visits_garage_day')
    op.drop_table(T)
