"""Returns to a supplier and core charges, each tracked to the supplier's credit (issue 18).

A return sends items back from one warehouse: the stock leaves at once (a SUPPLIER_RETURN movement per line, at the
item's average cost, never more than is available there: RETURN_EXCEEDS_STOCK and nothing changes), numbered
RET-<year>-<n> per garage from the locked counter row. It is RETURNED until the supplier's credit note is recorded
with its number and amount (CREDITED; a second time is ALREADY_CREDITED).

A core charge: an item whose preferred supplier charges a deposit on the old part (SupplierItem.core_charge) is
issued to a job: the old part taken off the vehicle is owed back to that supplier. The charge is OPEN, RETURNED when
the old part is sent back, CREDITED when the supplier's credit is recorded. open_cores() is the report of what is
still owed (OPEN or RETURNED), with its value.

Lock order as everywhere: the record's row, then items by id (inside inventory), then their stock rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit, numbering
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.inventory import stock
from backend.inventory.models import MovementKind, WarehouseItem
from backend.purchasing.models import (
    CoreCharge,
    CoreStatus,
    ReturnStatus,
    SupplierItem,
    SupplierReturn,
    SupplierReturnLine,
)

MAX_LINES = 200
MAX_QUANTITY = 1_000_000
MAX_AMOUNT = 2_147_483_647
RETURN_FIELDS = ("status", "supplier_id", "warehouse_id", "total", "reason", "credit_note_number", "credit_amount")
CORE_FIELDS = ("status", "quantity", "unit_value", "credit_note_number", "credit_amount")
OWED = (CoreStatus.OPEN, CoreStatus.RETURNED)


@dataclass
class ReturnLineInput:
    item_id: object
    quantity: object


def _quantity(errors: Collector, field: str, value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        errors.add(ErrorCode.INVALID_QUANTITY, field)
        return None
    return value


def _credit(errors: Collector, number: object, amount: object) -> tuple[str | None, int | None]:
    clean = v.text(errors, "creditNoteNumber", number, required=True, max_len=64)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT:
        errors.add(ErrorCode.INVALID_AMOUNT, "amount")
        return clean, None
    return clean, amount


def _item_name(item: WarehouseItem) -> str:
    return f"{item.sku} {item.name_en}"


# ---------------------------------------------------------------------------------------------------- returns


async def create_return(session: AsyncSession, actor: Actor, supplier_id: object, lines: list[ReturnLineInput], *,
                        reason: str | None, warehouse_id: object = None, order_id: object = None,
                        return_id: uuid.UUID | None = None) -> SupplierReturn:
    """Send `lines` back to the supplier from the warehouse (the central one when not named): the stock leaves now."""
    from backend.purchasing import service

    errors = Collector()
    clean_reason = v.text(errors, "reason", reason, max_len=service.MAX_TEXT)
    if clean_reason is None and not errors.errors:
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    supplier = warehouse = order = None
    try:
        supplier = await service.get_supplier(session, actor, supplier_id, "supplierId")
    except DomainError as exc:
        errors.errors.append(exc)
    try:
        warehouse = await stock.warehouse_or_central(session, actor, warehouse_id)
    except DomainError as exc:
        errors.errors.append(exc)
    if order_id is not None:
        try:
            order = await service.get_order(session, actor, order_id, "orderId")
            if supplier is not None and order.supplier_id != supplier.id:
                errors.add(ErrorCode.NOT_FOUND, "orderId")
        except DomainError as exc:
            errors.errors.append(exc)
    wanted: dict[uuid.UUID, tuple[int, int]] = {}
    if not lines:
        errors.add(ErrorCode.NO_LINES, "lines")
    elif len(lines) > MAX_LINES:
        errors.add(ErrorCode.INVALID_VALUE, "lines")
    else:
        for index, line in enumerate(lines):
            field = f"lines.{index}"
            qty = _quantity(errors, f"{field}.quantity", line.quantity)
            item_id = v.try_parse_id(line.item_id)
            if item_id is None:
                errors.add(ErrorCode.NOT_FOUND, f"{field}.itemId")
                continue
            if item_id in wanted:
                errors.add(ErrorCode.DUPLICATE_ITEM, f"{field}.itemId")
                continue
            if qty is not None:
                wanted[item_id] = (index, qty)
    errors.raise_if_any()
    await v.ensure_new_id(session, SupplierReturn, return_id)
    today = await service._garage_today(session, actor.garage_id)
    sequence = await numbering.next_number(session, actor.garage_id, "SUPPLIER_RETURN", today.year)
    record = SupplierReturn(id=return_id or new_id(), garage_id=actor.garage_id,
                            number=numbering.format_number("RET", today.year, sequence), supplier_id=supplier.id,
                            warehouse_id=warehouse.id, order_id=order.id if order else None,
                            status=ReturnStatus.RETURNED, reason=clean_reason, total=0, created_by_id=actor.user_id,
                            version=1, created_at=utcnow())
    session.add(record)
    await session.flush()
    total = 0
    for item_id in sorted(wanted):  # items locked by id: the one lock order
        index, qty = wanted[item_id]
        item = await stock.lock_item(session, actor, item_id, f"lines.{index}.itemId")
        try:
            await stock.move(session, actor, item, warehouse, MovementKind.SUPPLIER_RETURN, -qty,
                             field=f"lines.{index}.quantity", unit_cost=item.cost_price,
                             reason=f"{record.number}: {clean_reason}")
        except DomainError as exc:
            if exc.code != ErrorCode.INSUFFICIENT_STOCK:
                raise
            raise DomainError(ErrorCode.RETURN_EXCEEDS_STOCK, f"lines.{index}.quantity", item=_item_name(item),
                              available=exc.params.get("available"), warehouse=warehouse.name,
                              requested=qty) from None
        session.add(SupplierReturnLine(id=new_id(), garage_id=actor.garage_id, return_id=record.id, item_id=item.id,
                                       quantity=qty, unit_cost=item.cost_price))
        total += qty * item.cost_price
    record.total = total
    await session.flush()
    audit.record(session, actor, "SupplierReturn", record.id, "create", audit.created(record, RETURN_FIELDS))
    return record


async def get_return(session: AsyncSession, actor: Actor, return_id: object, field: str = "id", *,
                     for_update: bool = False) -> SupplierReturn:
    return await stock.fetch_own(session, actor, SupplierReturn, return_id, field, for_update=for_update)


async def find_return(session: AsyncSession, actor: Actor, return_id: object) -> SupplierReturn | None:
    return await stock.find_own(session, actor, SupplierReturn, return_id)


async def record_return_credit(session: AsyncSession, actor: Actor, return_id: object, credit_note_number: object,
                               amount: object, expected_version: int | None = None) -> SupplierReturn:
    """The supplier's credit note for the return: RETURNED -> CREDITED, once."""
    errors = Collector()
    number, value = _credit(errors, credit_note_number, amount)
    errors.raise_if_any()
    record = await get_return(session, actor, return_id, for_update=True)
    v.check_version(record, expected_version)
    if record.status == ReturnStatus.CREDITED:
        raise DomainError(ErrorCode.ALREADY_CREDITED, "id", number=record.credit_note_number)
    before = audit.snapshot(record, RETURN_FIELDS)
    record.status = ReturnStatus.CREDITED
    record.credit_note_number, record.credit_amount = number, value
    record.credited_at, record.credited_by_id = utcnow(), actor.user_id
    record.version += 1
    await session.flush()
    audit.record(session, actor, "SupplierReturn", record.id, "credit",
                 audit.diff(before, audit.snapshot(record, RETURN_FIELDS)))
    return record


