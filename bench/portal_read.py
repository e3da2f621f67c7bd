"""The customer portal's read: the whole `portal` query (job, timeline, quotes with their lines, invoices,
documents, inspections) for one portal link whose job has `--quotes` sent quotes of three lines, through the real
ASGI app at /portal/graphql, as the customer's browser asks it.

    .venv/bin/python bench/portal_read.py [--quotes 1,10] [--rounds 50] [--database-url URL]

Prints, per size, the SQL statements of one request (the same for every size: each kind of row is read once) and
the mean / median / max milliseconds of `--rounds` requests after one warm-up. Every request also writes its audit
row. Default database: a fresh SQLite file in a temporary directory (a PostgreSQL URL is emptied first: never point
it at data you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


async def seed(db, world, quotes: int):
    from backend.billing.service import quotes as quotes_service
    from backend.billing.service.common import LineInput
    from backend.core.permissions import Role
    from tests.billing.helpers import job_in_progress, workshop

    w = await workshop(db, world)
    job = await job_in_progress(db, world, w)
    sm = world.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        for _ in range(quotes):
            q = await quotes_service.create_quote(session, sm, quotes_service.QuoteData(job_id=job.id, lines=[
                LineInput(kind="LABOUR", task_action_id=w.action.id),
                LineInput(kind="PART", item_id=w.item.id, quantity=2),
                LineInput(kind="LABOUR", description="Road test", unit_price=30000)]))
            await quotes_service.send_quote(session, sm, q.id)
    return job


async def token_of(db, settings, job) -> str:
    from backend.portal import service

    async with db.transaction() as session:
        link = await service.ensure_link(session, job)
        return service.portal_url(settings, link).rsplit("#", 1)[1]


async def main(sizes: list[int], rounds: int, database_url: str | None) -> None:
    import httpx
    from sqlalchemy import event

    from backend.app import create_app
    from tests.conftest import make_garage, make_settings
    from tests.fresh_db import fresh_schema
    from tests.portal.helpers import PORTAL_QUERY

    settings = make_settings(database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db",
                             portal_requests_per_minute=1_000_000)
    app = create_app(settings)
    db = app.state.services.db
    await fresh_schema(db)
    seen: list[int] = [0]
    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *_: seen.__setitem__(0, seen[0] + 1))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1)),
                                 base_url="http://bench") as client:
        for size in sizes:
            world = await make_garage(app, f"Bench Garage {size}")
            job = await seed(db, world, size)
            auth = {"Authorization": f"Portal {await token_of(db, settings, job)}"}
            warm = (await client.post("/portal/graphql", json={"query": PORTAL_QUERY}, headers=auth)).json()
            assert not warm.get("errors") and len(warm["data"]["portal"]["quotes"]) == size, warm
            seen[0] = 0
            ms = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                await client.post("/portal/graphql", json={"query": PORTAL_QUERY}, headers=auth)
                ms.append((time.perf_counter() - t0) * 1000)
            print(f"portal, {size:3} quote(s) of 3 lines  statements={seen[0] // rounds:3}  "
                  f"mean {statistics.mean(ms):7.2f} ms  median {statistics.median(ms):7.2f} ms  max {max(ms):7.2f} ms")
    await db.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", default="1,10", help="comma-separated numbers of quotes on the job")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    a = parser.parse_args()
    asyncio.run(main([int(x) for x in a.quotes.split(",")], a.rounds, a.database_url))


if __name__ == "__main__":
    cli()
