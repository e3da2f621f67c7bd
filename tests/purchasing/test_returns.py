"""Returns to suppliers and core charges (issue 18): stock leaves the warehouse with ledger rows and the return is
tracked to the supplier's credit note; a part with a core charge fitted on a job leaves its old part owed to the
supplier (open -> returned -> credited, and a report of what is still owed); each refusal in en and th and changing
nothing; permissions; two garages apart; ledger = on hand after each scenario, also under concurrent receipts and
returns on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from backend.core.errors import DomainError, ErrorCode
from backend.core.models import Counter
from backend.core.permissions import Role
from backend.inventory import stock
from backend.inventory.models import MovementKind, StockMovement, WarehouseItem, WarehouseStock
from backend.purchasing import returns, service
from backend.purchasing.models import CoreCharge, SupplierReturn
from backend.workshop.service import parts as parts_service
from tests.inventory.helpers import assert_ledger_consistent
from tests.purchasing.test_orders import _item, _receive, _sent_order, _supplier
from tests.workshop.test_tasks_helpers import bay_site, make_item, working_job

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
ERRORS = "errors { field code message }"
RETURN = "id number status total reason creditNoteNumber creditAmount version lines { itemId quantity unitCost }"
CREATE = f"""mutation($i: CreateSupplierReturnInput!) {{ createSupplierReturn(input: $i) {{
    supplierReturn {{ {RETURN} }} {ERRORS} }} }}"""
CREDIT = f"""mutation($i: RecordCreditInput!) {{ recordSupplierReturnCredit(input: $i) {{
    supplierReturn {{ {RETURN} }} {ERRORS} }} }}"""
CORE = "id status quantity unitValue value jobId partsRequestId creditNoteNumber creditAmount supplier { name }"
OPEN_CORES = f"query {{ openCoreCharges {{ totalValue cores {{ {CORE} }} }} }}"
RETURN_CORE = f"""mutation($i: CoreChargeActionInput!) {{ returnCoreCharge(input: $i) {{ coreCharge {{ {CORE} }}
    {ERRORS} }} }}"""
CREDIT_CORE = f"""mutation($i: RecordCreditInput!) {{ creditCoreCharge(input: $i) {{ coreCharge {{ {CORE} }}
    {ERRORS} }} }}"""


async def _on_hand(db, item_id, warehouse_id=None) -> int:
    async with db.read() as s:
        if warehouse_id is None:
            return (await s.get(WarehouseItem, item_id, populate_existing=True)).quantity_on_hand
        return (await s.execute(select(WarehouseStock.on_hand).where(
            WarehouseStock.item_id == item_id, WarehouseStock.warehouse_id == warehouse_id))).scalar_one()


async def _central(db, garage):
    async with db.transaction() as s:
        return await stock.central_warehouse(s, garage.id)


async def test_a_return_takes_the_stock_out_with_ledger_rows_and_is_credited_once(gql, db, garage):
    pads = await _item(db, garage, quantity=10, cost=250, sku="PADS")
    discs = await _item(db, garage, quantity=4, cost=1200, sku="DISCS")
    supplier = await _supplier(db, garage)
    central = await _central(db, garage)
    token = garage.token(WM)
    body = await gql(CREATE, {"i": {"supplierId": str(supplier.id), "reason": "wrong size delivered",
                                    "lines": [{"itemId": str(pads.id), "quantity": 3},
                                              {"itemId": str(discs.id), "quantity": 1}]}}, token=token)
    payload = body["data"]["createSupplierReturn"]
    assert payload["errors"] == []
    record = payload["supplierReturn"]
    assert record["status"] == "RETURNED" and record["number"].startswith("RET-") and record["number"][-6:] == "000001"
    assert record["total"] == 3 * 250 + 1200
    assert sorted((line["quantity"], line["unitCost"]) for line in record["lines"]) == [(1, 1200), (3, 250)]
    assert await _on_hand(db, pads.id) == 7 and await _on_hand(db, discs.id) == 3
    async with db.read() as s:
        moves = list((await s.execute(select(StockMovement).where(
            StockMovement.kind == MovementKind.SUPPLIER_RETURN, StockMovement.garage_id == garage.id)
            .order_by(StockMovement.item_id))).scalars())
    assert sorted((m.item_id, m.quantity, m.warehouse_id) for m in moves) == sorted(
        [(pads.id, -3, central.id), (discs.id, -1, central.id)])
    assert all(record["number"] in m.reason and "wrong size" in m.reason for m in moves)

    body = await gql(CREDIT, {"i": {"id": record["id"], "creditNoteNumber": "CN-5521", "amount": 1900}}, token=token)
    credited = body["data"]["recordSupplierReturnCredit"]
    assert credited["errors"] == []
    assert (credited["supplierReturn"]["status"], credited["supplierReturn"]["creditNoteNumber"],
            credited["supplierReturn"]["creditAmount"]) == ("CREDITED", "CN-5521", 1900)
    listed = await gql("query { supplierReturns(status: CREDITED) { edges { node { id status } } } }", token=token)
    assert listed["data"]["supplierReturns"]["edges"] == [{"node": {"id": record["id"], "status": "CREDITED"}}]
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.parametrize("lang, text", [
    ("en", "The supplier's credit note CN-1 is already recorded for this."),
    ("th", "รายการนี้บันทึกใบลดหนี้เลขที่ CN-1 ของผู้จำหน่ายไว้แล้ว"),
])
async def test_crediting_a_return_twice_is_refused_in_the_readers_language(gql, db, garage, lang, text):
    pads = await _item(db, garage, quantity=5)
    supplier = await _supplier(db, garage)
    async with db.transaction() as s:
        record = await returns.create_return(s, garage.actor(WM), supplier.id,
                                             [returns.ReturnLineInput(pads.id, 2)], reason="damaged")
        await returns.record_return_credit(s, garage.actor(WM), record.id, "CN-1", 400)
    body = await gql(CREDIT, {"i": {"id": str(record.id), "creditNoteNumber": "CN-2", "amount": 999}},
                     token=garage.token(WM), lang=lang)
    payload = body["data"]["recordSupplierReturnCredit"]
    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [("id", "ALREADY_CREDITED", text)]
    assert (payload["supplierReturn"]["creditNoteNumber"], payload["supplierReturn"]["creditAmount"]) == ("CN-1", 400)


@pytest.mark.parametrize("lang, text", [
    ("en", "{sku} Brake pads: only 2 available in Central warehouse to send back; 5 asked for."),
    ("th", "{sku} Brake pads: Central warehouse มีของให้ส่งคืนได้เพียง 2 แต่ขอส่งคืน 5"),
])
async def test_returning_more_than_is_available_is_refused_and_changes_nothing(gql, db, garage, lang, text):
    pads = await _item(db, garage, quantity=2, sku="PAD-" + uuid.uuid4().hex[:4])
    plenty = await _item(db, garage, quantity=50)
    supplier = await _supplier(db, garage)
    body = await gql(CREATE, {"i": {"supplierId": str(supplier.id), "reason": "overstock",
                                    "lines": [{"itemId": str(plenty.id), "quantity": 10},
                                              {"itemId": str(pads.id), "quantity": 5}]}},
                     token=garage.token(WM), lang=lang)
    payload = body["data"]["createSupplierReturn"]
    index = 1
    assert payload["supplierReturn"] is None
    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
        (f"lines.{index}.quantity", "RETURN_EXCEEDS_STOCK", text.format(sku=pads.sku))]
    assert await _on_hand(db, pads.id) == 2 and await _on_hand(db, plenty.id) == 50  # the other line stayed too
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(SupplierReturn))).scalar_one() == 0
        taken = (await s.execute(select(Counter.value).where(Counter.garage_id == garage.id,
                                                             Counter.kind == "SUPPLIER_RETURN"))).scalar_one_or_none()
    assert taken in (None, 0)  # the number went back with the rollback
    # no reason, no lines, a bad quantity: all said at once
    body = await gql(CREATE, {"i": {"supplierId": str(supplier.id), "reason": " ", "lines": [
        {"itemId": str(pads.id), "quantity": 0}]}}, token=garage.token(WM), lang=lang)
    assert sorted(e["code"] for e in body["data"]["createSupplierReturn"]["errors"]) == [
        "INVALID_QUANTITY", "REASON_REQUIRED"]
    await assert_ledger_consistent(db, garage.id)


async def test_stock_held_for_a_job_is_not_sent_back(db, garage):
    item = await make_item(db, garage, quantity=3)
    job = await working_job(db, garage)
    site = await bay_site(db, garage)
    supplier = await _supplier(db, garage)
    async with db.transaction() as s:
        request = await parts_service.request_parts(s, garage.actor(Role.TECHNICIAN), job.id, item.id, 2)
        await parts_service.approve_parts_request(s, garage.actor(Role.WORKSHOP_MANAGER), request.id)
        site_wh = await stock.site_warehouse(s, garage.id, site.id)
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as s:
            await returns.create_return(s, garage.actor(WM), supplier.id, [returns.ReturnLineInput(item.id, 2)],
                                        reason="overstock", warehouse_id=site_wh.id)
    assert caught.value.code == ErrorCode.RETURN_EXCEEDS_STOCK and caught.value.params["available"] == 1
    async with db.transaction() as s:
        await returns.create_return(s, garage.actor(WM), supplier.id, [returns.ReturnLineInput(item.id, 1)],
                                    reason="overstock", warehouse_id=site_wh.id)
    assert await _on_hand(db, item.id, site_wh.id) == 2
    await assert_ledger_consistent(db, garage.id)


async def _core_item(db, garage, supplier, *, core=3500, quantity=5):
    item = await make_item(db, garage, quantity=quantity, cost=9000)
    async with db.transaction() as s:
        await service.set_supplier_item(s, garage.actor(WM), supplier.id, item.id, supplier_code="ALT-REMAN-77",
                                        price=9000, preferred=True, core_charge=core)
    return item


async def _issued(db, garage, job, item, quantity):
    async with db.transaction() as s:
        request = await parts_service.request_parts(s, garage.actor(Role.TECHNICIAN), job.id, item.id, quantity)
        await parts_service.approve_parts_request(s, garage.actor(Role.WORKSHOP_MANAGER), request.id)
    async with db.transaction() as s:
        await parts_service.issue_parts_request(s, garage.actor(WM), request.id)
    return request


async def test_a_part_sold_with_a_core_charge_leaves_its_old_part_owed_until_credited(gql, db, garage):
    supplier = await _supplier(db, garage, name="Reman Thai Co.")
    alternator = await _core_item(db, garage, supplier, core=3500)
    plain = await make_item(db, garage, quantity=5)  # no core charge: nothing owed
    job = await working_job(db, garage)
    request = await _issued(db, garage, job, alternator, 2)
    await _issued(db, garage, job, plain, 1)
    token = garage.token(WM)
    report = (await gql(OPEN_CORES, token=token))["data"]["openCoreCharges"]
    (core,) = report["cores"]
    assert (core["status"], core["quantity"], core["unitValue"], core["value"], core["jobId"],
            core["partsRequestId"], core["supplier"]["name"]) == (
        "OPEN", 2, 3500, 7000, str(job.id), str(request.id), "Reman Thai Co.")
    assert report["totalValue"] == 7000

    # credited before the old part went back: refused, in Thai too
    for lang, text in (("en", "A core charge that is owed to the supplier cannot do that."),
                       ("th", "ค่ามัดจำซากอะไหล่ที่อยู่ในสถานะค้างส่งคืนผู้จำหน่าย ทำรายการนี้ไม่ได้")):
        body = await gql(CREDIT_CORE, {"i": {"id": core["id"], "creditNoteNumber": "CN-9", "amount": 7000}},
                         token=token, lang=lang)
        assert [(e["code"], e["message"]) for e in body["data"]["creditCoreCharge"]["errors"]] == [
            ("INVALID_CORE_STATE", text)]
    body = await gql(RETURN_CORE, {"i": {"id": core["id"]}}, token=token)
    assert body["data"]["returnCoreCharge"]["coreCharge"]["status"] == "RETURNED"
    report = (await gql(OPEN_CORES, token=token))["data"]["openCoreCharges"]
    assert [c["status"] for c in report["cores"]] == ["RETURNED"] and report["totalValue"] == 7000  # still owed
    body = await gql(CREDIT_CORE, {"i": {"id": core["id"], "creditNoteNumber": "CN-9", "amount": 7000}}, token=token)
    assert body["data"]["creditCoreCharge"]["coreCharge"]["status"] == "CREDITED"
    assert (await gql(OPEN_CORES, token=token))["data"]["openCoreCharges"] == {"totalValue": 0, "cores": []}
    for lang, text in (("en", "The supplier's credit note CN-9 is already recorded for this."),
                       ("th", "รายการนี้บันทึกใบลดหนี้เลขที่ CN-9 ของผู้จำหน่ายไว้แล้ว")):
        body = await gql(CREDIT_CORE, {"i": {"id": core["id"], "creditNoteNumber": "CN-10", "amount": 1}},
                         token=token, lang=lang)
        assert [(e["code"], e["message"]) for e in body["data"]["creditCoreCharge"]["errors"]] == [
            ("ALREADY_CREDITED", text)]
    body = await gql(RETURN_CORE, {"i": {"id": core["id"]}}, token=token)
    assert body["data"]["returnCoreCharge"]["errors"][0]["code"] == "INVALID_CORE_STATE"
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(CoreCharge))).scalar_one() == 1
    await assert_ledger_consistent(db, garage.id)


async def test_only_purchasing_roles_handle_returns_and_cores(gql, db, garage):
    pads = await _item(db, garage, quantity=5)
    supplier = await _supplier(db, garage)
    variables = {"i": {"supplierId": str(supplier.id), "reason": "x", "lines": [{"itemId": str(pads.id),
                                                                                 "quantity": 1}]}}
    for role in (Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.SITE_MANAGER, Role.BILLING):
        body = await gql(CREATE, variables, token=garage.token(role), expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
        body = await gql(OPEN_CORES, token=garage.token(role), expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    assert await _on_hand(db, pads.id) == 5
    body = await gql(CREATE, variables, token=garage.token(Role.ADMIN))
    assert body["data"]["createSupplierReturn"]["errors"] == []


async def test_two_garages_see_nothing_of_each_others_returns_and_cores(gql, db, garage, other_garage):
    supplier = await _supplier(db, garage)
    pads = await _item(db, garage, quantity=5)
    alternator = await _core_item(db, garage, supplier)
    job = await working_job(db, garage)
    await _issued(db, garage, job, alternator, 1)
    async with db.transaction() as s:
        record = await returns.create_return(s, garage.actor(WM), supplier.id, [returns.ReturnLineInput(pads.id, 1)],
                                             reason="damaged")
    async with db.read() as s:
        core = (await s.execute(select(CoreCharge).where(CoreCharge.garage_id == garage.id))).scalar_one()
    theirs = other_garage.token(WM)
    body = await gql(f"query($id: ID!) {{ supplierReturn(id: $id) {{ id }} supplierReturns {{ edges {{ node {{ id }} }} }}"
                     f" openCoreCharges {{ totalValue cores {{ id }} }} }}", {"id": str(record.id)}, token=theirs)
    assert body["data"] == {"supplierReturn": None, "supplierReturns": {"edges": []},
                            "openCoreCharges": {"totalValue": 0, "cores": []}}
    body = await gql(CREDIT, {"i": {"id": str(record.id), "creditNoteNumber": "X", "amount": 1}}, token=theirs)
    assert body["data"]["recordSupplierReturnCredit"]["errors"][0]["code"] == "NOT_FOUND"
    body = await gql(RETURN_CORE, {"i": {"id": str(core.id)}}, token=theirs)
    assert body["data"]["returnCoreCharge"]["errors"][0]["code"] == "NOT_FOUND"
    # their return cannot name our supplier or item
    body = await gql(CREATE, {"i": {"supplierId": str(supplier.id), "reason": "x", "lines": [
        {"itemId": str(pads.id), "quantity": 1}]}}, token=theirs)
    assert body["data"]["createSupplierReturn"]["errors"][0]["code"] == "NOT_FOUND"
    assert await _on_hand(db, pads.id) == 4
    async with db.read() as s:
        assert (await s.get(SupplierReturn, record.id)).status.value == "RETURNED"


async def test_the_return_list_reads_in_constant_statements(gql, db, garage, count_statements):
    items = [await _item(db, garage, quantity=500) for _ in range(2)]
    supplier = await _supplier(db, garage)
    document = f"""query($n: Int) {{ supplierReturns(first: $n) {{ edges {{ node {{ {RETURN} supplier {{ name }}
        warehouse {{ name }} lines {{ item {{ sku }} }} }} }} }} }}"""
    counts, made = {}, 0
    for n in (1, 10, 100):
        async with db.transaction() as s:
            for _ in range(n - made):
                await returns.create_return(s, garage.actor(WM), supplier.id,
                                            [returns.ReturnLineInput(i.id, 1) for i in items], reason="overstock")
        made = n
        with count_statements() as counter:
            body = await gql(document, {"n": n}, token=garage.token(WM))
        assert len(body["data"]["supplierReturns"]["edges"]) == n
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts


@pytest.mark.postgresql_only  # real concurrent sessions; SQLite runs writers one at a time
async def test_concurrent_receipts_and_returns_keep_the_ledger_equal_to_the_shelf(db, garage):
    item = await _item(db, garage, quantity=3, cost=100)
    supplier = await _supplier(db, garage)
    order, (line,) = await _sent_order(db, garage, supplier, [service.OrderLineInput(item.id, 6, 100)])

    async def receive_one():
        try:
            await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 1)])
            return "received"
        except DomainError as exc:
            return exc.code.value

    async def return_two():
        try:
            async with db.transaction() as s:
                await returns.create_return(s, garage.actor(WM), supplier.id, [returns.ReturnLineInput(item.id, 2)],
                                            reason="damaged in the box")
            return "returned"
        except DomainError as exc:
            return exc.code.value

    results = await asyncio.gather(*(receive_one() for _ in range(8)), *(return_two() for _ in range(6)))
    received, sent_back = results.count("received"), results.count("returned")
    assert received == 6 and set(results) <= {"received", "returned", "OVER_RECEIPT", "INVALID_ORDER_STATE",
                                              "RETURN_EXCEEDS_STOCK"}
    assert sent_back >= 1  # 3 on hand at the start: the first return could always go
    assert await _on_hand(db, item.id) == 3 + received - 2 * sent_back >= 0
    async with db.read() as s:
        numbers = sorted((await s.execute(select(SupplierReturn.number).where(
            SupplierReturn.garage_id == garage.id))).scalars())
    assert [int(n[-6:]) for n in numbers] == list(range(1, sent_back + 1))  # gapless despite the refusals
    await assert_ledger_consistent(db, garage.id)


async def test_the_open_cores_report_reads_in_constant_statements(gql, db, garage, count_statements):
    supplier = await _supplier(db, garage, name="Reman Thai Co.")
    alternator = await _core_item(db, garage, supplier, quantity=100)
    job = await working_job(db, garage)
    document = f"query {{ openCoreCharges {{ totalValue cores {{ {CORE} item {{ sku }} }} }} }}"
    counts, made = {}, 0
    for n in (1, 10, 30):
        for _ in range(n - made):
            await _issued(db, garage, job, alternator, 1)
        made = n
        with count_statements() as counter:
            body = await gql(document, token=garage.token(WM))
        report = body["data"]["openCoreCharges"]
        assert len(report["cores"]) == n and report["totalValue"] == 3500 * n
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts
