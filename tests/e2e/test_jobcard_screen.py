"""The job card (`#/jobs/<id>`) clicked through by each staff role at phone and desktop sizes, in English and Thai,
against the real server: what each role sees and may do, the card following a technician's change live, a
technician never getting a price (DOM and network), the job sheet PDF in both languages, no horizontal overflow
and no covered action button at 360/768/1280 px, axe, screenshots, and a stopwatch from the URL to the first card.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.billing.test_pdf_text import poppler_text
from tests.e2e.layout import settled, shoot
from tests.e2e.helpers import (
    DEMO_PASSWORD,
    USERS,
    axe_violations,
    go,
    graphql,
    new_phone,
    open_page,
    require_browser,
    sign_in,
    submit_sign_in,
    token_for,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

SIZES = {"phone": (360, 740), "tablet": (768, 1024), "desktop": (1280, 800)}
JOBS = """{ jobs(first: 50) { edges { node { id number status issuesReported technician { name }
  vehicle { registrationDisplay } } } } }"""

# the action buttons of the card: their centres must be the buttons themselves at every width
_ACTIONS_FREE_JS = """(root) => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page ${doc.scrollWidth}px wide in ${doc.clientWidth}px`);
  const card = document.querySelector(root);
  for (const el of card ? card.querySelectorAll('button, a.btn, select, textarea, input') : []) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (box.right > doc.clientWidth + 1) out.push(`${el.dataset.testid || el.tagName} sticks out to ${box.right}px`);
    el.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || !(hit === el || el.contains(hit))) {
      out.push(`${el.dataset.testid || el.tagName} "${(el.textContent || '').trim().slice(0, 30)}" covered by ` +
        `${hit ? hit.tagName + '.' + hit.className + (hit.closest('[data-testid]') ? ' in ' + hit.closest('[data-testid]').dataset.testid : '') : 'nothing'}`);
    }
  }
  window.scrollTo(0, 0);
  return out;
}"""


def layout_problems(page, root: str = "[data-testid=job-card], [data-testid=job-detail]") -> list[str]:
    """Horizontal overflow, and the controls under `root` sticking out or covered at their centres."""
    settled(page)
    return page.evaluate(_ACTIONS_FREE_JS, root)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    return "".join(poppler_text(pdf, tmp_path).split())


@pytest.fixture(scope="module")
def demo_jobs(server_url):
    data = graphql(server_url, JOBS, token=token_for(server_url, "admin"))
    jobs = [e["node"] for e in data["jobs"]["edges"]]

    def find(status: str | None = None, issues: str | None = None) -> dict:
        return next(j for j in jobs if (status is None or j["status"] == status)
                    and (issues is None or issues in (j["issuesReported"] or "")))
    return find


def person(browser, server_url, who: str, size: str = "phone", lang: str = "en"):
    width, height = SIZES[size]
    context = new_phone(browser, server_url, locale="th-TH" if lang == "th" else "en-US")
    page = open_page(context)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, who, english=lang == "en")
    if lang == "th" and page.locator("html").get_attribute("lang") != "th":
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
    return context, page


def open_card(page, job_id: str) -> None:
    go(page, f"jobs/{job_id}")
    expect(page.get_by_test_id("job-card")).to_be_visible()
    expect(page.get_by_test_id("job-card")).to_have_attribute("data-job-id", job_id)


# (who, size, language, what the card must show, what it must not)
ROLES = [
    ("site", "phone", "en", ["jc-owner", "jc-quotes", "jc-invoices", "jc-assign-form", "jc-hold"], []),
    ("site", "desktop", "th", ["jc-owner", "jc-quotes", "jc-invoices", "jc-new-quote"], ["jc-review-form"]),
    ("workshop", "phone", "th", ["jc-owner", "jc-quotes", "jc-assign-form"], ["jc-invoices", "jc-new-quote"]),
    ("workshop", "desktop", "en", ["jc-quotes", "jc-hold"], ["jc-invoices", "jc-task-labour"]),
    ("billing", "desktop", "en", ["jc-quotes", "jc-invoices", "jc-task-labour"], ["jc-assign-form", "jc-hold"]),
    ("billing", "phone", "th", ["jc-invoices", "jc-new-quote"], ["jc-assign-form"]),
    ("warehouse", "phone", "en", ["jc-no-actions", "jc-parts"], ["jc-owner", "jc-quotes", "jc-invoices", "jc-task-labour"]),
    ("admin", "desktop", "th", ["jc-owner", "jc-quotes", "jc-invoices", "jc-assign-form", "jc-task-labour"], []),
]


@pytest.mark.parametrize("who,size,lang,shown,hidden", ROLES, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in ROLES])
def test_the_job_card_for_each_role(browser, server_url, demo_jobs, who, size, lang, shown, hidden):
    job = demo_jobs(issues="Brakes feel soft")  # started, a task and a parts request, the technician's job
    context, page = person(browser, server_url, who, size, lang)
    try:
        open_card(page, job["id"])
        expect(page.get_by_test_id("jc-number")).to_contain_text(job["number"])
        expect(page.get_by_test_id("jc-registration")).to_have_text(job["vehicle"]["registrationDisplay"])
        expect(page.get_by_test_id("jc-task").first).to_be_visible()
        expect(page.get_by_test_id("jc-part").first).to_be_visible()
        expect(page.get_by_test_id("jc-event").first).to_be_visible()
        expect(page.get_by_test_id("jc-technician")).to_have_text(job["technician"]["name"])
        for testid in shown:
            expect(page.get_by_test_id(testid).first).to_be_visible()
        for testid in hidden:
            expect(page.get_by_test_id(testid)).to_have_count(0)
        if "jc-owner" in shown:
            phone = page.get_by_test_id("jc-owner-phone")
            if phone.count():
                assert phone.get_attribute("href").startswith("tel:")
        # the language is the one chosen: a Thai card says Thai things
        if lang == "th":
            expect(page.get_by_test_id("jc-story")).to_contain_text("อาการ")
        else:
            expect(page.get_by_test_id("jc-story")).to_contain_text("Complaint")
        problems = {}
        for name, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(100)
            found = layout_problems(page)
            if found:
                problems[name] = found
        assert not problems, problems
        page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
        violations = axe_violations(page)
        assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
        if who == "site":
            shoot(page, f"jobcard-{who}-{SIZES[size][0]}-{lang}", full_page=True)
    finally:
        context.close()


def test_screenshots_of_the_job_card_at_360_and_1280(browser, server_url, demo_jobs):
    job = demo_jobs(issues="Brakes feel soft")
    context, page = person(browser, server_url, "site", "phone", "en")
    try:
        open_card(page, job["id"])
        expect(page.get_by_test_id("jc-event").first).to_be_visible()
        for width, height in ((360, 740), (1280, 800)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(150)
            path = shoot(page, f"jobcard-{width}", full_page=True)
            assert path.stat().st_size > 10_000
    finally:
        context.close()


def test_the_card_follows_a_technicians_change_live(browser, server_url, demo_jobs):
    job = demo_jobs(issues="Service due at 90,000 km")  # in progress, Niran's
    tech = token_for(server_url, "tech")
    context, page = person(browser, server_url, "site", "desktop", "en")
    try:
        open_card(page, job["id"])
        expect(page.get_by_test_id("live-status")).to_have_attribute("data-status", "open")
        tasks_before = page.get_by_test_id("jc-task").count()
        # the technician, on their own phone, adds a task: the open card shows it and who did it, no reload
        added = graphql(server_url, """mutation($input: AddJobTaskInput!) { addJobTask(input: $input) {
            task { id } errors { message } } }""", {"input": {"jobId": job["id"], "name": "Check the brake fluid"}},
                        token=tech)
        assert not added["addJobTask"]["errors"]
        expect(page.get_by_test_id("jc-task")).to_have_count(tasks_before + 1)
        change = page.get_by_test_id("live-change")
        expect(change).to_be_visible()
        expect(change).to_contain_text("Niran Kaewmanee")
        expect(change).to_contain_text("added a task")
        expect(change).to_contain_text("Check the brake fluid")
        # then completes it: the row turns done and the notice says so
        task_id = added["addJobTask"]["task"]["id"]
        done = graphql(server_url, """mutation($input: JobTaskActionInput!) { completeJobTask(input: $input) {
            errors { message } } }""", {"input": {"id": task_id}}, token=tech)
        assert not done["completeJobTask"]["errors"]
        expect(change).to_contain_text("completed a task")
        expect(page.locator("[data-testid=jc-task][data-status=COMPLETED]").filter(
            has_text="Check the brake fluid")).to_have_count(1)
        expect(page.get_by_test_id("jc-event").first).to_contain_text("Niran Kaewmanee")
        # and asks the store for a part: the status moves on the open card (awaiting parts), with who and what
        item = graphql(server_url, "{ warehouseItems(first: 1) { edges { node { id } } } }",
                       token=tech)["warehouseItems"]["edges"][0]["node"]["id"]
        asked = graphql(server_url, """mutation($input: RequestPartsInput!) { requestParts(input: $input) {
            errors { message } } }""", {"input": {"jobId": job["id"], "itemId": item, "quantity": 1}}, token=tech)
        assert not asked["requestParts"]["errors"]
        expect(page.get_by_test_id("jc-status")).to_have_attribute("data-status", "AWAITING_PARTS")
        expect(page.get_by_test_id("jc-part")).to_have_count(1)
        expect(change).to_contain_text("Niran Kaewmanee")
    finally:
        context.close()


def test_a_technician_never_sees_a_price_on_the_job_card(browser, server_url, demo_jobs, tmp_path):
    job = demo_jobs(issues="Brakes feel soft")
    context, page = person(browser, server_url, "tech", "phone", "en")
    bodies: list[str] = []

    def keep(response):
        if response.url.endswith("/graphql") and response.request.method == "POST":
            try:
                bodies.append(response.text())
            except Exception:  # a response the page dropped (navigation): nothing to read
                pass

    page.on("response", keep)
    try:
        go(page, f"jobs/{job['id']}")
        expect(page.get_by_test_id("job-detail")).to_be_visible()
        expect(page.get_by_test_id("jc-more")).to_be_visible()
        expect(page.get_by_test_id("jc-timeline")).to_be_visible()
        expect(page.get_by_test_id("jc-clock")).to_be_visible()
        shoot(page, "jobcard-technician-360", full_page=True)
        # the staff sections a technician must not get
        for testid in ("jc-quotes", "jc-invoices", "jc-owner", "jc-task-labour", "jc-labour-total"):
            expect(page.get_by_test_id(testid)).to_have_count(0)
        text = page.locator("main, body").first.inner_text()
        assert "฿" not in text and "THB" not in text, text
        # the prices the admin sees for this job's task and part: none of them in the technician's page or traffic
        admin = token_for(server_url, "admin")
        priced = graphql(server_url, """query($id: ID!) { job(id: $id) { tasks { labourCost }
            partsRequests { item { costPrice salePrice } } } }""", {"id": job["id"]}, token=admin)["job"]
        assert bodies, "the page sent no GraphQL request"
        traffic = "\n".join(bodies)
        for key in ("costPrice", "salePrice", "labourCost", "unitCost", "defaultLabourCost", "unitPrice", "margin"):
            assert f'"{key}"' not in traffic, key
        amounts = {t["labourCost"] for t in priced["tasks"]} | {
            p["item"][k] for p in priced["partsRequests"] for k in ("costPrice", "salePrice")}
        for amount in amounts - {0}:
            shown = f"{amount / 100:,.2f}"
            assert shown not in text, shown
        # the job sheet prints for the bay: no prices either, in English and in Thai
        for button, words in (("jc-print-en", "Jobsheet"), ("jc-print-th", "ใบสั่งงาน")):
            with context.expect_page() as popup:
                page.get_by_test_id(button).click()
            sheet = popup.value
            sheet.wait_for_url("**/documents/job-sheet/**")
            response = context.request.get(sheet.url)
            assert response.status == 200 and response.body().startswith(b"%PDF")
            printed = pdf_text(response.body(), tmp_path)
            assert words in printed and job["number"] in printed
            assert "".join(job["vehicle"]["registrationDisplay"].split()) in printed
            for amount in amounts - {0}:
                assert f"{amount / 100:,.2f}" not in printed
            sheet.close()
        assert not layout_problems(page)
    finally:
        context.close()


def test_stopwatch_a_site_manager_opens_the_first_job_card(browser, server_url):
    context = new_phone(browser, server_url)
    page = open_page(context)
    page.set_viewport_size({"width": 1280, "height": 800})
    try:
        started = time.monotonic()
        page.goto("/")
        submit_sign_in(page, USERS["site"], DEMO_PASSWORD)
        page.get_by_test_id("user-name").wait_for()
        go(page, "board")
        expect(page.get_by_test_id("job-board")).to_have_attribute("aria-busy", "false")
        first = page.get_by_test_id("board-job").first
        picker = page.get_by_test_id("site-picker")
        if not first.count() and picker.count():  # the user's default site has no work: they pick the busy one
            picker.select_option(label="Rama 9 Service Centre")
        first.wait_for()
        link = page.get_by_test_id("board-job-link").first
        if link.count():
            link.click()  # the board's card opens the job card: one tap
        else:
            go(page, f"jobs/{first.get_attribute('data-job-id')}")
        expect(page.get_by_test_id("job-card")).to_be_visible()
        expect(page.get_by_test_id("jc-event").first).to_be_visible()
        elapsed = time.monotonic() - started
        print(f"\nSTOPWATCH: a site manager opened the URL, signed in and had the first job card in {elapsed:.2f} s")
    finally:
        context.close()


@pytest.mark.parametrize("who,screen,link", [("billing", "billing/queue", "queue-job-link"),
                                             ("workshop", "parts/approval", "parts-job-link")])
def test_a_queue_opens_the_job_card_in_one_tap(browser, server_url, who, screen, link):
    context, page = person(browser, server_url, who, "phone", "en")
    try:
        go(page, screen)
        first = page.get_by_test_id(link).first
        picker = page.get_by_test_id("site-picker")
        picker.or_(first).first.wait_for()
        if picker.count():  # the queue is per site: the one with the demo's work (chosen, even if shown already)
            picker.select_option(label="Bang Na Body Shop")
            picker.select_option(label="Rama 9 Service Centre")
        first.wait_for()
        number = first.inner_text().strip()
        first.click()
        expect(page.get_by_test_id("job-card")).to_be_visible()
        expect(page.get_by_test_id("jc-number")).to_have_text(number)
    finally:
        context.close()


def test_a_site_manager_assigns_holds_resumes_and_notes_from_the_card(browser, server_url, demo_jobs):
    job = demo_jobs(status="RECEIVED", issues="Dent on the front left door")  # body work, nobody assigned
    context, page = person(browser, server_url, "site", "phone", "th")
    try:
        open_card(page, job["id"])
        card = page.get_by_test_id("job-card")
        # checked before sending: no technician chosen
        page.get_by_test_id("jc-assign-submit").click()
        expect(page.get_by_test_id("jc-assign-form").get_by_test_id("field-error")).to_be_visible()
        choice = page.get_by_test_id("jc-assign-technician").locator("option:not([value=''])").first
        name = choice.inner_text().strip()
        page.get_by_test_id("jc-assign-technician").select_option(label=name)
        page.get_by_test_id("jc-assign-submit").click()
        expect(card).to_have_attribute("data-status", "ASSIGNED")
        expect(page.get_by_test_id("jc-technician")).to_have_text(name)
        # on hold needs the reason, then resumes where it was
        page.get_by_test_id("jc-hold").click()
        page.get_by_test_id("jc-reason-submit").click()
        expect(page.get_by_test_id("jc-hold-form").get_by_test_id("field-error")).to_be_visible()
        page.get_by_test_id("jc-reason").fill("รอลูกค้ายืนยันสีรถ")
        page.get_by_test_id("jc-reason-submit").click()
        expect(card).to_have_attribute("data-status", "ON_HOLD")
        expect(page.get_by_test_id("jc-hold-reason")).to_contain_text("รอลูกค้ายืนยันสีรถ")
        page.get_by_test_id("jc-resume").click()
        expect(card).to_have_attribute("data-status", "ASSIGNED")
        # a note goes into the timeline, newest first
        page.get_by_test_id("jc-note").fill("ลูกค้าโทรมาถามความคืบหน้า")
        page.get_by_test_id("jc-note-add").click()
        expect(page.get_by_test_id("jc-event").first).to_contain_text("ลูกค้าโทรมาถามความคืบหน้า")
        expect(page.get_by_test_id("jc-note")).to_have_value("")
        assert not layout_problems(page)
    finally:
        context.close()


def test_the_workshop_manager_reviews_and_billing_makes_the_invoice(browser, server_url, demo_jobs):
    job = demo_jobs(status="COMPLETED", issues="Oil change and check-up")
    context, page = person(browser, server_url, "workshop", "desktop", "en")
    try:
        open_card(page, job["id"])
        card = page.get_by_test_id("job-card")
        page.get_by_test_id("jc-review-notes").fill("Checked the oil level and the filter.")
        page.get_by_test_id("jc-review").click()
        expect(card).to_have_attribute("data-status", "MANAGER_REVIEW")
        expect(page.get_by_test_id("jc-manager-notes")).to_contain_text("Checked the oil level")
        page.get_by_test_id("jc-to-billing").click()
        expect(card).to_have_attribute("data-status", "BILLING")
        expect(page.get_by_test_id("jc-make-invoice")).to_have_count(0)  # the invoice is billing's
    finally:
        context.close()
    context, page = person(browser, server_url, "billing", "phone", "th")
    try:
        open_card(page, job["id"])
        page.get_by_test_id("jc-make-invoice").click()
        expect(page.get_by_test_id("invoice-screen")).to_be_visible()
        open_card(page, job["id"])
        expect(page.get_by_test_id("jc-invoice")).to_have_count(1)
        expect(page.get_by_test_id("jc-invoice")).to_have_attribute("data-status", "DRAFT")
        expect(page.get_by_test_id("jc-make-invoice")).to_have_count(0)
    finally:
        context.close()
