"""The billing clerk's screens clicked through the PWA against the real seeded server, in headless Chromium.

A job is brought to BILLING through the API (reception opens it, the technician does two catalog tasks, the workshop
manager reviews it and moves it to billing); then the billing user finds it in the queue, creates the invoice, issues
it, is refused an overpayment (the server's message next to the amount, nothing recorded), records a partial
payment with 3 % withholding, pays the rest and opens the PDF. Every step is also checked on the server. The same
screens in Thai show no English, and axe-core finds no serious or critical violation on them.
"""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.e2e.helpers import (
    axe_violations,
    go,
    graphql,
    new_phone,
    open_page,
    require_browser,
    sign_in,
    token_for,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e  # every wait is bounded by the context default timeout (15 s)

MAIN_SITE = "Rama 9 Service Centre"
TECHNICIAN = "Niran Kaewmanee"
TASKS = ("Brake pad replacement", "Wheel alignment")  # 800 + 600 baht of labour, 7 % VAT on top

INVOICE = """query($id: ID!) { invoice(id: $id) { id status number total balanceDue paidTotal withholdingTotal
  taxLabel buyerTaxId lines { kind description net } payments { amount withholdingAmount method reference }
  job { id number status } vehicle { registrationDisplay make model } customer { name } buyerName } }"""
QUEUE = """{ jobs(filter: { status: [BILLING] }, first: 100) { edges { node { number
  vehicle { registrationDisplay make model } customer { name taxId } } } } }"""
# Latin letters that are not English UI text: the PDF format, QR payments
NOT_ENGLISH = {"PDF", "QR"}


def _ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload


def job_in_billing(server_url: str, customer: str) -> dict:
    """A mechanical job for the customer's vehicle, worked and reviewed through the API, left in BILLING."""
    site = token_for(server_url, "site")
    tech = token_for(server_url, "tech")
    workshop = token_for(server_url, "workshop")
    sites = graphql(server_url, "{ sites { id name } }", token=site)["sites"]
    site_id = next(s["id"] for s in sites if s["name"] == MAIN_SITE)
    found = graphql(server_url, "query($q: String) { customers(search: $q, first: 5) { edges { node { name vehicles { id } } } } }",
                    {"q": customer}, token=site)["customers"]["edges"]
    vehicle_id = next(e["node"]["vehicles"][0]["id"] for e in found if e["node"]["name"] == customer)
    tech_id = next(u["id"] for u in graphql(server_url, "{ users(role: TECHNICIAN) { id name } }", token=site)["users"]
                   if u["name"] == TECHNICIAN)
    actions = {a["nameEn"]: a["id"] for a in graphql(
        server_url, "{ taskActions(stream: MECHANICAL) { id nameEn } }", token=site)["taskActions"]}

    def call(token: str, mutation: str, name: str, input_: dict) -> dict:
        return _ok(graphql(server_url, f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) "
                                       "{ errors { field code message } " + mutation + " } }", {"input": input_},
                           token=token)[name])

    job = call(site, "job { id number }", "createJob", {
        "siteId": site_id, "vehicleId": vehicle_id, "operationsStream": "MECHANICAL", "revenueStream": "WALK_IN",
        "issuesReported": "Brakes squeal; pulls to the left"})["job"]
    call(site, "job { id }", "assignJob", {"jobId": job["id"], "technicianId": tech_id})
    call(tech, "job { id }", "startJob", {"jobId": job["id"]})
    for name in TASKS:
        task = call(tech, "task { id }", "addJobTask", {"jobId": job["id"], "taskActionId": actions[name]})["task"]
        _ok(graphql(server_url, "mutation($input: JobTaskActionInput!) { completeJobTask(input: $input) "
                                "{ errors { field code message } } }", {"input": {"id": task["id"]}},
                    token=tech)["completeJobTask"])
    call(tech, "job { id }", "completeJob", {"jobId": job["id"], "workDoneNotes": "Pads replaced; aligned."})
    call(workshop, "job { id }", "reviewJob", {"jobId": job["id"], "managerNotes": "OK"})
    moved = call(workshop, "job { id status }", "moveJobToBilling", {"jobId": job["id"]})["job"]
    assert moved["status"] == "BILLING"
    return job


def choose_site(page) -> None:
    page.get_by_test_id("site-picker").select_option(label=MAIN_SITE)  # the demo garage has two sites


