"""Issue 15's whole loop in headless Chromium, each person in their own browser profile, against one real server that
sends its SMS to a local HTTP provider (tests/e2e/portal_helpers.py):

1. the technician, offline on a phone, fills the general inspection: two amber items (a condition tapped, a tread
   depth typed) with three photos; back online every upload and queued mutation is delivered twice, and each photo
   is stored once (helper functions of tests/e2e/test_inspection_offline.py);
2. the advisor, at a desk, quotes both findings in one step and sends the quote from the quote screen: the SMS to the
   customer carries the portal link;
3. the customer opens that link on a phone with no staff session: sees the inspection's photos (a thumbnail opens
   the full photo) and the quote's lines with theirs, approves one line and declines the other, asks for the code by
   SMS and confirms with it;
4. the advisor's job card, open all along, shows "Approved 1 of 2 lines" live, and the approved line is a task of the
   job while the declined one is deferred work on the vehicle.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.portal_helpers import (  # noqa: F401 - the module's fixtures: its server sends SMS to `sms`
    CODE, baht, check_page, server, server_url, sms, staff,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.e2e.test_inspection_offline import JOB_NUMBER, TEMPLATE, deliver_twice, item, photo  # noqa: E402

pytestmark = pytest.mark.e2e

ATTACHMENTS = "query A($id: ID!) { job(id: $id) { attachments { id kind name } } }"
QUOTE = """query Q($id: ID!) { job(id: $id) { customer { id version contactChannel phone }
  quotes { id number status lines { id description total decision jobTaskId photos { id } } }
  vehicle { deferredWork { description quoteLineId } } } }"""


def test_inspection_offline_to_the_customers_decision_in_the_portal(browser, server_url, sms, staff):
    tech = token_for(server_url, "tech")
    job_id = next(j["id"] for j in graphql(server_url, "{ myJobs { id number } }", token=tech)["myJobs"]
                  if j["number"] == JOB_NUMBER)
    errors: list[str] = []

    # ---- 1. the technician, offline, in the bay ----
    phone = new_phone(browser, server_url)
    page = open_page(phone)
    sign_in(page, "tech")
    go(page, f"jobs/{job_id}")
    page.get_by_test_id("jc-open-inspection").click()
    expect(page.get_by_test_id("inspection-template").first).to_be_visible()
    deadline = time.monotonic() + 15  # the service worker controls the page (polled: the CSP allows no eval)
    while not page.evaluate("!!navigator.serviceWorker.controller") and time.monotonic() < deadline:
        time.sleep(0.1)
    phone.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("online-status")).to_have_text("Offline")
    page.get_by_test_id("inspection-template").filter(has_text=TEMPLATE).click()
    discs = item(page, "discs")
    discs.get_by_test_id("inspection-advise").click()
    discs.get_by_test_id("inspection-camera").set_input_files([photo(1), photo(2)])
    tread = item(page, "tyre_fl")
    tread.get_by_test_id("inspection-value").fill("2.4")
    tread.get_by_test_id("inspection-value").press("Enter")
    expect(tread).to_have_attribute("data-condition", "ADVISE")
    tread.get_by_test_id("inspection-camera").set_input_files([photo(3)])
    expect(page.locator("[data-testid=inspection-photo][data-state=queued]")).to_have_count(3)
    counts = page.get_by_test_id("inspection").get_by_test_id("inspection-counts")
    expect(counts).to_have_attribute("data-advise", "2")

    sent = deliver_twice(page)
    phone.set_offline(False)
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "0", timeout=30_000)
    expect(page.locator("[data-testid=inspection-photo][data-state=stored]")).to_have_count(3, timeout=30_000)
    assert sent.get("upload") == 6, sent  # every photo delivered twice...
    stored = [a for a in graphql(server_url, ATTACHMENTS, {"id": job_id}, token=tech)["job"]["attachments"]
              if a["kind"] == "PHOTO"]
    assert len(stored) == 3, f"...and stored once: {[a['name'] for a in stored]}"
    errors += phone.page_errors
    phone.close()

    # ---- 2. the advisor quotes the findings and sends the quote ----
    job = graphql(server_url, QUOTE, {"id": job_id}, token=staff)["job"]
    customer = job["customer"]
    if customer["contactChannel"] != "SMS":  # the customer asks the advisor for texts rather than mail
        changed = graphql(server_url, "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { errors { code } } }",
                          {"i": {"id": customer["id"], "expectedVersion": customer["version"], "contactChannel": "SMS",
                                 "consentSms": True}}, token=staff)
        assert not changed["updateCustomer"]["errors"], changed
    desk = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900}, locale="en-US")
    desk.set_default_timeout(15_000)
    card = desk.new_page()
    card.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(card, "site")
    go(card, f"jobs/{job_id}")
    card.get_by_test_id("jc-quote-findings").click()
    expect(card.get_by_test_id("finding")).to_have_count(2)
    for key, price in (("discs", "1800.00"), ("tyre_fl", "2400.00")):
        finding = card.locator(f"[data-testid=finding][data-item={key}]")
        finding.get_by_test_id("finding-source").select_option("text")
        finding.get_by_test_id("finding-price").fill(price)
    card.get_by_test_id("findings-submit").click()
    card.wait_for_url(lambda url: "#/quotes/" in url)
    before = len(sms.messages)
    card.get_by_test_id("quote-send").click()
    message, link = sms.wait_for(r"/p/#[A-Za-z0-9_-]+", after=before)
    assert message["to"] == customer["phone"]
    [quote] = graphql(server_url, QUOTE, {"id": job_id}, token=staff)["job"]["quotes"]
    assert quote["status"] == "SENT" and sorted(len(line["photos"]) for line in quote["lines"]) == [1, 2]
    lines = sorted(quote["lines"], key=lambda line: -len(line["photos"]))  # discs (2 photos), then the tyre
    go(card, f"jobs/{job_id}")
    expect(card.get_by_test_id("jc-approvals")).to_have_attribute("data-approved", "0")
    expect(card.get_by_test_id("live-status")).to_have_attribute("data-status", "open")
    tasks_before = card.get_by_test_id("jc-task").count()

    # ---- 3. the customer, on their phone, from the SMS ----
    customer_phone = new_phone(browser, server_url, locale="th-TH")
    portal = open_page(customer_phone)
    portal.goto(link[0])
    portal.get_by_test_id("portal").wait_for()
    report = portal.get_by_test_id("portal-inspection")
    expect(report.locator("[data-testid=portal-result][data-condition=ADVISE]")).to_have_count(2)
    thumbs = report.get_by_test_id("portal-photo")
    expect(thumbs).to_have_count(3)
    for i in range(3):
        thumbs.nth(i).scroll_into_view_if_needed()  # lazy thumbnails load when seen
    for img in report.locator("[data-testid=portal-photo] img").all():
        expect(img).to_have_js_property("complete", True)
        expect(img).not_to_have_js_property("naturalWidth", 0)
    thumbs.first.click()
    full = portal.get_by_test_id("portal-photo-full")
    expect(full).to_be_visible()
    expect(full).to_have_js_property("naturalWidth", 1600)  # the photo itself, not its thumbnail
    portal.keyboard.press("Escape")
    expect(full).to_have_count(0)
    check_page(portal, "flow-portal-report-th")

    quote_card = portal.locator(f"[data-testid=portal-quote][data-quote='{quote['number']}']")
    expect(quote_card.get_by_test_id("portal-photo")).to_have_count(3)  # the lines carry the findings' photos
    approve, decline = (quote_card.get_by_test_id("portal-line").filter(has_text=line["description"]) for line in lines)
    approve.get_by_test_id("portal-approve").click()
    decline.get_by_test_id("portal-decline").click()
    expect(quote_card.get_by_test_id("portal-approved-total")).to_have_text(baht(lines[0]["total"]))
    form = quote_card.get_by_test_id("portal-confirm")
    form.get_by_test_id("portal-name").fill("Somchai Jaidee")
    before = len(sms.messages)
    form.get_by_test_id("portal-code-sms").click()
    code = sms.code(after=before)
    form.get_by_test_id("portal-code").fill(code)
    form.get_by_test_id("portal-submit").click()
    expect(approve).to_have_attribute("data-decision", "APPROVED")
    expect(decline).to_have_attribute("data-decision", "DECLINED")
    check_page(portal, "flow-portal-decided-th")
    errors += customer_phone.page_errors
    customer_phone.close()

    # ---- 4. the advisor's job card heard it; the lines became a task and deferred work ----
    expect(card.get_by_test_id("jc-approvals")).to_have_text("Approved 1 of 2 lines")
    expect(card.get_by_test_id("jc-task")).to_have_count(tasks_before + 1)
    after = graphql(server_url, QUOTE, {"id": job_id}, token=staff)["job"]
    by_id = {line["id"]: line for line in after["quotes"][0]["lines"]}
    assert by_id[lines[0]["id"]]["decision"] == "APPROVED" and by_id[lines[0]["id"]]["jobTaskId"]
    assert by_id[lines[1]["id"]]["decision"] == "DECLINED" and not by_id[lines[1]["id"]]["jobTaskId"]
    assert [d["quoteLineId"] for d in after["vehicle"]["deferredWork"] if d["quoteLineId"] == lines[1]["id"]], \
        after["vehicle"]["deferredWork"]
    assert not [d for d in after["vehicle"]["deferredWork"] if d["quoteLineId"] == lines[0]["id"]]
    desk.close()
    assert not errors, errors
    assert re.fullmatch(CODE, code)
