"""Warehouses and the stock per item and warehouse: the one place where stock moves.

Every change goes through `move`: it locks the item's row (the lock order everywhere: job, parts request, transfer or
purchase order, then items by id, then their stock rows), changes the warehouse's row in one conditional UPDATE
(`... WHERE on_hand - reserved >= :n`, never below what is available, backed by CHECK constraints), keeps the item's
garage total (WarehouseItem.quantity_on_hand, the sum of its warehouses' on hand) and writes the ledger row in the
same transaction, with the warehouse's balance after it. So per warehouse, and for the garage, on hand = ledger.

A garage has a central warehouse and each site one of its own, made with the site (and on first use for a garage or
site that predates them). Every query is scoped by the actor's garage; nothing here commits.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend.core import events
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.core.ids import new_id
from backend.inventory.models import (
    MovementKind,
    StockMovement,
    StockReservation,
    Warehouse,
    WarehouseItem,
    WarehouseKind,
    WarehouseStock,
)

CENTRAL_NAME = "Central warehouse"


def inventory_channel(garage_id: uuid.UUID) -> str:
    return f"inventory:{garage_id}"


# ---------------------------------------------------------------------------------------------------- warehouses


async def _get_or_create(session: AsyncSession, garage_id: uuid.UUID, site_id: uuid.UUID | None,
                         name: str) -> Warehouse:
    clause = Warehouse.site_id.is_(None) if site_id is None else Warehouse.site_id == site_id
    query = select(Warehouse).where(Warehouse.garage_id == garage_id, clause)
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return found
    warehouse = Warehouse(id=new_id(), garage_id=garage_id, site_id=site_id, name=name[:200], active=True,
                          kind=WarehouseKind.CENTRAL if site_id is None else WarehouseKind.SITE)
    try:
        async with session.begin_nested():
            session.add(warehouse)
            await session.flush()
    except IntegrityError:  # made at the same moment by someone else
        return (await session.execute(query)).scalar_one()
    return warehouse


async def central_warehouse(session: AsyncSession, garage_id: uuid.UUID) -> Warehouse:
    return await _get_or_create(session, garage_id, None, CENTRAL_NAME)


async def site_warehouse(session: AsyncSession, garage_id: uuid.UUID, site_id: uuid.UUID) -> Warehouse:
    """The site's own warehouse (made now for a site that has none yet). The caller has checked the site's garage."""
    from backend.accounts.models import Site

    name = (await session.execute(select(Site.name).where(Site.id == site_id, Site.garage_id == garage_id))
            ).scalar_one_or_none()
    if name is None:
        raise DomainError(ErrorCode.NOT_FOUND, "siteId")
    return await _get_or_create(session, garage_id, site_id, name)


async def ensure_warehouses(session: AsyncSession, garage_id: uuid.UUID) -> list[Warehouse]:
    """The central warehouse and one per site, made where missing; central first, then by name."""
    from backend.accounts.models import Site

    await central_warehouse(session, garage_id)
    have = set((await session.execute(select(Warehouse.site_id).where(Warehouse.garage_id == garage_id))).scalars())
    for site_id, name in (await session.execute(select(Site.id, Site.name).where(Site.garage_id == garage_id))):
        if site_id not in have:
            await _get_or_create(session, garage_id, site_id, name)
    rows = (await session.execute(select(Warehouse).where(Warehouse.garage_id == garage_id))).scalars()
    return sorted(rows, key=lambda w: (w.kind != WarehouseKind.CENTRAL, w.name.lower(), str(w.id)))


async def get_warehouse(session: AsyncSession, actor: Actor, warehouse_id: object,
                        field: str = "warehouseId") -> Warehouse:
    from backend.core import validate as v

    wid = v.parse_id(warehouse_id, field)
    warehouse = (await session.execute(select(Warehouse).where(
        Warehouse.id == wid, Warehouse.garage_id == actor.garage_id))).scalar_one_or_none()
    if warehouse is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return warehouse


async def warehouse_or_central(session: AsyncSession, actor: Actor, warehouse_id: object | None,
                               field: str = "warehouseId") -> Warehouse:
    if warehouse_id is None:
        return await central_warehouse(session, actor.garage_id)
    return await get_warehouse(session, actor, warehouse_id, field)


async def fetch_own(session: AsyncSession, actor: Actor, model, record_id: object, field: str = "id", *,
                    for_update: bool = False):
    """A row of `model` of the actor's garage, read fresh (and locked with `for_update`); NOT_FOUND on `field`
    for an unknown, malformed or another garage's id."""
    from backend.core import validate as v

    rid = v.parse_id(record_id, field)
    query = (select(model).where(model.id == rid, model.garage_id == actor.garage_id)
             .execution_options(populate_existing=True))
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return row


