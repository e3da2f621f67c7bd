"""A part that is not in the catalog, for a job (issue 18): it becomes a parts request of the job like any other (a
one-off item made for it), so the job waits for it (AWAITING_PARTS); the technician asks for it by its description
and picks no supplier (the permission table gives them no purchasing), the warehouse manager orders it; received, it
is on the site's shelf held for the request, and issuing it takes the job back to work. The ledger equals the stock
per warehouse afterwards; refusals are localized in en and th and change nothing; another garage sees nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from backend.core.errors import DomainError, DomainErrors, ErrorCode
from backend.core.permissions import Role
from backend.inventory import stock
from backend.inventory.models import StockMovement, StockReservation, WarehouseItem, WarehouseStock
from backend.purchasing import service
from backend.purchasing.models import PurchaseOrder, PurchaseOrderLine
from backend.workshop.models import Job, JobStatus, PartsRequest, PartsRequestStatus
from backend.workshop.service import parts as parts_service
from tests.inventory.helpers import assert_ledger_consistent
from tests.purchasing.test_job_parts import NOT_IN_CATALOG, ON_ORDER, ORDER_REQUEST
from tests.purchasing.test_orders import _receive, _supplier
from tests.workshop.test_tasks_helpers import bay_site, working_job

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
ERRORS = "errors { field code message }"
REQUEST = f"""mutation($i: RequestPartsInput!) {{ requestParts(input: $i) {{
    partsRequest {{ id status quantity item {{ sku nameEn }} }} job {{ status }} {ERRORS} }} }}"""
APPROVE = f"""mutation($i: PartsRequestActionInput!) {{ approvePartsRequest(input: $i) {{
    partsRequest {{ status }} {ERRORS} }} }}"""
ISSUE = f"""mutation($i: PartsRequestActionInput!) {{ issuePartsRequest(input: $i) {{
    partsRequest {{ status }} job {{ status }} {ERRORS} }} }}"""
LOW = "query { warehouseItems(first: 100, lowStock: true) { edges { node { sku oneOff } } } }"


def _thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


async def _counts(db, garage) -> tuple[int, int, int]:
    async with db.read() as s:
        items = (await s.execute(select(func.count()).select_from(WarehouseItem).where(
            WarehouseItem.garage_id == garage.id))).scalar_one()
        requests = (await s.execute(select(func.count()).select_from(PartsRequest).where(
            PartsRequest.garage_id == garage.id))).scalar_one()
        lines = (await s.execute(select(func.count()).select_from(PurchaseOrderLine).where(
            PurchaseOrderLine.garage_id == garage.id))).scalar_one()
    return items, requests, lines


async def _job_status(db, job_id) -> JobStatus:
    async with db.read() as s:
        return (await s.get(Job, job_id, populate_existing=True)).status


async def _shelf(db, garage, item_id) -> tuple[int, int]:
    site = await bay_site(db, garage)
    async with db.read() as s:
        warehouse = await stock.site_warehouse(s, garage.id, site.id)
        row = (await s.execute(select(WarehouseStock).where(WarehouseStock.warehouse_id == warehouse.id,
                                                            WarehouseStock.item_id == item_id)
                               .execution_options(populate_existing=True))).scalar_one_or_none()
    return (row.on_hand, row.reserved) if row else (0, 0)


async def _send(db, garage, order_id):
    async with db.transaction() as s:
        await service.submit_order(s, garage.actor(WM), order_id)
        await service.send_order(s, garage.actor(WM), order_id)
    async with db.read() as s:
        return await s.get(PurchaseOrder, uuid.UUID(str(order_id)), populate_existing=True)


async def test_the_technician_asks_by_description_and_the_job_works_again_once_it_is_received_and_issued(
        gql, db, garage):
    supplier = await _supplier(db, garage, lead=4)
    job = await working_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    body = await gql(REQUEST, {"i": {"id": str(uuid.uuid4()), "jobId": str(job.id), "quantity": 2,
                                     "description": "  Wiper motor, 1998 Hilux LN106 ", "clientMutationId": "m-1"}},
                     token=tech)
    payload = body["data"]["requestParts"]
    assert payload["errors"] == []
    request = payload["partsRequest"]
    assert (request["status"], request["quantity"], request["item"]["nameEn"]) == (
        "PENDING", 2, "Wiper motor, 1998 Hilux LN106")
    assert request["item"]["sku"].startswith("1OFF-")
    assert payload["job"]["status"] == "AWAITING_PARTS"  # the job waits for it like for any part
    # the technician picks no supplier: ordering is the warehouse manager's (purchasing:manage)
    body = await gql(NOT_IN_CATALOG, {"i": {"jobId": str(job.id), "description": "x", "quantity": 1,
                                            "supplierId": str(supplier.id)}}, token=tech, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(ORDER_REQUEST, {"i": {"partsRequestId": request["id"], "supplierId": str(supplier.id)}},
                     token=tech, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # approved by the workshop manager: no shelf has it and no supplier is preferred, so nothing is ordered yet
    body = await gql(APPROVE, {"i": {"id": request["id"]}}, token=garage.token(Role.WORKSHOP_MANAGER))
    assert body["data"]["approvePartsRequest"]["errors"] == []
    assert (await _counts(db, garage))[2] == 0
    # the warehouse manager orders it from a supplier of their choice
    body = await gql(ORDER_REQUEST, {"i": {"partsRequestId": request["id"], "supplierId": str(supplier.id)}},
                     token=garage.token(WM))
    ordered = body["data"]["orderPartsRequest"]
    assert ordered["errors"] == []
    assert (ordered["line"]["quantity"], ordered["line"]["partsRequestId"]) == (2, request["id"])
    (shown,) = (await gql(ON_ORDER, {"j": str(job.id)}, token=tech))["data"]["jobPartsOnOrder"]
    assert (shown["orderStatus"], shown["supplierName"], shown["line"]["quantity"]) == ("DRAFT", supplier.name, 2)
    item_id = uuid.UUID(ordered["line"]["itemId"])
    # a one-off is never "low on stock" (it is not kept in stock)
    low = (await gql(LOW, {}, token=garage.token(WM)))["data"]["warehouseItems"]["edges"]
    assert all(not e["node"]["oneOff"] for e in low) and request["item"]["sku"] not in {e["node"]["sku"] for e in low}

    order = await _send(db, garage, ordered["purchaseOrderId"])
    async with db.read() as s:
        version = (await s.get(Job, job.id, populate_existing=True)).version
    await _receive(db, garage, order, [service.ReceiptLineInput(uuid.UUID(ordered["line"]["id"]), 1)])
    assert await _shelf(db, garage, item_id) == (1, 1)  # on the site's shelf, held for the job
    async with db.read() as s:  # the job changed (its screens hear it live and show what came)
        assert (await s.get(Job, job.id, populate_existing=True)).version == version + 1
    assert await _job_status(db, job.id) == JobStatus.AWAITING_PARTS
    body = await gql(ISSUE, {"i": {"id": request["id"]}}, token=garage.token(WM), lang="th")
    (error,) = body["data"]["issuePartsRequest"]["errors"]  # only one of two came: not issuable yet, in Thai
    assert error["code"] == "INSUFFICIENT_STOCK" and _thai(error["message"])
    assert await _shelf(db, garage, item_id) == (1, 1)
    await _receive(db, garage, order, [service.ReceiptLineInput(uuid.UUID(ordered["line"]["id"]), 1)])
    assert await _shelf(db, garage, item_id) == (2, 2)
    body = await gql(ISSUE, {"i": {"id": request["id"]}}, token=garage.token(WM))
    assert body["data"]["issuePartsRequest"]["errors"] == []
    assert body["data"]["issuePartsRequest"]["job"]["status"] == "IN_PROGRESS"  # back to work
    assert await _shelf(db, garage, item_id) == (0, 0)
    async with db.read() as s:
        moves = (await s.execute(select(StockMovement.kind, StockMovement.quantity).where(
            StockMovement.item_id == item_id).order_by(StockMovement.created_at, StockMovement.id))).all()
        item = await s.get(WarehouseItem, item_id)
    assert [(m.kind.value, m.quantity) for m in moves] == [("RECEIVE", 1), ("RECEIVE", 1), ("ISSUE", -2)]
    assert (item.quantity_on_hand, item.one_off, item.active) == (0, True, True)
    await assert_ledger_consistent(db, garage.id)


async def test_the_warehouse_manager_orders_a_part_not_in_the_catalog_for_the_job(gql, db, garage):
    supplier = await _supplier(db, garage, lead=2)
    job = await working_job(db, garage)
    body = await gql(NOT_IN_CATALOG, {"i": {"jobId": str(job.id), "description": "Horn relay 12V", "quantity": 1,
                                            "supplierId": str(supplier.id), "unitCost": 35000}},
                     token=garage.token(WM))
    payload = body["data"]["orderPartNotInCatalog"]
    assert payload["errors"] == []
    assert payload["line"]["description"] == "Horn relay 12V" and payload["line"]["itemId"]
    assert await _job_status(db, job.id) == JobStatus.AWAITING_PARTS  # a request of the job: it waits for it
    async with db.read() as s:
        (request,) = (await s.execute(select(PartsRequest).where(PartsRequest.job_id == job.id))).scalars().all()
        line = await s.get(PurchaseOrderLine, uuid.UUID(payload["line"]["id"]))
    assert (request.status, request.item_id, line.parts_request_id) == (
        PartsRequestStatus.PENDING, line.item_id, request.id)
    # the workshop manager approves it (the warehouse manager may not), then it comes and is issued
    async with db.transaction() as s:
        await parts_service.approve_parts_request(s, garage.actor(Role.WORKSHOP_MANAGER), request.id)
    order = await _send(db, garage, payload["purchaseOrderId"])
    await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 1)])
    assert await _shelf(db, garage, line.item_id) == (1, 1)
    async with db.read() as s:
        held = (await s.execute(select(StockReservation.quantity).where(
            StockReservation.parts_request_id == request.id))).scalar_one()
        item = await s.get(WarehouseItem, line.item_id)
    assert (held, item.cost_price) == (1, 35000)  # its cost is what it was bought at
    async with db.transaction() as s:
        await parts_service.issue_parts_request(s, garage.actor(WM), request.id)
    assert await _job_status(db, job.id) == JobStatus.IN_PROGRESS
    assert await _shelf(db, garage, line.item_id) == (0, 0)
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_bad_requests_are_refused_in_the_readers_language_and_change_nothing(gql, db, garage, lang):
    job = await working_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    before = await _counts(db, garage)
    for given, code, field in (({}, "REQUIRED", "description"), ({"description": "   "}, "REQUIRED", "description"),
                               ({"description": "x" * 201}, "TOO_LONG", "description")):
        body = await gql(REQUEST, {"i": {"jobId": str(job.id), "quantity": 1, **given}}, token=tech, lang=lang)
        errors = body["data"]["requestParts"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], errors
        assert _thai(errors[0]["message"]) == (lang == "th")
    body = await gql(REQUEST, {"i": {"jobId": str(job.id), "quantity": 0, "description": "Horn"}}, token=tech,
                     lang=lang)
    assert [e["code"] for e in body["data"]["requestParts"]["errors"]] == ["INVALID_QUANTITY"]
    # a job not being worked on takes no parts
    async with db.transaction() as s:
        await s.execute(Job.__table__.update().where(Job.id == job.id).values(status=JobStatus.ASSIGNED))
    body = await gql(REQUEST, {"i": {"jobId": str(job.id), "quantity": 1, "description": "Horn"}}, token=tech,
                     lang=lang)
    (error,) = body["data"]["requestParts"]["errors"]
    assert error["code"] == "JOB_NOT_WORKABLE" and _thai(error["message"]) == (lang == "th")
    assert await _counts(db, garage) == before
    assert await _job_status(db, job.id) == JobStatus.ASSIGNED


async def test_roles_and_garages(gql, db, garage, other_garage):
    supplier = await _supplier(db, garage)
    job = await working_job(db, garage)
    before = await _counts(db, garage)
    ask = {"i": {"jobId": str(job.id), "quantity": 1, "description": "Horn"}}
    for role in (WM, Role.WORKSHOP_MANAGER, Role.BILLING):  # parts:request is the technician's (and the admin's)
        body = await gql(REQUEST, ask, token=garage.token(role), expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    order = {"i": {"jobId": str(job.id), "description": "Horn", "quantity": 1, "supplierId": str(supplier.id)}}
    for role in (Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.SITE_MANAGER, Role.BILLING):
        body = await gql(NOT_IN_CATALOG, order, token=garage.token(role), expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # another garage: neither asks for, orders for, nor sees our job's part
    body = await gql(REQUEST, ask, token=other_garage.token(Role.ADMIN))
    assert body["data"]["requestParts"]["errors"][0]["code"] == "NOT_FOUND"
    theirs = await _supplier(db, other_garage)
    body = await gql(NOT_IN_CATALOG, {"i": {**order["i"], "supplierId": str(theirs.id)}},
                     token=other_garage.token(Role.ADMIN))
    assert body["data"]["orderPartNotInCatalog"]["errors"][0]["code"] == "NOT_FOUND"
    assert await _counts(db, garage) == before
    # a technician of another job cannot ask for parts on it
    async with db.transaction() as s:
        await s.execute(Job.__table__.update().where(Job.id == job.id).values(technician_id=garage.users[WM].id))
    body = await gql(REQUEST, ask, token=garage.token(Role.TECHNICIAN))
    assert body["data"]["requestParts"]["errors"][0]["code"] == "NOT_YOUR_JOB"
    assert await _counts(db, garage) == before
    async with db.transaction() as s:
        await s.execute(Job.__table__.update().where(Job.id == job.id).values(
            technician_id=garage.users[Role.TECHNICIAN].id))
    body = await gql(REQUEST, ask, token=garage.token(Role.TECHNICIAN))
    assert body["data"]["requestParts"]["errors"] == []
    one_off = body["data"]["requestParts"]["partsRequest"]["item"]["sku"]
    query = "query { warehouseItems(first: 100) { edges { node { sku } } } }"
    theirs_seen = (await gql(query, {}, token=other_garage.token(Role.ADMIN)))["data"]["warehouseItems"]["edges"]
    assert one_off not in {e["node"]["sku"] for e in theirs_seen}
    ours = (await gql(query, {}, token=garage.token(WM)))["data"]["warehouseItems"]["edges"]
    assert one_off in {e["node"]["sku"] for e in ours}


async def test_a_job_waiting_for_a_part_not_in_the_catalog_cannot_be_completed_and_says_which(db, garage):
    from backend.workshop.service import jobs as jobs_service

    job = await working_job(db, garage)
    async with db.transaction() as s:
        await parts_service.request_parts(s, garage.actor(Role.TECHNICIAN), job.id, None, 1,
                                          description="Horn relay 12V")
    with pytest.raises((DomainError, DomainErrors)) as caught:
        async with db.transaction() as s:
            await jobs_service.complete_job(s, garage.actor(Role.TECHNICIAN), job.id, "done")
    (error,) = [e for e in getattr(caught.value, "errors", [caught.value]) if e.code == ErrorCode.PARTS_PENDING]
    assert error.params["requests"] == "Horn relay 12V × 1"  # by its description, not a made-up SKU
    assert await _job_status(db, job.id) == JobStatus.AWAITING_PARTS
