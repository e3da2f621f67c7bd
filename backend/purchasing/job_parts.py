"""Parts for a job that are not on the shelf: ordered on a draft purchase order linked to the job (issue 18).

When the workshop manager approves a parts request and the job's site warehouse holds fewer than asked (and the
central warehouse cannot make up the rest by a transfer), the shortfall becomes a line of a DRAFT order to the item's
preferred supplier, delivered to the site's warehouse, linked to the job and the request (order_shortfall; no
preferred supplier: nothing is ordered and the reorder list shows the item). The warehouse manager may also order a
request by hand from a supplier of their choice (order_request), and a part that is not in the catalog is ordered as
a free-text line for the job (order_part_not_in_catalog). Each goes on the newest DRAFT to that supplier and
warehouse, or a new one.

Receiving such a line puts the stock on the site's shelf and holds it for the request (purchasing.service calls
hold_for_requests), so it can be issued; the job goes back to work when its last outstanding request is issued
(the workshop rule). parts_on_order() tells the job what is coming and when: the order's expected date once it is
sent, else the order's date plus the supplier's lead time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.inventory import stock
from backend.inventory.models import StockReservation, WarehouseKind
from backend.purchasing.models import OrderStatus, PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem

MAX_DESCRIPTION = 200
# lines that still bring something for a job
COMING = frozenset({OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED, OrderStatus.SENT,
                    OrderStatus.PARTIALLY_RECEIVED})


async def _held(session: AsyncSession, garage_id: uuid.UUID, request_id: uuid.UUID) -> int:
    return int((await session.execute(select(func.coalesce(func.sum(StockReservation.quantity), 0)).where(
        StockReservation.parts_request_id == request_id, StockReservation.garage_id == garage_id))).scalar_one())


async def _ordered(session: AsyncSession, garage_id: uuid.UUID, request_id: uuid.UUID) -> int:
    """What open orders still bring for the request."""
    outstanding = PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity
    return int((await session.execute(
        select(func.coalesce(func.sum(outstanding), 0))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrderLine.parts_request_id == request_id, PurchaseOrderLine.garage_id == garage_id,
               PurchaseOrder.status.in_(COMING), outstanding > 0))).scalar_one())


async def _draft_for(session: AsyncSession, actor: Actor, supplier_id: uuid.UUID,
                     warehouse_id: uuid.UUID) -> PurchaseOrder | None:
    return (await session.execute(select(PurchaseOrder).where(
        PurchaseOrder.garage_id == actor.garage_id, PurchaseOrder.supplier_id == supplier_id,
        PurchaseOrder.warehouse_id == warehouse_id, PurchaseOrder.status == OrderStatus.DRAFT)
        .order_by(PurchaseOrder.id.desc()).limit(1).with_for_update()
        .execution_options(populate_existing=True))).scalar_one_or_none()


async def _add_line(session: AsyncSession, actor: Actor, supplier: Supplier, warehouse_id: uuid.UUID, *,
                    item_id: uuid.UUID | None, description: str | None, quantity: int, unit_cost: int,
                    job_id: uuid.UUID, parts_request_id: uuid.UUID | None) -> PurchaseOrderLine:
    from backend.purchasing import service

    order = await _draft_for(session, actor, supplier.id, warehouse_id)
    if order is None:
        today = await service._garage_today(session, actor.garage_id)
        from backend.core import numbering

        sequence = await numbering.next_number(session, actor.garage_id, "PURCHASE_ORDER", today.year)
        order = PurchaseOrder(id=new_id(), garage_id=actor.garage_id,
                              number=numbering.format_number("PO", today.year, sequence), year=today.year,
                              sequence=sequence, supplier_id=supplier.id, warehouse_id=warehouse_id,
                              status=OrderStatus.DRAFT, note=None, created_by_id=actor.user_id, version=1, total=0,
                              created_at=utcnow())
        session.add(order)
        await session.flush()
        audit.record(session, actor, "PurchaseOrder", order.id, "create", audit.created(order, service.ORDER_FIELDS))
        position = 0
    else:
        position = int((await session.execute(select(func.coalesce(func.max(PurchaseOrderLine.position), -1)).where(
            PurchaseOrderLine.order_id == order.id))).scalar_one()) + 1
    line = PurchaseOrderLine(id=new_id(), garage_id=actor.garage_id, order_id=order.id, item_id=item_id,
                             description=description, quantity=quantity, unit_cost=unit_cost, received_quantity=0,
                             position=position, parts_request_id=parts_request_id, job_id=job_id)
    session.add(line)
    before = audit.snapshot(order, service.ORDER_FIELDS)
    order.total += quantity * unit_cost
    service._changed(session, actor, order, "add_line", before)
    await session.flush()
    return line


async def _price(session: AsyncSession, supplier_id: uuid.UUID, item) -> int:
    price = (await session.execute(select(SupplierItem.price).where(
        SupplierItem.supplier_id == supplier_id, SupplierItem.item_id == item.id))).scalar_one_or_none()
    return price if price is not None else item.cost_price


async def _central_available(session: AsyncSession, actor: Actor, item_id: uuid.UUID,
                             site_warehouse_id: uuid.UUID) -> int:
    central = await stock.central_warehouse(session, actor.garage_id)
    if central.id == site_warehouse_id:
        return 0
    from backend.inventory.models import WarehouseStock

    row = (await session.execute(select(WarehouseStock.on_hand - WarehouseStock.reserved).where(
        WarehouseStock.warehouse_id == central.id, WarehouseStock.item_id == item_id))).scalar_one_or_none()
    return max(0, row or 0)


async def _shortfall(session: AsyncSession, actor: Actor, request, warehouse_id: uuid.UUID,
                     include_central: bool) -> int:
    short = request.quantity - await _held(session, actor.garage_id, request.id) - await _ordered(
        session, actor.garage_id, request.id)
    if include_central and short > 0:
        short -= await _central_available(session, actor, request.item_id, warehouse_id)
    return short


async def order_shortfall(session: AsyncSession, actor: Actor, request, job) -> PurchaseOrderLine | None:
    """After approval: what neither the site's shelf nor the central warehouse has goes on a draft order to the
    item's preferred supplier. None when nothing is short or there is no preferred supplier."""
    warehouse = await stock.site_warehouse(session, actor.garage_id, job.site_id)
    short = await _shortfall(session, actor, request, warehouse.id, include_central=True)
    if short <= 0:
        return None
    offer = (await session.execute(select(SupplierItem, Supplier).join(Supplier, Supplier.id == SupplierItem.supplier_id)
                                   .where(SupplierItem.garage_id == actor.garage_id,
                                          SupplierItem.item_id == request.item_id, SupplierItem.preferred.is_(True),
                                          Supplier.active.is_(True)))).first()
    if offer is None:
        return None
    offer, supplier = offer
    from backend.inventory.models import WarehouseItem

    item = await session.get(WarehouseItem, request.item_id)
    return await _add_line(session, actor, supplier, warehouse.id, item_id=item.id, description=None, quantity=short,
                           unit_cost=offer.price, job_id=job.id, parts_request_id=request.id)


