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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.i18n import N_, register_labels


def _enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(cls, native_enum=False, length=length)


class MovementKind(enum.Enum):
    RECEIVE = "RECEIVE"
    ISSUE = "ISSUE"  # to a job, against a parts request
    RETURN = "RETURN"  # back from a job
    ADJUST = "ADJUST"  # stock count correction, with a reason
    SALE = "SALE"  # sold over the counter on an invoice (the reason names it)
    TRANSFER_OUT = "TRANSFER_OUT"  # dispatched to another warehouse: in transit, on no shelf
    TRANSFER_IN = "TRANSFER_IN"  # received from another warehouse
    REVERSAL = "REVERSAL"  # undoes a wrong receipt (the reason names it)
    SUPPLIER_RETURN = "SUPPLIER_RETURN"  # sent back to the supplier (the reason names the return)


class WarehouseKind(enum.Enum):
    CENTRAL = "CENTRAL"  # one per garage: the main store
    SITE = "SITE"  # one per site: the shelf a site's jobs draw from


class WarehouseItem(IdMixin, TimestampMixin, Base):
    """A stocked item. quantity_on_hand is the garage's total on the shelves of all its warehouses (stock in transit
    between two warehouses is on no shelf); each warehouse's own figures are in WarehouseStock."""

    __tablename__ = "warehouse_items"
    __table_args__ = (
        UniqueConstraint("garage_id", "sku"),
        CheckConstraint("quantity_on_hand >= 0", name="quantity_not_negative"),
        Index("ix_warehouse_items_garage_name", "garage_id", "name_en", "id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_th: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    cost_price: Mapped[int] = mapped_column(Integer, default=0)  # minor units; the moving weighted average cost
    sale_price: Mapped[int] = mapped_column(Integer, default=0)
    quantity_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    bin_location: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # a part not in the catalog, made an item for the one job that asked for it (purchasing.job_parts.one_off_item):
    # stocked, held and issued like any other, but never reordered nor listed as low on stock
    one_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Warehouse(IdMixin, TimestampMixin, Base):
    """A store room: the garage's central warehouse (site_id null) or a site's own."""

    __tablename__ = "warehouses"
    __table_args__ = (
        UniqueConstraint("garage_id", "site_id"),
        Index("uq_warehouses_central", "garage_id", unique=True, sqlite_where=text("site_id IS NULL"),
              postgresql_where=text("site_id IS NULL")),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[WarehouseKind] = mapped_column(_enum(WarehouseKind))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WarehouseStock(IdMixin, TimestampMixin, Base):
    """An item's stock in one warehouse: available = on_hand - reserved (reserved for approved parts requests).
    on_hand always equals the sum of the warehouse's ledger rows for the item."""

    __tablename__ = "warehouse_stock"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "item_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        Index("ix_warehouse_stock_item", "garage_id", "item_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="CASCADE"))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    min_level: Mapped[int | None] = mapped_column(Integer)  # reorder when on hand + on order falls to this
    max_level: Mapped[int | None] = mapped_column(Integer)  # and order up to this
    version: Mapped[int] = mapped_column(Integer, default=1)


class StockReservation(IdMixin, Base):
    """Stock held on a warehouse's shelf for an approved parts request, released on rejection, consumed on issue."""

    __tablename__ = "stock_reservations"
    __table_args__ = (UniqueConstraint("parts_request_id"), Index("ix_stock_reservations_stock", "warehouse_id",
                                                                   "item_id"))

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="CASCADE"))
    parts_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts_requests.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]


class TransferStatus(enum.Enum):
    REQUESTED = "REQUESTED"  # a site asks the central warehouse for stock
    APPROVED = "APPROVED"  # the warehouse manager or an admin agreed; ready to dispatch
    DRAFT = "DRAFT"  # the warehouse manager's own transfer, being put together
    DISPATCHED = "DISPATCHED"  # left the source: in transit, available nowhere
    RECEIVED = "RECEIVED"  # on the destination's shelf
    CANCELLED = "CANCELLED"  # from REQUESTED, APPROVED or DRAFT; nothing moved


TRANSFER_STATUS_LABELS = register_labels({
    TransferStatus.REQUESTED: N_("awaiting approval"),
    TransferStatus.APPROVED: N_("approved for dispatch"),
    TransferStatus.DRAFT: N_("a draft"),
    TransferStatus.DISPATCHED: N_("in transit"),
    TransferStatus.RECEIVED: N_("already received"),
    TransferStatus.CANCELLED: N_("cancelled"),
})


class Transfer(IdMixin, TimestampMixin, Base):
    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("garage_id", "number"),
        CheckConstraint("from_warehouse_id <> to_warehouse_id", name="two_warehouses"),
        Index("ix_transfers_garage_status", "garage_id", "status", "id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    from_warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"))
    to_warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"))
    status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus))
    note: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[dt.datetime | None]
    dispatched_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dispatched_at: Mapped[dt.datetime | None]
    received_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class TransferLine(IdMixin, Base):
    __tablename__ = "transfer_lines"
    __table_args__ = (
        UniqueConstraint("transfer_id", "item_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_transfer_lines_item", "garage_id", "item_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfers.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    # the job's parts request this stock is on its way for (so the job shows where its part is)
    parts_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts_requests.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class StockMovement(IdMixin, TimestampMixin, Base):
    """The stock ledger: a warehouse's on hand of an item always equals the sum of its movements there, and the
    item's garage total the sum of all its movements. balance_after is the warehouse's on hand right after."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_item", "item_id", "created_at"),
                      Index("ix_stock_movements_warehouse", "warehouse_id", "item_id"))

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    kind: Mapped[MovementKind] = mapped_column(_enum(MovementKind))
    quantity: Mapped[int] = mapped_column(Integer)  # signed: + in, - out
    balance_after: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    parts_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts_requests.id", ondelete="SET NULL"))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfers.id", ondelete="SET NULL"))
    # a purchase order's receipt line (backend/purchasing) that brought it in, or that it reverses
    receipt_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
