"""Accessibility and installability in real headless Chromium against the real server.

axe-core (pwa/node_modules/axe-core) runs on the sign-in screen and on every screen of each role: no serious or
critical violation. Chromium's own installability check (DevTools Page.getInstallabilityErrors) finds nothing.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.helpers import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    go,
    new_phone,
    open_page,
    require_browser,
    sign_in,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

# each role's screens as the navigation offers them; a screen is checked once it shows its content
ROLE_SCREENS = {
    "site": ["intake", "board", "customers"],
    "workshop": ["parts/approval", "review", "board"],
    "warehouse": ["parts/issue", "stock"],
    "admin": ["admin/users", "admin/tasks", "admin/settings"],
    "tech": ["jobs", "jobs/:first"],
    "billing": ["billing/queue", "invoices", "customers"],
}
READY = {
    "intake": "[data-testid=lookup-form]",
    "board": "[data-testid=job-board] .board-col",
    "customers": "[data-testid=customer-row]",
    "parts/approval": "[data-testid=parts-request], [data-testid=parts-empty]",
    "parts/issue": "[data-testid=parts-request], [data-testid=parts-empty]",
    "review": "[data-testid=review-job], [data-testid=review-empty]",
    "stock": "[data-testid=stock-item]",
    "admin/users": "[data-testid=user-row]",
    "admin/tasks": "[data-testid=action-row]",
    "admin/settings": "[data-testid=settings-form]",
    "jobs": "[data-testid=job-row], [data-testid=my-jobs-empty]",
    "jobs/:first": "[data-testid=job-detail]",
    "billing/queue": "[data-testid=queue-job], [data-testid=queue-empty]",
    "invoices": "[data-testid=invoice-row], [data-testid=invoices-empty]",
}


@pytest.fixture(scope="module")
def browser(browser):
    """conftest's browser, once axe-core is known to be there."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing (cd pwa && npm ci)")
    return browser


def _report(found: dict[str, list[dict]]) -> str:
    return json.dumps(found, indent=1, ensure_ascii=False)


def test_sign_in_is_installable_and_accessible(pw, server_url, tmp_path):
    # Chromium never calls an incognito profile's app installable: this one runs in a real (persistent) profile.
    context = pw.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, base_url=server_url,
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-US",
        reduced_motion="reduce",
    )
    try:
        context.set_default_timeout(15_000)
        page = context.pages[0] if context.pages else context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        page.goto("/")
        expect(page.get_by_test_id("sign-in-form")).to_be_visible()
        page.evaluate("async () => { await navigator.serviceWorker.ready; return true }")
        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], f"Chromium says the app is not installable: {errors}"
        manifest = cdp.send("Page.getAppManifest")
        assert manifest.get("url", "").endswith("/manifest.webmanifest"), manifest.get("url")
        assert not manifest.get("errors"), manifest["errors"]

        violations = axe_violations(page)
        assert violations == [], "sign-in:\n" + _report({"sign-in": violations})
        assert not page_errors, page_errors
    finally:
        context.close()


@pytest.mark.parametrize("who", [w for w, s in ROLE_SCREENS.items() if s])
def test_every_screen_of_each_role_has_no_serious_axe_violation(browser, server_url, who):
    context = new_phone(browser, server_url, reduced_motion="reduce")  # no colour transitions mid-check
    found: dict[str, list[dict]] = {}
    try:
        page = open_page(context)
        sign_in(page, who)
        for path in ROLE_SCREENS[who]:
            if path == "jobs/:first":  # a detail screen: open the first job of the list
                page.get_by_test_id("job-row").first.click()
            else:
                go(page, path)
            page.locator(READY[path]).first.wait_for()
            violations = axe_violations(page)
            if violations:
                found[path] = violations
        # and once in Thai, on the first screen: the language must not bring new problems
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
        go(page, ROLE_SCREENS[who][0])
        page.locator(READY[ROLE_SCREENS[who][0]]).first.wait_for()
        violations = axe_violations(page)
        if violations:
            found[f"{ROLE_SCREENS[who][0]} (th)"] = violations
        assert not context.page_errors, context.page_errors
    finally:
        context.close()
    assert not found, f"{who}:\n" + _report(found)
