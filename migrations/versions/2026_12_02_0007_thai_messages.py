"""thai_messages: phones in E.164, customer kind, Thai vehicle duties reminders, short links (issue 12)

Schema: garages.country (ISO 3166-1 alpha-2; NULL: the country of the garage's time zone), customers.kind
(PERSON | COMPANY), vehicles.kind (CAR | MOTORCYCLE) and vehicles.insurance_expiry (พ.ร.บ.), short_links.

Data: customers' and users' phones become E.164 where they parse for the garage's country (a number that does not
parse is left as it was, to be corrected by hand); reminder settings that remind of the MOT also remind of the
Thai duties (only the ones of the garage's own country are ever scanned).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:00
"""

import json

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

THAI_KINDS = ["VEHICLE_TAX", "INSPECTION", "INSURANCE"]


def _region(country, time_zone):
    from backend.customers.service.phones import garage_country

    return garage_country(country, time_zone)


def _normalize_phones(conn, table: str) -> None:
    from backend.customers.service.phones import to_e164

    garages = {row[0]: _region(row[1], row[2]) for row in conn.execute(
        sa.text("SELECT id, country, time_zone FROM garages"))}
    rows = conn.execute(sa.text(f"SELECT id, garage_id, phone FROM {table} WHERE phone IS NOT NULL")).all()
    changes = []
    for row_id, garage_id, phone in rows:
        new = to_e164(phone, garages.get(garage_id, "TH")) or phone  # unparseable: left for a person to correct
        if new != phone:
            changes.append({"i": row_id, "p": new})
    if changes:
        conn.execute(sa.text(f"UPDATE {table} SET phone = :p WHERE id = :i"), changes)


def upgrade() -> None:
    with op.batch_alter_table('garages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=True))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('PERSON', 'COMPANY', name='customerkind', native_enum=False,
                                                      length=32), server_default='PERSON', nullable=False))
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('CAR', 'MOTORCYCLE', name='vehiclekind', native_enum=False,
                                                      length=32), nullable=True))
        batch_op.add_column(sa.Column('insurance_expiry', sa.Date(), nullable=True))
    op.create_table('short_links',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('target_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_short_links_garage_id_garages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_short_links'))
    )
    with op.batch_alter_table('short_links', schema=None) as batch_op:
        batch_op.create_index('ix_short_links_target', ['garage_id', 'target_hash'], unique=False)

    conn = op.get_bind()
    _normalize_phones(conn, "customers")
    _normalize_phones(conn, "users")
    for garage_id, kinds in conn.execute(sa.text("SELECT garage_id, kinds FROM reminder_settings")).all():
        values = json.loads(kinds) if isinstance(kinds, str) else list(kinds or [])
        if "MOT" in values and not set(THAI_KINDS) & set(values):
            conn.execute(sa.text("UPDATE reminder_settings SET kinds = :k WHERE garage_id = :g")
                         .bindparams(sa.bindparam("k", type_=sa.JSON)), {"k": values + THAI_KINDS, "g": garage_id})


def downgrade() -> None:
    with op.batch_alter_table('short_links', schema=None) as batch_op:
        batch_op.drop_index('ix_short_links_target')
    op.drop_table('short_links')
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_column('insurance_expiry')
        batch_op.drop_column('kind')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('garages', schema=None) as batch_op:
        batch_op.drop_column('country')
