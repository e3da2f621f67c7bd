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
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))



async def main(jobs: int, rounds: int, database_url: str | None) -> None:
    import httpx
    from sqlalchemy import event

    from backend.app import create_app
    from backend.billing.models import DeferredWork
    from backend.core.enums import OperationsStream
    from backend.core.permissions import Role
    from backend.customers import service as customers
    from backend.workshop.service import jobs as jobs_service
    from tests.api.test_fastpath import VEHICLE  # the PWA's document, as the byte-equality test sends it
    from tests.conftest import make_garage, make_settings
    from tests.fresh_db import fresh_schema
    from tests.workshop.helpers import make_site

    url = database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(make_settings(url))
    db = app.state.services.db
    await fresh_schema(db)
    world = await make_garage(app, "Bench Garage")
    site = await make_site(db, world)
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

    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    fastpath = app.state.fastpath
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
    headers = {"Authorization": f"Bearer {world.token(Role.WORKSHOP_MANAGER)}"}
    body = {"query": VEHICLE, "variables": {"registration": "1กข2345"}}
    answers = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, enabled in (("fast path", True), ("Strawberry", False)):
            fastpath.enabled = enabled
            for _ in range(5):
                answer = await client.post("/graphql", json=body, headers=headers)
            answers[name] = answer.content
            statements = 0
            await client.post("/graphql", json=body, headers=headers)
            one = statements
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                await client.post("/graphql", json=body, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            print(f"{name:11} jobs={jobs:3} statements={one:2}  mean {statistics.mean(times):6.2f} ms  "
                  f"median {statistics.median(times):6.2f} ms  p95 {times[int(len(times) * 0.95) - 1]:6.2f} ms")
    fastpath.enabled = True
    assert answers["fast path"] == answers["Strawberry"], "the two paths differ"
    assert b'"errors"' not in answers["fast path"] and b"Rear pads" in answers["fast path"]
    print("same bytes both ways:", len(answers["fast path"]), "bytes")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.jobs, args.rounds, args.database_url))
