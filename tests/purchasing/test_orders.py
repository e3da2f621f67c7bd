"""Purchasing (issue 18): suppliers, purchase orders through approval, sending and receiving in several deliveries,
the moving weighted average cost against a hand-computed series, undo of a wrong receipt, gapless PO numbers under
rollbacks, over-receipt refusals in en and th, a job waiting for an ordered part, reorder suggestions turned into
draft orders, two garages apart, constant statement counts, and concurrent receipts on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.inventory import service as inventory
from backend.inventory import stock
from backend.inventory.models import WarehouseItem, WarehouseStock
from backend.purchasing import service
from backend.purchasing.models import OrderStatus
from backend.workshop.models import Job, JobStatus
from backend.workshop.service import parts as parts_service
from tests.inventory.helpers import assert_ledger_consistent
from tests.workshop.test_tasks_helpers import bay_site, working_job

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
ORDER = ("id number status total version expectedDate lines { id itemId quantity unitCost receivedQuantity "
         "outstanding } receipts { id quantity unitCost reversed }")
ERRORS = "errors { field code message }"


async def _item(db, garage, *, quantity=10, cost=100, sku=None) -> WarehouseItem:
    async with db.transaction() as s:
        return await inventory.create_item(s, garage.actor(WM), inventory.ItemInput(
            sku=sku or "BRK-" + uuid.uuid4().hex[:6], name_en="Brake pads", name_th="ผ้าเบรก", cost_price=cost,
            sale_price=cost * 2), initial_quantity=quantity)


async def _supplier(db, garage, name="Siam Auto Parts", lead=3):
    async with db.transaction() as s:
        return await service.create_supplier(s, garage.actor(WM), service.SupplierInput(
            name=name, contact_name="Khun Somsak", email="orders@siamauto.example", tax_id="0105551234567",
            payment_terms_days=30, lead_time_days=lead))


async def _sent_order(db, garage, supplier, lines, warehouse_id=None):
    actor = garage.actor(WM)
    async with db.transaction() as s:
        order = await service.create_order(s, actor, supplier.id, lines, warehouse_id=warehouse_id)
        await service.submit_order(s, actor, order.id)
        await service.send_order(s, actor, order.id)
        return order, await service.order_lines(s, actor, order.id)


async def _cost(db, item_id) -> int:
    async with db.read() as s:
        return (await s.get(WarehouseItem, item_id, populate_existing=True)).cost_price


async def _receive(db, garage, order, lines, **kw):
    async with db.transaction() as s:
        return await service.receive_order(s, garage.actor(WM), order.id, lines, **kw)


async def test_average_cost_follows_a_hand_computed_series_of_receipts(db, garage):
    item = await _item(db, garage, quantity=10, cost=100)
    supplier = await _supplier(db, garage)
    order, (line,) = await _sent_order(db, garage, supplier, [service.OrderLineInput(item.id, 20, 130)])
    # 10 on hand at 100, then 5 at 130: (1000 + 650) / 15 = 110
    await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 5)])
    assert await _cost(db, item.id) == 110
    # the rest, 15, invoiced at 124: (15 x 110 + 15 x 124) / 30 = 3510 / 30 = 117
    await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 15, 124)], delivery_note="DN-7781")
    assert await _cost(db, item.id) == 117
    second, (line2,) = await _sent_order(db, garage, supplier, [service.OrderLineInput(item.id, 7, 151)])
    (receipt,) = await _receive(db, garage, second, [service.ReceiptLineInput(line2.id, 7)])
    # (30 x 117 + 7 x 151) / 37 = 4567 / 37 = 123.43 -> 123
    assert await _cost(db, item.id) == 123
    # that delivery was booked by mistake: undone, its value leaves the average: (37 x 123 - 1057) / 30 = 116.47
    async with db.transaction() as s:
        await service.reverse_receipt(s, garage.actor(WM), receipt.id, "booked against the wrong order")
    assert await _cost(db, item.id) == 116
    async with db.read() as s:
        assert (await service.get_order(s, garage.actor(WM), second.id)).status == OrderStatus.SENT
        assert (await service.get_order(s, garage.actor(WM), order.id)).status == OrderStatus.RECEIVED
        assert (await s.get(WarehouseItem, item.id)).quantity_on_hand == 30
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as s:
            await service.reverse_receipt(s, garage.actor(WM), receipt.id, "again")
    assert caught.value.code == ErrorCode.RECEIPT_REVERSED
    await assert_ledger_consistent(db, garage.id)


async def test_the_life_of_an_order_with_approval_above_the_garages_amount(gql, db, garage):
    item = await _item(db, garage, quantity=0)
    supplier = await _supplier(db, garage, lead=4)
    wm, admin = garage.token(WM), garage.token(Role.ADMIN)
    body = await gql(f"mutation {{ setPurchaseApprovalThreshold(amount: 100000) {{ approvalThreshold {ERRORS} }} }}",
                     token=admin)
    assert body["data"]["setPurchaseApprovalThreshold"] == {"approvalThreshold": 100000, "errors": []}

    async def mutate(name, input_type, input_, token=wm):
        body = await gql(f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ purchaseOrder {{ {ORDER} }} "
                         f"{ERRORS} }} }}", {"i": input_}, token=token, expect_errors=True)
        return body

    body = await mutate("createPurchaseOrder", "CreatePurchaseOrderInput", {
        "supplierId": str(supplier.id), "lines": [{"itemId": str(item.id), "quantity": 10, "unitCost": 15000}]})
    order = body["data"]["createPurchaseOrder"]["purchaseOrder"]
    year = dt.date.today().year
    assert (order["status"], order["total"]) == ("DRAFT", 150000)
    assert order["number"] in (f"PO-{year}-000001", f"PO-{year + 1}-000001", f"PO-{year - 1}-000001")
    order = (await mutate("submitPurchaseOrder", "PurchaseOrderActionInput", {"id": order["id"]})
             )["data"]["submitPurchaseOrder"]["purchaseOrder"]
    assert order["status"] == "PENDING_APPROVAL"
    refused = await mutate("approvePurchaseOrder", "PurchaseOrderActionInput", {"id": order["id"]})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # the warehouse manager may not approve
    sent = await mutate("sendPurchaseOrder", "PurchaseOrderActionInput", {"id": order["id"]})
    assert sent["data"]["sendPurchaseOrder"]["errors"][0]["code"] == "INVALID_ORDER_STATE"
    order = (await mutate("approvePurchaseOrder", "PurchaseOrderActionInput", {"id": order["id"]}, admin)
             )["data"]["approvePurchaseOrder"]["purchaseOrder"]
    assert order["status"] == "APPROVED"
    order = (await mutate("sendPurchaseOrder", "PurchaseOrderActionInput", {"id": order["id"]})
             )["data"]["sendPurchaseOrder"]["purchaseOrder"]
    assert order["status"] == "SENT" and order["expectedDate"] is not None
    line = order["lines"][0]
    order = (await mutate("receivePurchaseOrder", "ReceivePurchaseOrderInput", {
        "id": order["id"], "lines": [{"lineId": line["id"], "quantity": 4}]}))["data"]["receivePurchaseOrder"][
        "purchaseOrder"]
    assert order["status"] == "PARTIALLY_RECEIVED" and order["lines"][0]["outstanding"] == 6
    order = (await mutate("receivePurchaseOrder", "ReceivePurchaseOrderInput", {
        "id": order["id"], "lines": [{"lineId": line["id"], "quantity": 6}]}))["data"]["receivePurchaseOrder"][
        "purchaseOrder"]
    assert order["status"] == "RECEIVED" and [r["quantity"] for r in order["receipts"]] == [4, 6]
    cancel = await mutate("cancelPurchaseOrder", "CancelPurchaseOrderInput", {"id": order["id"], "reason": "x"})
    assert cancel["data"]["cancelPurchaseOrder"]["errors"][0]["code"] == "INVALID_ORDER_STATE"
    # a small order needs no approval
    small = (await mutate("createPurchaseOrder", "CreatePurchaseOrderInput", {
        "supplierId": str(supplier.id), "lines": [{"itemId": str(item.id), "quantity": 1, "unitCost": 500}]})
             )["data"]["createPurchaseOrder"]["purchaseOrder"]
    assert small["number"].endswith("-000002")
    small = (await mutate("submitPurchaseOrder", "PurchaseOrderActionInput", {"id": small["id"]})
             )["data"]["submitPurchaseOrder"]["purchaseOrder"]
    assert small["status"] == "APPROVED"
    # a technician sees no orders at all
    body = await gql("{ purchaseOrders { edges { node { id } } } }", token=garage.token(Role.TECHNICIAN),
                     expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.parametrize("lang, text", [
    ("en", "Only 3 still to come on this line; 5 received. Give a reason to keep the extra."),
    ("th", "รายการนี้ยังค้างรับอีกเพียง 3 แต่รับเข้ามา 5 หากจะเก็บส่วนที่เกินไว้ กรุณาระบุเหตุผล"),
])
async def test_receiving_more_than_ordered_is_refused_unless_a_reason_is_given(gql, db, garage, lang, text):
    item = await _item(db, garage, quantity=0)
    supplier = await _supplier(db, garage)
    order, (line,) = await _sent_order(db, garage, supplier, [service.OrderLineInput(item.id, 5, 200)])
    await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 2)])
    document = f"""mutation($i: ReceivePurchaseOrderInput!) {{ receivePurchaseOrder(input: $i) {{
        purchaseOrder {{ {ORDER} }} {ERRORS} }} }}"""
    body = await gql(document, {"i": {"id": str(order.id), "lines": [{"lineId": str(line.id), "quantity": 5}]}},
                     token=garage.token(WM), lang=lang)
    payload = body["data"]["receivePurchaseOrder"]
    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
        ("lines.0.quantity", "OVER_RECEIPT", text)]
    assert payload["purchaseOrder"]["lines"][0]["receivedQuantity"] == 2
    async with db.read() as s:
        assert (await s.get(WarehouseItem, item.id)).quantity_on_hand == 2
    body = await gql(document, {"i": {"id": str(order.id), "lines": [{"lineId": str(line.id), "quantity": 5}],
                                      "overrideReason": "supplier sent a full box, we keep it"}},
                     token=garage.token(WM), lang=lang)
    payload = body["data"]["receivePurchaseOrder"]
    assert payload["errors"] == [] and payload["purchaseOrder"]["status"] == "RECEIVED"
    async with db.read() as s:
        assert (await s.get(WarehouseItem, item.id)).quantity_on_hand == 7
    await assert_ledger_consistent(db, garage.id)


async def test_po_numbers_stay_gapless_when_a_transaction_rolls_back(db, garage):
    item = await _item(db, garage)
    supplier = await _supplier(db, garage)
    actor = garage.actor(WM)
    async with db.transaction() as s:
        first = await service.create_order(s, actor, supplier.id, [service.OrderLineInput(item.id, 1)])

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction() as s:
            taken = await service.create_order(s, actor, supplier.id, [service.OrderLineInput(item.id, 2)])
            assert taken.sequence == first.sequence + 1
            raise Boom  # the request failed after the number was taken: it is given back
    with pytest.raises(DomainError):  # refused before numbering: nothing taken either
        async with db.transaction() as s:
            await service.create_order(s, actor, supplier.id, [service.OrderLineInput(item.id, 0)])
    async with db.transaction() as s:
        second = await service.create_order(s, actor, supplier.id, [service.OrderLineInput(item.id, 3)])
    assert second.sequence == first.sequence + 1
    assert second.number == first.number[:-6] + f"{first.sequence + 1:06d}"


WHERE = """query($r: [ID!]!) { partWhereabouts(partsRequestIds: $r) { location transferNumber purchaseOrderNumber
    expectedDate } }"""


async def _where(gql, garage, request_id, role=Role.TECHNICIAN) -> dict:
    body = await gql(WHERE, {"r": [str(request_id)]}, token=garage.token(role))
    (found,) = body["data"]["partWhereabouts"]
    return found


async def test_a_job_waiting_for_an_ordered_part_goes_back_to_work_when_it_is_received_and_issued(gql, db, garage):
    item = await _item(db, garage, quantity=0)
    job = await working_job(db, garage)
    site = await bay_site(db, garage)
    tech, workshop = garage.actor(Role.TECHNICIAN), garage.actor(Role.WORKSHOP_MANAGER)
    async with db.transaction() as s:
        request = await parts_service.request_parts(s, tech, job.id, item.id, 2)
        await parts_service.approve_parts_request(s, workshop, request.id)
    async with db.read() as s:
        assert (await s.get(Job, job.id)).status == JobStatus.AWAITING_PARTS
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as s:
            await parts_service.issue_parts_request(s, garage.actor(WM), request.id)
    assert caught.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert (await _where(gql, garage, request.id))["location"] == "NOT_AVAILABLE"
    supplier = await _supplier(db, garage)
    async with db.transaction() as s:
        site_wh = (await stock.site_warehouse(s, garage.id, site.id)).id
    order, (line,) = await _sent_order(db, garage, supplier, [service.OrderLineInput(
        item.id, 2, 900, parts_request_id=request.id)], warehouse_id=site_wh)
    assert (line.parts_request_id, line.job_id) == (request.id, job.id)  # the line names the job it is for
    # the technician sees the part is on order, and when it is expected
    where = await _where(gql, garage, request.id)
    async with db.read() as s:
        expected = (await service.get_order(s, garage.actor(WM), order.id)).expected_date
    assert where == {"location": "ON_ORDER", "transferNumber": None, "purchaseOrderNumber": order.number,
                     "expectedDate": expected.isoformat()}
    await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 2)])
    assert (await _where(gql, garage, request.id))["location"] == "ON_SHELF"
    async with db.transaction() as s:
        await parts_service.issue_parts_request(s, garage.actor(WM), request.id)
    assert (await _where(gql, garage, request.id))["location"] == "ISSUED"
    async with db.read() as s:
        assert (await s.get(Job, job.id)).status == JobStatus.IN_PROGRESS
        row = (await s.execute(select(WarehouseStock).where(WarehouseStock.warehouse_id == site_wh,
                                                            WarehouseStock.item_id == item.id))).scalar_one()
        assert (row.on_hand, row.reserved) == (0, 0)
    await assert_ledger_consistent(db, garage.id)


async def test_reorder_suggestions_round_up_to_the_pack_and_become_draft_orders_per_supplier(gql, db, garage):
    pads = await _item(db, garage, quantity=3, sku="PADS")
    oil = await _item(db, garage, quantity=1, sku="OIL")
    plenty = await _item(db, garage, quantity=50, sku="PLENTY")
    siam, bkk = await _supplier(db, garage, "Siam Auto Parts"), await _supplier(db, garage, "BKK Lubricants")
    actor = garage.actor(WM)
    async with db.transaction() as s:
        central = (await stock.central_warehouse(s, garage.id)).id
        await service.set_supplier_item(s, actor, siam.id, pads.id, supplier_code="SAP-PAD", price=400, pack_size=6,
                                        preferred=True)
        await service.set_supplier_item(s, actor, bkk.id, oil.id, price=900, pack_size=4, preferred=True)
        await service.set_supplier_item(s, actor, bkk.id, pads.id, price=380, pack_size=1)
        for item, low in ((pads, 8), (oil, 5), (plenty, 5)):  # order when on hand + on order falls to `low`
            await service.set_stock_levels(s, actor, item.id, central, low, 20)
        # 4 pads already on a draft order
        await service.create_order(s, actor, bkk.id, [service.OrderLineInput(pads.id, 4)])
    token = garage.token(WM)
    body = await gql("{ reorderSuggestions { item { sku } onHand onOrder quantity packSize supplierId } }",
                     token=token)
    assert body["data"]["reorderSuggestions"] == [
        {"item": {"sku": "OIL"}, "onHand": 1, "onOrder": 0, "quantity": 20, "packSize": 4,
         "supplierId": str(bkk.id)},  # 20 - 1 = 19 -> 20
        {"item": {"sku": "PADS"}, "onHand": 3, "onOrder": 4, "quantity": 18, "packSize": 6,
         "supplierId": str(siam.id)},  # 20 - 3 - 4 = 13 -> 18
    ]
    document = f"""mutation {{ draftReorders(input: {{}}) {{ purchaseOrders {{ supplierId status lines {{ itemId
        quantity unitCost }} }} {ERRORS} }} }}"""
    body = await gql(document, token=token)
    orders = body["data"]["draftReorders"]["purchaseOrders"]
    assert sorted((o["supplierId"], o["status"], [(li["itemId"], li["quantity"], li["unitCost"]) for li in o["lines"]])
                  for o in orders) == sorted([(str(bkk.id), "DRAFT", [(str(oil.id), 20, 900)]),
                                              (str(siam.id), "DRAFT", [(str(pads.id), 18, 400)])])
    for lang, text in (("en", "Nothing needs ordering: no item with a preferred supplier is at or under its "
                              "minimum."),
                       ("th", "ยังไม่มีสินค้าที่ต้องสั่ง: ไม่มีสินค้าที่มีผู้ขายหลักซึ่งเหลือถึงหรือต่ำกว่าขั้นต่ำ")):
        body = await gql(document, token=token, lang=lang)
        assert body["data"]["draftReorders"]["errors"] == [{"field": "warehouseId", "code": "NOTHING_TO_REORDER",
                                                             "message": text}]


async def test_levels_and_suppliers_refuse_bad_input_in_the_readers_language(gql, db, garage):
    item = await _item(db, garage)
    token = garage.token(WM)
    async with db.transaction() as s:
        central = (await stock.central_warehouse(s, garage.id)).id
    for lang, text in (("en", "The maximum must be at least the minimum."),
                       ("th", "ค่าสูงสุดต้องไม่น้อยกว่าค่าต่ำสุด")):
        body = await gql(f"""mutation($i: SetStockLevelsInput!) {{ setStockLevels(input: $i) {{ ok {ERRORS} }} }}""",
                         {"i": {"itemId": str(item.id), "warehouseId": str(central), "minLevel": 9, "maxLevel": 3}},
                         token=token, lang=lang)
        assert body["data"]["setStockLevels"] == {"ok": False, "errors": [
            {"field": "maxLevel", "code": "INVALID_LEVELS", "message": text}]}
    body = await gql(f"""mutation {{ createSupplier(input: {{name: " ", leadTimeDays: -1}}) {{ supplier {{ id }}
        {ERRORS} }} }}""", token=token)
    assert {(e["field"], e["code"]) for e in body["data"]["createSupplier"]["errors"]} == {
        ("name", "REQUIRED"), ("leadTimeDays", "INVALID_VALUE")}


async def test_two_garages_share_no_suppliers_or_orders(gql, db, garage, other_garage):
    item = await _item(db, garage)
    supplier = await _supplier(db, garage)
    order, _lines = await _sent_order(db, garage, supplier, [service.OrderLineInput(item.id, 2, 100)])
    token = other_garage.token(WM)
    body = await gql("""query($o: ID!, $s: ID!) { suppliers { edges { node { id } } } purchaseOrders { edges {
        node { id } } } purchaseOrder(id: $o) { id } supplier(id: $s) { id } }""",
                     {"o": str(order.id), "s": str(supplier.id)}, token=token)
    assert body["data"] == {"suppliers": {"edges": []}, "purchaseOrders": {"edges": []}, "purchaseOrder": None,
                            "supplier": None}
    body = await gql(f"""mutation($i: CreatePurchaseOrderInput!) {{ createPurchaseOrder(input: $i) {{
        purchaseOrder {{ id }} {ERRORS} }} }}""", {"i": {"supplierId": str(supplier.id), "lines": [
        {"itemId": str(item.id), "quantity": 1}]}}, token=token)
    assert {e["code"] for e in body["data"]["createPurchaseOrder"]["errors"]} == {"NOT_FOUND"}
    body = await gql(f"""mutation($i: PurchaseOrderActionInput!) {{ sendPurchaseOrder(input: $i) {{
        purchaseOrder {{ id }} {ERRORS} }} }}""", {"i": {"id": str(order.id)}}, token=token)
    assert body["data"]["sendPurchaseOrder"]["errors"][0]["code"] == "NOT_FOUND"


async def test_the_order_list_reads_in_constant_statements(gql, db, garage, count_statements):
    items = [await _item(db, garage) for _ in range(2)]
    supplier = await _supplier(db, garage)
    document = f"""query($n: Int) {{ purchaseOrders(first: $n) {{ edges {{ node {{ {ORDER} supplier {{ name }}
        warehouse {{ name }} lines {{ item {{ sku }} }} }} }} }} }}"""
    counts, made = {}, 0
    for n in (1, 10, 100):
        async with db.transaction() as s:
            for _ in range(n - made):
                await service.create_order(s, garage.actor(WM), supplier.id,
                                           [service.OrderLineInput(i.id, 1, 100) for i in items])
        made = n
        with count_statements() as counter:
            body = await gql(document, {"n": n}, token=garage.token(WM))
        assert len(body["data"]["purchaseOrders"]["edges"]) == n
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts


@pytest.mark.postgresql_only  # real concurrent sessions; SQLite runs writers one at a time
async def test_concurrent_receipts_never_take_more_than_ordered(db, garage):
    item = await _item(db, garage, quantity=0)
    supplier = await _supplier(db, garage)
    order, (line,) = await _sent_order(db, garage, supplier, [service.OrderLineInput(item.id, 5, 100)])

    async def one():
        try:
            await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 1)])
            return "ok"
        except DomainError as exc:
            return exc.code.value

    results = await asyncio.gather(*(one() for _ in range(12)))
    assert results.count("ok") == 5 and set(results) <= {"ok", "OVER_RECEIPT", "INVALID_ORDER_STATE"}
    async with db.read() as s:
        assert (await s.get(WarehouseItem, item.id)).quantity_on_hand == 5
        assert (await service.get_order(s, garage.actor(WM), order.id)).status == OrderStatus.RECEIVED
    await assert_ledger_consistent(db, garage.id)
