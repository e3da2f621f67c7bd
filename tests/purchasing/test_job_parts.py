"""Parts for a job that are not on the shelf (issue 18): an approved request the shelves cannot fill becomes a line of
a draft order to the item's preferred supplier, linked to the job and the request; the job shows the expected date
(order date + lead time, then the sent order's date); receiving it holds the stock for the request, and the job
waiting for the part goes back to work once it is issued. A part not in the catalog is a request of its own for the
job (more in test_job_parts_not_in_catalog).
Refusals in en and th, permissions, two garages apart, statement counts, the ledger after each scenario."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from backend.accounts.models import Garage
from backend.billing.service.common import today_in
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.inventory import service as inventory
from backend.inventory import stock
from backend.inventory.models import StockReservation, WarehouseStock
from backend.purchasing import job_parts, service
from backend.purchasing.models import OrderStatus, PurchaseOrder, PurchaseOrderLine
from backend.workshop.models import Job, JobStatus
from backend.workshop.service import parts as parts_service
from tests.inventory.helpers import assert_ledger_consistent
from tests.purchasing.test_orders import _item, _receive, _supplier
from tests.workshop.test_tasks_helpers import bay_site, make_item, working_job

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
ERRORS = "errors { field code message }"
ON_ORDER = """query($j: ID!) { jobPartsOnOrder(jobId: $j) { orderNumber orderStatus supplierName expectedDate
    line { itemId description quantity receivedQuantity partsRequestId jobId } } }"""
NOT_IN_CATALOG = f"""mutation($i: OrderPartNotInCatalogInput!) {{ orderPartNotInCatalog(input: $i) {{
    line {{ id description quantity itemId jobId }} purchaseOrderId {ERRORS} }} }}"""
ORDER_REQUEST = f"""mutation($i: OrderPartsRequestInput!) {{ orderPartsRequest(input: $i) {{
    line {{ id quantity itemId partsRequestId }} purchaseOrderId {ERRORS} }} }}"""


async def _prefer(db, garage, supplier, item, price=700, pack=1):
    async with db.transaction() as s:
        await service.set_supplier_item(s, garage.actor(WM), supplier.id, item.id, supplier_code="BP-88",
                                        price=price, pack_size=pack, preferred=True)


async def _today(db, garage) -> dt.date:
    async with db.read() as s:
        return today_in(await s.get(Garage, garage.id))


async def _approved(db, garage, job, item, quantity):
    async with db.transaction() as s:
        request = await parts_service.request_parts(s, garage.actor(Role.TECHNICIAN), job.id, item.id, quantity)
        await parts_service.approve_parts_request(s, garage.actor(Role.WORKSHOP_MANAGER), request.id)
    return request


async def test_a_request_the_shelf_cannot_fill_is_ordered_and_the_job_works_again_once_received_and_issued(
        gql, db, garage):
    item = await make_item(db, garage, quantity=1, cost=650)  # one on the site's shelf, none in the central store
    supplier = await _supplier(db, garage, lead=5)
    await _prefer(db, garage, supplier, item, price=700)
    job = await working_job(db, garage)
    site = await bay_site(db, garage)
    request = await _approved(db, garage, job, item, 3)
    async with db.read() as s:
        assert (await s.get(Job, job.id)).status == JobStatus.AWAITING_PARTS
        (line,) = (await s.execute(select(PurchaseOrderLine).where(PurchaseOrderLine.garage_id == garage.id))
                   ).scalars().all()
        order = await s.get(PurchaseOrder, line.order_id)
        site_wh = await stock.site_warehouse(s, garage.id, site.id)
    # the two the shelf lacks, to the preferred supplier at their price, delivered to the job's site
    assert (line.item_id, line.quantity, line.unit_cost, line.parts_request_id, line.job_id) == (
        item.id, 2, 700, request.id, job.id)
    assert (order.status, order.supplier_id, order.warehouse_id, order.total) == (
        OrderStatus.DRAFT, supplier.id, site_wh.id, 1400)
    tech = garage.token(Role.TECHNICIAN)
    (shown,) = (await gql(ON_ORDER, {"j": str(job.id)}, token=tech))["data"]["jobPartsOnOrder"]
    today = await _today(db, garage)
    assert shown == {"orderNumber": order.number, "orderStatus": "DRAFT", "supplierName": supplier.name,
                     "expectedDate": (today + dt.timedelta(days=5)).isoformat(),
                     "line": {"itemId": str(item.id), "description": None, "quantity": 2, "receivedQuantity": 0,
                              "partsRequestId": str(request.id), "jobId": str(job.id)}}
    where = """query($r: [ID!]!) { partWhereabouts(partsRequestIds: $r) { location purchaseOrderNumber
        expectedDate } }"""
    (found,) = (await gql(where, {"r": [str(request.id)]}, token=tech))["data"]["partWhereabouts"]
    assert found == {"location": "ON_ORDER", "purchaseOrderNumber": order.number,
                     "expectedDate": (today + dt.timedelta(days=5)).isoformat()}
    # a second approval of the same request's shortfall orders nothing twice (what is on order counts)
    async with db.transaction() as s:
        again = await parts_service.get_parts_request(s, garage.actor(WM), request.id)
        assert await job_parts.order_shortfall(s, garage.actor(WM), again, job) is None

    async with db.transaction() as s:
        await service.submit_order(s, garage.actor(WM), order.id)
        sent = await service.send_order(s, garage.actor(WM), order.id)
        sent.expected_date = today + dt.timedelta(days=2)  # the supplier promised sooner: the order's date speaks
    (shown,) = (await gql(ON_ORDER, {"j": str(job.id)}, token=tech))["data"]["jobPartsOnOrder"]
    assert (shown["orderStatus"], shown["expectedDate"]) == ("SENT", (today + dt.timedelta(days=2)).isoformat())
    (found,) = (await gql(where, {"r": [str(request.id)]}, token=tech))["data"]["partWhereabouts"]
    assert found["expectedDate"] == (today + dt.timedelta(days=2)).isoformat()
    with pytest.raises(DomainError) as caught:  # not issuable yet: only one of three on the shelf
        async with db.transaction() as s:
            await parts_service.issue_parts_request(s, garage.actor(WM), request.id)
    assert caught.value.code == ErrorCode.INSUFFICIENT_STOCK

    async with db.transaction() as s:
        row = await stock.stock_row(s, garage.id, site_wh.id, item.id)
        assert (row.on_hand, row.reserved) == (1, 1)
    await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 2)])
    async with db.read() as s:
        row = (await s.execute(select(WarehouseStock).where(WarehouseStock.warehouse_id == site_wh.id,
                                                            WarehouseStock.item_id == item.id))).scalar_one()
        held = (await s.execute(select(StockReservation.quantity).where(
            StockReservation.parts_request_id == request.id))).scalar_one()
    assert (row.on_hand, row.reserved, held) == (3, 3, 3)  # held for the job: no other request takes it
    async with db.transaction() as s:
        await parts_service.issue_parts_request(s, garage.actor(WM), request.id)
    async with db.read() as s:
        assert (await s.get(Job, job.id, populate_existing=True)).status == JobStatus.IN_PROGRESS
        row = (await s.execute(select(WarehouseStock).where(WarehouseStock.warehouse_id == site_wh.id,
                                                            WarehouseStock.item_id == item.id)
                               .execution_options(populate_existing=True))).scalar_one()
    assert (row.on_hand, row.reserved) == (0, 0)
    await assert_ledger_consistent(db, garage.id)


async def test_nothing_is_ordered_when_the_central_store_can_send_it_or_no_supplier_is_preferred(db, garage):
    central_item = await _item(db, garage, quantity=10)  # in the central warehouse: a transfer, not an order
    supplier = await _supplier(db, garage)
    await _prefer(db, garage, supplier, central_item)
    unsupplied = await make_item(db, garage, quantity=0)  # no preferred supplier: left to the reorder list
    job = await working_job(db, garage)
    await _approved(db, garage, job, central_item, 4)
    await _approved(db, garage, job, unsupplied, 1)
    async with db.read() as s:
        assert (await s.execute(select(PurchaseOrderLine))).scalars().all() == []


@pytest.mark.parametrize("lang, missing, shelf", [
    ("en", "{item} has no preferred supplier: choose the supplier to order it from.",
     "2 of these are available on the shelf already; nothing needs ordering."),
    ("th", "{item} ยังไม่มีผู้จำหน่ายหลัก กรุณาเลือกผู้จำหน่ายที่จะสั่งซื้อ",
     "มีของพร้อมใช้บนชั้นแล้ว 2 ชิ้น ไม่ต้องสั่งซื้อเพิ่ม"),
])
async def test_the_warehouse_manager_orders_a_request_by_hand(gql, db, garage, lang, missing, shelf):
    item = await make_item(db, garage, quantity=0, sku="HAND-1")
    job = await working_job(db, garage)
    request = await _approved(db, garage, job, item, 2)
    token = garage.token(WM)
    body = await gql(ORDER_REQUEST, {"i": {"partsRequestId": str(request.id)}}, token=token, lang=lang)
    payload = body["data"]["orderPartsRequest"]
    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
        ("supplierId", "NO_PREFERRED_SUPPLIER", missing.format(item="HAND-1 Brake pads"))]
    supplier = await _supplier(db, garage)
    body = await gql(ORDER_REQUEST, {"i": {"partsRequestId": str(request.id), "supplierId": str(supplier.id)}},
                     token=token, lang=lang)
    payload = body["data"]["orderPartsRequest"]
    assert payload["errors"] == [] and payload["line"]["quantity"] == 2
    assert payload["line"]["partsRequestId"] == str(request.id)
    body = await gql(ORDER_REQUEST, {"i": {"partsRequestId": str(request.id), "supplierId": str(supplier.id)}},
                     token=token, lang=lang)  # already on order: nothing more to order
    assert body["data"]["orderPartsRequest"]["errors"][0]["code"] == "PART_ON_SHELF"
    stocked = await make_item(db, garage, quantity=2)
    other = await _approved(db, garage, job, stocked, 2)
    body = await gql(ORDER_REQUEST, {"i": {"partsRequestId": str(other.id), "supplierId": str(supplier.id)}},
                     token=token, lang=lang)
    assert [(e["code"], e["message"]) for e in body["data"]["orderPartsRequest"]["errors"]] == [
        ("PART_ON_SHELF", shelf)]
    for role in (Role.TECHNICIAN, Role.WORKSHOP_MANAGER):
        body = await gql(ORDER_REQUEST, {"i": {"partsRequestId": str(request.id)}}, token=garage.token(role),
                         expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_part_not_in_the_catalog_is_ordered_for_the_job_as_a_request_of_its_own(gql, db, garage):
    supplier = await _supplier(db, garage, lead=2)
    job = await working_job(db, garage)
    tech, wm = garage.token(Role.TECHNICIAN), garage.token(WM)
    body = await gql(NOT_IN_CATALOG, {"i": {"jobId": str(job.id), "description": "Wiper motor, 1998 Hilux LN106",
                                            "quantity": 1, "supplierId": str(supplier.id)}}, token=wm)
    payload = body["data"]["orderPartNotInCatalog"]
    assert payload["errors"] == []
    assert (payload["line"]["description"], payload["line"]["jobId"]) == ("Wiper motor, 1998 Hilux LN106", str(job.id))
    assert payload["line"]["itemId"]  # a one-off item of its own (see test_job_parts_not_in_catalog)
    async with db.read() as s:
        assert (await s.get(Job, job.id)).status == JobStatus.AWAITING_PARTS
    (shown,) = (await gql(ON_ORDER, {"j": str(job.id)}, token=tech))["data"]["jobPartsOnOrder"]
    assert shown["line"]["description"] == "Wiper motor, 1998 Hilux LN106"
    assert shown["expectedDate"] == ((await _today(db, garage)) + dt.timedelta(days=2)).isoformat()
    # received: onto the site's shelf
    async with db.transaction() as s:
        await service.submit_order(s, garage.actor(WM), payload["purchaseOrderId"])
        await service.send_order(s, garage.actor(WM), payload["purchaseOrderId"])
    async with db.read() as s:
        order = await s.get(PurchaseOrder, uuid.UUID(payload["purchaseOrderId"]))
    (receipt,) = await _receive(db, garage, order, [service.ReceiptLineInput(payload["line"]["id"], 1)])
    async with db.read() as s:
        assert (await s.get(PurchaseOrder, order.id, populate_existing=True)).status == OrderStatus.RECEIVED
        (row,) = (await s.execute(select(WarehouseStock))).scalars().all()
        assert (str(row.item_id), row.on_hand) == (payload["line"]["itemId"], 1)
    async with db.transaction() as s:  # and a wrong receipt of it is undone like any other
        await service.reverse_receipt(s, garage.actor(WM), receipt.id, "not the right motor")
    async with db.read() as s:
        assert (await s.get(PurchaseOrder, order.id, populate_existing=True)).status == OrderStatus.SENT
    # bad input in Thai, nothing made
    body = await gql(NOT_IN_CATALOG, {"i": {"jobId": str(job.id), "description": " ", "quantity": 0,
                                            "supplierId": str(supplier.id)}}, token=wm, lang="th")
    errors = body["data"]["orderPartNotInCatalog"]["errors"]
    assert sorted(e["code"] for e in errors) == ["INVALID_QUANTITY", "REQUIRED"]
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in e["message"]) for e in errors)
    # roles without purchasing:manage (the technician asks by description instead: requestParts)
    for role in (Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.BILLING):
        body = await gql(NOT_IN_CATALOG, {"i": {"jobId": str(job.id), "description": "x", "quantity": 1,
                                                "supplierId": str(supplier.id)}}, token=garage.token(role),
                         expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.read() as s:
        assert len((await s.execute(select(PurchaseOrderLine))).scalars().all()) == 1
    await assert_ledger_consistent(db, garage.id)


async def test_another_garage_neither_sees_nor_orders_for_our_jobs(gql, db, garage, other_garage):
    supplier = await _supplier(db, garage)
    job = await working_job(db, garage)
    async with db.transaction() as s:
        await job_parts.order_part_not_in_catalog(s, garage.actor(WM), job.id, "Horn relay", 1, supplier.id)
    theirs = await _supplier(db, other_garage)
    body = await gql(ON_ORDER, {"j": str(job.id)}, token=other_garage.token(Role.ADMIN), expect_errors=True)
    assert body["data"] is None or not body["data"]["jobPartsOnOrder"]
    body = await gql(NOT_IN_CATALOG, {"i": {"jobId": str(job.id), "description": "x", "quantity": 1,
                                            "supplierId": str(theirs.id)}}, token=other_garage.token(Role.ADMIN))
    assert body["data"]["orderPartNotInCatalog"]["errors"][0]["code"] == "NOT_FOUND"
    body = await gql(NOT_IN_CATALOG, {"i": {"jobId": str(job.id), "description": "x", "quantity": 1,
                                            "supplierId": str(supplier.id)}}, token=garage.token(Role.ADMIN))
    assert body["data"]["orderPartNotInCatalog"]["errors"] == []
    async with db.read() as s:
        assert (await s.execute(select(PurchaseOrderLine).where(PurchaseOrderLine.garage_id == other_garage.id))
                ).scalars().all() == []


async def test_the_parts_on_order_of_a_job_read_in_constant_statements(gql, db, garage, count_statements):
    supplier = await _supplier(db, garage)
    job = await working_job(db, garage)
    document = """query($j: ID!) { jobPartsOnOrder(jobId: $j) { orderNumber expectedDate supplierName
        line { description quantity item { sku } } } }"""
    suppliers = [supplier, await _supplier(db, garage, name="Second"), await _supplier(db, garage, name="Third")]
    counts, made = {}, 0
    for n in (1, 10, 30):
        async with db.transaction() as s:
            for i in range(made, n):  # lines on orders to three suppliers
                await job_parts.order_part_not_in_catalog(s, garage.actor(Role.ADMIN), job.id, f"part {i}", 1,
                                                          suppliers[i % 3].id)
        made = n
        with count_statements() as counter:
            body = await gql(document, {"j": str(job.id)}, token=garage.token(Role.TECHNICIAN))
        assert len(body["data"]["jobPartsOnOrder"]) == n
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts


@pytest.mark.postgresql_only  # real concurrent sessions; SQLite runs writers one at a time
async def test_receiving_a_jobs_order_while_the_shelf_is_issued_and_returned_keeps_the_ledger(db, garage):
    """A delivery for a job's request, issues of other requests and a return to the supplier from the same site
    shelf, all at once: no deadlock, nothing negative, the job's request ends issuable, ledger = on hand."""
    from backend.purchasing import returns

    item = await make_item(db, garage, quantity=4, cost=650)
    supplier = await _supplier(db, garage)
    await _prefer(db, garage, supplier, item, price=700)
    job = await working_job(db, garage)
    site = await bay_site(db, garage)
    waiting = await _approved(db, garage, job, item, 6)  # 4 held, 2 ordered
    async with db.read() as s:
        (line,) = (await s.execute(select(PurchaseOrderLine))).scalars().all()
        site_wh = await stock.site_warehouse(s, garage.id, site.id)
    async with db.transaction() as s:
        await service.submit_order(s, garage.actor(WM), line.order_id)
        await service.send_order(s, garage.actor(WM), line.order_id)
        order = await s.get(PurchaseOrder, line.order_id)
        await service.receive_order(s, garage.actor(WM), order.id, [service.ReceiptLineInput(line.id, 1)])
        # three more come in by hand: two for other requests, one that may go back to the supplier
        await inventory.receive_stock(s, garage.actor(WM), item.id, 3, warehouse_id=site_wh.id)
    others = [await _approved(db, garage, job, item, 1) for _ in range(2)]  # each holds what it finds

    async def attempt(fn):
        try:
            async with db.transaction() as s:
                await fn(s)
            return "ok"
        except DomainError as exc:
            return exc.code.value

    results = await asyncio.gather(
        attempt(lambda s: service.receive_order(s, garage.actor(WM), order.id, [service.ReceiptLineInput(line.id, 1)])),
        *(attempt(lambda s, r=r: parts_service.issue_parts_request(s, garage.actor(WM), r.id)) for r in others),
        attempt(lambda s: returns.create_return(s, garage.actor(WM), supplier.id, [returns.ReturnLineInput(item.id, 1)],
                                                reason="damaged", warehouse_id=site_wh.id)),
    )
    assert results == ["ok", "ok", "ok", "ok"]  # the lock order holds: no deadlock, each had its stock
    async with db.read() as s:
        row = (await s.execute(select(WarehouseStock).where(WarehouseStock.warehouse_id == site_wh.id,
                                                            WarehouseStock.item_id == item.id))).scalar_one()
    assert (row.on_hand, row.reserved) == (6, 6)  # 4 + 1 + 3 + 1 in, 2 issued, 1 returned; all held for the job
    async with db.read() as s:
        held = (await s.execute(select(StockReservation.quantity).where(
            StockReservation.parts_request_id == waiting.id))).scalar_one()
    assert held == 6  # the whole request is on the shelf for the job now
    async with db.transaction() as s:
        await parts_service.issue_parts_request(s, garage.actor(WM), waiting.id)
    await assert_ledger_consistent(db, garage.id)
