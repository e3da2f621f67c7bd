"""Issue 15 in the staff PWA, in headless Chromium against the real server (tests/e2e/conftest.py).

A technician on a 360 px phone, offline, starts the general multi-point inspection on their job, rates two items
amber (a condition tapped, a tread depth typed: its colour computed on the phone), picks a note and takes three
photos of 2400 x 1800 px; everything waits on the phone through a reload. Back online every upload and every queued
mutation is delivered twice (routed through Playwright and replayed): each photo is stored once, resized to at most
1600 px, and the results are on the server. Then the site manager, at a desk, quotes both findings in one step and
the quote's lines carry the photos. Screenshots (360 and 1280 px, en and th) of the screens touched."""

from __future__ import annotations

import io
import re
import time
import urllib.request

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems, shoot

require_browser()

from PIL import Image  # noqa: E402
from playwright.sync_api import Page, Route, expect  # noqa: E402

pytestmark = pytest.mark.e2e

JOB_NUMBER = "JC-2026-000004"  # the demo technician's job in progress
TEMPLATE = re.compile("General multi-point inspection|ตรวจเช็กสภาพรถทั่วไป")  # as last read online

INSPECTIONS = """query I($id: ID!) { job(id: $id) { id
  attachments { id kind name size url }
  inspections { id status counts { good advise urgent }
    results { itemKey condition value note quoted photos { id url } } } } }"""
QUOTES = """query Q($id: ID!) { job(id: $id) { quotes { id status lines { description unitPrice photos { id } } } } }"""


def photo(seed: int) -> dict:
    """A 2400 x 1800 JPEG as a phone camera would give it (bigger than the 1600 px the phone must send)."""
    img = Image.new("RGB", (2400, 1800), (40 + seed * 60, 90, 160 - seed * 30))
    for x in range(0, 2400, 200):
        img.paste((250, 250, 250), (x, 0, x + 40 + seed * 10, 1800))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    return {"name": f"IMG_{seed:04d}.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def deliver_twice(page: Page) -> dict[str, int]:
    """Every upload and every outbox mutation reaches the server twice; the page gets the second answer."""
    sent: dict[str, int] = {}

    def replay(route: Route, name: str) -> None:
        route.fetch()
        second = route.fetch()
        sent[name] = sent.get(name, 0) + 2
        route.fulfill(response=second)

    def graphql_route(route: Route) -> None:
        body = route.request.post_data_json if route.request.method == "POST" else None
        input_ = ((body or {}).get("variables") or {}).get("input") or {}
        if isinstance(input_, dict) and "clientMutationId" in input_:
            replay(route, body.get("operationName") or "?")
        else:
            route.continue_()

    page.route("**/graphql", graphql_route)
    page.route("**/files/upload", lambda route: replay(route, "upload"))
    return sent


def item(page: Page, key: str):
    return page.locator(f"[data-testid=inspection-item][data-item={key}]")


def fits(page: Page, name: str) -> None:
    problems = layout_problems(page)
    shoot(page, name, full_page=True)
    assert not problems, f"{name}: {problems}"


def both_languages(page: Page, name: str, ready) -> None:
    """A screenshot in English and in Thai at the page's width; the layout holds in both."""
    for lang in ("en", "th"):
        if page.locator("html").get_attribute("lang") != lang:
            page.get_by_test_id(f"lang-{lang}").first.click()
            page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
        ready()
        fits(page, f"{name}-{lang}")
    page.get_by_test_id("lang-en").first.click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")


def site_manager_at_a_desk(browser, server_url):
    """A 1280 px desk signed in as the site manager, in English; uncaught page errors collected in the list."""
    desk = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900}, locale="en-US")
    desk.set_default_timeout(15_000)
    errors: list[str] = []
    page = desk.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "site")
    return desk, page, errors