def invoice_on_server(server_url: str, token: str, invoice_id: str) -> dict:
    return graphql(server_url, INVOICE, {"id": invoice_id}, token=token)["invoice"]


def open_pdf(page) -> tuple[int, str, bytes]:
    """Taps Open PDF and returns the status and content type the new tab received, and the first bytes of the
    document at that address (fetched again: Chromium shows a PDF through its own viewer page)."""
    context = page.context
    with context.expect_page() as tab_info, context.expect_event(
        "response", predicate=lambda r: "/documents/invoice/" in r.url
    ) as response_info:
        page.get_by_test_id("invoice-open-pdf").click()
    tab = tab_info.value
    response = response_info.value
    status, kind = response.status, response.headers.get("content-type", "")
    with urllib.request.urlopen(response.url, timeout=10) as again:
        head = again.read(5)
    tab.close()
    return status, kind, head


def test_queue_invoice_issue_pay_with_withholding_and_pdf(browser, server_url):
    job = job_in_billing(server_url, "Bangkok Fleet Services Co., Ltd.")
    number = job["number"]
    api = token_for(server_url, "billing")
    context = new_phone(browser, server_url, reduced_motion="reduce")
    sent: list[str] = []
    try:
        page = open_page(context)
        page.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/graphql") and r.method == "POST" else None)
        sign_in(page, "billing")
        # the billing user's home is the queue
        expect(page.get_by_test_id("nav-billing-queue")).to_have_attribute("aria-current", "page")
        choose_site(page)
        row = page.locator(f"[data-testid=queue-job][data-job-number='{number}']")
        expect(row).to_be_visible()
        expect(row.get_by_test_id("queue-customer")).to_have_text("Bangkok Fleet Services Co., Ltd.")
        expect(row.get_by_test_id("queue-tasks")).to_have_text(re.compile(r"Completed tasks: 2"))
        violations = axe_violations(page)
        assert violations == [], violations

        # ---- create the draft from the job ---------------------------------------------------------------
        row.get_by_test_id("queue-create-invoice").click()
        expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-status", "DRAFT")
        expect(page.get_by_test_id("invoice-status")).to_have_text("Draft")
        invoice_id = page.get_by_test_id("invoice-screen").get_attribute("data-invoice-id")
        expect(page.get_by_test_id("invoice-line")).to_have_count(2)
        expect(page.get_by_test_id("invoice-lines")).to_contain_text("Brake pad replacement")
        expect(page.get_by_test_id("invoice-lines")).to_contain_text("Labour")
        expect(page.get_by_test_id("invoice-subtotal")).to_have_text("฿1,400.00")
        expect(page.get_by_test_id("invoice-totals")).to_contain_text("VAT 7%")
        expect(page.get_by_test_id("invoice-tax")).to_have_text("฿98.00")
        expect(page.get_by_test_id("invoice-total")).to_have_text("฿1,498.00")
        server = invoice_on_server(server_url, api, invoice_id)
        assert server["status"] == "DRAFT" and server["total"] == 149800
        assert server["job"]["number"] == number and server["job"]["status"] == "INVOICED"
        violations = axe_violations(page)
        assert violations == [], violations

        # the job left the queue
        go(page, "billing/queue")
        expect(page.get_by_test_id("queue-refresh")).to_be_visible()
        expect(page.locator(f"[data-testid=queue-job][data-job-number='{number}']")).to_have_count(0)
        page.go_back()

        # ---- issue it: it gets its number --------------------------------------------------------------------
        page.get_by_test_id("issue-submit").click()
        expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-status", "ISSUED")
        server = invoice_on_server(server_url, api, invoice_id)
        assert server["status"] == "ISSUED" and re.fullmatch(r"\S+-\d{4}-\d+", server["number"]), server
        expect(page.get_by_test_id("invoice-notice")).to_contain_text(server["number"])
        expect(page.get_by_test_id("invoice-number")).to_have_text(server["number"])
        expect(page.get_by_test_id("invoice-balance")).to_have_text("฿1,498.00")
        form = page.get_by_test_id("payment-form")
        expect(form.get_by_test_id("payment-amount")).to_have_value("1498.00")  # prefilled with the balance

        # ---- checked before sending: no method chosen, an amount that is not one ------------------------------
        before = len([s for s in sent if "RecordPayment" in s])
        form.get_by_test_id("payment-amount").fill("12,5x")
        form.get_by_test_id("payment-submit").click()
        expect(form.get_by_test_id("field-error")).to_have_count(2)
        expect(form.get_by_test_id("payment-amount")).to_have_value("12,5x")
        assert len([s for s in sent if "RecordPayment" in s]) == before

        # ---- the server refuses an overpayment: its message next to the amount, nothing recorded ---------------
        form.get_by_test_id("payment-amount").fill("5000")
        form.get_by_test_id("payment-method").select_option("TRANSFER")
        form.get_by_test_id("payment-reference").fill("TRF-0001")
        form.get_by_test_id("payment-submit").click()
        amount_error = form.locator(".field", has=page.get_by_test_id("payment-amount")).get_by_test_id("field-error")
        expect(amount_error).to_have_text(re.compile(r"^This is more than the balance due of \D*1,498\.00\.$"))
        expect(form.get_by_test_id("payment-amount")).to_have_value("5000")
        expect(form.get_by_test_id("payment-reference")).to_have_value("TRF-0001")
        expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-status", "ISSUED")
        server = invoice_on_server(server_url, api, invoice_id)
        assert server["status"] == "ISSUED" and server["paidTotal"] == 0 and server["payments"] == []

        # ---- a partial payment with 3 % withholding of the labour before tax ------------------------------------
        form.get_by_test_id("withholding-3").click()
        expect(form.get_by_test_id("payment-withholding")).to_have_value("42.00")  # 3 % of ฿1,400.00
        form.get_by_test_id("payment-amount").fill("1,000.00")
        form.get_by_test_id("payment-submit").click()
        expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-status", "PARTIALLY_PAID")
        expect(page.get_by_test_id("invoice-status")).to_have_text("Partially paid")
        expect(page.get_by_test_id("invoice-notice")).to_have_text("Payment of ฿1,000.00 recorded, ฿42.00 withheld.")
        expect(page.get_by_test_id("invoice-balance")).to_have_text("฿456.00")
        expect(page.get_by_test_id("invoice-withheld")).to_have_text("฿42.00")
        expect(page.get_by_test_id("payment-row")).to_have_count(1)
        expect(page.get_by_test_id("payment-row")).to_contain_text("Bank transfer")
        expect(page.get_by_test_id("payment-row")).to_contain_text("TRF-0001")
        server = invoice_on_server(server_url, api, invoice_id)
        assert server["status"] == "PARTIALLY_PAID"
        assert (server["paidTotal"], server["withholdingTotal"], server["balanceDue"]) == (100000, 4200, 45600)
        assert server["payments"] == [{"amount": 100000, "withholdingAmount": 4200, "method": "TRANSFER",
                                       "reference": "TRF-0001"}]
        # the form is ready for the rest: the amount follows the new balance, the withholding is not repeated
        expect(form.get_by_test_id("payment-amount")).to_have_value("456.00")
        expect(form.get_by_test_id("payment-withholding")).to_have_value("")

        # ---- the rest, paid in cash ----------------------------------------------------------------------------
        form.get_by_test_id("payment-method").select_option("CASH")
        expect(form.get_by_test_id("payment-mark-paid")).to_contain_text("฿456.00")
        form.get_by_test_id("payment-mark-paid").click()
        expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-status", "PAID")
        expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
        expect(page.get_by_test_id("invoice-balance")).to_have_text("฿0.00")
        expect(page.get_by_test_id("payment-form")).to_have_count(0)
        expect(page.get_by_test_id("payment-row")).to_have_count(2)
        server = invoice_on_server(server_url, api, invoice_id)
        assert server["status"] == "PAID" and server["balanceDue"] == 0 and server["paidTotal"] == 145600
        assert server["payments"][1]["method"] == "CASH" and server["payments"][1]["amount"] == 45600
        # the check the Thai test relies on does see English UI text when there is some
        assert {"Paid", "Payments", "Total", "Invoices"} <= set(english_left(page, invoice_data(server)))
        violations = axe_violations(page)
        assert violations == [], violations

        # ---- the PDF, from a fresh signed link, in a new tab ------------------------------------------------
        status, kind, head = open_pdf(page)
        assert status == 200 and kind.startswith("application/pdf"), (status, kind)
        assert head == b"%PDF-", head

        # ---- the invoices list: found under Paid, not under Waiting for payment -----------------------------
        page.get_by_test_id("invoice-back").click()
        page.get_by_test_id("invoice-filter").select_option("PAID")
        expect(page.locator(f"[data-testid=invoice-row][data-number='{server['number']}']")).to_be_visible()
        page.get_by_test_id("invoice-filter").select_option("OPEN")
        expect(page.get_by_test_id("invoice-list").or_(page.get_by_test_id("invoices-empty"))).to_be_visible()
        expect(page.locator(f"[data-testid=invoice-row][data-number='{server['number']}']")).to_have_count(0)
        violations = axe_violations(page)
        assert violations == [], violations
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


