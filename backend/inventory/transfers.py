"""Transfers of stock between a garage's warehouses.

The warehouse manager's own: DRAFT -> DISPATCHED -> RECEIVED, or CANCELLED from DRAFT. A site's request to the
central warehouse: REQUESTED -> APPROVED (by the warehouse manager or an admin) -> DISPATCHED -> RECEIVED, or
CANCELLED before it leaves. Dispatching writes a TRANSFER_OUT row at the source for each line (taken from what is
available there, never reserved stock); the stock is then in transit, on no shelf and issuable nowhere, until
receiving writes the TRANSFER_IN rows at the destination. A refusal (more than is available, one warehouse twice,
the wrong state) changes nothing.

Lock order: the transfer's row, then its items' rows by id (inside stock.move), then their stock rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit, numbering
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.inventory import stock
from backend.inventory.models import (
    MovementKind,
    Transfer,
    TransferLine,
    TransferStatus,
    Warehouse,
    WarehouseItem,
    WarehouseKind,
    WarehouseStock,
)

MAX_LINES = 200
MAX_NOTE = 1000
MAX_QUANTITY = 1_000_000
AUDIT_FIELDS = ("status", "from_warehouse_id", "to_warehouse_id", "note", "cancel_reason")
CANCELLABLE = frozenset({TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.DRAFT})
DISPATCHABLE = frozenset({TransferStatus.DRAFT, TransferStatus.APPROVED})
OPEN = frozenset({TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.DRAFT,
                  TransferStatus.DISPATCHED})


@dataclass
class LineInput:
    item_id: object
    quantity: object
    parts_request_id: object = None


def _wrong_state(transfer: Transfer) -> DomainError:
    return DomainError(ErrorCode.INVALID_TRANSFER_STATE, "id", status=transfer.status)


async def _available(session: AsyncSession, warehouse_id: uuid.UUID, item_id: uuid.UUID) -> int:
    row = (await session.execute(select(WarehouseStock.on_hand - WarehouseStock.reserved).where(
        WarehouseStock.warehouse_id == warehouse_id, WarehouseStock.item_id == item_id))).scalar_one_or_none()
    return row or 0


def _not_available(field: str, item: WarehouseItem, warehouse: Warehouse, available: int,
                   requested: int) -> DomainError:
    return DomainError(ErrorCode.NOT_AVAILABLE, field, item={"en": item.name_en, "th": item.name_th or item.name_en},
                       warehouse=warehouse_label(warehouse), available=available, requested=requested)


def warehouse_label(warehouse: Warehouse) -> object:
    """The warehouse's name for a message: the central one's in the reader's language."""
    if warehouse.kind == WarehouseKind.CENTRAL:
        return {"en": "the central warehouse", "th": "คลังกลาง"}
    return warehouse.name


async def _lines(session: AsyncSession, actor: Actor, errors: Collector, lines: list[LineInput],
                 source: Warehouse | None) -> list[tuple[WarehouseItem, int, uuid.UUID | None]]:
    if not lines:
        errors.add(ErrorCode.NO_LINES, "lines")
        return []
    if len(lines) > MAX_LINES:
        errors.add(ErrorCode.INVALID_VALUE, "lines")
        return []
    out = []
    seen: set[uuid.UUID] = set()
    for index, line in enumerate(lines):
        field = f"lines.{index}"
        qty = line.quantity
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= MAX_QUANTITY:
            errors.add(ErrorCode.INVALID_QUANTITY, f"{field}.quantity")
            qty = None
        iid = v.try_parse_id(line.item_id)
        item = None if iid is None else (await session.execute(select(WarehouseItem).where(
            WarehouseItem.id == iid, WarehouseItem.garage_id == actor.garage_id))).scalar_one_or_none()
        if item is None:
            errors.add(ErrorCode.NOT_FOUND, f"{field}.itemId")
            continue
        if not item.active:
            errors.add(ErrorCode.ITEM_INACTIVE, f"{field}.itemId")
            continue
        if item.id in seen:
            errors.add(ErrorCode.DUPLICATE_ITEM, f"{field}.itemId")
            continue
        seen.add(item.id)
        request_id = None
        if line.parts_request_id is not None:
            from backend.workshop.models import PartsRequest

            request_id = v.try_parse_id(line.parts_request_id)
            known = request_id is not None and (await session.execute(select(PartsRequest.id).where(
                PartsRequest.id == request_id, PartsRequest.garage_id == actor.garage_id,
                PartsRequest.item_id == item.id))).scalar_one_or_none()
            if not known:
                errors.add(ErrorCode.NOT_FOUND, f"{field}.partsRequestId")
                continue
        if qty is None:
            continue
        if source is not None:
            available = await _available(session, source.id, item.id)
            if qty > available:
                errors.errors.append(_not_available(f"{field}.quantity", item, source, available, qty))
                continue
        out.append((item, qty, request_id))
    return out


async def create_transfer(session: AsyncSession, actor: Actor, from_warehouse_id: object, to_warehouse_id: object,
                          lines: list[LineInput], note: str | None = None, transfer_id: uuid.UUID | None = None, *,
                          request: bool = False) -> Transfer:
    """A DRAFT transfer (the warehouse manager's), or with `request` a site's REQUESTED transfer from the central
    warehouse (which must be the source). Each line's quantity must be available at the source now."""
    errors = Collector()
    clean_note = v.text(errors, "note", note, max_len=MAX_NOTE)
    source = destination = None
    try:
        source = await stock.get_warehouse(session, actor, from_warehouse_id, "fromWarehouseId")
    except DomainError as exc:
        errors.errors.append(exc)
    try:
        destination = await stock.get_warehouse(session, actor, to_warehouse_id, "toWarehouseId")
    except DomainError as exc:
        errors.errors.append(exc)
    if source is not None and destination is not None and source.id == destination.id:
        errors.add(ErrorCode.SAME_WAREHOUSE, "toWarehouseId")
    if request and source is not None and source.kind != WarehouseKind.CENTRAL:
        errors.add(ErrorCode.NOT_CENTRAL_WAREHOUSE, "fromWarehouseId")
        source_ok = False
    else:
        source_ok = source is not None and (destination is None or source.id != destination.id)
    checked = await _lines(session, actor, errors, lines, source if source_ok else None)
    errors.raise_if_any()
    await v.ensure_new_id(session, Transfer, transfer_id)
    year = utcnow().year
    sequence = await numbering.next_number(session, actor.garage_id, "TRANSFER", year)
    transfer = Transfer(id=transfer_id or new_id(), garage_id=actor.garage_id,
                        number=numbering.format_number("TR", year, sequence), year=year, sequence=sequence,
                        from_warehouse_id=source.id, to_warehouse_id=destination.id,
                        status=TransferStatus.REQUESTED if request else TransferStatus.DRAFT, note=clean_note,
                        created_by_id=actor.user_id, version=1, created_at=utcnow())
    session.add(transfer)
    await session.flush()
    for position, (item, qty, request_id) in enumerate(checked):
        session.add(TransferLine(id=new_id(), garage_id=actor.garage_id, transfer_id=transfer.id, item_id=item.id,
                                 quantity=qty, parts_request_id=request_id, position=position))
    await session.flush()
    audit.record(session, actor, "Transfer", transfer.id, "create", audit.created(transfer, AUDIT_FIELDS))
    return transfer


async def get_transfer(session: AsyncSession, actor: Actor, transfer_id: object, field: str = "id", *,
                       for_update: bool = False) -> Transfer:
    return await stock.fetch_own(session, actor, Transfer, transfer_id, field, for_update=for_update)


async def find_transfer(session: AsyncSession, actor: Actor, transfer_id: object) -> Transfer | None:
    return await stock.find_own(session, actor, Transfer, transfer_id)


async def transfer_lines(session: AsyncSession, actor: Actor, transfer_id: uuid.UUID) -> list[TransferLine]:
    return list((await session.execute(select(TransferLine).where(
        TransferLine.transfer_id == transfer_id, TransferLine.garage_id == actor.garage_id)
        .order_by(TransferLine.position, TransferLine.id))).scalars())


def _changed(session: AsyncSession, actor: Actor, transfer: Transfer, action: str, before: dict) -> None:
    transfer.version += 1
    transfer.updated_at = utcnow()
    audit.record(session, actor, "Transfer", transfer.id, action,
                 audit.diff(before, audit.snapshot(transfer, AUDIT_FIELDS)))


async def approve_transfer(session: AsyncSession, actor: Actor, transfer_id: object,
                           expected_version: int | None = None) -> Transfer:
    transfer = await get_transfer(session, actor, transfer_id, for_update=True)
    v.check_version(transfer, expected_version)
    if transfer.status != TransferStatus.REQUESTED:
        raise _wrong_state(transfer)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.status = TransferStatus.APPROVED
    transfer.approved_by_id, transfer.approved_at = actor.user_id, utcnow()
    _changed(session, actor, transfer, "approve", before)
    await session.flush()
    return transfer


