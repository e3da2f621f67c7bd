"""The technician asks, on a 360 px phone, for parts that are not on the shelf (issue 18), en and th, in headless
Chromium against the real server: the catalog search shows what the job's site has; a part that is not in the
catalog is described in a few taps, offline, and goes through the outbox once online (the job waits for it); once
the workshop manager approved it and the warehouse manager ordered it from a supplier (the issue queue, on their
phone), the job shows it on order with its expected date ("Expected Thu 10 Dec"), and when it is received the job's
screen shows it has come, live. Layout checked at 360 and 1280 px; screenshots into /tmp/shots-h2/ (SHOTS_DIR)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import go, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems
from tests.purchasing.e2e.test_returns_screens import expected_text
from tests.purchasing.e2e.test_warehouse_screens import ERRORS, api

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-h2"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def dismiss_update(page) -> None:
    button = page.get_by_test_id("update-prompt-dismiss")
    if button.count() and button.is_visible():
        button.click()


def fits(page, where: str) -> None:
    dismiss_update(page)
    problems = layout_problems(page)
    assert not problems, f"{where}: {problems}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("job-parts-e2e")
    with run_server(folder, PWA_DIST) as url:
        yield url


@pytest.fixture(scope="module")
def server_url(served):
    return served


def phone_as(browser, url: str, who: str, lang: str):
    """A 360 px phone signed in as `who`, reading `lang`: (context, page)."""
    context = new_phone(browser, url, locale="th-TH" if lang == "th" else "en-US")
    page = open_page(context)
    sign_in(page, who, english=lang == "en")
    if lang == "th" and page.locator("html").get_attribute("lang") != "th":
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
    return context, page


def site_stock(url: str, token: str, job_id: str) -> dict[str, int]:
    where = api(url, token, "query($j: ID!) { job(id: $j) { site { id } } warehouses { id siteId } }", {"j": job_id})
    warehouse = next(w["id"] for w in where["warehouses"] if w["siteId"] == where["job"]["site"]["id"])
    rows = api(url, token, "query($w: ID!) { warehouseStock(warehouseId: $w) { itemId available } }",
               {"w": warehouse})["warehouseStock"]
    return {r["itemId"]: r["available"] for r in rows}


@pytest.mark.parametrize("lang", ["en", "th"])
def test_the_technician_asks_for_a_part_not_in_the_catalog_and_sees_it_on_order(served, browser, lang):
    url = served
    tech, wm, workshop = token_for(url, "tech"), token_for(url, "warehouse"), token_for(url, "workshop")
    job = api(url, tech, "{ jobs(filter: { status: [IN_PROGRESS, AWAITING_PARTS] }, first: 1) "
                         "{ edges { node { id } } } }")["jobs"]["edges"][0]["node"]["id"]
    name = f"Hilux Parts {lang}"
    create = f"mutation($i: SupplierInput!) {{ createSupplier(input: $i) {{ supplier {{ id }} {ERRORS} }} }}"
    supplier = api(url, wm, create, {"i": {"name": name, "contactName": "Khun Malee", "taxId": "0105551234567",
                                           "paymentTermsDays": 30, "leadTimeDays": 3}},
                   "createSupplier")["supplier"]["id"]
    # a part of the catalog the site has: the search shows how many are there
    stocked = site_stock(url, tech, job)
    items = api(url, tech, "{ warehouseItems(first: 100) { edges { node { id sku } } } }")["warehouseItems"]["edges"]
    sku, here = next((e["node"]["sku"], stocked[e["node"]["id"]]) for e in items
                     if stocked.get(e["node"]["id"], 0) > 0)
    part = "Wiper motor, Hilux LN106" if lang == "en" else "มอเตอร์ปัดน้ำฝน ไฮลักซ์ LN106"
    context, page = phone_as(browser, url, "tech", lang)
    try:
        go(page, f"jobs/{job}")
        page.get_by_test_id("request-parts").click()
        page.get_by_test_id("item-search").fill(sku)
        option = page.get_by_test_id("item-option").filter(has_text=sku)
        expect(option.get_by_test_id("item-here")).to_have_text(
            f"{here} at this site" if lang == "en" else f"สาขานี้มี {here}")
        fits(page, f"catalog search 360 {lang}")
        shot(page, f"tech-parts-search-360-{lang}")
        # not in the catalog: the search text becomes the description
        page.get_by_test_id("item-search").fill(part)
        expect(page.get_by_test_id("item-option")).to_have_count(0)
        page.get_by_test_id("part-not-in-catalog").click()
        expect(page.get_by_test_id("parts-description")).to_have_value(part)
        page.get_by_test_id("parts-description").fill("")
        page.get_by_test_id("parts-submit").click()  # refused on the phone, in the reader's language
        expect(page.get_by_test_id("parts-description-error")).to_have_text(
            "Describe the part (what it is, for which vehicle)." if lang == "en"
            else "บอกว่าเป็นอะไหล่อะไร ใช้กับรถรุ่นไหน")
        fits(page, f"describe a part 360 {lang}")
        shot(page, f"tech-parts-describe-360-{lang}")
        page.get_by_test_id("parts-description").fill(part)
        page.get_by_test_id("parts-qty").fill("2")
        context.set_offline(True)  # in the bay without signal: the request waits on the phone
        page.get_by_test_id("parts-submit").click()
        row = page.get_by_test_id("parts-row").filter(has_text=part)
        expect(row).to_have_attribute("data-status", "PENDING")
        expect(row.get_by_test_id("parts-not-in-catalog")).to_be_visible()
        expect(row.locator(".chip-wait")).to_be_visible()
        context.set_offline(False)
        expect(row.locator(".chip-wait")).to_have_count(0, timeout=30_000)  # the outbox sent it once online
        expect(page.get_by_test_id("job-status")).to_have_text("Awaiting parts" if lang == "en" else "รออะไหล่")

        # the workshop manager approves it, the warehouse manager orders it from a supplier
        requests = api(url, tech, "query($j: ID!) { job(id: $j) { partsRequests { id item { nameEn } } } }",
                       {"j": job})["job"]["partsRequests"]
        request = next(r["id"] for r in requests if r["item"]["nameEn"] == part)
        approve = f"mutation($i: PartsRequestActionInput!) {{ approvePartsRequest(input: $i) {{ {ERRORS} }} }}"
        api(url, workshop, approve, {"i": {"id": request}}, "approvePartsRequest")
        # the warehouse manager orders it from the issue queue, on their own phone
        store, wm_page = phone_as(browser, url, "warehouse", lang)
        try:
            go(wm_page, "parts/issue")
            queued = wm_page.get_by_test_id("parts-request").filter(has_text=part)
            queued.get_by_test_id("parts-order-open").click()
            queued.get_by_test_id("parts-order").click()  # no supplier chosen: refused on the screen
            expect(queued.get_by_test_id("parts-order")).to_be_visible()
            expect(queued).to_contain_text("Choose a supplier." if lang == "en" else "กรุณาเลือกผู้จำหน่าย")
            queued.get_by_test_id("parts-order-supplier").select_option(label=name)
            expect(queued).not_to_contain_text("Choose a supplier." if lang == "en" else "กรุณาเลือกผู้จำหน่าย")
            fits(wm_page, f"order from a supplier 360 {lang}")
            shot(wm_page, f"wm-parts-order-360-{lang}")
            queued.get_by_test_id("parts-order").click()
            expect(queued.get_by_test_id("parts-ordered")).to_contain_text(
                "2 ordered for the job" if lang == "en" else "สั่งให้งานนี้แล้ว 2 ชิ้น")
            wm_page.set_viewport_size({"width": 1280, "height": 900})
            fits(wm_page, f"ordered 1280 {lang}")
            shot(wm_page, f"wm-parts-ordered-1280-{lang}")
            assert store.page_errors == []
        finally:
            store.close()
        on_order = api(url, tech, "query($j: ID!) { jobPartsOnOrder(jobId: $j) { orderId line { id partsRequestId } } "
                                  "}", {"j": job})["jobPartsOnOrder"]
        mine = next(p for p in on_order if p["line"]["partsRequestId"] == request)
        ordered = {"purchaseOrderId": mine["orderId"], "line": mine["line"]}
        due = dt.datetime.now(ZoneInfo("Asia/Bangkok")).date() + dt.timedelta(days=3)
        line = page.get_by_test_id("jc-on-order-line").filter(has_text=part)
        expect(line.get_by_test_id("jc-on-order-expected")).to_contain_text(expected_text(due, lang))
        expect(line.get_by_test_id("jc-on-order-where")).to_contain_text(
            f"To be ordered from {name}" if lang == "en" else f"รอสั่งจาก {name}")
        line.scroll_into_view_if_needed()
        fits(page, f"on order 360 {lang}")
        shot(page, f"tech-parts-on-order-360-{lang}")
        page.set_viewport_size({"width": 1280, "height": 900})
        fits(page, f"on order 1280 {lang}")
        shot(page, f"tech-parts-on-order-1280-{lang}")
        page.set_viewport_size({"width": 360, "height": 740})

        # received: the job's screen hears it and shows it has come (on the site's shelf, held for the job)
        order = ordered["purchaseOrderId"]
        for mutation in ("submitPurchaseOrder", "sendPurchaseOrder"):
            api(url, wm, f"mutation($i: PurchaseOrderActionInput!) {{ {mutation}(input: $i) {{ {ERRORS} }} }}",
                {"i": {"id": order}}, mutation)
        receive = f"mutation($i: ReceivePurchaseOrderInput!) {{ receivePurchaseOrder(input: $i) {{ {ERRORS} }} }}"
        api(url, wm, receive, {"i": {"id": order, "lines": [{"lineId": ordered["line"]["id"], "quantity": 2}]}},
            "receivePurchaseOrder")
        expect(line.get_by_test_id("jc-on-order-expected")).to_have_text(
            "All received" if lang == "en" else "ได้รับครบแล้ว", timeout=20_000)
        expect(line.get_by_test_id("jc-on-order-where")).to_contain_text(
            "On the site's shelf" if lang == "en" else "อยู่บนชั้นของคลังสาขา")
        fits(page, f"received 360 {lang}")
        shot(page, f"tech-parts-received-360-{lang}")
        assert context.page_errors == []
    finally:
        context.close()
