"""Warehouse items and the stock ledger.

Stock is kept per item and warehouse (backend/inventory/stock.py): it changes only through movements (RECEIVE,
ISSUE, RETURN, ADJUST, SALE, TRANSFER_OUT/IN, REVERSAL), each written in the same transaction as the change, with the
warehouse's balance after it: a warehouse's on hand always equals the sum of its ledger, and the item's
quantity_on_hand (the garage total on all shelves) the sum of all. Stock leaves a shelf through one conditional
UPDATE (`... WHERE on_hand - reserved >= :n`), so two people can never take the last unit twice, and CHECK
constraints stand behind it. Without a warehouse named, receipts and adjustments are the central warehouse's; a
job's parts come from (and go back to) its site's warehouse.

Every query is scoped by the actor's garage. Nothing here commits: the request boundary does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.inventory import stock
from backend.inventory.models import MovementKind, StockMovement, WarehouseItem, WarehouseStock

__all__ = [
    "MovementKind", "WarehouseItem", "StockMovement", "ItemInput", "create_item", "update_item", "get_item",
    "find_item", "list_items", "low_stock_items", "receive_stock", "adjust_stock", "issue_to_job",
    "return_from_job", "list_movements", "get_movement", "normalize_sku",
]

_UNSET = object()

MAX_SKU = 64
MAX_NAME = 200
MAX_UNIT = 20
MAX_BIN = 40
MAX_REASON = 1000
MAX_SEARCH = 200
MAX_INT = 2_147_483_647  # the columns are 32-bit integers
ENTITY = "WarehouseItem"

# the item's fields that the audit log follows (quantity_on_hand changes only through movements)
ITEM_AUDIT_FIELDS = (
    "sku", "name_en", "name_th", "unit", "cost_price", "sale_price", "quantity_on_hand", "reorder_point",
    "bin_location", "active",
)


# ---------------------------------------------------------------------------------------------------- helpers


def normalize_sku(value: str | None) -> str:
    """' oil-5w30 ' becomes 'OIL-5W30'. Not validated here."""
    return (v.clean(value) or "").upper()


def _sku(errors: Collector, value: object) -> str | None:
    sku = normalize_sku(value if isinstance(value, str) else None)
    if not sku:
        errors.add(ErrorCode.REQUIRED, "sku")
        return None
    if len(sku) > MAX_SKU:
        errors.add(ErrorCode.TOO_LONG, "sku", max=MAX_SKU)
        return None
    return sku


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _amount(errors: Collector, field: str, value: object) -> int | None:
    """Money in minor units: zero or more."""
    if value is None:
        errors.add(ErrorCode.REQUIRED, field)
        return None
    if not _is_int(value) or not 0 <= value <= MAX_INT:
        errors.add(ErrorCode.INVALID_AMOUNT, field)
        return None
    return value


def _level(errors: Collector, field: str, value: object) -> int | None:
    """A stock level (reorder point, opening quantity): zero or more."""
    if value is None:
        errors.add(ErrorCode.REQUIRED, field)
        return None
    if not _is_int(value) or not 0 <= value <= MAX_INT:
        errors.add(ErrorCode.NEGATIVE_QUANTITY, field)
        return None
    return value


def _quantity(errors: Collector, value: object, field: str = "quantity") -> int | None:
    """A quantity that moves: above zero."""
    if not _is_int(value) or not 0 < value <= MAX_INT:
        errors.add(ErrorCode.INVALID_QUANTITY, field)
        return None
    return value


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _sku_free(session: AsyncSession, actor: Actor, errors: Collector, sku: str,
                    current_id: uuid.UUID | None) -> None:
    clash = (await session.execute(select(WarehouseItem.id).where(
        WarehouseItem.garage_id == actor.garage_id, WarehouseItem.sku == sku))).scalar()
    if clash is not None and clash != current_id:
        errors.add(ErrorCode.SKU_TAKEN, "sku", sku=sku)


async def _flush_item(session: AsyncSession, sku: str) -> None:
    """The unique constraint is the backstop when two people enter the same SKU at the same moment."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if "sku" in str(exc.orig).lower():
            raise DomainError(ErrorCode.SKU_TAKEN, "sku", sku=sku) from None
        raise


# ---------------------------------------------------------------------------------------------------- items


