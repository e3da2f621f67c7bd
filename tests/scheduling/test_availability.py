"""Availability on a hand-made week: two mechanics (one on leave Monday to Wednesday), a lift shared by the
mechanical and electrical streams, an electrical booking on it, a job carried over and a job waiting for parts;
the slots equal the ones worked out by hand. Capacity per day; the statement count does not grow with days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backend.core.enums import OperationsStream
from backend.core.ids import new_id
from backend.core.errors import DomainError, ErrorCode
from backend.inventory.models import WarehouseItem
from backend.scheduling.service import availability
from backend.workforce import service as workforce
from backend.workforce.models import ExceptionKind
from backend.workshop.models import Job, JobStatus, JobTask, PartsRequest, TaskStatus, TimeClockEntry
from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, technician

M, E = OperationsStream.MECHANICAL, OperationsStream.ELECTRICAL
THURSDAY = MONDAY + dt.timedelta(days=3)


async def _open_job(db, garage, site, vehicle, tech, status: JobStatus, hours: str, number: str):
    async with db.transaction() as session:
        job = Job(id=new_id(), garage_id=garage.id, site_id=site.id, number=number, year=2027, sequence=int(number[-3:]),
                  vehicle_id=vehicle.id, customer_id=vehicle.owner_id, operations_stream=M,
                  revenue_stream="WALK_IN", status=status, technician_id=tech.id, version=1)
        session.add(job)
        await session.flush()
        session.add(JobTask(garage_id=garage.id, job_id=job.id, name="Gearbox", billed_hours=Decimal(hours),
                            labour_cost=0, status=TaskStatus.OPEN, position=0))
        session.add(JobTask(garage_id=garage.id, job_id=job.id, name="Done already", billed_hours=Decimal("5"),
                            labour_cost=0, status=TaskStatus.COMPLETED, position=1))
        return job


async def _week(db, garage):
    site = await open_site(db, garage)  # Monday to Saturday 08:00-18:00
    lift = await add_bay(db, garage, site, "Lift A", streams=("MECHANICAL", "ELECTRICAL"))
    await add_bay(db, garage, site, "Booth", streams=("BODY",), kind="BODY_BOOTH")
    anan = await technician(db, garage, "Anan", streams=(M,))
    boon = await technician(db, garage, "Boon", streams=(M, E), starts="10:00", ends="19:00")
    chai = await technician(db, garage, "Chai", streams=(E,))
    async with db.transaction() as session:  # Boon on leave Monday to Wednesday
        await workforce.add_work_exception(session, garage.actor(), boon.id, ExceptionKind.LEAVE,
                                           at(MONDAY, "00:00"), at(THURSDAY, "00:00"))
    car = await make_vehicle(db, garage, "KB1111")
    # an electrical job on the shared lift, Monday 13:00-15:00
    await book(db, garage, site, car, [alloc(lift, chai, at(MONDAY, "13:00"), at(MONDAY, "15:00"))],
               stream="ELECTRICAL")
    # carried over: Anan's job in progress needs 3 h, 1 h already clocked -> 2 h from now
    job = await _open_job(db, garage, site, car, anan, JobStatus.IN_PROGRESS, "3", "JC-2027-000001")
    async with db.transaction() as session:
        session.add(TimeClockEntry(garage_id=garage.id, job_id=job.id, technician_id=anan.id,
                                   started_at=at(MONDAY, "06:00") - dt.timedelta(days=3),
                                   ended_at=at(MONDAY, "07:00") - dt.timedelta(days=3), seconds=3600))
    # waiting for a part not yet issued: its 4 h are not booked while it waits
    waiting = await _open_job(db, garage, site, car, anan, JobStatus.AWAITING_PARTS, "4", "JC-2027-000002")
    async with db.transaction() as session:
        item = WarehouseItem(id=new_id(), garage_id=garage.id, sku="GBX-1", name_en="Gearbox seal")
        session.add(item)
        await session.flush()
        session.add(PartsRequest(garage_id=garage.id, job_id=waiting.id, item_id=item.id, quantity=1))
    return site, lift, anan, boon


def _plain(slots, names):
    return [(s.starts_at.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%a %H:%M"), names[s.technician_id])
            for s in slots]


async def test_slots_of_the_hand_made_week(db, garage, count_statements):
    site, lift, anan, boon = await _week(db, garage)
    names = {anan.id: "Anan", boon.id: "Boon"}
    now = at(MONDAY, "08:00")
    async with db.read() as session:
        monday = await availability.available_slots(session, garage.actor(), site.id, "MECHANICAL", "2",
                                                    at(MONDAY, "00:00"), 1, limit=50, now=now)
    # Anan: 08-10 carried over, free 10-17; Boon on leave; the lift is taken 13-15 by the electrical job
    assert _plain(monday, names) == [("Mon 10:00", "Anan"), ("Mon 10:30", "Anan"), ("Mon 11:00", "Anan"),
                                     ("Mon 15:00", "Anan")]
    assert {s.bay_id for s in monday} == {lift.id}
    async with db.read() as session:
        thursday = await availability.available_slots(session, garage.actor(), site.id, "MECHANICAL", "2",
                                                       at(THURSDAY, "00:00"), 1, limit=50, now=now)
    # Anan 08-17 (the carried-over work was done on Monday), Boon back from leave 10-19 but the site closes at 18
    expected = [(f"Thu {h:02d}:{m:02d}", "Anan") for h in range(8, 16) for m in (0, 30) if (h, m) <= (15, 0)]
    assert _plain(thursday, names) == expected + [("Thu 15:30", "Boon"), ("Thu 16:00", "Boon")]
    # a 9-hour job needs one technician and the lift free for 9 hours in a row: Anan's whole shift, Tuesday to
    # Friday (Monday has the carried-over work; Boon works 8 h of the site's day; nobody works Saturday)
    async with db.read() as session:
        long = await availability.available_slots(session, garage.actor(), site.id, "MECHANICAL", "9",
                                                  at(MONDAY, "00:00"), 7, limit=50, now=now)
    assert _plain(long, names) == [(f"{d} 08:00", "Anan") for d in ("Tue", "Wed", "Thu", "Fri")]

    # statements do not grow with the number of days searched
    counts = []
    for days in (1, 30):
        with count_statements() as counter:
            async with db.read() as session:
                await availability.available_slots(session, garage.actor(), site.id, "MECHANICAL", "2",
                                                   at(MONDAY, "00:00"), days, now=now)
        counts.append(counter.count)
    assert counts[0] == counts[1]


async def test_capacity_per_day(db, garage):
    site, lift, anan, boon = await _week(db, garage)
    async with db.read() as session:
        days = await availability.capacity(session, garage.actor(), site.id, MONDAY, THURSDAY)
    by_day = {d.day: (d.booked_seconds / 3600, d.available_seconds / 3600) for d in days}
    # available: Anan 9 h + Chai 9 h (Boon on leave) Mon-Wed; Thursday + Boon 10-18 = 8 h; booked Monday 2 h
    assert by_day == {MONDAY: (2, 18), MONDAY + dt.timedelta(days=1): (0, 18), MONDAY + dt.timedelta(days=2): (0, 18),
                      THURSDAY: (0, 26)}


async def test_bad_searches_are_refused(db, garage):
    site = await open_site(db, garage)
    async with db.read() as session:
        for hours, days, code in (("0", 5, ErrorCode.INVALID_VALUE), ("2", 0, ErrorCode.PERIOD_TOO_LONG),
                                  ("2", 400, ErrorCode.PERIOD_TOO_LONG), ("lots", 5, ErrorCode.INVALID_VALUE)):
            with pytest.raises(DomainError) as caught:
                await availability.available_slots(session, garage.actor(), site.id, "MECHANICAL", hours,
                                                   at(MONDAY, "00:00"), days)
            assert caught.value.code == code
