"""Issue 16's booking settings screen and "ask for a time", in headless Chromium against one real server that sends
its SMS to a local HTTP provider (tests/e2e/portal_helpers.py):

1. the garage's site has a lift, opening hours (Mon-Sat 08:00-18:00) and the technicians' week; one catalog service
   is bookable and bookings are confirmed at once (staff GraphQL);
2. the administrator opens Online booking (admin/booking) on a phone, in English and Thai (nothing cut off or
   covered at 360 and 1280 px), switches to "the customer asks for a time", ticks a second service (shown with its
   hours) and saves: the staff API reads back REQUEST and both services;
3. the reminder scan sends a reminder whose SMS carries a booking link; the customer opens it, picks the service
   the administrator ticked, and besides the free times the page offers "Or ask for a time of your own": a day and
   a time within the site's opening hours; the customer asks for 10:00 on a weekday, confirms with the SMS code,
   and the page shows the appointment REQUESTED at that time; the staff API has it REQUESTED with exactly that
   requested time (10:00 in the garage's time zone) and no time held on the calendar yet.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in
from tests.e2e.portal_helpers import check_page, switch
from tests.scheduling.e2e.test_self_booking_flow import LINK, ok, server_url, signed_in, sms  # noqa: F401
from tests.scheduling.e2e.test_requests_and_closed_days import _month as show_month

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e
THAI = re.compile(r"[\u0E00-\u0E7F]")


def prepare(url: str, admin: str) -> tuple[dict, dict]:
    """Bays, opening hours and shifts; one service bookable (INSTANT); another one, not yet, for the screen."""
    for site in graphql(url, "{ sites { id } }", token=admin)["sites"]:
        ok(graphql(url, "mutation($i: BayInput!) { createBay(input: $i) { errors { code message } } }",
                   {"i": {"siteId": site["id"], "name": "Lift E2E", "kind": "LIFT", "streams": ["MECHANICAL"]}},
                   token=admin), "createBay")
        ok(graphql(url, """mutation($s: ID!, $r: [OpeningRangeInput!]!) { setOpeningHours(siteId: $s, ranges: $r) {
            errors { code message } } }""", {"s": site["id"], "r": [
            {"weekday": d, "opens": "08:00", "closes": "18:00"} for d in range(6)]}, token=admin), "setOpeningHours")
    for tech in graphql(url, "{ users(role: TECHNICIAN) { id streams } }", token=admin)["users"]:
        if "MECHANICAL" in tech["streams"]:
            ok(graphql(url, "mutation($i: SetWorkPatternInput!) { setWorkPattern(input: $i) { errors { code message } } }",
                       {"i": {"technicianId": tech["id"], "shifts": [
                           {"weekday": d, "starts": "08:00", "ends": "17:00"} for d in range(5)]}}, token=admin),
               "setWorkPattern")
    actions = [a for a in graphql(url, "{ taskActions(stream: MECHANICAL, active: true) { id nameEn nameTh "
                                       "standardHours } }", token=admin)["taskActions"]
               if 0 < float(a["standardHours"]) <= 3]
    first, second = actions[0], actions[1]
    ok(graphql(url, """mutation($i: UpdateBookingSettingsInput!) { updateBookingSettings(input: $i) {
        errors { code message } } }""", {"i": {"mode": "INSTANT", "bookableServiceIds": [first["id"]]}},
               token=admin), "updateBookingSettings")
    return first, second


def test_the_admin_opens_requests_and_the_customer_asks_for_a_time(browser, server_url, sms):
    admin, staff = signed_in(server_url, "admin"), signed_in(server_url, "site")
    before = len(sms.messages)
    first, second = prepare(server_url, admin)
    zone = ZoneInfo(graphql(server_url, "{ garage { timeZone } }", token=admin)["garage"]["timeZone"])
    errors: list[str] = []

    # ---- 2. the administrator's screen, English and Thai ----
    desk = new_phone(browser, server_url)
    screen = open_page(desk)
    sign_in(screen, "admin")
    go(screen, "admin/booking")
    form = screen.get_by_test_id("booking-settings-form")
    expect(form).to_be_visible()
    expect(screen.get_by_test_id("booking-mode-instant")).to_be_checked()
    checks = form.get_by_test_id("booking-service-check")
    expect(form.locator(f"[data-testid=booking-service-check][data-id='{first['id']}']")).to_be_checked()
    target = form.locator(f"[data-testid=booking-service-check][data-id='{second['id']}']")
    expect(target).not_to_be_checked()
    hours = f"{float(second['standardHours']):g} h"
    expect(target.locator("xpath=..")).to_contain_text(second["nameEn"])
    expect(target.locator("xpath=..")).to_contain_text(hours)
    assert checks.count() >= 2
    check_page(screen, "booking-settings-en")
    screen.get_by_test_id("lang-th").click()
    expect(screen.locator("html")).to_have_attribute("lang", "th")
    expect(screen.get_by_test_id("booking-settings-save")).to_have_text("บันทึกการตั้งค่า")
    expect(screen.get_by_test_id("booking-mode-request").locator("xpath=..")).to_contain_text("ลูกค้าขอเวลา")
    check_page(screen, "booking-settings-th")

    # a cut-off that is no number is refused on the phone; a link of 0 days by the server, both in Thai
    screen.get_by_test_id("booking-cutoff").fill("สอง")
    screen.get_by_test_id("booking-settings-save").click()
    expect(form.get_by_test_id("field-error").first).to_contain_text("ชั่วโมง")
    screen.get_by_test_id("booking-cutoff").fill("2")
    screen.get_by_test_id("booking-link-days").fill("0")
    screen.get_by_test_id("booking-settings-save").click()
    expect(form.get_by_test_id("field-error").first).to_contain_text("365")
    assert THAI.search(form.get_by_test_id("field-error").first.inner_text())
    assert graphql(server_url, "{ bookingSettings { mode linkDays } }", token=admin)["bookingSettings"] == {
        "mode": "INSTANT", "linkDays": 30}
    screen.get_by_test_id("booking-link-days").fill("30")
    screen.get_by_test_id("booking-mode-request").check()
    target.check()
    screen.get_by_test_id("booking-settings-save").click()
    expect(screen.get_by_test_id("booking-settings-saved")).to_be_visible()
    saved = graphql(server_url, "{ bookingSettings { mode cutoffHours bookableServiceIds } }",
                    token=admin)["bookingSettings"]
    assert saved["mode"] == "REQUEST" and saved["cutoffHours"] == 2, saved
    assert set(saved["bookableServiceIds"]) == {first["id"], second["id"]}, saved
    errors += desk.page_errors
    desk.close()

    # ---- 3. the booking link of a reminder: the customer asks for a time ----
    _reminder, link = sms.wait_for(rf"({LINK})", after=before, timeout=90)
    phone = new_phone(browser, server_url)
    page = open_page(phone)
    page.goto(link[1])
    page.get_by_test_id("booking").wait_for()
    switch(page, "en")
    registration = page.locator(".p-plate").inner_text()
    page.locator(f"[data-testid=booking-service][data-id='{second['id']}']").click()
    page.get_by_test_id("booking-find").click()
    ask = page.get_by_test_id("booking-ask")
    expect(ask).to_be_visible()
    expect(ask).to_contain_text("Or ask for a time of your own")
    day = dt.datetime.now(zone).date() + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    sunday = day + dt.timedelta(days=6 - day.weekday())
    show_month(ask, sunday)  # closed on Sundays: not offered, with the reason
    expect(ask.locator(f"[data-testid=booking-day][data-day='{sunday.isoformat()}']")).to_be_disabled()
    expect(ask.get_by_test_id("booking-closed-days")).to_contain_text("Closed every Sunday")
    expect(ask.get_by_test_id("booking-ask-time")).to_have_count(0)
    show_month(ask, day)
    ask.locator(f"[data-testid=booking-day][data-day='{day.isoformat()}']").click()
    times = ask.get_by_test_id("booking-ask-time")
    expect(times.locator("option[value='480']")).to_have_text("08:00")
    expect(times.locator("option[value='420']")).to_have_count(0)  # before opening: not offered
    times.select_option("600")
    wanted = dt.datetime.combine(day, dt.time(10, 0), tzinfo=zone)
    confirm = page.get_by_test_id("booking-confirm")
    expect(confirm.get_by_test_id("booking-chosen")).to_contain_text("10:00")
    switch(page, "th")
    expect(ask).to_contain_text("หรือขอเวลาที่คุณสะดวก")
    check_page(page, "booking-ask-th")
    switch(page, "en")
    expect(ask).to_contain_text("Or ask for a time of your own")  # the page re-renders once the server answers
    expect(confirm.get_by_test_id("booking-submit")).to_have_text("Send my request")
    check_page(page, "booking-ask-en")
    sent_before = len(sms.messages)
    confirm.get_by_test_id("booking-code-sms").click()
    expect(confirm.get_by_test_id("booking-code-sent")).not_to_be_empty()
    confirm.get_by_test_id("booking-code").fill(sms.code(after=sent_before))
    expect(confirm.get_by_test_id("booking-submit")).to_have_text("Send my request")
    confirm.get_by_test_id("booking-submit").click()
    card = page.get_by_test_id("booking-appointment")
    expect(card).to_have_attribute("data-status", "REQUESTED")
    expect(card.get_by_test_id("booking-when")).to_contain_text("10:00")
    errors += phone.page_errors
    phone.close()

    vehicle = graphql(server_url, "query($r: String!) { vehicleByRegistration(registration: $r) { id } }",
                      {"r": registration}, token=staff)["vehicleByRegistration"]
    [booked] = [x for x in graphql(server_url, "query($v: ID!) { bookingLinks(vehicleId: $v) { appointmentId } }",
                                   {"v": vehicle["id"]}, token=staff)["bookingLinks"] if x["appointmentId"]]
    appointment = graphql(server_url, """query($id: ID!) { appointment(id: $id) { status requestedAt confirmedAt
        allocations { startsAt } } }""", {"id": booked["appointmentId"]}, token=staff)["appointment"]
    assert appointment["status"] == "REQUESTED" and appointment["confirmedAt"] is None, appointment
    assert dt.datetime.fromisoformat(appointment["requestedAt"]) == wanted, (appointment, wanted)
    assert appointment["allocations"] == []
    assert not errors, errors
