"""The warehouse manager's screens in headless Chromium against the real server (issue 18), en and th:
receiving an order on a 360 px phone in two deliveries (a refused over-receipt with the server's localized message,
a reversal with a reason) with the ledger and the stock rows checked in the server's database after; reorder
suggestions turned into a draft order and taken to SENT at 1280 px (approved by an admin above the garage's
amount); a transfer dispatched (in transit, on no shelf) and received; a stock count posted with its variance; and
a count sheet whose figures follow a receipt made elsewhere, live. Screenshots into /tmp/shots-h5/ (SHOTS_DIR)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import go, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-h5"))
ERRORS = "errors { field code message }"
VALID_TAX_ID = "0505559876548"  # 13 digits with a right check digit


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page, where: str) -> None:
    problems = layout_problems(page)
    assert not problems, f"{where}: {problems}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo server and the path of its SQLite database (to check the ledger as the server wrote it)."""
    folder = tmp_path_factory.mktemp("wh-e2e")
    with run_server(folder, PWA_DIST) as url:
        yield url, folder / "e2e.db"


@pytest.fixture(scope="module")
def server_url(served):
    return served[0]


def api(url: str, token: str, query: str, variables: dict | None = None, field: str | None = None) -> dict:
    """One request to the test server (127.0.0.1) as a user; waits up to 60 s (a loaded machine answers slowly)."""
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query, "variables": variables or {}})
                                     .encode(), headers={"Content-Type": "application/json",
                                                         "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    assert not body.get("errors"), body["errors"]
    data = body["data"]
    if field is not None:
        assert not data[field].get("errors"), data[field]["errors"]
        return data[field]
    return data


def item_id(url: str, token: str, sku: str) -> str:
    edges = api(url, token, "query($s: String) { warehouseItems(search: $s) { edges { node { id sku } } } }",
                {"s": sku})["warehouseItems"]["edges"]
    return next(e["node"]["id"] for e in edges if e["node"]["sku"] == sku)


def warehouses(url: str, token: str) -> dict[str, dict]:
    rows = api(url, token, "{ warehouses { id name kind } }")["warehouses"]
    return {"central": next(w for w in rows if w["kind"] == "CENTRAL"),
            "site": next(w for w in rows if w["kind"] == "SITE")}


def supplier(url: str, token: str, name: str) -> str:
    return api(url, token, f"mutation($i: SupplierInput!) {{ createSupplier(input: $i) {{ supplier {{ id }} {ERRORS} }} }}",
               {"i": {"name": name, "contactName": "Khun Somchai", "taxId": "0105551234567", "paymentTermsDays": 30,
                      "leadTimeDays": 2}}, "createSupplier")["supplier"]["id"]


def sent_order(url: str, token: str, supplier_id: str, lines: list[tuple[str, int, int]]) -> str:
    order = api(url, token, f"mutation($i: CreatePurchaseOrderInput!) {{ createPurchaseOrder(input: $i) "
                            f"{{ purchaseOrder {{ id number }} {ERRORS} }} }}",
                {"i": {"supplierId": supplier_id,
                       "lines": [{"itemId": i, "quantity": q, "unitCost": c} for i, q, c in lines]}},
                "createPurchaseOrder")["purchaseOrder"]
    for step in ("submitPurchaseOrder", "sendPurchaseOrder"):
        api(url, token, f"mutation($i: PurchaseOrderActionInput!) {{ {step}(input: $i) {{ purchaseOrder {{ status }} "
                        f"{ERRORS} }} }}", {"i": {"id": order["id"]}}, step)
    return order["number"]


def ledger(db: Path, sku: str, site: str | None = None) -> tuple[list[tuple[str, int]], int, int]:
    """The item's movements in the central warehouse (or the named site's), oldest first, that warehouse's on hand,
    and the item's garage total: the ledger as the server wrote it."""
    where, arg = ("w.kind = ?", "CENTRAL") if site is None else ("w.name = ?", site)
    with sqlite3.connect(db) as conn:
        moves = conn.execute(
            "SELECT m.kind, m.quantity FROM stock_movements m JOIN warehouse_items i ON i.id = m.item_id "
            f"JOIN warehouses w ON w.id = m.warehouse_id WHERE i.sku = ? AND {where} ORDER BY m.id",
            (sku, arg)).fetchall()
        on_hand = conn.execute(
            "SELECT s.on_hand FROM warehouse_stock s JOIN warehouse_items i ON i.id = s.item_id "
            f"JOIN warehouses w ON w.id = s.warehouse_id WHERE i.sku = ? AND {where}", (sku, arg)).fetchone()[0]
        total = conn.execute("SELECT quantity_on_hand FROM warehouse_items WHERE sku = ?", (sku,)).fetchone()[0]
    return [(str(k), int(q)) for k, q in moves], int(on_hand), int(total)


def ledger_consistent(db: Path) -> None:
    """Every stock row equals the sum of its warehouse's movements; every item's total equals the sum of all."""
    with sqlite3.connect(db) as conn:
        bad_rows = conn.execute(
            "SELECT s.item_id, s.warehouse_id, s.on_hand, COALESCE(SUM(m.quantity), 0) FROM warehouse_stock s "
            "LEFT JOIN stock_movements m ON m.item_id = s.item_id AND m.warehouse_id = s.warehouse_id "
            "GROUP BY s.item_id, s.warehouse_id, s.on_hand HAVING s.on_hand != COALESCE(SUM(m.quantity), 0)").fetchall()
        bad_items = conn.execute(
            "SELECT i.sku, i.quantity_on_hand, COALESCE(SUM(m.quantity), 0) FROM warehouse_items i "
            "LEFT JOIN stock_movements m ON m.item_id = i.id GROUP BY i.id, i.sku, i.quantity_on_hand "
            "HAVING i.quantity_on_hand != COALESCE(SUM(m.quantity), 0)").fetchall()
    assert not bad_rows and not bad_items, (bad_rows, bad_items)


def open_thai(context) -> object:
    page = open_page(context)
    sign_in(page, "warehouse", english=False)
    if page.locator("html").get_attribute("lang") != "th":
        page.set_viewport_size({"width": 1280, "height": 800})
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
        page.set_viewport_size({"width": 360, "height": 740})
    return page


RECEIVING = {
    # lang: (the two items of the order, the over-receipt message in that language)
    "en": (("FLT-OIL-TY01", "BRK-FLUID-DOT4"), "Only 4 still to come on this line; 5 received."),
    "th": (("SPK-IRID-01", "CLT-LL-1L"), None),
}


@pytest.mark.parametrize("lang", ["en", "th"])
def test_receiving_two_deliveries_a_refusal_and_a_reversal_at_360(served, browser, lang):
    url, db = served
    token = token_for(url, "warehouse")
    (first, second), english_refusal = RECEIVING[lang]
    before_first, before_second = ledger(db, first), ledger(db, second)
    sid = supplier(url, token, f"Siam Parts {lang} {uuid.uuid4().hex[:4]}")
    number = sent_order(url, token, sid, [(item_id(url, token, first), 10, 9000),
                                          (item_id(url, token, second), 4, 17500)])

    context = new_phone(browser, url, locale="th-TH" if lang == "th" else "en-US")
    try:
        page = open_thai(context) if lang == "th" else open_page(context)
        if lang == "en":
            sign_in(page, "warehouse")
        go(page, "warehouse/receive")
        order = page.locator(f"[data-testid=receive-order][data-number='{number}']")
        expect(order).to_be_visible()
        fits(page, f"{lang} list")
        shot(page, f"receive-list-360-{lang}")
        order.get_by_test_id("receive-open").click()
        form = page.locator(f"[data-testid=receive-form][data-number='{number}']")
        line1 = form.locator(f"[data-testid=receive-line][data-sku='{first}']")
        line2 = form.locator(f"[data-testid=receive-line][data-sku='{second}']")
        # the steppers start at what is still to come; the cost at the order's
        expect(line1.get_by_test_id("receive-qty")).to_have_value("10")
        expect(line2.get_by_test_id("receive-qty")).to_have_value("4")
        expect(line1.get_by_test_id("receive-cost")).to_have_value("90.00")
        # first delivery: 6 of the 10 (four taps down) at a new price, all 4 of the other
        for _ in range(4):
            line1.get_by_test_id("receive-qty-minus").click()
        expect(line1.get_by_test_id("receive-qty")).to_have_value("6")
        line1.get_by_test_id("receive-cost").fill("95.00")
        form.get_by_test_id("receive-note").fill("DN-1001")
        fits(page, f"{lang} form")
        shot(page, f"receive-form-360-{lang}")
        form.get_by_test_id("receive-confirm").click()
        expect(form).to_have_attribute("data-status", "PARTIALLY_RECEIVED")
        expect(form.get_by_test_id("receive-outcome")).to_be_visible()
        expect(form.get_by_test_id("receipt")).to_have_count(2)
        # the stepper now offers the 4 still to come on the first line, 0 on the complete one
        expect(line1.get_by_test_id("receive-qty")).to_have_value("4")
        expect(line2.get_by_test_id("receive-qty")).to_have_value("0")

        # second delivery: 5 where 4 are still to come is refused at the line, in the page's language
        line1.get_by_test_id("receive-qty-plus").click()
        form.get_by_test_id("receive-confirm").click()
        refusal = line1.get_by_test_id("field-error")
        expect(refusal).to_be_visible()
        if english_refusal:
            expect(refusal).to_contain_text(english_refusal)
        else:
            expect(refusal).to_contain_text("4")
            assert any("\u0e00" <= ch <= "\u0e7f" for ch in refusal.inner_text()), refusal.inner_text()
        expect(form).to_have_attribute("data-status", "PARTIALLY_RECEIVED")
        fits(page, f"{lang} refusal")
        shot(page, f"receive-refused-360-{lang}")
        assert ledger(db, first)[1] == before_first[1] + 6  # nothing moved
        # the right count goes through and the order is complete
        line1.get_by_test_id("receive-qty-minus").click()
        form.get_by_test_id("receive-confirm").click()
        expect(form).to_have_attribute("data-status", "RECEIVED")
        expect(form.get_by_test_id("receipt")).to_have_count(3)

        # the last receipt was wrong: undone with a reason (none given is refused before sending)
        wrong = form.locator("[data-testid=receipt][data-quantity='4'][data-reversed=false]").filter(
            has=page.locator(f".wh-sku:text-is('{first}')"))
        wrong.get_by_test_id("receipt-undo").click()
        wrong.get_by_test_id("receipt-undo-confirm").click()
        expect(wrong.get_by_test_id("field-error")).to_be_visible()
        wrong.get_by_test_id("receipt-undo-reason").fill("Counted twice at the door" if lang == "en" else "นับซ้ำ")
        wrong.get_by_test_id("receipt-undo-confirm").click()
        expect(form).to_have_attribute("data-status", "PARTIALLY_RECEIVED")
        expect(form.locator("[data-testid=receipt][data-reversed=true]")).to_have_count(1)
        expect(form.locator("[data-testid=receipt][data-quantity='-4']")).to_have_count(1)
        expect(line1.get_by_test_id("receive-line-progress")).to_contain_text("6")
        fits(page, f"{lang} reversed")
        shot(page, f"receive-reversed-360-{lang}")
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors

    # the ledger as the server wrote it: two receipts and a reversal of the first item, one receipt of the second
    moves, on_hand, total = ledger(db, first)
    assert moves[len(before_first[0]):] == [("RECEIVE", 6), ("RECEIVE", 4), ("REVERSAL", -4)]
    assert on_hand == before_first[1] + 6 and total == before_first[2] + 6
    moves, on_hand, total = ledger(db, second)
    assert moves[len(before_second[0]):] == [("RECEIVE", 4)]
    assert on_hand == before_second[1] + 4 and total == before_second[2] + 4
    ledger_consistent(db)


@pytest.mark.parametrize("lang", ["en", "th"])
def test_reorder_suggestions_to_a_sent_order_at_1280(served, browser, lang):
    url, db = served
    token, admin = token_for(url, "warehouse"), token_for(url, "admin")
    sku = {"en": "WPR-16IN", "th": "BAT-12V-65AH"}[lang]
    iid = item_id(url, token, sku)
    central = warehouses(url, token)["central"]
    name = f"Bangkok Wipers {lang} {uuid.uuid4().hex[:4]}"
    sid = supplier(url, token, name)
    api(url, token, f"mutation($i: SetSupplierItemInput!) {{ setSupplierItem(input: $i) {{ {ERRORS} }} }}",
        {"i": {"supplierId": sid, "itemId": iid, "supplierCode": "BW-16", "price": 9500, "packSize": 5,
               "preferred": True}}, "setSupplierItem")
    _moves, on_hand, _total = ledger(db, sku)
    api(url, token, f"mutation($i: SetStockLevelsInput!) {{ setStockLevels(input: $i) {{ ok {ERRORS} }} }}",
        {"i": {"itemId": iid, "warehouseId": central["id"], "minLevel": on_hand + 1, "maxLevel": on_hand + 12}},
        "setStockLevels")
    # an order above the garage's amount waits for an administrator
    api(url, admin, "mutation { setPurchaseApprovalThreshold(amount: 10000) { approvalThreshold errors { message } } }")
    want = 15  # max - on hand = 12, rounded up to packs of 5

    context = new_phone(browser, url, locale="th-TH" if lang == "th" else "en-US")
    try:
        page = open_thai(context) if lang == "th" else open_page(context)
        if lang == "en":
            sign_in(page, "warehouse")
        page.set_viewport_size({"width": 1280, "height": 900})
        go(page, "warehouse/reorder")
        page.get_by_test_id("warehouse-picker").select_option(central["id"])
        group = page.locator(f"[data-testid=reorder-group][data-supplier='{sid}']")
        expect(group.locator(f"[data-testid=reorder-line][data-sku='{sku}'] [data-testid=reorder-qty]")).to_contain_text(str(want))
        fits(page, f"{lang} reorder")
        shot(page, f"reorder-1280-{lang}")
        page.get_by_test_id("reorder-draft").click()
        expect(page.get_by_test_id("reorder-created")).to_be_visible()
        row = page.locator("[data-testid=po-row]").filter(has_text=name)
        expect(row).to_have_attribute("data-status", "DRAFT")
        number = row.get_attribute("data-number")
        row.get_by_test_id("po-open").click()
        expect(row.get_by_test_id("po-lines")).to_contain_text(sku)
        row.get_by_test_id("po-submit").click()
        expect(row).to_have_attribute("data-status", "PENDING_APPROVAL")
        expect(row.get_by_test_id("po-approve")).to_have_count(0)  # not the warehouse manager's to approve
        fits(page, f"{lang} pending")
        shot(page, f"reorder-pending-1280-{lang}")

        # the administrator approves it on the orders screen
        boss = open_page(context.browser.new_context(base_url=url, viewport={"width": 1280, "height": 900}))
        sign_in(boss, "admin")
        go(boss, "warehouse/orders")
        boss.get_by_test_id("po-status-filter").select_option("PENDING_APPROVAL")
        pending = boss.locator(f"[data-testid=po-row][data-number='{number}']")
        pending.get_by_test_id("po-approve").click()
        expect(pending).to_have_attribute("data-status", "APPROVED")
        boss.context.close()

        go(page, "warehouse/orders")
        page.get_by_test_id("po-status-filter").select_option("APPROVED")
        approved = page.locator(f"[data-testid=po-row][data-number='{number}']")
        approved.get_by_test_id("po-send").click()
        expect(approved).to_have_attribute("data-status", "SENT")
        fits(page, f"{lang} sent")
        shot(page, f"orders-sent-1280-{lang}")
        errors = list(context.page_errors)
    finally:
        context.close()
        api(url, admin, "mutation { setPurchaseApprovalThreshold(amount: null) { approvalThreshold errors { message } } }")
    assert not errors, errors
    order = api(url, token, "query($s: PurchaseOrderStatus) { purchaseOrders(status: $s, first: 50) { edges { node { "
                            "number status supplier { id } lines { itemId quantity unitCost } } } } }",
                {"s": "SENT"})["purchaseOrders"]["edges"]
    sent = next(e["node"] for e in order if e["node"]["number"] == number)
    assert sent["supplier"]["id"] == sid and sent["lines"] == [{"itemId": iid, "quantity": want, "unitCost": 9500}]


def test_a_transfer_dispatched_and_received_at_360(served, phone):
    url, db = served
    token = token_for(url, "warehouse")
    sku = "BLB-H4-12V"
    places = warehouses(url, token)
    site = places["site"]["name"]
    central_before, site_before = ledger(db, sku), ledger(db, sku, site)
    page = open_page(phone)
    sign_in(page, "warehouse")
    go(page, "warehouse/transfers")
    page.get_by_test_id("transfer-new").click()
    form = page.get_by_test_id("transfer-form")
    form.get_by_test_id("transfer-from").select_option(places["central"]["id"])
    form.get_by_test_id("transfer-to").select_option(places["site"]["id"])
    form.get_by_test_id("transfer-item-search").fill(sku)
    form.locator(f"[data-testid=transfer-item-search-pick][data-sku='{sku}']").click()
    line = form.get_by_test_id("transfer-form-line")
    expect(line.get_by_test_id("transfer-available")).to_contain_text(str(central_before[1]))
    line.get_by_test_id("transfer-form-qty").fill(str(central_before[1] + 1))  # more than is there: refused
    form.get_by_test_id("transfer-create").click()
    expect(line.get_by_test_id("field-error")).to_be_visible()
    line.get_by_test_id("transfer-form-qty").fill("3")
    fits(page, "transfer form")
    shot(page, "transfer-form-360-en")
    form.get_by_test_id("transfer-create").click()
    row = page.get_by_test_id("transfer-row").first
    expect(row).to_have_attribute("data-status", "DRAFT")
    row.get_by_test_id("transfer-dispatch").click()
    expect(row).to_have_attribute("data-status", "DISPATCHED")
    expect(row.get_by_test_id("transfer-status")).to_have_text("In transit")
    fits(page, "in transit")
    shot(page, "transfer-in-transit-360-en")
    # in transit: off the central shelf, not yet on the site's
    assert ledger(db, sku)[1] == central_before[1] - 3
    assert ledger(db, sku, site)[1] == site_before[1]
    row.get_by_test_id("transfer-receive").click()
    expect(row).to_have_attribute("data-status", "RECEIVED")
    moves, on_hand, total = ledger(db, sku, site)
    assert moves[len(site_before[0]):] == [("TRANSFER_IN", 3)] and on_hand == site_before[1] + 3
    assert ledger(db, sku)[0][len(central_before[0]):] == [("TRANSFER_OUT", -3)]
    assert total == central_before[2]  # the garage has as many as before
    ledger_consistent(db)

    # the warehouse picked on one screen is the one the next screen opens with, also after a reload
    go(page, "warehouse/count")
    page.get_by_test_id("warehouse-picker").select_option(places["site"]["id"])
    expect(page.locator(f"[data-testid=count-line][data-sku='{sku}'] [data-testid=count-expected]")).to_have_text(
        str(site_before[1] + 3))
    go(page, "warehouse/reorder")
    expect(page.get_by_test_id("warehouse-picker")).to_have_value(places["site"]["id"])
    page.reload()
    expect(page.get_by_test_id("warehouse-picker")).to_have_value(places["site"]["id"])


def test_a_stock_count_posted_in_thai_and_figures_live_in_a_second_page(served, browser):
    url, db = served
    token = token_for(url, "warehouse")
    sku, live_sku = "BDY-FILLER-1KG", "PNT-PRIMER-1L"
    central = warehouses(url, token)["central"]
    _m, expected, _t = ledger(db, sku)
    context = new_phone(browser, url, locale="th-TH")
    try:
        page = open_thai(context)
        go(page, "warehouse/count")
        page.get_by_test_id("warehouse-picker").select_option(central["id"])
        line = page.locator(f"[data-testid=count-line][data-sku='{sku}']")
        expect(line.get_by_test_id("count-expected")).to_have_text(str(expected))

        # a second page (a desk) watches the same sheet while stock arrives elsewhere: its figure follows, no reload
        desk = open_page(context)
        desk.set_viewport_size({"width": 1280, "height": 900})
        desk.goto("/#/warehouse/count")  # signed in already: the page shares the phone's storage
        watched = desk.locator(f"[data-testid=count-line][data-sku='{live_sku}'] [data-testid=count-expected]")
        _m, live_before, _t = ledger(db, live_sku)
        expect(watched).to_have_text(str(live_before))
        expect(desk.get_by_test_id("count-sheet")).to_have_attribute("data-live", "true")  # the server has it
        api(url, token, f"mutation($i: ReceiveStockInput!) {{ receiveStock(input: $i) {{ {ERRORS} }} }}",
            {"i": {"itemId": item_id(url, token, live_sku), "quantity": 2, "reason": "Walk-in delivery"}},
            "receiveStock")
        expect(watched).to_have_text(str(live_before + 2))
        shot(desk, "count-live-1280-th")
        desk.close()

        line.get_by_test_id("count-input").fill(str(expected - 1))
        expect(line.get_by_test_id("count-variance")).to_contain_text("-1")
        page.get_by_test_id("count-post").click()  # no reason yet: refused before sending
        expect(page.locator(".field:has([data-testid=count-reason]) [data-testid=field-error]")).to_be_visible()
        page.get_by_test_id("count-reason").fill("ตรวจนับสิ้นเดือน")
        fits(page, "count sheet")
        shot(page, "count-sheet-360-th")
        page.get_by_test_id("count-post").click()
        posted = page.get_by_test_id("count-posted")
        expect(posted.locator(f"[data-testid=count-posted-line][data-sku='{sku}']")).to_contain_text("-1")
        expect(line.get_by_test_id("count-expected")).to_have_text(str(expected - 1))
        fits(page, "count posted")
        shot(page, "count-posted-360-th")
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors
    moves, on_hand, _total = ledger(db, sku)
    assert moves[-1] == ("ADJUST", -1) and on_hand == expected - 1
    ledger_consistent(db)


def test_a_supplier_its_item_and_a_hand_made_order_cancelled_at_360(served, phone):
    url, _db = served
    token = token_for(url, "warehouse")
    sku = "FLT-AIR-HN01"
    name = f"Chiang Mai Filters {uuid.uuid4().hex[:4]}"
    page = open_page(phone)
    sign_in(page, "warehouse")
    go(page, "warehouse/suppliers")
    page.get_by_test_id("supplier-add").click()
    form = page.get_by_test_id("supplier-form")
    form.get_by_test_id("supplier-terms").fill("thirty")
    form.get_by_test_id("supplier-save").click()
    expect(form.get_by_test_id("field-error")).to_have_count(2)  # no name, days not a number: nothing sent
    form.get_by_test_id("supplier-name").fill(name)
    form.get_by_test_id("supplier-contact").fill("Khun Anan")
    form.get_by_test_id("supplier-phone").fill("053-123-456")
    form.get_by_test_id("supplier-tax-id").fill("0505559876543")  # its check digit is wrong: the server says so
    form.get_by_test_id("supplier-terms").fill("45")
    form.get_by_test_id("supplier-lead").fill("5")
    form.get_by_test_id("supplier-save").click()
    tax_error = form.locator(".field:has([data-testid=supplier-tax-id]) [data-testid=field-error]")
    expect(tax_error).to_be_visible()
    expect(form.get_by_test_id("supplier-name")).to_have_value(name)  # what was typed stays
    form.get_by_test_id("supplier-tax-id").fill(VALID_TAX_ID)
    form.get_by_test_id("supplier-save").click()
    row = page.locator(f"[data-testid=supplier-row][data-name='{name}']")
    expect(row).to_contain_text("45")
    expect(row).to_contain_text(VALID_TAX_ID)

    # what it sells us: found by SKU, with its code, price, pack and preferred
    row.get_by_test_id("supplier-items").click()
    row.get_by_test_id("supplier-item-search").fill(sku)
    row.locator(f"[data-testid=supplier-item-search-pick][data-sku='{sku}']").click()
    item_form = row.get_by_test_id("supplier-item-form")
    item_form.get_by_test_id("supplier-item-price").fill("12.345")
    item_form.get_by_test_id("supplier-item-save").click()
    expect(item_form.get_by_test_id("field-error")).to_be_visible()
    item_form.get_by_test_id("supplier-item-code").fill("CMF-HN01")
    item_form.get_by_test_id("supplier-item-price").fill("165.00")
    item_form.get_by_test_id("supplier-item-pack").fill("2")
    item_form.get_by_test_id("supplier-item-preferred").check()
    item_form.get_by_test_id("supplier-item-save").click()
    listed = row.locator(f"[data-testid=supplier-item][data-sku='{sku}']")
    expect(listed).to_contain_text("CMF-HN01")
    expect(listed).to_contain_text("165.00")
    fits(page, "suppliers")
    shot(page, "suppliers-360-en")
    supplier_id = next(e["node"]["id"] for e in api(url, token, "{ suppliers(first: 100) { edges { node { id name } } } }")
                       ["suppliers"]["edges"] if e["node"]["name"] == name)
    offer = api(url, token, "query($s: ID) { supplierItems(supplierId: $s) { supplierCode price packSize preferred } }",
                {"s": supplier_id})["supplierItems"]
    assert offer == [{"supplierCode": "CMF-HN01", "price": 16500, "packSize": 2, "preferred": True}]

    # an order by hand: the supplier's item is listed at its price; 3 of them, submitted, then cancelled
    go(page, "warehouse/orders")
    page.get_by_test_id("po-new").click()
    order_form = page.get_by_test_id("po-form")
    order_form.get_by_test_id("po-supplier").select_option(supplier_id)
    line = order_form.get_by_test_id("po-form-line")
    expect(line.get_by_test_id("po-form-cost")).to_have_value("165.00")
    line.get_by_test_id("po-form-qty").fill("3")
    fits(page, "order form")
    shot(page, "order-form-360-en")
    order_form.get_by_test_id("po-create").click()
    made = page.get_by_test_id("po-row").first
    expect(made).to_have_attribute("data-status", "DRAFT")
    expect(made).to_contain_text(name)
    expect(made).to_contain_text("495.00")
    made.get_by_test_id("po-submit").click()
    expect(made).to_have_attribute("data-status", "APPROVED")  # no approval amount set: approved at once
    made.get_by_test_id("po-cancel").click()
    made.get_by_test_id("po-cancel-confirm").click()
    expect(made.get_by_test_id("field-error")).to_be_visible()  # a reason first
    made.get_by_test_id("po-cancel-reason").fill("Ordered from the other supplier")
    made.get_by_test_id("po-cancel-confirm").click()
    expect(made).to_have_attribute("data-status", "CANCELLED")
    expect(made).to_contain_text("Ordered from the other supplier")


def test_stock_value_and_usage_reports_at_1280(served, phone):
    url, _db = served
    token = token_for(url, "warehouse")
    # a part used on a job this month: the technician asks, the workshop manager approves, the store issues it
    tech = token_for(url, "tech")
    job = api(url, tech, "{ jobs(filter: { status: [IN_PROGRESS] }, first: 1) { edges { node { id } } } }"
              )["jobs"]["edges"][0]["node"]["id"]
    sku = "SND-P320"
    request = api(url, tech, f"mutation($i: RequestPartsInput!) {{ requestParts(input: $i) {{ partsRequest {{ id }} "
                             f"{ERRORS} }} }}", {"i": {"jobId": job, "itemId": item_id(url, token, sku), "quantity": 7}},
                  "requestParts")["partsRequest"]["id"]
    for who, step in (("workshop", "approvePartsRequest"), ("warehouse", "issuePartsRequest")):
        api(url, token_for(url, who), f"mutation($i: PartsRequestActionInput!) {{ {step}(input: $i) {{ {ERRORS} }} }}",
            {"i": {"id": request}}, step)
    rows = api(url, token, "{ stockValuation { total warehouse { name } } }")["stockValuation"]
    page = open_page(phone)
    sign_in(page, "warehouse")
    page.set_viewport_size({"width": 1280, "height": 900})
    go(page, "warehouse/reports")
    for r in rows:
        card = page.locator(f"[data-testid=valuation-warehouse][data-name='{r['warehouse']['name']}']")
        expect(card.get_by_test_id("valuation-warehouse-total")).to_have_text(
            re.compile(rf"฿{r['total'] // 100:,}\.{r['total'] % 100:02d}"))
    page.get_by_test_id("valuation-warehouse").first.locator("summary").click()
    expect(page.get_by_test_id("valuation-line").first).to_be_visible()
    fits(page, "valuation")
    shot(page, "report-value-1280-en")
    page.get_by_test_id("report-tab-usage").click()
    used = page.locator(f"[data-testid=usage-line][data-sku='{sku}']")
    expect(used.get_by_test_id("usage-used")).to_have_text("7")
    shot(page, "report-usage-month-1280-en")
    page.get_by_test_id("usage-from").fill("2026-12-31")
    page.get_by_test_id("usage-to").fill("2026-01-01")
    expect(page.locator(".field:has([data-testid=usage-from]) [data-testid=field-error]")).to_be_visible()
    page.get_by_test_id("usage-from").fill("2020-01-01")
    page.get_by_test_id("usage-to").fill("2020-01-31")
    expect(page.get_by_test_id("usage-empty")).to_be_visible()
    fits(page, "usage")
    shot(page, "report-usage-1280-en")
