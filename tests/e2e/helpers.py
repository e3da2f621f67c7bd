"""Shared pieces of the browser tests: Chromium and its arguments, one phone-sized context per person, sign-in, the
API as a test sees it, axe. The `pw`, `browser` and `phone` fixtures that use them are in conftest.py."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import PWA_DIST, REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE = os.environ.get("MOTOTRACK_REQUIRE_SERVICES") == "1"
DEMO_PASSWORD = "mototrack-demo"
AXE = REPO / "pwa" / "node_modules" / "axe-core" / "axe.min.js"

USERS = {
    "admin": "admin@demo.test",
    "site": "site.manager@demo.test",
    "tech": "technician@demo.test",
    "workshop": "workshop.manager@demo.test",
    "warehouse": "warehouse.manager@demo.test",
    "billing": "billing@demo.test",
}


def require_browser() -> None:
    """Skips the module (or fails it under MOTOTRACK_REQUIRE_SERVICES=1) when Chromium, Playwright or the build is missing."""

    def unavailable(reason: str) -> None:
        if REQUIRE:
            pytest.fail(f"MOTOTRACK_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)

    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("the playwright package is not installed")
    if not (PWA_DIST / "index.html").exists():
        unavailable(f"{PWA_DIST}/index.html is missing (build the PWA)")


def new_phone(browser, server_url: str, locale: str = "en-US", **options):
    """A fresh 360 px touch profile (no stored session); uncaught page errors are collected on `context.page_errors`."""
    context = browser.new_context(
        base_url=server_url,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        **options,
    )
    context.set_default_timeout(15_000)
    context.page_errors = []
    # a Content-Security-Policy violation (backend/api/security_headers.py) counts as an error of the page
    context.on("console", lambda message: "Refused to" in message.text and context.page_errors.append(message.text))
    return context


def operation_name(request) -> str | None:
    """The GraphQL operation a request sends (the app names its trusted documents by id, so match the name)."""
    if request.method != "POST":
        return None
    try:
        body = json.loads(request.post_data or "")
    except ValueError:
        return None
    return body.get("operationName") if isinstance(body, dict) else None


def open_page(context):
    page = context.new_page()
    page.on("pageerror", lambda exc: context.page_errors.append(str(exc)))
    return page


def submit_sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Fills the sign-in form that is on the page and sends it (waits for nothing: the answer may be an error)."""
    form = page.get_by_test_id("sign-in-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    page.get_by_test_id("sign-in-submit").click()


def sign_in(page, who: str, english: bool = True) -> None:
    """Signs in through the sign-in screen as one of USERS and waits for the shell; switches to English if asked."""
    page.goto("/")
    submit_sign_in(page, USERS[who])
    page.get_by_test_id("user-name").wait_for()
    if english and page.locator("html").get_attribute("lang") != "en":
        page.get_by_test_id("lang-en").click()
        page.wait_for_function("() => document.documentElement.lang === 'en'")


def go(page, path: str) -> None:
    """Opens a screen by its hash route, as a tap on the navigation would."""
    page.evaluate("p => { location.hash = '#/' + p }", path)


def graphql(server_url: str, query: str, variables: dict | None = None, token: str | None = None,
            lang: str | None = None) -> dict:
    """One GraphQL request to the test server (127.0.0.1), for checks a user would make on another screen."""
    headers = {"Content-Type": "application/json"}
    if lang:
        headers["Accept-Language"] = lang
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{server_url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert not body.get("errors"), body["errors"]
    return body["data"]


def token_for(server_url: str, who: str) -> str:
    data = graphql(
        server_url,
        "mutation($input: LoginInput!) { login(input: $input) { accessToken errors { message } } }",
        {"input": {"email": USERS[who], "password": DEMO_PASSWORD}},
    )
    assert not data["login"]["errors"], data["login"]["errors"]
    return data["login"]["accessToken"]


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Runs axe-core in the page and returns the violations of the given impacts (rule, impact, selectors)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the page's CSP refuses
    result = page.evaluate("async () => await axe.run(document, { resultTypes: ['violations'] })")
    found = []
    for v in result["violations"]:
        if v["impact"] in impacts:
            found.append({
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [", ".join(n["target"]) if isinstance(n["target"], list) else n["target"]
                            for n in v["nodes"]][:8],
            })
    return found
