"""Purchasing: suppliers and what they sell us, purchase orders, receiving, reorder suggestions.

An order: DRAFT -> (submit) PENDING_APPROVAL when its total is above the garage's approval amount, else APPROVED ->
SENT -> PARTIALLY_RECEIVED -> RECEIVED, or CANCELLED before anything arrived. Numbers PO-<year>-<n> are consecutive
per garage and year, taken from the locked counter row (backend/core/numbering.py) in the transaction that creates
the order, so a rollback gives the number back. Receiving is by line with the quantity and cost that actually came,
in as many deliveries as it takes; more than is still outstanding is refused unless an override reason is given.
Each receipt is a RECEIVE in the order's warehouse ledger and recomputes the item's moving weighted average cost
(cost_price); a wrong receipt is undone by a REVERSAL movement (never by deleting), which also takes its value back
out of the average.

Lock order: the order's row, then items by id (inside inventory), then their stock rows. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit, numbering
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.core.money import round_half_up
from backend.inventory import stock
from backend.inventory.models import MovementKind, WarehouseItem, WarehouseStock
from backend.purchasing.models import (
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchasingSettings,
    Supplier,
    SupplierItem,
    SupplierLocale,
)

MAX_INT = 2_147_483_647
MAX_LINES = 200
MAX_QUANTITY = 1_000_000
MAX_TEXT = 1000
SUPPLIER_FIELDS = ("name", "contact_name", "email", "phone", "tax_id", "address", "payment_terms_days",
                   "lead_time_days", "locale", "active")
ORDER_FIELDS = ("status", "supplier_id", "warehouse_id", "total", "note", "cancel_reason")
OPEN = frozenset({OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED, OrderStatus.SENT,
                  OrderStatus.PARTIALLY_RECEIVED})
RECEIVABLE = frozenset({OrderStatus.SENT, OrderStatus.PARTIALLY_RECEIVED})
CANCELLABLE = frozenset({OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED, OrderStatus.SENT})
_UNSET = object()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(errors: Collector, field: str, value: object, low: int, high: int = MAX_INT,
         code: ErrorCode = ErrorCode.INVALID_VALUE) -> int | None:
    if not _is_int(value) or not low <= value <= high:
        errors.add(code, field)
        return None
    return value


def _wrong_state(order: PurchaseOrder) -> DomainError:
    return DomainError(ErrorCode.INVALID_ORDER_STATE, "id", status=order.status)


# ---------------------------------------------------------------------------------------------------- suppliers


@dataclass
class SupplierInput:
    name: object = _UNSET
    contact_name: object = _UNSET
    email: object = _UNSET
    phone: object = _UNSET
    tax_id: object = _UNSET
    address: object = _UNSET
    payment_terms_days: object = _UNSET
    lead_time_days: object = _UNSET
    locale: object = _UNSET
    active: object = _UNSET


def _check_supplier(errors: Collector, data: SupplierInput) -> dict:
    out: dict = {}
    if data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name, required=True, max_len=200)
    if data.contact_name is not _UNSET:
        out["contact_name"] = v.text(errors, "contactName", data.contact_name, max_len=200)
    if data.email is not _UNSET:
        out["email"] = v.email(errors, "email", data.email)
    if data.phone is not _UNSET:
        out["phone"] = v.text(errors, "phone", data.phone, max_len=40)
    if data.tax_id is not _UNSET:
        out["tax_id"] = v.tax_id(errors, "taxId", data.tax_id)
    if data.address is not _UNSET:
        out["address"] = v.text(errors, "address", data.address, max_len=MAX_TEXT)
    if data.payment_terms_days is not _UNSET:
        out["payment_terms_days"] = _int(errors, "paymentTermsDays", data.payment_terms_days, 0, 365)
    if data.lead_time_days is not _UNSET:
        out["lead_time_days"] = _int(errors, "leadTimeDays", data.lead_time_days, 0, 365)
    if data.locale is not _UNSET and data.locale is not None:
        try:
            out["locale"] = SupplierLocale(getattr(data.locale, "value", data.locale))
        except ValueError:
            errors.add(ErrorCode.INVALID_VALUE, "locale")
    if data.active is not _UNSET and data.active is not None:
        out["active"] = bool(data.active)
    return out


async def create_supplier(session: AsyncSession, actor: Actor, data: SupplierInput,
                          supplier_id: uuid.UUID | None = None) -> Supplier:
    errors = Collector()
    if data.name is _UNSET:
        data.name = None
    fields = {k: val for k, val in _check_supplier(errors, data).items() if val is not None}
    errors.raise_if_any()
    await v.ensure_new_id(session, Supplier, supplier_id)
    supplier = Supplier(id=supplier_id or new_id(), garage_id=actor.garage_id, version=1, **fields)
    session.add(supplier)
    await session.flush()
    audit.record(session, actor, "Supplier", supplier.id, "create", audit.created(supplier, SUPPLIER_FIELDS))
    return supplier


async def get_supplier(session: AsyncSession, actor: Actor, supplier_id: object, field: str = "id", *,
                       for_update: bool = False) -> Supplier:
    return await stock.fetch_own(session, actor, Supplier, supplier_id, field, for_update=for_update)


async def find_supplier(session: AsyncSession, actor: Actor, supplier_id: object) -> Supplier | None:
    return await stock.find_own(session, actor, Supplier, supplier_id)


async def update_supplier(session: AsyncSession, actor: Actor, supplier_id: object, data: SupplierInput,
                          expected_version: int | None = None) -> Supplier:
    errors = Collector()
    fields = _check_supplier(errors, data)
    errors.raise_if_any()
    supplier = await get_supplier(session, actor, supplier_id, for_update=True)
    v.check_version(supplier, expected_version)
    before = audit.snapshot(supplier, SUPPLIER_FIELDS)
    changed = {k: val for k, val in fields.items() if getattr(supplier, k) != val}
    if changed:
        for key, value in changed.items():
            setattr(supplier, key, value)
        supplier.version += 1
        await session.flush()
        audit.record(session, actor, "Supplier", supplier.id, "update",
                     audit.diff(before, audit.snapshot(supplier, SUPPLIER_FIELDS)))
    return supplier


async def list_suppliers(session: AsyncSession, actor: Actor, *, limit: int = 50,
                         after: tuple[str, str] | None = None) -> list[Supplier]:
    query = select(Supplier).where(Supplier.garage_id == actor.garage_id)
    if after is not None:
        last = v.try_parse_id(after[1])
        if last is None or after[0] is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where((Supplier.name > after[0]) | ((Supplier.name == after[0]) & (Supplier.id > last)))
    return list((await session.execute(query.order_by(Supplier.name, Supplier.id).limit(limit + 1))).scalars())


async def set_supplier_item(session: AsyncSession, actor: Actor, supplier_id: object, item_id: object, *,
                            supplier_code: object = None, price: object = 0, pack_size: object = 1,
                            preferred: object = False, core_charge: object = 0) -> SupplierItem:
    """What the supplier sells us of the item (made or changed). Preferring this supplier un-prefers another.
    `core_charge`: the deposit per unit on the old part, owed back to the supplier when the item is fitted."""
    errors = Collector()
    code = v.text(errors, "supplierCode", supplier_code, max_len=64)
    clean_price = _int(errors, "price", price, 0, code=ErrorCode.INVALID_AMOUNT)
    clean_core = _int(errors, "coreCharge", core_charge, 0, code=ErrorCode.INVALID_AMOUNT)
    pack = _int(errors, "packSize", pack_size, 1, MAX_QUANTITY, code=ErrorCode.INVALID_QUANTITY)
    errors.raise_if_any()
    supplier = await get_supplier(session, actor, supplier_id, "supplierId")
    item = await _item(session, actor, item_id, "itemId")
    row = (await session.execute(select(SupplierItem).where(
        SupplierItem.supplier_id == supplier.id, SupplierItem.item_id == item.id))).scalar_one_or_none()
    if preferred:
        await session.execute(update(SupplierItem).where(
            SupplierItem.garage_id == actor.garage_id, SupplierItem.item_id == item.id,
            SupplierItem.supplier_id != supplier.id).values(preferred=False).execution_options(
            synchronize_session="fetch"))
    if row is None:
        row = SupplierItem(id=new_id(), garage_id=actor.garage_id, supplier_id=supplier.id, item_id=item.id)
        session.add(row)
    row.supplier_code, row.price, row.pack_size, row.preferred = code, clean_price, pack, bool(preferred)
    row.core_charge = clean_core
    await session.flush()
    audit.record(session, actor, "SupplierItem", row.id, "set", {
        "supplier_id": {"after": str(supplier.id)}, "item_id": {"after": str(item.id)},
        "price": {"after": clean_price}, "core_charge": {"after": clean_core}, "pack_size": {"after": pack},
        "preferred": {"after": bool(preferred)}})
    return row


async def supplier_items(session: AsyncSession, actor: Actor, *, supplier_id: object = None,
                         item_id: object = None) -> list[SupplierItem]:
    query = select(SupplierItem).where(SupplierItem.garage_id == actor.garage_id)
    if supplier_id is not None:
        query = query.where(SupplierItem.supplier_id == v.parse_id(supplier_id, "supplierId"))
    if item_id is not None:
        query = query.where(SupplierItem.item_id == v.parse_id(item_id, "itemId"))
    return list((await session.execute(query.order_by(SupplierItem.item_id, SupplierItem.id).limit(1000))).scalars())


async def _item(session: AsyncSession, actor: Actor, item_id: object, field: str) -> WarehouseItem:
    iid = v.try_parse_id(item_id)
    item = None if iid is None else (await session.execute(select(WarehouseItem).where(
        WarehouseItem.id == iid, WarehouseItem.garage_id == actor.garage_id))).scalar_one_or_none()
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return item


# ---------------------------------------------------------------------------------------------------- settings


async def approval_threshold(session: AsyncSession, garage_id: uuid.UUID) -> int | None:
    return (await session.execute(select(PurchasingSettings.approval_threshold).where(
        PurchasingSettings.garage_id == garage_id))).scalar_one_or_none()


async def set_approval_threshold(session: AsyncSession, actor: Actor, amount: object) -> int | None:
    """Orders above `amount` (minor units) wait for purchasing:approve; None: no order needs approval."""
    errors = Collector()
    value = None if amount is None else _int(errors, "amount", amount, 0, code=ErrorCode.INVALID_AMOUNT)
    errors.raise_if_any()
    row = await session.get(PurchasingSettings, actor.garage_id)
    if row is None:
        row = PurchasingSettings(garage_id=actor.garage_id)
        session.add(row)
    before = row.approval_threshold
    row.approval_threshold = value
    await session.flush()
    audit.record(session, actor, "PurchasingSettings", actor.garage_id, "update",
                 {"approval_threshold": {"before": before, "after": value}})
    return value


# ---------------------------------------------------------------------------------------------------- orders


@dataclass
class OrderLineInput:
    item_id: object
    quantity: object
    unit_cost: object = None  # the supplier's price (or else the item's cost price) when not given
    parts_request_id: object = None


async def _garage_today(session: AsyncSession, garage_id: uuid.UUID) -> dt.date:
    from backend.accounts.models import Garage
    from backend.billing.service.common import today_in

    return today_in(await session.get(Garage, garage_id))


async def create_order(session: AsyncSession, actor: Actor, supplier_id: object, lines: list[OrderLineInput], *,
                       warehouse_id: object = None, note: str | None = None,
                       order_id: uuid.UUID | None = None) -> PurchaseOrder:
    """A DRAFT order to the supplier, delivered to the warehouse (the central one when not named)."""
    errors = Collector()
    clean_note = v.text(errors, "note", note, max_len=MAX_TEXT)
    supplier = None
    try:
        supplier = await get_supplier(session, actor, supplier_id, "supplierId")
        if not supplier.active:
            errors.add(ErrorCode.SUPPLIER_INACTIVE, "supplierId")
    except DomainError as exc:
        errors.errors.append(exc)
    try:
        warehouse = await stock.warehouse_or_central(session, actor, warehouse_id)
    except DomainError as exc:
        errors.errors.append(exc)
    checked = await _check_lines(session, actor, errors, supplier, lines)
    errors.raise_if_any()
    await v.ensure_new_id(session, PurchaseOrder, order_id)
    today = await _garage_today(session, actor.garage_id)
    sequence = await numbering.next_number(session, actor.garage_id, "PURCHASE_ORDER", today.year)
    order = PurchaseOrder(id=order_id or new_id(), garage_id=actor.garage_id,
                          number=numbering.format_number("PO", today.year, sequence), year=today.year,
                          sequence=sequence, supplier_id=supplier.id, warehouse_id=warehouse.id,
                          status=OrderStatus.DRAFT, note=clean_note, created_by_id=actor.user_id, version=1,
                          total=sum(qty * cost for _i, qty, cost, _r, _j in checked), created_at=utcnow())
    session.add(order)
    await session.flush()
    for position, (item, qty, cost, request_id, job_id) in enumerate(checked):
        session.add(PurchaseOrderLine(id=new_id(), garage_id=actor.garage_id, order_id=order.id, item_id=item.id,
                                      quantity=qty, unit_cost=cost, received_quantity=0, position=position,
                                      parts_request_id=request_id, job_id=job_id))
    await session.flush()
    audit.record(session, actor, "PurchaseOrder", order.id, "create", audit.created(order, ORDER_FIELDS))
    return order


async def _check_lines(session, actor, errors, supplier, lines):
    if not lines:
        errors.add(ErrorCode.NO_LINES, "lines")
        return []
    if len(lines) > MAX_LINES:
        errors.add(ErrorCode.INVALID_VALUE, "lines")
        return []
    prices = {}
    if supplier is not None:
        prices = {r.item_id: r.price for r in (await session.execute(select(SupplierItem).where(
            SupplierItem.supplier_id == supplier.id))).scalars()}
    out, seen = [], set()
    for index, line in enumerate(lines):
        field = f"lines.{index}"
        qty = _int(errors, f"{field}.quantity", line.quantity, 1, MAX_QUANTITY, code=ErrorCode.INVALID_QUANTITY)
        cost = None if line.unit_cost is None else _int(errors, f"{field}.unitCost", line.unit_cost, 0,
                                                       code=ErrorCode.INVALID_AMOUNT)
        try:
            item = await _item(session, actor, line.item_id, f"{field}.itemId")
        except DomainError as exc:
            errors.errors.append(exc)
            continue
        if item.id in seen:
            errors.add(ErrorCode.DUPLICATE_ITEM, f"{field}.itemId")
            continue
        seen.add(item.id)
        request_id = job_id = None
        if line.parts_request_id is not None:
            from backend.workshop.models import PartsRequest

            request_id = v.try_parse_id(line.parts_request_id)
            job_id = None if request_id is None else (await session.execute(select(PartsRequest.job_id).where(
                PartsRequest.id == request_id, PartsRequest.garage_id == actor.garage_id,
                PartsRequest.item_id == item.id))).scalar_one_or_none()
            if job_id is None:
                errors.add(ErrorCode.NOT_FOUND, f"{field}.partsRequestId")
                continue
        if qty is None or (line.unit_cost is not None and cost is None):
            continue
        out.append((item, qty, cost if cost is not None else prices.get(item.id, item.cost_price), request_id,
                    job_id))
    return out


async def get_order(session: AsyncSession, actor: Actor, order_id: object, field: str = "id", *,
                    for_update: bool = False) -> PurchaseOrder:
    return await stock.fetch_own(session, actor, PurchaseOrder, order_id, field, for_update=for_update)


async def find_order(session: AsyncSession, actor: Actor, order_id: object) -> PurchaseOrder | None:
    return await stock.find_own(session, actor, PurchaseOrder, order_id)


async def order_lines(session: AsyncSession, actor: Actor, order_id: uuid.UUID) -> list[PurchaseOrderLine]:
    return list((await session.execute(select(PurchaseOrderLine).where(
        PurchaseOrderLine.order_id == order_id, PurchaseOrderLine.garage_id == actor.garage_id)
        .order_by(PurchaseOrderLine.position, PurchaseOrderLine.id))).scalars())


def _changed(session, actor, order: PurchaseOrder, action: str, before: dict) -> None:
    order.version += 1
    order.updated_at = utcnow()
    audit.record(session, actor, "PurchaseOrder", order.id, action,
                 audit.diff(before, audit.snapshot(order, ORDER_FIELDS)))


async def _transition(session, actor, order_id, expected_version, allowed, action, apply) -> PurchaseOrder:
    order = await get_order(session, actor, order_id, for_update=True)
    v.check_version(order, expected_version)
    if order.status not in allowed:
        raise _wrong_state(order)
    before = audit.snapshot(order, ORDER_FIELDS)
    await apply(order)
    _changed(session, actor, order, action, before)
    await session.flush()
    return order


async def submit_order(session: AsyncSession, actor: Actor, order_id: object,
                       expected_version: int | None = None) -> PurchaseOrder:
    """DRAFT -> PENDING_APPROVAL when the total is above the garage's approval amount, else APPROVED."""
    async def apply(order):
        threshold = await approval_threshold(session, actor.garage_id)
        if threshold is not None and order.total > threshold:
            order.status = OrderStatus.PENDING_APPROVAL
        else:
            order.status = OrderStatus.APPROVED
            order.approved_by_id, order.approved_at = actor.user_id, utcnow()

    return await _transition(session, actor, order_id, expected_version, {OrderStatus.DRAFT}, "submit", apply)


