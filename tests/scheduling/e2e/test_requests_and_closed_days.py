"""Issue 16 in headless Chromium against one real server with the demo data:

1. the calendar: two appointments the customers asked a time for (REQUESTED, nothing allocated) are listed under
   "Requested, not yet booked"; the site manager opens one and confirms it at the asked time; the other asked for a
   time its bay and technician are taken: "Confirm at the asked time" is refused with the server's message naming
   the other appointment and nothing changes; the manager confirms it at a time of their own choice instead (read
   back over the API). In English at 1280 px and in Thai on a 360 px phone, nothing cut off or covered.
2. the booking page of a link (the portal's "book a visit", as a reminder's link opens it) in "ask for a time"
   mode: the day picker disables Sundays (no opening hours) and the site's public holiday, each with its reason
   listed under the month, in English and Thai; an open day offers its times.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems, shoot
from tests.e2e.portal_helpers import booking_link, check_page, open_job, portal_link, switch
from tests.e2e.portal_helpers import server, server_url, sms  # noqa: F401 - this module's server

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

BANGKOK = ZoneInfo("Asia/Bangkok")  # the demo garage's time zone
THAI = re.compile(r"[\u0E00-\u0E7F]")
PANEL_CONTROLS = ("[role=dialog] button, [role=dialog] a[href], [role=dialog] select, "
                  "[role=dialog] input:not([type=hidden])")


def _ok(body: dict, field: str) -> dict:
    assert not body[field].get("errors"), body
    return body[field]


def _bay_and_technician(server_url, admin, site, today, bay_name: str, tech_name: str) -> tuple[str, dict]:
    """A mechanical lift and a technician working 07:00-20:00 every day at the site (the bay's id, the user)."""
    bay = _ok(graphql(server_url, "mutation($i: BayInput!) { createBay(input: $i) { bay { id } errors { message } } }",
                      {"i": {"siteId": site["id"], "name": bay_name, "kind": "LIFT", "streams": ["MECHANICAL"]}},
                      admin), "createBay")["bay"]["id"]
    tech = _ok(graphql(server_url, """mutation($i: CreateUserInput!) { createUser(input: $i) { user { id name }
        errors { message } } }""", {"i": {"email": f"cal-{uuid.uuid4().hex[:6]}@demo.test", "name": tech_name,
                                          "password": "calendar-pass-2026", "role": "TECHNICIAN",
                                          "streams": ["MECHANICAL"], "homeSiteId": site["id"]}}, admin),
               "createUser")["user"]
    _ok(graphql(server_url, "mutation($i: SetWorkPatternInput!) { setWorkPattern(input: $i) { errors { message } } }",
                {"i": {"technicianId": tech["id"], "validFrom": (today - dt.timedelta(days=7)).isoformat(),
                       "shifts": [{"weekday": d, "starts": "07:00", "ends": "20:00", "breaks": []}
                                  for d in range(7)]}}, admin), "setWorkPattern")
    return bay, tech



def _at(day: dt.date, hhmm: str) -> str:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=BANGKOK).astimezone(dt.UTC).isoformat()


def _local(iso: str) -> str:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(BANGKOK).strftime("%H:%M")


@pytest.fixture(scope="module")
def calendar(server_url):
    """The site manager's site open every day 07:00-20:00; per language a bay and a technician working those hours,
    a confirmed booking 13:00-15:00 today, and two requests (asked for 09:00 and for 13:30 today)."""
    admin = token_for(server_url, "admin")
    home = graphql(server_url, "query { me { homeSite { id name } } }", token=token_for(server_url, "site"))
    site = home["me"]["homeSite"] or graphql(server_url, "query { sites { id name } }", token=admin)["sites"][0]
    today = dt.datetime.now(BANGKOK).date()
    _ok(graphql(server_url, """mutation($site: ID!, $ranges: [OpeningRangeInput!]!) {
        setOpeningHours(siteId: $site, ranges: $ranges) { errors { message } } }""",
                {"site": site["id"], "ranges": [{"weekday": d, "opens": "07:00", "closes": "20:00"} for d in range(7)]},
                admin), "setOpeningHours")
    action = next(a for a in graphql(server_url, "{ taskActions(stream: MECHANICAL, active: true) { id standardHours } }",
                                     token=admin)["taskActions"] if 0 < float(a["standardHours"]) <= 2)
    vehicles = [e["node"] for e in graphql(server_url, "query { vehicles(first: 6) { edges { node { id registration "
                                                       "owner { name } } } } }", token=admin)["vehicles"]["edges"]]
    out = {"site": site, "today": today, "admin": admin}
    for n, lang in enumerate(("en", "th")):
        bay, tech = _bay_and_technician(server_url, admin, site, today, f"Lift R{n}", f"Kanya R{n}")
        busy, asked, later = vehicles[3 * n:3 * n + 3]
        _ok(graphql(server_url, """mutation($i: CreateAppointmentInput!) { createAppointment(input: $i) {
            appointment { id } errors { message } } }""", {"i": {
            "siteId": site["id"], "vehicleId": busy["id"], "serviceIds": [action["id"]], "confirm": True,
            "allocations": [{"bayId": bay, "technicianId": tech["id"], "startsAt": _at(today, "13:00"),
                             "endsAt": _at(today, "15:00")}]}}, admin), "createAppointment")
        requests = []
        for vehicle, hhmm in ((asked, "09:00"), (later, "13:30")):
            made = _ok(graphql(server_url, """mutation($i: CreateAppointmentInput!) { createAppointment(input: $i) {
                appointment { id status } errors { message } } }""", {"i": {
                "siteId": site["id"], "vehicleId": vehicle["id"], "serviceIds": [action["id"]],
                "requestedAt": _at(today, hhmm)}}, admin), "createAppointment")["appointment"]
            assert made["status"] == "REQUESTED"
            requests.append({**made, "registration": vehicle["registration"]})
        out[lang] = {"bay": bay, "tech": tech, "busy": busy, "requests": requests}
    return out


