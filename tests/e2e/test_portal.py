"""Issue 15, the customer's side: the portal page in headless Chromium, the customer in a fresh phone profile with no
staff session. The server sends SMS through its webhook to a local HTTP server (tests/e2e/portal_helpers.py), so the
one-time code the customer types is the one the "provider" received.

- the customer opens the link: the job in their own language (Thai for the demo's Thai customer), the status and
  timeline, the quote's lines; approves one line and declines one, the approved total follows each tap; asks for a
  code by SMS; a wrong code is refused at the field in Thai and in English and changes nothing; the right code
  decides the lines: the approved one became a job task, the declined one deferred work on the vehicle;
- asking for codes again and again: the sixth within the hour is refused with the server's words and sends nothing;
- a tampered, a revoked and an expired link open the clear page in Thai and in English, the last two with the
  garage's phone to call;
- the status and timeline follow the job live (portalJob): the garage puts the job on hold and resumes it while the
  customer watches, no reload;
- a document the garage shares (an insurer's assessment) is listed and opens; one it keeps to itself is not;
- an invoice of the visit with a balance due shows the PromptPay QR for that balance (the demo garage has an ID),
  and a part payment's receipt;
- every state is photographed at 360 and 1280 px in both languages (tests/e2e/layout.SCREENSHOTS) and checked with
  layout_problems and axe.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import graphql, new_phone, open_page, require_browser, token_for
from tests.e2e.portal_helpers import (  # noqa: F401 - the module's fixtures: its server sends SMS to `sms`
    CODE, THAI, baht, check_page, open_job, portal_link, revoke_link, send_quote, server, server_url, sms, staff,
    switch,
)

require_browser()

pytestmark = pytest.mark.e2e

LINES = [("Replace front brake pads", 185000), ("Replace wiper blades", 45000)]


def quote_lines(server_url: str, token: str, quote_id: str) -> dict[str, dict]:
    data = graphql(server_url, "query($id: ID!) { quote(id: $id) { status lines { description decision jobTaskId } "
                   "vehicle { deferredWork { description quoteLineId } } } }", {"id": quote_id}, token=token)["quote"]
    return data


def test_customer_approves_one_line_and_declines_one_with_the_code_from_the_sms(browser, server_url, sms, staff):
    job = open_job(server_url, staff)
    quote = send_quote(server_url, staff, job["id"], LINES)
    brakes, wipers = sorted(quote["lines"], key=lambda l: l["description"])  # "Replace front…" < "Replace wiper…"
    path = portal_link(server_url, staff, job["id"])

    context = new_phone(browser, server_url, locale="en-US")  # an English phone; the customer reads Thai
    try:
        page = open_page(context)
        page.goto(path)
        page.get_by_test_id("portal").wait_for()
        assert page.locator("html").get_attribute("lang") == "th", "the portal opens in the customer's language"
        assert job["number"] in page.inner_text("main")
        assert page.get_by_test_id("portal-garage").inner_text() == "Demo Garage"
        assert page.get_by_test_id("portal-call").get_attribute("href").startswith("tel:+66")
        assert page.get_by_test_id("portal-timeline").locator("li").count() >= 2
        card = page.locator(f"[data-testid=portal-quote][data-quote='{quote['number']}']")
        total = card.get_by_test_id("portal-approved-total")
        expect(total).to_have_text(baht(0))
        assert card.get_by_test_id("portal-confirm").count() == 0  # nothing chosen yet
        check_page(page, "portal-quote-th")

        line_brakes = card.get_by_test_id("portal-line").filter(has_text=LINES[0][0])
        line_wipers = card.get_by_test_id("portal-line").filter(has_text=LINES[1][0])
        line_brakes.get_by_test_id("portal-approve").click()
        expect(total).to_have_text(baht(brakes["total"]))
        expect(card.get_by_test_id("portal-undecided")).to_be_visible()  # one line still to choose
        line_wipers.get_by_test_id("portal-approve").click()
        expect(total).to_have_text(baht(brakes["total"] + wipers["total"]))
        line_wipers.get_by_test_id("portal-decline").click()  # changed their mind: the total follows
        expect(total).to_have_text(baht(brakes["total"]))
        expect(line_wipers.get_by_test_id("portal-decline")).to_have_attribute("aria-pressed", "true")

        form = card.get_by_test_id("portal-confirm")
        form.get_by_test_id("portal-name").fill("นภา แก้วมณี")
        before = len(sms.messages)
        form.get_by_test_id("portal-code-sms").click()
        expect(form.get_by_test_id("portal-code-sent")).to_have_text(THAI)
        message, _ = sms.wait_for(CODE, after=before)
        assert message["to"] == job["customer"]["phone"], "the code goes to the phone on file"
        code = sms.code(after=before)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"

        # a wrong code: refused at the field, in Thai, and nothing decided
        form.get_by_test_id("portal-code").fill(wrong)
        form.get_by_test_id("portal-submit").click()
        error = form.get_by_test_id("portal-code-error")
        expect(error).to_have_text(THAI)
        expect(form.get_by_test_id("portal-code")).to_have_attribute("aria-invalid", "true")
        check_page(page, "portal-code-error-th")

        # in English: the page and the server's messages switch; the choices stay
        switch(page, "en")
        expect(page.get_by_test_id("portal-status")).not_to_have_text(THAI)
        expect(total).to_have_text(baht(brakes["total"]))
        form.get_by_test_id("portal-submit").click()
        expect(error).to_have_text(re.compile("code", re.I))
        expect(error).not_to_have_text(THAI)
        check_page(page, "portal-code-error-en")
        assert {l["decision"] for l in quote_lines(server_url, staff, quote["id"])["lines"]} == {"PENDING"}

        # the right code decides both lines
        form.get_by_test_id("portal-code").fill(code)
        form.get_by_test_id("portal-submit").click()
        decided = page.locator(f"[data-testid=portal-line][data-decision=APPROVED]:has-text('{LINES[0][0]}')")
        try:
            decided.wait_for()
        except Exception:  # noqa: BLE001 - say what the page said instead
            pytest.fail(f"not decided; the page says: {page.locator('[role=alert]').all_inner_texts()}")
        page.locator(f"[data-testid=portal-line][data-decision=DECLINED]:has-text('{LINES[1][0]}')").wait_for()
        expect(card.get_by_test_id("portal-confirm")).to_have_count(0)
        expect(card.get_by_test_id("portal-approve")).to_have_count(0)  # a decided quote offers no more choices
        expect(total).to_have_text(baht(brakes["total"]))
        check_page(page, "portal-decided-en")
        switch(page, "th")
        expect(page.get_by_test_id("portal-status")).to_have_text(THAI)
        check_page(page, "portal-decided-th")
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors

    # what the garage sees: the approved line became a job task, the declined one deferred work
    after = quote_lines(server_url, staff, quote["id"])
    by_text = {l["description"]: l for l in after["lines"]}
    assert by_text[LINES[0][0]]["decision"] == "APPROVED" and by_text[LINES[0][0]]["jobTaskId"]
    assert by_text[LINES[1][0]]["decision"] == "DECLINED" and not by_text[LINES[1][0]]["jobTaskId"]
    assert LINES[1][0] in {d["description"] for d in after["vehicle"]["deferredWork"]}
    assert LINES[0][0] not in {d["description"] for d in after["vehicle"]["deferredWork"]}


def _expire(db_file, job_id: str, days: int) -> None:
    """Time passes: the (cancelled) job was collected `days` days ago. The server reads it on the next request."""
    with sqlite3.connect(db_file) as db:
        (at,) = db.execute("SELECT cancelled_at FROM jobs WHERE id = ?", (job_id.replace("-", ""),)).fetchone() or \
            db.execute("SELECT cancelled_at FROM jobs WHERE id = ?", (job_id,)).fetchone()
        assert at, "the job is not cancelled"
        earlier = dt.datetime.fromisoformat(str(at)) - dt.timedelta(days=days)
        updated = db.execute("UPDATE jobs SET cancelled_at = ? WHERE id IN (?, ?)",
                             (earlier.isoformat(sep=" "), job_id, job_id.replace("-", ""))).rowcount
        assert updated == 1


def test_tampered_revoked_and_expired_links_open_the_clear_page_in_thai_and_english(browser, server, staff):
    server_url, tmp = server
    admin = token_for(server_url, "admin")
    first, second = open_job(server_url, staff, 1), open_job(server_url, staff, 2)

    good = portal_link(server_url, staff, first["id"])
    last = good[-1]
    tampered = good[:-1] + ("A" if last != "A" else "B")

    revoked = portal_link(server_url, staff, second["id"])
    revoke_link(server_url, staff, second["id"])

    # an expired link: the job was collected (here: cancelled) more days ago than the garage keeps links
    graphql(server_url, "mutation($i: UpdatePortalSettingsInput!) { updatePortalSettings(input: $i) { errors { code } } }",
            {"i": {"linkDays": 1}}, token=admin)
    third = open_job(server_url, staff, 3)
    expired = portal_link(server_url, staff, third["id"])
    done = graphql(server_url, "mutation($i: CancelJobInput!) { cancelJob(input: $i) { errors { code message } } }",
                   {"i": {"jobId": third["id"], "reason": "The customer took the car elsewhere"}}, token=staff)
    assert not done["cancelJob"]["errors"], done
    _expire(tmp / "e2e.db", third["id"], days=2)

    cases = [
        ("tampered", tampered, "PORTAL_LINK_INVALID", False),
        ("revoked", revoked, "PORTAL_LINK_REVOKED", True),
        ("expired", expired, "PORTAL_LINK_EXPIRED", True),
    ]
    context = new_phone(browser, server_url, locale="th-TH")
    try:
        page = open_page(context)
        titles = {}
        for name, path, code, has_phone in cases:
            page.goto("about:blank")
            page.goto(path)
            problem = page.get_by_test_id("portal-problem")
            problem.wait_for()
            assert problem.get_attribute("data-code") == code
            for lang in ("th", "en"):
                if page.locator("html").get_attribute("lang") != lang:
                    switch(page, lang)
                text = problem.inner_text()
                assert bool(THAI.search(text)) == (lang == "th"), f"{name} in {lang}: {text}"
                titles[(name, lang)] = problem.locator("h1").inner_text()
                call = page.get_by_test_id("portal-problem-call")
                if has_phone:
                    assert call.get_attribute("href").startswith("tel:+66"), f"{name}: the garage's phone to call"
                else:
                    assert call.count() == 0  # a token that opens nothing names no garage
                assert page.get_by_test_id("portal").count() == 0, "nothing of the job is shown"
                check_page(page, f"portal-{name}-{lang}")
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors
    # three different situations, three different titles, in each language
    for lang in ("th", "en"):
        assert len({titles[(n, lang)] for n, *_ in cases}) == 3, titles


def test_an_invoice_with_a_balance_due_shows_its_promptpay_qr(browser, server_url, staff):
    billing = token_for(server_url, "billing")
    # billing invoices the demo's job waiting in the billing queue and issues it: its whole total is due
    [job] = [e["node"] for e in graphql(server_url, "{ jobs(filter: { status: [BILLING] }, first: 1) { edges { node { id } } } }",
                                        token=billing)["jobs"]["edges"]]
    made = graphql(server_url, "mutation($i: CreateInvoiceFromJobInput!) { createInvoiceFromJob(input: $i) { "
                   "invoice { id } errors { code message } } }", {"i": {"jobId": job["id"]}}, token=billing)
    assert not made["createInvoiceFromJob"]["errors"], made
    issued = graphql(server_url, "mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { number "
                     "balanceDue job { id } } errors { code message } } }",
                     {"i": {"id": made["createInvoiceFromJob"]["invoice"]["id"]}}, token=billing)["issueInvoice"]
    assert not issued["errors"], issued
    invoice = issued["invoice"]
    assert invoice["balanceDue"] > 0
    # the customer paid part of it in cash at the counter: a receipt, and the QR is for what is left
    paid = 50000
    payment = graphql(server_url, "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { errors { code message } } }",
                      {"i": {"invoiceId": made["createInvoiceFromJob"]["invoice"]["id"], "amount": paid,
                             "method": "CASH"}}, token=billing)
    assert not payment["recordPayment"]["errors"], payment
    invoice["balanceDue"] -= paid
    path = portal_link(server_url, staff, invoice["job"]["id"])
    context = new_phone(browser, server_url, locale="en-US")
    try:
        page = open_page(context)
        page.goto(path)
        page.get_by_test_id("portal").wait_for()
        switch(page, "en")
        card = page.get_by_test_id("portal-invoice").filter(has_text=invoice["number"])
        expect(card).to_contain_text(f"Balance due: {baht(invoice['balanceDue'])}")
        qr = card.get_by_test_id("portal-promptpay").locator("img")
        expect(qr).to_have_attribute("alt", f"PromptPay QR code for {baht(invoice['balanceDue'])}")
        receipts = page.get_by_test_id("portal-paying").get_by_role("link", name=re.compile(f"Receipt: {re.escape(baht(paid))}"))
        expect(receipts).to_have_count(1)
        qr.scroll_into_view_if_needed()
        expect(qr).to_have_js_property("complete", True)
        expect(qr).not_to_have_js_property("naturalWidth", 0)
        check_page(page, "portal-promptpay-en")
        switch(page, "th")
        expect(card).to_contain_text(THAI)
        check_page(page, "portal-promptpay-th")
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors


def test_the_status_and_timeline_follow_the_job_live(browser, server_url, staff):
    job = open_job(server_url, staff)
    path = portal_link(server_url, staff, job["id"])
    context = new_phone(browser, server_url, locale="en-US")
    try:
        page = open_page(context)
        page.goto(path)
        page.get_by_test_id("portal").wait_for()
        switch(page, "en")
        status = page.get_by_test_id("portal-status")
        entries = page.get_by_test_id("portal-timeline").locator("li")
        before, was = entries.count(), status.get_attribute("data-status")
        page.evaluate("window.__notReloaded = true")
        version = graphql(server_url, "query($id: ID!) { job(id: $id) { version } }", {"id": job["id"]}, token=staff)
        held = graphql(server_url, "mutation($i: HoldJobInput!) { holdJob(input: $i) { errors { code message } } }",
                       {"i": {"jobId": job["id"], "reason": "Waiting for the customer's insurer",
                              "expectedVersion": version["job"]["version"]}}, token=staff)
        assert not held["holdJob"]["errors"], held
        expect(status).to_have_attribute("data-status", "ON_HOLD")
        expect(entries).to_have_count(before + 1)
        expect(entries.last).to_contain_text(re.compile("hold", re.I))
        resumed = graphql(server_url, "mutation($i: ResumeJobInput!) { resumeJob(input: $i) { errors { code message } } }",
                          {"i": {"jobId": job["id"]}}, token=staff)
        assert not resumed["resumeJob"]["errors"], resumed
        expect(status).to_have_attribute("data-status", was)
        expect(entries).to_have_count(before + 2)
        assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors


def _upload(server_url: str, token: str, job_id: str, name: str) -> str:
    """A staff upload of a small PNG document to the job (POST /files/upload); its attachment id."""
    import httpx
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 90, 160)).save(out, "PNG")
    response = httpx.post(f"{server_url}/files/upload", headers={"Authorization": f"Bearer {token}"}, timeout=15,
                          data={"uploadId": str(uuid.uuid4()), "ownerType": "job", "ownerId": job_id,
                                "kind": "DOCUMENT", "name": name},
                          files={"file": (name, out.getvalue(), "image/png")})
    assert response.status_code == 201, response.text
    return response.json()["attachment"]["id"]


def test_documents_the_garage_shares_are_in_the_portal_and_open(browser, server_url, staff):
    job = open_job(server_url, staff, 1)
    shared = _upload(server_url, staff, job["id"], "insurer-assessment.png")
    _upload(server_url, staff, job["id"], "internal-notes.png")
    done = graphql(server_url, "mutation($i: SetAttachmentSharedInput!) { setAttachmentShared(input: $i) { "
                   "errors { code message } } }", {"i": {"id": shared, "shared": True}}, token=staff)
    assert not done["setAttachmentShared"]["errors"], done
    path = portal_link(server_url, staff, job["id"])
    context = new_phone(browser, server_url, locale="en-US")
    try:
        page = open_page(context)
        page.goto(path)
        page.get_by_test_id("portal").wait_for()
        switch(page, "en")
        paying = page.get_by_test_id("portal-paying")
        link = paying.get_by_role("link", name="insurer-assessment.png")
        expect(link).to_be_visible()
        expect(paying).not_to_contain_text("internal-notes.png")
        opened = page.request.get(link.get_attribute("href"))
        assert opened.ok and opened.headers["content-type"].startswith("image/"), (opened.status, opened.headers)
        check_page(page, "portal-documents-en")
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors


def test_a_sixth_code_within_the_hour_is_refused_and_sends_nothing(browser, server_url, sms, staff):
    job = open_job(server_url, staff, 2)
    quote = send_quote(server_url, staff, job["id"], LINES)  # its message may go by SMS too: only codes are counted
    path = portal_link(server_url, staff, job["id"])
    context = new_phone(browser, server_url, locale="en-US")
    try:
        page = open_page(context)
        page.goto(path)
        page.get_by_test_id("portal").wait_for()
        switch(page, "en")
        card = page.locator(f"[data-testid=portal-quote][data-quote='{quote['number']}']")
        for line in card.get_by_test_id("portal-line").all():
            line.get_by_test_id("portal-approve").click()
        form = card.get_by_test_id("portal-confirm")
        send = form.get_by_test_id("portal-code-sms")
        before = len(sms.messages)
        codes = lambda: [m for m in sms.messages[before:] if re.search(CODE, m.get("text", ""))]  # noqa: E731
        for n in range(1, 6):
            send.click()
            deadline = time.monotonic() + 15
            while len(codes()) < n and time.monotonic() < deadline:  # each request sends its SMS
                time.sleep(0.05)
            assert len(codes()) == n, sms.messages[before:]
            expect(send).to_be_enabled()
        send.click()
        alert = form.get_by_test_id("portal-error")
        expect(alert).to_contain_text(re.compile("wait|try again", re.I))
        page.wait_for_timeout(1500)  # a code would have arrived by now (the others took well under a second)
        assert len(codes()) == 5, sms.messages[before:]
        check_page(page, "portal-rate-limited-en")
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, errors