async def approve_order(session: AsyncSession, actor: Actor, order_id: object,
                        expected_version: int | None = None) -> PurchaseOrder:
    async def apply(order):
        order.status = OrderStatus.APPROVED
        order.approved_by_id, order.approved_at = actor.user_id, utcnow()

    return await _transition(session, actor, order_id, expected_version, {OrderStatus.PENDING_APPROVAL}, "approve",
                             apply)


async def send_order(session: AsyncSession, actor: Actor, order_id: object,
                     expected_version: int | None = None) -> PurchaseOrder:
    """APPROVED -> SENT; the expected date is today plus the supplier's lead time. The order's PDF, in the
    supplier's language, is mailed to the supplier's address through the outbox (purchasing.documents)."""
    async def apply(order):
        from backend.accounts.models import Garage
        from backend.purchasing.documents import notify_supplier

        supplier = await get_supplier(session, actor, order.supplier_id)
        order.status = OrderStatus.SENT
        order.sent_at = utcnow()
        order.expected_date = await _garage_today(session, actor.garage_id) + dt.timedelta(
            days=supplier.lead_time_days)
        garage = await session.get(Garage, actor.garage_id)
        await notify_supplier(session, order, supplier, garage.name if garage else "")

    return await _transition(session, actor, order_id, expected_version, {OrderStatus.APPROVED}, "send", apply)


