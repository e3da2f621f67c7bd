"""The user guide's screenshots and its "?" links, in headless Chromium against the real server and the built app.

Walks the main screens of each role in English and Thai at the widths the guide shows (360 px phone, 1280 px desk)
and writes each one to docs/help/img/<screen>-<width>-<lang>.png, the pictures docs/help/*/*.md show: they are
taken from the app as it is, so they never go stale (tests/ops/test_help_guide.py fails when the guide shows a
picture that SHOTS does not take). On every screen it opens, the header's "?" points at that screen's section in
the language on show; and a Thai user's tap on "?" opens the Thai guide at the section of the screen they were on.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO
from tests.e2e.helpers import go, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.portal_helpers import open_job, portal_link, send_quote, switch
from tests.e2e.test_every_screen_layout import (
    LOADING, _first_id, demo_ids, fill, registry_screens, settle, wait_ready,
)

require_browser()

pytestmark = pytest.mark.e2e

IMG = REPO / "docs" / "help" / "img"
HELP_TS = REPO / "pwa" / "src" / "main" / "help.ts"

# screen id -> (who takes it, the widths the guide shows); each is taken in en and th: <id>-<width>-<lang>.png
SHOTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "sync": ("tech", (360,)),
    "intake": ("site", (360, 1280)),
    "customers": ("site", (360,)),
    "board": ("site", (1280,)),
    "calendar": ("site", (1280,)),
    "job-card": ("site", (360,)),
    "parts-approval": ("workshop", (360,)),
    "review": ("workshop", (1280,)),
    "my-jobs": ("tech", (360,)),
    "job": ("tech", (360,)),
    "parts-issue": ("warehouse", (360,)),
    "stock": ("warehouse", (1280,)),
    "billing-queue": ("billing", (1280,)),
    "invoice": ("billing", (1280,)),
    "wh-receive": ("warehouse", (360,)),
    "dashboard": ("admin", (1280,)),
    "users": ("admin", (1280,)),
    "settings": ("admin", (360,)),
    # the customer's page (pwa/portal.html) from a portal link: the repair's progress, then a quote to decide on
    "portal": ("customer", (360,)),
    "portal-quote": ("customer", (360,)),
}
ROLE_OF = {"tech": "TECHNICIAN", "site": "SITE_MANAGER", "workshop": "WORKSHOP_MANAGER",
           "warehouse": "WAREHOUSE_MANAGER", "billing": "BILLING", "admin": "ADMIN"}
LANGS = ("en", "th")


def shot_names() -> set[str]:
    """Every file name this module writes into docs/help/img."""
    return {f"{screen}-{width}-{lang}.png" for screen, (_, widths) in SHOTS.items() for width in widths
            for lang in LANGS}


def help_sections() -> dict[str, str]:
    """help.ts's table: screen id -> 'chapter#anchor'."""
    text = HELP_TS.read_text(encoding="utf-8")
    body = text[text.index("HELP_SECTIONS"):text.index("};", text.index("HELP_SECTIONS"))]
    found = dict(re.findall(r"^\s*'?([a-z-]+)'?:\s*'([a-z-]+#[a-z0-9-]+)'", body, re.M))
    assert found, "no entries parsed from help.ts: its shape changed"
    return found


@pytest.fixture(scope="module")
def ids(server_url):
    """The every-screen test's demo records, but an invoice that waits for payment: the guide shows what to do."""
    by_role = demo_ids(server_url)
    waiting = _first_id(server_url, token_for(server_url, "admin"), "invoices",
                        "(filter: { status: [ISSUED, PARTIALLY_PAID] }, first: 1)")
    assert waiting, "the demo has no invoice waiting for payment"
    for role in by_role.values():
        if "invoices" in role:
            role["invoices"] = waiting
    return by_role


def camera(browser, server_url: str):
    """A touch profile like helpers.new_phone's, at one device pixel per CSS pixel: the pictures stay small."""
    context = browser.new_context(base_url=server_url, viewport={"width": 360, "height": 740}, device_scale_factor=1,
                                  is_mobile=True, has_touch=True, locale="th-TH")
    context.set_default_timeout(15_000)
    context.page_errors = []
    return context