async def dispatch_transfer(session: AsyncSession, actor: Actor, transfer_id: object,
                            expected_version: int | None = None) -> Transfer:
    """The stock leaves the source: a TRANSFER_OUT per line, from what is available there (NOT_AVAILABLE on the
    line otherwise, and nothing leaves)."""
    transfer = await get_transfer(session, actor, transfer_id, for_update=True)
    v.check_version(transfer, expected_version)
    if transfer.status not in DISPATCHABLE:
        raise _wrong_state(transfer)
    source = await stock.get_warehouse(session, actor, transfer.from_warehouse_id)
    lines = await transfer_lines(session, actor, transfer.id)
    for index, line in sorted(enumerate(lines), key=lambda pair: pair[1].item_id):
        item = await stock.lock_item(session, actor, line.item_id)
        try:
            await stock.move(session, actor, item, source, MovementKind.TRANSFER_OUT, -line.quantity,
                             field=f"lines.{index}.quantity", transfer_id=transfer.id, reason=transfer.number)
        except DomainError as exc:
            if exc.code != ErrorCode.INSUFFICIENT_STOCK:
                raise
            raise _not_available(exc.field, item, source, exc.params["available"], line.quantity) from None
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.status = TransferStatus.DISPATCHED
    transfer.dispatched_by_id, transfer.dispatched_at = actor.user_id, utcnow()
    _changed(session, actor, transfer, "dispatch", before)
    await session.flush()
    return transfer


async def receive_transfer(session: AsyncSession, actor: Actor, transfer_id: object,
                           expected_version: int | None = None) -> Transfer:
    """The stock arrives at the destination: a TRANSFER_IN per line."""
    transfer = await get_transfer(session, actor, transfer_id, for_update=True)
    v.check_version(transfer, expected_version)
    if transfer.status != TransferStatus.DISPATCHED:
        raise _wrong_state(transfer)
    destination = await stock.get_warehouse(session, actor, transfer.to_warehouse_id)
    for line in sorted(await transfer_lines(session, actor, transfer.id), key=lambda line: line.item_id):
        item = await stock.lock_item(session, actor, line.item_id)
        await stock.move(session, actor, item, destination, MovementKind.TRANSFER_IN, line.quantity,
                         transfer_id=transfer.id, reason=transfer.number)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by_id, transfer.received_at = actor.user_id, utcnow()
    _changed(session, actor, transfer, "receive", before)
    await session.flush()
    return transfer


async def cancel_transfer(session: AsyncSession, actor: Actor, transfer_id: object, reason: str | None,
                          expected_version: int | None = None) -> Transfer:
    """Before it leaves (REQUESTED, APPROVED, DRAFT), with a reason; nothing had moved."""
    errors = Collector()
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_NOTE)
    if clean_reason is None and not errors.errors:
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    errors.raise_if_any()
    transfer = await get_transfer(session, actor, transfer_id, for_update=True)
    v.check_version(transfer, expected_version)
    if transfer.status not in CANCELLABLE:
        raise _wrong_state(transfer)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.status = TransferStatus.CANCELLED
    transfer.cancel_reason, transfer.cancelled_at = clean_reason, utcnow()
    _changed(session, actor, transfer, "cancel", before)
    await session.flush()
    return transfer


async def list_transfers(session: AsyncSession, actor: Actor, *, status: object = None,
                         warehouse_id: object = None, limit: int = 20, after: object = None) -> list[Transfer]:
    """Newest first (`limit + 1` rows); `after` is the id of the last one seen."""
    query = select(Transfer).where(Transfer.garage_id == actor.garage_id)
    if status is not None:
        query = query.where(Transfer.status == TransferStatus(getattr(status, "value", status)))
    if warehouse_id is not None:
        wid = v.parse_id(warehouse_id, "warehouseId")
        query = query.where((Transfer.from_warehouse_id == wid) | (Transfer.to_warehouse_id == wid))
    return await stock.newest_first(session, query, Transfer.id, after, limit)


async def in_transit(session: AsyncSession, garage_id: uuid.UUID, item_ids: list[uuid.UUID],
                     to_warehouse_id: uuid.UUID | None = None) -> dict[uuid.UUID, int]:
    """How much of each item is on its way (dispatched, not yet received), optionally to one warehouse."""
    query = (select(TransferLine.item_id, func.sum(TransferLine.quantity))
             .join(Transfer, Transfer.id == TransferLine.transfer_id)
             .where(Transfer.garage_id == garage_id, Transfer.status == TransferStatus.DISPATCHED,
                    TransferLine.item_id.in_(item_ids)).group_by(TransferLine.item_id))
    if to_warehouse_id is not None:
        query = query.where(Transfer.to_warehouse_id == to_warehouse_id)
    return {item_id: int(total) for item_id, total in (await session.execute(query))}
