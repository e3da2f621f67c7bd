"""reminders: MOT and service reminders

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_settings',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('lead_days', sa.JSON(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('service_interval_months', sa.Integer(), nullable=False),
    sa.Column('service_interval_km', sa.Integer(), nullable=True),
    sa.Column('last_scan_on', sa.Date(), nullable=True),
    sa.Column('last_scan_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_reminder_settings_garage_id_garages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('garage_id', name=op.f('pk_reminder_settings'))
    )
    op.create_table('reminders',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('vehicle_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.Enum('MOT', 'SERVICE', name='reminderkind', native_enum=False, length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('EMAIL', 'SMS', 'PUSH', name='channel', native_enum=False, length=32), nullable=False),
    sa.Column('notification_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('booked_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('booked_job_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_reminders_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_reminders_vehicle_id_vehicles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_reminders_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_reminders_notification_id_notifications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booked_job_id'], ['jobs.id'], name=op.f('fk_reminders_booked_job_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('vehicle_id', 'kind', 'due_on', 'lead_days', 'channel', name=op.f('uq_reminders_vehicle_id_kind_due_on_lead_days_channel'))
    )
    op.create_table('vehicle_service',
    sa.Column('vehicle_id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('interval_months', sa.Integer(), nullable=True),
    sa.Column('interval_km', sa.Integer(), nullable=True),
    sa.Column('last_service_on', sa.Date(), nullable=True),
    sa.Column('last_service_mileage', sa.Integer(), nullable=True),
    sa.Column('changed_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_vehicle_service_vehicle_id_vehicles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_vehicle_service_garage_id_garages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vehicle_id', name=op.f('pk_vehicle_service'))
    )
    with op.batch_alter_table('vehicle_service', schema=None) as batch_op:
        batch_op.create_index('ix_vehicle_service_garage_due', ['garage_id', 'due_on'], unique=False)
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_garage_vehicle', ['garage_id', 'vehicle_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_garage_vehicle')
    op.drop_table('reminders')
    with op.batch_alter_table('vehicle_service', schema=None) as batch_op:
        batch_op.drop_index('ix_vehicle_service_garage_due')
    op.drop_table('vehicle_service')
    op.drop_table('reminder_settings')