async def find_own(session: AsyncSession, actor: Actor, model, record_id: object):
    """fetch_own, or None where it would answer NOT_FOUND (a payload's record after a refusal)."""
    try:
        return await fetch_own(session, actor, model, record_id)
    except DomainError:
        return None


async def newest_first(session: AsyncSession, query, id_column, after: object, limit: int) -> list:
    """A page of `query` newest first by its UUIDv7 id (`limit + 1` rows); `after` is the last id already seen."""
    from backend.core import validate as v

    if after is not None:
        last = v.try_parse_id(after)
        if last is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(id_column < last)
    return list((await session.execute(query.order_by(id_column.desc()).limit(limit + 1))).scalars())


# ---------------------------------------------------------------------------------------------------- stock rows


async def lock_item(session: AsyncSession, actor: Actor, item_id: uuid.UUID, field: str = "itemId") -> WarehouseItem:
    item = (await session.execute(
        select(WarehouseItem).where(WarehouseItem.id == item_id, WarehouseItem.garage_id == actor.garage_id)
        .with_for_update().execution_options(populate_existing=True))).scalar_one_or_none()
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return item


async def stock_row(session: AsyncSession, garage_id: uuid.UUID, warehouse_id: uuid.UUID,
                    item_id: uuid.UUID) -> WarehouseStock:
    """The item's row in the warehouse, made (empty) when there is none. Call with the item's row locked."""
    query = (select(WarehouseStock).where(WarehouseStock.warehouse_id == warehouse_id,
                                          WarehouseStock.item_id == item_id, WarehouseStock.garage_id == garage_id)
             .execution_options(populate_existing=True))
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        row = WarehouseStock(id=new_id(), garage_id=garage_id, warehouse_id=warehouse_id, item_id=item_id,
                             on_hand=0, reserved=0, version=1)
        session.add(row)
        await session.flush()
    return row


def _set(obj, **values) -> None:
    for key, value in values.items():
        set_committed_value(obj, key, value)


async def move(session: AsyncSession, actor: Actor, item: WarehouseItem, warehouse: Warehouse, kind: MovementKind,
               quantity: int, *, field: str = "quantity", reserved_used: int = 0, active_only: bool = False,
               unit_cost: int | None = None, reason: str | None = None, job_id: uuid.UUID | None = None,
               parts_request_id: uuid.UUID | None = None, transfer_id: uuid.UUID | None = None,
               receipt_id: uuid.UUID | None = None, bump_version: bool = True) -> StockMovement:
    """Move `quantity` (signed: + in, - out) of the item in the warehouse and write the ledger row.

    Stock going out comes from what is available (on hand - reserved) plus `reserved_used` units of a reservation
    being consumed (`bump_version` false: a new item's opening stock, still its version 1); INSUFFICIENT_STOCK (with available and requested) on `field` when the shelf is short, and
    ITEM_INACTIVE with `active_only` for a retired item. Nothing has changed when it raises.
    """
    item = await lock_item(session, actor, item.id)
    if active_only and not item.active:
        raise DomainError(ErrorCode.ITEM_INACTIVE, "itemId")
    row = await stock_row(session, actor.garage_id, warehouse.id, item.id)
    table = WarehouseStock
    conditions = [table.id == row.id]
    if quantity < 0:
        take = -quantity
        conditions += [table.on_hand - table.reserved >= take - reserved_used, table.reserved >= reserved_used]
    result = (await session.execute(
        update(table).where(*conditions)
        .values(on_hand=table.on_hand + quantity, reserved=table.reserved - reserved_used,
                version=table.version + 1, updated_at=utcnow())
        .returning(table.on_hand, table.reserved, table.version)
        .execution_options(synchronize_session=False))).first()
    if result is None:
        available = row.on_hand - row.reserved
        raise DomainError(ErrorCode.INSUFFICIENT_STOCK, field, available=available + reserved_used,
                          requested=-quantity)
    _set(row, on_hand=result[0], reserved=result[1], version=result[2])
    total = (await session.execute(
        update(WarehouseItem).where(WarehouseItem.id == item.id)
        .values(quantity_on_hand=WarehouseItem.quantity_on_hand + quantity,
                version=WarehouseItem.version + (1 if bump_version else 0), updated_at=utcnow())
        .returning(WarehouseItem.quantity_on_hand, WarehouseItem.version)
        .execution_options(synchronize_session=False))).one()
    _set(item, quantity_on_hand=total[0], version=total[1])
    if kind not in (MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN):  # stock in transit is not used up
        from backend.integrations.webhooks.outbox import stock_low_if_crossed

        stock_low_if_crossed(session, item, total[0] - quantity, total[0])  # webhooks: stock.low at the reorder point
    movement = StockMovement(id=new_id(), garage_id=actor.garage_id, item_id=item.id, warehouse_id=warehouse.id,
                             kind=kind, quantity=quantity, balance_after=result[0],
                             unit_cost=item.cost_price if unit_cost is None else unit_cost, reason=reason,
                             job_id=job_id, parts_request_id=parts_request_id, transfer_id=transfer_id,
                             receipt_id=receipt_id, actor_user_id=actor.user_id, created_at=utcnow())
    session.add(movement)
    stock_changed(session, actor.garage_id, item, warehouse.id, row)
    return movement


