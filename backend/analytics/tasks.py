"""Background work of analytics: recount the facts marked dirty (every minute), judge the goals (hourly: each
garage after its own midnight; a day already judged is not judged again), rebuild from scratch (the CLI)."""

from __future__ import annotations

import logging
import time
import uuid

from sqlalchemy import select

from backend.analytics import facts
from backend.analytics.service import check_all_goals
from backend.core.db import Database

log = logging.getLogger("mototrack.analytics")


async def refresh_all(db: Database) -> int:
    async with db.read() as session:
        garages = await facts.dirty_garages(session)
    handled = 0
    for garage_id in garages:
        async with db.transaction() as session:
            handled += await facts.refresh_dirty(session, garage_id)
    return handled


async def refresh_facts_task(ctx) -> int:
    return await refresh_all(ctx["db"])


async def check_goals_task(ctx) -> int:
    return await check_all_goals(ctx["db"])


async def rebuild_facts(database_url: str, garage: str | None = None) -> list[tuple[uuid.UUID, dict, float]]:
    from backend.accounts.models import Garage

    db = Database(database_url)
    out = []
    try:
        async with db.read() as session:
            ids = list((await session.execute(select(Garage.id).order_by(Garage.id))).scalars())
        if garage is not None:
            wanted = uuid.UUID(garage)
            ids = [g for g in ids if g == wanted]
            if not ids:
                raise SystemExit(f"no garage {garage}")
        for garage_id in ids:
            started = time.perf_counter()
            async with db.transaction() as session:
                counts = await facts.rebuild(session, garage_id)
            out.append((garage_id, counts, time.perf_counter() - started))
    finally:
        await db.dispose()
    return out