@dataclass
class ItemInput:
    sku: object = _UNSET
    name_en: object = _UNSET
    name_th: object = _UNSET
    unit: object = _UNSET
    cost_price: object = _UNSET
    sale_price: object = _UNSET
    reorder_point: object = _UNSET
    bin_location: object = _UNSET
    active: object = _UNSET


def _check_item(errors: Collector, data: ItemInput) -> dict:
    out: dict = {}
    if data.sku is not _UNSET:
        out["sku"] = _sku(errors, data.sku)
    if data.name_en is not _UNSET:
        out["name_en"] = v.text(errors, "nameEn", data.name_en, required=True, max_len=MAX_NAME)
    if data.name_th is not _UNSET:
        out["name_th"] = v.text(errors, "nameTh", data.name_th, max_len=MAX_NAME)
    if data.unit is not _UNSET:
        out["unit"] = v.text(errors, "unit", data.unit, required=True, max_len=MAX_UNIT)
    if data.cost_price is not _UNSET:
        out["cost_price"] = _amount(errors, "costPrice", data.cost_price)
    if data.sale_price is not _UNSET:
        out["sale_price"] = _amount(errors, "salePrice", data.sale_price)
    if data.reorder_point is not _UNSET:
        out["reorder_point"] = _level(errors, "reorderPoint", data.reorder_point)
    if data.bin_location is not _UNSET:
        out["bin_location"] = v.text(errors, "binLocation", data.bin_location, max_len=MAX_BIN)
    if data.active is not _UNSET:
        if not isinstance(data.active, bool):
            errors.add(ErrorCode.REQUIRED, "active")
        else:
            out["active"] = data.active
    return out


async def create_item(session: AsyncSession, actor: Actor, data: ItemInput, item_id: uuid.UUID | None = None, *,
                      initial_quantity: int | None = None, reason: str | None = None,
                      warehouse_id: object | None = None) -> WarehouseItem:
    """A new item. An opening quantity above zero enters the ledger of the warehouse (the central one when not
    named) as a RECEIVE movement at the cost price."""
    errors = Collector()
    for name in ("sku", "name_en"):
        if getattr(data, name) is _UNSET:
            setattr(data, name, None)
    fields = _check_item(errors, data)
    fields = {k: val for k, val in fields.items() if val is not None or k in ("name_th", "bin_location")}
    opening = 0 if initial_quantity is None else _level(errors, "initialQuantity", initial_quantity)
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_REASON)
    if fields.get("sku"):
        await _sku_free(session, actor, errors, fields["sku"], None)
    errors.raise_if_any()
    await v.ensure_new_id(session, WarehouseItem, item_id)
    if opening and warehouse_id is not None:
        await stock.get_warehouse(session, actor, warehouse_id)
    item = WarehouseItem(id=item_id or new_id(), garage_id=actor.garage_id, quantity_on_hand=0,
                         version=1, **fields)
    session.add(item)
    await _flush_item(session, item.sku)
    audit.record(session, actor, ENTITY, item.id, "create", audit.created(item, ITEM_AUDIT_FIELDS))
    if opening:
        warehouse = await stock.warehouse_or_central(session, actor, warehouse_id)
        await stock.move(session, actor, item, warehouse, MovementKind.RECEIVE, opening, reason=clean_reason,
                         bump_version=False)
        await session.flush()
    return item


async def get_item(session: AsyncSession, actor: Actor, item_id: object, field: str = "itemId", *,
                   for_update: bool = False) -> WarehouseItem:
    """An item of the actor's garage (fresh from the database), or NOT_FOUND on `field`."""
    iid = v.parse_id(item_id, field)
    query = (select(WarehouseItem).where(WarehouseItem.id == iid, WarehouseItem.garage_id == actor.garage_id)
             .execution_options(populate_existing=True))
    if for_update:
        query = query.with_for_update()
    item = (await session.execute(query)).scalar_one_or_none()
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return item


async def find_item(session: AsyncSession, actor: Actor, item_id: object) -> WarehouseItem | None:
    """Like get_item, but an unknown (or malformed, or another garage's) id is simply None."""
    try:
        return await get_item(session, actor, item_id, "id")
    except DomainError:
        return None