def english_left(page, data: list[str]) -> list[str]:
    """Latin words on the screen (main content and navigation, visible text and accessible names) once the data
    (names, plates, numbers, the garage's tax label) is taken out: English UI text that escaped translation."""
    text = page.evaluate("""() => {
      const parts = [];
      for (const root of document.querySelectorAll('main, nav.bottom-nav')) {
        parts.push(root.innerText);
        for (const el of root.querySelectorAll('[aria-label], [title], [placeholder]'))
          parts.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '', el.getAttribute('placeholder') || '');
      }
      return parts.join('\\n');
    }""")
    for value in sorted({d for d in data if d}, key=len, reverse=True):
        text = text.replace(value, " ")
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in NOT_ENGLISH})


def invoice_data(inv: dict) -> list[str]:
    data = [inv["number"], inv["taxLabel"], inv["buyerName"], inv["buyerTaxId"], inv["job"] and inv["job"]["number"]]
    data += [line["description"] for line in inv["lines"]]
    data += [p["reference"] for p in inv["payments"]]
    if inv["vehicle"]:
        data += [inv["vehicle"]["registrationDisplay"], inv["vehicle"]["make"], inv["vehicle"]["model"]]
    if inv["customer"]:
        data.append(inv["customer"]["name"])
    return data


def test_the_billing_screens_in_thai(browser, server_url):
    job = job_in_billing(server_url, "บริษัท สยามขนส่ง จำกัด")
    number = job["number"]
    api = token_for(server_url, "billing")
    sites = [s["name"] for s in graphql(server_url, "{ sites { name } }", token=api)["sites"]]
    people = ["Sarah Whitfield"]  # the billing user, named on the payments they record
    context = new_phone(browser, server_url, locale="th-TH", reduced_motion="reduce")
    try:
        page = open_page(context)
        sign_in(page, "billing", english=False)
        if page.locator("html").get_attribute("lang") != "th":
            page.get_by_test_id("lang-th").click()
            page.wait_for_function("() => document.documentElement.lang === 'th'")
        choose_site(page)
        row = page.locator(f"[data-testid=queue-job][data-job-number='{number}']")
        expect(row.get_by_test_id("queue-tasks")).to_have_text("งานที่เสร็จแล้ว: 2")
        queue = [e["node"] for e in graphql(server_url, QUEUE, token=api)["jobs"]["edges"]]
        queue_data = sites + [d for j in queue for d in (
            j["number"], j["customer"] and j["customer"]["name"], j["customer"] and j["customer"]["taxId"],
            *(j["vehicle"] and [j["vehicle"]["registrationDisplay"], j["vehicle"]["make"], j["vehicle"]["model"]] or []))]
        assert english_left(page, queue_data) == []
        violations = axe_violations(page)
        assert violations == [], violations

        row.get_by_test_id("queue-create-invoice").click()
        expect(page.get_by_test_id("invoice-status")).to_have_text("ฉบับร่าง")
        invoice_id = page.get_by_test_id("invoice-screen").get_attribute("data-invoice-id")
        expect(page.get_by_test_id("invoice-total")).to_have_text("฿1,498.00")
        draft = invoice_on_server(server_url, api, invoice_id)
        assert english_left(page, invoice_data({**draft, "number": draft["number"] or ""}) + sites) == []

        page.get_by_test_id("issue-submit").click()
        expect(page.get_by_test_id("invoice-status")).to_have_text("ออกแล้ว ยังไม่ชำระ")
        issued = invoice_on_server(server_url, api, invoice_id)
        expect(page.get_by_test_id("invoice-notice")).to_have_text(f"ออกเป็นใบแจ้งหนี้เลขที่ {issued['number']} แล้ว")

        # the server's refusal, in Thai, next to the amount; nothing recorded
        form = page.get_by_test_id("payment-form")
        form.get_by_test_id("payment-amount").fill("2000")
        form.get_by_test_id("payment-method").select_option("QR")
        form.get_by_test_id("payment-submit").click()
        amount_error = form.locator(".field", has=page.get_by_test_id("payment-amount")).get_by_test_id("field-error")
        expect(amount_error).to_have_text(re.compile(r"^ยอดนี้เกินยอดค้างชำระ .*1,498\.00"))
        assert invoice_on_server(server_url, api, invoice_id)["payments"] == []

        form.get_by_test_id("withholding-3").click()
        form.get_by_test_id("payment-amount").fill("500")
        form.get_by_test_id("payment-reference").fill("0042")
        form.get_by_test_id("payment-submit").click()
        expect(page.get_by_test_id("invoice-status")).to_have_text("ชำระบางส่วน")
        expect(page.get_by_test_id("invoice-notice")).to_have_text("บันทึกการชำระเงิน ฿500.00 แล้ว หัก ณ ที่จ่าย ฿42.00")
        expect(page.get_by_test_id("invoice-balance")).to_have_text("฿956.00")
        paid = invoice_on_server(server_url, api, invoice_id)
        assert paid["status"] == "PARTIALLY_PAID" and paid["balanceDue"] == 95600
        assert english_left(page, invoice_data(paid) + sites + people) == []
        violations = axe_violations(page)
        assert violations == [], violations

        page.get_by_test_id("invoice-back").click()
        page.get_by_test_id("invoice-filter").select_option("PARTIALLY_PAID")
        expect(page.locator(f"[data-testid=invoice-row][data-number='{paid['number']}']")).to_be_visible()
        listed = [invoice_on_server(server_url, api, page.get_by_test_id("invoice-open").nth(i).get_attribute("href").rsplit("/", 1)[1])
                  for i in range(page.get_by_test_id("invoice-open").count())]
        assert english_left(page, [d for inv in listed for d in invoice_data(inv)]) == []
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


