"""REQUEST mode: the customer asks for a time of their own (backend/scheduling/booking/service._requested_time).
A time the free-slot list does not offer (the technician's shift is over, the site still open) is taken as
REQUESTED with exactly that time; a time in the past, inside the cut-off or outside the opening hours is refused
in the customer's language and books nothing. The booking page tells the site's opening hours."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from backend.scheduling.booking import service as booking
from backend.scheduling.models import Allocation, Appointment
from tests.scheduling.helpers import at
from tests.scheduling.test_self_booking import (  # noqa: F401  (the SMS sink fixture)
    BOOK, SLOTS, ask, code, data, next_weekday, send_reminder, sms, world,
)

THAI = re.compile(r"[\u0E00-\u0E7F]")


async def _appointments(db, garage) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(Appointment).where(
            Appointment.garage_id == garage.id))).scalar_one()


async def test_a_time_outside_the_free_list_is_requested_as_asked(app, client, db, garage, sms):
    site, lift, tech, (brakes, oil, *_), car = await world(db, garage)
    async with db.transaction() as session:
        await booking.update_settings(session, garage.actor(), mode="REQUEST", cutoff_hours=2)
    token, _ = await send_reminder(app, db, garage, car, sms)
    page = data(await ask(client, token, "query { booking { mode openingHours { weekday opensMinute closesMinute } } }"))
    assert page["mode"] == "REQUEST"
    assert {(o["weekday"], o["opensMinute"], o["closesMinute"]) for o in page["openingHours"]} == {
        (d, 8 * 60, 18 * 60) for d in range(6)}  # Mon-Sat 08:00-18:00, Sunday closed

    day = next_weekday(3)
    wanted = at(day, "17:00")  # the site is open until 18:00, the only technician works until 17:00
    slots = data(await ask(client, token, SLOTS, {"ids": [str(oil.id)], "from": at(day, "00:00").isoformat()}))
    assert wanted.isoformat() not in {dt.datetime.fromisoformat(s["startsAt"]).isoformat() for s in slots["slots"]}
    result = data(await ask(client, token, BOOK, {"input": {
        "serviceIds": [str(oil.id)], "startsAt": wanted.isoformat(), "name": "Somchai Jaidee",
        "code": await code(app, client, token, sms)}}))
    assert not result["errors"], result
    assert result["booking"]["appointment"]["status"] == "REQUESTED"
    assert dt.datetime.fromisoformat(result["booking"]["appointment"]["startsAt"]) == wanted
    async with db.read() as session:
        appointment = (await session.execute(select(Appointment))).scalar_one()
        assert appointment.requested_at == wanted and appointment.status.value == "REQUESTED"
        assert (await session.execute(select(Allocation))).first() is None


@pytest.mark.parametrize("case", ["passed", "inside the cut-off", "after closing", "before opening"])
async def test_a_time_asked_for_is_refused_when_it_cannot_be(app, client, db, garage, sms, case):
    site, lift, tech, (brakes, oil, *_), car = await world(db, garage)
    async with db.transaction() as session:
        await booking.update_settings(session, garage.actor(), mode="REQUEST", cutoff_hours=4)
    token, _ = await send_reminder(app, db, garage, car, sms)
    day = next_weekday(3)
    now = at(day, "09:00")  # the clock of the test: a weekday morning
    wanted, code_, en, th = {
        "passed": (at(day, "08:30"), "BOOKING_TIME_PASSED", "already passed", "ผ่านไปแล้ว"),
        "inside the cut-off": (at(day, "12:00"), "BOOKING_TOO_SOON", "at least 4 hours", "4 ชั่วโมง"),
        "after closing": (at(day + dt.timedelta(days=1), "17:30"), "SITE_CLOSED", "18:00", "18:00"),
        "before opening": (at(day + dt.timedelta(days=1), "07:00"), "SITE_CLOSED", "07:00", "07:00"),
    }[case]
    async with db.transaction() as session:
        actor = (await booking.authenticate(session, app.state.services.settings, token)).actor
        with pytest.raises((booking.DomainError, booking.DomainErrors)) as refused:
            await booking.book(session, actor, booking.BookInput(
                service_ids=[str(oil.id)], starts_at=wanted, name="Somchai Jaidee"), now=now)
    error = refused.value if isinstance(refused.value, booking.DomainError) else refused.value.errors[0]
    assert error.code.value == code_
    assert en in error.message("en") and not THAI.search(error.message("en"))
    assert th in error.message("th") and THAI.search(error.message("th"))
    assert await _appointments(db, garage) == 0


async def test_the_refusal_reaches_the_page_in_thai(app, client, db, garage, sms):
    site, lift, tech, (brakes, oil, *_), car = await world(db, garage)
    async with db.transaction() as session:
        await booking.update_settings(session, garage.actor(), mode="REQUEST", cutoff_hours=2)
    token, _ = await send_reminder(app, db, garage, car, sms)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    result = data(await ask(client, token, BOOK, {"input": {
        "serviceIds": [str(oil.id)], "startsAt": past.isoformat(), "name": "Somchai Jaidee",
        "code": await code(app, client, token, sms)}}, lang="th"))
    assert result["errors"] and result["errors"][0]["field"] == "startsAt"
    assert THAI.search(result["errors"][0]["message"]) and "ผ่านไปแล้ว" in result["errors"][0]["message"]
    assert await _appointments(db, garage) == 0
