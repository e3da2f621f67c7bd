"""Time the daily reminder scan over 100,000 vehicles (with owners, consents and completed jobs) on PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c 'create database bench_reminders'
    BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_reminders \
        .venv/bin/python bench/reminder_scan.py [--vehicles 100000] [--country TH|GB]

--country TH (the default) scans the Thai vehicle duties (annual tax, inspection, compulsory insurance) and the
service; GB scans the MOT and the service.

Drops and re-creates the database's public schema (with --reuse: keeps the generated garage, sets its --country and clears only the
reminders, messages, stored due dates and scan state). Prints the first run (queues the catch-up window, stores each
serviced vehicle's due date), the no-op second run (reads only vehicles changed since and the new reminder window),
and the next day's run (only the reminders whose day comes then).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

import backend.schema  # noqa: E402,F401  (every model)
from backend.accounts import service as accounts  # noqa: E402
from backend.core.db import Database  # noqa: E402
from backend.notifications.reminders.scan import garage_today, scan_all  # noqa: E402
from tests.notifications.reminder_data import generate  # noqa: E402
from tests.fresh_db import fresh_schema  # noqa: E402


async def reuse(db, country: str) -> None:
    async with db.write_engine.begin() as conn:
        # CASCADE: and what refers to them (a booking link made from a reminder's message)
        await conn.execute(text("TRUNCATE reminders, notifications, vehicle_service, reminder_settings CASCADE"))
        await conn.execute(text("UPDATE garages SET country = :country"), {"country": country})
        await conn.execute(text("ANALYZE"))


async def main(url: str, vehicles: int, reuse_data: bool = False, country: str = "TH", history: int = 0) -> None:
    db = Database(url)
    if reuse_data:
        await reuse(db, country)
        await runs(db)
        await db.dispose()
        return
    await fresh_schema(db)
    async with db.transaction() as s:
        garage = await accounts.create_garage(s, accounts.GarageSettingsInput(
            name="Bench Garage", currency="THB", time_zone="Asia/Bangkok", country=country))
    today = garage_today("Asia/Bangkok")
    started = time.perf_counter()
    step = 20_000
    for i in range(0, vehicles, step):
        async with db.transaction() as s:
            await generate(s, garage.id, min(step, vehicles - i), today, seed=i + 1, history=history)
    print(f"generated {vehicles} vehicles (+{history} old visits each) in {time.perf_counter() - started:.1f} s")
    async with db.write_engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    await runs(db)
    await db.dispose()


async def runs(db) -> None:
    today = garage_today("Asia/Bangkok")
    for label, day in (("first run", today), ("second run (no-op)", today),
                       ("next day", today + dt.timedelta(days=1))):
        started = time.perf_counter()
        result = await scan_all(db, day)
        took = time.perf_counter() - started
        print(f"{label}: {took * 1000:.0f} ms, queued {result.queued} reminders "
              f"({result.by_kind}), {result.candidates} candidate rows", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep the generated vehicles; clear reminders only")
    parser.add_argument("--country", default="TH", help="the garage's country: TH (Thai duties) or GB (MOT)")
    parser.add_argument("--history", type=int, default=0,
                        help="older visits per vehicle (300,000 vehicles with --history 4 hold 1.5 M jobs)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_reminders")
    asyncio.run(main(url, args.vehicles, args.reuse, args.country.upper(), args.history))
