"""Returns to suppliers, core charges and the job card's parts on order in headless Chromium against the real
server (issue 18), en and th: a return refused for more than the warehouse holds (the server's localized message),
then made and credited, the stock leaving the central warehouse; a battery's core owed after it was fitted on a
job, marked sent back and credited, with the total owed; a part ordered for a job shown on its card with the
expected date (the order's date plus the supplier's lead time, in the garage's zone). Layout checked at 360 and
1280 px; screenshots into /tmp/shots-h10/ (SHOTS_DIR)."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import axe_violations, go, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems
from tests.purchasing.e2e.test_warehouse_screens import ERRORS, api, item_id, open_thai, supplier

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-h10"))
THAI_MONTHS = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page, where: str) -> None:
    problems = layout_problems(page)
    assert not problems, f"{where}: {problems}"
    violations = axe_violations(page)
    assert not violations, f"{where}: {violations}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("returns-e2e")
    with run_server(folder, PWA_DIST) as url:
        yield url, folder / "e2e.db"


@pytest.fixture(scope="module")
def server_url(served):
    return served[0]


def central_on_hand(db: Path, sku: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(
            "SELECT s.on_hand FROM warehouse_stock s JOIN warehouse_items i ON i.id = s.item_id JOIN warehouses w "
            "ON w.id = s.warehouse_id WHERE i.sku = ? AND w.kind = 'CENTRAL'", (sku,)).fetchone()[0])


def page_for(browser, url: str, lang: str):
    context = new_phone(browser, url, locale="th-TH" if lang == "th" else "en-US")
    if lang == "th":
        return context, open_thai(context)
    page = open_page(context)
    sign_in(page, "warehouse")
    return context, page


@pytest.mark.parametrize("lang", ["en", "th"])
def test_a_return_refused_then_made_and_credited(served, browser, lang):
    url, db = served
    token = token_for(url, "warehouse")
    name = f"Oil Return Co. {lang}"
    supplier(url, token, name)
    sku = "OIL-5W30-4L"
    before = central_on_hand(db, sku)
    context, page = page_for(browser, url, lang)
    try:
        go(page, "warehouse/returns")
        page.get_by_test_id("return-new").click()
        page.get_by_test_id("return-supplier").select_option(label=name)
        page.get_by_test_id("return-item-search").fill(sku)
        page.locator(f"[data-testid=return-item-search-pick][data-sku='{sku}']").click()
        page.get_by_test_id("return-form-qty").fill(str(before + 5))
        page.get_by_test_id("return-reason").fill("Wrong grade delivered" if lang == "en" else "ส่งเกรดผิดมา")
        page.get_by_test_id("return-create").click()
        refusal = (rf"only {before} available in .* to send back; {before + 5} asked for" if lang == "en"
                   else rf"มีของให้ส่งคืนได้เพียง {before} แต่ขอส่งคืน {before + 5}")
        expect(page.get_by_test_id("return-form")).to_contain_text(re.compile(refusal))
        assert central_on_hand(db, sku) == before  # a refusal changes nothing
        fits(page, "return form refused")
        shot(page, f"return-refused-360-{lang}")

        page.get_by_test_id("return-form-qty").fill("2")
        page.get_by_test_id("return-create").click()
        row = page.locator("[data-testid=return-row]", has_text=name).first
        expect(row).to_have_attribute("data-status", "RETURNED")
        expect(row.get_by_test_id("return-status")).to_have_text(
            "Sent back, credit awaited" if lang == "en" else "ส่งคืนแล้ว รอใบลดหนี้")
        assert central_on_hand(db, sku) == before - 2  # the stock left the warehouse

        row.get_by_test_id("return-credit-open").click()
        row.get_by_test_id("return-credit-number").fill("")
        row.get_by_test_id("return-credit-save").click()
        expect(row.get_by_test_id("return-credit-form")).to_contain_text(
            "Type the number of the credit note." if lang == "en" else "กรอกเลขที่ใบลดหนี้")
        row.get_by_test_id("return-credit-number").fill(f"CN-{lang}-77")
        row.get_by_test_id("return-credit-amount").fill("1,700.00")
        row.get_by_test_id("return-credit-save").click()
        expect(row).to_have_attribute("data-status", "CREDITED")
        expect(row.get_by_test_id("return-credit")).to_contain_text(re.compile(rf"CN-{lang}-77: ฿1,700\.00"))
        fits(page, "return credited 360")
        shot(page, f"returns-360-{lang}")
        page.set_viewport_size({"width": 1280, "height": 900})
        fits(page, "returns 1280")
        shot(page, f"returns-1280-{lang}")
    finally:
        context.close()
    stored = api(url, token, "{ supplierReturns(first: 50) { edges { node { status creditNoteNumber creditAmount "
                             "supplier { name } lines { quantity } } } } }")["supplierReturns"]["edges"]
    mine = [e["node"] for e in stored if e["node"]["supplier"]["name"] == name]
    assert [(r["status"], r["creditNoteNumber"], r["creditAmount"], [x["quantity"] for x in r["lines"]])
            for r in mine] == [("CREDITED", f"CN-{lang}-77", 170000, [2])]


def fitted_battery(url: str, supplier_id: str, core_value: int) -> str:
    """A battery with a core deposit fitted on a job: the technician asks, the workshop manager approves, the store
    issues it. The job's id."""
    token = token_for(url, "warehouse")
    battery = item_id(url, token, "BAT-12V-65AH")
    api(url, token, f"mutation($i: SetSupplierItemInput!) {{ setSupplierItem(input: $i) {{ {ERRORS} }} }}",
        {"i": {"supplierId": supplier_id, "itemId": battery, "price": 240000, "preferred": True,
               "coreCharge": core_value}}, "setSupplierItem")
    tech = token_for(url, "tech")
    job = api(url, tech, "{ jobs(filter: { status: [IN_PROGRESS] }, first: 1) { edges { node { id } } } }"
              )["jobs"]["edges"][0]["node"]["id"]
    request = api(url, tech, f"mutation($i: RequestPartsInput!) {{ requestParts(input: $i) {{ partsRequest {{ id }} "
                             f"{ERRORS} }} }}", {"i": {"jobId": job, "itemId": battery, "quantity": 1}},
                  "requestParts")["partsRequest"]["id"]
    for who, step in (("workshop", "approvePartsRequest"), ("warehouse", "issuePartsRequest")):
        api(url, token_for(url, who), f"mutation($i: PartsRequestActionInput!) {{ {step}(input: $i) {{ {ERRORS} }} }}",
            {"i": {"id": request}}, step)
    return job


