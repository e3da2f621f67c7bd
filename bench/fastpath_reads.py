"""The reception's lookup (the PWA's VehicleByRegistration, as pwa/src/main/staff/Intake.tsx and bench/mixed_load.sh
send it) through the real ASGI app, answered by the fast read path and by Strawberry (fast_reads switched off), for a
vehicle with `--jobs` jobs and two open deferred items, as a workshop manager.

    .venv/bin/python bench/fastpath_reads.py [--jobs 20] [--rounds 200] [--database-url sqlite+aiosqlite:///...]

Prints, per path, the SQL statements of one request (the sign-in read included) and the mean / median / p95 milliseconds of `--rounds` requests
(after a warm-up), and checks both give the same bytes. Default database: a fresh SQLite file in a temporary
directory (a PostgreSQL URL is emptied first: never point it at data you keep).
"""

from __future__ import annotations

import argparse
import asyncio

from _inprocess import fresh_bench


async def main(jobs: int, rounds: int, database_url: str | None) -> None:
    from backend.billing.models import DeferredWork
    from backend.core.enums import OperationsStream
    from backend.core.permissions import Role
    from backend.customers import service as customers
    from backend.workshop.service import jobs as jobs_service
    from tests.api.test_fastpath import VEHICLE  # the PWA's document, as the byte-equality test sends it

    bench = await fresh_bench(database_url)
    app, db, world, site = bench.app, bench.db, bench.world, bench.site
    sm = world.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        owner = await customers.create_customer(session, sm, customers.CustomerInput(name="Somchai Jaidee",
                                                                                     phone="+66812345678"))
        vehicle = await customers.create_vehicle(session, sm, customers.VehicleInput(
            registration="1กข 2345", owner_id=owner.id, make="Honda", model="PCX", mileage=12000))
        for _ in range(jobs):
            await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
                site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
                revenue_stream="WALK_IN"))
        session.add_all([DeferredWork(garage_id=world.id, vehicle_id=vehicle.id, description=d, amount=a,
                                      currency="THB") for d, a in (("Rear pads", 125000), ("Chain kit", 89000))])

    fastpath = app.state.fastpath
    headers = bench.headers(Role.WORKSHOP_MANAGER)
    body = {"query": VEHICLE, "variables": {"registration": "1กข2345"}}
    answers = {}
    async with bench.client() as client:
        for name, enabled in (("fast path", True), ("Strawberry", False)):
            fastpath.enabled = enabled
            run = await bench.measure(client, body, headers, rounds, warm=5)
            answers[name] = run.answer
            print(f"{name:11} jobs={jobs:3} statements={run.statements:2}  {run.summary()}")
    fastpath.enabled = True
    assert answers["fast path"] == answers["Strawberry"], "the two paths differ"
    assert b'"errors"' not in answers["fast path"] and b"Rear pads" in answers["fast path"]
    print("same bytes both ways:", len(answers["fast path"]), "bytes")
    await bench.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.jobs, args.rounds, args.database_url))
