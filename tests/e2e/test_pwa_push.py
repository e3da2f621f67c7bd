"""The header's "Allow notifications" toggle (web push), in headless Chromium against the real server.

There is no internet here, so the browser's push service (FCM for Chromium) is out of reach: PushManager.subscribe
then never answers. These tests check what the user sees: a refusal by the browser is explained, and a push service
that fails is a clear message while the app keeps working; never an uncaught error. Should the push service answer
(a machine with internet), the subscription must then be on the server for the signed-in user.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, USERS, go, new_phone, open_page, require_browser, sign_in
from tests.e2e.layout import open_account_menu

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

THAI = json.loads((Path(__file__).resolve().parents[2] / "pwa" / "src" / "generated" / "messages.th.json")
                  .read_text(encoding="utf-8"))
BLOCKED = "Notifications are blocked in the browser settings."
FAILED = "Notifications could not be turned on for this device. Try again later."
# Chromium's own console line for the Push API in a normal (incognito-like) Playwright context: not the app's.
CHROMIUM_INCOGNITO = "does not support the Push API in incognito mode"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The server with its SQLite file known to the test (push subscriptions have no query to read them back)."""
    tmp = tmp_path_factory.mktemp("e2e-push")
    with run_server(tmp, PWA_DIST) as url:
        yield url, tmp / "e2e.db"


def watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and CHROMIUM_INCOGNITO not in m.text
            else None)
    return errors


def subscriptions_of(db: Path, who: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT count(*) FROM push_subscriptions p JOIN users u ON u.id = p.user_id WHERE u.email = ?",
            (USERS[who],),
        ).fetchone()[0]


def test_blocked_notifications_are_explained(browser, served):
    url, _db = served
    context = new_phone(browser, url)  # no "notifications" permission: the browser answers the prompt with "denied"
    try:
        page = open_page(context)
        console = watch_console(page)
        sign_in(page, "workshop")
        open_account_menu(page)
        toggle = page.get_by_test_id("notify-toggle")
        expect(toggle).to_have_text("Allow notifications")
        toggle.click()

        message = page.get_by_test_id("notify-message")
        expect(message).to_have_attribute("data-kind", "blocked")
        expect(message).to_contain_text(BLOCKED)
        expect(message).to_have_attribute("role", "alert")
        expect(toggle).to_have_text("Notifications blocked")
        expect(toggle).to_have_attribute("aria-describedby", "notify-message")
        expect(toggle).to_be_enabled()  # a tap says why, instead of a dead button

        page.get_by_test_id("notify-message-close").click()
        expect(message).to_have_count(0)
        toggle.click()  # asked again: the explanation comes back, nothing is thrown
        expect(message).to_contain_text(BLOCKED)

        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
        expect(message).to_contain_text(THAI[BLOCKED])
        expect(toggle).to_have_text(THAI["Notifications blocked"])

        assert not context.page_errors, context.page_errors
        assert not console, console
    finally:
        context.close()


def test_granted_notifications_register_or_fail_clearly(pw, served):
    url, db = served
    # A persistent profile: Chromium refuses the Push API outright in Playwright's ordinary (incognito-like) contexts,
    # and here it must try the real push service.
    with tempfile.TemporaryDirectory(prefix="mototrack-push-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, base_url=url, locale="en-US",
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
        )
        try:
            context.set_default_timeout(15_000)
            context.grant_permissions(["notifications"], origin=url)
            page = context.pages[0] if context.pages else context.new_page()
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            console = watch_console(page)
            sign_in(page, "workshop")
            page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)
            assert page.evaluate("Notification.permission") == "granted"
            assert subscriptions_of(db, "workshop") == 0

            open_account_menu(page)
            toggle = page.get_by_test_id("notify-toggle")
            expect(toggle).to_have_text("Allow notifications")
            toggle.click()
            expect(toggle).to_be_disabled()  # working on it: no second tap meanwhile
            # Either the push service answered and the server has the subscription, or the user is told (the app's
            # timeout for an unreachable push service is 15 s).
            page.wait_for_function(
                """() => document.querySelector('[data-testid=notify-message]')
                         || document.querySelector('[data-testid=notify-toggle]')?.dataset.state === 'on'""",
                timeout=30_000,
            )
            if toggle.get_attribute("data-state") == "on":
                expect(toggle).to_have_text("Notifications on")
                expect(toggle).to_have_attribute("aria-pressed", "true")
                assert subscriptions_of(db, "workshop") == 1
            else:
                message = page.get_by_test_id("notify-message")
                expect(message).to_have_attribute("data-kind", "enable-failed")
                expect(message).to_contain_text(FAILED)
                expect(toggle).to_have_text("Allow notifications")
                expect(toggle).to_be_enabled()  # can be tried again later
                assert subscriptions_of(db, "workshop") == 0
                page.get_by_test_id("lang-th").click()
                page.wait_for_function("() => document.documentElement.lang === 'th'")
                expect(message).to_contain_text(THAI[FAILED])
                page.get_by_test_id("lang-en").click()

            # The app still works: another screen opens and the header is intact.
            go(page, "customers")
            expect(page.get_by_test_id("user-name")).to_be_visible()
            expect(page.get_by_test_id("sync-badge")).to_have_attribute("data-count", "0")
            assert not page_errors, page_errors
            assert not console, console
        finally:
            context.close()
