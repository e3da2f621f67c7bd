"""arq worker settings: gathers each domain's tasks and cron jobs."""

from __future__ import annotations

import datetime as dt

from arq import cron, func
from arq.connections import RedisSettings
from sqlalchemy import delete, or_

from backend.core.db import Database, utcnow
from backend.core.settings import get_settings
from backend.notifications import tasks as notification_tasks
from backend.notifications.reminders.scan import reminder_scan_task


async def startup(ctx) -> None:
    ctx["db"] = Database(get_settings().database_url)
    await notification_tasks.startup(ctx)


async def shutdown(ctx) -> None:
    await notification_tasks.shutdown(ctx)
    await ctx["db"].dispose()


async def purge_expired_tokens(ctx) -> int:
    """Refresh tokens past expiry, or revoked a week ago, are no use to anyone: delete them."""
    from backend.accounts.models import RefreshToken

    cutoff = utcnow() - dt.timedelta(days=7)
    async with ctx["db"].transaction() as session:
        result = await session.execute(
            delete(RefreshToken).where(or_(RefreshToken.expires_at < utcnow(), RefreshToken.revoked_at < cutoff))
        )
    return result.rowcount or 0


class WorkerSettings:
    functions = [
        purge_expired_tokens,
        # keep_result=0: a finished job frees its id at once (ids are per attempt: notification:<id>:<attempts>)
        func(notification_tasks.send_notification, name="send_notification", keep_result=0, timeout=120),
        func(notification_tasks.sweep_notifications, name="sweep_notifications", keep_result=0),
    ]
    cron_jobs = [
        # MOT and service reminders: hourly, so each garage scans soon after its own midnight (a repeat is a no-op)
        cron(reminder_scan_task, name="cron:reminder_scan", minute={7}, run_at_startup=False, keep_result=0, unique=True),
        cron(purge_expired_tokens, hour={3}, minute={17}, run_at_startup=False),
        # due messages whose hand-over was lost, retries past their back-off, claims of a killed worker
        cron(notification_tasks.sweep_notifications, name="cron:sweep_notifications", second=set(range(0, 60, 10)),
             run_at_startup=True, keep_result=0, unique=True),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url or "redis://127.0.0.1:6379/0")
    max_tries = 5
    # sends are short and mostly waiting on the network: 40 at a time, each on its own outbox row (the claim fences
    # them); arq reads the queue every poll_delay, so at the default 0.5 s and 10 jobs it capped us at ~20 messages/s
    max_jobs = 40
    poll_delay = 0.05