def test_a_core_owed_marked_sent_back_and_credited(served, browser):
    url, _db = served
    token = token_for(url, "warehouse")
    reman = supplier(url, token, "Battery Reman Co.")
    job = fitted_battery(url, reman, 45000)
    for lang in ("en", "th"):
        context, page = page_for(browser, url, lang)
        try:
            go(page, "warehouse/returns")
            page.get_by_test_id("cores-tab").click()
            row = page.locator("[data-testid=core-row][data-sku='BAT-12V-65AH']")
            expect(row).to_have_attribute("data-status", "OPEN")
            expect(row.get_by_test_id("core-value")).to_have_text("฿450.00")
            expect(row.get_by_test_id("core-job")).to_have_attribute("href", f"#/jobs/{job}")
            expect(row).to_contain_text("Battery Reman Co.")
            expect(page.get_by_test_id("cores-total")).to_contain_text(
                "Owed back to suppliers: ฿450.00" if lang == "en" else "ค้างส่งคืนผู้จำหน่าย: ฿450.00")
            expect(row.get_by_test_id("core-status")).to_have_text(
                "Old part still here" if lang == "en" else "ซากยังอยู่ที่อู่")
            fits(page, f"cores 360 {lang}")
            shot(page, f"cores-open-360-{lang}")
            page.set_viewport_size({"width": 1280, "height": 900})
            fits(page, f"cores 1280 {lang}")
            shot(page, f"cores-open-1280-{lang}")
        finally:
            context.close()

    context, page = page_for(browser, url, "th")
    try:
        go(page, "warehouse/returns")
        page.get_by_test_id("cores-tab").click()
        row = page.locator("[data-testid=core-row][data-sku='BAT-12V-65AH']")
        row.get_by_test_id("core-return").click()
        expect(row).to_have_attribute("data-status", "RETURNED")
        row.get_by_test_id("core-credit-open").click()
        expect(row.get_by_test_id("core-credit-amount")).to_have_value("450.00")
        row.get_by_test_id("core-credit-amount").fill("0")
        row.get_by_test_id("core-credit-number").fill("CN-BAT-1")
        row.get_by_test_id("core-credit-save").click()
        expect(row.get_by_test_id("core-credit-form")).to_contain_text("กรอกยอดเงินที่มากกว่าศูนย์ เช่น 250.00")
        row.get_by_test_id("core-credit-amount").fill("450")
        row.get_by_test_id("core-credit-save").click()
        expect(row).to_have_attribute("data-status", "CREDITED")
        expect(row.get_by_test_id("core-credit")).to_contain_text("ใบลดหนี้ CN-BAT-1: ฿450.00")
        expect(page.get_by_test_id("cores-total")).to_contain_text("฿0.00")
        fits(page, "core credited 360 th")
        shot(page, "cores-credited-360-th")
    finally:
        context.close()
    report = api(url, token, "{ openCoreCharges { totalValue cores { id } } }")["openCoreCharges"]
    assert report == {"totalValue": 0, "cores": []}  # credited: owed no more