async def cancel_order(session: AsyncSession, actor: Actor, order_id: object, reason: str | None,
                       expected_version: int | None = None) -> PurchaseOrder:
    """Before anything was received, with a reason; its number stays taken."""
    errors = Collector()
    clean = v.text(errors, "reason", reason, max_len=MAX_TEXT)
    if clean is None and not errors.errors:
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    errors.raise_if_any()

    async def apply(order):
        order.status = OrderStatus.CANCELLED
        order.cancel_reason, order.cancelled_at = clean, utcnow()

    return await _transition(session, actor, order_id, expected_version, CANCELLABLE, "cancel", apply)


# ---------------------------------------------------------------------------------------------------- receiving


@dataclass
class ReceiptLineInput:
    line_id: object
    quantity: object
    unit_cost: object = None  # the line's cost when not given


def weighted_average(on_hand: int, cost: int, quantity: int, unit_cost: int) -> int:
    """The moving weighted average cost after `quantity` at `unit_cost` join `on_hand` at `cost` (half up)."""
    if on_hand + quantity <= 0:
        return unit_cost if quantity > 0 else cost
    return round_half_up(Decimal(on_hand * cost + quantity * unit_cost) / Decimal(on_hand + quantity))


async def _set_cost(session: AsyncSession, item: WarehouseItem, cost: int) -> None:
    await session.execute(update(WarehouseItem).where(WarehouseItem.id == item.id).values(cost_price=cost)
                          .execution_options(synchronize_session=False))
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(item, "cost_price", cost)


