from __future__ import annotations

import enum
import uuid

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin


class MovementKind(enum.Enum):
    RECEIVE = "RECEIVE"
    ISSUE = "ISSUE"  # to a job, against a parts request
    RETURN = "RETURN"  # back from a job
    ADJUST = "ADJUST"  # stock count correction, with a reason
    SALE = "SALE"  # sold over the counter on an invoice (the reason names it)


class WarehouseItem(IdMixin, TimestampMixin, Base):
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
    cost_price: Mapped[int] = mapped_column(Integer, default=0)  # minor units of the garage's currency
    sale_price: Mapped[int] = mapped_column(Integer, default=0)
    quantity_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    bin_location: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class StockMovement(IdMixin, TimestampMixin, Base):
    """The stock ledger: quantity on hand always equals the sum of an item's movements."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_item", "item_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="CASCADE"))
    kind: Mapped[MovementKind] = mapped_column(Enum(MovementKind, native_enum=False, length=16))
    quantity: Mapped[int] = mapped_column(Integer)  # signed: + in, - out
    balance_after: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    parts_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts_requests.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
