"""Suppliers, what they sell us, purchase orders and their receipts (issue 18)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.i18n import N_, register_labels


class OrderStatus(enum.Enum):
    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"  # its total is above the garage's approval amount
    APPROVED = "APPROVED"
    SENT = "SENT"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


ORDER_STATUS_LABELS = register_labels({
    OrderStatus.DRAFT: N_("a draft"),
    OrderStatus.PENDING_APPROVAL: N_("awaiting approval"),
    OrderStatus.APPROVED: N_("approved, not yet sent"),
    OrderStatus.SENT: N_("sent to the supplier"),
    OrderStatus.PARTIALLY_RECEIVED: N_("partly received"),
    OrderStatus.RECEIVED: N_("fully received"),
    OrderStatus.CANCELLED: N_("cancelled"),
})


class SupplierLocale(enum.Enum):
    EN = "EN"
    TH = "TH"


class Supplier(IdMixin, TimestampMixin, Base):
    __tablename__ = "suppliers"
    __table_args__ = (Index("ix_suppliers_garage_name", "garage_id", "name", "id"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=3)
    locale: Mapped[SupplierLocale] = mapped_column(Enum(SupplierLocale, native_enum=False, length=8),
                                                   default=SupplierLocale.TH)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class SupplierItem(IdMixin, TimestampMixin, Base):
    """What a supplier sells us of an item: their code, price per unit, pack size; at most one preferred supplier
    per item."""

    __tablename__ = "supplier_items"
    __table_args__ = (
        UniqueConstraint("supplier_id", "item_id"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        Index("uq_supplier_items_preferred", "garage_id", "item_id", unique=True,
              sqlite_where=text("preferred"), postgresql_where=text("preferred")),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="CASCADE"))
    supplier_code: Mapped[str | None] = mapped_column(String(64))
    price: Mapped[int] = mapped_column(Integer, default=0)  # minor units per unit of the item
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # minor units per unit: the deposit on the old part, owed back to this supplier when the item is fitted
    core_charge: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PurchasingSettings(Base):
    __tablename__ = "purchasing_settings"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    # an order whose total is above this (minor units) waits for purchasing:approve; null: none needs approval
    approval_threshold: Mapped[int | None] = mapped_column(Integer)


class PurchaseOrder(IdMixin, TimestampMixin, Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        UniqueConstraint("garage_id", "number"),
        Index("ix_purchase_orders_garage_status", "garage_id", "status", "id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="RESTRICT"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"))
    status: Mapped[OrderStatus] = mapped_column(Enum(OrderStatus, native_enum=False, length=20))
    total: Mapped[int] = mapped_column(Integer, default=0)  # minor units: sum of quantity x unit cost
    note: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    expected_date: Mapped[dt.date | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class PurchaseOrderLine(IdMixin, Base):
    """A line of an order: an item of the catalog, or (for a job) a part that is not in it, by its description."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("item_id IS NOT NULL OR description IS NOT NULL", name="item_or_description"),
        Index("ix_purchase_order_lines_order", "order_id", "position"),
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
        Index("ix_purchase_order_lines_item", "garage_id", "item_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("warehouse_items.id", ondelete="RESTRICT"))
    description: Mapped[str | None] = mapped_column(String(200))  # a part not in the catalog
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[int] = mapped_column(Integer)
    received_quantity: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # the job's parts request this line was ordered for (the job shows it on order)
    parts_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts_requests.id", ondelete="SET NULL"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))


class PurchaseReceipt(IdMixin, Base):
    """One delivery of one line: what came and at what cost; a reversal (undo of a wrong receipt) is a receipt of
    its own with a negative quantity that names the one it reverses."""

    __tablename__ = "purchase_receipts"
    __table_args__ = (Index("ix_purchase_receipts_order", "order_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_order_lines.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[int] = mapped_column(Integer)
    delivery_note: Mapped[str | None] = mapped_column(String(100))
    override_reason: Mapped[str | None] = mapped_column(Text)  # received more than ordered, and why
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase_receipts.id", ondelete="SET NULL"))
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]


class ReturnStatus(enum.Enum):
    RETURNED = "RETURNED"  # the stock has left for the supplier; their credit note is awaited
    CREDITED = "CREDITED"  # the supplier's credit note is recorded


register_labels({ReturnStatus.RETURNED: N_("returned, credit awaited"), ReturnStatus.CREDITED: N_("credited")})


class SupplierReturn(IdMixin, TimestampMixin, Base):
    """Items sent back to a supplier from a warehouse, with a reason; RET-<year>-<n> consecutive per garage."""

    __tablename__ = "supplier_returns"
    __table_args__ = (
        UniqueConstraint("garage_id", "number"),
        Index("ix_supplier_returns_garage_status", "garage_id", "status", "id"),
        CheckConstraint("credit_amount IS NULL OR credit_amount >= 0", name="credit_not_negative"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="RESTRICT"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"))
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase_orders.id", ondelete="SET NULL"))
    status: Mapped[ReturnStatus] = mapped_column(Enum(ReturnStatus, native_enum=False, length=16))
    reason: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer, default=0)  # minor units: sum of quantity x unit cost
    credit_note_number: Mapped[str | None] = mapped_column(String(64))
    credit_amount: Mapped[int | None] = mapped_column(Integer)
    credited_at: Mapped[dt.datetime | None]
    credited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class SupplierReturnLine(IdMixin, Base):
    __tablename__ = "supplier_return_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_supplier_return_lines_return", "return_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    return_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supplier_returns.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[int] = mapped_column(Integer)  # the item's average cost when it left


class CoreStatus(enum.Enum):
    OPEN = "OPEN"  # the old part is owed back to the supplier
    RETURNED = "RETURNED"  # sent back; the supplier's credit is awaited
    CREDITED = "CREDITED"  # the supplier credited it


register_labels({CoreStatus.OPEN: N_("owed to the supplier"), CoreStatus.RETURNED: N_("returned, credit awaited"),
                 CoreStatus.CREDITED: N_("credited")})


class CoreCharge(IdMixin, TimestampMixin, Base):
    """A part with a core charge was fitted on a job: its old part is owed back to the supplier, who credits the
    deposit (quantity x unit value) when it arrives."""

    __tablename__ = "core_charges"
    __table_args__ = (
        Index("ix_core_charges_garage_status", "garage_id", "status", "id"),
        UniqueConstraint("parts_request_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_value >= 0", name="value_not_negative"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="RESTRICT"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="RESTRICT"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    parts_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts_requests.id", ondelete="SET NULL"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_value: Mapped[int] = mapped_column(Integer)
    status: Mapped[CoreStatus] = mapped_column(Enum(CoreStatus, native_enum=False, length=16))
    returned_at: Mapped[dt.datetime | None]
    credit_note_number: Mapped[str | None] = mapped_column(String(64))
    credit_amount: Mapped[int | None] = mapped_column(Integer)
    credited_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