def _status_after(lines: list[PurchaseOrderLine]) -> OrderStatus:
    if all(line.received_quantity >= line.quantity for line in lines):
        return OrderStatus.RECEIVED
    if any(line.received_quantity > 0 for line in lines):
        return OrderStatus.PARTIALLY_RECEIVED
    return OrderStatus.SENT


async def receive_order(session: AsyncSession, actor: Actor, order_id: object, lines: list[ReceiptLineInput], *,
                        delivery_note: str | None = None, override_reason: str | None = None,
                        expected_version: int | None = None) -> list[PurchaseReceipt]:
    """One delivery: per line the quantity and cost that came. More than a line still awaits is refused
    (OVER_RECEIPT) unless `override_reason` says why it is kept."""
    errors = Collector()
    note = v.text(errors, "deliveryNote", delivery_note, max_len=100)
    override = v.text(errors, "overrideReason", override_reason, max_len=MAX_TEXT)
    if not lines:
        errors.add(ErrorCode.NO_LINES, "lines")
    errors.raise_if_any()
    order = await get_order(session, actor, order_id, for_update=True)
    v.check_version(order, expected_version)
    if order.status not in RECEIVABLE:
        raise _wrong_state(order)
    by_id = {line.id: line for line in await order_lines(session, actor, order.id)}
    wanted = []
    seen = set()
    for index, given_line in enumerate(lines):
        field = f"lines.{index}"
        line = by_id.get(v.try_parse_id(given_line.line_id))
        if line is None:
            errors.add(ErrorCode.NOT_FOUND, f"{field}.lineId")
            continue
        if line.id in seen:
            errors.add(ErrorCode.DUPLICATE_ITEM, f"{field}.lineId")
            continue
        seen.add(line.id)
        qty = _int(errors, f"{field}.quantity", given_line.quantity, 1, MAX_QUANTITY,
                   code=ErrorCode.INVALID_QUANTITY)
        cost = line.unit_cost if given_line.unit_cost is None else _int(
            errors, f"{field}.unitCost", given_line.unit_cost, 0, code=ErrorCode.INVALID_AMOUNT)
        if qty is None or cost is None:
            continue
        outstanding = max(0, line.quantity - line.received_quantity)
        if qty > outstanding and override is None:
            errors.add(ErrorCode.OVER_RECEIPT, f"{field}.quantity", outstanding=outstanding, received=qty)
            continue
        wanted.append((line, qty, cost))
    errors.raise_if_any()
    from backend.purchasing import job_parts

    warehouse = await stock.get_warehouse(session, actor, order.warehouse_id)
    await job_parts.lock_requests(session, [line for line, _q, _c in wanted])  # before the items: the lock order
    receipts = []
    for line, qty, cost in sorted(wanted, key=lambda w: (w[0].item_id is None, str(w[0].item_id), str(w[0].id))):
        receipt = PurchaseReceipt(id=new_id(), garage_id=actor.garage_id, order_id=order.id, line_id=line.id,
                                  quantity=qty, unit_cost=cost, delivery_note=note,
                                  override_reason=override if qty > line.quantity - line.received_quantity else None,
                                  actor_user_id=actor.user_id, created_at=utcnow(), reversed=False)
        session.add(receipt)
        await session.flush()
        if line.item_id is None:  # a part not in the catalog: it goes to the job, on no shelf
            line.received_quantity += qty
            receipts.append(receipt)
            continue
        item = await stock.lock_item(session, actor, line.item_id)
        new_cost = weighted_average(item.quantity_on_hand, item.cost_price, qty, cost)
        await stock.move(session, actor, item, warehouse, MovementKind.RECEIVE, qty, unit_cost=cost,
                         reason=order.number + (f" / {note}" if note else ""), receipt_id=receipt.id)
        await _set_cost(session, item, new_cost)
        line.received_quantity += qty
        receipts.append(receipt)
    await job_parts.hold_for_requests(session, actor, warehouse, [(line, qty) for line, qty, _c in wanted])
    await job_parts.tell_jobs(session, [line for line, _q, _c in wanted])
    before = audit.snapshot(order, ORDER_FIELDS)
    order.status = _status_after(list(by_id.values()))
    _changed(session, actor, order, "receive", before)
    await session.flush()
    return receipts