def test_offline_inspection_with_photos_reaches_the_server_once_and_becomes_a_quote(browser, server_url):
    tech = token_for(server_url, "tech")
    job_id = next(j["id"] for j in graphql(server_url, "{ myJobs { id number } }", token=tech)["myJobs"]
                  if j["number"] == JOB_NUMBER)
    context = new_phone(browser, server_url)
    page = open_page(context)
    sign_in(page, "tech")
    go(page, f"jobs/{job_id}")
    expect(page.get_by_test_id("jc-inspections")).to_contain_text("No inspection yet.")
    page.get_by_test_id("jc-open-inspection").click()
    expect(page.get_by_test_id("inspection-template").first).to_be_visible()  # templates now on the phone
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)

    # ---- offline, in the bay ----
    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("online-status")).to_have_text("Offline")
    page.get_by_test_id("inspection-template").filter(has_text=TEMPLATE).click()
    expect(page.get_by_test_id("inspection")).to_have_attribute("data-status", "IN_PROGRESS")

    discs = item(page, "discs")
    discs.get_by_test_id("inspection-advise").click()
    expect(discs).to_have_attribute("data-condition", "ADVISE")
    discs.get_by_test_id("inspection-add-note").click()
    discs.get_by_test_id("inspection-preset").filter(has_text="Worn, replace soon").click()
    discs.get_by_test_id("inspection-note-save").click()
    expect(discs.get_by_test_id("inspection-note")).to_have_text("Worn, replace soon")
    discs.get_by_test_id("inspection-camera").set_input_files([photo(1), photo(2)])

    tread = item(page, "tyre_fl")
    tread.get_by_test_id("inspection-value").fill("abc")
    tread.get_by_test_id("inspection-value").press("Enter")
    expect(tread.get_by_test_id("inspection-value-error")).to_be_visible()  # checked before anything is queued
    tread.get_by_test_id("inspection-value").fill("2.4")
    expect(tread.get_by_test_id("inspection-computed")).to_have_text("Advise")  # 1.6 < 2.4 <= 3 mm
    tread.get_by_test_id("inspection-value").press("Enter")
    tread.get_by_test_id("inspection-camera").set_input_files([photo(3)])
    item(page, "engine_oil").get_by_test_id("inspection-good").click()

    photos = page.locator("[data-testid=inspection-photo]")
    expect(photos).to_have_count(3)
    expect(page.locator("[data-testid=inspection-photo][data-state=queued]")).to_have_count(3)
    expect(page.get_by_test_id("local-thumb")).to_have_count(3)
    counts = page.get_by_test_id("inspection").get_by_test_id("inspection-counts")
    expect(counts).to_have_attribute("data-advise", "2")
    expect(counts).to_have_attribute("data-good", "1")
    # start + discs (condition, note, photos) + tread (value, photo) + oil
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "7")
    page.set_viewport_size({"width": 360, "height": 740})
    both_languages(page, "inspection-offline-360", lambda: expect(page.get_by_test_id("inspection")).to_be_visible())

    # A reload, still offline: the outbox, the photos and the view are all on the phone.
    page.reload()
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "7")
    expect(page.locator("[data-testid=inspection-photo][data-state=queued]")).to_have_count(3)
    expect(item(page, "tyre_fl")).to_have_attribute("data-condition", "ADVISE")
    server = graphql(server_url, INSPECTIONS, {"id": job_id}, token=tech)["job"]
    assert server["inspections"] == [] and server["attachments"] == [], "nothing reaches the server while offline"

    # ---- back online, on another screen: everything is delivered twice ----
    go(page, "jobs")
    expect(page.get_by_test_id("my-jobs")).to_be_visible()
    sent = deliver_twice(page)
    context.set_offline(False)
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "0", timeout=30_000)
    deadline = time.monotonic() + 30
    while sent.get("upload", 0) < 6 and time.monotonic() < deadline:  # the photo queue runs on any screen
        page.wait_for_timeout(200)
    go(page, f"jobs/{job_id}/inspection")
    expect(page.locator("[data-testid=inspection-photo][data-state=stored]")).to_have_count(3, timeout=30_000)
    assert sent.get("upload") == 6, sent  # three photos, each delivered twice
    assert sent.get("StartInspection") == 2 and sent.get("RecordInspectionResult") == 12, sent

    server = graphql(server_url, INSPECTIONS, {"id": job_id}, token=tech)["job"]
    stored = [a for a in server["attachments"] if a["kind"] == "PHOTO"]
    assert len(stored) == 3, f"each photo stored once: {[a['name'] for a in stored]}"
    for a in stored:
        with urllib.request.urlopen(f"{server_url}{a['url']}" if a["url"].startswith("/") else a["url"],
                                    timeout=10) as response:
            size = Image.open(io.BytesIO(response.read())).size
        assert max(size) <= 1600 and size == (1600, 1200), size  # resized on the phone, proportions kept
    [inspection] = server["inspections"]
    results = {r["itemKey"]: r for r in inspection["results"]}
    assert (results["discs"]["condition"], results["discs"]["note"], len(results["discs"]["photos"])) == \
        ("ADVISE", "Worn, replace soon", 2)
    assert results["tyre_fl"]["condition"] == "ADVISE" and float(results["tyre_fl"]["value"]) == 2.4
    assert len(results["tyre_fl"]["photos"]) == 1
    assert results["engine_oil"]["condition"] == "GOOD"
    assert inspection["counts"] == {"good": 1, "advise": 2, "urgent": 0}
    page.unroute("**/graphql")
    page.unroute("**/files/upload")
    context.close()

    # ---- the advisor quotes the findings in one step ----
    desk, page, errors = site_manager_at_a_desk(browser, server_url)
    go(page, f"jobs/{job_id}")
    card = page.get_by_test_id("jc-inspections")
    expect(card.get_by_test_id("inspection-counts")).to_have_attribute("data-advise", "2")
    both_languages(page, "inspection-jobcard-1280", lambda: expect(page.get_by_test_id("jc-quote-findings")).to_be_visible())
    page.get_by_test_id("jc-quote-findings").click()
    findings = page.get_by_test_id("finding")
    expect(findings).to_have_count(2)
    both_languages(page, "inspection-findings-1280", lambda: expect(page.get_by_test_id("finding")).to_have_count(2))
    discs = page.locator("[data-testid=finding][data-item=discs]")
    discs.get_by_test_id("finding-source").select_option("text")
    discs.get_by_test_id("finding-price").fill("abc")
    page.get_by_test_id("findings-submit").click()
    expect(page.get_by_test_id("findings-errors")).to_contain_text("enter a price")  # nothing sent
    discs.get_by_test_id("finding-price").fill("1800.00")
    tread = page.locator("[data-testid=finding][data-item=tyre_fl]")
    tread.get_by_test_id("finding-source").select_option("catalog")
    page.get_by_test_id("findings-submit").click()
    page.wait_for_url(lambda url: "#/quotes/" in url)
    expect(page.get_by_test_id("quote-screen")).to_be_visible()
    site = token_for(server_url, "site")
    [quote] = graphql(server_url, QUOTES, {"id": job_id}, token=site)["job"]["quotes"]
    assert quote["status"] == "DRAFT" and len(quote["lines"]) == 2, quote
    by_photos = sorted(len(line["photos"]) for line in quote["lines"])
    assert by_photos == [1, 2], quote["lines"]  # each line carries its finding's photos
    assert any(line["unitPrice"] == 180000 for line in quote["lines"]), quote["lines"]
    results = graphql(server_url, INSPECTIONS, {"id": job_id}, token=site)["job"]["inspections"][0]["results"]
    assert sorted(r["itemKey"] for r in results if r["quoted"]) == ["discs", "tyre_fl"]
    # the findings are quoted: the job card offers no second quote of them
    go(page, f"jobs/{job_id}")
    expect(page.get_by_test_id("jc-inspections")).to_be_visible()
    expect(page.get_by_test_id("jc-quote-findings")).to_have_count(0)

    # ---- the customer decides (as the portal does, through the same service); the staff see it live ----
    board = desk.new_page()
    board.on("pageerror", lambda exc: errors.append(str(exc)))
    board.goto("/#/board")
    card = board.locator(f"[data-testid=board-job][data-job-id='{job_id}']")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("job-approvals")).not_to_contain_text("Approved")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-status", "open")
    expect(board.get_by_test_id("live-status")).to_have_attribute("data-status", "open")
    decide = """mutation D($i: QuoteLinesDecisionInput!) { %s(input: $i) { errors { code message } } }"""
    sent_quote = graphql(server_url, """mutation S($i: SendQuoteInput!) { sendQuote(input: $i) {
        quote { lines { id description } } errors { code message } } }""", {"i": {"id": quote["id"]}}, token=site)
    assert sent_quote["sendQuote"]["errors"] == [], sent_quote
    lines = sent_quote["sendQuote"]["quote"]["lines"]
    approved = graphql(server_url, decide % "approveQuoteLines", {"i": {"id": quote["id"], "lineIds": [lines[0]["id"]]}},
                       token=site)
    assert approved["approveQuoteLines"]["errors"] == [], approved
    expect(page.get_by_test_id("jc-approvals")).to_have_text("Approved 1 of 2 lines")
    expect(card.get_by_test_id("job-approvals")).to_have_text("Approved 1 of 2 lines")
    shoot(board, "inspection-board-approvals-1280-en")
    desk.close()
    assert not errors, errors


