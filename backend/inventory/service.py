"""Warehouse items and the stock ledger.

The quantity on hand changes only through movements (RECEIVE, ISSUE, RETURN, ADJUST), each written in the same
transaction as the change, with the balance after it: the quantity on hand always equals the sum of the ledger.
Stock leaves the shelf through one conditional UPDATE (`... WHERE quantity_on_hand >= :n`), so two people can never
take the last unit twice, and a CHECK constraint stands behind it.

Every query is scoped by the actor's garage. Nothing here commits: the request boundary does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.inventory.models import MovementKind, StockMovement, WarehouseItem

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
                      initial_quantity: int | None = None, reason: str | None = None) -> WarehouseItem:
    """A new item. An opening quantity above zero enters the ledger as a RECEIVE movement at the cost price."""
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
    item = WarehouseItem(id=item_id or new_id(), garage_id=actor.garage_id, quantity_on_hand=opening or 0,
                         version=1, **fields)
    session.add(item)
    await _flush_item(session, item.sku)
    audit.record(session, actor, ENTITY, item.id, "create", audit.created(item, ITEM_AUDIT_FIELDS))
    if opening:
        _ledger(session, actor, item, MovementKind.RECEIVE, opening, opening, unit_cost=item.cost_price,
                reason=clean_reason)
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
    return and_(WarehouseItem.active.is_(True), WarehouseItem.quantity_on_hand <= WarehouseItem.reorder_point)


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


def _ledger(session: AsyncSession, actor: Actor, item: WarehouseItem, kind: MovementKind, quantity: int,
            balance_after: int, *, unit_cost: int | None = None, reason: str | None = None,
            job_id: uuid.UUID | None = None, parts_request_id: uuid.UUID | None = None) -> StockMovement:
    movement = StockMovement(id=new_id(), garage_id=actor.garage_id, item_id=item.id, kind=kind, quantity=quantity,
                             balance_after=balance_after, unit_cost=unit_cost, reason=reason, job_id=job_id,
                             parts_request_id=parts_request_id, actor_user_id=actor.user_id, created_at=utcnow())
    session.add(movement)
    return movement


def _moved(item: WarehouseItem, quantity: int, version: int) -> None:
    """The UPDATE bypassed the ORM: tell the loaded item its new state without marking it changed."""
    set_committed_value(item, "quantity_on_hand", quantity)
    set_committed_value(item, "version", version)


async def _add(session: AsyncSession, actor: Actor, item: WarehouseItem, quantity: int) -> int:
    row = (await session.execute(
        update(WarehouseItem)
        .where(WarehouseItem.id == item.id, WarehouseItem.garage_id == actor.garage_id)
        .values(quantity_on_hand=WarehouseItem.quantity_on_hand + quantity, version=WarehouseItem.version + 1,
                updated_at=utcnow())
        .returning(WarehouseItem.quantity_on_hand, WarehouseItem.version)
        .execution_options(synchronize_session=False)
    )).one()
    _moved(item, row[0], row[1])
    return row[0]


async def _take(session: AsyncSession, actor: Actor, item: WarehouseItem, quantity: int, field: str, *,
                active_only: bool = False) -> int:
    """Take `quantity` off the shelf in one conditional UPDATE; INSUFFICIENT_STOCK when there is not enough
    (ITEM_INACTIVE with `active_only` when the item was retired meanwhile)."""
    conditions = [WarehouseItem.id == item.id, WarehouseItem.garage_id == actor.garage_id,
                  WarehouseItem.quantity_on_hand >= quantity]
    if active_only:
        conditions.append(WarehouseItem.active.is_(True))
    row = (await session.execute(
        update(WarehouseItem)
        .where(*conditions)
        .values(quantity_on_hand=WarehouseItem.quantity_on_hand - quantity, version=WarehouseItem.version + 1,
                updated_at=utcnow())
        .returning(WarehouseItem.quantity_on_hand, WarehouseItem.version)
        .execution_options(synchronize_session=False)
    )).first()
    if row is None:
        available, active = (await session.execute(select(WarehouseItem.quantity_on_hand, WarehouseItem.active).where(
            WarehouseItem.id == item.id, WarehouseItem.garage_id == actor.garage_id))).one()
        if active_only and not active:
            raise DomainError(ErrorCode.ITEM_INACTIVE, "itemId")
        raise DomainError(ErrorCode.INSUFFICIENT_STOCK, field, available=available, requested=quantity)
    _moved(item, row[0], row[1])
    return row[0]


def _audit_move(session: AsyncSession, actor: Actor, item: WarehouseItem, action: str, change: int) -> None:
    after = item.quantity_on_hand
    audit.record(session, actor, ENTITY, item.id, action,
                 {"quantity_on_hand": {"before": after - change, "after": after}})


async def receive_stock(session: AsyncSession, actor: Actor, item_id: object, quantity: object,
                        unit_cost: object = None, reason: str | None = None,
                        expected_version: int | None = None) -> StockMovement:
    """Stock arrives (a delivery, a purchase): RECEIVE, at `unit_cost` or else the item's cost price. `reason`
    holds the note or reference (a supplier's delivery note number)."""
    errors = Collector()
    qty = _quantity(errors, quantity)
    cost = None if unit_cost is None else _amount(errors, "unitCost", unit_cost)
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_REASON)
    errors.raise_if_any()
    item = await get_item(session, actor, item_id, for_update=expected_version is not None)
    v.check_version(item, expected_version)
    balance = await _add(session, actor, item, qty)
    movement = _ledger(session, actor, item, MovementKind.RECEIVE, qty, balance,
                       unit_cost=item.cost_price if cost is None else cost, reason=clean_reason)
    _audit_move(session, actor, item, "stock:receive", qty)
    await session.flush()
    return movement