async def return_lines(session: AsyncSession, actor: Actor, return_id: uuid.UUID) -> list[SupplierReturnLine]:
    return list((await session.execute(select(SupplierReturnLine).where(
        SupplierReturnLine.return_id == return_id, SupplierReturnLine.garage_id == actor.garage_id)
        .order_by(SupplierReturnLine.id))).scalars())


async def list_returns(session: AsyncSession, actor: Actor, *, status: object = None, limit: int = 20,
                       after: object = None) -> list[SupplierReturn]:
    """Newest first, `limit + 1` rows."""
    query = select(SupplierReturn).where(SupplierReturn.garage_id == actor.garage_id)
    if status is not None:
        query = query.where(SupplierReturn.status == ReturnStatus(getattr(status, "value", status)))
    return await stock.newest_first(session, query, SupplierReturn.id, after, limit)


# ---------------------------------------------------------------------------------------------------- core charges


async def open_core_for_issue(session: AsyncSession, actor: Actor, *, item_id: uuid.UUID, quantity: int,
                              job_id: uuid.UUID, parts_request_id: uuid.UUID) -> CoreCharge | None:
    """A parts request was issued to a job: when the item's preferred supplier charges a core deposit on it, the old
    part is owed back to them (one charge per request; None when the item carries no core charge)."""
    offer = (await session.execute(select(SupplierItem).where(
        SupplierItem.garage_id == actor.garage_id, SupplierItem.item_id == item_id, SupplierItem.preferred.is_(True),
        SupplierItem.core_charge > 0))).scalar_one_or_none()
    if offer is None:
        return None
    existing = (await session.execute(select(CoreCharge).where(
        CoreCharge.parts_request_id == parts_request_id))).scalar_one_or_none()
    if existing is not None:
        return existing
    core = CoreCharge(id=new_id(), garage_id=actor.garage_id, supplier_id=offer.supplier_id, item_id=item_id,
                      job_id=job_id, parts_request_id=parts_request_id, quantity=quantity,
                      unit_value=offer.core_charge, status=CoreStatus.OPEN, version=1, created_at=utcnow())
    session.add(core)
    await session.flush()
    audit.record(session, actor, "CoreCharge", core.id, "create", audit.created(core, CORE_FIELDS))
    return core


