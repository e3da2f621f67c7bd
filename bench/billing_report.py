"""Benchmark: financialReport and receivables over a busy garage's year (10,000 invoices by default).

    .venv/bin/python bench/billing_report.py [--database-url URL] [--invoices 10000] [--rounds 9] [--no-seed]

Without --database-url it uses a fresh SQLite file. The database is reset and loaded by bench/seed_invoices.py
(bulk inserts), unless --no-seed reuses what is there. Each figure is the median of --rounds runs after two warm-up
runs: (a) the service function alone (the SQL and the folding), and (b) the whole GraphQL request through the ASGI
app (auth, parsing, resolvers, JSON). Also the CSV and XLSX exports of the year, through the HTTP download.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.seed_invoices import BENCH_EMAIL, BENCH_PASSWORD, seed  # noqa: E402
from backend.app import create_app  # noqa: E402
from backend.billing import reports  # noqa: E402
from backend.core.actor import Actor  # noqa: E402
from backend.core.permissions import Role, permissions_for_role  # noqa: E402
from backend.core.settings import Settings  # noqa: E402

REPORT = """query($p: PeriodInput!, $g: ReportGroupBy!) { financialReport(period: $p, groupBy: $g) {
  totals { revenue taxCollected invoicesIssued paymentsReceived withholding }
  buckets { start end figures { revenue taxCollected invoicesIssued creditNotes paymentsReceived } }
  byRevenueStream { stream figures { revenue } } byOperationsStream { stream figures { revenue } }
  paymentsByMethod { method amount withholding count } } }"""
RECEIVABLES = """query($d: Date!) { receivables(asOf: $d) { invoices totals { current days1To30 days31To60
  days61To90 over90 total } customers { customerId name balances { total } } } }"""
EXPORT = """query($p: PeriodInput!, $f: ExportFormat!, $w: ExportSubject!) {
  accountingExport(period: $p, format: $f, what: $w) { url } }"""


async def timed(fn, rounds: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        await fn()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--invoices", type=int, default=10000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--export-rounds", type=int, default=1)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    if not args.no_seed:
        seeded = await seed(url, args.invoices, args.year)
        print(f"{dialect}: seeded {seeded['counts']} in {seeded['seconds']:.1f} s")

    app = create_app(Settings(env="test", database_url=url, redis_url="", secret_key="bench-" + "x" * 40,
                              login_max_attempts_per_account=1000))
    db = app.state.services.db
    period = {"from": f"{args.year}-01-01", "to": f"{args.year}-12-31"}
    as_of = dt.date(args.year, 12, 31)
    rows: list[tuple[str, float, float | None]] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                 timeout=120) as client:
        login = await client.post("/graphql", json={"query": 'mutation { login(input: {email: "%s", password: "%s"})'
                                                             ' { accessToken } }' % (BENCH_EMAIL, BENCH_PASSWORD)})
        token = login.json()["data"]["login"]["accessToken"]
        headers = {"Authorization": "Bearer " + token}
        me = await client.post("/graphql", json={"query": "{ me { garage { id } } }"}, headers=headers)
        garage_id = me.json()["data"]["me"]["garage"]["id"]
        import uuid

        actor = Actor(garage_id=uuid.UUID(garage_id), permissions=permissions_for_role(Role.BILLING),
                      role=Role.BILLING)

        for group in ("DAY", "WEEK", "MONTH"):
            async def service(group=group):
                async with db.read() as s:
                    await reports.financial_report(s, actor, date_from=dt.date(args.year, 1, 1),
                                                   date_to=dt.date(args.year, 12, 31),
                                                   group_by=reports.GroupBy[group])

            async def graphql(group=group):
                r = await client.post("/graphql", json={"query": REPORT, "variables": {"p": period, "g": group}},
                                      headers=headers)
                body = r.json()
                assert "errors" not in body, body
                assert body["data"]["financialReport"]["totals"]["invoicesIssued"] > 0

            rows.append((f"financialReport year by {group.lower()}", await timed(service, args.rounds),
                         await timed(graphql, args.rounds)))

        async def rec_service():
            async with db.read() as s:
                await reports.receivables(s, actor, as_of=as_of)

        async def rec_graphql():
            r = await client.post("/graphql", json={"query": RECEIVABLES, "variables": {"d": as_of.isoformat()}},
                                  headers=headers)
            assert "errors" not in r.json(), r.json()

        rows.append((f"receivables asOf {as_of}", await timed(rec_service, args.rounds),
                     await timed(rec_graphql, args.rounds)))

        sizes = {}
        for fmt, what in (("QUICKBOOKS_CSV", "INVOICES"), ("XERO_CSV", "PAYMENTS"), ("XLSX", "INVOICES")):
            async def download(fmt=fmt, what=what):
                r = await client.post("/graphql", json={"query": EXPORT, "variables": {
                    "p": period, "f": fmt, "w": what}}, headers=headers)
                got = await client.get(r.json()["data"]["accountingExport"]["url"])
                assert got.status_code == 200 and len(got.content) > 1000
                return len(got.content)

            rows.append((f"export year {fmt} {what} (download)", float("nan"),
                         await timed(download, args.export_rounds, warmup=0)))
            sizes[fmt] = await download()
    await db.dispose()
    print(f"{dialect}, {args.invoices} invoices in {args.year}, median of {args.rounds} runs after 2 warm-ups "
          f"(exports: {args.export_rounds} run, no warm-up)")
    print(f"  {'':44} {'service':>10} {'GraphQL/HTTP':>14}")
    for name, service_ms, api_ms in rows:
        s = "" if service_ms != service_ms else f"{service_ms:8.1f} ms"
        print(f"  {name:44} {s:>10} {api_ms:11.1f} ms")
    print("  file sizes: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))


if __name__ == "__main__":
    asyncio.run(main())
