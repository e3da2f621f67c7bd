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


ITEM_FIELDS = """id sku nameEn nameTh name unit salePrice quantityOnHand reorderPoint binLocation active
  lowStock version createdAt updatedAt"""
MOVEMENT_FIELDS = "id kind quantity balanceAfter unitCost reason jobId partsRequestId createdAt actorUserId"

CREATE_ITEM = f"""mutation($input: CreateWarehouseItemInput!) {{ createWarehouseItem(input: $input) {{
  warehouseItem {{ {ITEM_FIELDS} }} errors {{ field code message }} }} }}"""
UPDATE_ITEM = f"""mutation($input: UpdateWarehouseItemInput!) {{ updateWarehouseItem(input: $input) {{
  warehouseItem {{ {ITEM_FIELDS} }} errors {{ field code message }} }} }}"""
RECEIVE = f"""mutation($input: ReceiveStockInput!) {{ receiveStock(input: $input) {{
  stockMovement {{ {MOVEMENT_FIELDS} }} warehouseItem {{ id quantityOnHand version }}
  errors {{ field code message }} }} }}"""
ADJUST = f"""mutation($input: AdjustStockInput!) {{ adjustStock(input: $input) {{
  stockMovement {{ {MOVEMENT_FIELDS} }} warehouseItem {{ id quantityOnHand version }}
  errors {{ field code message }} }} }}"""
ITEMS = f"""query($search: String, $lowStock: Boolean, $first: Int, $after: String) {{
  warehouseItems(search: $search, lowStock: $lowStock, first: $first, after: $after) {{
    edges {{ cursor node {{ {ITEM_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
ITEM = f"""query($id: ID!) {{ warehouseItem(id: $id) {{ {ITEM_FIELDS} }} }}"""
LOW_STOCK = """query { lowStockItems { id sku quantityOnHand reorderPoint lowStock } }"""
MOVEMENTS = f"""query($itemId: ID!, $first: Int, $after: String) {{
  stockMovements(itemId: $itemId, first: $first, after: $after) {{
    edges {{ cursor node {{ {MOVEMENT_FIELDS} item {{ id sku }} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""


async def create_item(gql, token: str, **fields) -> dict:
    values = {"sku": "OIL-5W30", "nameEn": "Engine oil 5W-30 4L", "costPrice": 85000, "salePrice": 129000,
              "reorderPoint": 5}
    values.update(fields)
    body = await gql(CREATE_ITEM, {"input": values}, token=token)
    payload = body["data"]["createWarehouseItem"]
    assert payload["errors"] == [], payload["errors"]
    return payload["warehouseItem"]


async def ledger_snapshot(db) -> list:
    """Every item and movement as plain tuples, to show a refused request changed nothing."""
    from backend.core.models import AuditEntry

    async with db.read() as s:
        items = [(i.id, i.sku, i.name_en, i.name_th, i.cost_price, i.sale_price, i.quantity_on_hand, i.reorder_point,
                  i.active, i.version)
                 for i in (await s.execute(select(WarehouseItem).order_by(WarehouseItem.id))).scalars()]
        movements = (await s.execute(select(func.count()).select_from(StockMovement))).scalar_one()
        audits = (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
    return [items, movements, audits]
