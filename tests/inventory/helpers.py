"""Helpers shared by the inventory tests (and by the workshop's parts tests): the ledger invariant, a job with
parts requests to issue against, GraphQL documents."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from backend.accounts.models import Site
from backend.core.enums import OperationsStream, RevenueStream
from backend.core.ids import new_id
from backend.customers.models import Vehicle
from backend.core.actor import Actor
from backend.core.permissions import Role, permissions_for_role
from backend.inventory import stock, transfers
from backend.inventory.models import StockMovement, WarehouseItem, WarehouseStock
from backend.workshop.models import Job, PartsRequest, PartsRequestStatus


async def assert_ledger_consistent(db, garage_id: uuid.UUID) -> None:
    """Per item and warehouse: on hand equals the sum of the warehouse's movements, nothing is negative, reserved
    is within on hand, and each movement's balance_after is the running sum of that warehouse's ledger up to it.
    Per item: the garage total (quantity_on_hand) equals the sum of all its movements and of its warehouses'
    on hand (stock in transit is on no shelf)."""
    async with db.read() as s:
        items = list((await s.execute(select(WarehouseItem).where(WarehouseItem.garage_id == garage_id))).scalars())
        movements = list((await s.execute(
            select(StockMovement).where(StockMovement.garage_id == garage_id)
            .order_by(StockMovement.item_id, StockMovement.id))).scalars())
        rows = list((await s.execute(select(WarehouseStock).where(WarehouseStock.garage_id == garage_id))).scalars())
    by_item: dict[uuid.UUID, list[StockMovement]] = {}
    by_stock: dict[tuple[uuid.UUID, uuid.UUID], list[StockMovement]] = {}
    for m in movements:
        by_item.setdefault(m.item_id, []).append(m)
        by_stock.setdefault((m.warehouse_id, m.item_id), []).append(m)
    known = {item.id for item in items}
    assert set(by_item) <= known, "movements of items that are not in this garage"
    stock_rows = {(r.warehouse_id, r.item_id): r for r in rows}
    assert set(by_stock) <= set(stock_rows), "movements in a warehouse without a stock row"
    for item in items:
        moves = by_item.get(item.id, [])
        assert item.quantity_on_hand >= 0, (item.sku, item.quantity_on_hand)
        assert item.quantity_on_hand == sum(m.quantity for m in moves), (
            item.sku, item.quantity_on_hand, [(m.kind.value, m.quantity) for m in moves])
        assert item.quantity_on_hand == sum(r.on_hand for r in rows if r.item_id == item.id), item.sku
    for key, row in stock_rows.items():
        moves = by_stock.get(key, [])
        assert 0 <= row.reserved <= row.on_hand, (key, row.on_hand, row.reserved)
        assert row.on_hand == sum(m.quantity for m in moves), (key, row.on_hand, [m.quantity for m in moves])
        # in the order of the ledger (UUIDv7 ids, taken while the item's row is locked) each balance is the one
        # before plus the movement's own quantity
        running = 0
        for m in moves:
            running += m.quantity
            assert m.balance_after == running, (key, [(m.kind.value, m.quantity, m.balance_after) for m in moves])


async def make_job(db, garage_id: uuid.UUID, item_id: uuid.UUID | None = None, requests: int = 0,
                   quantity: int = 1, *, send_stock: bool = True,
                   site_id: uuid.UUID | None = None) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A job (with its site and vehicle) and `requests` approved parts requests of `quantity` of the item.

    A job's parts come from its site's warehouse: with `send_stock` the item's stock available at the central
    warehouse is first sent there (a transfer dispatched and received)."""
    async with db.transaction() as s:
        site = (await s.get(Site, site_id) if site_id is not None
                else Site(garage_id=garage_id, name="Bay site " + uuid.uuid4().hex[:6]))
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
    if item_id is not None and send_stock:
        await send_to_site(db, garage_id, item_id, site.id)
    return job.id, ids


def admin_of(garage_id: uuid.UUID) -> Actor:
    return Actor(garage_id=garage_id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN, name="test")


async def send_to_site(db, garage_id: uuid.UUID, item_id: uuid.UUID, site_id: uuid.UUID,
                       quantity: int | None = None) -> None:
    """Move `quantity` (all that is available) of the item from the central warehouse to the site's."""
    actor = admin_of(garage_id)
    async with db.transaction() as s:
        central = await stock.central_warehouse(s, garage_id)
        site_warehouse = await stock.site_warehouse(s, garage_id, site_id)
        row = await stock.stock_row(s, garage_id, central.id, item_id)
        amount = row.on_hand - row.reserved if quantity is None else quantity
        if amount <= 0:
            return
        transfer = await transfers.create_transfer(s, actor, central.id, site_warehouse.id,
                                                   [transfers.LineInput(item_id, amount)])
        await transfers.dispatch_transfer(s, actor, transfer.id)
        await transfers.receive_transfer(s, actor, transfer.id)


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
