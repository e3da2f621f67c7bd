"""The technician's work offline, in headless Chromium against the real server (tests/e2e/conftest.py).

Each test signs in on a fresh 360 px phone profile, works on the demo technician's jobs and checks the result on the
server through the API with the technician's own token. Network use stays on 127.0.0.1.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import graphql, open_page, require_browser, sign_in, token_for

require_browser()

from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.e2e


# ---- the API, as a test sees it ------------------------------------------------------------------

class Api:
    """The server as the demo technician sees it, with the technician's own token."""

    def __init__(self, base: str, who: str = "tech"):
        self.base = base
        self.token = token_for(base, who)

    def gql(self, query: str, variables: dict | None = None) -> dict:
        return graphql(self.base, query, variables, token=self.token, lang="en")

    def job(self, job_id: str) -> dict:
        return self.gql("""query J($id: ID!) { job(id: $id) { id status version workDoneNotes
            tasks { id name status } partsRequests { id quantity note status item { sku } } } }""", {"id": job_id})["job"]

    def my_job_id(self, number: str) -> str:
        jobs = self.gql("{ myJobs { id number } }")["myJobs"]
        return next(j["id"] for j in jobs if j["number"] == number)


# ---- the browser ---------------------------------------------------------------------------------

@pytest.fixture
def page(phone):
    return open_page(phone)


@pytest.fixture
def api(server_url) -> Api:
    return Api(server_url)


def sign_in_technician(page: Page) -> None:
    sign_in(page, "tech", english=False)
    expect(page.get_by_test_id("my-jobs")).to_be_visible()
    expect(page.get_by_test_id("job-row").first).to_be_visible()


def open_job(page: Page, job_id: str) -> None:
    page.goto(f"/#/jobs/{job_id}")
    expect(page.get_by_test_id("job-detail")).to_have_attribute("data-job-id", job_id)


def prime_offline_data(page: Page) -> None:
    """Online once: the catalog and the items reach IndexedDB, and the service worker controls the page."""
    page.get_by_test_id("add-task").click()
    expect(page.get_by_test_id("task-option").first).to_be_visible()
    page.get_by_test_id("request-parts").click()
    expect(page.get_by_test_id("item-option").first).to_be_visible()
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)


def badge_count(page: Page) -> int:
    return int(page.get_by_test_id("sync-badge").get_attribute("data-count"))


def double_every_queued_mutation(page: Page) -> dict[str, int]:
    """Every outbox operation (it carries a clientMutationId) reaches the server twice; the page gets the second
    answer, as when a first answer is lost on a bad line and the request is replayed."""
    sent: dict[str, int] = {}

    def handle(route: Route) -> None:
        body = route.request.post_data_json if route.request.method == "POST" else None
        input_ = ((body or {}).get("variables") or {}).get("input") or {}
        if not isinstance(input_, dict) or "clientMutationId" not in input_:
            route.continue_()
            return
        route.fetch()
        second = route.fetch()
        name = body.get("operationName") or "?"
        sent[name] = sent.get(name, 0) + 2
        route.fulfill(response=second)

    page.route("**/graphql", handle)
    return sent


# ---- the tests -----------------------------------------------------------------------------------

