"""The booking page's day picker (pwa/src/portal/Booking.tsx) offers no day the site is closed: the page reads the
site's opening weekdays and its closed days ahead (`booking { closedDays }`: from the garage's today, as far as a
time may be asked for; not another site's, not past ones), and the server refuses a time asked for on a closed day
or a weekday without opening hours, in the customer's language, booking nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from backend.scheduling.booking import service as booking
from backend.scheduling.service import setup
from tests.scheduling.helpers import at, open_site
from tests.scheduling.test_booking_requested_time import _appointments
from tests.scheduling.test_self_booking import (  # noqa: F401  (the SMS sink fixture)
    BOOK, ask, code, data, next_weekday, send_reminder, sms, world,
)

THAI = re.compile(r"[\u0E00-\u0E7F]")
PAGE = "query { booking { mode closedDays { day name } openingHours { weekday } } }"


async def _closed(db, garage, site, day: dt.date, name: str) -> None:
    async with db.transaction() as session:
        await setup.add_closed_day(session, garage.actor(), site.id, day, name)


async def test_the_page_lists_the_site_s_closed_days_ahead(app, client, db, garage, sms):
    site, lift, tech, _services, car = await world(db, garage)
    async with db.transaction() as session:
        await booking.update_settings(session, garage.actor(), mode="REQUEST", cutoff_hours=2)
    holiday = next_weekday(5)
    await _closed(db, garage, site, holiday, "Songkran")
    await _closed(db, garage, site, dt.date.today() - dt.timedelta(days=3), "Past holiday")
    await _closed(db, garage, site, dt.date.today() + dt.timedelta(days=200), "Far ahead")
    other = await open_site(db, garage, "Other site")
    await _closed(db, garage, other, holiday + dt.timedelta(days=1), "Other site's day")
    token, _ = await send_reminder(app, db, garage, car, sms)
    page = data(await ask(client, token, PAGE))
    assert page["closedDays"] == [{"day": holiday.isoformat(), "name": "Songkran"}]
    assert 6 not in {o["weekday"] for o in page["openingHours"]}  # Sunday: no opening hours, the picker disables it


@pytest.mark.parametrize("case", ["closed day", "closed weekday"])
async def test_a_time_asked_on_a_closed_day_is_refused(app, client, db, garage, sms, case):
    site, lift, tech, (brakes, oil, *_), car = await world(db, garage)
    async with db.transaction() as session:
        await booking.update_settings(session, garage.actor(), mode="REQUEST", cutoff_hours=2)
    day = next_weekday(4)
    if case == "closed day":
        await _closed(db, garage, site, day, "Songkran")
    else:
        day += dt.timedelta(days=6 - day.weekday())  # that week's Sunday
    token, _ = await send_reminder(app, db, garage, car, sms)
    for lang in ("en", "th"):
        body = await ask(client, token, BOOK, {"input": {
            "serviceIds": [str(oil.id)], "startsAt": at(day, "10:00").isoformat(), "name": "Somchai Jaidee",
            "code": await code(app, client, token, sms)}}, lang=lang)
        errors = data(body)["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [
            ("startsAt", "SITE_CLOSED_DAY" if case == "closed day" else "SITE_CLOSED")], errors
        assert bool(THAI.search(errors[0]["message"])) is (lang == "th")
        if case == "closed day":
            assert "Songkran" in errors[0]["message"]
    assert await _appointments(db, garage) == 0