async def reverse_receipt(session: AsyncSession, actor: Actor, receipt_id: object, reason: str | None) -> PurchaseReceipt:
    """Undo a wrong receipt: a REVERSAL movement takes its quantity back off the warehouse's shelf (refused when
    that stock is no longer available there), its value leaves the average cost, and the line awaits it again."""
    errors = Collector()
    clean = v.text(errors, "reason", reason, max_len=MAX_TEXT)
    if clean is None and not errors.errors:
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    errors.raise_if_any()
    rid = v.parse_id(receipt_id, "receiptId")
    original = (await session.execute(select(PurchaseReceipt).where(
        PurchaseReceipt.id == rid, PurchaseReceipt.garage_id == actor.garage_id))).scalar_one_or_none()
    if original is None or original.reverses_id is not None:
        raise DomainError(ErrorCode.NOT_FOUND, "receiptId")
    order = await get_order(session, actor, original.order_id, for_update=True)
    original = (await session.execute(select(PurchaseReceipt).where(PurchaseReceipt.id == rid)
                                      .execution_options(populate_existing=True))).scalar_one()
    if original.reversed:
        raise DomainError(ErrorCode.RECEIPT_REVERSED, "receiptId")
    line = (await session.execute(select(PurchaseOrderLine).where(PurchaseOrderLine.id == original.line_id))
            ).scalar_one()
    warehouse = await stock.get_warehouse(session, actor, order.warehouse_id)
    item = await stock.lock_item(session, actor, line.item_id) if line.item_id is not None else None
    reversal = PurchaseReceipt(id=new_id(), garage_id=actor.garage_id, order_id=order.id, line_id=line.id,
                               quantity=-original.quantity, unit_cost=original.unit_cost, reverses_id=original.id,
                               override_reason=clean, actor_user_id=actor.user_id, created_at=utcnow(),
                               reversed=False)
    session.add(reversal)
    await session.flush()
    if item is not None:
        new_cost = weighted_average(item.quantity_on_hand, item.cost_price, -original.quantity, original.unit_cost)
        await stock.move(session, actor, item, warehouse, MovementKind.REVERSAL, -original.quantity,
                         field="receiptId", unit_cost=original.unit_cost, reason=f"{order.number}: {clean}",
                         receipt_id=reversal.id)
        await _set_cost(session, item, new_cost)
    original.reversed = True
    line.received_quantity -= original.quantity
    before = audit.snapshot(order, ORDER_FIELDS)
    order.status = _status_after(await order_lines(session, actor, order.id))
    _changed(session, actor, order, "reverse_receipt", before)
    await session.flush()
    return reversal


