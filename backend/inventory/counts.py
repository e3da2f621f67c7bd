"""Stock counts (issue 18): the count sheet of a warehouse (each item on its shelf, or with levels, and what the
ledger says is there), and posting a count: every line whose counted quantity differs becomes an ADJUST movement by
the variance, with the count's reason, all in one transaction or none (a line counted below what is reserved for
approved parts requests there is refused at its line, and nothing is posted)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.inventory import stock
from backend.inventory.models import MovementKind, WarehouseItem, WarehouseStock

MAX_LINES = 1000
MAX_COUNT = 1_000_000


@dataclass
class CountLine:
    item_id: object
    counted: object


@dataclass
class Variance:
    item_id: uuid.UUID
    expected: int
    counted: int

    @property
    def variance(self) -> int:
        return self.counted - self.expected


async def count_sheet(session: AsyncSession, actor: Actor, warehouse_id: object) -> list[tuple[WarehouseItem, int]]:
    """The items to count in the warehouse, by bin and SKU, with the quantity the ledger has there."""
    warehouse = await stock.get_warehouse(session, actor, warehouse_id)
    rows = (await session.execute(
        select(WarehouseItem, WarehouseStock.on_hand).join(WarehouseStock, WarehouseStock.item_id == WarehouseItem.id)
        .where(WarehouseStock.warehouse_id == warehouse.id, WarehouseStock.garage_id == actor.garage_id,
               or_(WarehouseStock.on_hand > 0, WarehouseStock.max_level.is_not(None)))
        .order_by(WarehouseItem.bin_location, WarehouseItem.sku))).all()
    return [(item, on_hand) for item, on_hand in rows]


async def post_count(session: AsyncSession, actor: Actor, warehouse_id: object, lines: list[CountLine],
                     reason: str | None) -> list[Variance]:
    """Post a count: returns every line with its variance (zero ones included); ADJUST movements for the others."""
    errors = Collector()
    clean_reason = v.text(errors, "reason", reason, max_len=1000)
    if clean_reason is None and not errors.errors:
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    if not lines:
        errors.add(ErrorCode.NO_LINES, "lines")
    elif len(lines) > MAX_LINES:
        errors.add(ErrorCode.INVALID_VALUE, "lines")
    parsed: list[tuple[int, uuid.UUID, int]] = []
    seen = set()
    for index, line in enumerate(lines[:MAX_LINES]):
        counted = line.counted
        if isinstance(counted, bool) or not isinstance(counted, int) or not 0 <= counted <= MAX_COUNT:
            errors.add(ErrorCode.NEGATIVE_QUANTITY, f"lines.{index}.counted")
            continue
        iid = v.try_parse_id(line.item_id)
        if iid is None:
            errors.add(ErrorCode.NOT_FOUND, f"lines.{index}.itemId")
            continue
        if iid in seen:
            errors.add(ErrorCode.DUPLICATE_ITEM, f"lines.{index}.itemId")
            continue
        seen.add(iid)
        parsed.append((index, iid, counted))
    errors.raise_if_any()
    warehouse = await stock.get_warehouse(session, actor, warehouse_id)
    out = []
    for index, item_id, counted in sorted(parsed, key=lambda p: p[1]):
        item = await stock.lock_item(session, actor, item_id, f"lines.{index}.itemId")
        row = await stock.stock_row(session, actor.garage_id, warehouse.id, item.id)
        result = Variance(item_id=item.id, expected=row.on_hand, counted=counted)
        if result.variance:
            try:
                await stock.move(session, actor, item, warehouse, MovementKind.ADJUST, result.variance,
                                 field=f"lines.{index}.counted", reason=clean_reason)
            except DomainError as exc:
                if exc.code == ErrorCode.INSUFFICIENT_STOCK:  # counted fewer than are held for parts requests
                    raise DomainError(ErrorCode.COUNT_BELOW_RESERVED, exc.field, reserved=row.reserved) from None
                raise
            audit.record(session, actor, "WarehouseItem", item.id, "stock:count",
                         {"quantity_on_hand": {"before": item.quantity_on_hand - result.variance,
                                               "after": item.quantity_on_hand}})
        out.append((index, result))
    await session.flush()
    return [r for _i, r in sorted(out, key=lambda pair: pair[0])]