def test_offline_work_reaches_the_server_exactly_once(page: Page, api: Api):
    job_id = api.my_job_id("JC-2026-000004")  # in progress, one open "Oil change" task, no parts
    before = api.job(job_id)
    sign_in_technician(page)
    page.get_by_test_id("lang-en").click()
    open_job(page, job_id)
    prime_offline_data(page)

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("online-status")).to_have_text("Offline")
    expect(page.get_by_test_id("job-detail")).to_be_visible()
    expect(page.get_by_test_id("task-row")).to_have_count(len(before["tasks"]))

    # Two tasks from the catalog, searched offline.
    page.get_by_test_id("add-task").click()
    page.get_by_test_id("task-search").fill("wheel")
    page.get_by_test_id("task-option").filter(has_text="Wheel alignment").click()
    page.get_by_test_id("task-search").fill("timing")
    page.get_by_test_id("task-option").filter(has_text="Timing belt replacement").click()
    tasks = page.get_by_test_id("task-row")
    expect(tasks).to_have_count(len(before["tasks"]) + 2)
    # Complete one of them (it exists only on the phone so far).
    wheel = tasks.filter(has_text="Wheel alignment")
    wheel.get_by_test_id("task-complete").click()
    expect(wheel).to_have_attribute("data-status", "COMPLETED")

    # A part and the notes.
    page.get_by_test_id("request-parts").click()
    page.get_by_test_id("item-search").fill("oil")
    page.get_by_test_id("item-option").first.click()
    chosen = page.get_by_test_id("item-chosen").inner_text()
    page.get_by_test_id("parts-qty").fill("0")
    page.get_by_test_id("parts-submit").click()
    expect(page.get_by_test_id("parts-qty-error")).to_be_visible()  # checked before anything is queued
    page.get_by_test_id("parts-qty").fill("2")
    page.get_by_test_id("parts-note").fill("Fully synthetic, please")
    page.get_by_test_id("parts-submit").click()
    expect(page.get_by_test_id("parts-row")).to_have_count(1)
    notes = "Aligned the wheels; timing belt due, fitted the new oil."
    page.get_by_test_id("notes-input").fill(notes)
    page.get_by_test_id("notes-save").click()

    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "5")
    # Still there after a reload, offline: the outbox and the optimistic view live in IndexedDB.
    page.reload()
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "5")
    expect(page.get_by_test_id("task-row")).to_have_count(len(before["tasks"]) + 2)
    expect(page.get_by_test_id("notes-input")).to_have_value(notes)
    assert api.job(job_id) == before, "nothing may reach the server while offline"

    sent = double_every_queued_mutation(page)
    page.context.set_offline(False)
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "0", timeout=30_000)

    # Each operation went twice. The notes carry expectedVersion from before the phone's own earlier changes, which
    # moved the job's version on: the server answers CONFLICT, the notes there are still the ones the edit started
    # from, so the outbox re-sends them over the new version by itself (a second pair) without asking the user.
    notes_sent = sent.pop("UpdateJobNotes", 0)
    assert sent == {"AddJobTask": 4, "CompleteJobTask": 2, "RequestParts": 2}, sent
    assert notes_sent in (2, 4), notes_sent
    after = api.job(job_id)
    names = sorted((t["name"], t["status"]) for t in after["tasks"])
    expected = sorted([(t["name"], t["status"]) for t in before["tasks"]]
                      + [("Wheel alignment", "COMPLETED"), ("Timing belt replacement", "OPEN")])
    assert names == expected
    assert len(after["partsRequests"]) == 1
    part = after["partsRequests"][0]
    assert (part["quantity"], part["note"], part["status"]) == (2, "Fully synthetic, please", "PENDING")
    assert part["item"]["sku"] in chosen
    assert after["workDoneNotes"] == notes
    assert after["status"] == "AWAITING_PARTS"
    # The screen now shows the server's copy: nothing marked as waiting.
    expect(page.get_by_test_id("job-status")).to_have_text("Awaiting parts")
    expect(page.locator("[data-testid=job-detail] .chip-wait")).to_have_count(0)


def test_a_stale_offline_edit_is_a_conflict_the_user_resolves(page: Page, api: Api):
    job_id = api.my_job_id("JC-2026-000005")  # awaiting parts
    sign_in_technician(page)
    page.get_by_test_id("lang-en").click()
    open_job(page, job_id)
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)

    page.context.set_offline(True)
    expect(page.get_by_test_id("online-status")).to_have_text("Offline")
    mine = "Front pads worn to 2 mm; replaced both sides."
    page.get_by_test_id("notes-input").fill(mine)
    page.get_by_test_id("notes-save").click()
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "1")

    # Meanwhile the same notes change on the server (another device).
    current = api.job(job_id)
    theirs = "Checked by the office: customer declined disc replacement."
    result = api.gql("""mutation U($i: UpdateJobNotesInput!) { updateJobNotes(input: $i) {
        job { version workDoneNotes } errors { code } } }""",
                     {"i": {"jobId": job_id, "workDoneNotes": theirs, "expectedVersion": current["version"]}})
    assert result["updateJobNotes"]["errors"] == []

    page.context.set_offline(False)
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_be_visible(timeout=30_000)
    expect(conflict.get_by_test_id("conflict-mine")).to_contain_text(mine)
    expect(conflict.get_by_test_id("conflict-theirs")).to_contain_text(theirs)
    assert api.job(job_id)["workDoneNotes"] == theirs  # nothing overwritten before the user chose
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-problems", "1")

    conflict.get_by_test_id("keep-mine").click()
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "0", timeout=30_000)
    assert api.job(job_id)["workDoneNotes"] == mine
    expect(page.get_by_test_id("notes-input")).to_have_value(mine)