def expected_text(day: dt.date, lang: str) -> str:
    if lang == "en":
        return f"Expected {day.strftime('%a')} {day.day} {day.strftime('%b')}"
    return f"{day.day} {THAI_MONTHS[day.month - 1]}"  # after the Thai weekday


@pytest.mark.parametrize("lang", ["en", "th"])
def test_the_job_card_shows_a_part_on_order_with_its_expected_date(served, browser, lang):
    url, _db = served
    token = token_for(url, "warehouse")
    name = f"Slow Parts Co. {lang}"
    api(url, token, f"mutation($i: SupplierInput!) {{ createSupplier(input: $i) {{ {ERRORS} }} }}",
        {"i": {"name": name, "contactName": "Khun Malee", "taxId": "0105551234567", "paymentTermsDays": 30,
               "leadTimeDays": 5}}, "createSupplier")
    supplier_id = next(e["node"]["id"] for e in api(url, token, "{ suppliers(first: 100) { edges { node { id name } } } }"
                                                    )["suppliers"]["edges"] if e["node"]["name"] == name)
    tech = token_for(url, "tech")
    job = api(url, tech, "{ jobs(filter: { status: [IN_PROGRESS, AWAITING_PARTS] }, first: 1) "
                         "{ edges { node { id } } } }")["jobs"]["edges"][0]["node"]["id"]
    part = f"Mirror glass, left ({lang})"
    api(url, token, f"mutation($i: OrderPartNotInCatalogInput!) {{ orderPartNotInCatalog(input: $i) {{ {ERRORS} }} }}",
        {"i": {"jobId": job, "description": part, "quantity": 1, "supplierId": supplier_id}},
        "orderPartNotInCatalog")
    due = dt.datetime.now(ZoneInfo("Asia/Bangkok")).date() + dt.timedelta(days=5)
    context = new_phone(browser, url, locale="th-TH" if lang == "th" else "en-US")
    try:
        page = open_page(context)
        sign_in(page, "workshop", english=lang == "en")
        if lang == "th" and page.locator("html").get_attribute("lang") != "th":
            page.set_viewport_size({"width": 1280, "height": 800})
            page.get_by_test_id("lang-th").click()
            page.wait_for_function("() => document.documentElement.lang === 'th'")
            page.set_viewport_size({"width": 360, "height": 740})
        go(page, f"jobs/{job}")
        line = page.locator("[data-testid=jc-on-order-line]", has_text=part)
        expect(line.get_by_test_id("jc-on-order-expected")).to_contain_text(expected_text(due, lang))
        expect(line.get_by_test_id("jc-on-order-where")).to_contain_text(
            f"To be ordered from {name}" if lang == "en" else f"รอสั่งจาก {name}")
        line.scroll_into_view_if_needed()
        fits(page, f"job card 360 {lang}")
        shot(page, f"jobcard-on-order-360-{lang}")
        page.set_viewport_size({"width": 1280, "height": 900})
        fits(page, f"job card 1280 {lang}")
        shot(page, f"jobcard-on-order-1280-{lang}")
    finally:
        context.close()
