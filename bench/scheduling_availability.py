"""The calendar's reads over real HTTP: one site with 20 technicians, 10 lifts and 3 months of appointments (the data of
bench/availability.py, about 2,000 appointments), three technicians on a week's leave, served by uvicorn on
127.0.0.1 and asked through a TCP socket as the PWA asks: `availableSlots` (the new-appointment panel's
suggestions, 2 hours over 14 and 92 days), the calendar screen's week query (`weekCalendar` with its `capacity`
header, pwa/src/main/staff/calendar/data.ts) and `arrivalsToday`. p50 / p95 per query and its statement count.

    .venv/bin/python bench/scheduling_availability.py [--database-url URL] [--rounds 20] [--port 8150] [--week]

--week: only the calendar screen's week query, each view asked with the fast read path (backend/scheduling/
fastpath.py) and without it (plain Strawberry execution), in the same run on the same data.

Takes about a minute on SQLite with the default rounds. A PostgreSQL URL is emptied first: never point it at data
you keep.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._inprocess import Run, fresh_bench  # noqa: E402
from bench.availability import seed  # noqa: E402 - the same site, technicians and appointments

SLOTS = """query CalendarSlots($siteId: ID!, $from: DateTime!, $days: Int!) {
  availableSlots(siteId: $siteId, stream: MECHANICAL, hours: "2", from: $from, days: $days, limit: 6) {
    startsAt endsAt bay { id name } technician { id name } } }"""
ARRIVALS = """query ArrivalsToday($siteId: ID!) { arrivalsToday(siteId: $siteId) { id status version
  vehicle { registration } customer { name } allocations { startsAt technician { name } bay { name } } } }"""


def screen_week() -> str:
    """The calendar screen's own document, as tests/scheduling/test_working_time.py holds it."""
    from tests.scheduling.test_working_time import SCREEN_WEEK

    return SCREEN_WEEK


async def leave(bench, monday: dt.date) -> None:
    """Three technicians away for the second week (the availability search subtracts it)."""
    from sqlalchemy import select

    from backend.accounts.models import User
    from backend.core.permissions import Role
    from backend.workforce import service as workforce
    from backend.workforce.models import ExceptionKind

    zone = ZoneInfo("Asia/Bangkok")
    async with bench.db.transaction() as session:
        techs = (await session.execute(select(User.id).where(
            User.garage_id == bench.world.id, User.role == Role.TECHNICIAN, User.email.like("bench.tech%"))
            .order_by(User.name).limit(3))).scalars().all()
        start = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=zone)
        for tech in techs:
            await workforce.add_work_exception(session, bench.world.actor(), tech, ExceptionKind.LEAVE, start,
                                               start + dt.timedelta(days=7), note="bench leave")


async def measure(bench, client, body: dict, headers: dict, rounds: int) -> Run:
    response = await client.post("/graphql", json=body, headers=headers)
    answer = response.json()
    assert response.status_code == 200 and not answer.get("errors"), answer
    bench.counter.count = 0
    response = await client.post("/graphql", json=body, headers=headers)
    run = Run(statements=bench.counter.count, answer=response.content)
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.post("/graphql", json=body, headers=headers)
        run.times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    run.times.sort()
    return run


async def main() -> None:
    import httpx
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--week", action="store_true", help="the week query only, fast read path and plain")
    args = parser.parse_args()
    bench = await fresh_bench(args.database_url)
    server = uvicorn.Server(uvicorn.Config(bench.app, host="127.0.0.1", port=args.port, log_level="warning",
                                           lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        monday = await seed(bench)
        await leave(bench, monday)
        while not server.started:
            await asyncio.sleep(0.05)
        from backend.core.permissions import Role

        headers = bench.headers(Role.SITE_MANAGER)
        site = str(bench.site.id)
        start = dt.datetime.combine(monday, dt.time(0), tzinfo=dt.UTC).isoformat()
        cases = [
            ("availableSlots 2 h, 14 days", {"query": SLOTS, "variables": {"siteId": site, "from": start, "days": 14}}),
            ("availableSlots 2 h, 92 days", {"query": SLOTS, "variables": {"siteId": site, "from": start, "days": 92}}),
        ]
        if args.week:
            cases = []
        for by in ("TECHNICIAN", "BAY"):
            body = {"query": screen_week(), "variables": {
                "siteId": site, "weekStart": monday.isoformat(), "by": by, "from": monday.isoformat(),
                "to": (monday + dt.timedelta(days=6)).isoformat()}}
            cases.append((f"weekCalendar + capacity by {by.lower()}", body))
            if args.week:
                cases.append(("  the same, plain execution", {**body, "plain": True}))
        if not args.week:
            cases.append(("arrivalsToday", {"query": ARRIVALS, "variables": {"siteId": site}}))
        fastpath = bench.app.state.fastpath
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as client:
            for name, body in cases:
                fastpath.enabled = not body.pop("plain", False)
                hits = fastpath.hits
                run = await measure(bench, client, body, headers, args.rounds)
                fastpath.enabled = True
                name += " (fast)" if fastpath.hits > hits else ""
                print(f"{name:38s} statements={run.statements:3d}  p50 {run.percentile(0.5):7.2f} ms  "
                      f"p95 {run.percentile(0.95):7.2f} ms  ({args.rounds} runs, {len(run.answer):,} bytes)")
    finally:
        server.should_exit = True
        await serving
        await bench.close()


if __name__ == "__main__":
    asyncio.run(main())