async def update_item(session: AsyncSession, actor: Actor, item_id: object, data: ItemInput,
                      expected_version: int | None = None) -> WarehouseItem:
    """Change an item's details. The quantity on hand is not among them: it moves through the ledger."""
    errors = Collector()
    fields = _check_item(errors, data)
    errors.raise_if_any()
    item = await get_item(session, actor, item_id, "id", for_update=True)
    v.check_version(item, expected_version)
    if fields.get("sku") and fields["sku"] != item.sku:
        await _sku_free(session, actor, errors, fields["sku"], item.id)
        errors.raise_if_any()
    before = audit.snapshot(item, ITEM_AUDIT_FIELDS)
    changed = {k: val for k, val in fields.items() if getattr(item, k) != val}
    if changed:
        for key, value in changed.items():
            setattr(item, key, value)
        item.version += 1
        await _flush_item(session, item.sku)
        audit.record(session, actor, ENTITY, item.id, "update",
                     audit.diff(before, audit.snapshot(item, ITEM_AUDIT_FIELDS)))
    return item


def _search_clause(term: str):
    pattern = func.lower(literal(_like_pattern(term)))
    return or_(
        func.lower(WarehouseItem.sku).like(pattern, escape="\\"),
        func.lower(WarehouseItem.name_en).like(pattern, escape="\\"),
        func.lower(WarehouseItem.name_th).like(pattern, escape="\\"),
    )


def _low_stock_clause():
    return and_(WarehouseItem.active.is_(True), WarehouseItem.one_off.is_(False),
                WarehouseItem.quantity_on_hand <= WarehouseItem.reorder_point)


async def list_items(session: AsyncSession, actor: Actor, *, search: str | None = None,
                     low_stock: bool | None = None, active: bool | None = None, limit: int = 20,
                     after: tuple[str, object] | None = None) -> list[WarehouseItem]:
    """Items by (English name, id), `limit + 1` rows so the caller knows whether another page follows.

    `search` matches SKU or the English or Thai name (partial, any case); `low_stock` true keeps the active items
    at or under their reorder point, false the others.
    """
    term = v.clean(search)
    if term is not None and len(term) > MAX_SEARCH:
        raise DomainError(ErrorCode.TOO_LONG, "search", max=MAX_SEARCH)
    query = select(WarehouseItem).where(WarehouseItem.garage_id == actor.garage_id)
    if term is not None:
        query = query.where(_search_clause(term))
    if low_stock is True:
        query = query.where(_low_stock_clause())
    elif low_stock is False:
        query = query.where(~_low_stock_clause())
    if active is not None:
        query = query.where(WarehouseItem.active.is_(active))
    if after is not None:
        name, last_id = after
        last = v.try_parse_id(last_id)
        if last is None or name is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(or_(WarehouseItem.name_en > name,
                                and_(WarehouseItem.name_en == name, WarehouseItem.id > last)))
    query = query.order_by(WarehouseItem.name_en, WarehouseItem.id).limit(limit + 1)
    return list((await session.execute(query)).scalars())


async def low_stock_items(session: AsyncSession, actor: Actor, *, limit: int = 500) -> list[WarehouseItem]:
    """Active items at or under their reorder point, the emptiest (relative to the reorder point) first."""
    query = (select(WarehouseItem)
             .where(WarehouseItem.garage_id == actor.garage_id, _low_stock_clause())
             .order_by(WarehouseItem.quantity_on_hand - WarehouseItem.reorder_point, WarehouseItem.name_en,
                       WarehouseItem.id)
             .limit(limit))
    return list((await session.execute(query)).scalars())


# ---------------------------------------------------------------------------------------------------- the ledger


def _audit_move(session: AsyncSession, actor: Actor, item: WarehouseItem, action: str, change: int,
                warehouse_id: uuid.UUID) -> None:
    """The garage total before and after (the movement itself names the warehouse)."""
    after = item.quantity_on_hand
    audit.record(session, actor, ENTITY, item.id, action,
                 {"quantity_on_hand": {"before": after - change, "after": after}})


async def receive_stock(session: AsyncSession, actor: Actor, item_id: object, quantity: object,
                        unit_cost: object = None, reason: str | None = None,
                        expected_version: int | None = None, warehouse_id: object | None = None) -> StockMovement:
    """Stock arrives (a delivery, a purchase) in the warehouse (the central one when not named): RECEIVE, at
    `unit_cost` or else the item's cost price. `reason` holds the note or reference (a delivery note number)."""
    errors = Collector()
    qty = _quantity(errors, quantity)
    cost = None if unit_cost is None else _amount(errors, "unitCost", unit_cost)
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_REASON)
    errors.raise_if_any()
    item = await get_item(session, actor, item_id, for_update=expected_version is not None)
    v.check_version(item, expected_version)
    warehouse = await stock.warehouse_or_central(session, actor, warehouse_id)
    movement = await stock.move(session, actor, item, warehouse, MovementKind.RECEIVE, qty, unit_cost=cost,
                                reason=clean_reason)
    _audit_move(session, actor, item, "stock:receive", qty, warehouse.id)
    await session.flush()
    return movement