def _appointment(server_url, token, aid):
    return graphql(server_url, """query($id: ID!) { appointment(id: $id) { id status
        allocations { startsAt bay { id } technician { id } } } }""", {"id": aid}, token)["appointment"]


def _layout(page, name: str, widths=(1280, 360)) -> None:
    """The open panel at each width: its controls neither cut off nor covered, no sideways scroll; a screenshot."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900 if width >= 768 else 740})
        page.wait_for_timeout(150)
        shoot(page, f"{name}-{width}")
        width_now = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width_now[0] <= width_now[1], (name, width, width_now)
        assert layout_problems(page, PANEL_CONTROLS) == [], (name, width)


@pytest.mark.parametrize("lang", ["en", "th"])
def test_a_request_is_confirmed_at_the_asked_time_or_another(browser, server_url, calendar, lang):
    world = calendar[lang]
    today, admin = calendar["today"], calendar["admin"]
    first, second = world["requests"]
    if lang == "en":
        context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        context.page_errors = []
    else:
        context = new_phone(browser, server_url)
    try:
        page = open_page(context)
        sign_in(page, "site")
        if lang == "th":
            page.get_by_test_id("lang-th").click()
            expect(page.locator("html")).to_have_attribute("lang", "th")
        go(page, "calendar")
        waiting = page.get_by_test_id("cal-unallocated")
        expect(waiting).to_be_visible(timeout=15_000)

        def open_request(request):
            dismiss = page.get_by_test_id("update-prompt-dismiss")  # a fresh server's "ready to work offline"
            if dismiss.is_visible():
                dismiss.click()
            waiting.locator("[data-testid=cal-request]", has_text=request["registration"]).click()
            panel = page.get_by_test_id("cal-panel")
            expect(panel).to_be_visible()
            panel.get_by_test_id("cal-move-bay").select_option(world["bay"])
            panel.get_by_test_id("cal-move-technician").select_option(world["tech"]["id"])
            return panel

        # the first: at the time the customer asked for
        panel = open_request(first)
        expect(panel.get_by_test_id("cal-panel-asked")).to_contain_text("09:00")
        expect(panel.get_by_test_id("cal-confirm-asked")).to_have_text(
            "Confirm at the asked time" if lang == "en" else "ยืนยันตามเวลาที่ลูกค้าขอ")
        _layout(page, f"calendar-request-{lang}")
        panel.get_by_test_id("cal-confirm-asked").click()
        expect(page.get_by_test_id("cal-panel")).to_have_count(0)
        booked = _appointment(server_url, admin, first["id"])
        assert booked["status"] == "CONFIRMED" and [_local(a["startsAt"]) for a in booked["allocations"]] == ["09:00"]
        assert booked["allocations"][0]["technician"]["id"] == world["tech"]["id"]

        # the second asked for 13:30: the bay and the technician are booked 13:00-15:00 - refused, naming it
        panel = open_request(second)
        panel.get_by_test_id("cal-confirm-asked").click()
        error = panel.get_by_test_id("cal-panel-errors")
        expect(error).to_contain_text(world["busy"]["registration"])
        assert ("already booked" in error.inner_text()) is (lang == "en")  # (the demo's customers have Thai names)
        _layout(page, f"calendar-request-clash-{lang}")
        still = _appointment(server_url, admin, second["id"])
        assert still["status"] == "REQUESTED" and still["allocations"] == []
        # ... then at the manager's own time
        panel.get_by_test_id("cal-move-start").fill(f"{today.isoformat()}T16:00")
        panel.get_by_test_id("cal-move-save").click()
        expect(page.get_by_test_id("cal-panel")).to_have_count(0)
        booked = _appointment(server_url, admin, second["id"])
        assert booked["status"] == "CONFIRMED" and [_local(a["startsAt"]) for a in booked["allocations"]] == ["16:00"]
        expect(waiting.locator("[data-testid=cal-request]", has_text=second["registration"])).to_have_count(0)
        assert context.page_errors == []
    finally:
        context.close()


def _month(ask, day: dt.date) -> None:
    """Pages the day picker to the month of `day`."""
    picker = ask.get_by_test_id("booking-ask-day")
    for _ in range(4):
        shown = picker.get_attribute("data-month")
        if shown == day.strftime("%Y-%m"):
            return
        ask.get_by_test_id("booking-month-next" if shown < day.strftime("%Y-%m") else "booking-month-prev").click()
    raise AssertionError(f"the picker does not reach {day}")


def test_the_day_picker_disables_closed_days_with_their_reason(browser, server_url):
    admin, staff = token_for(server_url, "admin"), token_for(server_url, "site")
    job = open_job(server_url, staff)
    link = booking_link(server_url, admin, portal_link(server_url, staff, job["id"]))
    _ok(graphql(server_url, """mutation($i: UpdateBookingSettingsInput!) { updateBookingSettings(input: $i) {
        errors { code message } } }""", {"i": {"mode": "REQUEST"}}, token=admin), "updateBookingSettings")
    today = dt.datetime.now(BANGKOK).date()
    holiday = today + dt.timedelta(days=4)
    while holiday.weekday() == 6:
        holiday += dt.timedelta(days=1)
    open_day = holiday + dt.timedelta(days=1)
    while open_day.weekday() == 6:
        open_day += dt.timedelta(days=1)
    sunday = holiday + dt.timedelta(days=(6 - holiday.weekday()) or 7)
    for site in graphql(server_url, "{ sites { id } }", token=admin)["sites"]:
        _ok(graphql(server_url, """mutation($s: ID!, $r: [OpeningRangeInput!]!) { setOpeningHours(siteId: $s, ranges: $r) {
            errors { code message } } }""", {"s": site["id"], "r": [
            {"weekday": d, "opens": "08:00", "closes": "18:00"} for d in range(6)]}, token=admin), "setOpeningHours")
        _ok(graphql(server_url, """mutation($s: ID!, $d: Date!, $n: String!) { addClosedDay(siteId: $s, day: $d, name: $n) {
            errors { code message } } }""", {"s": site["id"], "d": holiday.isoformat(), "n": "Songkran"}, token=admin),
            "addClosedDay")
    phone = new_phone(browser, server_url)
    try:
        page = open_page(phone)
        page.goto(link)
        page.get_by_test_id("booking").wait_for()
        switch(page, "en")
        page.get_by_test_id("booking-service").first.click()
        page.get_by_test_id("booking-find").click()
        ask = page.get_by_test_id("booking-ask")
        expect(ask).to_be_visible()
        for lang, weekly, named in (("en", "Closed every Sunday", "Closed: Songkran"),
                                    ("th", "ปิดทุกวันอาทิตย์", "ปิดทำการ: Songkran")):
            if lang == "th":
                switch(page, "th")
            for day, reason in ((holiday, named), (sunday, weekly)):
                _month(ask, day)
                cell = ask.locator(f"[data-testid=booking-day][data-day='{day.isoformat()}']")
                expect(cell).to_be_disabled()
                expect(cell).to_have_attribute("aria-label", re.compile(re.escape(reason)))
                expect(ask.get_by_test_id("booking-closed-days")).to_contain_text(weekly)
                if day == holiday:
                    expect(ask.get_by_test_id("booking-closed-days")).to_contain_text(named)
            _month(ask, open_day)
            ask.locator(f"[data-testid=booking-day][data-day='{open_day.isoformat()}']").click()
            times = ask.get_by_test_id("booking-ask-time")
            expect(times.locator("option[value='480']")).to_have_text("08:00")
            _month(ask, holiday)
            check_page(page, f"booking-closed-days-{lang}")
        assert phone.page_errors == []
    finally:
        phone.close()


def test_a_move_made_offline_waits_and_a_clash_on_replay_is_shown(browser, server_url, calendar):
    """Offline, the manager drags an appointment in the day view: it waits in the outbox, marked, and is sent when the
    device is back online (read back over the API); a second move made offline onto another appointment's time is
    refused when replayed: the calendar (and Unsent changes) says so naming the other appointment, nothing moved."""
    from tests.scheduling.e2e.test_calendar_screen import _block, _cell, _drag

    admin, today, site = calendar["admin"], calendar["today"], calendar["site"]
    # the site open 07:00-20:00 every day again (the day picker's test closes it on Sundays and at 18:00): the drags
    # below count from the day grid's first hour
    _ok(graphql(server_url, """mutation($site: ID!, $ranges: [OpeningRangeInput!]!) {
        setOpeningHours(siteId: $site, ranges: $ranges) { errors { message } } }""",
                {"site": site["id"], "ranges": [{"weekday": d, "opens": "07:00", "closes": "20:00"} for d in range(7)]},
                admin), "setOpeningHours")
    bay, tech = _bay_and_technician(server_url, admin, site, today, "Lift OFF", "Malee Offline")
    vehicles = [e["node"] for e in graphql(server_url, "query { vehicles(first: 8) { edges { node { id registration } } } }",
                                           token=admin)["vehicles"]["edges"]][6:8]
    ids = []
    for vehicle, (start, end) in zip(vehicles, (("09:00", "10:00"), ("11:00", "12:00"))):
        ids.append(_ok(graphql(server_url, """mutation($i: CreateAppointmentInput!) { createAppointment(input: $i) {
            appointment { id } errors { message } } }""", {"i": {
            "siteId": site["id"], "vehicleId": vehicle["id"], "stream": "MECHANICAL", "confirm": True,
            "allocations": [{"bayId": bay, "technicianId": tech["id"], "startsAt": _at(today, start),
                             "endsAt": _at(today, end)}]}}, admin), "createAppointment")["appointment"]["id"])
    a, b = ids
    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = open_page(context)
        sign_in(page, "site")
        go(page, "calendar")
        page.get_by_test_id("cal-view-day").click()
        block = _block(page, a)
        expect(block).to_be_visible(timeout=15_000)
        dismiss = page.get_by_test_id("update-prompt-dismiss")
        if dismiss.is_visible():
            dismiss.click()

        context.set_offline(True)
        _drag(page, block, _cell(page, tech["id"], today), 9 * 60)  # 07:00 + 9 h = 16:00
        expect(block).to_have_attribute("data-waiting", "true")
        expect(page.get_by_test_id("cal-waiting")).to_be_visible()
        assert [_local(x["startsAt"]) for x in _appointment(server_url, admin, a)["allocations"]] == ["09:00"]
        shoot(page, "calendar-offline-waiting-en-1280")
        context.set_offline(False)
        expect(page.get_by_test_id("cal-waiting")).to_have_count(0, timeout=20_000)
        moved = _appointment(server_url, admin, a)
        assert [_local(x["startsAt"]) for x in moved["allocations"]] == ["16:00"], moved

        # offline again, onto B's hour: refused when it is replayed, naming B; A stays at 16:00
        block = _block(page, a)
        expect(block).not_to_have_attribute("data-waiting", "true")
        # the calendar reloads after the sent move (and its live event): on a slow machine that reload, arriving
        # mid-drag, replaced the dragged block and the drop never happened; drag once it has been drawn again
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        context.set_offline(True)
        _drag(page, block, _cell(page, tech["id"], today), 4 * 60)  # 11:00
        expect(page.get_by_test_id("cal-waiting")).to_be_visible()
        context.set_offline(False)
        refused = page.get_by_test_id("cal-move-refused")
        expect(refused).to_contain_text(vehicles[1]["registration"], timeout=20_000)
        assert [_local(x["startsAt"]) for x in _appointment(server_url, admin, a)["allocations"]] == ["16:00"]
        for lang in ("en", "th"):
            if lang == "th":
                page.get_by_test_id("lang-th").click()
                expect(page.locator("html")).to_have_attribute("lang", "th")
                expect(refused).to_contain_text("ย้ายไม่สำเร็จ")
            else:
                expect(refused).to_contain_text("Not moved")
            for width in (1280, 360):
                page.set_viewport_size({"width": width, "height": 900 if width >= 768 else 740})
                page.wait_for_timeout(150)
                refused.scroll_into_view_if_needed()
                shoot(page, f"calendar-move-refused-{lang}-{width}")
                assert layout_problems(page) == [], (lang, width)
        go(page, "sync")  # nothing lost: the refused move is listed under Unsent changes
        expect(page.locator("body")).to_contain_text(vehicles[0]["registration"])
    finally:
        context.close()
