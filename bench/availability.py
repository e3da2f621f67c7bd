"""Availability search at scale: one site with 20 technicians, 10 lifts and 3 months of appointments (one or two a
day per technician, about 2,200: the lifts are booked about three quarters of their hours), `availableSlots` over HTTP (the ASGI app through httpx), p50 / p95 and the statement count.

    .venv/bin/python bench/availability.py [--database-url URL] [--rounds 30]

A PostgreSQL URL is emptied first: never point it at data you keep.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._inprocess import fresh_bench  # noqa: E402

TECHNICIANS = 20
BAYS = 10
WEEKS = 13
QUERY = """query($site: ID!, $from: DateTime!, $days: Int!) {
  availableSlots(siteId: $site, stream: MECHANICAL, hours: "2", from: $from, days: $days, limit: 10) {
    startsAt endsAt technician { name } bay { name } } }"""


async def seed(bench) -> dt.date:
    from backend.accounts.models import User
    from backend.core.enums import OperationsStream
    from backend.core.ids import new_id
    from backend.core.permissions import Role
    from backend.customers.models import Customer, Vehicle
    from backend.scheduling.models import Allocation, Appointment, AppointmentStatus, Bay
    from backend.scheduling.service import setup
    from backend.workforce import service as workforce
    from tests.conftest import password_hash

    db, world, site = bench.db, bench.world, bench.site
    actor = world.actor()
    zone = ZoneInfo("Asia/Bangkok")
    today = dt.datetime.now(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    async with db.transaction() as session:
        await setup.set_opening_hours(session, actor, site.id, [setup.OpeningRange(d, 8 * 60, 18 * 60)
                                                                for d in range(6)])
        bays = [Bay(id=new_id(), garage_id=world.id, site_id=site.id, name=f"Lift {n:02d}", kind="LIFT",
                    streams=["MECHANICAL"], active=True, version=1) for n in range(BAYS)]
        techs = [User(id=new_id(), garage_id=world.id, email=f"bench.tech{n}@example.com", name=f"Tech {n:02d}",
                      password_hash=password_hash(), role=Role.TECHNICIAN, streams=["MECHANICAL"])
                 for n in range(TECHNICIANS)]
        session.add_all(bays + techs)
        customer = Customer(id=new_id(), garage_id=world.id, name="Bench Customer")
        session.add(customer)
        await session.flush()
        vehicle = Vehicle(id=new_id(), garage_id=world.id, registration="BENCH1", registration_display="BENCH 1",
                          owner_id=customer.id)
        session.add(vehicle)
        await session.flush()
        for tech in techs:
            await workforce.set_work_pattern(session, actor, tech.id, [
                workforce.ShiftInput(weekday=d, starts="08:00", ends="17:00") for d in range(5)],
                valid_from=monday - dt.timedelta(days=7))
        rows, allocations = [], []
        for week in range(WEEKS):
            for weekday in range(5):
                day = monday + dt.timedelta(days=7 * week + weekday)
                for n, tech in enumerate(techs):
                    # two jobs a day: 08:00-10:30 and 13:00-15:00, bays shared so that some hours stay free
                    for start, end, bay in (((8, 0), (10, 30), bays[n % BAYS]), ((13, 0), (15, 0), bays[n % BAYS])):
                        if n >= BAYS and start == (8, 0):
                            start, end = (10, 30), (12, 30)
                        if n >= BAYS and start == (13, 0):
                            if (week + weekday + n) % 3:
                                continue  # two days in three the afternoon is free: about 3/4 of the hours booked
                            start, end = (15, 0), (17, 0)
                        s = dt.datetime.combine(day, dt.time(*start), tzinfo=zone).astimezone(dt.UTC)
                        e = dt.datetime.combine(day, dt.time(*end), tzinfo=zone).astimezone(dt.UTC)
                        appointment = Appointment(id=new_id(), garage_id=world.id, site_id=site.id,
                                                  customer_id=customer.id, vehicle_id=vehicle.id,
                                                  stream=OperationsStream.MECHANICAL, services=[],
                                                  estimated_hours=0, requested_at=s, confirmed_at=s,
                                                  status=AppointmentStatus.CONFIRMED, sequence=0, version=1)
                        rows.append(appointment)
                        allocations.append(Allocation(garage_id=world.id, site_id=site.id, appointment_id=appointment.id,
                                               bay_id=bay.id, technician_id=tech.id, starts_at=s, ends_at=e,
                                               active=True))
        session.add_all(rows)
        await session.flush()  # appointments before their allocations (no ORM relationship orders them)
        session.add_all(allocations)
    print(f"seeded {len(rows)} appointments for {TECHNICIANS} technicians and {BAYS} bays over {WEEKS} weeks")
    return monday


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    bench = await fresh_bench(args.database_url)
    try:
        monday = await seed(bench)
        from backend.core.permissions import Role

        headers = bench.headers(Role.SITE_MANAGER)
        start = dt.datetime.combine(monday, dt.time(0), tzinfo=dt.UTC).isoformat()
        async with bench.client() as client:
            for days in (14, 92):
                body = {"query": QUERY, "variables": {"site": str(bench.site.id), "from": start, "days": days}}
                run = await bench.measure(client, body, headers, rounds=args.rounds)
                print(f"availableSlots 2 h over {days:2d} days: statements={run.statements}  "
                      f"p50 {run.percentile(0.5):7.2f} ms  p95 {run.percentile(0.95):7.2f} ms  ({args.rounds} runs)")
    finally:
        await bench.close()


if __name__ == "__main__":
    asyncio.run(main())
