"""Quotes and credit notes in the app, each clicked through by the role that does it, at phone and desktop sizes, in
English and Thai, against the real server: a quote from a job card (a catalog line, a stock line, a line by hand),
sent, the customer's decision recorded line by line by phone, its PDF, and the job card showing each line's state; a
quote for a vehicle before any job; a partial and a full credit note from the invoice screen, with the reason."""

from __future__ import annotations

import json

import pytest

from tests.e2e.helpers import axe_violations, go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.test_jobcard_screen import layout_problems

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

SIZES = {"phone": (360, 740), "desktop": (1280, 800)}
JOBS = "{ jobs(first: 50) { edges { node { id number status issuesReported vehicle { id registrationDisplay } } } } }"
INVOICES = "{ invoices(first: 50) { edges { node { id number status total balanceDue lines { id total } } } } }"


def person(browser, server_url, who: str, size: str, lang: str):
    context = new_phone(browser, server_url, locale="th-TH" if lang == "th" else "en-US")
    page = open_page(context)
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    sign_in(page, who, english=lang == "en")
    if lang == "th" and page.locator("html").get_attribute("lang") != "th":
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
    return context, page


def no_overflow(page, root: str = "main, body") -> None:
    """No horizontal overflow and no covered control of the screen, at 360, 768 and 1280 px (then back)."""
    size = page.viewport_size
    problems = {}
    for width, height in ((360, 740), (768, 1024), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        found = layout_problems(page, root)
        if found:
            problems[width] = found
    page.set_viewport_size(size)
    assert not problems, problems


def demo_job(server_url, issues: str) -> dict:
    data = graphql(server_url, JOBS, token=token_for(server_url, "admin"))
    return next(e["node"] for e in data["jobs"]["edges"] if issues in (e["node"]["issuesReported"] or ""))


@pytest.mark.parametrize("size,lang", [("phone", "en"), ("desktop", "th")])
def test_a_site_manager_quotes_from_the_job_card_and_records_the_decision_by_phone(browser, server_url, size, lang):
    job = demo_job(server_url, "Battery warning light")  # received, no technician yet
    context, page = person(browser, server_url, "site", size, lang)
    try:
        go(page, f"jobs/{job['id']}")
        expect(page.get_by_test_id("job-card")).to_be_visible()
        page.get_by_test_id("jc-new-quote").click()
        expect(page.get_by_test_id("quote-new")).to_be_visible()
        # checked before sending: an empty quote and a line without a price are refused on the spot
        page.get_by_test_id("quote-create").click()
        expect(page.get_by_test_id("quote-errors")).to_be_visible()
        page.get_by_test_id("quote-text-description").fill("Battery terminal clean-up")
        page.get_by_test_id("quote-text-add").click()
        expect(page.get_by_test_id("quote-from-text").get_by_test_id("field-error")).to_be_visible()
        expect(page.get_by_test_id("quote-text-description")).to_have_value("Battery terminal clean-up")
        page.get_by_test_id("quote-text-price").fill("350")
        page.get_by_test_id("quote-text-add").click()
        # from the catalog (the job's stream) and from stock
        page.get_by_test_id("quote-catalog-option").first.click()
        page.get_by_test_id("quote-stock-search").fill("BRK")
        page.get_by_test_id("quote-stock-option").first.click()
        expect(page.get_by_test_id("quote-draft-line")).to_have_count(3)
        no_overflow(page, "[data-testid=quote-new]")
        page.get_by_test_id("quote-create").click()

        screen = page.get_by_test_id("quote-screen")
        expect(screen).to_have_attribute("data-status", "DRAFT")
        expect(page.get_by_test_id("quote-line")).to_have_count(3)
        page.get_by_test_id("quote-send").click()
        expect(screen).to_have_attribute("data-status", "SENT")
        # the decision given by phone, line by line: nothing ticked is refused; then one approved, one declined
        page.get_by_test_id("quote-approve").click()
        expect(page.get_by_test_id("quote-errors")).to_be_visible()
        page.get_by_test_id("quote-line-pick").nth(0).check()
        page.get_by_test_id("quote-approve").click()
        expect(page.locator("[data-testid=quote-line][data-decision=APPROVED]")).to_have_count(1)
        page.get_by_test_id("quote-line-pick").nth(0).check()  # the first line still waiting
        page.get_by_test_id("quote-decline").click()
        expect(page.locator("[data-testid=quote-line][data-decision=DECLINED]")).to_have_count(1)
        expect(page.locator("[data-testid=quote-line][data-decision=PENDING]")).to_have_count(1)
        expect(screen).to_have_attribute("data-status", "PARTIALLY_APPROVED")
        if lang == "th":
            expect(page.get_by_test_id("quote-line-decision").first).to_have_text("อนุมัติแล้ว")
        violations = axe_violations(page)
        assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
        no_overflow(page, "[data-testid=quote-screen]")
        # the quote's PDF
        with context.expect_page() as popup:
            page.get_by_test_id("quote-pdf").click()
        pdf = popup.value
        pdf.wait_for_url("**/documents/quote/**")
        response = context.request.get(pdf.url)
        assert response.status == 200 and response.body().startswith(b"%PDF")
        pdf.close()
        # back on the job card: the quote and each line's state
        page.get_by_test_id("quote-job-link").click()
        quote = page.get_by_test_id("jc-quote").last
        expect(quote).to_have_attribute("data-status", "PARTIALLY_APPROVED")
        expect(quote.locator("[data-testid=jc-quote-line][data-decision=APPROVED]")).to_have_count(1)
        expect(quote.locator("[data-testid=jc-quote-line][data-decision=DECLINED]")).to_have_count(1)
    finally:
        context.close()


@pytest.mark.parametrize("size,lang", [("desktop", "en"), ("phone", "th")])
def test_billing_quotes_a_vehicle_before_any_job(browser, server_url, size, lang):
    job = demo_job(server_url, "Rear bumper scraped")
    registration = job["vehicle"]["registrationDisplay"]
    context, page = person(browser, server_url, "billing", size, lang)
    try:
        if size == "desktop":  # from the quotes list, searching the vehicle
            go(page, "quotes")
            expect(page.get_by_test_id("quotes")).to_be_visible()
            page.get_by_test_id("quote-vehicle-search").fill(registration[:4])
            page.get_by_test_id("quote-vehicle-option").filter(has_text=registration).first.click()
        else:  # from the vehicle's own screen
            go(page, f"vehicles/{job['vehicle']['id']}")
            page.get_by_test_id("vehicle-new-quote").click()
        expect(page.get_by_test_id("quote-new")).to_be_visible()
        page.get_by_test_id("quote-text-kind").select_option("PART")
        page.get_by_test_id("quote-text-description").fill("ไฟท้ายซ้าย / Left tail lamp")
        page.get_by_test_id("quote-text-qty").fill("1")
        page.get_by_test_id("quote-text-price").fill("1250.50")
        page.get_by_test_id("quote-text-add").click()
        page.get_by_test_id("quote-create").click()
        screen = page.get_by_test_id("quote-screen")
        expect(screen).to_have_attribute("data-status", "DRAFT")
        expect(page.get_by_test_id("quote-line")).to_contain_text("Left tail lamp")
        expect(page.get_by_test_id("quote-total")).to_contain_text("1,338")  # 1,250.50 + 7 % VAT
        no_overflow(page, "[data-testid=quote-screen]")
        # it is in the list of drafts
        go(page, "quotes")
        page.get_by_test_id("quotes-filter-draft").click()
        expect(page.get_by_test_id("quotes-row").first).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("size,lang", [("desktop", "en"), ("phone", "th")])
def test_billing_credits_part_of_an_invoice_with_the_reason(browser, server_url, size, lang):
    admin = token_for(server_url, "admin")
    invoices = [e["node"] for e in graphql(server_url, INVOICES, token=admin)["invoices"]["edges"]]
    invoice = next(i for i in invoices if i["status"] == "PARTIALLY_PAID" and i["lines"])
    credited = graphql(server_url, "query($id: ID!) { invoice(id: $id) { creditedTotal } }", {"id": invoice["id"]},
                       token=admin)["invoice"]["creditedTotal"]
    context, page = person(browser, server_url, "billing", size, lang)
    try:
        go(page, f"invoices/{invoice['id']}")
        expect(page.get_by_test_id("invoice-screen")).to_be_visible()
        page.get_by_test_id("credit-note-open").click()
        page.get_by_test_id("credit-note-partial").check()
        # checked before sending: no reason, no amount
        page.get_by_test_id("credit-note-submit").click()
        expect(page.get_by_test_id("credit-note-form").get_by_test_id("field-error").first).to_be_visible()
        page.get_by_test_id("credit-note-amount").first.fill("100")
        page.get_by_test_id("credit-note-reason").fill("ส่วนลดลูกค้าประจำ / Loyal customer discount")
        page.get_by_test_id("credit-note-submit").click()
        notice = page.get_by_test_id("invoice-notice")
        expect(notice).to_contain_text("CN-")
        after = graphql(server_url, "query($id: ID!) { invoice(id: $id) { creditedTotal creditNotes { reason total } } }",
                        {"id": invoice["id"]}, token=admin)["invoice"]
        assert after["creditedTotal"] == credited + 10000  # 100.00, tax included
        assert after["creditNotes"][-1]["reason"] == "ส่วนลดลูกค้าประจำ / Loyal customer discount"
        no_overflow(page, "[data-testid=invoice-screen]")
    finally:
        context.close()


def test_billing_credits_a_whole_invoice_and_it_is_void(browser, server_url):
    admin = token_for(server_url, "admin")
    invoices = [e["node"] for e in graphql(server_url, INVOICES, token=admin)["invoices"]["edges"]]
    invoice = next(i for i in invoices if i["status"] == "ISSUED" and i["balanceDue"] == i["total"])
    context, page = person(browser, server_url, "billing", "phone", "en")
    try:
        go(page, f"invoices/{invoice['id']}")
        page.get_by_test_id("credit-note-open").click()
        expect(page.get_by_test_id("credit-note-whole")).to_be_checked()
        page.get_by_test_id("credit-note-reason").fill("Issued twice by mistake")
        page.get_by_test_id("credit-note-submit").click()
        expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-status", "VOID")
        expect(page.get_by_test_id("credit-note")).to_have_count(0)  # nothing left to credit
        violations = axe_violations(page)
        assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
    finally:
        context.close()
