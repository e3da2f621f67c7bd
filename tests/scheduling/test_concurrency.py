"""On PostgreSQL, 50 bookings of the same technician's slot at the same moment, each in its own session: exactly one
is booked; every other is refused with the clash named (the exclusion constraint catches those that passed the
check together), and nothing of theirs is left."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from backend.core.errors import DomainError, ErrorCode
from backend.scheduling.models import Allocation, Appointment
from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, technician

pytestmark = pytest.mark.postgresql_only


async def test_fifty_bookings_of_one_slot_make_one(db, garage):
    site = await open_site(db, garage)
    bays = [await add_bay(db, garage, site, f"Lift {n}") for n in range(5)]
    tech = await technician(db, garage, "Anan")
    cars = [await make_vehicle(db, garage, f"KB{n:04d}", owner_name=f"Customer {n}") for n in range(50)]
    day = MONDAY + dt.timedelta(days=1)

    async def attempt(n: int):
        try:
            return await book(db, garage, site, cars[n], [alloc(bays[n % 5], tech, at(day, "09:00"),
                                                                at(day, "11:00"))])
        except DomainError as exc:
            return exc

    results = await asyncio.gather(*(attempt(n) for n in range(50)))
    booked = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(booked) == 1 and len(refused) == 49
    winner = booked[0]
    registration = f"KB{[c.id for c in cars].index(winner.vehicle_id):04d}"
    for exc in refused:
        assert exc.code in (ErrorCode.TECHNICIAN_BOOKED, ErrorCode.BAY_BOOKED), exc.code
        assert registration in exc.message("en") and "09:00" in exc.message("en")
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Appointment))).scalar_one() == 1
        assert (await session.execute(select(func.count()).select_from(Allocation))).scalar_one() == 1


async def test_a_booking_that_passed_the_check_meets_the_constraint(db, garage):
    """B checks while A's booking is not yet committed (so B's check sees nothing), then B's insert waits on the
    exclusion constraint until A commits, and fails: B gets the same error naming A's appointment."""
    from backend.core.permissions import Role
    from backend.scheduling.service import appointments as appts

    site = await open_site(db, garage)
    lift, other_lift = await add_bay(db, garage, site, "Lift 1"), await add_bay(db, garage, site, "Lift 2")
    tech = await technician(db, garage, "Anan")
    first, second = await make_vehicle(db, garage, "KB0001", "Somchai"), await make_vehicle(db, garage, "KB0002")
    day = MONDAY + dt.timedelta(days=1)
    actor = garage.actor(Role.SITE_MANAGER)
    a_booked = asyncio.Event()
    a_commit = asyncio.Event()

    async def a():
        async with db.transaction() as session:
            await appts.create_appointment(session, actor, appts.AppointmentInput(
                site_id=site.id, vehicle_id=first.id, stream="MECHANICAL", confirm=True,
                allocations=[alloc(lift, tech, at(day, "09:00"), at(day, "11:00"))]))
            a_booked.set()
            await a_commit.wait()

    async def b():
        await a_booked.wait()
        async with db.transaction() as session:
            await appts.create_appointment(session, actor, appts.AppointmentInput(
                site_id=site.id, vehicle_id=second.id, stream="MECHANICAL", confirm=True,
                allocations=[alloc(other_lift, tech, at(day, "10:00"), at(day, "12:00"))]))

    task_a = asyncio.create_task(a())
    task_b = asyncio.create_task(b())
    await a_booked.wait()
    await asyncio.sleep(0.5)  # B has checked and is waiting on the constraint
    assert not task_b.done()
    a_commit.set()
    await task_a
    with pytest.raises(DomainError) as caught:
        await task_b
    assert caught.value.code == ErrorCode.TECHNICIAN_BOOKED
    assert caught.value.message("en") == (
        "Anan is already booked from Tue 23 Mar 2027 09:00 to 11:00 for Somchai (KB0001).")
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Appointment))).scalar_one() == 1
