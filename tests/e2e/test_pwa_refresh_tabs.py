"""Two tabs of one signed-in browser whose access tokens expire while the machine sleeps, and which wake together:
both stay signed in, and between them they refresh the session once (the Web Lock holder renews and hands the new
pair to the other tab over a BroadcastChannel). Without Web Locks the tabs may both refresh, and the server answers
both with the same pair, so they still stay signed in.

The server runs with 15-second access tokens. "Asleep" is Chromium's frozen page lifecycle state (what it does to
tabs of a sleeping or hidden browser: no timer runs) for longer than the tokens live; both pages then wake within
milliseconds of each other.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import new_phone, open_page, operation_name, require_browser, sign_in

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

TTL = 15


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    saved = os.environ.get("MOTOTRACK_ACCESS_TOKEN_TTL")
    os.environ["MOTOTRACK_ACCESS_TOKEN_TTL"] = str(TTL)
    try:
        with run_server(tmp_path_factory.mktemp("e2e-refresh-tabs"), PWA_DIST) as url:
            yield url
    finally:
        if saved is None:
            os.environ.pop("MOTOTRACK_ACCESS_TOKEN_TTL", None)
        else:
            os.environ["MOTOTRACK_ACCESS_TOKEN_TTL"] = saved


def _is_refresh(request) -> bool:
    return request.method == "POST" and "/graphql" in request.url and operation_name(request) == "Refresh"


def _two_tabs_wake_together(browser, server_url, *, without_locks: bool) -> tuple[list, list]:
    context = new_phone(browser, server_url)
    try:
        if without_locks:
            context.add_init_script("Object.defineProperty(navigator, 'locks', { value: undefined });")
        refreshes, answers = [], []
        context.on("request", lambda r: refreshes.append(r) if _is_refresh(r) else None)
        context.on("response", lambda r: answers.append(r.json()) if _is_refresh(r.request) else None)
        first = open_page(context)
        sign_in(first, "tech")
        second = open_page(context)
        second.goto("/")
        second.get_by_test_id("user-name").wait_for()
        # the second tab's start-up renewal has reached the first one: both hold one access token
        second.wait_for_timeout(500)
        started = len(refreshes)
        # asleep: Chromium freezes both pages (no timer runs), while the access tokens expire on the server too
        lifecycle = [context.new_cdp_session(page) for page in (first, second)]
        for cdp in lifecycle:
            cdp.send("Page.setWebLifecycleState", {"state": "frozen"})
        time.sleep(TTL + 2)
        for cdp in lifecycle:  # awake, together: both renewal timers are long overdue
            cdp.send("Page.setWebLifecycleState", {"state": "active"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (len(refreshes) == started or len(answers) < len(refreshes)):
            first.wait_for_timeout(100)
        first.wait_for_timeout(1000)  # a second renewal, if a tab made one, would be under way by now
        woke = refreshes[started:]
        # both tabs still work as the signed-in technician, each with the access token it holds now: a reconnect
        # asks the server who is signed in (an expired token would be renewed again, and counted above)
        for page in (first, second):
            with page.expect_response(lambda r: operation_name(r.request) == "Me") as me:
                page.evaluate("dispatchEvent(new Event('online'))")
            assert me.value.json()["data"]["me"]["email"] == "technician@demo.test", me.value.json()
            expect(page.get_by_test_id("user-name")).to_be_visible()
            expect(page.get_by_test_id("sign-in-form")).to_have_count(0)
        assert len(refreshes) - started == len(woke), "a tab renewed again after the wake-up"
        errors = list(context.page_errors)
        assert not errors, errors
        return woke, answers[started:]
    finally:
        context.close()


def test_two_tabs_waking_together_refresh_once_and_stay_signed_in(browser, server_url):
    woke, answers = _two_tabs_wake_together(browser, server_url, without_locks=False)
    assert len(woke) == 1, [r.post_data for r in woke]
    assert all(a["data"]["refreshToken"]["errors"] == [] for a in answers), answers


def test_without_web_locks_two_tabs_still_stay_signed_in(browser, server_url):
    woke, answers = _two_tabs_wake_together(browser, server_url, without_locks=True)
    assert 1 <= len(woke) <= 2
    assert all(a["data"]["refreshToken"]["errors"] == [] for a in answers), answers
    assert len({a["data"]["refreshToken"]["refreshToken"] for a in answers}) == 1, answers