def use_language(page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.set_viewport_size({"width": 1280, "height": 800})  # the switch is in the header on a desk
        page.get_by_test_id(f"lang-{lang}").click()
        page.wait_for_function("l => document.documentElement.lang === l", arg=lang)


def keep(page, name: str) -> None:
    """The page as it is on screen, written to docs/help/img/<name>.png when it differs from the one there."""
    dismiss = page.get_by_test_id("update-prompt-dismiss")  # "ready to work offline": not the point of the picture
    if dismiss.is_visible():
        dismiss.click()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    picture, target = page.screenshot(), IMG / f"{name}.png"
    if not target.is_file() or target.read_bytes() != picture:  # unchanged: left as it is
        target.write_bytes(picture)


@pytest.mark.parametrize("who", sorted({who for who, _ in SHOTS.values() if who in ROLE_OF}))
def test_the_guide_screenshots_are_taken_from_the_app_and_each_question_mark_names_its_section(browser, server_url,
                                                                                                ids, who):
    role = ROLE_OF[who]
    paths = {s["id"]: s["path"] for s in registry_screens() if role in s["roles"]}
    sections = help_sections()
    mine = [screen for screen, (taker, _) in SHOTS.items() if taker == who]
    IMG.mkdir(parents=True, exist_ok=True)
    context = camera(browser, server_url)
    try:
        page = open_page(context)
        sign_in(page, who, english=False)
        for lang in LANGS:
            use_language(page, lang)
            for screen in mine:
                assert screen in paths, f"{screen} is not a screen of {role} any more: update SHOTS"
                page.set_viewport_size({"width": 360, "height": 740})
                go(page, fill(paths[screen], ids[role]))
                wait_ready(page, screen)
                # a picture of a part still loading (a calendar's day under its controls) is no use in a guide
                page.wait_for_function(
                    "(loading) => ![...document.querySelectorAll('main#main *')]"
                    ".some((e) => !e.children.length && loading.includes(e.textContent.trim()))",
                    arg=list(LOADING), polling=100, timeout=15_000)
                href = page.get_by_test_id("help-link").get_attribute("href")
                assert href == f"/help/{lang}/{sections[screen]}", f"{lang} {screen}: the ? opens {href}"
                for width in SHOTS[screen][1]:
                    page.set_viewport_size({"width": width, "height": 740 if width < 768 else 860})
                    settle(page)
                    keep(page, f"{screen}-{width}-{lang}")
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


def test_the_customers_page_pictures_come_from_a_real_portal_link(browser, server_url):
    staff = token_for(server_url, "site")
    job = open_job(server_url, staff)
    send_quote(server_url, staff, job["id"], [("Replace front brake pads", 185000), ("Replace wiper blades", 45000)])
    context = camera(browser, server_url)
    try:
        page = open_page(context)
        page.goto(portal_link(server_url, staff, job["id"]))
        page.get_by_test_id("portal").wait_for()
        for lang in LANGS:
            switch(page, lang)
            # the status and the timeline come localized from the server: the page asks again after the switch
            status = expect(page.get_by_test_id("portal-status"))
            (status.to_have_text if lang == "th" else status.not_to_have_text)(re.compile("[\u0e00-\u0e7f]"))
            page.evaluate("() => window.scrollTo(0, 0)")
            settle(page)
            keep(page, f"portal-360-{lang}")
            page.evaluate("() => document.querySelector('[data-testid=portal-quote]').scrollIntoView()")
            settle(page)
            keep(page, f"portal-quote-360-{lang}")
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


@pytest.mark.parametrize(("who", "screen", "width", "section"), [
    ("site", "intake", 1280, "reception#open-job-card"),
    ("tech", "job", 360, "technician#job"),
])
def test_a_thai_users_question_mark_opens_the_thai_guide_at_the_screens_section(browser, server_url, ids, who, screen,
                                                                               width, section):
    role = ROLE_OF[who]
    path = {s["id"]: s["path"] for s in registry_screens() if role in s["roles"]}[screen]
    context = new_phone(browser, server_url, locale="th-TH")
    try:
        page = open_page(context)
        sign_in(page, who, english=False)
        use_language(page, "th")
        page.set_viewport_size({"width": width, "height": 740 if width < 768 else 860})
        go(page, fill(path, ids[role]))
        wait_ready(page, screen)
        link = page.get_by_test_id("help-link")
        assert link.get_attribute("aria-label") == "วิธีใช้หน้าจอนี้" and link.inner_text().endswith("วิธีใช้")
        with context.expect_page() as opened:
            link.click()
        guide = opened.value
        guide.wait_for_load_state()
        chapter, anchor = section.split("#")
        assert guide.url == f"{server_url}/help/th/{chapter}#{anchor}"
        assert guide.locator("html").get_attribute("lang") == "th"
        heading = guide.locator(f"h2#{anchor}")
        heading.wait_for()
        assert re.search(r"[\u0e00-\u0e7f]", heading.inner_text()), heading.inner_text()  # the Thai guide's heading
        in_view = guide.evaluate(
            "id => { const r = document.getElementById(id).getBoundingClientRect(); "
            "return r.top >= 0 && r.top < innerHeight; }", anchor)
        assert in_view, f"#{anchor} is not scrolled into view"
        # the guide is a page of the server, not the app: the service worker leaves it to the network
        assert guide.locator("main#main").count() == 0
        assert not context.page_errors, context.page_errors
    finally:
        context.close()
