"""The PWA's error reporter (pwa/src/shared/errors.ts) in headless Chromium against the real server: an uncaught
error and an unhandled rejection of the page reach error tracking through POST /client-errors, with the build and
the page's path, and without the token that was in the message or the fragment of the address."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, require_browser
from tests.ops.conftest import PWA_DIST

pytestmark = pytest.mark.e2e
require_browser()  # Chromium, Playwright and the build, before a server is started for nothing


def _throw_in_the_page(url: str) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/#secret-fragment-abcdefghijkl")
            page.wait_for_function("() => document.querySelector('#app') && document.querySelector('#app').children.length > 0")
            page.evaluate("""() => {
                setTimeout(() => { throw new RangeError('bad index for Bearer abcdefghijklmnopqrst'); }, 0);
                Promise.reject(new TypeError('lost the network'));
            }""")
            page.wait_for_timeout(500)
            return page.evaluate("() => document.querySelector('script[type=module][src]').src.split('/').pop()")
        finally:
            browser.close()


async def test_uncaught_errors_of_the_page_are_reported(served, sentry):
    assert (PWA_DIST / "index.html").exists()
    host, _database, _log = served
    build = await asyncio.to_thread(_throw_in_the_page, f"http://{host}")
    async with asyncio.timeout(20):
        while len([e for e in sentry.events() if e["tags"].get("component") == "pwa"]) < 2:
            await asyncio.sleep(0.1)
    events = {e["exception"]["values"][0]["type"]: e for e in sentry.events() if e["tags"].get("component") == "pwa"}
    assert set(events) == {"RangeError", "TypeError"}
    thrown, rejected = events["RangeError"], events["TypeError"]
    assert thrown["tags"]["pwa.source"] == "error" and rejected["tags"]["pwa.source"] == "unhandledrejection"
    assert thrown["exception"]["values"][0]["value"] == "bad index for Bearer [redacted]"
    assert rejected["exception"]["values"][0]["value"] == "lost the network"
    assert thrown["tags"]["pwa.release"] == build and build.endswith(".js")
    assert thrown["contexts"]["pwa"]["path"] == "/"
    sent = b"".join(sentry.envelopes).decode("utf-8", "replace")
    assert "abcdefghijklmnopqrst" not in sent and "secret-fragment" not in sent
