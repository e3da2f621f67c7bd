"""A requested appointment (the customer asked for a time, nothing allocated yet) is booked from the calendar as
the PWA's panel books it (pwa/src/main/staff/calendar/Panel.tsx: moveAppointment with confirm): at the asked time,
or at another time of the staff's choice; a clash is refused naming the other appointment, in English and Thai,
and changes nothing."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from backend.core.permissions import Role
from backend.scheduling.models import Allocation, Appointment
from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, service, technician
from tests.scheduling.test_working_time import SCREEN_WEEK

THAI = re.compile(r"[\u0E00-\u0E7F]")
MOVE = """mutation MoveAppointment($input: MoveAppointmentInput!) { moveAppointment(input: $input) {
  appointment { id status version requestedAt confirmedAt allocations { startsAt endsAt bay { name } technician { name } } }
  errors { field code message } } }"""


async def _world(db, garage):
    site = await open_site(db, garage)
    lift = await add_bay(db, garage, site, "Lift 1")
    anan = await technician(db, garage, "Anan")
    brakes = await service(db, garage)  # 2 hours
    busy_car = await make_vehicle(db, garage, "KB1111", owner_name="Somchai Jaidee")
    await book(db, garage, site, busy_car, [alloc(lift, anan, at(MONDAY, "13:00"), at(MONDAY, "15:00"))], [brakes])
    asked = []
    for n, hhmm in enumerate(("10:00", "13:30")):
        car = await make_vehicle(db, garage, f"KB222{n}", owner_name=f"Customer {n}")
        asked.append(await book(db, garage, site, car, [], [brakes], requested_at=at(MONDAY, hhmm)))
    return site, lift, anan, asked


def _input(appointment, lift, tech, starts: dt.datetime, hours: int = 2) -> dict:
    return {"id": str(appointment.id), "confirm": True, "expectedVersion": appointment.version,
            "allocations": [{"bayId": str(lift.id), "technicianId": str(tech.id), "startsAt": starts.isoformat(),
                             "endsAt": (starts + dt.timedelta(hours=hours)).isoformat()}]}


async def test_a_request_is_confirmed_at_the_asked_time_or_another(gql, db, garage):
    site, lift, anan, (first, second) = await _world(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    week = {"siteId": str(site.id), "weekStart": MONDAY.isoformat(), "by": "BAY", "from": MONDAY.isoformat(),
            "to": (MONDAY + dt.timedelta(days=6)).isoformat()}
    body = await gql(SCREEN_WEEK, week, token=token)
    waiting = body["data"]["weekCalendar"]["unallocated"]
    assert {w["id"] for w in waiting} == {str(first.id), str(second.id)}
    assert all(w["status"] == "REQUESTED" and w["allocations"] == [] and w["estimatedHours"] == "2.00" for w in waiting)

    # at the time asked for
    body = await gql(MOVE, {"input": _input(first, lift, anan, at(MONDAY, "10:00"))}, token=token)
    moved = body["data"]["moveAppointment"]
    assert moved["errors"] == [] and moved["appointment"]["status"] == "CONFIRMED"
    assert dt.datetime.fromisoformat(moved["appointment"]["confirmedAt"]) == at(MONDAY, "10:00")
    assert [(a["bay"]["name"], a["technician"]["name"]) for a in moved["appointment"]["allocations"]] == [
        ("Lift 1", "Anan")]

    # the second asked for 13:30, when Lift 1 and Anan are taken: refused naming the other booking, nothing changes
    for lang in ("en", "th"):
        body = await gql(MOVE, {"input": _input(second, lift, anan, at(MONDAY, "13:30"))}, token=token,
                         lang=lang)
        refused = body["data"]["moveAppointment"]
        assert refused["appointment"] is None and refused["errors"][0]["code"] in ("BAY_BOOKED", "TECHNICIAN_BOOKED")
        message = refused["errors"][0]["message"]
        assert "Somchai Jaidee (KB1111)" in message and "13:00" in message
        assert bool(THAI.search(message)) is (lang == "th")
    async with db.read() as session:
        row = await session.get(Appointment, second.id)
        assert row.status.value == "REQUESTED" and row.version == second.version
        assert (await session.execute(select(Allocation).where(Allocation.appointment_id == second.id))).first() is None

    # ... then at a time of the staff's choice, one the free-slot list would not have to offer
    body = await gql(MOVE, {"input": _input(second, lift, anan, at(MONDAY, "15:00"))}, token=token)
    moved = body["data"]["moveAppointment"]
    assert moved["errors"] == [] and moved["appointment"]["status"] == "CONFIRMED"
    assert dt.datetime.fromisoformat(moved["appointment"]["allocations"][0]["startsAt"]) == at(MONDAY, "15:00")
    body = await gql(SCREEN_WEEK, week, token=token)
    assert body["data"]["weekCalendar"]["unallocated"] == []
    booked = {a["appointment"]["id"]: a["appointment"]["status"]
              for r in body["data"]["weekCalendar"]["rows"] for a in r["allocations"]}
    assert booked[str(first.id)] == booked[str(second.id)] == "CONFIRMED"


async def test_only_those_who_book_may_confirm_a_request(gql, db, garage):
    site, lift, anan, (first, _second) = await _world(db, garage)
    body = await gql(MOVE, {"input": _input(first, lift, anan, at(MONDAY, "10:00"))},
                     token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.read() as session:
        assert (await session.get(Appointment, first.id)).status.value == "REQUESTED"
