"""The KPI dashboard at chain scale: a generated garage of N sites and ~M invoiced jobs over Y years on PostgreSQL,
the facts rebuilt from scratch (timed), then the month dashboard and a year's trend over HTTP (p50 / p95).

    .venv/bin/python bench/analytics_scale.py                       # 50 sites, 1.5 M jobs, 5 years (long)
    .venv/bin/python bench/analytics_scale.py --sites 5 --jobs 150000 --rounds 20

    .venv/bin/python bench/analytics_scale.py --reuse --top-up --generate-only  # add jobs up to --jobs

The database (default postgresql+asyncpg://postgres@127.0.0.1:5432/bench_h4) is dropped and made again: never
point it at data you keep. The server is `mototrack serve` on 127.0.0.1:--port, signed in as the garage's admin.

Per site: 10 technicians (Mon-Fri 08:00-17:00, an hour's break), 2 advisors; vehicles are 20 % of the jobs, a
customer owns ~1.3 of them. The people, customers and vehicles are Python rows; the jobs and all that hangs on them
are made by PostgreSQL (sql_jobs: INSERT ... SELECT over generate_series, 250,000 jobs a batch). Every job is
invoiced (a labour line with billed hours, a part line on 60 %), clocked by its technician (billed hours x
0.7-1.3), 30 % have a quote (sent, about half approved), 25 % an inspection.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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
    from backend.core.db import Database
    from backend.core.enums import Locale
    from backend.core.permissions import Role
    from backend.core.security import hash_password
    from backend.customers.models import Customer, Vehicle
    from backend.workforce.models import WorkShift
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

    await db.dispose()
    started = time.perf_counter()
    await sql_jobs(url, gid, jobs, years, seed)
    print(f"  {jobs} jobs with invoices, clock entries, quotes and inspections in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return gid, admin_email


# The jobs and what hangs on them, made by PostgreSQL itself (INSERT ... SELECT over generate_series): 1.5 M jobs
# with their invoices, lines, clock entries, quotes and inspections in minutes instead of an hour of Python rows.
# The same shape as described at the top; numbers JC-<year>-S<n> (S: made here), so a top-up never collides.
_PICK = """
CREATE TEMP TABLE b_sites AS SELECT (row_number() OVER (ORDER BY name, id) - 1)::int AS i, id FROM sites
    WHERE garage_id = $1;
CREATE TEMP TABLE b_techs AS SELECT s.i AS si, (row_number() OVER (PARTITION BY s.i ORDER BY u.id) - 1)::int AS ti,
    u.id FROM users u JOIN b_sites s ON s.id = u.home_site_id WHERE u.role = 'TECHNICIAN';
CREATE TEMP TABLE b_advisors AS SELECT s.i AS si, (row_number() OVER (PARTITION BY s.i ORDER BY u.id) - 1)::int
    AS ti, u.id FROM users u JOIN b_sites s ON s.id = u.home_site_id WHERE u.role = 'SITE_MANAGER';
CREATE TEMP TABLE b_vehicles AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS i, id, owner_id FROM vehicles
    WHERE garage_id = $1;
CREATE INDEX ON b_vehicles (i); CREATE INDEX ON b_techs (si, ti); CREATE INDEX ON b_advisors (si, ti);
"""

_BATCH = """
CREATE TEMP TABLE b_gen AS
SELECT n, gen_random_uuid() AS jid, gen_random_uuid() AS iid, gen_random_uuid() AS qid, s.id AS site, t.id AS tech,
    a.id AS advisor, v.id AS vehicle, v.owner_id AS customer, x.day,
    (x.day + make_time(8 + x.h, x.mi, 0)) AT TIME ZONE 'Asia/Bangkok' AS opened, x.hours,
    (x.hours * x.rate)::bigint AS labour, x.has_part, x.pq,
    (ARRAY[120000, 45000, 250000])[x.pk] AS price, (ARRAY[85000, 30000, 190000])[x.pk] AS cost,
    (x.hours * 3600 * x.clockf)::int AS seconds, x.has_quote, x.qv, x.approved, x.has_insp
