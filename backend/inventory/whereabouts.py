"""Where a job's part is: for each parts request, whether it is issued, held on the site's shelf, on its way in a
transfer, planned in a transfer not yet dispatched, on a purchase order (with the expected date), or nowhere yet.
A transfer or order line that names the request speaks first; otherwise any transfer on its way to the job's site
warehouse with the item, or any open order to it."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.inventory import stock
from backend.inventory.models import StockReservation, Transfer, TransferLine, TransferStatus, WarehouseStock


class PartLocation(enum.Enum):
    ISSUED = "ISSUED"  # handed over to the job
    ON_SHELF = "ON_SHELF"  # reserved for it, or available, on the site warehouse's shelf
    IN_TRANSIT = "IN_TRANSIT"  # dispatched towards the site's warehouse
    TRANSFER_PLANNED = "TRANSFER_PLANNED"  # on a transfer requested, approved or drafted, not yet dispatched
    ON_ORDER = "ON_ORDER"  # on an open purchase order
    NOT_AVAILABLE = "NOT_AVAILABLE"  # nowhere yet: someone has to order or send it


@dataclass
class Whereabouts:
    parts_request_id: uuid.UUID
    location: PartLocation
    transfer_number: str | None = None
    purchase_order_number: str | None = None
    expected_date: dt.date | None = None


PLANNED = (TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.DRAFT)


async def part_whereabouts(session: AsyncSession, actor: Actor, request_ids: list[object]) -> list[Whereabouts]:
    """For each request the actor may read (a technician: of their own jobs), in the order asked; unknown ones are
    left out."""
    from backend.purchasing.job_parts import expected_from, garage_zone
    from backend.purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
    from backend.purchasing.service import OPEN
    from backend.workshop.models import Job, PartsRequestStatus
    from backend.workshop.service import parts as parts_service

    out = []
    for rid in request_ids[:100]:
        request = await parts_service.find_parts_request(session, actor, rid)
        if request is None:
            continue
        if request.status in (PartsRequestStatus.ISSUED, PartsRequestStatus.COMPLETED):
            out.append(Whereabouts(request.id, PartLocation.ISSUED))
            continue
        if request.status == PartsRequestStatus.REJECTED:
            continue
        site_id = (await session.execute(select(Job.site_id).where(Job.id == request.job_id))).scalar_one()
        warehouse = (await session.execute(select(stock.Warehouse).where(
            stock.Warehouse.garage_id == actor.garage_id, stock.Warehouse.site_id == site_id))).scalar_one_or_none()
        held = (await session.execute(select(StockReservation.quantity).where(
            StockReservation.parts_request_id == request.id))).scalar_one_or_none() or 0
        shelf = 0
        if warehouse is not None:
            shelf = (await session.execute(select(WarehouseStock.on_hand - WarehouseStock.reserved).where(
                WarehouseStock.warehouse_id == warehouse.id, WarehouseStock.item_id == request.item_id))
                     ).scalar_one_or_none() or 0
        if held + shelf >= request.quantity:
            out.append(Whereabouts(request.id, PartLocation.ON_SHELF))
            continue
        transfer = (await session.execute(
            select(Transfer.number, Transfer.status).join(TransferLine, TransferLine.transfer_id == Transfer.id)
            .where(Transfer.garage_id == actor.garage_id, TransferLine.item_id == request.item_id,
                   Transfer.status.in_((TransferStatus.DISPATCHED, *PLANNED)),
                   (TransferLine.parts_request_id == request.id) | (
                       Transfer.to_warehouse_id == (warehouse.id if warehouse is not None else None)))
            .order_by((TransferLine.parts_request_id == request.id).desc(),
                      (Transfer.status == TransferStatus.DISPATCHED).desc(), Transfer.id).limit(1))).first()
        if transfer is not None:
            location = (PartLocation.IN_TRANSIT if transfer.status == TransferStatus.DISPATCHED
                        else PartLocation.TRANSFER_PLANNED)
            out.append(Whereabouts(request.id, location, transfer_number=transfer.number))
            continue
        order = (await session.execute(
            select(PurchaseOrder.number, PurchaseOrder.expected_date, PurchaseOrder.created_at,
                   Supplier.lead_time_days)
            .join(PurchaseOrderLine, PurchaseOrderLine.order_id == PurchaseOrder.id)
            .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
            .where(PurchaseOrder.garage_id == actor.garage_id, PurchaseOrder.status.in_(OPEN),
                   PurchaseOrderLine.item_id == request.item_id,
                   PurchaseOrderLine.received_quantity < PurchaseOrderLine.quantity,
                   (PurchaseOrderLine.parts_request_id == request.id) | (
                       PurchaseOrder.warehouse_id == (warehouse.id if warehouse is not None else None)))
            .order_by((PurchaseOrderLine.parts_request_id == request.id).desc(), PurchaseOrder.id).limit(1))).first()
        if order is not None:
            expected = order.expected_date
            if expected is None:  # not sent yet: the order's date plus the supplier's lead time
                expected = expected_from(await garage_zone(session, actor.garage_id), order.created_at,
                                         order.lead_time_days)
            out.append(Whereabouts(request.id, PartLocation.ON_ORDER, purchase_order_number=order.number,
                                   expected_date=expected))
            continue
        out.append(Whereabouts(request.id, PartLocation.NOT_AVAILABLE))
    return out