async def order_receipts(session: AsyncSession, actor: Actor, order_id: uuid.UUID) -> list[PurchaseReceipt]:
    return list((await session.execute(select(PurchaseReceipt).where(
        PurchaseReceipt.order_id == order_id, PurchaseReceipt.garage_id == actor.garage_id)
        .order_by(PurchaseReceipt.id))).scalars())


async def list_orders(session: AsyncSession, actor: Actor, *, status: object = None, supplier_id: object = None,
                      limit: int = 20, after: object = None) -> list[PurchaseOrder]:
    """Newest first, `limit + 1` rows; `after` is the id of the last one seen."""
    query = select(PurchaseOrder).where(PurchaseOrder.garage_id == actor.garage_id)
    if status is not None:
        query = query.where(PurchaseOrder.status == OrderStatus(getattr(status, "value", status)))
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier_id == v.parse_id(supplier_id, "supplierId"))
    return await stock.newest_first(session, query, PurchaseOrder.id, after, limit)


# ---------------------------------------------------------------------------------------------------- reorder


async def on_order(session: AsyncSession, garage_id: uuid.UUID, warehouse_id: uuid.UUID,
                   item_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, int]:
    """Per item, what open orders to the warehouse still await (drafts included, so nothing is ordered twice)."""
    outstanding = PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity
    query = (select(PurchaseOrderLine.item_id, func.sum(outstanding))
             .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
             .where(PurchaseOrder.garage_id == garage_id, PurchaseOrder.warehouse_id == warehouse_id,
                    PurchaseOrder.status.in_(OPEN), outstanding > 0).group_by(PurchaseOrderLine.item_id))
    if item_ids is not None:
        query = query.where(PurchaseOrderLine.item_id.in_(item_ids))
    return {item_id: int(total) for item_id, total in (await session.execute(query))}


