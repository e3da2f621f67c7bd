"""warehouses: a central warehouse per garage and one per site, stock per item and warehouse (on hand, reserved,
min/max), reservations of approved parts requests, transfers between warehouses; every ledger row names its
warehouse, and today's stock becomes the central warehouse's; suppliers and their items, purchase orders with
lines and receipts, the garage's approval amount (issue 18)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db
from backend.core.ids import new_id


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)
_TABLES = ['purchase_receipts', 'purchase_order_lines', 'purchase_orders', 'supplier_items', 'suppliers',
           'purchasing_settings', 'transfer_lines', 'stock_reservations', 'warehouse_stock', 'transfers', 'warehouses']


def _tables() -> None:
    op.create_table('warehouses',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.Enum('CENTRAL', 'SITE', name='warehousekind', native_enum=False, length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_warehouses_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_warehouses_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouses')),
    sa.UniqueConstraint('garage_id', 'site_id', name=op.f('uq_warehouses_garage_id_site_id'))
    )
    op.create_index('uq_warehouses_central', 'warehouses', ['garage_id'], unique=True, sqlite_where=sa.text('site_id IS NULL'), postgresql_where=sa.text('site_id IS NULL'))
    op.create_table('transfers',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('from_warehouse_id', sa.Uuid(), nullable=False),
    sa.Column('to_warehouse_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('REQUESTED', 'APPROVED', 'DRAFT', 'DISPATCHED', 'RECEIVED', 'CANCELLED', name='transferstatus', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('approved_by_id', sa.Uuid(), nullable=True),
    sa.Column('approved_at', _DT, nullable=True),
    sa.Column('dispatched_by_id', sa.Uuid(), nullable=True),
    sa.Column('dispatched_at', _DT, nullable=True),
    sa.Column('received_by_id', sa.Uuid(), nullable=True),
    sa.Column('received_at', _DT, nullable=True),
    sa.Column('cancelled_at', _DT, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.CheckConstraint('from_warehouse_id <> to_warehouse_id', name=op.f('ck_transfers_two_warehouses')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_transfers_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_transfers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dispatched_by_id'], ['users.id'], name=op.f('fk_transfers_dispatched_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_warehouse_id'], ['warehouses.id'], name=op.f('fk_transfers_from_warehouse_id_warehouses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_transfers_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_transfers_received_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_warehouse_id'], ['warehouses.id'], name=op.f('fk_transfers_to_warehouse_id_warehouses'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
    sa.UniqueConstraint('garage_id', 'number', name=op.f('uq_transfers_garage_id_number'))
    )
    op.create_index('ix_transfers_garage_status', 'transfers', ['garage_id', 'status', 'id'], unique=False)
    op.create_table('warehouse_stock',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('warehouse_id', sa.Uuid(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('min_level', sa.Integer(), nullable=True),
    sa.Column('max_level', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_warehouse_stock_on_hand_not_negative')),
    sa.CheckConstraint('reserved <= on_hand', name=op.f('ck_warehouse_stock_reserved_within_on_hand')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_warehouse_stock_reserved_not_negative')),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_warehouse_stock_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['warehouse_items.id'], name=op.f('fk_warehouse_stock_item_id_warehouse_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_warehouse_stock_warehouse_id_warehouses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse_stock')),
    sa.UniqueConstraint('warehouse_id', 'item_id', name=op.f('uq_warehouse_stock_warehouse_id_item_id'))
    )
    op.create_index('ix_warehouse_stock_item', 'warehouse_stock', ['garage_id', 'item_id'], unique=False)
    op.create_table('stock_reservations',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('warehouse_id', sa.Uuid(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('parts_request_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_stock_reservations_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['warehouse_items.id'], name=op.f('fk_stock_reservations_item_id_warehouse_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parts_request_id'], ['parts_requests.id'], name=op.f('fk_stock_reservations_parts_request_id_parts_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_stock_reservations_warehouse_id_warehouses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_reservations')),
    sa.UniqueConstraint('parts_request_id', name=op.f('uq_stock_reservations_parts_request_id'))
    )
    op.create_index('ix_stock_reservations_stock', 'stock_reservations', ['warehouse_id', 'item_id'], unique=False)
    op.create_table('transfer_lines',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('transfer_id', sa.Uuid(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('parts_request_id', sa.Uuid(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_transfer_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_transfer_lines_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['warehouse_items.id'], name=op.f('fk_transfer_lines_item_id_warehouse_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['parts_request_id'], ['parts_requests.id'], name=op.f('fk_transfer_lines_parts_request_id_parts_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_transfer_lines_transfer_id_transfers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_lines')),
    sa.UniqueConstraint('transfer_id', 'item_id', name=op.f('uq_transfer_lines_transfer_id_item_id'))
    )
    op.create_index('ix_transfer_lines_item', 'transfer_lines', ['garage_id', 'item_id'], unique=False)


def _purchasing_tables() -> None:
    op.create_table('purchasing_settings',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('approval_threshold', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_purchasing_settings_garage_id_garages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('garage_id', name=op.f('pk_purchasing_settings'))
    )
    op.create_table('suppliers',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('tax_id', sa.String(length=20), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('locale', sa.Enum('EN', 'TH', name='supplierlocale', native_enum=False, length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_suppliers_garage_id_garages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers'))
    )
    op.create_index('ix_suppliers_garage_name', 'suppliers', ['garage_id', 'name', 'id'], unique=False)
    op.create_table('supplier_items',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('supplier_id', sa.Uuid(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('supplier_code', sa.String(length=64), nullable=True),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('pack_size', sa.Integer(), nullable=False),
    sa.Column('preferred', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.CheckConstraint('pack_size >= 1', name=op.f('ck_supplier_items_pack_size_positive')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_supplier_items_price_not_negative')),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_supplier_items_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['warehouse_items.id'], name=op.f('fk_supplier_items_item_id_warehouse_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_items_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_items')),
    sa.UniqueConstraint('supplier_id', 'item_id', name=op.f('uq_supplier_items_supplier_id_item_id'))
    )
    op.create_index('uq_supplier_items_preferred', 'supplier_items', ['garage_id', 'item_id'], unique=True, sqlite_where=sa.text('preferred'), postgresql_where=sa.text('preferred'))
    op.create_table('purchase_orders',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Uuid(), nullable=False),
    sa.Column('warehouse_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'SENT', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CANCELLED', name='orderstatus', native_enum=False, length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('expected_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('approved_by_id', sa.Uuid(), nullable=True),
    sa.Column('approved_at', _DT, nullable=True),
    sa.Column('sent_at', _DT, nullable=True),
    sa.Column('cancelled_at', _DT, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_purchase_orders_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_purchase_orders_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_purchase_orders_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_purchase_orders_supplier_id_suppliers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_purchase_orders_warehouse_id_warehouses'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('garage_id', 'number', name=op.f('uq_purchase_orders_garage_id_number'))
    )
    op.create_index('ix_purchase_orders_garage_status', 'purchase_orders', ['garage_id', 'status', 'id'], unique=False)
    op.create_table('purchase_order_lines',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cost', sa.Integer(), nullable=False),
    sa.Column('received_quantity', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('parts_request_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_order_lines_quantity_positive')),
    sa.CheckConstraint('received_quantity >= 0', name=op.f('ck_purchase_order_lines_received_not_negative')),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_purchase_order_lines_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['warehouse_items.id'], name=op.f('fk_purchase_order_lines_item_id_warehouse_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parts_request_id'], ['parts_requests.id'], name=op.f('fk_purchase_order_lines_parts_request_id_parts_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines')),
    sa.UniqueConstraint('order_id', 'item_id', name=op.f('uq_purchase_order_lines_order_id_item_id'))
    )
    op.create_index('ix_purchase_order_lines_item', 'purchase_order_lines', ['garage_id', 'item_id'], unique=False)
    op.create_table('purchase_receipts',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('line_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cost', sa.Integer(), nullable=False),
    sa.Column('delivery_note', sa.String(length=100), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('reverses_id', sa.Uuid(), nullable=True),
    sa.Column('reversed', sa.Boolean(), nullable=False),
    sa.Column('actor_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_purchase_receipts_actor_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_purchase_receipts_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['purchase_order_lines.id'], name=op.f('fk_purchase_receipts_line_id_purchase_order_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_receipts_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reverses_id'], ['purchase_receipts.id'], name=op.f('fk_purchase_receipts_reverses_id_purchase_receipts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_receipts'))
    )
    op.create_index('ix_purchase_receipts_order', 'purchase_receipts', ['order_id', 'created_at'], unique=False)


def _move_stock_to_central() -> None:
    """A central warehouse for every garage and one per site; each item's stock (and its whole ledger) becomes the
    central warehouse's, so the ledger still sums to what is on hand."""
    bind = op.get_bind()
    now = backend.core.db.utcnow()
    garages = sa.table('garages', sa.column('id', sa.Uuid()))
    sites = sa.table('sites', sa.column('id', sa.Uuid()), sa.column('garage_id', sa.Uuid()),
                     sa.column('name', sa.String()))
    items = sa.table('warehouse_items', sa.column('id', sa.Uuid()), sa.column('garage_id', sa.Uuid()),
                     sa.column('quantity_on_hand', sa.Integer()))
    warehouses = sa.table('warehouses', sa.column('id', sa.Uuid()), sa.column('garage_id', sa.Uuid()),
                          sa.column('site_id', sa.Uuid()), sa.column('kind', sa.String()),
                          sa.column('name', sa.String()), sa.column('active', sa.Boolean()),
                          sa.column('created_at', _DT), sa.column('updated_at', _DT))
    stock = sa.table('warehouse_stock', sa.column('id', sa.Uuid()), sa.column('garage_id', sa.Uuid()),
                     sa.column('warehouse_id', sa.Uuid()), sa.column('item_id', sa.Uuid()),
                     sa.column('on_hand', sa.Integer()), sa.column('reserved', sa.Integer()),
                     sa.column('version', sa.Integer()), sa.column('created_at', _DT), sa.column('updated_at', _DT))
    movements = sa.table('stock_movements', sa.column('garage_id', sa.Uuid()), sa.column('warehouse_id', sa.Uuid()))
    central = {}
    for (garage_id,) in bind.execute(sa.select(garages.c.id)):
        central[garage_id] = new_id()
        bind.execute(warehouses.insert().values(id=central[garage_id], garage_id=garage_id, site_id=None,
                                                kind='CENTRAL', name='Central warehouse', active=True,
                                                created_at=now, updated_at=now))
    for site_id, garage_id, name in bind.execute(sa.select(sites.c.id, sites.c.garage_id, sites.c.name)):
        bind.execute(warehouses.insert().values(id=new_id(), garage_id=garage_id, site_id=site_id, kind='SITE',
                                                name=(name or '')[:200], active=True, created_at=now,
                                                updated_at=now))
    for item_id, garage_id, on_hand in bind.execute(
            sa.select(items.c.id, items.c.garage_id, items.c.quantity_on_hand)):
        bind.execute(stock.insert().values(id=new_id(), garage_id=garage_id, warehouse_id=central[garage_id],
                                           item_id=item_id, on_hand=on_hand or 0, reserved=0, version=1,
                                           created_at=now, updated_at=now))
    for garage_id, warehouse_id in central.items():
        bind.execute(movements.update().where(movements.c.garage_id == garage_id)
                     .values(warehouse_id=warehouse_id))


def upgrade() -> None:
    _tables()
    _purchasing_tables()
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warehouse_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('transfer_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('receipt_id', sa.Uuid(), nullable=True))
    _move_stock_to_central()
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.alter_column('warehouse_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index('ix_stock_movements_warehouse', ['warehouse_id', 'item_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stock_movements_transfer_id_transfers'), 'transfers',
                                    ['transfer_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_stock_movements_warehouse_id_warehouses'), 'warehouses',
                                    ['warehouse_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stock_movements_warehouse_id_warehouses'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_stock_movements_transfer_id_transfers'), type_='foreignkey')
        batch_op.drop_index('ix_stock_movements_warehouse')
        batch_op.drop_column('receipt_id')
        batch_op.drop_column('transfer_id')
        batch_op.drop_column('warehouse_id')
    for name in _TABLES:
        op.drop_table(name)