async def order_request(session: AsyncSession, actor: Actor, request_id: object,
                        supplier_id: object = None) -> PurchaseOrderLine:
    """The warehouse manager orders what an approved request still lacks (after what is held and already on order)
    from `supplier_id`, else the item's preferred supplier."""
    from backend.inventory.models import WarehouseItem
    from backend.purchasing import service
    from backend.workshop.models import Job, PartsRequest, PartsRequestStatus

    rid = v.parse_id(request_id, "partsRequestId")
    request = (await session.execute(select(PartsRequest).where(
        PartsRequest.id == rid, PartsRequest.garage_id == actor.garage_id)
        .execution_options(populate_existing=True))).scalar_one_or_none()
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, "partsRequestId")
    job = (await session.execute(select(Job).where(Job.id == request.job_id).with_for_update())).scalar_one()
    request = (await session.execute(select(PartsRequest).where(PartsRequest.id == rid).with_for_update()
                                     .execution_options(populate_existing=True))).scalar_one()
    if request.status not in (PartsRequestStatus.PENDING, PartsRequestStatus.APPROVED):
        raise DomainError(ErrorCode.INVALID_PARTS_REQUEST_STATE, "partsRequestId", status=request.status)
    item = await session.get(WarehouseItem, request.item_id)
    warehouse = await stock.site_warehouse(session, actor.garage_id, job.site_id)
    short = await _shortfall(session, actor, request, warehouse.id, include_central=False)
    if short <= 0:
        row = await stock.stock_row(session, actor.garage_id, warehouse.id, item.id)
        raise DomainError(ErrorCode.PART_ON_SHELF, "partsRequestId",
                          available=max(0, row.on_hand - row.reserved) + await _held(session, actor.garage_id,
                                                                                      request.id))
    if supplier_id is not None:
        supplier = await service.get_supplier(session, actor, supplier_id, "supplierId")
    else:
        supplier = (await session.execute(select(Supplier).join(SupplierItem, SupplierItem.supplier_id == Supplier.id)
                                          .where(SupplierItem.garage_id == actor.garage_id,
                                                 SupplierItem.item_id == item.id,
                                                 SupplierItem.preferred.is_(True)))).scalar_one_or_none()
        if supplier is None:
            raise DomainError(ErrorCode.NO_PREFERRED_SUPPLIER, "supplierId", item=f"{item.sku} {item.name_en}")
    if not supplier.active:
        raise DomainError(ErrorCode.SUPPLIER_INACTIVE, "supplierId")
    line = await _add_line(session, actor, supplier, warehouse.id, item_id=item.id, description=None, quantity=short,
                           unit_cost=await _price(session, supplier.id, item), job_id=job.id,
                           parts_request_id=request.id)
    await tell_jobs(session, [line])  # the job's screens show it on order at once
    return line