async def set_stock_levels(session: AsyncSession, actor: Actor, item_id: object, warehouse_id: object,
                           min_level: object, max_level: object) -> WarehouseStock:
    """The reorder levels of an item in a warehouse: order when on hand + on order is at or under min, up to max.
    Both None clears them."""
    errors = Collector()
    low = None if min_level is None else _int(errors, "minLevel", min_level, 0, code=ErrorCode.NEGATIVE_QUANTITY)
    high = None if max_level is None else _int(errors, "maxLevel", max_level, 0, code=ErrorCode.NEGATIVE_QUANTITY)
    if (low is None) != (high is None) and not errors.errors:
        errors.add(ErrorCode.REQUIRED, "maxLevel" if high is None else "minLevel")
    if low is not None and high is not None and high < low:
        errors.add(ErrorCode.INVALID_LEVELS, "maxLevel")
    errors.raise_if_any()
    item = await stock.lock_item(session, actor, v.parse_id(item_id, "itemId"))
    warehouse = await stock.get_warehouse(session, actor, warehouse_id)
    row = await stock.stock_row(session, actor.garage_id, warehouse.id, item.id)
    row.min_level, row.max_level = low, high
    row.version += 1
    await session.flush()
    audit.record(session, actor, "WarehouseStock", row.id, "levels",
                 {"min_level": {"after": low}, "max_level": {"after": high}})
    return row


