"""Stock reports (issue 18): the valuation per warehouse at the moving weighted average cost, and the usage per item
and warehouse over a period (what left for jobs and counter sales, less what came back from jobs). One grouped query
each, whatever the number of items."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.inventory import stock
from backend.inventory.models import MovementKind, StockMovement, Warehouse, WarehouseItem, WarehouseStock

MAX_DAYS = 366


@dataclass
class ValuationLine:
    item: WarehouseItem
    on_hand: int
    unit_cost: int
    value: int


@dataclass
class WarehouseValuation:
    warehouse: Warehouse
    total: int = 0
    lines: list[ValuationLine] = field(default_factory=list)


async def valuation(session: AsyncSession, actor: Actor, warehouse_id: object = None) -> list[WarehouseValuation]:
    """Per warehouse (or the one named), each item on its shelf at the item's average cost, by SKU; the central
    warehouse first."""
    query = (select(Warehouse, WarehouseStock.on_hand, WarehouseItem)
             .join(WarehouseStock, WarehouseStock.warehouse_id == Warehouse.id)
             .join(WarehouseItem, WarehouseItem.id == WarehouseStock.item_id)
             .where(Warehouse.garage_id == actor.garage_id, WarehouseStock.on_hand > 0))
    if warehouse_id is not None:
        query = query.where(Warehouse.id == (await stock.get_warehouse(session, actor, warehouse_id)).id)
    out: dict[uuid.UUID, WarehouseValuation] = {}
    for warehouse, on_hand, item in (await session.execute(query.order_by(WarehouseItem.sku))).all():
        entry = out.setdefault(warehouse.id, WarehouseValuation(warehouse))
        line = ValuationLine(item=item, on_hand=on_hand, unit_cost=item.cost_price, value=on_hand * item.cost_price)
        entry.lines.append(line)
        entry.total += line.value
    return sorted(out.values(), key=lambda e: (e.warehouse.site_id is not None, e.warehouse.name.lower()))


@dataclass
class UsageLine:
    item_id: uuid.UUID
    warehouse_id: uuid.UUID
    issued: int  # to jobs
    returned: int  # back from jobs
    sold: int  # over the counter

    @property
    def used(self) -> int:
        return self.issued - self.returned + self.sold


async def usage(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime,
                warehouse_id: object = None) -> list[UsageLine]:
    """What was used per item and warehouse in [start, end): issued to jobs less returned, plus sold."""
    if end <= start:
        raise DomainError(ErrorCode.INVALID_PERIOD, "to")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise DomainError(ErrorCode.PERIOD_TOO_LONG, "to", days=MAX_DAYS)

    def total(kind: MovementKind):
        return func.coalesce(func.sum(case((StockMovement.kind == kind, StockMovement.quantity), else_=0)), 0)

    query = (select(StockMovement.item_id, StockMovement.warehouse_id, total(MovementKind.ISSUE),
                    total(MovementKind.RETURN), total(MovementKind.SALE))
             .where(StockMovement.garage_id == actor.garage_id, StockMovement.created_at >= start,
                    StockMovement.created_at < end,
                    StockMovement.kind.in_((MovementKind.ISSUE, MovementKind.RETURN, MovementKind.SALE)))
             .group_by(StockMovement.item_id, StockMovement.warehouse_id))
    if warehouse_id is not None:
        query = query.where(StockMovement.warehouse_id == (await stock.get_warehouse(session, actor, warehouse_id)).id)
    rows = [UsageLine(item_id=i, warehouse_id=w, issued=-int(issued), returned=int(returned), sold=-int(sold))
            for i, w, issued, returned, sold in (await session.execute(query)).all()]
    return sorted(rows, key=lambda r: (-r.used, str(r.item_id), str(r.warehouse_id)))