async def one_off_item(session: AsyncSession, actor: Actor, description: str):
    """A part that is not in the catalog, made an item of its own (one_off) for the job that asks for it, so it is
    requested, ordered, received onto the site's shelf, held and issued like any other part. Its SKU is made up
    (1OFF-…), it costs what its receipt costs (moving average from nothing) and has no sale price yet (priced on the
    job's quote or invoice); one_off keeps it out of the low-stock list and the reorder suggestions."""
    from backend.inventory import service as inventory
    from backend.inventory.models import WarehouseItem

    item_id = new_id()
    item = WarehouseItem(id=item_id, garage_id=actor.garage_id, sku="1OFF-" + item_id.hex[-10:].upper(),
                         name_en=description, name_th=None, unit="pcs", cost_price=0, sale_price=0,
                         quantity_on_hand=0, reorder_point=0, active=True, one_off=True, version=1)
    session.add(item)
    await session.flush()
    audit.record(session, actor, inventory.ENTITY, item.id, "create",
                 audit.created(item, inventory.ITEM_AUDIT_FIELDS))
    return item


async def order_part_not_in_catalog(session: AsyncSession, actor: Actor, job_id: object, description: object,
                                    quantity: object, supplier_id: object, unit_cost: object = None
                                    ) -> PurchaseOrderLine:
    """A part that is not in the catalog, for a job in progress or awaiting parts, ordered by the one who picks
    suppliers (purchasing:manage): it becomes a parts request of the job (a one-off item, PENDING: the job waits
    for it, AWAITING_PARTS, and the workshop manager approves it as any other) and a line of a draft order to the
    supplier for that request, delivered to the job's site warehouse. Received, it is on the site's shelf (held for
    the request once approved), and issuing it takes the job back to work."""
    from backend.purchasing import service
    from backend.workshop.service import parts as parts_service
    from backend.workshop.service.common import load_job
    from backend.workshop.service.tasks import require_workable

    errors = Collector()
    text = v.text(errors, "description", description, required=True, max_len=MAX_DESCRIPTION)
    qty = service._int(errors, "quantity", quantity, 1, service.MAX_QUANTITY, code=ErrorCode.INVALID_QUANTITY)
    cost = 0 if unit_cost is None else service._int(errors, "unitCost", unit_cost, 0, code=ErrorCode.INVALID_AMOUNT)
    errors.raise_if_any()
    job = await load_job(session, actor, job_id, for_update=True)
    require_workable(job)
    supplier = await service.get_supplier(session, actor, supplier_id, "supplierId")
    if not supplier.active:
        raise DomainError(ErrorCode.SUPPLIER_INACTIVE, "supplierId")
    request = await parts_service.request_parts(session, actor, job.id, None, qty, description=text)
    warehouse = await stock.site_warehouse(session, actor.garage_id, job.site_id)
    return await _add_line(session, actor, supplier, warehouse.id, item_id=request.item_id, description=text,
                           quantity=qty, unit_cost=cost, job_id=job.id, parts_request_id=request.id)


