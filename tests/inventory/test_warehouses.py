"""Warehouses (issue 18): a central one and one per site, stock per item and warehouse with reservations for
approved parts requests (available = on hand - reserved), transfers with in-transit stock issuable nowhere, the
site's request to the central warehouse, localized refusals that change nothing, and two garages apart. After every
scenario the ledger equals what is on hand, per warehouse and for the garage."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import ROLE_PERMISSIONS, Permission, Role
from backend.inventory import service, stock, transfers
from backend.inventory.models import StockMovement, TransferStatus, WarehouseStock
from backend.workshop.models import PartsRequest, PartsRequestStatus
from backend.workshop.service import parts as parts_service
from tests.inventory.helpers import assert_ledger_consistent, make_job
from tests.workshop.helpers import make_site

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER

FIGURES = "onHand reserved available warehouse { id kind name }"
TRANSFER_FIELDS = "id number status version fromWarehouseId toWarehouseId lines { itemId quantity }"
ERRORS = "errors { field code message }"


def _m(name: str, input_type: str) -> str:
    return (f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ transfer {{ {TRANSFER_FIELDS} }} "
            f"{ERRORS} }} }}")


CREATE = _m("createTransfer", "CreateTransferInput")
REQUEST = _m("requestTransfer", "CreateTransferInput")
APPROVE = _m("approveTransfer", "TransferActionInput")
DISPATCH = _m("dispatchTransfer", "TransferActionInput")
RECEIVE = _m("receiveTransfer", "TransferActionInput")
CANCEL = _m("cancelTransfer", "CancelTransferInput")


async def _item(db, garage, quantity: int = 10, sku: str | None = None):
    async with db.transaction() as s:
        return await service.create_item(s, garage.actor(WM), service.ItemInput(
            sku=sku or "PAD-" + uuid.uuid4().hex[:6], name_en="Brake pads", name_th="ผ้าเบรก", cost_price=50000,
            sale_price=90000), initial_quantity=quantity)


async def _warehouses(db, garage, site_id):
    async with db.transaction() as s:
        return (await stock.central_warehouse(s, garage.id)).id, (await stock.site_warehouse(s, garage.id, site_id)).id


async def _figures(db, warehouse_id, item_id) -> tuple[int, int]:
    async with db.read() as s:
        row = (await s.execute(select(WarehouseStock).where(WarehouseStock.warehouse_id == warehouse_id,
                                                            WarehouseStock.item_id == item_id))).scalar_one_or_none()
    return (0, 0) if row is None else (row.on_hand, row.reserved)


async def _ledger_rows(db, garage_id) -> int:
    async with db.read() as s:
        return len((await s.execute(select(StockMovement.id).where(StockMovement.garage_id == garage_id))).all())


async def _ok(gql, token, document, **input_) -> dict:
    body = await gql(document, {"input": input_}, token=token)
    payload = next(iter(body["data"].values()))
    assert payload["errors"] == [], payload
    return payload["transfer"]


async def _refused(gql, token, document, lang="en", **input_) -> list[tuple[str, str, str]]:
    body = await gql(document, {"input": input_}, token=token, lang=lang)
    payload = next(iter(body["data"].values()))
    return [(e["field"], e["code"], e["message"]) for e in payload["errors"]]


async def test_a_site_gets_its_own_warehouse_and_the_central_one_comes_first(gql, db, garage):
    site = await make_site(db, garage, "Rama 9")
    token = garage.token(WM)
    async with db.transaction() as s:
        await stock.central_warehouse(s, garage.id)
    for lang, central in (("en", "Central warehouse"), ("th", "คลังกลาง")):
        body = await gql("{ warehouses { kind name siteId } }", token=token, lang=lang)
        assert body["data"]["warehouses"] == [{"kind": "CENTRAL", "name": central, "siteId": None},
                                              {"kind": "SITE", "name": "Rama 9", "siteId": str(site.id)}]


async def test_approval_reserves_at_the_jobs_site_issue_consumes_withdrawal_releases(db, garage):
    item = await _item(db, garage, quantity=6)
    job_id, (first, second) = await make_job(db, garage.id, item.id, requests=2, quantity=2)
    wm, workshop = garage.actor(WM), garage.actor(Role.WORKSHOP_MANAGER)
    async with db.transaction() as s:  # make_job's requests are APPROVED already: put them back to PENDING
        for rid in (first, second):
            (await s.get(PartsRequest, rid)).status = PartsRequestStatus.PENDING
    async with db.read() as s:
        from backend.workshop.models import Job

        site_id = (await s.get(Job, job_id)).site_id
    central_id, site_wh = await _warehouses(db, garage, site_id)
    assert await _figures(db, site_wh, item.id) == (6, 0)
    async with db.transaction() as s:
        await parts_service.approve_parts_request(s, workshop, first)
        await parts_service.approve_parts_request(s, workshop, second)
    assert await _figures(db, site_wh, item.id) == (6, 4)  # available 2
    # the held stock cannot be adjusted away nor sent elsewhere
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as s:
            await service.adjust_stock(s, wm, item.id, -3, "damaged", warehouse_id=site_wh)
    assert (caught.value.code, caught.value.params) == (ErrorCode.INSUFFICIENT_STOCK, {"available": 2,
                                                                                       "requested": 3})
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as s:
            await transfers.create_transfer(s, wm, site_wh, central_id, [transfers.LineInput(item.id, 3)])
    assert caught.value.code == ErrorCode.NOT_AVAILABLE and caught.value.params["available"] == 2
    async with db.transaction() as s:
        await parts_service.issue_parts_request(s, wm, first)
    assert await _figures(db, site_wh, item.id) == (4, 2)
    # the job is cancelled: its approved request is withdrawn and its parts go back to available
    from backend.workshop.service import jobs as jobs_service

    async with db.transaction() as s:
        await jobs_service.cancel_job(s, garage.actor(Role.ADMIN), job_id, "customer took the car away")
        assert (await s.get(PartsRequest, second)).status == PartsRequestStatus.REJECTED
    assert await _figures(db, site_wh, item.id) == (4, 0)
    await assert_ledger_consistent(db, garage.id)


async def test_in_transit_stock_is_issuable_nowhere_until_received(gql, db, garage, other_garage):
    item = await _item(db, garage, quantity=5)
    job_id, (request_id,) = await make_job(db, garage.id, item.id, requests=1, quantity=3, send_stock=False)
    async with db.read() as s:
        from backend.workshop.models import Job

        site_id = (await s.get(Job, job_id)).site_id
    central_id, site_wh = await _warehouses(db, garage, site_id)
    wm = garage.actor(WM)
    async with db.transaction() as s:
        transfer = await transfers.create_transfer(s, wm, central_id, site_wh, [transfers.LineInput(item.id, 5)])
        assert transfer.number.startswith("TR-") and transfer.status == TransferStatus.DRAFT
    assert await _figures(db, central_id, item.id) == (5, 0)  # a draft moves nothing
    async with db.transaction() as s:
        await transfers.dispatch_transfer(s, wm, transfer.id)
    assert await _figures(db, central_id, item.id) == (0, 0)
    assert await _figures(db, site_wh, item.id) == (0, 0)
    where = """query($r: [ID!]!) { partWhereabouts(partsRequestIds: $r) { location transferNumber } }"""
    body = await gql(where, {"r": [str(request_id)]}, token=garage.token(Role.WORKSHOP_MANAGER))
    assert body["data"]["partWhereabouts"] == [{"location": "IN_TRANSIT", "transferNumber": transfer.number}]
    body = await gql(where, {"r": [str(request_id)]}, token=other_garage.token(Role.WORKSHOP_MANAGER))
    assert body["data"]["partWhereabouts"] == []
    async with db.read() as s:
        assert await transfers.in_transit(s, garage.id, [item.id]) == {item.id: 5}
        assert (await service.get_item(s, wm, item.id)).quantity_on_hand == 0  # on no shelf
    await assert_ledger_consistent(db, garage.id)
    for attempt in ("site", "central"):  # neither end can give it out
        with pytest.raises(DomainError) as caught:
            async with db.transaction() as s:
                if attempt == "site":
                    await parts_service.issue_parts_request(s, wm, request_id)
                else:
                    await service.sell(s, wm, item.id, 1, reference="INV-X")
        assert caught.value.code == ErrorCode.INSUFFICIENT_STOCK and caught.value.params["available"] == 0
    async with db.transaction() as s:
        await transfers.receive_transfer(s, wm, transfer.id)
    assert await _figures(db, site_wh, item.id) == (5, 0)
    async with db.read() as s:
        assert await transfers.in_transit(s, garage.id, [item.id]) == {}
    async with db.transaction() as s:
        request = await parts_service.issue_parts_request(s, wm, request_id)
        assert request.status == PartsRequestStatus.ISSUED
    assert await _figures(db, site_wh, item.id) == (2, 0)
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_transfer_refusals_are_localized_and_change_nothing(gql, db, garage, lang):
    item = await _item(db, garage, quantity=4)
    site = await make_site(db, garage, "Bang Na")
    central_id, site_wh = await _warehouses(db, garage, site.id)
    token = garage.token(WM)
    before = await _ledger_rows(db, garage.id)
    expect = {
        "en": ("Brake pads: only 4 available in the central warehouse; 9 asked for.",
               "A transfer needs two different warehouses.",
               "A transfer that is a draft cannot do that.",
               "A transfer that is in transit cannot do that.",
               "This item is already on another line."),
        "th": ("ผ้าเบรก: ที่คลังกลาง มีให้ใช้ได้เพียง 4 แต่ขอ 9",
               "การโอนย้ายต้องมีคลังต้นทางและปลายทางที่ต่างกัน",
               "ใบโอนย้ายที่อยู่ในสถานะฉบับร่าง ทำรายการนี้ไม่ได้",
               "ใบโอนย้ายที่อยู่ในสถานะกำลังจัดส่ง ทำรายการนี้ไม่ได้",
               "สินค้านี้อยู่ในรายการอื่นแล้ว"),
    }[lang]
    line = {"itemId": str(item.id), "quantity": 9}
    assert await _refused(gql, token, CREATE, lang, fromWarehouseId=str(central_id), toWarehouseId=str(site_wh),
                          lines=[line]) == [("lines.0.quantity", "NOT_AVAILABLE", expect[0])]
    assert await _refused(gql, token, CREATE, lang, fromWarehouseId=str(central_id), toWarehouseId=str(central_id),
                          lines=[{**line, "quantity": 1}]) == [("toWarehouseId", "SAME_WAREHOUSE", expect[1])]
    assert await _refused(gql, token, CREATE, lang, fromWarehouseId=str(central_id), toWarehouseId=str(site_wh),
                          lines=[{**line, "quantity": 1}, {**line, "quantity": 2}]) == [
        ("lines.1.itemId", "DUPLICATE_ITEM", expect[4])]
    draft = await _ok(gql, token, CREATE, fromWarehouseId=str(central_id), toWarehouseId=str(site_wh),
                      lines=[{**line, "quantity": 3}])
    assert await _refused(gql, token, RECEIVE, lang, id=draft["id"]) == [("id", "INVALID_TRANSFER_STATE", expect[2])]
    assert await _ledger_rows(db, garage.id) == before
    # the stock went elsewhere between the draft and its dispatch: refused at the line, nothing leaves
    async with db.transaction() as s:
        await service.adjust_stock(s, garage.actor(WM), item.id, -2, "dropped", warehouse_id=central_id)
    refused = await _refused(gql, token, DISPATCH, lang, id=draft["id"])
    assert [(f, c) for f, c, _m in refused] == [("lines.0.quantity", "NOT_AVAILABLE")]
    assert await _figures(db, central_id, item.id) == (2, 0)
    dispatched = await _ok(gql, token, CREATE, fromWarehouseId=str(central_id), toWarehouseId=str(site_wh),
                           lines=[{**line, "quantity": 2}])
    await _ok(gql, token, DISPATCH, id=dispatched["id"])
    assert await _refused(gql, token, CANCEL, lang, id=dispatched["id"], reason="changed my mind") == [
        ("id", "INVALID_TRANSFER_STATE", expect[3])]
    assert await _refused(gql, token, DISPATCH, lang, id=dispatched["id"]) == [
        ("id", "INVALID_TRANSFER_STATE", expect[3])]
    cancelled = await _ok(gql, token, CANCEL, id=draft["id"], reason="not needed")
    assert cancelled["status"] == "CANCELLED"
    await assert_ledger_consistent(db, garage.id)


async def test_a_site_asks_the_central_warehouse_and_receives(gql, db, garage):
    item = await _item(db, garage, quantity=8)
    site = await make_site(db, garage, "Bang Na")
    central_id, site_wh = await _warehouses(db, garage, site.id)
    site_manager, wm = garage.token(Role.SITE_MANAGER), garage.token(WM)
    line = [{"itemId": str(item.id), "quantity": 3}]
    # a site asks the central warehouse, not another site
    other = await make_site(db, garage, "Rama 9")
    _c, other_wh = await _warehouses(db, garage, other.id)
    assert [c for _f, c, _m in await _refused(gql, site_manager, REQUEST, fromWarehouseId=str(other_wh),
                                               toWarehouseId=str(site_wh), lines=line)] == ["NOT_CENTRAL_WAREHOUSE"]
    asked = await _ok(gql, site_manager, REQUEST, fromWarehouseId=str(central_id), toWarehouseId=str(site_wh),
                      lines=line)
    assert asked["status"] == "REQUESTED"
    # the site manager may not approve or dispatch it; the technician may do nothing with transfers
    for document in (APPROVE, DISPATCH):
        body = await gql(document, {"input": {"id": asked["id"]}}, token=site_manager, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(REQUEST, {"input": {"fromWarehouseId": str(central_id), "toWarehouseId": str(site_wh),
                                         "lines": line}}, token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [c for _f, c, _m in await _refused(gql, wm, DISPATCH, id=asked["id"])] == ["INVALID_TRANSFER_STATE"]
    approved = await _ok(gql, wm, APPROVE, id=asked["id"], expectedVersion=asked["version"])
    assert approved["status"] == "APPROVED"
    await _ok(gql, wm, DISPATCH, id=asked["id"])
    assert await _figures(db, central_id, item.id) == (5, 0)
    received = await _ok(gql, site_manager, RECEIVE, id=asked["id"])
    assert received["status"] == "RECEIVED"
    body = await gql(f"query($w: ID!) {{ warehouseStock(warehouseId: $w) {{ itemId {FIGURES} }} }}",
                     {"w": str(site_wh)}, token=site_manager)
    assert body["data"]["warehouseStock"] == [{"itemId": str(item.id), "onHand": 3, "reserved": 0, "available": 3,
                                               "warehouse": {"id": str(site_wh), "kind": "SITE",
                                                             "name": "Bang Na"}}]
    # a replay of the receipt changes nothing
    assert [c for _f, c, _m in await _refused(gql, wm, RECEIVE, id=asked["id"])] == ["INVALID_TRANSFER_STATE"]
    await assert_ledger_consistent(db, garage.id)


def test_the_role_table_for_warehouses_and_purchasing():
    expected = {
        Role.ADMIN: {"transfers:manage", "transfers:request", "purchasing:read", "purchasing:manage",
                     "purchasing:approve"},
        Role.WAREHOUSE_MANAGER: {"transfers:manage", "transfers:request", "purchasing:read", "purchasing:manage"},
        Role.SITE_MANAGER: {"transfers:request"},
        Role.WORKSHOP_MANAGER: set(),
        Role.TECHNICIAN: set(),
        Role.BILLING: set(),
    }
    ours = {p for p in Permission if p.value.split(":")[0] in ("transfers", "purchasing")}
    for role, names in expected.items():
        assert {p.value for p in ROLE_PERMISSIONS[role] & ours} == names, role


async def test_two_garages_see_nothing_of_each_other(gql, db, garage, other_garage):
    item = await _item(db, garage, quantity=3)
    site = await make_site(db, garage, "Mine")
    central_id, site_wh = await _warehouses(db, garage, site.id)
    async with db.transaction() as s:
        theirs = (await stock.central_warehouse(s, other_garage.id)).id
        transfer = await transfers.create_transfer(s, garage.actor(WM), central_id, site_wh,
                                                   [transfers.LineInput(item.id, 1)])
    token = other_garage.token(WM)
    body = await gql("{ warehouses { id } transfers { edges { node { id } } } }", token=token)
    assert body["data"]["warehouses"] == [{"id": str(theirs)}] and body["data"]["transfers"]["edges"] == []
    body = await gql("query($i: ID!) { transfer(id: $i) { id } warehouseStock(itemId: $i) { onHand } }",
                     {"i": str(transfer.id)}, token=token)
    assert body["data"] == {"transfer": None, "warehouseStock": []}
    for document, input_ in ((DISPATCH, {"id": str(transfer.id)}),
                             (CREATE, {"fromWarehouseId": str(central_id), "toWarehouseId": str(theirs),
                                       "lines": [{"itemId": str(item.id), "quantity": 1}]})):
        codes = [c for _f, c, _m in await _refused(gql, token, document, **input_)]
        assert codes and set(codes) == {"NOT_FOUND"}
    assert await _figures(db, central_id, item.id) == (3, 0)


async def test_transfer_list_reads_in_constant_statements(gql, db, garage, count_statements):
    items = [await _item(db, garage, quantity=500) for _ in range(2)]
    site = await make_site(db, garage, "Rama 9")
    central_id, site_wh = await _warehouses(db, garage, site.id)
    document = f"""query($n: Int) {{ transfers(first: $n) {{ edges {{ node {{ {TRANSFER_FIELDS}
        fromWarehouse {{ name }} toWarehouse {{ name }} lines {{ item {{ sku stock {{ onHand }} }} }} }} }} }} }}"""
    counts, made = {}, 0
    for n in (1, 10, 100):
        async with db.transaction() as s:
            for _ in range(n - made):
                await transfers.create_transfer(s, garage.actor(WM), central_id, site_wh,
                                                [transfers.LineInput(i.id, 1) for i in items])
        made = n
        with count_statements() as counter:
            body = await gql(document, {"n": n}, token=garage.token(WM))
        assert len(body["data"]["transfers"]["edges"]) == n
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts


@pytest.mark.postgresql_only  # real concurrent sessions; SQLite runs writers one at a time
async def test_concurrent_receipts_issues_and_transfers_keep_the_ledger(db, garage):
    item = await _item(db, garage, quantity=30)
    job_id, requests = await make_job(db, garage.id, item.id, requests=20, quantity=1, send_stock=False)
    async with db.read() as s:
        from backend.workshop.models import Job

        site_id = (await s.get(Job, job_id)).site_id
    central_id, site_wh = await _warehouses(db, garage, site_id)
    wm = garage.actor(WM)

    async def attempt(fn):
        try:
            async with db.transaction() as s:
                await fn(s)
            return "ok"
        except DomainError as exc:
            return exc.code.value

    async def send(s):
        t = await transfers.create_transfer(s, wm, central_id, site_wh, [transfers.LineInput(item.id, 2)])
        await transfers.dispatch_transfer(s, wm, t.id)
        await transfers.receive_transfer(s, wm, t.id)

    async def receipt(s):
        await service.receive_stock(s, wm, item.id, 1, warehouse_id=central_id)

    def issue(request_id):
        return lambda s: parts_service.issue_parts_request(s, wm, request_id)

    jobs = [send] * 15 + [receipt] * 10 + [issue(r) for r in requests]
    results = await asyncio.gather(*(attempt(fn) for fn in jobs))
    assert set(results) <= {"ok", "NOT_AVAILABLE", "INSUFFICIENT_STOCK"}
    await assert_ledger_consistent(db, garage.id)
    sent = results[:15].count("ok") * 2
    issued = results[25:].count("ok")
    assert await _figures(db, central_id, item.id) == (30 + 10 - sent, 0)
    assert await _figures(db, site_wh, item.id) == (sent - issued, 0)


async def test_stock_figures_arrive_live_when_stock_moves(app, gql, db, garage, other_garage):
    import json

    from httpx import AsyncClient
    from httpx_ws import aconnect_ws
    from httpx_ws.transport import ASGIWebSocketTransport

    item = await _item(db, garage, quantity=2)
    async with db.transaction() as s:
        central_id = (await stock.central_warehouse(s, garage.id)).id
    document = "subscription { stockChanged { itemId warehouseId onHand reserved available garageOnHand } }"
    async with AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://testserver") as client:
        async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws, \
                aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as theirs:
            for socket, token in ((ws, garage.token(Role.TECHNICIAN)), (theirs, other_garage.token(WM))):
                await socket.send_text(json.dumps({"type": "connection_init",
                                                   "payload": {"Authorization": f"Bearer {token}"}}))
                assert json.loads(await socket.receive_text())["type"] == "connection_ack"
                await socket.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
            await asyncio.sleep(0.2)  # both are listening
            body = await gql("""mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { errors { code } } }""",
                             {"i": {"itemId": str(item.id), "quantity": 3}}, token=garage.token(WM))
            assert body["data"]["receiveStock"]["errors"] == []
            message = json.loads(await asyncio.wait_for(ws.receive_text(), 5))
            assert message["payload"]["data"]["stockChanged"] == {
                "itemId": str(item.id), "warehouseId": str(central_id), "onHand": 5, "reserved": 0, "available": 5,
                "garageOnHand": 5}
            with pytest.raises(asyncio.TimeoutError):  # the other garage hears nothing of it
                await asyncio.wait_for(theirs.receive_text(), 0.5)
