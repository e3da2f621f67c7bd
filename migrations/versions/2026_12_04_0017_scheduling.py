"""scheduling: bays, opening hours, closed days, appointments and allocations (no double booking: exclusion
constraints over tstzrange on PostgreSQL), calendar feeds; jobs.appointment_id (issue 16)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def _enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table('bays',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', _enum('LIFT', 'BODY_BOOTH', 'ALIGNMENT', 'OTHER', name='baykind'), nullable=False),
    sa.Column('streams', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    _fk('bays', 'garage_id', 'garages', 'CASCADE'),
    _fk('bays', 'site_id', 'sites', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bays')),
    )
    op.create_index('ix_bays_garage_site', 'bays', ['garage_id', 'site_id', 'active'])

    op.create_table('opening_hours',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens_minute', sa.Integer(), nullable=False),
    sa.Column('closes_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_opening_hours_weekday_range')),
    sa.CheckConstraint('opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute',
                       name=op.f('ck_opening_hours_minutes_range')),
    _fk('opening_hours', 'garage_id', 'garages', 'CASCADE'),
    _fk('opening_hours', 'site_id', 'sites', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours')),
    )
    op.create_index('ix_opening_hours_site', 'opening_hours', ['garage_id', 'site_id', 'weekday'])

    op.create_table('closed_days',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    _fk('closed_days', 'garage_id', 'garages', 'CASCADE'),
    _fk('closed_days', 'site_id', 'sites', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_days')),
    sa.UniqueConstraint('site_id', 'day', name=op.f('uq_closed_days_site_id_day')),
    )
    op.create_index('ix_closed_days_garage_site', 'closed_days', ['garage_id', 'site_id', 'day'])

    op.create_table('appointments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('vehicle_id', sa.Uuid(), nullable=False),
    sa.Column('stream', _enum('BODY', 'MECHANICAL', 'ELECTRICAL', 'INTERIOR', name='operationsstream'),
              nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('estimated_hours', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('requested_at', _DT, nullable=True),
    sa.Column('confirmed_at', _DT, nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('status', _enum('REQUESTED', 'CONFIRMED', 'ARRIVED', 'NO_SHOW', 'CANCELLED',
                              name='appointmentstatus'), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('arrived_at', _DT, nullable=True),
    sa.Column('cancelled_at', _DT, nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    _fk('appointments', 'garage_id', 'garages', 'CASCADE'),
    _fk('appointments', 'site_id', 'sites', 'RESTRICT'),
    _fk('appointments', 'customer_id', 'customers', 'RESTRICT'),
    _fk('appointments', 'vehicle_id', 'vehicles', 'RESTRICT'),
    _fk('appointments', 'created_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    )
    op.create_index('ix_appointments_garage_site_time', 'appointments', ['garage_id', 'site_id', 'confirmed_at'])
    op.create_index('ix_appointments_vehicle', 'appointments', ['vehicle_id'])

    op.create_table('appointment_allocations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('appointment_id', sa.Uuid(), nullable=False),
    sa.Column('bay_id', sa.Uuid(), nullable=False),
    sa.Column('technician_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', _DT, nullable=False),
    sa.Column('ends_at', _DT, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_appointment_allocations_ends_after_start')),
    _fk('appointment_allocations', 'garage_id', 'garages', 'CASCADE'),
    _fk('appointment_allocations', 'site_id', 'sites', 'CASCADE'),
    _fk('appointment_allocations', 'appointment_id', 'appointments', 'CASCADE'),
    _fk('appointment_allocations', 'bay_id', 'bays', 'RESTRICT'),
    _fk('appointment_allocations', 'technician_id', 'users', 'RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_allocations')),
    )
    op.create_index('ix_allocations_appointment', 'appointment_allocations', ['appointment_id'])
    op.create_index('ix_allocations_site_time', 'appointment_allocations', ['garage_id', 'site_id', 'starts_at'])
    op.create_index('ix_allocations_technician_time', 'appointment_allocations', ['technician_id', 'starts_at'])
    op.create_index('ix_allocations_bay_time', 'appointment_allocations', ['bay_id', 'starts_at'])
    if op.get_bind().dialect.name == 'postgresql':
        # one bay, one technician: never two active allocations whose half-open ranges overlap
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        for column in ('bay_id', 'technician_id'):
            op.execute(
                f'ALTER TABLE appointment_allocations ADD CONSTRAINT ex_appointment_allocations_{column} '
                f"EXCLUDE USING gist ({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)")

    op.create_table('calendar_feeds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('kind', _enum('TECHNICIAN', 'SITE', name='feedkind'), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('technician_id', sa.Uuid(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('revoked_at', _DT, nullable=True),
    _fk('calendar_feeds', 'garage_id', 'garages', 'CASCADE'),
    _fk('calendar_feeds', 'site_id', 'sites', 'CASCADE'),
    _fk('calendar_feeds', 'technician_id', 'users', 'CASCADE'),
    _fk('calendar_feeds', 'created_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    )
    op.create_index('ix_calendar_feeds_garage', 'calendar_feeds', ['garage_id', 'kind'])

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointment_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_jobs_appointment_id_appointments'), 'appointments',
                                    ['appointment_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_jobs_appointment_id_appointments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_jobs_appointment_id'))
        batch_op.drop_column('appointment_id')
    op.drop_table('calendar_feeds')
    op.drop_table('appointment_allocations')
    op.drop_table('appointments')
    op.drop_table('closed_days')
    op.drop_table('opening_hours')
    op.drop_table('bays')
