"""Global search at scale over HTTP: the PWA's GlobalSearch operation against a real server (`mototrack serve`)
on the reminder benchmark's garage (300,000 vehicles and owners, 1.5 M jobs), p50 / p95 per kind of term.

    # once: the data (bench/reminder_scan.py), e.g.
    BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_reminders \\
        .venv/bin/python bench/reminder_scan.py --vehicles 300000 --history 4
    BENCH_DATABASE_URL=... .venv/bin/python bench/search_scale.py [--rounds 200] [--port 8765]

The set-up (idempotent) migrates the database to the newest revision, writes the generated owners' phones in E.164 as the app stores them, adds a bench
administrator and runs ANALYZE. The server runs with Redis (MOTOTRACK_REDIS_URL, default db 4) so that it does
not start the in-process reminder scan. Terms are taken from the data: a registration as written on the plate and
its last digits, a phone typed nationally and in E.164, a customer's name, a job number; each is sent as the PWA
sends it (`first: 10`). Prints p50 / p95 / max milliseconds per kind and over all requests (the statements
per search are asserted by tests/search/test_search.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

SEARCH = """query GlobalSearch($query: String!, $first: Int) {
  search(query: $query, first: $first) { kind id title subtitle status }
}"""
EMAIL, PASSWORD = "search-bench@bench.example", "search-bench-password"
SECRET = "search-bench-" + "x" * 40


async def prepare(url: str) -> dict[str, list[str]]:
    """E.164 phones, the bench user, and the terms to search for (drawn from the data, seeded)."""
    import backend.schema  # noqa: F401  (every model)
    from backend.accounts import service as accounts
    from backend.accounts.models import Garage
    from backend.core.actor import Actor
    from backend.core.db import Database
    from backend.core.migrate import upgrade_on_connection
    from backend.core.permissions import Role, permissions_for_role

    db = Database(url)
    async with db.write_engine.connect() as conn:  # the search's indexes (migration 0015) on older bench data
        await conn.run_sync(upgrade_on_connection)
        await conn.commit()
    async with db.transaction() as s:
        await s.execute(text("UPDATE customers SET phone = replace(phone, ' ', '') WHERE phone LIKE '% %'"))
        garage_id = (await s.execute(text("SELECT id FROM garages ORDER BY id LIMIT 1"))).scalar_one()
        garage = await s.get(Garage, garage_id)
        if (await s.execute(text("SELECT 1 FROM users WHERE email = :e"), {"e": EMAIL})).first() is None:
            actor = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN)
            await accounts.create_user(s, actor, accounts.UserInput(email=EMAIL, name="Search bench",
                                                                    password=PASSWORD, role=Role.ADMIN))
    async with db.write_engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    rng = random.Random(14)
    async with db.read() as s:
        vehicles = (await s.execute(text(
            "SELECT registration_display FROM vehicles TABLESAMPLE SYSTEM (1) REPEATABLE (14) LIMIT 400"))).all()
        phones = (await s.execute(text(
            "SELECT phone, name FROM customers TABLESAMPLE SYSTEM (1) REPEATABLE (14) "
            "WHERE phone IS NOT NULL LIMIT 400"))).all()
        jobs = (await s.execute(text(
            "SELECT number FROM jobs TABLESAMPLE SYSTEM (0.2) REPEATABLE (14) LIMIT 400"))).all()
    await db.dispose()
    plates = [r[0] for r in vehicles]
    terms = {
        "registration as on the plate": plates,
        "registration, its last 4 digits": [p[-4:] for p in plates],
        "phone typed nationally (0...)": ["0" + r[0][3:6] + " " + r[0][6:] for r in phones],
        "phone in E.164": [r[0] for r in phones],
        "customer name": [r[1] for r in phones],
        "job number": [r[0] for r in jobs],
    }
    for values in terms.values():
        rng.shuffle(values)
    return terms


def start_server(url: str, port: int, redis_url: str) -> subprocess.Popen:
    env = dict(os.environ, MOTOTRACK_DATABASE_URL=url, MOTOTRACK_SECRET_KEY=SECRET, MOTOTRACK_REDIS_URL=redis_url,
               MOTOTRACK_LOG_LEVEL="WARNING", MOTOTRACK_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT="1000")
    return subprocess.Popen([str(ROOT / ".venv/bin/mototrack"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def wait_ready(client: httpx.AsyncClient, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped: " + server.stderr.read().decode()[-2000:])
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not answer /healthz within 60 s")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="requests per kind of term")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_reminders")
    terms = await prepare(url)
    server = start_server(url, args.port, args.redis_url)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as client:
            await wait_ready(client, server)
            login = await client.post("/graphql", json={"query": 'mutation { login(input: {email: "%s", password: '
                                                                 '"%s"}) { accessToken } }' % (EMAIL, PASSWORD)})
            headers = {"Authorization": "Bearer " + login.json()["data"]["login"]["accessToken"]}

            async def search(term: str) -> float:
                started = time.perf_counter()
                response = await client.post("/graphql", headers=headers, json={
                    "query": SEARCH, "operationName": "GlobalSearch", "variables": {"query": term, "first": 10}})
                took = (time.perf_counter() - started) * 1000
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise SystemExit(f"search {term!r} failed: {response.status_code} {body}")
                return took

            for values in terms.values():  # warm-up: connections, caches, PostgreSQL's plans
                for term in values[:10]:
                    await search(term)
            everything = []
            print(f"search over HTTP ({args.rounds} requests per kind, one at a time, first: 10)")
            for kind, values in terms.items():
                times = sorted([await search(values[i % len(values)]) for i in range(args.rounds)])
                everything += times
                print(f"  {kind:34} p50 {statistics.median(times):6.1f} ms   "
                      f"p95 {times[int(len(times) * 0.95) - 1]:6.1f} ms   max {times[-1]:6.1f} ms", flush=True)
            everything.sort()
            print(f"  {'all':34} p50 {statistics.median(everything):6.1f} ms   "
                  f"p95 {everything[int(len(everything) * 0.95) - 1]:6.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