FROM (SELECT n, floor(random() * $5)::int AS si, floor(random() * 10)::int AS ti, floor(random() * 2)::int AS ai,
             floor(random() * $6)::int AS vi, $3::date + floor(random() * $4)::int AS day,
             floor(random() * 8)::int AS h, floor(random() * 60)::int AS mi,
             (ARRAY[0.5, 1.0, 1.5, 2.0, 3.0])[1 + floor(random() * 5)::int] AS hours,
             (ARRAY[60000, 70000, 80000])[1 + floor(random() * 3)::int] AS rate,
             random() < 0.6 AS has_part, 1 + floor(random() * 4)::int AS pq, 1 + floor(random() * 3)::int AS pk,
             0.7 + random() * 0.6 AS clockf, random() < 0.3 AS has_quote,
             (ARRAY[30000, 80000, 150000])[1 + floor(random() * 3)::int] AS qv, random() < 0.5 AS approved,
             random() < 0.25 AS has_insp
      FROM generate_series($2::bigint + 1, $2::bigint + $7) AS n WHERE $1::uuid IS NOT NULL) x
JOIN b_sites s ON s.i = x.si
JOIN b_techs t ON t.si = x.si AND t.ti = x.ti
JOIN b_advisors a ON a.si = x.si AND a.ti = x.ai
JOIN b_vehicles v ON v.i = x.vi;

INSERT INTO jobs (id, garage_id, site_id, number, year, sequence, vehicle_id, customer_id, operations_stream,
    revenue_stream, status, technician_id, advisor_id, version, created_at, updated_at, invoiced_at)
SELECT jid, $1, site, 'JC-' || extract(year FROM day)::int || '-S' || n, extract(year FROM day)::int, 10000000 + n,
    vehicle, customer, 'MECHANICAL', 'WALK_IN', 'INVOICED', tech, advisor, 1, opened, opened,
    opened + interval '6 hours'
FROM b_gen;

INSERT INTO invoices (id, garage_id, site_id, customer_id, vehicle_id, job_id, status, number, year, sequence,
    issue_date, revenue_stream, operations_stream, locale, currency, tax_label, tax_rate, prices_include_tax,
    subtotal, tax_total, total, paid_total, withholding_total, credited_total, refunded_total, balance_due,
    version, issued_at, created_at, updated_at)
SELECT iid, $1, site, customer, vehicle, jid, 'PAID', 'INV-' || extract(year FROM day)::int || '-S' || n,
    extract(year FROM day)::int, 10000000 + n, day, 'WALK_IN', 'MECHANICAL', 'EN', 'THB', 'VAT', 7, false,
    sub, tax, sub + tax, sub + tax, 0, 0, 0, 0, 1, opened + interval '6 hours', opened, opened
FROM (SELECT *, labour + CASE WHEN has_part THEN price * pq ELSE 0 END AS sub,
             labour * 7 / 100 + CASE WHEN has_part THEN price * pq * 7 / 100 ELSE 0 END AS tax FROM b_gen) g;

INSERT INTO invoice_lines (id, garage_id, invoice_id, position, kind, description, quantity, unit_price, discount,
    net, tax, total, billed_hours)
SELECT gen_random_uuid(), $1, iid, 0, 'LABOUR', 'Service', 1, labour, 0, labour, labour * 7 / 100,
    labour + labour * 7 / 100, hours FROM b_gen;

INSERT INTO invoice_lines (id, garage_id, invoice_id, position, kind, description, quantity, unit_price, discount,
    net, tax, total, unit_cost)
SELECT gen_random_uuid(), $1, iid, 1, 'PART', 'Part', pq, price, 0, price * pq, price * pq * 7 / 100,
    price * pq * 107 / 100, cost FROM b_gen WHERE has_part;

INSERT INTO time_clock_entries (id, garage_id, job_id, technician_id, started_at, ended_at, seconds)
SELECT gen_random_uuid(), $1, jid, tech, opened + interval '30 minutes',
    opened + interval '30 minutes' + make_interval(secs => seconds), seconds FROM b_gen;

INSERT INTO quotes (id, garage_id, site_id, customer_id, vehicle_id, job_id, number, year, sequence, status, locale,
    currency, tax_label, tax_rate, prices_include_tax, subtotal, tax_total, total, version, created_at, updated_at,
    revision, locked, sent_at)
