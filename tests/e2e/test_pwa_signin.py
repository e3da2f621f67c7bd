"""The PWA in headless Chromium against the real server: sign in, customers, language, reload, sign out.

Needs /usr/bin/chromium, the `playwright` package (its sync API; no browser download) and a built pwa/dist.
Without them the module is skipped, unless MOTOTRACK_REQUIRE_SERVICES=1, which turns that into a failure.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

from tests.e2e.helpers import open_page, operation_name, require_browser, submit_sign_in
from tests.e2e.layout import open_account_menu, open_nav

require_browser()

from playwright.sync_api import Page, expect

SCREENSHOTS = Path(os.environ.get("MOTOTRACK_E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "mototrack-e2e"))

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(phone):
    # A phone: 360 px wide, touch, English browser. Each test gets a fresh profile (no stored session).
    return open_page(phone)


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_sign_in_customers_language_reload_sign_out(page: Page):
    page.goto("/")
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    expect(page.get_by_test_id("online-status")).to_have_text(re.compile("Online"))
    shoot(page, "01-sign-in-360")

    # A wrong password: the server's (localized) message is shown next to the form, and we stay on it.
    submit_sign_in(page, "admin@demo.test", "not-the-password")
    error = page.locator("[data-testid=sign-in-error] p, [data-testid=sign-in-form] .field-error").first
    expect(error).to_be_visible()
    assert error.inner_text().strip(), "the error message is empty"
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    shoot(page, "02-sign-in-error-360")

    # The right password: the header names the user, and customers are listed.
    submit_sign_in(page, "admin@demo.test")
    expect(page.get_by_test_id("user-name")).to_have_text("Anong Srisuk")
    open_nav(page, "customers")
    expect(page).to_have_url(re.compile(r"#/customers$"))
    rows = page.get_by_test_id("customer-row")
    expect(rows.first).to_be_visible()
    # The demo admin prefers Thai: the account's language wins over the browser's.
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_test_id("user-role")).to_have_text("ผู้ดูแลระบบ")

    # Switch to English (remembered on the account), then page through and search the customers.
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("sign-out")).to_have_text("Sign out")
    expect(page.get_by_test_id("user-role")).to_have_text("Administrator")
    first_page = rows.count()
    assert first_page == 20, f"expected a first page of 20 customers, got {first_page}"
    page.get_by_test_id("load-more").click()
    expect(rows).not_to_have_count(first_page)
    assert rows.count() > first_page
    expect(page.get_by_test_id("load-more")).to_have_count(0)  # all 24 demo customers are shown
    page.get_by_test_id("customer-search").fill("Whitaker")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("James Whitaker")
    expect(rows.first.locator(".plate").first).to_be_visible()
    page.get_by_test_id("customer-search").fill("")
    expect(rows).to_have_count(20)
    shoot(page, "03-customers-en-360")

    # Reload: still signed in, still in English (the preference was saved on the server).
    page.reload()
    expect(page.get_by_test_id("user-name")).to_have_text("Anong Srisuk")
    expect(page.get_by_test_id("sign-out")).to_have_text("Sign out")
    expect(rows.first).to_be_visible()

    # Offline: the badge says so, and a reload still opens the app from the precached shell, signed in,
    # with the customers saved on the device.
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.context.set_offline(True)
    expect(page.get_by_test_id("online-status")).to_have_text("Offline")
    page.reload()
    expect(page.get_by_test_id("user-name")).to_have_text("Anong Srisuk")
    expect(page.get_by_test_id("online-status")).to_have_text("Offline")
    expect(rows.first).to_be_visible()
    shoot(page, "04-offline-en-360")
    page.context.set_offline(False)
    expect(page.get_by_test_id("online-status")).to_have_text("Online")

    # Thai.
    page.get_by_test_id("lang-th").click()
    expect(page.get_by_test_id("sign-out")).to_have_text("ออกจากระบบ")
    expect(page.get_by_role("heading", name="ลูกค้า")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    shoot(page, "05-customers-th-360")

    # Sign out: back to the form, and a reload does not bring the session back.
    open_account_menu(page)
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_count(0)


def test_technician_lands_on_my_jobs_and_has_no_customers_screen(page: Page):
    page.goto("/")
    submit_sign_in(page, "technician@demo.test")
    expect(page.get_by_test_id("user-name")).to_have_text("Niran Kaewmanee")
    # The technician's home is their jobs; the navigation lists only their screens.
    expect(page.get_by_test_id("my-jobs")).to_be_visible()
    expect(page.get_by_test_id("nav-my-jobs")).to_be_visible()
    expect(page.get_by_test_id("nav-customers")).to_have_count(0)
    # A customers link typed by hand is not theirs: the router sends them home.
    page.goto("/#/customers")
    expect(page.get_by_test_id("my-jobs")).to_be_visible()
    expect(page.get_by_test_id("customer-row")).to_have_count(0)
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_role("heading", name="My jobs")).to_be_visible()
    shoot(page, "06-technician-home-en-360")


def test_a_language_chosen_right_after_sign_in_is_not_undone_by_a_late_answer(page: Page):
    """Signing in asks the server for the account (`me`); on a slow line that answer can arrive after the user has
    already switched the language. It was read before the switch, so it must not switch the language back."""
    held = []

    def hold_me(route):
        if operation_name(route.request) == "Me" and not held:
            held.append((route, route.fetch()))  # the server answers now (the account still in Thai) ...
        else:
            route.continue_()

    page.route("**/graphql", hold_me)
    page.goto("/")
    submit_sign_in(page, "warehouse.manager@demo.test")  # a Thai-speaking account
    page.get_by_test_id("user-name").wait_for()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    with page.expect_response(lambda r: "/graphql" in r.url and operation_name(r.request) == "UpdateMyPreferences"):
        page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert held, "the app did not ask for the account after signing in"
    route, stale = held[0]
    route.fulfill(response=stale)  # ... and the answer arrives only after the switch
    page.wait_for_timeout(500)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("sign-out")).to_have_text("Sign out")
    page.reload()  # and the choice was kept on the account
    page.get_by_test_id("user-name").wait_for()
    expect(page.locator("html")).to_have_attribute("lang", "en")
