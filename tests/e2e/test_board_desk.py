"""The job board at 360, 768 and 1280 px, in English and Thai, as the site and workshop managers use it.

- nothing overflows the page sideways and no control is covered (scrollWidth, elementFromPoint at each control);
- on a desk the board scrolls sideways a column at a time (scroll snap) with the column headers in view;
- every card has the same height; a card's upper part links to the job card (`#/jobs/<id>`);
- filters by technician, stream and revenue stream, remembered per user across a reload;
- the default site is the user's home site, a chosen site is remembered per user;
- assigning a job of a stream nobody works: the site manager is told, the workshop manager overrides with a reason;
- axe: no serious or critical violation. Screenshots of the board at 360 and 1280 px are saved as artefacts.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.e2e.helpers import axe_violations, go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems, shoot

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

THAI_JOB_BOARD = "กระดานงาน"


def context_at(browser, server_url, width: int, locale: str):
    if width < 768:
        return new_phone(browser, server_url, locale=locale)
    context = browser.new_context(base_url=server_url, viewport={"width": width, "height": 800}, locale=locale)
    context.set_default_timeout(15_000)
    context.page_errors = []
    return context


def sites(server_url, token) -> dict[str, str]:
    data = graphql(server_url, "query { sites { id name } }", token=token)
    return {("rama9" if s["name"].startswith("Rama 9") else "bangna"): s["id"] for s in data["sites"]}


def set_home_site(server_url, who_email_part: str, site_id: str) -> None:
    admin = token_for(server_url, "admin")
    users = graphql(server_url, "query { users { id email } }", token=admin)["users"]
    user = next(u for u in users if u["email"] and u["email"].startswith(who_email_part))
    done = graphql(server_url, "mutation($i: UpdateUserInput!) { updateUser(input: $i) { errors { message } } }",
                   {"i": {"id": user["id"], "homeSiteId": site_id}}, admin)
    assert not done["updateUser"]["errors"], done


@pytest.fixture(scope="module")
def homes(server_url):
    """The site and workshop managers work at Rama 9 (their home site); the demo's first site by name is Bang Na."""
    ids = sites(server_url, token_for(server_url, "site"))
    for who in ("site.manager@", "workshop.manager@"):
        set_home_site(server_url, who, ids["rama9"])
    return ids


def open_board(page, lang: str) -> None:
    sign_in(page, "site", english=lang == "en")
    if lang == "th" and page.locator("html").get_attribute("lang") != "th":
        page.get_by_test_id("lang-th").click()
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
    go(page, "board")
    expect(page.locator("[data-testid=board-job]").first).to_be_visible()


