"""The customer and vehicle screens' reads: the PWA's CustomerScreen and VehicleScreen queries (as a site manager)
for a customer with `--rows` vehicles, each with `--rows` jobs of two tasks, through the real ASGI app.

    .venv/bin/python bench/customer_screen.py [--rows 10] [--rounds 30] [--database-url sqlite+aiosqlite:///...]

Prints, per screen, the SQL statements of one request and the mean / median / max milliseconds of `--rounds`
requests (after one warm-up). Default database: a fresh SQLite file in a temporary directory (a PostgreSQL URL is
emptied first: never point it at data you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the selections of pwa/src/main/staff/CustomerScreen.tsx and VehicleScreen.tsx
CUSTOMER = """query CustomerScreen($id: ID!) { customer(id: $id) { id name kind phone email address taxId branch notes
  consentSms consentEmail version vehicles { id registrationDisplay make model year }
  jobs { id number status createdAt vehicle { registrationDisplay } }
  communications(first: 20) { edges { node { id event channelLabel status createdAt sentAt } } } } }"""
VEHICLE = """query VehicleScreen($id: ID!) { vehicle(id: $id) {
  id registrationDisplay vin make model year colour fuel firstRegistrationDate mileage notes
  owner { id name phone } ownershipHistory { startedAt endedAt note customer { id name } }
  mileageLog { mileage recordedAt reason }
  jobs { id number status operationsStream createdAt mileageIn complaint issuesReported correction workDoneNotes
    tasks { id displayName status } }
  deferredWork { id description amount currency createdAt } serviceDue { date mileage } motDue
  dutiesDue { kind dueOn from } } }"""


async def main(rows: int, rounds: int, database_url: str | None) -> None:
    import httpx
    from sqlalchemy import event

    from backend.app import create_app
    from backend.core.enums import OperationsStream
    from backend.core.permissions import Role
    from backend.customers import service as customers
    from backend.workshop.models import JobTask
    from backend.workshop.service import jobs
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
        owner = await customers.create_customer(session, sm, customers.CustomerInput(name="Somchai Jaidee"))
        vehicles = []
        for v in range(rows):
            vehicle = await customers.create_vehicle(session, sm, customers.VehicleInput(
                registration=f"BK{v:04d}", owner_id=owner.id, mileage=1000 * (v + 1)))
            vehicles.append(vehicle)
            for _ in range(rows):
                job = await jobs.create_job(session, sm, jobs.CreateJobData(
                    site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
                    revenue_stream="WALK_IN", issues_reported="Service"))
                session.add_all([JobTask(garage_id=world.id, job_id=job.id, name=f"Task {i}",
                                         billed_hours=Decimal("0.5"), position=i) for i in range(2)])
        await session.flush()

    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
    headers = {"Authorization": f"Bearer {world.token(Role.SITE_MANAGER)}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, query, target in (("CustomerScreen", CUSTOMER, owner.id), ("VehicleScreen", VEHICLE, vehicles[0].id)):
            body = {"query": query, "variables": {"id": str(target)}}
            answer = (await client.post("/graphql", json=body, headers=headers)).json()
            assert not answer.get("errors"), answer["errors"]
            statements = 0
            await client.post("/graphql", json=body, headers=headers)
            one = statements
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                await client.post("/graphql", json=body, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{name:14} rows={rows:4} statements={one:3}  mean {statistics.mean(times):7.2f} ms  "
                  f"median {statistics.median(times):7.2f} ms  max {max(times):7.2f} ms")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.rounds, args.database_url))
