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
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
    import httpx
    from sqlalchemy import event

    from backend.app import create_app
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
    from tests.conftest import make_garage, make_settings
    from tests.fresh_db import fresh_schema
    from tests.workshop.helpers import make_site

    url = database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(make_settings(url))
    db = app.state.services.db
    await fresh_schema(db)
    world = await make_garage(app, "Bench Garage")
    site = await make_site(db, world)
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

    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for role, fields in (("SITE_MANAGER", SITE_FIELDS), ("TECHNICIAN", TECH_FIELDS)):
            body = {"query": f"query JobCard($id: ID!) {{ job(id: $id) {{ {fields} }} }}", "variables": {"id": str(job.id)}}
            headers = {"Authorization": f"Bearer {world.token(Role[role])}"}
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
            print(f"JobCard {role:12} rows={rows:4} statements={one:3}  mean {statistics.mean(times):7.2f} ms  "
                  f"median {statistics.median(times):7.2f} ms  max {max(times):7.2f} ms")
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
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.rounds, args.database_url))
