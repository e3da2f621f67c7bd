"""The day-before message of every confirmed appointment: the worker's cron (every 15 minutes) and, in embedded
mode, the in-process runner (`start_day_before_schedule`). Each garage's "tomorrow" follows its own time zone;
a repeat run queues nothing (the outbox's dedupe key, one per appointment and day)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

log = logging.getLogger("mototrack.scheduling")
SCAN_SECONDS = 900.0


async def day_before_all(db, now=None) -> int:
    from backend.accounts.models import Garage
    from backend.scheduling.booking.service import day_before

    async with db.read() as session:
        garage_ids = (await session.execute(select(Garage.id).order_by(Garage.id))).scalars().all()
    queued = 0
    for garage_id in garage_ids:  # each garage in its own transaction: one's failure does not hold the others
        try:
            async with db.transaction() as session:
                queued += await day_before(session, garage_id, now)
        except Exception:  # noqa: BLE001 - the next run tries again; nothing is sent twice
            log.exception("day-before messages failed for garage %s", garage_id)
    return queued


async def day_before_task(ctx) -> int:
    """arq cron entry."""
    return await day_before_all(ctx["db"])


def start_day_before_schedule(db, interval: float = SCAN_SECONDS) -> asyncio.Task:
    async def loop() -> None:
        while True:
            try:
                await day_before_all(db)
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the schedule
                log.exception("day-before scan failed")
            await asyncio.sleep(interval)

    return asyncio.get_running_loop().create_task(loop(), name="booking-day-before")
