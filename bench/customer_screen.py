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
from decimal import Decimal

from _inprocess import fresh_bench

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
    from backend.core.enums import OperationsStream
    from backend.core.permissions import Role
    from backend.customers import service as customers
    from backend.workshop.models import JobTask
    from backend.workshop.service import jobs

    bench = await fresh_bench(database_url)
    world, site, sm = bench.world, bench.site, bench.world.actor(Role.SITE_MANAGER)
    async with bench.db.transaction() as session:
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

    async with bench.client() as client:
        for name, query, target in (("CustomerScreen", CUSTOMER, owner.id), ("VehicleScreen", VEHICLE, vehicles[0].id)):
            body = {"query": query, "variables": {"id": str(target)}}
            run = await bench.measure(client, body, bench.headers(Role.SITE_MANAGER), rounds)
            print(f"{name:14} rows={rows:4} statements={run.statements:3}  {run.summary()}")
    await bench.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.rounds, args.database_url))