def card_heights(page) -> list[float]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=board-job]')]
        .filter((c) => !c.querySelector('[data-testid=assign-form]'))
        .map((c) => Math.round(c.getBoundingClientRect().height))""")


@pytest.mark.parametrize("lang", ["en", "th"])
def test_the_board_fits_phone_tablet_and_desk(browser, server_url, homes, lang):
    for width in (360, 768, 1280):
        context = context_at(browser, server_url, width, "th-TH" if lang == "th" else "en-US")
        try:
            page = open_page(context)
            started = time.monotonic()
            open_board(page, lang)
            # the home site is the default (not the demo's first site by name, which has no work)
            picker = page.get_by_test_id("site-picker")
            expect(picker).to_have_value(homes["rama9"])
            if lang == "th":
                expect(page.locator("h1.screen-title")).to_have_text(THAI_JOB_BOARD)
            if width in (360, 1280):
                shoot(page, f"board-{width}-{lang}")
            problems = layout_problems(page)
            assert not problems, (width, lang, problems)
            heights = card_heights(page)
            assert len(heights) >= 3 and max(heights) - min(heights) <= 1, (width, heights)  # one height rhythm
            nav = "side-nav" if width >= 768 else "bottom-nav"
            expect(page.get_by_test_id(nav)).to_be_visible()

            board = page.get_by_test_id("job-board")
            if width >= 768:
                style = board.evaluate("b => getComputedStyle(b).scrollSnapType")
                wide = board.evaluate("b => b.scrollWidth > b.clientWidth + 1")
                columns = page.locator("section[data-testid^=board-col-]")
                if wide:
                    assert "x" in style, style  # sideways a column at a time
                    board.evaluate("b => b.scrollTo({ left: b.scrollWidth })")
                    page.wait_for_timeout(400)
                    last = columns.last.locator(".board-col-title")
                    box, frame = last.bounding_box(), board.bounding_box()
                    assert frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
                    assert layout_problems(page) == []
                    board.evaluate("b => b.scrollTo({ left: 0 })")
                else:
                    for i in range(columns.count()):
                        expect(columns.nth(i)).to_be_in_viewport()
                # the headers stay in view when the cards scroll
                title = page.locator("[data-testid=board-col-RECEIVED] .board-col-title")
                if board.evaluate("b => b.scrollHeight > b.clientHeight + 1"):
                    board.evaluate("b => b.scrollTo({ top: b.scrollHeight })")
                    page.wait_for_timeout(200)
                    assert abs(title.bounding_box()["y"] - board.bounding_box()["y"]) <= 2
                    board.evaluate("b => b.scrollTo({ top: 0 })")
            assert axe_violations(page) == [], (width, lang)

            # a card opens the job card in one tap
            card = page.locator("[data-testid=board-job]").first
            job_id = card.get_attribute("data-job-id")
            link = card.get_by_test_id("board-job-link")
            assert link.get_attribute("href") == f"#/jobs/{job_id}"
            page.evaluate("window.__hashes = []; addEventListener('hashchange', () => __hashes.push(location.hash))")
            link.click()
            page.wait_for_function("() => window.__hashes.length > 0")
            assert page.evaluate("window.__hashes[0]") == f"#/jobs/{job_id}"
            expect(page.locator("main#main")).to_have_attribute("data-screen", "job-card")  # the job card's screen
            print(f"board -> job card at {width}px ({lang}): {time.monotonic() - started:.1f}s from opening the URL")
            assert not context.page_errors, context.page_errors
        finally:
            context.close()


def open_filters(page) -> None:
    """On a phone the filters fold away under one button."""
    toggle = page.locator("[data-testid=filters-toggle][aria-expanded=false]")
    if toggle.count():
        toggle.click()


def visible_cards(page):
    return page.locator("[data-testid=board-job]")


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (360, "th")])
def test_filters_are_remembered_per_user(browser, server_url, homes, width, lang):
    context = context_at(browser, server_url, width, "th-TH" if lang == "th" else "en-US")
    try:
        page = open_page(context)
        open_board(page, lang)
        shown = page.get_by_test_id("board-shown")
        total = int(shown.get_attribute("data-total"))
        streams = set(page.eval_on_selector_all("[data-testid=board-job]", "cs => cs.map((c) => c.dataset.stream)"))
        assert len(streams) >= 2, streams  # the demo board mixes streams

        open_filters(page)
        page.get_by_test_id("filter-stream").select_option("BODY")
        expect(shown).not_to_have_attribute("data-shown", str(total))
        cards = visible_cards(page)
        assert cards.count() and set(cards.evaluate_all("cs => cs.map((c) => c.dataset.stream)")) == {"BODY"}
        page.get_by_test_id("filter-technician").select_option("-")
        for who in page.locator("[data-testid=board-job] [data-testid=job-technician]").all_inner_texts():
            assert who == ("ยังไม่มอบหมาย" if lang == "th" else "Not assigned"), who
        page.get_by_test_id("filter-stream").select_option("")
        page.get_by_test_id("filter-revenue").select_option("WALK_IN")
        revenues = set(visible_cards(page).evaluate_all("cs => cs.map((c) => c.dataset.revenue)"))
        assert revenues <= {"WALK_IN"}
        filtered = shown.get_attribute("data-shown")
        assert layout_problems(page) == []

        page.reload()
        expect(shown).to_have_attribute("data-shown", filtered)
        if width < 768:  # folded: the button says two filters are on
            expect(page.get_by_test_id("filters-toggle")).to_have_text("ตัวกรอง (2)" if lang == "th" else "Filters (2)")
        open_filters(page)
        expect(page.get_by_test_id("filter-technician")).to_have_value("-")
        expect(page.get_by_test_id("filter-revenue")).to_have_value("WALK_IN")
        expect(shown).to_have_attribute("data-shown", filtered)

        page.get_by_test_id("filter-clear").click()
        expect(shown).to_have_attribute("data-shown", str(total))
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


def test_a_chosen_site_is_remembered_for_that_user_only(browser, server_url, homes):
    context = context_at(browser, server_url, 1280, "en-US")
    try:
        page = open_page(context)
        open_board(page, "en")
        picker = page.get_by_test_id("site-picker")
        expect(picker).to_have_value(homes["rama9"])
        picker.select_option(homes["bangna"])
        page.reload()
        expect(page.get_by_test_id("site-picker")).to_have_value(homes["bangna"])
        # on the same device another user still starts at their own home site
        page.get_by_test_id("account-menu").click()
        page.get_by_test_id("sign-out").click()
        expect(page.get_by_test_id("sign-in-form")).to_be_visible()
        sign_in(page, "workshop")
        go(page, "board")
        expect(page.get_by_test_id("site-picker")).to_have_value(homes["rama9"])
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


def electrical_job(server_url, site_id) -> dict:
    token = token_for(server_url, "site")
    registration = f"EL {uuid.uuid4().hex[:4].upper()}"
    done = graphql(server_url, """mutation($i: CreateJobInput!) { createJob(input: $i) {
        job { id number } errors { message } } }""", {"i": {
        "siteId": site_id, "newVehicle": {"registration": registration}, "newOwner": {"name": "Wiring Owner"},
        "operationsStream": "ELECTRICAL", "revenueStream": "WALK_IN", "issuesReported": "Dashboard lights flicker"}},
        token)
    assert not done["createJob"]["errors"], done
    return done["createJob"]["job"]


@pytest.mark.parametrize(("who", "width", "lang"), [("site", 360, "en"), ("workshop", 1280, "th")])
def test_assigning_a_job_nobody_in_its_stream_works(browser, server_url, homes, who, width, lang):
    job = electrical_job(server_url, homes["rama9"])
    context = context_at(browser, server_url, width, "th-TH" if lang == "th" else "en-US")
    try:
        page = open_page(context)
        sign_in(page, who, english=lang == "en")
        if lang == "th" and page.locator("html").get_attribute("lang") != "th":
            page.get_by_test_id("lang-th").click()
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        go(page, "board")
        card = page.locator(f"[data-testid=board-job][data-job-number='{job['number']}']")
        card.get_by_test_id("assign-open").click()
        notice = card.get_by_test_id("assign-no-stream")
        expect(notice).to_be_visible()
        if who == "site":
            # said plainly, and no dead end of an empty list with an Assign button
            expect(notice).to_contain_text("A workshop manager can assign one from another stream")
            expect(card.get_by_test_id("assign-submit")).to_have_count(0)
            assert layout_problems(page) == []
            return
        expect(notice).to_contain_text("ไม่มีช่าง")
        picker = card.get_by_test_id("assign-technician")
        prasert = picker.evaluate("s => [...s.options].find((o) => o.text.startsWith('Prasert Boonmee')).value")
        picker.select_option(prasert)  # the body technician, shown with his stream
        card.get_by_test_id("assign-submit").click()
        expect(card.get_by_test_id("field-error")).to_be_visible()  # a reason is required
        card.get_by_test_id("assign-reason").fill("ช่างไฟฟ้าลาป่วย ให้ช่างตัวถังตรวจเบื้องต้น")
        card.get_by_test_id("assign-submit").click()
        moved = page.locator(f"[data-testid=board-col-ASSIGNED] [data-job-number='{job['number']}']")
        expect(moved.get_by_test_id("job-technician")).to_have_text("Prasert Boonmee")
        server = graphql(server_url, "query($id: ID!) { job(id: $id) { status technician { name } } }",
                         {"id": job["id"]}, token_for(server_url, "workshop"))["job"]
        assert server == {"status": "ASSIGNED", "technician": {"name": "Prasert Boonmee"}}
        assert layout_problems(page) == []
        assert not context.page_errors, context.page_errors
    finally:
        context.close()
