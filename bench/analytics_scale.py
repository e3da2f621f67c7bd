"""The KPI dashboard at chain scale: a generated garage of N sites and ~M invoiced jobs over Y years on PostgreSQL,
the facts rebuilt from scratch (timed), then the month dashboard and a year's trend over HTTP (p50 / p95).

    .venv/bin/python bench/analytics_scale.py                       # 50 sites, 1.5 M jobs, 5 years (long)
    .venv/bin/python bench/analytics_scale.py --sites 5 --jobs 150000 --rounds 20

The database (default postgresql+asyncpg://postgres@127.0.0.1:5432/bench_h4) is dropped and made again: never
point it at data you keep. The server is `mototrack serve` on 127.0.0.1:--port, signed in as the garage's admin.

Per site: 10 technicians (Mon-Fri 08:00-17:00, an hour's break), 2 advisors; vehicles are 20 % of the jobs, a
customer owns ~1.3 of them. Every job is invoiced (a labour line with billed hours, a part line on 60 %), clocked
by its technician (billed hours x 0.7-1.3), 30 % have a quote (sent, about half approved), 25 % an inspection.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BKK = ZoneInfo("Asia/Bangkok")
PASSWORD = "bench password 123"
CHUNK = 20000


def uid() -> uuid.UUID:
    from backend.core.ids import new_id

    return new_id()


async def ensure_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgresql+asyncpg", "postgresql") + "/postgres"
    conn = await asyncpg.connect(admin)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def insert_all(db, model, rows: list[dict]) -> None:
    from sqlalchemy import insert

    for i in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(model), rows[i:i + CHUNK])


async def generate(url: str, sites: int, jobs: int, years: int, seed: int) -> tuple[uuid.UUID, str]:
    from backend.accounts import service as accounts
    from backend.accounts.models import Site, User
    from backend.billing.models import Invoice, InvoiceLine, InvoiceStatus, LineDecision, LineKind, Quote, QuoteLine
    from backend.core.db import Database
    from backend.core.enums import Locale, OperationsStream, RevenueStream
    from backend.core.permissions import Role
    from backend.core.security import hash_password
    from backend.customers.models import Customer, Vehicle
    from backend.inspections.models import Inspection
    from backend.workforce.models import WorkShift
    from backend.workshop.models import Job, JobStatus, TimeClockEntry
    from tests.fresh_db import fresh_schema
    import backend.schema  # noqa: F401 - every domain's models, for the relations between them

    rnd = random.Random(seed)
    db = Database(url)
    await fresh_schema(db)
    async with db.transaction() as session:
        garage = await accounts.create_garage(session, accounts.GarageSettingsInput(
            name="Bench Garage", currency="THB", time_zone="Asia/Bangkok", default_locale=Locale.EN))
    gid = garage.id
    pw = hash_password(PASSWORD)
    admin_email = f"admin.{gid.hex[:6]}@bench.example"
    site_rows, users, techs_of, advisors_of = [], [], {}, {}
    users.append(dict(id=uid(), garage_id=gid, email=admin_email, name="Owner", password_hash=pw, role=Role.ADMIN,
                      streams=[]))
    for s in range(sites):
        sid = uid()
        site_rows.append(dict(id=sid, garage_id=gid, name=f"Site {s + 1:02d}", branch_code=f"{s:05d}"))
        techs_of[sid], advisors_of[sid] = [], []
        for t in range(10):
            u = dict(id=uid(), garage_id=gid, email=f"t{s}.{t}.{gid.hex[:6]}@bench.example", name=f"Tech {s}-{t}",
                     password_hash=pw, role=Role.TECHNICIAN, streams=["MECHANICAL"], home_site_id=sid,
                     hourly_cost=rnd.choice((18000, 22000, 26000, 30000)))
            users.append(u)
            techs_of[sid].append(u["id"])
        for a in range(2):
            u = dict(id=uid(), garage_id=gid, email=f"a{s}.{a}.{gid.hex[:6]}@bench.example", name=f"Advisor {s}-{a}",
                     password_hash=pw, role=Role.SITE_MANAGER, streams=[], home_site_id=sid)
            users.append(u)
            advisors_of[sid].append(u["id"])
    await insert_all(db, Site, site_rows)
    await insert_all(db, User, users)
    start_day = dt.date.today() - dt.timedelta(days=365 * years)
    shifts = [dict(id=uid(), garage_id=gid, technician_id=t, weekday=d, starts=dt.time(8), ends=dt.time(17),
                   breaks=[{"start": "12:00", "end": "13:00"}], valid_from=start_day)
              for ts in techs_of.values() for t in ts for d in range(5)]
    await insert_all(db, WorkShift, shifts)

    n_vehicles = max(1, jobs // 5)
    customers = [dict(id=uid(), garage_id=gid, name=f"Customer {i}") for i in range(max(1, int(n_vehicles / 1.3)))]
    vehicles = [dict(id=uid(), garage_id=gid, registration=f"B{i:07d}", registration_display=f"B {i:07d}",
                     owner_id=rnd.choice(customers)["id"]) for i in range(n_vehicles)]
    await insert_all(db, Customer, customers)
    await insert_all(db, Vehicle, vehicles)
    print(f"  {len(site_rows)} sites, {len(users)} users, {len(customers)} customers, {len(vehicles)} vehicles",
          flush=True)

    site_ids = [s["id"] for s in site_rows]
    days = (dt.date.today() - start_day).days
    batch: dict[str, list] = {k: [] for k in ("jobs", "invoices", "lines", "clocks", "quotes", "qlines", "insp")}
    models = {"jobs": Job, "invoices": Invoice, "lines": InvoiceLine, "clocks": TimeClockEntry, "quotes": Quote,
              "qlines": QuoteLine, "insp": Inspection}
    sequence = {}

    async def flush() -> None:
        for key in ("jobs", "invoices", "lines", "clocks", "quotes", "qlines", "insp"):
            await insert_all(db, models[key], batch[key])
            batch[key].clear()

    started = time.perf_counter()
    for n in range(jobs):
        sid = rnd.choice(site_ids)
        vehicle = rnd.choice(vehicles)
        day = start_day + dt.timedelta(days=rnd.randrange(days))
        opened = dt.datetime.combine(day, dt.time(8 + rnd.randrange(8), rnd.randrange(60)), BKK).astimezone(dt.UTC)
        tech = rnd.choice(techs_of[sid])
        year = day.year
        sequence[year] = sequence.get(year, 0) + 1
        jid, iid = uid(), uid()
        hours = Decimal(rnd.choice(("0.5", "1.0", "1.5", "2.0", "3.0")))
        labour = int(hours * rnd.choice((60000, 70000, 80000)))
        batch["jobs"].append(dict(
            id=jid, garage_id=gid, site_id=sid, number=f"JC-{year}-{sequence[year]:07d}", year=year,
            sequence=sequence[year], vehicle_id=vehicle["id"], customer_id=vehicle["owner_id"],
            operations_stream=OperationsStream.MECHANICAL, revenue_stream=RevenueStream.WALK_IN,
            status=JobStatus.INVOICED, technician_id=tech, advisor_id=rnd.choice(advisors_of[sid]),
            created_at=opened, updated_at=opened, invoiced_at=opened + dt.timedelta(hours=6)))
        lines = [dict(id=uid(), garage_id=gid, invoice_id=iid, position=0, kind=LineKind.LABOUR,
                      description="Service", quantity=Decimal(1), unit_price=labour, net=labour,
                      tax=labour * 7 // 100, total=labour + labour * 7 // 100, billed_hours=hours)]
        if rnd.random() < 0.6:
            q = rnd.randint(1, 4)
            price, cost = rnd.choice(((120000, 85000), (45000, 30000), (250000, 190000)))
            lines.append(dict(id=uid(), garage_id=gid, invoice_id=iid, position=1, kind=LineKind.PART,
                              description="Part", quantity=Decimal(q), unit_price=price, net=price * q,
                              tax=price * q * 7 // 100, total=price * q * 107 // 100, unit_cost=cost))
        subtotal = sum(x["net"] for x in lines)
        tax = sum(x["tax"] for x in lines)
        batch["lines"] += lines
        batch["invoices"].append(dict(
            id=iid, garage_id=gid, site_id=sid, customer_id=vehicle["owner_id"], vehicle_id=vehicle["id"],
            job_id=jid, status=InvoiceStatus.PAID, number=f"INV-{year}-{sequence[year]:07d}", year=year,
            sequence=sequence[year], issue_date=day, revenue_stream=RevenueStream.WALK_IN,
            operations_stream=OperationsStream.MECHANICAL, currency="THB", tax_label="VAT", tax_rate=Decimal(7),
            subtotal=subtotal, tax_total=tax, total=subtotal + tax, paid_total=subtotal + tax, balance_due=0,
            issued_at=opened + dt.timedelta(hours=6), created_at=opened, updated_at=opened))
        seconds = int(hours * 3600 * Decimal(rnd.uniform(0.7, 1.3)))
        on = opened + dt.timedelta(minutes=30)
        batch["clocks"].append(dict(id=uid(), garage_id=gid, job_id=jid, technician_id=tech, started_at=on,
                                    ended_at=on + dt.timedelta(seconds=seconds), seconds=seconds))
        if rnd.random() < 0.3:
            qid = uid()
            value = rnd.choice((30000, 80000, 150000))
            approved = rnd.random() < 0.5
            batch["quotes"].append(dict(
                id=qid, garage_id=gid, site_id=sid, customer_id=vehicle["owner_id"], vehicle_id=vehicle["id"],
                job_id=jid, number=f"QT-{year}-{sequence[year]:07d}", year=year, sequence=sequence[year],
                currency="THB", tax_label="VAT", tax_rate=Decimal(7), sent_at=opened + dt.timedelta(hours=1),
                subtotal=value, total=value, created_at=opened, updated_at=opened))
            batch["qlines"].append(dict(
                id=uid(), garage_id=gid, quote_id=qid, kind=LineKind.LABOUR, description="Extra work",
                quantity=Decimal(1), unit_price=value, net=value, total=value,
                decision=LineDecision.APPROVED if approved else LineDecision.DECLINED))
        if rnd.random() < 0.25:
            batch["insp"].append(dict(id=uid(), garage_id=gid, job_id=jid, vehicle_id=vehicle["id"],
                                      name_en="Multi-point", sections=[], started_at=opened))
        if len(batch["jobs"]) >= CHUNK:
            await flush()
            if (n + 1) % (CHUNK * 10) == 0:
                print(f"  {n + 1} jobs ({time.perf_counter() - started:.0f} s)", flush=True)
    await flush()
    # Counters, so a job opened on the server after the bench gets the next number
    await db.dispose()
    print(f"  {jobs} jobs with invoices, clock entries, quotes and inspections in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return gid, admin_email


async def existing(url: str) -> tuple[uuid.UUID, str]:
    from sqlalchemy import select

    import backend.schema  # noqa: F401
    from backend.accounts.models import User
    from backend.core.db import Database
    from backend.core.permissions import Role

    db = Database(url)
    async with db.read() as session:
        garage_id, email = (await session.execute(select(User.garage_id, User.email).where(
            User.role == Role.ADMIN))).one()
    await db.dispose()
    return garage_id, email


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(round(len(ordered) * fraction)) - 1)]


def serve(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "MOTOTRACK_DATABASE_URL": url, "MOTOTRACK_REDIS_URL": "", "MOTOTRACK_ENV": "development",
           "MOTOTRACK_SECRET_KEY": "bench-secret-" + "x" * 40, "MOTOTRACK_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([str(ROOT / ".venv/bin/mototrack"), "serve", "--host", "127.0.0.1", "--port",
                             str(port)], env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


DASHBOARD = """query($p: KpiPeriodInput!, $g: KpiGroup!, $only: [Kpi!]) { kpis(period: $p, group: $g, only: $only) {
  period { from to }
  rows { key name jobs importedJobs values { kpi current { value numerator denominator } previous { value }
  lastYear { value } goal offGoal } } } }"""
TREND = """query($end: Date!, $only: [Kpi!]) { kpiTrend(endMonth: $end, months: 12, only: $only) {
  month values { kpi current { value } } } }"""
# the tiles: every KPI but retention, which looks two years back and is asked for on its own
TILES = ["EFFICIENCY", "PRODUCTIVITY", "PROFICIENCY", "EFFECTIVE_LABOUR_RATE", "AVERAGE_REPAIR_ORDER",
         "HOURS_PER_REPAIR_ORDER", "CAR_COUNT", "PARTS_GROSS_PROFIT", "LABOUR_GROSS_PROFIT", "QUOTE_CLOSING_VALUE",
         "QUOTE_CLOSING_COUNT", "INSPECTION_RATE", "COMEBACK_RATE", "SALES", "INVOICED_JOBS"]


async def measure(port: int, email: str, rounds: int) -> dict[str, tuple[float, float]]:
    import httpx

    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for _ in range(120):
            try:
                if (await client.get("/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        login = await client.post("/graphql", json={"query": """mutation($i: LoginInput!) { login(input: $i) {
            accessToken errors { code } } }""", "variables": {"i": {"email": email, "password": PASSWORD}}})
        token = login.json()["data"]["login"]["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}
        last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).isoformat()
        month = {"kind": "MONTH", "date": last_month}
        cases = {
            "month dashboard, garage": (DASHBOARD, {"p": month, "g": "GARAGE", "only": TILES}),
            "month dashboard, by site": (DASHBOARD, {"p": month, "g": "SITE", "only": TILES}),
            "month dashboard, by technician": (DASHBOARD, {"p": month, "g": "TECHNICIAN", "only": TILES}),
            "retention alone, garage": (DASHBOARD, {"p": month, "g": "GARAGE", "only": ["RETENTION"]}),
            "year's trend (12 months)": (TREND, {"end": last_month, "only": TILES}),
        }
        out = {}
        for name, (query, variables) in cases.items():
            times = []
            for i in range(rounds + 2):
                t0 = time.perf_counter()
                r = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
                elapsed = (time.perf_counter() - t0) * 1000
                body = r.json()
                assert not body.get("errors"), body["errors"]
                if i >= 2:  # two warm-ups
                    times.append(elapsed)
            out[name] = (statistics.median(times), percentile(times, 0.95))
            print(f"  {name:<34} p50 {out[name][0]:8.1f} ms   p95 {out[name][1]:8.1f} ms", flush=True)
    return out


async def rebuild(url: str, garage_id: uuid.UUID) -> float:
    from backend.analytics.tasks import rebuild_facts

    [(_, counts, seconds)] = await rebuild_facts(url, str(garage_id))
    print(f"  rebuild-facts: {counts['jobs']} jobs, {counts['quotes']} quotes, {counts['technicians']} "
          f"technicians in {seconds:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/bench_h4")
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=1_500_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--port", type=int, default=8450)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--reuse", action="store_true", help="keep the data generated by an earlier run")
    parser.add_argument("--no-rebuild", action="store_true", help="with --reuse: keep the facts too")
    parser.add_argument("--generate-only", action="store_true", help="generate the data set, then stop")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        raise SystemExit("this benchmark is for PostgreSQL")
    print(f"generating {args.sites} sites, {args.jobs} jobs over {args.years} years into {args.url}", flush=True)
    asyncio.run(ensure_database(args.url))
    psql = ["psql", args.url.replace("+asyncpg", ""), "-qc", "VACUUM ANALYZE"]
    if args.reuse:
        garage_id, email = asyncio.run(existing(args.url))
    else:
        garage_id, email = asyncio.run(generate(args.url, args.sites, args.jobs, args.years, args.seed))
    if args.generate_only:
        subprocess.run(psql, check=False)
        return
    if not args.no_rebuild:
        subprocess.run(psql, check=False)  # fresh tables: the planner needs their statistics
        asyncio.run(rebuild(args.url, garage_id))
        subprocess.run(psql, check=False)
    server = serve(args.url, args.port)
    try:
        print("over HTTP (mototrack serve, one process):", flush=True)
        asyncio.run(measure(args.port, email, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
