"""Issue 18, finishing items, in headless Chromium against the real server, en and th:
- the warehouse manager's "Parts to issue" queue shows the job's site warehouse figure (its name, on hand,
  available), not the garage's total (360 and 1280 px);
- a delivery received on a 360 px phone without signal waits on the order as "waiting to be sent", goes through the
  outbox once back online and is stored once (the line's received figure and the warehouse's on hand move once); a
  receipt the server refuses on replay (another device received the rest meanwhile) is shown with the server's
  message, on the order and under Unsent changes. Layout checked; screenshots into /tmp/shots-h5 (SHOTS_DIR)."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.helpers import go, require_browser, token_for
from tests.e2e.layout import shoot
from tests.purchasing.e2e.test_job_parts_phone import fits, phone_as
from tests.purchasing.e2e.test_warehouse_screens import (
    ERRORS, api, item_id, ledger, ledger_consistent, sent_order, supplier)
from tests.purchasing.e2e.test_warehouse_screens import served, server_url  # noqa: F401  (this module's server)

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

SKU = {"en": "FLT-OIL-TY01", "th": "SPK-IRID-01"}


@pytest.mark.parametrize("lang", ["en", "th"])
def test_the_issue_queue_shows_the_job_site_warehouse(served, browser, lang):  # noqa: F811
    url, _db = served
    tech, workshop, wm = token_for(url, "tech"), token_for(url, "workshop"), token_for(url, "warehouse")
    job = api(url, tech, "{ jobs(filter: { status: [IN_PROGRESS, AWAITING_PARTS] }, first: 1) "
                         "{ edges { node { id number site { id } } } } }")["jobs"]["edges"][0]["node"]
    site_wh = next(w for w in api(url, wm, "{ warehouses { id name siteId } }")["warehouses"]
                   if w["siteId"] == job["site"]["id"])
    rows = api(url, wm, "query($w: ID!) { warehouseStock(warehouseId: $w) { itemId onHand available } }",
               {"w": site_wh["id"]})["warehouseStock"]
    stocked = next(r for r in rows if r["available"] > 1)
    item = api(url, wm, "query($i: ID!) { warehouseItem(id: $i) { id unit quantityOnHand } }",
               {"i": stocked["itemId"]})["warehouseItem"]
    request = api(url, tech, f"mutation($i: RequestPartsInput!) {{ requestParts(input: $i) {{ partsRequest {{ id }} "
                             f"{ERRORS} }} }}", {"i": {"jobId": job["id"], "itemId": item["id"], "quantity": 1}},
                  "requestParts")["partsRequest"]["id"]
    api(url, workshop, f"mutation($i: PartsRequestActionInput!) {{ approvePartsRequest(input: $i) {{ {ERRORS} }} }}",
        {"i": {"id": request}}, "approvePartsRequest")
    now = api(url, wm, "query($w: ID!, $i: ID!) { warehouseStock(warehouseId: $w, itemId: $i) { onHand available } "
                       "warehouseItem(id: $i) { quantityOnHand } }", {"w": site_wh["id"], "i": item["id"]})
    (here,) = now["warehouseStock"]
    assert now["warehouseItem"]["quantityOnHand"] != here["onHand"]  # the garage total is not the site's figure
    expected = (f"At {site_wh['name']}: {here['onHand']} {item['unit']} on hand, {here['available']} available"
                if lang == "en" else
                f"ที่{site_wh['name']}: มีอยู่ {here['onHand']} {item['unit']} ใช้ได้ {here['available']}")
    held = "1 held for this job" if lang == "en" else "กันไว้ให้งานนี้ 1"
    context, page = phone_as(browser, url, "warehouse", lang)
    try:
        go(page, "parts/issue")
        row = page.get_by_test_id("parts-request").filter(has=page.locator(f"a[href$='jobs/{job['id']}']")).last
        figure = row.get_by_test_id("parts-site-stock")
        expect(figure).to_contain_text(expected)
        expect(figure).to_contain_text(held)
        expect(row.get_by_test_id("parts-order-open")).to_have_count(0)  # the site can fill it: nothing to order
        row.scroll_into_view_if_needed()
        fits(page, f"issue queue 360 {lang}")
        shoot(page, f"h5-issue-queue-360-{lang}")
        page.set_viewport_size({"width": 1280, "height": 900})
        fits(page, f"issue queue 1280 {lang}")
        shoot(page, f"h5-issue-queue-1280-{lang}")
        row.get_by_test_id("parts-issue").click()  # issued from the site's shelf
        expect(row.get_by_test_id("parts-outcome")).to_be_visible()
        after = api(url, wm, "query($w: ID!, $i: ID!) { warehouseStock(warehouseId: $w, itemId: $i) { onHand } }",
                    {"w": site_wh["id"], "i": item["id"]})["warehouseStock"][0]["onHand"]
        assert after == here["onHand"] - 1
        assert context.page_errors == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "th"])
def test_a_delivery_received_offline_is_sent_once_and_a_refused_one_is_shown(served, browser, lang):  # noqa: F811
    url, db = served
    token = token_for(url, "warehouse")
    sku = SKU[lang]
    number = sent_order(url, token, supplier(url, token, f"Door Parts {lang} {uuid.uuid4().hex[:4]}"),
                        [(item_id(url, token, sku), 5, 9000)])
    moves_before, on_hand_before, _ = ledger(db, sku)
    context, page = phone_as(browser, url, "warehouse", lang)
    try:
        go(page, "warehouse/receive")
        page.locator(f"[data-testid=receive-order][data-number='{number}']").get_by_test_id("receive-open").click()
        form = page.locator(f"[data-testid=receive-form][data-number='{number}']")
        line = form.get_by_test_id("receive-line")
        expect(line.get_by_test_id("receive-qty")).to_have_value("5")

        # no signal at the door: two of five received, kept on the phone
        context.set_offline(True)
        line.get_by_test_id("receive-qty").fill("2")
        form.get_by_test_id("receive-confirm").click()
        waiting = form.get_by_test_id("receive-waiting")
        expect(waiting).to_contain_text("Waiting to be sent: 2 units" if lang == "en" else "รอส่ง: 2 ชิ้น")
        assert ledger(db, sku)[1] == on_hand_before  # nothing reached the server
        fits(page, f"receipt waiting 360 {lang}")
        shoot(page, f"h5-receive-waiting-360-{lang}")
        context.set_offline(False)
        expect(waiting).to_have_count(0, timeout=30_000)
        expect(line.get_by_test_id("receive-line-progress")).to_have_text(
            "2 of 5 received" if lang == "en" else "รับแล้ว 2 จาก 5", timeout=20_000)
        moves, on_hand, _ = ledger(db, sku)
        assert on_hand == on_hand_before + 2 and moves[len(moves_before):] == [("RECEIVE", 2)]  # stored once

        # offline again: the remaining three, while another device receives two of them
        context.set_offline(True)
        line.get_by_test_id("receive-qty").fill("3")
        form.get_by_test_id("receive-confirm").click()
        expect(waiting).to_have_count(1)
        order_id = api(url, token, "{ purchaseOrders(status: PARTIALLY_RECEIVED, first: 50) { edges { node { id number "
                                   "lines { id } } } } }")["purchaseOrders"]["edges"]
        order = next(e["node"] for e in order_id if e["node"]["number"] == number)
        api(url, token, f"mutation($i: ReceivePurchaseOrderInput!) {{ receivePurchaseOrder(input: $i) {{ {ERRORS} }} }}",
            {"i": {"id": order["id"], "lines": [{"lineId": order["lines"][0]["id"], "quantity": 2}]}},
            "receivePurchaseOrder")
        context.set_offline(False)
        refused = form.get_by_test_id("receive-refused")
        expect(refused).to_contain_text(
            "Only 1 still to come on this line; 3 received." if lang == "en"
            else "รายการนี้ยังค้างรับอีกเพียง 1 แต่รับเข้ามา 3", timeout=30_000)
        expect(waiting).to_have_count(0)
        expect(line.get_by_test_id("receive-line-progress")).to_have_text(
            "4 of 5 received" if lang == "en" else "รับแล้ว 4 จาก 5", timeout=20_000)
        assert ledger(db, sku)[1] == on_hand_before + 4  # the refused receipt changed nothing
        refused.scroll_into_view_if_needed()
        fits(page, f"receipt refused 360 {lang}")
        shoot(page, f"h5-receive-refused-360-{lang}")
        page.set_viewport_size({"width": 1280, "height": 900})
        fits(page, f"receipt refused 1280 {lang}")
        shoot(page, f"h5-receive-refused-1280-{lang}")
        go(page, "sync")  # and under Unsent changes, named, to retry or discard
        problem = page.locator("[data-testid=op-failed][data-op=ReceivePurchaseOrder]")
        expect(problem).to_contain_text(number)
        shoot(page, f"h5-receive-unsent-1280-{lang}")
        ledger_consistent(db)
        assert context.page_errors == []
    finally:
        context.close()
