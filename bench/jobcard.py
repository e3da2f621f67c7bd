"""The job card's read: the PWA's JobCard query (as a site manager and as a technician) against a job with many
tasks, parts requests, clock entries, timeline events and quotes, through the real ASGI app; and the job sheet PDF.

    .venv/bin/python bench/jobcard.py [--rows 10] [--rounds 30] [--database-url sqlite+aiosqlite:///...]

Prints, per role, the SQL statements of one request and the mean / median / max milliseconds of `--rounds` requests
(after one warm-up), then the warm render time of the job sheet in English and Thai. Default database: a fresh
SQLite file in a temporary directory (a PostgreSQL URL is emptied first: never point it at data you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from decimal import Decimal

from _inprocess import fresh_bench

# the staff card's selection for a site manager (prices, owner, quotes, invoices) and the technician's extra sections
SITE_FIELDS = """id number status version complaint cause correction clockedHours billedHours
  site { id name } technician { id name } vehicle { id registrationDisplay make model year colour vin mileage }
  customer { id name phone email vehicles { id registrationDisplay } }
  tasks { id name nameTh status billedHours labourCost completedAt }
  partsRequests { id quantity status note item { id sku nameEn nameTh } }
  timeline { id at kind actorLabel fromStatus toStatus note }
  clockEntries { id startedAt endedAt hours technician { id name } }
  quotes { id number status total lines { id description decision total } }
  invoices { id number status total balanceDue }"""
TECH_FIELDS = """id version complaint cause correction clockedHours billedHours
  timeline { id at kind actorLabel fromStatus toStatus note }
  clockEntries { id startedAt endedAt hours technician { id name } }"""


async def main(rows: int, rounds: int, database_url: str | None) -> None:
    from backend.billing.service import quotes
    from backend.billing.service.common import LineInput
    from backend.core.db import utcnow
    from backend.core.enums import OperationsStream
    from backend.core.permissions import Role
    from backend.customers import service as customers
    from backend.inventory.models import WarehouseItem
    from backend.workshop.jobsheet import job_sheet_view, render_job_sheet_pdf
    from backend.workshop.models import JobTask, PartsRequest, TimeClockEntry
    from backend.workshop.service import jobs

    bench = await fresh_bench(database_url)
    db, world, site = bench.db, bench.world, bench.site
    sm, tech_id = world.actor(Role.SITE_MANAGER), world.users[Role.TECHNICIAN].id
    async with db.transaction() as session:
        owner = await customers.create_customer(session, sm, customers.CustomerInput(name="Somchai Jaidee",
                                                                                     phone="081-234-5678"))
        vehicle = await customers.create_vehicle(session, sm, customers.VehicleInput(registration="1กข 2345",
                                                                                     owner_id=owner.id))
        job = await jobs.create_job(session, sm, jobs.CreateJobData(
            site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
            revenue_stream="WALK_IN", issues_reported="Brakes squeal"))
        await jobs.assign_job(session, sm, job.id, tech_id)
        item = WarehouseItem(garage_id=world.id, sku="BRK-1", name_en="Brake pads", name_th="ผ้าเบรก",
                             quantity_on_hand=10_000)
        session.add(item)
        await session.flush()
        for i in range(rows):
            session.add_all([
                JobTask(garage_id=world.id, job_id=job.id, name=f"Task {i}", billed_hours=Decimal("0.5"),
                        position=i),
                PartsRequest(garage_id=world.id, job_id=job.id, item_id=item.id, quantity=1),
                TimeClockEntry(garage_id=world.id, job_id=job.id, technician_id=tech_id, started_at=utcnow(),
                               ended_at=utcnow(), seconds=600),
            ])
            await quotes.create_quote(session, sm, quotes.QuoteData(job_id=job.id, lines=[
                LineInput(kind="LABOUR", description=f"Line {i}", quantity=Decimal("1"), unit_price=10000)]))
        await session.flush()

    async with bench.client() as client:
        for role, fields in (("SITE_MANAGER", SITE_FIELDS), ("TECHNICIAN", TECH_FIELDS)):
            body = {"query": f"query JobCard($id: ID!) {{ job(id: $id) {{ {fields} }} }}", "variables": {"id": str(job.id)}}
            run = await bench.measure(client, body, bench.headers(Role[role]), rounds)
            print(f"JobCard {role:12} rows={rows:4} statements={run.statements:3}  {run.summary()}")
    user = world.users[Role.SITE_MANAGER]
    for locale in ("en", "th"):
        async with db.read() as session:
            view = await job_sheet_view(session, world.id, job.id, user, locale)
        render_job_sheet_pdf(view)
        times = []
        for _ in range(max(3, rounds // 5)):
            started = time.perf_counter()
            render_job_sheet_pdf(view)
            times.append((time.perf_counter() - started) * 1000)
        print(f"job sheet {locale}  rows={rows:4}  mean {statistics.mean(times):7.1f} ms  max {max(times):7.1f} ms")
    await bench.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.rounds, args.database_url))