@dataclass
class Suggestion:
    item: WarehouseItem
    warehouse_id: uuid.UUID
    on_hand: int
    on_order: int
    min_level: int
    max_level: int
    quantity: int  # rounded up to the preferred supplier's pack size
    supplier_id: uuid.UUID | None
    pack_size: int
    unit_cost: int


async def reorder_suggestions(session: AsyncSession, actor: Actor, warehouse_id: object = None) -> list[Suggestion]:
    """Items of the warehouse (the central one when not named) at or under their min level counting what is on
    order: max - on hand - on order, rounded up to the preferred supplier's pack size. By SKU."""
    warehouse = await stock.warehouse_or_central(session, actor, warehouse_id)
    rows = list((await session.execute(
        select(WarehouseStock, WarehouseItem).join(WarehouseItem, WarehouseItem.id == WarehouseStock.item_id)
        .where(WarehouseStock.garage_id == actor.garage_id, WarehouseStock.warehouse_id == warehouse.id,
               WarehouseStock.max_level.is_not(None), WarehouseItem.active.is_(True))
        .order_by(WarehouseItem.sku))).all())
    if not rows:
        return []
    ordered = await on_order(session, actor.garage_id, warehouse.id, [item.id for _r, item in rows])
    preferred = {r.item_id: r for r in (await session.execute(select(SupplierItem).where(
        SupplierItem.garage_id == actor.garage_id, SupplierItem.preferred.is_(True),
        SupplierItem.item_id.in_([item.id for _r, item in rows])))).scalars()}
    out = []
    for row, item in rows:
        coming = ordered.get(item.id, 0)
        if row.on_hand + coming > row.min_level:
            continue
        need = row.max_level - row.on_hand - coming
        if need <= 0:
            continue
        offer = preferred.get(item.id)
        pack = offer.pack_size if offer is not None else 1
        quantity = -(-need // pack) * pack
        out.append(Suggestion(item=item, warehouse_id=warehouse.id, on_hand=row.on_hand, on_order=coming,
                              min_level=row.min_level, max_level=row.max_level, quantity=quantity,
                              supplier_id=offer.supplier_id if offer is not None else None, pack_size=pack,
                              unit_cost=offer.price if offer is not None else item.cost_price))
    return out


async def draft_reorders(session: AsyncSession, actor: Actor, warehouse_id: object = None) -> list[PurchaseOrder]:
    """The suggestions as draft orders, one per preferred supplier (items without one are left to be ordered by
    hand). NOTHING_TO_REORDER when there is nothing to order."""
    suggestions = [s for s in await reorder_suggestions(session, actor, warehouse_id) if s.supplier_id is not None]
    if not suggestions:
        raise DomainError(ErrorCode.NOTHING_TO_REORDER, "warehouseId")
    by_supplier: dict[uuid.UUID, list[Suggestion]] = {}
    for s in suggestions:
        by_supplier.setdefault(s.supplier_id, []).append(s)
    orders = []
    for supplier_id, group in sorted(by_supplier.items(), key=lambda pair: str(pair[0])):
        orders.append(await create_order(
            session, actor, supplier_id,
            [OrderLineInput(s.item.id, s.quantity, s.unit_cost) for s in group],
            warehouse_id=group[0].warehouse_id, note="Reorder suggestion"))
    return orders
