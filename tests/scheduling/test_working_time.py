"""A booking or a move must fall inside the technician's working time (shift pattern, minus leave) and the site's
opening hours; a manager (scheduling:manage) may override with outsideHours, anyone else may not; the refusal is a
clear message in English and Thai naming the technician and the time, and changes nothing. The calendar screen's
own week query costs the same number of statements for 10 and 100 appointments."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from backend.core.actor import Actor
from backend.core.models import AuditEntry
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import ApiScope, Role, permissions_for_scopes
from backend.scheduling.models import Allocation, Appointment
from backend.scheduling.service import appointments as appts
from backend.workforce import service as workforce
from backend.workforce.models import ExceptionKind
from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, technician

TUESDAY = MONDAY + dt.timedelta(days=1)
WEDNESDAY = MONDAY + dt.timedelta(days=2)
SATURDAY = MONDAY + dt.timedelta(days=5)


async def _world(db, garage):
    site = await open_site(db, garage)  # Monday to Saturday 08:00-18:00
    lift = await add_bay(db, garage, site, "Lift 1")
    tech = await technician(db, garage, "Anan")  # Monday to Friday 08:00-17:00
    car = await make_vehicle(db, garage, "KB1111", owner_name="Somchai Jaidee")
    async with db.transaction() as session:
        await workforce.add_work_exception(session, garage.actor(), tech.id, ExceptionKind.LEAVE,
                                           at(WEDNESDAY, "00:00"), at(WEDNESDAY + dt.timedelta(days=1), "00:00"),
                                           note="Annual leave")
    return site, lift, tech, car


async def _allocations(db, appointment_id):
    async with db.read() as session:
        return [(a.starts_at, a.ends_at) for a in (await session.execute(
            select(Allocation).where(Allocation.appointment_id == appointment_id))).scalars()]


async def test_outside_the_shift_or_on_leave_is_refused_naming_the_technician(db, garage):
    site, lift, tech, car = await _world(db, garage)
    # the site is open till 18:00 but Anan works till 17:00
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "16:00"), at(TUESDAY, "17:30"))])
    assert caught.value.code == ErrorCode.TECHNICIAN_NOT_WORKING
    assert caught.value.message("en") == ("Anan is not working at Tue 23 Mar 2027 17:00 (outside their shift, or on "
                                          "leave); book within their working time.")
    assert caught.value.message("th").startswith("Anan ไม่ได้เข้างาน")
    # Saturday: the site is open, Anan has no shift
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, car, [alloc(lift, tech, at(SATURDAY, "09:00"), at(SATURDAY, "10:00"))])
    assert caught.value.code == ErrorCode.TECHNICIAN_NOT_WORKING and "Sat 27 Mar 2027 09:00" in caught.value.message("en")
    # Wednesday: on leave
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, car, [alloc(lift, tech, at(WEDNESDAY, "09:00"), at(WEDNESDAY, "10:00"))])
    assert caught.value.code == ErrorCode.TECHNICIAN_NOT_WORKING
    async with db.read() as session:
        assert (await session.execute(select(Appointment.id).where(Appointment.garage_id == garage.id))).all() == []

    # within the shift: booked; a move onto the leave day is refused and leaves it where it was
    ok = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "15:00"), at(TUESDAY, "17:00"))])
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), ok.id,
                                         [alloc(lift, tech, at(WEDNESDAY, "10:00"), at(WEDNESDAY, "12:00"))],
                                         expected_version=ok.version)
    assert caught.value.code == ErrorCode.TECHNICIAN_NOT_WORKING
    assert await _allocations(db, ok.id) == [(at(TUESDAY, "15:00"), at(TUESDAY, "17:00"))]
    async with db.read() as session:
        assert (await session.get(Appointment, ok.id)).version == ok.version


async def test_a_manager_overrides_and_it_is_audited_others_may_not(db, garage):
    site, lift, tech, car = await _world(db, garage)
    # an integrator's key may book (appointments:manage) but is no manager
    key_actor = Actor(garage_id=garage.id, permissions=permissions_for_scopes([ApiScope.WORKSHOP_WRITE]),
                      api_key_id=uuid.uuid4(), name="booking system")
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await appts.create_appointment(session, key_actor, appts.AppointmentInput(
                site_id=site.id, vehicle_id=car.id, stream="MECHANICAL", confirm=True, outside_hours=True,
                allocations=[alloc(lift, tech, at(SATURDAY, "09:00"), at(SATURDAY, "10:00"))]))
    assert caught.value.code == ErrorCode.OUTSIDE_HOURS_NOT_ALLOWED
    assert caught.value.message("en") == "Only a manager may book outside the opening hours or a technician's shift."

    # the site manager books Anan on his day off (Saturday) and then after the site closes: both go through
    done = await book(db, garage, site, car, [alloc(lift, tech, at(SATURDAY, "09:00"), at(SATURDAY, "10:00"))],
                      outside_hours=True)
    async with db.transaction() as session:
        moved = await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), done.id,
                                             [alloc(lift, tech, at(TUESDAY, "18:00"), at(TUESDAY, "19:00"))],
                                             outside_hours=True)
    assert await _allocations(db, moved.id) == [(at(TUESDAY, "18:00"), at(TUESDAY, "19:00"))]
    async with db.read() as session:
        entries = (await session.execute(select(AuditEntry).where(
            AuditEntry.entity_id == done.id).order_by(AuditEntry.at, AuditEntry.id))).scalars().all()
    assert [e.action for e in entries] == ["create", "move"]
    assert all(e.changes["outsideHours"]["after"] is True for e in entries)

    # the override never lets a clash through
    other = await make_vehicle(db, garage, "KB2222", owner_name="Malee Suk")
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, other, [alloc(lift, tech, at(TUESDAY, "18:30"), at(TUESDAY, "19:30"))],
                   outside_hours=True)
    assert caught.value.code == ErrorCode.BAY_BOOKED


MOVE = """mutation($input: MoveAppointmentInput!) { moveAppointment(input: $input) {
  appointment { id version } errors { field code message } } }"""


async def test_refusal_over_graphql_in_english_and_thai(gql, db, garage):
    site, lift, tech, car = await _world(db, garage)
    booked = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))])
    onto_leave = {"id": str(booked.id), "allocations": [{
        "bayId": str(lift.id), "technicianId": str(tech.id), "startsAt": at(WEDNESDAY, "09:00").isoformat(),
        "endsAt": at(WEDNESDAY, "10:00").isoformat()}]}
    messages = {}
    for lang in ("en", "th"):
        body = await gql(MOVE, {"input": onto_leave}, token=garage.token(Role.SITE_MANAGER), lang=lang)
        payload = body["data"]["moveAppointment"]
        assert payload["appointment"] is None
        assert [e["code"] for e in payload["errors"]] == ["TECHNICIAN_NOT_WORKING"]
        messages[lang] = payload["errors"][0]["message"]
    assert messages["en"].startswith("Anan is not working at Wed 24 Mar 2027 09:00")
    assert messages["th"].startswith("Anan ไม่ได้เข้างาน") and "พุธ 24 มี.ค. 2570 09:00" in messages["th"]
    # the workshop manager only reads the calendar: no booking, override or not
    body = await gql(MOVE, {"input": {**onto_leave, "outsideHours": True}},
                     token=garage.token(Role.WORKSHOP_MANAGER), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(MOVE, {"input": {**onto_leave, "outsideHours": True}}, token=garage.token(Role.SITE_MANAGER))
    assert body["data"]["moveAppointment"]["errors"] == []
    assert await _allocations(db, booked.id) == [(at(WEDNESDAY, "09:00"), at(WEDNESDAY, "10:00"))]


# the calendar screen's week query (pwa/src/main/staff/calendar/data.ts) with its capacity header
_APPOINTMENT = """id status version statusReason notes estimatedHours requestedAt stream
        services { taskActionId name hours } vehicle { id registration make model }
        customer { id name } job { id number }
        allocations { id startsAt endsAt bay { id name } technician { id name } }"""
SCREEN_WEEK = f"""query CalendarWeek($siteId: ID!, $weekStart: Date!, $by: CalendarBy!, $from: Date!, $to: Date!) {{
  weekCalendar(siteId: $siteId, weekStart: $weekStart, by: $by) {{ startsAt endsAt days
    rows {{ bay {{ id name }} technician {{ id name }}
      allocations {{ id startsAt endsAt bay {{ id name }} technician {{ id name }} appointment {{ {_APPOINTMENT} }} }} }}
    unallocated {{ {_APPOINTMENT} }} }}
  capacity(siteId: $siteId, from: $from, to: $to) {{ day bookedHours availableHours }} }}"""


async def test_the_screen_s_week_query_costs_the_same_for_10_and_100(gql, db, garage, count_statements):
    site, lift, tech, car = await _world(db, garage)
    lifts = [lift] + [await add_bay(db, garage, site, f"Lift {n}") for n in range(2, 11)]
    techs = [tech] + [await technician(db, garage, f"Tech {n}") for n in range(2, 11)]
    cars = [car] + [await make_vehicle(db, garage, f"KC{n:04d}", owner_name=f"Owner {n}") for n in range(1, 10)]
    token = garage.token(Role.SITE_MANAGER)
    week = {"siteId": str(site.id), "weekStart": MONDAY.isoformat(), "from": MONDAY.isoformat(),
            "to": (MONDAY + dt.timedelta(days=6)).isoformat()}
    days = (MONDAY, TUESDAY, MONDAY + dt.timedelta(days=3), MONDAY + dt.timedelta(days=4))  # Anan is off Wednesday
    counts = {}
    booked = 0
    for target in (10, 100):
        while booked < target:
            n = booked
            day = days[(n // 10) % 4]
            minute = 8 * 60 + (n // 40) * 30
            start = at(day, f"{minute // 60:02d}:{minute % 60:02d}")
            await book(db, garage, site, cars[n % 10], [alloc(lifts[n % 10], techs[n % 10], start,
                                                              start + dt.timedelta(minutes=30))])
            booked += 1
        for by in ("BAY", "TECHNICIAN"):
            with count_statements() as counter:
                body = await gql(SCREEN_WEEK, {**week, "by": by}, token=token)
            counts[(target, by)] = counter.count
            rows = body["data"]["weekCalendar"]["rows"]
            assert sum(len(r["allocations"]) for r in rows) == target
            assert {a["appointment"]["vehicle"]["registration"] for r in rows for a in r["allocations"]} \
                == {c.registration for c in cars}
    assert counts[(10, "BAY")] == counts[(100, "BAY")], counts
    assert counts[(10, "TECHNICIAN")] == counts[(100, "TECHNICIAN")], counts
