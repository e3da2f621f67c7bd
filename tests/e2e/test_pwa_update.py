"""A new version of the PWA deployed while the app is open: the update prompt, in headless Chromium.

This module runs its own server on a served directory it controls: version A is a copy of the build with a build id
in index.html; version B is the same copy with another build id, and sw.js's precache manifest gets index.html's new
revision (Workbox's md5 of the file), exactly as a real build would change it. The app must offer the update (and not
take it by itself), reload into B when asked, and keep what the user queued offline across the switch.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import graphql, new_phone, open_page, require_browser, sign_in, \
    token_for

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

THAI = json.loads((Path(__file__).resolve().parents[2] / "pwa" / "src" / "generated" / "messages.th.json")
                  .read_text(encoding="utf-8"))
BUILD_META = '<meta name="mototrack-build" content="{}">'
INDEX_ENTRY = re.compile(r'\{"revision":"[0-9a-f]{32}","url":"index\.html"\}')


def deploy(served: Path, build: str) -> None:
    """Puts build `build` of the app in place: index.html carries the build id, sw.js precaches that index.html."""
    index = (PWA_DIST / "index.html").read_text(encoding="utf-8")
    assert "</head>" in index
    index = index.replace("</head>", BUILD_META.format(build) + "</head>", 1)
    sw = (PWA_DIST / "sw.js").read_text(encoding="utf-8")
    revision = hashlib.md5(index.encode("utf-8")).hexdigest()
    sw, found = INDEX_ENTRY.subn(json.dumps({"revision": revision, "url": "index.html"}, separators=(",", ":")), sw)
    assert found == 1, "sw.js: index.html's precache entry not found (has the manifest's format changed?)"
    # sw.js last, as a deployment would: the new worker only ever sees the new files.
    (served / "index.html").write_text(index, encoding="utf-8")
    (served / "sw.js").write_text(sw, encoding="utf-8")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, served directory): the server serves version A of the app from a copy this module controls."""
    tmp = tmp_path_factory.mktemp("e2e-update")
    dist = tmp / "dist"
    shutil.copytree(PWA_DIST, dist)
    deploy(dist, "A")
    (tmp / "server").mkdir()
    with run_server(tmp / "server", dist) as url:
        yield url, dist


def build_id(page) -> str:
    return page.locator("meta[name=mototrack-build]").get_attribute("content")


def test_a_new_version_is_offered_and_nothing_queued_is_lost(browser, served):
    url, dist = served
    token = token_for(url, "tech")
    jobs = graphql(url, "{ myJobs { id number } }", token=token)["myJobs"]
    job_id = next(j["id"] for j in jobs if j["number"] == "JC-2026-000004")

    context = new_phone(browser, url, locale="th-TH")
    try:
        page = open_page(context)
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        sign_in(page, "tech", english=False)
        if page.locator("html").get_attribute("lang") != "th":
            page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
        page.goto(f"/#/jobs/{job_id}")
        expect(page.get_by_test_id("job-detail")).to_have_attribute("data-job-id", job_id)
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)
        assert build_id(page) == "A"

        # A change queued while the server is out of reach (GraphQL only: the app's files still load).
        page.route("**/graphql", lambda route: route.abort())
        notes = "เปลี่ยนน้ำมันเครื่องแล้ว รอเปลี่ยนสายพาน"
        page.get_by_test_id("notes-input").fill(notes)
        page.get_by_test_id("notes-save").click()
        badge = page.get_by_test_id("sync-badge")
        expect(badge).to_have_attribute("data-count", "1")

        # Version B goes live; the open app looks for it (it does so hourly by itself).
        deploy(dist, "B")
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        prompt = page.get_by_test_id("update-prompt").filter(has_text=THAI["A new version of MotoTrack is available."])
        expect(prompt).to_be_visible(timeout=20_000)
        assert build_id(page) == "A", "the new version must wait for the user"

        # "Later": the prompt goes, the app stays on A with the user's work; a reload still does not switch.
        prompt.get_by_role("button", name=THAI["Later"]).click()
        expect(prompt).to_have_count(0)
        page.reload()
        expect(page.get_by_test_id("job-detail")).to_be_visible()
        assert build_id(page) == "A"
        expect(badge).to_have_attribute("data-count", "1")
        # ... and the prompt comes back, since B is still waiting.
        expect(prompt).to_be_visible(timeout=20_000)

        # "Update now": B takes over and the page reloads into it.
        prompt.get_by_role("button", name=THAI["Update now"]).click()
        expect(page.locator("meta[name=mototrack-build]")).to_have_attribute("content", "B", timeout=20_000)
        expect(page.get_by_test_id("job-detail")).to_have_attribute("data-job-id", job_id)
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)
        assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => !r.waiting)")
        expect(page.get_by_test_id("update-prompt").filter(
            has_text=THAI["A new version of MotoTrack is available."])).to_have_count(0)

        # Nothing was lost across the update: the queued change and the notes the user typed are still there ...
        expect(badge).to_have_attribute("data-count", "1")
        expect(page.get_by_test_id("notes-input")).to_have_value(notes)

        # ... and reach the server once it answers again.
        page.unroute("**/graphql")
        context.set_offline(True)  # an "online" event: the app drains its outbox
        context.set_offline(False)
        expect(badge).to_have_attribute("data-count", "0", timeout=30_000)
        job = graphql(url, "query J($id: ID!) { job(id: $id) { workDoneNotes } }", {"id": job_id}, token=token)["job"]
        assert job["workDoneNotes"] == notes

        assert not context.page_errors, context.page_errors
        # Failed GraphQL requests while the server was unreachable are expected console noise; nothing else is.
        unexpected = [c for c in console if "Failed to load resource" not in c and "ERR_FAILED" not in c]
        assert not unexpected, unexpected
    finally:
        context.close()
