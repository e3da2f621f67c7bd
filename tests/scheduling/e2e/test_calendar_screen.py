"""The appointment calendar and the arrivals list in headless Chromium, against a real server with the demo data.

A site manager opens the calendar (week view at 1280 px, day view by default on a phone), drags an appointment to
another technician and time in the day view: it is saved (read back over the API) and the admin, another user
looking at the same site in a second browser, sees it move live. A drag onto another appointment's time is refused
with the server's message naming the clashing appointment, and the block snaps back, unchanged. The arrivals list's
"Arrived" opens the job card and goes to it. In English and in Thai; at 360 and 1280 px nothing is cut off or
covered and the page never scrolls sideways (the grid scrolls inside itself).
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import server_url  # noqa: F401 - this module's demo server (Chromium: the package conftest)
from tests.e2e.helpers import axe_violations, go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems, shoot

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

BANGKOK = ZoneInfo("Asia/Bangkok")  # the demo garage's time zone
OPENS, CLOSES = "07:00", "20:00"


def _at(day: dt.date, hhmm: str) -> str:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=BANGKOK).astimezone(dt.UTC).isoformat()


def _local(iso: str) -> str:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M")


@pytest.fixture(scope="module")
def world(server_url):
    """Two bays and two mechanical technicians working every day 07:00-20:00 at a site open the same hours, and two
    appointments today: A with the first technician 09:00-10:00, B with the second 11:00-12:00."""
    admin = token_for(server_url, "admin")
    # the site manager's home site, the one their calendar opens on (the admin picks it below)
    home = graphql(server_url, "query { me { homeSite { id name } } }", token=token_for(server_url, "site"))
    site = home["me"]["homeSite"] or graphql(server_url, "query { sites { id name } }", token=admin)["sites"][0]
    today = dt.datetime.now(BANGKOK).date()
    done = graphql(server_url, """mutation($site: ID!, $ranges: [OpeningRangeInput!]!) {
        setOpeningHours(siteId: $site, ranges: $ranges) { errors { message } } }""",
                   {"site": site["id"], "ranges": [{"weekday": d, "opens": OPENS, "closes": CLOSES} for d in range(7)]},
                   admin)
    assert not done["setOpeningHours"]["errors"], done
    bays = []
    for name in ("Lift A", "Lift B"):
        made = graphql(server_url, """mutation($i: BayInput!) { createBay(input: $i) { bay { id } errors { message } } }""",
                       {"i": {"siteId": site["id"], "name": name, "kind": "LIFT", "streams": ["MECHANICAL"]}}, admin)
        assert not made["createBay"]["errors"], made
        bays.append(made["createBay"]["bay"]["id"])
    techs = graphql(server_url, "query { users(role: TECHNICIAN) { id name streams } }", token=admin)["users"]
    first = next(u for u in techs if "MECHANICAL" in u["streams"])
    made = graphql(server_url, """mutation($i: CreateUserInput!) { createUser(input: $i) { user { id name } errors { message } } }""",
                   {"i": {"email": f"cal-{uuid.uuid4().hex[:6]}@demo.test", "name": "Somsak Calendar",
                          "password": "calendar-pass-2026", "role": "TECHNICIAN", "streams": ["MECHANICAL"],
                          "homeSiteId": site["id"]}}, admin)
    assert not made["createUser"]["errors"], made
    second = made["createUser"]["user"]
    for tech in (first, second):
        done = graphql(server_url, """mutation($i: SetWorkPatternInput!) { setWorkPattern(input: $i) { errors { message } } }""",
                       {"i": {"technicianId": tech["id"], "validFrom": (today - dt.timedelta(days=7)).isoformat(),
                              "shifts": [{"weekday": d, "starts": OPENS, "ends": CLOSES, "breaks": []} for d in range(7)]}},
                       admin)
        assert not done["setWorkPattern"]["errors"], done
    vehicles = graphql(server_url, "query { vehicles(first: 2) { edges { node { id registration owner { name } } } } }",
                       token=admin)["vehicles"]["edges"]
    booked = []
    for n, (tech, bay, start, end) in enumerate(((first, bays[0], "09:00", "10:00"), (second, bays[1], "11:00", "12:00"))):
        made = graphql(server_url, """mutation($i: CreateAppointmentInput!) { createAppointment(input: $i) {
            appointment { id } errors { message } } }""", {"i": {
            "siteId": site["id"], "vehicleId": vehicles[n]["node"]["id"], "stream": "MECHANICAL", "confirm": True,
            "notes": "Brakes squeal", "allocations": [{"bayId": bay, "technicianId": tech["id"],
                                                       "startsAt": _at(today, start), "endsAt": _at(today, end)}]}},
                       admin)
        assert not made["createAppointment"]["errors"], made
        booked.append(made["createAppointment"]["appointment"]["id"])
    return {"site": site, "today": today, "first": first, "second": second, "bays": bays, "a": booked[0],
            "b": booked[1], "vehicles": [v["node"] for v in vehicles], "admin": admin}


def _appointment(server_url, token, aid):
    return graphql(server_url, """query($id: ID!) { appointment(id: $id) { id status version
        allocations { startsAt endsAt technician { id name } bay { id } } job { id number } } }""",
                   {"id": aid}, token)["appointment"]


def _sign_in(page, who, english):
    sign_in(page, who)
    if not english:
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")


def _desk(browser, server_url, locale="en-US"):
    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900}, locale=locale)
    context.set_default_timeout(15_000)
    context.page_errors = []
    return context


PANEL_CONTROLS = ("[role=dialog] button, [role=dialog] a[href], [role=dialog] select, "
                  "[role=dialog] input:not([type=hidden])")


def _no_overflow(page, name, selector=None):
    """Nothing cut off or covered, no sideways scroll of the page; with an open panel (a modal), its own controls."""
    page.wait_for_timeout(200)
    shoot(page, name)
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name}: the page is {width[0]}px wide in a {width[1]}px window"
    assert (layout_problems(page, selector) if selector else layout_problems(page)) == [], name
    assert axe_violations(page) == [], name


def _drag(page, block, cell, minute_from_open: int | None):
    """Drags a block by its left edge into a cell: (day view) to that many minutes after the grid's first hour."""
    box = block.bounding_box()
    target = cell.bounding_box()
    x0, y0 = box["x"] + 3, box["y"] + box["height"] / 2
    if minute_from_open is None:
        x1 = target["x"] + target["width"] / 2
    else:
        span = (int(CLOSES[:2]) - int(OPENS[:2])) * 60
        x1 = target["x"] + target["width"] * minute_from_open / span + 3
    y1 = target["y"] + target["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10)
    page.mouse.up()


def _block(page, aid):
    return page.locator(f"[data-testid=cal-block][data-appointment='{aid}']")


def _cell(page, row_id, day):
    return page.locator(f"[data-testid=cal-cell][data-row='{row_id}'][data-day='{day.isoformat()}']")


def test_drag_moves_live_a_clash_snaps_back_and_arrived_opens_the_job(browser, server_url, world):
    today = world["today"]
    first, second = world["first"], world["second"]
    manager = _desk(browser, server_url)
    other = _desk(browser, server_url)
    try:
        page = open_page(manager)
        sign_in(page, "site")
        go(page, "calendar")
        expect(page.get_by_test_id("calendar-screen")).to_be_visible()
        # a desk opens the week: seven days, each with its booked / available hours
        expect(page.get_by_test_id("cal-dayhead")).to_have_count(7)
        capacity = page.locator(f"[data-testid=cal-dayhead][data-day='{today.isoformat()}'] [data-testid=cal-capacity]")
        expect(capacity).to_have_text("2 / 26 h")  # 2 booked of 2 technicians x 13 h
        block = _block(page, world["a"])
        expect(block).to_contain_text(world["vehicles"][0]["registration"])
        expect(block).to_have_attribute("data-status", "CONFIRMED")
        _no_overflow(page, "calendar-week-1280-en")

        # the admin looks at the same site from another browser
        watcher = open_page(other)
        sign_in(watcher, "admin")
        go(watcher, "calendar")
        expect(watcher.get_by_test_id("calendar-screen")).to_be_visible()
        if watcher.get_by_test_id("site-picker").count():
            watcher.get_by_test_id("site-picker").select_option(world["site"]["id"])
        watcher.get_by_test_id("cal-view-day").click()
        expect(_block(watcher, world["a"])).to_be_visible()
        expect(watcher.get_by_test_id("live-status")).to_have_attribute("data-status", "open")

        # day view: drag A from the first technician at 09:00 to the second at 14:00
        page.get_by_test_id("cal-view-day").click()
        expect(page.get_by_test_id("cal-dayhead")).to_have_count(1)
        expect(page.get_by_test_id("live-status")).to_have_attribute("data-status", "open")
        _drag(page, _block(page, world["a"]), _cell(page, second["id"], today), 7 * 60)
        expect(page.get_by_test_id("cal-panel")).to_have_count(0)  # a drag is not a tap
        expect(_cell(page, second["id"], today).locator(f"[data-appointment='{world['a']}']")).to_be_visible()
        saved = _appointment(server_url, world["admin"], world["a"])
        assert [(a["technician"]["id"], _local(a["startsAt"]), _local(a["endsAt"])) for a in saved["allocations"]] == [
            (second["id"], f"{today} 14:00", f"{today} 15:00")]
        # ... and the admin's page shows it moved, without a reload
        expect(_cell(watcher, second["id"], today).locator(f"[data-appointment='{world['a']}']")).to_be_visible()
        expect(_cell(watcher, first["id"], today).locator(f"[data-appointment='{world['a']}']")).to_have_count(0)

        # a drag of B onto A's new time is refused, naming A, and B snaps back to where it was
        before = _appointment(server_url, world["admin"], world["b"])
        _drag(page, _block(page, world["b"]), _cell(page, second["id"], today), 7 * 60 + 30)
        error = page.get_by_test_id("calendar-error")
        expect(error).to_contain_text("is already booked from")
        expect(error).to_contain_text(world["vehicles"][0]["registration"])
        page.wait_for_function(
            "id => { const b = document.querySelector(`[data-appointment='${id}']`); return b && !b.style.transform }",
            arg=world["b"])
        assert _appointment(server_url, world["admin"], world["b"]) == before

        # tap a block: the panel shows it, with the move form and Arrived
        _block(page, world["b"]).click()
        expect(page.get_by_test_id("cal-panel")).to_be_visible()
        expect(page.get_by_test_id("cal-move-form")).to_be_visible()
        _no_overflow(page, "calendar-panel-1280-en", PANEL_CONTROLS)
        page.get_by_test_id("cal-panel-close").click()

        # reception's arrivals of the day: one tap on Arrived opens B's job card
        go(page, "arrivals")
        row = page.locator(f"[data-testid=arrival][data-appointment='{world['b']}']")
        expect(row).to_contain_text(world["vehicles"][1]["registration"])
        _no_overflow(page, "arrivals-1280-en")
        row.get_by_test_id("arrival-arrived").click()
        page.wait_for_url("**/#/jobs/*")
        job = _appointment(server_url, world["admin"], world["b"])
        assert job["status"] == "ARRIVED" and job["job"] is not None
        assert page.url.endswith(f"#/jobs/{job['job']['id']}")
        expect(page.get_by_test_id("job-card")).to_have_attribute("data-job-id", job["job"]["id"])
        assert not manager.page_errors and not other.page_errors, (manager.page_errors, other.page_errors)
    finally:
        manager.close()
        other.close()


def test_a_new_appointment_from_an_empty_slot(browser, server_url, world):
    today, first = world["today"], world["first"]
    desk = _desk(browser, server_url)
    try:
        page = open_page(desk)
        sign_in(page, "site")
        go(page, "calendar")
        page.get_by_test_id("cal-view-day").click()
        cell = _cell(page, first["id"], today)
        expect(cell).to_be_visible()
        before = cell.locator("[data-testid=cal-block]").count()
        box = cell.bounding_box()
        span = (int(CLOSES[:2]) - int(OPENS[:2])) * 60
        # tap the first technician's empty 16:00
        page.mouse.click(box["x"] + box["width"] * (9 * 60 + 5) / span, box["y"] + box["height"] / 2)
        panel = page.get_by_test_id("cal-new")
        expect(panel).to_be_visible()
        expect(page.get_by_test_id("cal-new-start")).to_have_value(f"{today.isoformat()}T16:00")
        expect(page.get_by_test_id("cal-new-technician")).to_have_value(first["id"])
        page.get_by_test_id("cal-new-registration").fill(world["vehicles"][0]["registration"])
        page.get_by_test_id("cal-new-find").click()
        expect(page.get_by_test_id("cal-new-vehicle")).to_be_visible()
        page.locator("[data-testid=cal-new-service][data-stream=MECHANICAL]").first.check()
        # the server's free slots are offered
        expect(page.get_by_test_id("cal-slot").first).to_be_visible()
        page.get_by_test_id("cal-new-technician").select_option(first["id"])
        page.get_by_test_id("cal-new-bay").select_option(world["bays"][0])
        page.get_by_test_id("cal-new-start").fill(f"{today.isoformat()}T16:00")
        _no_overflow(page, "calendar-new-1280-en", PANEL_CONTROLS)
        page.get_by_test_id("cal-new-save").click()
        expect(panel).to_have_count(0)
        expect(cell.locator("[data-testid=cal-block]")).to_have_count(before + 1)
        expect(cell).to_contain_text(world["vehicles"][0]["registration"])
        assert not desk.page_errors, desk.page_errors
    finally:
        desk.close()


def test_thai_and_the_phone_layout(browser, server_url, world):
    today = world["today"]
    for locale, english in (("th-TH", False), ("en-US", True)):
        phone = new_phone(browser, server_url, locale=locale)
        try:
            page = open_page(phone)
            _sign_in(page, "site", english)
            go(page, "calendar")
            expect(page.get_by_test_id("calendar-screen")).to_be_visible()
            # a phone opens the day view; the grid scrolls inside itself, the page does not
            expect(page.get_by_test_id("cal-dayhead")).to_have_count(1)
            expect(page.locator("[data-testid=cal-block]").first).to_be_visible()
            lang = "en" if english else "th"
            expect(page.locator(".screen-title")).to_have_text("Calendar" if english else "ตารางนัด")
            _no_overflow(page, f"calendar-day-360-{lang}")
            page.get_by_test_id("cal-view-week").click()
            expect(page.get_by_test_id("cal-dayhead")).to_have_count(7)
            _no_overflow(page, f"calendar-week-360-{lang}")
            scroll = page.get_by_test_id("cal-grid")
            assert scroll.evaluate("el => el.scrollWidth > el.clientWidth"), "the week scrolls inside the grid"
            if not english:
                # moved by the form: a clash is refused in Thai, naming the appointment it clashes with (B, which
                # arrived and still holds the second technician 11:00-12:00), and A stays where it was
                page.get_by_test_id("cal-view-day").click()
                before = _appointment(server_url, world["admin"], world["a"])
                _block(page, world["a"]).click()
                page.get_by_test_id("cal-move-start").fill(f"{today.isoformat()}T11:30")
                page.get_by_test_id("cal-move-technician").select_option(world["second"]["id"])
                page.get_by_test_id("cal-move-save").click()
                errors = page.get_by_test_id("cal-panel-errors")
                expect(errors).to_contain_text("มีนัดแล้ว")
                expect(errors).to_contain_text(world["vehicles"][1]["registration"])
                assert _appointment(server_url, world["admin"], world["a"]) == before
                # past closing time: refused in Thai too
                page.get_by_test_id("cal-move-start").fill(f"{today.isoformat()}T19:30")
                page.get_by_test_id("cal-move-save").click()
                expect(errors).to_contain_text("สาขาปิด")
                _no_overflow(page, "calendar-panel-360-th", PANEL_CONTROLS)
                page.get_by_test_id("cal-panel-close").click()
            go(page, "arrivals")
            expect(page.get_by_test_id("arrivals-screen")).to_be_visible()
            expect(page.locator(".screen-title")).to_have_text("Arrivals today" if english else "รถเข้าวันนี้")
            expect(page.get_by_test_id("arrival").first).to_be_visible()
            _no_overflow(page, f"arrivals-360-{lang}")
            assert not phone.page_errors, phone.page_errors
        finally:
            phone.close()
        desk = _desk(browser, server_url, locale=locale)
        try:
            page = open_page(desk)
            _sign_in(page, "site", english)
            go(page, "calendar")
            expect(page.get_by_test_id("cal-dayhead")).to_have_count(7)
            _no_overflow(page, f"calendar-week-1280-{'en' if english else 'th'}")
            go(page, "arrivals")
            expect(page.get_by_test_id("arrival").first).to_be_visible()
            _no_overflow(page, f"arrivals-1280-{'en' if english else 'th'}")
        finally:
            desk.close()
