"""supplier returns, core charges, out-of-stock order lines (issue 18)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('supplier_returns',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.Uuid(), nullable=False),
    sa.Column('warehouse_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('RETURNED', 'CREDITED', name='returnstatus', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('credit_note_number', sa.String(length=64), nullable=True),
    sa.Column('credit_amount', sa.Integer(), nullable=True),
    sa.Column('credited_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('credited_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('credit_amount IS NULL OR credit_amount >= 0', name=op.f('ck_supplier_returns_credit_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_supplier_returns_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['credited_by_id'], ['users.id'], name=op.f('fk_supplier_returns_credited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_supplier_returns_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_supplier_returns_order_id_purchase_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_returns_supplier_id_suppliers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_supplier_returns_warehouse_id_warehouses'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_returns')),
    sa.UniqueConstraint('garage_id', 'number', name=op.f('uq_supplier_returns_garage_id_number'))
    )
    op.create_index('ix_supplier_returns_garage_status', 'supplier_returns', ['garage_id', 'status', 'id'], unique=False)
    op.create_table('supplier_return_lines',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('return_id', sa.Uuid(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cost', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_supplier_return_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_supplier_return_lines_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['warehouse_items.id'], name=op.f('fk_supplier_return_lines_item_id_warehouse_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['return_id'], ['supplier_returns.id'], name=op.f('fk_supplier_return_lines_return_id_supplier_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_return_lines'))
    )
    op.create_index('ix_supplier_return_lines_return', 'supplier_return_lines', ['return_id'], unique=False)
    op.create_table('core_charges',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('supplier_id', sa.Uuid(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('parts_request_id', sa.Uuid(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_value', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'RETURNED', 'CREDITED', name='corestatus', native_enum=False, length=16), nullable=False),
    sa.Column('returned_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('credit_note_number', sa.String(length=64), nullable=True),
    sa.Column('credit_amount', sa.Integer(), nullable=True),
    sa.Column('credited_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_core_charges_quantity_positive')),
    sa.CheckConstraint('unit_value >= 0', name=op.f('ck_core_charges_value_not_negative')),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_core_charges_garage_id_garages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['warehouse_items.id'], name=op.f('fk_core_charges_item_id_warehouse_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_core_charges_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parts_request_id'], ['parts_requests.id'], name=op.f('fk_core_charges_parts_request_id_parts_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_core_charges_supplier_id_suppliers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_charges')),
    sa.UniqueConstraint('parts_request_id', name=op.f('uq_core_charges_parts_request_id'))
    )
    op.create_index('ix_core_charges_garage_status', 'core_charges', ['garage_id', 'status', 'id'], unique=False)
    with op.batch_alter_table('supplier_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('core_charge', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('job_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('item_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_purchase_order_lines_order_id_item_id'), type_='unique')
        batch_op.create_check_constraint(batch_op.f('ck_purchase_order_lines_item_or_description'),
                                         'item_id IS NOT NULL OR description IS NOT NULL')
        batch_op.create_foreign_key(batch_op.f('fk_purchase_order_lines_job_id_jobs'), 'jobs', ['job_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index('ix_purchase_order_lines_order', ['order_id', 'position'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_order_lines_order')
        batch_op.drop_constraint(batch_op.f('fk_purchase_order_lines_job_id_jobs'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_purchase_order_lines_item_or_description'), type_='check')
        batch_op.create_unique_constraint(batch_op.f('uq_purchase_order_lines_order_id_item_id'), ['order_id', 'item_id'])
        batch_op.alter_column('item_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column('job_id')
        batch_op.drop_column('description')
    with op.batch_alter_table('supplier_items', schema=None) as batch_op:
        batch_op.drop_column('core_charge')
    op.drop_index('ix_core_charges_garage_status', table_name='core_charges')
    op.drop_table('core_charges')
    op.drop_index('ix_supplier_return_lines_return', table_name='supplier_return_lines')
    op.drop_table('supplier_return_lines')
    op.drop_index('ix_supplier_returns_garage_status', table_name='supplier_returns')
    op.drop_table('supplier_returns')
