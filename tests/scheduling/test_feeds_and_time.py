"""Calendar feeds parse with icalendar, keep their UIDs across a move (SEQUENCE grows), show a cancellation, and
answer 404 for a revoked token; a Europe/London garage books and shows the right local times across the change to
summer time; public holidays import from an ICS file, and a bad file imports nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.scheduling.models import Allocation, ClosedDay, FeedKind
from backend.scheduling.service import appointments as appts
from backend.scheduling.service import availability, calendar, feeds, setup
from tests.scheduling.helpers import (
    MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, service, set_zone, technician,
)

LONDON = "Europe/London"
FRIDAY = MONDAY + dt.timedelta(days=4)  # 26 March 2027, GMT
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)  # 29 March 2027, BST


def _events(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


async def test_london_across_summer_time_and_the_feeds(db, garage, client):
    await set_zone(db, garage, LONDON)
    site = await open_site(db, garage)
    lift = await add_bay(db, garage, site, "Lift 1")
    tech = await technician(db, garage, "Anan", valid_from=MONDAY - dt.timedelta(days=7))
    car = await make_vehicle(db, garage, "AB12CDE", owner_name="Jane Smith")
    brakes = await service(db, garage)

    # 09:00 local on each side of the change: 09:00 UTC on Friday (GMT), 08:00 UTC on Monday (BST)
    friday = await book(db, garage, site, car, [alloc(lift, tech, at(FRIDAY, "09:00", LONDON),
                                                      at(FRIDAY, "11:00", LONDON))], services=[brakes])
    monday = await book(db, garage, site, car, [alloc(lift, tech, at(NEXT_MONDAY, "09:00", LONDON),
                                                      at(NEXT_MONDAY, "11:00", LONDON))])
    assert friday.confirmed_at == dt.datetime(2027, 3, 26, 9, 0, tzinfo=dt.UTC)
    assert monday.confirmed_at == dt.datetime(2027, 3, 29, 8, 0, tzinfo=dt.UTC)
    # opening hours are wall-clock: 08:00 local on Monday is 07:00 UTC, 07:30 UTC is inside, 07:00 local is not
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, car, [alloc(lift, tech, at(NEXT_MONDAY, "07:00", LONDON),
                                                 at(NEXT_MONDAY, "08:30", LONDON))])
    assert caught.value.message("en") == "The site is closed at Mon 29 Mar 2027 07:00; book within its opening hours."
    async with db.read() as session:
        week = await calendar.week_calendar(session, garage.actor(), site.id, NEXT_MONDAY, calendar.CalendarBy.BAY)
        slots = await availability.available_slots(session, garage.actor(), site.id, "MECHANICAL", "1",
                                                   at(NEXT_MONDAY, "00:00", LONDON), 1, now=at(MONDAY, "00:00"))
    assert week.starts_at == dt.datetime(2027, 3, 29, 0, 0, tzinfo=ZoneInfo(LONDON))
    [row] = [r for r in week.rows if r.bay.id == lift.id]
    assert [a.starts_at.astimezone(ZoneInfo(LONDON)).strftime("%H:%M") for a in row.allocations] == ["09:00"]
    local = [s.starts_at.astimezone(ZoneInfo(LONDON)).strftime("%H:%M") for s in slots]
    assert local[:3] == ["08:00", "11:00", "11:30"]  # the shift 08:00-17:00 local, 09:00-11:00 taken

    # the technician's feed
    async with db.transaction() as session:
        feed, token = await feeds.create_feed(session, garage.actor(Role.SITE_MANAGER), FeedKind.TECHNICIAN, tech.id)
    response = await client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "private" in response.headers["cache-control"]
    events = _events(response.content)
    uid = f"{friday.id}@testserver"
    assert set(events) == {uid, f"{monday.id}@testserver"}
    event = events[uid]
    assert event["DTSTART"].dt == dt.datetime(2027, 3, 26, 9, 0, tzinfo=ZoneInfo(LONDON))
    assert event["DTSTART"].params["TZID"] == LONDON
    assert events[f"{monday.id}@testserver"]["DTSTART"].dt.strftime("%H:%M %z") == "09:00 +0100"
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED" and "Brake pads" in event["SUMMARY"]
    assert b"BEGIN:VTIMEZONE" in response.content and b"TZID:Europe/London" in response.content

    # a move keeps the UID and raises SEQUENCE; a cancellation stays as STATUS:CANCELLED
    async with db.transaction() as session:
        await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), friday.id,
                                     [alloc(lift, tech, at(FRIDAY, "14:00", LONDON), at(FRIDAY, "16:00", LONDON))])
        await appts.cancel_appointment(session, garage.actor(Role.SITE_MANAGER), monday.id, "Car sold")
    events = _events((await client.get(f"/calendar/{token}.ics")).content)
    assert set(events) == {uid, f"{monday.id}@testserver"}
    assert int(events[uid]["SEQUENCE"]) == 1
    assert events[uid]["DTSTART"].dt == dt.datetime(2027, 3, 26, 14, 0, tzinfo=ZoneInfo(LONDON))
    assert str(events[f"{monday.id}@testserver"]["STATUS"]) == "CANCELLED"
    assert int(events[f"{monday.id}@testserver"]["SEQUENCE"]) == 1

    # revoked and unknown tokens: the same 404
    async with db.transaction() as session:
        await feeds.revoke_feed(session, garage.actor(Role.SITE_MANAGER), feed.id)
    revoked = await client.get(f"/calendar/{token}.ics")
    unknown = await client.get(f"/calendar/{'x' * len(token)}.ics")
    assert revoked.status_code == unknown.status_code == 404 and revoked.content == unknown.content


async def test_the_site_feed_and_another_garages_feed(db, garage, other_garage, client):
    site = await open_site(db, garage)
    lift = await add_bay(db, garage, site, "Lift 1")
    tech = await technician(db, garage, "Anan")
    car = await make_vehicle(db, garage, "KB1111")
    booked = await book(db, garage, site, car, [alloc(lift, tech, at(MONDAY, "09:00"), at(MONDAY, "10:00"))])
    async with db.transaction() as session:
        _, token = await feeds.create_feed(session, garage.actor(), FeedKind.SITE, site.id)
        with pytest.raises(DomainError):
            await feeds.create_feed(session, other_garage.actor(), FeedKind.SITE, site.id)
        with pytest.raises(DomainError):
            await feeds.create_feed(session, other_garage.actor(), FeedKind.TECHNICIAN, tech.id)
    other_site = await open_site(db, other_garage, "Theirs")
    async with db.transaction() as session:
        _, their_token = await feeds.create_feed(session, other_garage.actor(), FeedKind.SITE, other_site.id)
    assert set(_events((await client.get(f"/calendar/{token}.ics")).content)) == {f"{booked.id}@testserver"}
    assert _events((await client.get(f"/calendar/{their_token}.ics")).content) == {}


HOLIDAYS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Holidays//EN
BEGIN:VEVENT
UID:songkran@example
DTSTART;VALUE=DATE:20270413
DTEND;VALUE=DATE:20270416
SUMMARY:Songkran
END:VEVENT
BEGIN:VEVENT
UID:meeting@example
DTSTART:20270420T090000Z
DTEND:20270420T100000Z
SUMMARY:A timed meeting
END:VEVENT
BEGIN:VEVENT
UID:chakri@example
DTSTART;VALUE=DATE:20270406
SUMMARY:Chakri Day
END:VEVENT
END:VCALENDAR
"""


async def test_public_holidays_from_an_ics_file(db, garage):
    site = await open_site(db, garage)
    async with db.transaction() as session:
        rows = await setup.import_closed_days(session, garage.actor(), site.id, HOLIDAYS)
    assert [(r.day.isoformat(), r.name) for r in rows] == [
        ("2027-04-06", "Chakri Day"), ("2027-04-13", "Songkran"), ("2027-04-14", "Songkran"),
        ("2027-04-15", "Songkran")]
    # importing again changes nothing; bad files import nothing and say so in both languages
    async with db.transaction() as session:
        await setup.import_closed_days(session, garage.actor(), site.id, HOLIDAYS)
    for content, code in ((b"not a calendar", ErrorCode.INVALID_ICS), (HOLIDAYS[:200], ErrorCode.INVALID_ICS),
                          (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", ErrorCode.ICS_NO_HOLIDAYS)):
        with pytest.raises(DomainError) as caught:
            async with db.transaction() as session:
                await setup.import_closed_days(session, garage.actor(), site.id, content)
        assert caught.value.code == code
        assert caught.value.message("th") != caught.value.message("en")
    async with db.read() as session:
        assert len((await session.execute(select(ClosedDay))).scalars().all()) == 4