SELECT qid, $1, site, customer, vehicle, jid, 'QT-' || extract(year FROM day)::int || '-S' || n,
    extract(year FROM day)::int, 10000000 + n, 'DRAFT', 'EN', 'THB', 'VAT', 7, false, qv, 0, qv, 1, opened, opened,
    1, false, opened + interval '1 hour' FROM b_gen WHERE has_quote;

INSERT INTO quote_lines (id, garage_id, quote_id, position, kind, description, quantity, unit_price, discount, net,
    tax, total, decision)
SELECT gen_random_uuid(), $1, qid, 0, 'LABOUR', 'Extra work', 1, qv, 0, qv, 0, qv,
    CASE WHEN approved THEN 'APPROVED' ELSE 'DECLINED' END FROM b_gen WHERE has_quote;

INSERT INTO inspections (id, garage_id, job_id, vehicle_id, name_en, sections, status, started_at, version)
SELECT gen_random_uuid(), $1, jid, vehicle, 'Multi-point', '[]', 'IN_PROGRESS', opened, 1 FROM b_gen WHERE has_insp;

DROP TABLE b_gen;
"""


async def sql_jobs(url: str, garage_id: uuid.UUID, target: int, years: int, seed: int, batch: int = 250_000) -> None:
    """Make the garage's jobs up to `target` (with invoices, lines, clock entries, quotes, inspections) by SQL."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute("SELECT setseed($1)", (seed % 1000) / 1000)
        have = await conn.fetchval("SELECT count(*) FROM jobs WHERE garage_id = $1", garage_id)
        offset = await conn.fetchval(
            "SELECT coalesce(max(sequence), 10000000) - 10000000 FROM jobs WHERE garage_id = $1 AND sequence > "
            "10000000", garage_id)
        for statement in _PICK.split(";\n"):
            if statement.strip():
                await conn.execute(statement, garage_id) if "$1" in statement else await conn.execute(statement)
        sites = await conn.fetchval("SELECT count(*) FROM b_sites")
        vehicles = await conn.fetchval("SELECT count(*) FROM b_vehicles")
        start_day = dt.date.today() - dt.timedelta(days=365 * years)
        days = (dt.date.today() - start_day).days
        started = time.perf_counter()
        while have < target:
            n = min(batch, target - have)
            async with conn.transaction():
                for statement in _BATCH.split(";\n\n"):
                    if not statement.strip():
                        continue
                    args = [garage_id, offset, start_day, days, sites, vehicles, n]
                    used = max(int(p[1:]) for p in __import__("re").findall(r"\$\d", statement)) \
                        if "$" in statement else 0
                    await conn.execute(statement, *args[:used])
            have, offset = have + n, offset + n
            print(f"  {have} jobs ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        await conn.close()


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
            # as the PWA's dashboard asks its tiles and rows: every KPI, retention included
            "every KPI, garage": (DASHBOARD, {"p": month, "g": "GARAGE", "only": None}),
            "every KPI, by site": (DASHBOARD, {"p": month, "g": "SITE", "only": None}),
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


async def missing_tables(url: str) -> None:
    """Fact tables added since the data set was generated (a data set kept with --reuse)."""
    import backend.schema  # noqa: F401
    from backend.core.db import Base, Database

    db = Database(url)
    async with db.write_engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, checkfirst=True))
    await db.dispose()


async def rebuild(url: str, garage_id: uuid.UUID) -> float:
    from backend.analytics.tasks import rebuild_facts

    await missing_tables(url)

    [(_, counts, seconds)] = await rebuild_facts(url, str(garage_id))
    print(f"  rebuild-facts: {counts['jobs']} jobs, {counts['quotes']} quotes, {counts['technicians']} "
          f"technicians, {counts.get('visits', '-')} customer visits in {seconds:.1f} s", flush=True)
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
    parser.add_argument("--top-up", action="store_true", help="with --reuse: make the jobs up to --jobs first")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        raise SystemExit("this benchmark is for PostgreSQL")
    print(f"generating {args.sites} sites, {args.jobs} jobs over {args.years} years into {args.url}", flush=True)
    asyncio.run(ensure_database(args.url))
    psql = ["psql", args.url.replace("+asyncpg", ""), "-qc", "VACUUM ANALYZE"]
    if args.reuse:
        garage_id, email = asyncio.run(existing(args.url))
        if args.top_up:
            asyncio.run(sql_jobs(args.url, garage_id, args.jobs, args.years, args.seed))
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