async def adjust_stock(session: AsyncSession, actor: Actor, item_id: object, quantity_change: object,
                       reason: str | None, expected_version: int | None = None,
                       warehouse_id: object | None = None) -> StockMovement:
    """A stock-count correction (damage, loss, a recount) in a warehouse (the central one when not named), always
    with a reason. Never below zero, nor below what is reserved there for approved parts requests."""
    errors = Collector()
    change = None
    if not _is_int(quantity_change) or not -MAX_INT <= quantity_change <= MAX_INT:
        errors.add(ErrorCode.INVALID_VALUE, "quantityChange")
    elif quantity_change == 0:
        errors.add(ErrorCode.ZERO_ADJUSTMENT, "quantityChange")
    else:
        change = quantity_change
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_REASON)
    if clean_reason is None and not any(e.field == "reason" for e in errors.errors):
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    errors.raise_if_any()
    item = await get_item(session, actor, item_id, for_update=expected_version is not None)
    v.check_version(item, expected_version)
    warehouse = await stock.warehouse_or_central(session, actor, warehouse_id)
    movement = await stock.move(session, actor, item, warehouse, MovementKind.ADJUST, change,
                                field="quantityChange", reason=clean_reason)
    _audit_move(session, actor, item, "stock:adjust", change, warehouse.id)
    await session.flush()
    return movement


async def issue_to_job(session: AsyncSession, actor: Actor, item_id: uuid.UUID, quantity: int, *,
                       job_id: uuid.UUID, parts_request_id: uuid.UUID,
                       site_id: uuid.UUID | None = None) -> StockMovement:
    """Parts leave the job's site warehouse for the job (the workshop calls this when a parts request is issued).

    The request's reservation there (made when it was approved) is consumed, and whatever it lacked is taken from
    what is available, in one conditional UPDATE, so concurrent issues never oversell; the ISSUE movement (at the
    item's cost price) is written in the same transaction. Raises INSUFFICIENT_STOCK (with available and
    requested), NOT_FOUND or ITEM_INACTIVE on `itemId` / INVALID_QUANTITY on `quantity`. The caller has loaded the
    job and the request of the actor's garage; without `site_id` the job's own site is read.
    """
    errors = Collector()
    qty = _quantity(errors, quantity)
    errors.raise_if_any()
    item = await get_item(session, actor, item_id)
    if not item.active:
        raise DomainError(ErrorCode.ITEM_INACTIVE, "itemId")
    if site_id is None:
        from backend.workshop.models import Job

        site_id = (await session.execute(select(Job.site_id).where(
            Job.id == job_id, Job.garage_id == actor.garage_id))).scalar_one()
    warehouse = await stock.site_warehouse(session, actor.garage_id, site_id)
    await stock.lock_item(session, actor, item.id)
    reservation = await stock.take_reservation(session, actor, parts_request_id)
    used = 0
    if reservation is not None:
        if reservation.warehouse_id == warehouse.id:
            used = min(reservation.quantity, qty)
            if used < reservation.quantity:  # held more than is issued now: give the rest back
                await _unreserve(session, actor, item, warehouse, reservation.quantity - used)
        else:  # held at another warehouse (the job moved site): give it back there
            other = await stock.get_warehouse(session, actor, reservation.warehouse_id)
            await _unreserve(session, actor, item, other, reservation.quantity)
    movement = await stock.move(session, actor, item, warehouse, MovementKind.ISSUE, -qty, reserved_used=used,
                                active_only=True, job_id=job_id, parts_request_id=parts_request_id)
    _audit_move(session, actor, item, "stock:issue", -qty, warehouse.id)
    await session.flush()
    return movement