def pdf_bytes() -> bytes:
    """A small valid PDF (an insurer's assessment, say)."""
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" \
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    xref = len(body)
    return body + (b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
                   b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n")


def test_documents_on_the_vehicle_screen_upload_share_and_refuse(browser, server_url):
    site = token_for(server_url, "site")
    vehicle_id = graphql(server_url, "{ jobs(first: 1) { edges { node { vehicle { id } } } } }",
                         token=site)["jobs"]["edges"][0]["node"]["vehicle"]["id"]
    files = "query($id: ID!) { vehicle(id: $id) { attachments { name kind contentType sharedWithCustomer } } }"
    before = graphql(server_url, files, {"id": vehicle_id}, token=site)["vehicle"]["attachments"]
    desk, page, errors = site_manager_at_a_desk(browser, server_url)
    go(page, f"vehicles/{vehicle_id}")
    box = page.get_by_test_id("vehicle-attachments")
    expect(box).to_be_visible()
    box.get_by_test_id("attachment-input").set_input_files(
        [{"name": "assessment.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    row = box.get_by_test_id("attachment").filter(has_text="assessment.pdf")
    expect(row).to_have_attribute("data-shared", "false", timeout=20_000)
    row.get_by_test_id("attachment-share").check()
    expect(row).to_have_attribute("data-shared", "true")
    after = graphql(server_url, files, {"id": vehicle_id}, token=site)["vehicle"]["attachments"]
    assert len(after) == len(before) + 1
    assert [(a["name"], a["kind"], a["contentType"], a["sharedWithCustomer"]) for a in after
            if a["name"] == "assessment.pdf"] == [("assessment.pdf", "DOCUMENT", "application/pdf", True)]

    # not a document: the server's refusal, in the user's language, stays on the screen with its file; nothing stored
    box.get_by_test_id("attachment-input").set_input_files(
        [{"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"just some text, not a PDF"}])
    refused = box.get_by_test_id("attachment-local").filter(has_text="notes.pdf")
    expect(refused).to_have_attribute("data-status", "failed", timeout=20_000)
    expect(refused.get_by_test_id("photo-state")).not_to_be_empty()
    fits(page, "attachments-vehicle-1280-en")
    refused.get_by_test_id("photo-remove").click()
    expect(refused).to_have_count(0)
    assert len(graphql(server_url, files, {"id": vehicle_id}, token=site)["vehicle"]["attachments"]) == len(after)
    desk.close()
    assert not errors, errors
