"""In-process benchmark: the GraphQL stack against hand-written SQL for the same answer.

    .venv/bin/python bench/graphql_vs_sql.py [--database-url URL] [--customers 2000] [--rounds 200]

It loads a garage with N customers (1-3 vehicles each), then times `customers(first: 50)` with each customer's
vehicles, (a) through the whole app (ASGI, auth, parse/validate cache, resolvers, loaders, JSON) and (b) as two
hand-written SQL statements plus json.dumps. The ratio is the price of the GraphQL layer; watch it over time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.core.db import Database  # noqa: E402
from backend.core.settings import Settings  # noqa: E402
from tests.fresh_db import fresh_schema  # noqa: E402

QUERY = "{ customers(first: 50) { edges { node { id name phone vehicles { id registration make model } } } } }"


async def prepare(url: str, customers: int) -> tuple[str, str]:
    from backend.accounts import service as accounts
    from backend.core.actor import Actor
    from backend.core.permissions import Role, permissions_for_role
    from backend.customers import service as cs

    db = Database(url)
    await fresh_schema(db)
    rng = random.Random(7)
    async with db.transaction() as s:
        garage = await accounts.create_garage(s, accounts.GarageSettingsInput(name="Bench Garage"))
        actor = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN)
        await accounts.create_user(s, actor, accounts.UserInput(email="bench@bench.example", name="Bench",
                                                                password="bench-password", role=Role.ADMIN))
        for i in range(customers):
            c = await cs.create_customer(s, actor, cs.CustomerInput(name=f"Customer {i:05d}",
                                                                    phone=f"08{rng.randint(10000000, 99999999)}"))
            for j in range(rng.randint(1, 3)):
                await cs.create_vehicle(s, actor, cs.VehicleInput(registration=f"BN{i:05d}{j}", make="Toyota",
                                                                  model="Hilux", owner_id=c.id))
    await db.dispose()
    return str(garage.id), "bench@bench.example"


async def hand_written(db: Database, garage_id: str) -> bytes:
    async with db.read() as s:
        rows = (await s.execute(text(
            "SELECT id, name, phone FROM customers WHERE garage_id = :g ORDER BY name, id LIMIT 51"),
            {"g": garage_id.replace("-", "") if db.is_sqlite else garage_id})).all()
        ids = [r.id for r in rows[:50]]
        vehicles = (await s.execute(text(
            "SELECT id, registration, make, model, owner_id FROM vehicles WHERE owner_id IN :ids "
            "ORDER BY registration, id").bindparams(__import__("sqlalchemy").bindparam("ids", expanding=True)),
            {"ids": ids})).all()
    by_owner: dict = {}
    for v in vehicles:
        by_owner.setdefault(v.owner_id, []).append({"id": str(v.id), "registration": v.registration,
                                                     "make": v.make, "model": v.model})
    edges = [{"node": {"id": str(r.id), "name": r.name, "phone": r.phone, "vehicles": by_owner.get(r.id, [])}}
             for r in rows[:50]]
    return json.dumps({"data": {"customers": {"edges": edges}}}).encode()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    garage_id, email = await prepare(url, args.customers)
    app = create_app(Settings(env="test", database_url=url, secret_key="bench-" + "x" * 40,
                              login_max_attempts_per_account=1000))
    db = app.state.services.db
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        login = await client.post("/graphql", json={"query": 'mutation { login(input: {email: "%s", password: '
                                                             '"bench-password"}) { accessToken } }' % email})
        headers = {"Authorization": "Bearer " + login.json()["data"]["login"]["accessToken"]}

        async def via_graphql():
            r = await client.post("/graphql", json={"query": QUERY}, headers=headers)
            assert len(r.json()["data"]["customers"]["edges"]) == 50

        async def via_sql():
            await hand_written(db, garage_id)

        results = {}
        for name, fn in (("graphql", via_graphql), ("sql", via_sql)):
            for _ in range(20):
                await fn()
            times = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                await fn()
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            results[name] = (statistics.median(times), times[int(len(times) * 0.99) - 1])
    await db.dispose()
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"customers(first: 50) with vehicles, {args.customers} customers, {dialect}, {args.rounds} rounds")
    for name, (p50, p99) in results.items():
        print(f"  {name:8} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    print(f"  graphql / sql (p50): {results['graphql'][0] / results['sql'][0]:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