async def _unreserve(session: AsyncSession, actor: Actor, item: WarehouseItem, warehouse, quantity: int) -> None:
    row = await stock.stock_row(session, actor.garage_id, warehouse.id, item.id)
    await session.execute(update(WarehouseStock).where(WarehouseStock.id == row.id).values(
        reserved=WarehouseStock.reserved - quantity, version=WarehouseStock.version + 1)
        .execution_options(synchronize_session=False))


async def reserve_for_request(session: AsyncSession, actor: Actor, item_id: uuid.UUID, quantity: int, *,
                              site_id: uuid.UUID, parts_request_id: uuid.UUID) -> int:
    """An approved parts request holds up to `quantity` on its site warehouse's shelf; returns how many."""
    warehouse = await stock.site_warehouse(session, actor.garage_id, site_id)
    return await stock.reserve(session, actor, item_id, warehouse, quantity, parts_request_id=parts_request_id)


async def release_reservation(session: AsyncSession, actor: Actor, parts_request_id: uuid.UUID) -> int:
    """A rejected or withdrawn parts request's held stock becomes available again; returns how many."""
    return await stock.release(session, actor, parts_request_id)


async def sell(session: AsyncSession, actor: Actor, item_id: uuid.UUID, quantity: int, *, reference: str,
               field: str = "quantity", site_id: uuid.UUID | None = None) -> StockMovement:
    """Parts sold over the counter leave the shelf when their invoice is issued (billing calls this): the site's
    warehouse when the invoice names its site, else the central one.

    The same conditional UPDATE as an issue to a job, so a sale never oversells nor takes reserved stock:
    INSUFFICIENT_STOCK (with available and requested) on `field` when the shelf is short. A SALE movement at the
    item's cost price names the invoice.
    """
    item = await get_item(session, actor, item_id, field)
    warehouse = (await stock.site_warehouse(session, actor.garage_id, site_id) if site_id is not None
                 else await stock.central_warehouse(session, actor.garage_id))
    movement = await stock.move(session, actor, item, warehouse, MovementKind.SALE, -quantity, field=field,
                                reason=reference)
    _audit_move(session, actor, item, "stock:sale", -quantity, warehouse.id)
    await session.flush()
    return movement


async def return_from_job(session: AsyncSession, actor: Actor, item_id: uuid.UUID, quantity: int, *,
                          job_id: uuid.UUID, parts_request_id: uuid.UUID, reason: str | None = None,
                          site_id: uuid.UUID | None = None) -> StockMovement:
    """Unused parts come back from a job to its site's warehouse: a RETURN movement at the item's cost price.

    The caller checks that no more comes back than was issued against the request (it knows the request).
    """
    errors = Collector()
    qty = _quantity(errors, quantity)
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_REASON)
    errors.raise_if_any()
    item = await get_item(session, actor, item_id)
    if site_id is None:
        from backend.workshop.models import Job

        site_id = (await session.execute(select(Job.site_id).where(
            Job.id == job_id, Job.garage_id == actor.garage_id))).scalar_one()
    warehouse = await stock.site_warehouse(session, actor.garage_id, site_id)
    movement = await stock.move(session, actor, item, warehouse, MovementKind.RETURN, qty, reason=clean_reason,
                                job_id=job_id, parts_request_id=parts_request_id)
    _audit_move(session, actor, item, "stock:return", qty, warehouse.id)
    await session.flush()
    return movement


async def list_movements(session: AsyncSession, actor: Actor, item_id: object, *, limit: int = 20,
                         after: object | None = None) -> list[StockMovement]:
    """An item's movements, newest first, `limit + 1` rows; `after` is the id of the last one already seen.
    An unknown item is NOT_FOUND."""
    item = await get_item(session, actor, item_id)
    query = select(StockMovement).where(StockMovement.garage_id == actor.garage_id,
                                        StockMovement.item_id == item.id)
    if after is not None:
        last = v.try_parse_id(after)
        if last is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        # ids are UUIDv7, so they follow the order of creation
        query = query.where(StockMovement.id < last)
    query = query.order_by(StockMovement.id.desc()).limit(limit + 1)
    return list((await session.execute(query)).scalars())


async def get_movement(session: AsyncSession, actor: Actor, movement_id: object, field: str = "id") -> StockMovement:
    mid = v.parse_id(movement_id, field)
    movement = (await session.execute(select(StockMovement).where(
        StockMovement.id == mid, StockMovement.garage_id == actor.garage_id))).scalar_one_or_none()
    if movement is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return movement