async def adjust_stock(session: AsyncSession, actor: Actor, item_id: object, quantity_change: object,
                       reason: str | None, expected_version: int | None = None) -> StockMovement:
    """A stock-count correction (damage, loss, a recount), always with a reason. Never below zero."""
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
    if change > 0:
        balance = await _add(session, actor, item, change)
    else:
        balance = await _take(session, actor, item, -change, "quantityChange")
    movement = _ledger(session, actor, item, MovementKind.ADJUST, change, balance, unit_cost=item.cost_price,
                       reason=clean_reason)
    _audit_move(session, actor, item, "stock:adjust", change)
    await session.flush()
    return movement


async def issue_to_job(session: AsyncSession, actor: Actor, item_id: uuid.UUID, quantity: int, *,
                       job_id: uuid.UUID, parts_request_id: uuid.UUID) -> StockMovement:
    """Parts leave the shelf for a job (the workshop calls this when a parts request is issued).

    One conditional UPDATE takes the stock, so concurrent issues never oversell; the ISSUE movement (at the item's
    cost price) is written in the same transaction. Raises INSUFFICIENT_STOCK (with available and requested),
    NOT_FOUND or ITEM_INACTIVE on `itemId` / INVALID_QUANTITY on `quantity`. The caller has loaded the job and the
    request of the actor's garage.
    """
    errors = Collector()
    qty = _quantity(errors, quantity)
    errors.raise_if_any()
    item = await get_item(session, actor, item_id)
    if not item.active:
        raise DomainError(ErrorCode.ITEM_INACTIVE, "itemId")
    balance = await _take(session, actor, item, qty, "quantity", active_only=True)
    movement = _ledger(session, actor, item, MovementKind.ISSUE, -qty, balance, unit_cost=item.cost_price,
                       job_id=job_id, parts_request_id=parts_request_id)
    _audit_move(session, actor, item, "stock:issue", -qty)
    await session.flush()
    return movement


async def sell(session: AsyncSession, actor: Actor, item_id: uuid.UUID, quantity: int, *, reference: str,
               field: str = "quantity") -> StockMovement:
    """Parts sold over the counter leave the shelf when their invoice is issued (billing calls this).

    The same conditional UPDATE as an issue to a job, so a sale never oversells: INSUFFICIENT_STOCK (with available
    and requested) on `field` when the shelf is short. A SALE movement at the item's cost price names the invoice.
    """
    item = await get_item(session, actor, item_id, field)
    balance = await _take(session, actor, item, quantity, field)
    movement = _ledger(session, actor, item, MovementKind.SALE, -quantity, balance, unit_cost=item.cost_price,
                       reason=reference)
    _audit_move(session, actor, item, "stock:sale", -quantity)
    await session.flush()
    return movement


async def return_from_job(session: AsyncSession, actor: Actor, item_id: uuid.UUID, quantity: int, *,
                          job_id: uuid.UUID, parts_request_id: uuid.UUID, reason: str | None = None) -> StockMovement:
    """Unused parts come back from a job: a RETURN movement at the item's cost price.

    The caller checks that no more comes back than was issued against the request (it knows the request).
    """
    errors = Collector()
    qty = _quantity(errors, quantity)
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_REASON)
    errors.raise_if_any()
    item = await get_item(session, actor, item_id)
    balance = await _add(session, actor, item, qty)
    movement = _ledger(session, actor, item, MovementKind.RETURN, qty, balance, unit_cost=item.cost_price,
                       reason=clean_reason, job_id=job_id, parts_request_id=parts_request_id)
    _audit_move(session, actor, item, "stock:return", qty)
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