def stock_changed(session: AsyncSession, garage_id: uuid.UUID, item: WarehouseItem, warehouse_id: uuid.UUID,
                  row: WarehouseStock) -> None:
    """Live: the stock figures of an item in a warehouse changed (sent after the commit)."""
    events.emit(session, inventory_channel(garage_id), {
        "itemId": str(item.id), "warehouseId": str(warehouse_id), "onHand": row.on_hand, "reserved": row.reserved,
        "available": row.on_hand - row.reserved, "garageOnHand": item.quantity_on_hand})


# ---------------------------------------------------------------------------------------------------- reservations


async def reserve(session: AsyncSession, actor: Actor, item_id: uuid.UUID, warehouse: Warehouse, quantity: int, *,
                  parts_request_id: uuid.UUID) -> int:
    """Hold up to `quantity` of what is available in the warehouse for a parts request; returns how many were held
    (less, even none, when the shelf is short: the rest is taken at issue if it has arrived by then)."""
    item = await lock_item(session, actor, item_id)
    row = await stock_row(session, actor.garage_id, warehouse.id, item.id)
    held = max(0, min(quantity, row.on_hand - row.reserved))
    if held:
        result = (await session.execute(
            update(WarehouseStock).where(WarehouseStock.id == row.id,
                                         WarehouseStock.on_hand - WarehouseStock.reserved >= held)
            .values(reserved=WarehouseStock.reserved + held, version=WarehouseStock.version + 1)
            .returning(WarehouseStock.reserved, WarehouseStock.version)
            .execution_options(synchronize_session=False))).one()
        _set(row, reserved=result[0], version=result[1])
        existing = (await session.execute(select(StockReservation).where(
            StockReservation.parts_request_id == parts_request_id, StockReservation.warehouse_id == warehouse.id)
        )).scalar_one_or_none()
        if existing is not None:  # topped up (an ordered part arrived for the request)
            existing.quantity += held
        else:
            session.add(StockReservation(id=new_id(), garage_id=actor.garage_id, warehouse_id=warehouse.id,
                                         item_id=item.id, parts_request_id=parts_request_id, quantity=held,
                                         created_at=utcnow()))
        await session.flush()
        stock_changed(session, actor.garage_id, item, warehouse.id, row)
    return held


async def take_reservation(session: AsyncSession, actor: Actor, parts_request_id: uuid.UUID,
                           ) -> StockReservation | None:
    """The request's reservation, removed (the caller releases it or consumes it)."""
    reservation = (await session.execute(select(StockReservation).where(
        StockReservation.parts_request_id == parts_request_id, StockReservation.garage_id == actor.garage_id)
    )).scalar_one_or_none()
    if reservation is not None:
        await session.delete(reservation)
        await session.flush()
    return reservation


async def release(session: AsyncSession, actor: Actor, parts_request_id: uuid.UUID) -> int:
    """A rejected or withdrawn request's stock goes back to available. Returns how many were held."""
    reservation = await take_reservation(session, actor, parts_request_id)
    if reservation is None:
        return 0
    item = await lock_item(session, actor, reservation.item_id)
    row = await stock_row(session, actor.garage_id, reservation.warehouse_id, item.id)
    result = (await session.execute(
        update(WarehouseStock).where(WarehouseStock.id == row.id)
        .values(reserved=WarehouseStock.reserved - reservation.quantity, version=WarehouseStock.version + 1)
        .returning(WarehouseStock.reserved, WarehouseStock.version)
        .execution_options(synchronize_session=False))).one()
    _set(row, reserved=result[0], version=result[1])
    stock_changed(session, actor.garage_id, item, reservation.warehouse_id, row)
    return reservation.quantity