async def hold_for_requests(session: AsyncSession, actor: Actor, warehouse, received: list) -> None:
    """After a delivery: what came on a line ordered for an approved parts request is held for it on the shelf it
    came to (up to what the request still lacks), so no other job takes it before it is issued. `received` is
    [(line, quantity)]; call with the requests' rows locked (lock_requests) and before the items' rows."""
    from backend.workshop.models import Job, PartsRequest, PartsRequestStatus

    for line, qty in received:
        if line.parts_request_id is None or line.item_id is None:
            continue
        request = await session.get(PartsRequest, line.parts_request_id)
        if request is None or request.status != PartsRequestStatus.APPROVED:
            continue
        site = (await session.execute(select(Job.site_id).where(Job.id == request.job_id))).scalar_one()
        if warehouse.kind != WarehouseKind.SITE or warehouse.site_id != site:
            continue
        lacking = request.quantity - await _held(session, actor.garage_id, request.id)
        if lacking > 0:
            await stock.reserve(session, actor, line.item_id, warehouse, min(lacking, qty),
                                parts_request_id=request.id)


async def lock_requests(session: AsyncSession, lines: list) -> None:
    """The jobs and then the parts requests the lines were ordered for, locked by id before any item (the lock
    order: job, request, item)."""
    from backend.workshop.models import Job, PartsRequest

    jobs = sorted({line.job_id for line in lines if line.job_id is not None})
    if jobs:
        await session.execute(select(Job.id).where(Job.id.in_(jobs)).order_by(Job.id).with_for_update())
    ids = sorted({line.parts_request_id for line in lines if line.parts_request_id is not None})
    if ids:
        await session.execute(select(PartsRequest.id).where(PartsRequest.id.in_(ids))
                              .order_by(PartsRequest.id).with_for_update())


async def tell_jobs(session: AsyncSession, lines: list) -> None:
    """After a delivery (or its undo): each job the lines were ordered for has changed (what is on order for it),
    so its screens hear it live. Its row was locked by lock_requests."""
    from backend.workshop.models import Job
    from backend.workshop.service.common import job_changed

    for job_id in sorted({line.job_id for line in lines if line.job_id is not None}):
        job = await session.get(Job, job_id)
        if job is None:
            continue
        job.version += 1
        job.updated_at = utcnow()
        job_changed(session, job)


async def garage_zone(session: AsyncSession, garage_id: uuid.UUID) -> dt.tzinfo:
    from backend.accounts.models import Garage
    from backend.billing.service.common import zone_of

    return zone_of(await session.get(Garage, garage_id))


def expected_from(zone: dt.tzinfo, ordered_at: dt.datetime, lead_time_days: int) -> dt.date:
    """An order not sent yet is expected on its date (in the garage's time zone) plus the supplier's lead time."""
    return ordered_at.astimezone(zone).date() + dt.timedelta(days=lead_time_days)


@dataclass
class PartOnOrder:
    line: PurchaseOrderLine
    order: PurchaseOrder
    supplier_name: str
    expected_date: dt.date | None


async def parts_on_order(session: AsyncSession, actor: Actor, job_id: object) -> list[PartOnOrder]:
    """What open orders bring for the job (lines for it or for its parts requests), with the expected date: the
    order's once it is sent, else the order's date plus the supplier's lead time. Three statements."""
    from backend.workshop.models import PartsRequest
    from backend.workshop.service.common import load_job

    job = await load_job(session, actor, job_id)
    requests = select(PartsRequest.id).where(PartsRequest.job_id == job.id, PartsRequest.garage_id == actor.garage_id)
    rows = (await session.execute(
        select(PurchaseOrderLine, PurchaseOrder, Supplier)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .where(PurchaseOrderLine.garage_id == actor.garage_id, PurchaseOrder.status != OrderStatus.CANCELLED,
               or_(PurchaseOrderLine.job_id == job.id, PurchaseOrderLine.parts_request_id.in_(requests)))
        .order_by(PurchaseOrder.id, PurchaseOrderLine.position, PurchaseOrderLine.id))).all()
    out = []
    zone = await garage_zone(session, actor.garage_id) if rows else None
    for line, order, supplier in rows:
        expected = order.expected_date
        if expected is None:
            expected = expected_from(zone, order.created_at, supplier.lead_time_days)
        out.append(PartOnOrder(line=line, order=order, supplier_name=supplier.name, expected_date=expected))
    return out