async def get_core(session: AsyncSession, actor: Actor, core_id: object, field: str = "id", *,
                   for_update: bool = False) -> CoreCharge:
    return await stock.fetch_own(session, actor, CoreCharge, core_id, field, for_update=for_update)


async def find_core(session: AsyncSession, actor: Actor, core_id: object) -> CoreCharge | None:
    return await stock.find_own(session, actor, CoreCharge, core_id)


async def _core_change(session, actor, core_id, expected_version, allowed, action, apply) -> CoreCharge:
    core = await get_core(session, actor, core_id, for_update=True)
    v.check_version(core, expected_version)
    if core.status == CoreStatus.CREDITED and action == "credit":
        raise DomainError(ErrorCode.ALREADY_CREDITED, "id", number=core.credit_note_number)
    if core.status not in allowed:
        raise DomainError(ErrorCode.INVALID_CORE_STATE, "id", status=core.status)
    before = audit.snapshot(core, CORE_FIELDS)
    apply(core)
    core.version += 1
    await session.flush()
    audit.record(session, actor, "CoreCharge", core.id, action, audit.diff(before, audit.snapshot(core, CORE_FIELDS)))
    return core


async def return_core(session: AsyncSession, actor: Actor, core_id: object,
                      expected_version: int | None = None) -> CoreCharge:
    """The old part is sent back to the supplier: OPEN -> RETURNED."""
    def apply(core):
        core.status, core.returned_at = CoreStatus.RETURNED, utcnow()

    return await _core_change(session, actor, core_id, expected_version, {CoreStatus.OPEN}, "return", apply)


async def credit_core(session: AsyncSession, actor: Actor, core_id: object, credit_note_number: object,
                      amount: object, expected_version: int | None = None) -> CoreCharge:
    """The supplier credited the old part: RETURNED -> CREDITED, once."""
    errors = Collector()
    number, value = _credit(errors, credit_note_number, amount)
    errors.raise_if_any()

    def apply(core):
        core.status = CoreStatus.CREDITED
        core.credit_note_number, core.credit_amount, core.credited_at = number, value, utcnow()

    return await _core_change(session, actor, core_id, expected_version, {CoreStatus.RETURNED}, "credit", apply)


async def open_cores(session: AsyncSession, actor: Actor, *, supplier_id: object = None) -> list[CoreCharge]:
    """The report: every core still owed to a supplier (OPEN or RETURNED), oldest first, at most 1000."""
    query = select(CoreCharge).where(CoreCharge.garage_id == actor.garage_id, CoreCharge.status.in_(OWED))
    if supplier_id is not None:
        query = query.where(CoreCharge.supplier_id == v.parse_id(supplier_id, "supplierId"))
    return list((await session.execute(query.order_by(CoreCharge.created_at, CoreCharge.id).limit(1000))).scalars())
