"""Helpers shared by the inventory tests (and by the workshop's parts tests): the ledger invariant, a job with
parts requests to issue against, GraphQL documents."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from backend.accounts.models import Site
from backend.core.enums import OperationsStream, RevenueStream
from backend.core.ids import new_id
from backend.customers.models import Vehicle
from backend.inventory.models import StockMovement, WarehouseItem
from backend.workshop.models import Job, PartsRequest, PartsRequestStatus


async def assert_ledger_consistent(db, garage_id: uuid.UUID) -> None:
    """Every item's quantity on hand equals the sum of its movements and is not negative, and each movement's
    balance_after is the running sum of the ledger up to it."""
    async with db.read() as s:
        items = list((await s.execute(select(WarehouseItem).where(WarehouseItem.garage_id == garage_id))).scalars())
        movements = list((await s.execute(
            select(StockMovement).where(StockMovement.garage_id == garage_id)
            .order_by(StockMovement.item_id, StockMovement.id))).scalars())
    by_item: dict[uuid.UUID, list[StockMovement]] = {}
    for m in movements:
        by_item.setdefault(m.item_id, []).append(m)
    known = {item.id for item in items}
    assert set(by_item) <= known, "movements of items that are not in this garage"
    for item in items:
        moves = by_item.get(item.id, [])
        assert item.quantity_on_hand >= 0, (item.sku, item.quantity_on_hand)
        assert item.quantity_on_hand == sum(m.quantity for m in moves), (
            item.sku, item.quantity_on_hand, [(m.kind.value, m.quantity) for m in moves])
        # in the order of the ledger (UUIDv7 ids, taken while the item's row is locked) each balance is the one
        # before plus the movement's own quantity
        running = 0
        for m in moves:
            running += m.quantity
            assert m.balance_after == running, (item.sku, [(m.kind.value, m.quantity, m.balance_after) for m in moves])


async def make_job(db, garage_id: uuid.UUID, item_id: uuid.UUID | None = None, requests: int = 0,
                   quantity: int = 1) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A job (with its site and vehicle) and `requests` approved parts requests of `quantity` of the item."""
    async with db.transaction() as s:
        site = Site(garage_id=garage_id, name="Bay site " + uuid.uuid4().hex[:6])
        vehicle = Vehicle(garage_id=garage_id, registration="T" + uuid.uuid4().hex[:8].upper(),
                          registration_display="T test")
        s.add_all([site, vehicle])
        await s.flush()
        number = await _job_count(s, garage_id) + 1
        job = Job(id=new_id(), garage_id=garage_id, site_id=site.id, number=f"JC-TEST-{number:06d}", year=2026,
                  sequence=number, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
                  revenue_stream=RevenueStream.WALK_IN)
        s.add(job)
        await s.flush()
        ids = []
        for _ in range(requests):
            request = PartsRequest(id=new_id(), garage_id=garage_id, job_id=job.id, item_id=item_id,
                                   quantity=quantity, status=PartsRequestStatus.APPROVED)
            s.add(request)
            ids.append(request.id)
        await s.flush()
        return job.id, ids


async def _job_count(session, garage_id) -> int:
    return (await session.execute(select(func.count()).select_from(Job).where(Job.garage_id == garage_id))
            ).scalar_one()
