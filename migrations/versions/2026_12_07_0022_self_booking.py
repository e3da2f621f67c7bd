"""self-booking links, booking settings, reminder bookings (issue 16)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table('booking_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('vehicle_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('reminder_id', sa.Uuid(), nullable=True),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('appointment_id', sa.Uuid(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('booked_name', sa.String(length=200), nullable=True),
    sa.Column('customer_confirmed_at', _DT, nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('expires_at', _DT, nullable=False),
    sa.Column('revoked_at', _DT, nullable=True),
    sa.Column('revoked_by_id', sa.Uuid(), nullable=True),
    sa.Column('last_seen_at', _DT, nullable=True),
    _fk('booking_links', 'garage_id', 'garages', 'CASCADE'),
    _fk('booking_links', 'customer_id', 'customers', 'CASCADE'),
    _fk('booking_links', 'vehicle_id', 'vehicles', 'CASCADE'),
    _fk('booking_links', 'site_id', 'sites', 'CASCADE'),
    _fk('booking_links', 'reminder_id', 'reminders', 'SET NULL'),
    _fk('booking_links', 'job_id', 'jobs', 'SET NULL'),
    _fk('booking_links', 'appointment_id', 'appointments', 'SET NULL'),
    _fk('booking_links', 'revoked_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_booking_links_token_hash')),
    )
    op.create_index('ix_booking_links_garage_vehicle', 'booking_links', ['garage_id', 'vehicle_id', 'revoked_at'])
    op.create_index('ix_booking_links_reminder', 'booking_links', ['reminder_id'])
    op.create_index('ix_booking_links_appointment', 'booking_links', ['appointment_id'])

    op.create_table('booking_settings',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('mode', sa.Enum('INSTANT', 'REQUEST', name='bookingmode', native_enum=False, length=16),
              nullable=False),
    sa.Column('cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('link_days', sa.Integer(), nullable=False),
    sa.Column('bookable_action_ids', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    _fk('booking_settings', 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('garage_id', name=op.f('pk_booking_settings')),
    )

    op.create_table('booking_codes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('link_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('expires_at', _DT, nullable=False),
    sa.Column('used_at', _DT, nullable=True),
    _fk('booking_codes', 'garage_id', 'garages', 'CASCADE'),
    _fk('booking_codes', 'link_id', 'booking_links', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_codes')),
    )
    op.create_index('ix_booking_codes_link', 'booking_codes', ['link_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_booking_codes_link', table_name='booking_codes')
    op.drop_table('booking_codes')
    op.drop_table('booking_settings')
    op.drop_index('ix_booking_links_appointment', table_name='booking_links')
    op.drop_index('ix_booking_links_reminder', table_name='booking_links')
    op.drop_index('ix_booking_links_garage_vehicle', table_name='booking_links')
    op.drop_table('booking_links')