def test_a_refused_operation_stays_until_discarded(page: Page, api: Api):
    job_id = api.my_job_id("JC-2026-000004")  # has an open task, so completing it is refused
    sign_in_technician(page)
    page.get_by_test_id("lang-th").click()
    open_job(page, job_id)
    if not page.get_by_test_id("notes-input").input_value().strip():
        page.get_by_test_id("notes-input").fill("ตรวจเช็คแล้ว")
        page.get_by_test_id("notes-save").click()
        expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "0", timeout=20_000)

    page.get_by_test_id("job-complete").click()
    failed = page.get_by_test_id("op-failed")
    expect(failed).to_be_visible(timeout=20_000)
    error = failed.get_by_test_id("op-error").first
    expect(error).to_be_visible()
    # The job has an open task (and, after the first test, a pending parts request): the server names either.
    codes = {e.get_attribute("data-code") for e in failed.get_by_test_id("op-error").all()}
    assert codes & {"TASKS_OPEN", "PARTS_PENDING"}, codes
    assert re.search(r"[\u0E00-\u0E7F]", error.inner_text()), "the refusal is shown in Thai"
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "1")

    # Kept across a reload, and never sent again by itself.
    page.reload()
    expect(page.get_by_test_id("op-failed")).to_be_visible()
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "1")
    page.get_by_test_id("nav-sync").click()
    expect(page.get_by_test_id("outbox-row")).to_have_attribute("data-status", "failed")
    page.get_by_test_id("op-discard").click()
    expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "0")
    assert api.job(job_id)["status"] in ("IN_PROGRESS", "AWAITING_PARTS")


# Text a user reads, minus elements marked data-raw: the places that show data as it is stored, not app wording —
# registrations, job numbers, make and model, what the customer reported (typed at reception, often in English),
# SKUs and item names (Thai when the item has one, which is checked apart; a Thai name may hold "DOT 4"), the user's
# and garage's names, notes people typed, and the language switch's own "EN" (an autonym).
# The product's name "MotoTrack" is a brand and stays as it is (e.g. "MotoTrack is ready to work offline").
# Everything else — headings, buttons, labels, statuses, placeholders, aria-labels — must be Thai.
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('[data-raw], script, style, noscript')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    if (n.textContent.trim()) out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    if (el.closest('[data-raw]') || !el.getClientRects().length) continue;
    for (const a of ['placeholder', 'aria-label', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  return out;
}"""
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def english_left(page: Page) -> list[str]:
    return [t for t in page.evaluate(VISIBLE_TEXT) if LATIN_WORD.search(t.replace("MotoTrack", ""))]


def test_thai_leaves_no_english_on_the_technician_screens(page: Page, api: Api):
    sign_in_technician(page)
    page.get_by_test_id("lang-th").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_test_id("job-row").first).to_be_visible()
    assert english_left(page) == []

    for number in ("JC-2026-000003", "JC-2026-000005"):  # assigned (start button), awaiting parts (parts list)
        open_job(page, api.my_job_id(number))
        expect(page.get_by_test_id("job-status")).to_be_visible()
        if page.get_by_test_id("add-task").count():
            page.get_by_test_id("add-task").click()
            expect(page.get_by_test_id("task-option").first).to_be_visible()
            page.get_by_test_id("request-parts").click()
            expect(page.get_by_test_id("item-option").first).to_be_visible()
            page.get_by_test_id("parts-submit").click()  # the form's own errors, in Thai
            expect(page.get_by_test_id("parts-item-error")).to_be_visible()
            # catalog names have Thai: they are shown in Thai (not exempted as data)
            assert re.search(r"[\u0E00-\u0E7F]", page.get_by_test_id("task-option").first.inner_text())
            assert re.search(r"[\u0E00-\u0E7F]", page.get_by_test_id("item-option").first.inner_text())
        assert english_left(page) == [], number

    page.get_by_test_id("nav-sync").click()
    expect(page.get_by_test_id("sync-screen")).to_be_visible()
    assert english_left(page) == []