def test_invoices_list_filters_and_pages(browser, server_url):
    api = token_for(server_url, "billing")
    site_id = graphql(server_url, "{ sites { id name } }", token=api)["sites"]
    site_id = next(s["id"] for s in site_id if s["name"] == MAIN_SITE)
    for n in range(21):  # counter sales by hand: more drafts than one page holds
        _ok(graphql(server_url, "mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } "
                                "errors { field code message } } }",
                    {"input": {"siteId": site_id, "lines": [{"kind": "OTHER", "description": f"Counter sale {n + 1}",
                                                             "quantity": "1", "unitPrice": 10000 + n}]}},
                    token=api)["createInvoice"])
    drafts = graphql(server_url, '{ invoices(filter: { status: [DRAFT] }, first: 100) { edges { node { id } } } }',
                     token=api)["invoices"]["edges"]
    assert len(drafts) > 20
    context = new_phone(browser, server_url, reduced_motion="reduce")
    try:
        page = open_page(context)
        sign_in(page, "billing")
        page.get_by_test_id("nav-invoices").click()
        page.get_by_test_id("invoice-filter").select_option("DRAFT")
        rows = page.locator("[data-testid=invoice-row][data-status=DRAFT]")
        expect(rows).to_have_count(20)
        expect(page.get_by_test_id("invoice-row")).to_have_count(20)  # drafts only
        page.get_by_test_id("load-more").click()
        expect(rows).to_have_count(len(drafts))
        expect(page.get_by_test_id("load-more")).to_have_count(0)
        hrefs = [rows.nth(i).get_by_test_id("invoice-open").get_attribute("href") for i in range(len(drafts))]
        assert sorted(h.rsplit("/", 1)[1] for h in hrefs) == sorted(e["node"]["id"] for e in drafts)  # no gaps, no repeats
        # none overdue in a fresh garage: the empty state says so
        page.get_by_test_id("invoice-filter").select_option("OVERDUE")
        expect(page.get_by_test_id("invoices-empty")).to_have_text("No invoices match.")
        # a draft opens from the list, newest first
        page.get_by_test_id("invoice-filter").select_option("DRAFT")
        page.get_by_test_id("invoice-open").first.click()
        expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-status", "DRAFT")
        expect(page.get_by_test_id("invoice-lines")).to_contain_text("Counter sale 21")
        violations = axe_violations(page)
        assert violations == [], violations
        assert not context.page_errors, context.page_errors
    finally:
        context.close()
