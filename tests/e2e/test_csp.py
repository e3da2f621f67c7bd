"""The Content-Security-Policy (backend/api/security_headers.py) refuses nothing the built app or the portal does:
every screen of a role, the service worker, the live connection, the portal page. A refusal shows in the browser as
a console message "Refused to …" and a securitypolicyviolation event; both are collected and must stay empty."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import go, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.test_every_screen_layout import ROLES, demo_ids, fill, registry_screens, wait_ready

require_browser()

pytestmark = pytest.mark.e2e

WATCH = """document.addEventListener('securitypolicyviolation', (e) => {
  (window.__csp = window.__csp || []).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});"""


def watched(browser, server_url, locale="en-US"):
    context = new_phone(browser, server_url, locale=locale)  # its console's "Refused to" land in page_errors
    context.add_init_script(WATCH)  # injected by the browser's devtools protocol, which the policy does not govern
    return context


def violations(page) -> list[str]:
    return page.evaluate("() => window.__csp || []")


@pytest.mark.parametrize("role", ["SITE_MANAGER", "TECHNICIAN"])
def test_every_screen_of_a_role_runs_under_the_policy(browser, server_url, role):
    ids = demo_ids(server_url)[role]
    context = watched(browser, server_url)
    try:
        page = open_page(context)
        response = page.goto("/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        sign_in(page, ROLES[role])
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")  # sw.js registered and active
        seen = []
        for screen in registry_screens():
            if role not in screen["roles"]:
                continue
            go(page, fill(screen["path"], ids))
            wait_ready(page, screen["id"])
            seen.append(screen["id"])
            assert not violations(page), (screen["id"], violations(page))
        assert len(seen) >= 3, seen
        page.reload()  # the second load: the app shell from the service worker's precache
        page.get_by_test_id("user-name").wait_for()
        assert not violations(page), violations(page)
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


def test_the_portal_page_runs_under_the_policy(browser, server_url):
    from tests.e2e.portal_helpers import open_job, portal_link, send_quote

    staff = token_for(server_url, "site")
    job = open_job(server_url, staff)
    send_quote(server_url, staff, job["id"], [("Replace front brake pads", 185000)])
    context = watched(browser, server_url, locale="th-TH")
    try:
        page = open_page(context)
        response = page.goto(portal_link(server_url, staff, job["id"]))
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.get_by_test_id("portal").wait_for()
        page.get_by_test_id("portal-lang-en").click()
        page.wait_for_function("() => document.documentElement.lang === 'en'")
        page.goto("about:blank")
        page.goto("/p/#not-a-token-at-all-0123456789abcdef")
        page.get_by_test_id("portal-problem").wait_for()
        assert not violations(page), violations(page)
        assert not context.page_errors, context.page_errors
    finally:
        context.close()
