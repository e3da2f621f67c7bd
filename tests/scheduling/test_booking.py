"""Booking without double booking: a clash names the appointment (en/th) and changes nothing; moves keep the id and
bump the sequence; opening hours and closed days; two garages never see each other."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.core.errors import DomainError, DomainErrors, ErrorCode
from backend.core.permissions import Role
from backend.scheduling.models import Allocation, Appointment, AppointmentStatus
from backend.scheduling.service import appointments as appts
from backend.scheduling.service import setup
from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, service, technician

TUESDAY = MONDAY + dt.timedelta(days=1)


async def _world(db, garage):
    site = await open_site(db, garage)
    lift1 = await add_bay(db, garage, site, "Lift 1")
    lift2 = await add_bay(db, garage, site, "Lift 2")
    tech = await technician(db, garage, "Anan")
    other = await technician(db, garage, "Boon")
    car1 = await make_vehicle(db, garage, "KB1111", owner_name="Somchai Jaidee")
    car2 = await make_vehicle(db, garage, "KB2222", owner_name="Malee Suk")
    return site, lift1, lift2, tech, other, car1, car2


async def test_clash_names_the_appointment_and_changes_nothing(db, garage):
    site, lift1, lift2, tech, other, car1, car2 = await _world(db, garage)
    first = await book(db, garage, site, car1, [alloc(lift1, tech, at(TUESDAY, "09:00"), at(TUESDAY, "11:00"))])
    assert first.status == AppointmentStatus.CONFIRMED and first.confirmed_at == at(TUESDAY, "09:00")

    # same technician, another bay, overlapping by 30 minutes
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, car2, [alloc(lift2, tech, at(TUESDAY, "10:30"), at(TUESDAY, "12:00"))])
    assert caught.value.code == ErrorCode.TECHNICIAN_BOOKED
    assert caught.value.message("en") == (
        "Anan is already booked from Tue 23 Mar 2027 09:00 to 11:00 for Somchai Jaidee (KB1111).")
    assert caught.value.message("th").startswith("Anan มีนัดแล้ว")
    # same bay, another technician
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, car2, [alloc(lift1, other, at(TUESDAY, "08:00"), at(TUESDAY, "09:30"))])
    assert caught.value.code == ErrorCode.BAY_BOOKED and "Lift 1" in caught.value.message("en")
    # touching ranges are not a clash (half-open)
    second = await book(db, garage, site, car2, [alloc(lift1, tech, at(TUESDAY, "11:00"), at(TUESDAY, "12:00"))])

    # a move onto the first one's time is refused and leaves the second as it was
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), second.id,
                                         [alloc(lift2, tech, at(TUESDAY, "10:00"), at(TUESDAY, "11:30"))],
                                         expected_version=second.version)
    assert caught.value.code == ErrorCode.TECHNICIAN_BOOKED
    async with db.read() as session:
        row = await session.get(Appointment, second.id)
        allocations = (await session.execute(select(Allocation).where(Allocation.appointment_id == second.id))
                       ).scalars().all()
    assert (row.version, row.sequence) == (second.version, second.sequence)
    assert [(a.bay_id, a.starts_at, a.ends_at) for a in allocations] == [
        (lift1.id, at(TUESDAY, "11:00"), at(TUESDAY, "12:00"))]

    # a move to a free time keeps the id, bumps the sequence; a stale version is a conflict
    async with db.transaction() as session:
        moved = await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), second.id,
                                             [alloc(lift2, other, at(TUESDAY, "13:00"), at(TUESDAY, "15:00"))],
                                             expected_version=second.version)
    assert moved.id == second.id and moved.sequence == second.sequence + 1 and moved.version == second.version + 1
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), second.id,
                                         [alloc(lift2, other, at(TUESDAY, "15:00"), at(TUESDAY, "16:00"))],
                                         expected_version=second.version)
    assert caught.value.code == ErrorCode.CONFLICT

    # cancelling frees the time
    async with db.transaction() as session:
        await appts.cancel_appointment(session, garage.actor(Role.SITE_MANAGER), first.id, "Customer called")
    third = await book(db, garage, site, car2, [alloc(lift1, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))])
    assert third.status == AppointmentStatus.CONFIRMED
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await appts.cancel_appointment(session, garage.actor(Role.SITE_MANAGER), first.id, "again")
    assert caught.value.code == ErrorCode.INVALID_APPOINTMENT_STATE
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await appts.mark_no_show(session, garage.actor(Role.SITE_MANAGER), third.id, "   ")
    assert caught.value.code == ErrorCode.REASON_REQUIRED


async def test_opening_hours_closed_days_and_streams(db, garage):
    site, lift1, lift2, tech, other, car1, car2 = await _world(db, garage)
    booth = await add_bay(db, garage, site, "Booth", streams=("BODY",), kind="BODY_BOOTH")
    cases = [
        ([alloc(lift1, tech, at(TUESDAY, "17:00"), at(TUESDAY, "19:00"))], ErrorCode.SITE_CLOSED, "18:00"),
        ([alloc(lift1, tech, at(MONDAY + dt.timedelta(days=6), "09:00"), at(MONDAY + dt.timedelta(days=6), "10:00"))],
         ErrorCode.SITE_CLOSED, "09:00"),
        ([alloc(booth, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))], ErrorCode.BAY_WRONG_STREAM, "Booth"),
        ([alloc(lift1, tech, at(TUESDAY, "10:00"), at(TUESDAY, "09:00"))], ErrorCode.ALLOCATION_ENDS_BEFORE_START,
         "14"),
    ]
    for allocations, code, text in cases:
        with pytest.raises(DomainError) as caught:
            await book(db, garage, site, car1, allocations)
        assert caught.value.code == code, allocations
        assert text in caught.value.message("en")
    async with db.transaction() as session:
        await setup.add_closed_day(session, garage.actor(), site.id, TUESDAY, "Chakri Day")
    with pytest.raises(DomainError) as caught:
        await book(db, garage, site, car1, [alloc(lift1, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))])
    assert caught.value.code == ErrorCode.SITE_CLOSED_DAY
    assert caught.value.message("en") == "The site is closed on Tue 23 Mar 2027 (Chakri Day)."
    assert "Chakri Day" in caught.value.message("th") and caught.value.message("th") != caught.value.message("en")
    async with db.read() as session:
        assert (await session.execute(select(Appointment))).scalars().all() == []


async def test_two_garages_never_meet(db, garage, other_garage):
    site, lift1, lift2, tech, other, car1, car2 = await _world(db, garage)
    mine = await book(db, garage, site, car1, [alloc(lift1, tech, at(TUESDAY, "09:00"), at(TUESDAY, "11:00"))])
    site2 = await open_site(db, other_garage, "Their site")
    their_car = await make_vehicle(db, other_garage, "ZZ9999")
    # another garage cannot use our bay, technician or vehicle, nor read or move our appointment
    for allocations, vehicle in (([alloc(lift1, tech, at(TUESDAY, "13:00"), at(TUESDAY, "14:00"))], their_car),
                                 ([], car1)):
        with pytest.raises((DomainError, DomainErrors)) as caught:
            await book(db, other_garage, site2, vehicle, allocations)
        errors = getattr(caught.value, "errors", [caught.value])
        assert {e.code for e in errors} == {ErrorCode.NOT_FOUND} and len(errors) >= 1
    for call in (lambda s: appts.load_appointment(s, other_garage.actor(), mine.id),
                 lambda s: appts.cancel_appointment(s, other_garage.actor(), mine.id, "x"),
                 lambda s: setup.list_bays(s, other_garage.actor(), site.id)):
        with pytest.raises(DomainError) as caught:
            async with db.transaction() as session:
                await call(session)
        assert caught.value.code == ErrorCode.NOT_FOUND
    # and their own booking of the same hours does not clash with ours
    lift = await add_bay(db, other_garage, site2, "Lift 1")
    theirs = await technician(db, other_garage, "Chai")
    booked = await book(db, other_garage, site2, their_car, [alloc(lift, theirs, at(TUESDAY, "09:00"),
                                                                   at(TUESDAY, "11:00"))])
    assert booked.garage_id == other_garage.id


async def test_a_technician_reads_only_their_allocations(db, garage):
    site, lift1, lift2, tech, other, car1, car2 = await _world(db, garage)
    theirs = await book(db, garage, site, car1, [alloc(lift1, other, at(TUESDAY, "09:00"), at(TUESDAY, "11:00"))])
    actor = garage.actor(Role.TECHNICIAN)  # the garage's own technician user, allocated to nothing
    with pytest.raises(DomainError):
        async with db.read() as session:
            await appts.load_appointment(session, actor, theirs.id)


async def test_concurrent_bookings_of_one_slot_on_either_database(db, garage):
    """On SQLite the bookings queue (writes begin IMMEDIATE) and the check in each transaction sees the one before;
    on PostgreSQL the exclusion constraint stops those that checked at the same moment, and two bookings that wait
    on each other through the bay's and the technician's constraint (a deadlock) are sorted out: one booking."""
    import asyncio

    site, lift1, lift2, tech, other, car1, car2 = await _world(db, garage)

    async def attempt(n: int):
        try:
            return await book(db, garage, site, (car1, car2)[n % 2], [
                alloc((lift1, lift2)[n % 2], tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))])
        except DomainError as exc:
            return exc

    results = await asyncio.gather(*(attempt(n) for n in range(10)))
    assert sum(not isinstance(r, Exception) for r in results) == 1
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 9 and {r.code for r in refused} <= {ErrorCode.TECHNICIAN_BOOKED, ErrorCode.BAY_BOOKED}
