"""arq worker settings: gathers each domain's tasks and cron jobs; the worker `mototrack worker` runs.

Stopping: SIGTERM or SIGINT (a deploy, `docker compose stop`, Ctrl-C) stops the worker gracefully. arq's own handler
(`Worker.handle_sig`) cancels the running jobs, which can cut a send between the provider's acceptance and the SENT
mark; with `job_completion_wait` set it instead stops reading the queue and waits that long before cancelling. That
alone is not enough: a batch of job ids arq read just before the signal is still started, one by one, as running jobs
free their slots. So `GracefulWorker` also raises a flag (ctx[STOPPING]) that `send_notification` hands to `deliver`,
which asks it right before its claim: a job started after the signal claims nothing and goes back on the queue
(`Retry`), its row stays QUEUED, the next worker sends it. A second signal stops at once (arq's handler: running jobs
are cancelled, as after a crash). delivery.py sets out what each kind of stop guarantees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal

from arq import cron, func
from arq.connections import RedisSettings
from arq.worker import Retry, Worker
from sqlalchemy import delete, or_

import backend.models  # noqa: F401 - every table known, so foreign keys across domains resolve
from backend.analytics import exports as analytics_exports
from backend.analytics import tasks as analytics_tasks
from backend.api.metrics import count_job_in_redis
from backend.core.db import Database, utcnow
from backend.core.settings import get_settings
from backend.integrations.webhooks import runner as webhook_tasks
from backend.integrations.imports import tasks as import_tasks
from backend.notifications import tasks as notification_tasks
from backend.notifications.delivery import deliver
from backend.notifications.reminders.scan import reminder_scan_task
from backend.workforce.alerts import clock_alert_task
from backend.integrations.imports.scheduled import scheduled_import_task
from backend.scheduling.booking.tasks import day_before_task
from backend.inventory.tasks import low_stock_task

log = logging.getLogger("mototrack.worker")

STOPPING = "stopping"  # ctx key: an asyncio.Event set when the worker was asked to stop

# seconds a stopping worker waits for the sends under way (then cancels them: the hard-kill case). Under the 10 s
# docker compose gives a container between SIGTERM and SIGKILL; a send is a second or less to a healthy provider.
JOB_COMPLETION_WAIT = 8


async def send_notification(ctx, notification_id: str) -> str:
    """Send one outbox row (backend.notifications.delivery.deliver); in a stopping worker it claims nothing and the
    job goes back on the queue for the next worker."""
    stop = ctx.get(STOPPING)
    try:
        outcome = await deliver(ctx["db"], get_settings(), ctx["notification_senders"], notification_id,
                                stopping=stop.is_set if stop is not None else None)
    except Exception:
        await _count_job(ctx, "crashed")
        raise
    await _count_job(ctx, outcome)
    if outcome == "stopping":
        raise Retry(defer=0)  # job_try counts it; past max_tries arq drops the job and the sweep queues the row again
    return outcome


async def _count_job(ctx, outcome: str) -> None:
    """Every API process's /metrics reads the arq workers' counts from Redis (mototrack_arq_jobs)."""
    redis = ctx.get("redis")
    if redis is None:
        return
    try:
        await count_job_in_redis(redis, "send_notification", outcome)
    except Exception:  # noqa: BLE001 - a count lost is no reason to fail the job
        log.warning("could not count a job for /metrics", exc_info=True)


class GracefulWorker(Worker):
    """arq's Worker whose SIGTERM/SIGINT lets the sends under way finish and starts no new one (module docstring)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("job_completion_wait", JOB_COMPLETION_WAIT)
        super().__init__(**kwargs)
        self.ctx[STOPPING] = asyncio.Event()

    def handle_sig_wait_for_completion(self, signum: signal.Signals) -> None:
        if self.ctx[STOPPING].is_set():  # asked twice (Ctrl-C again): stop now
            self.handle_sig(signum)
            return
        self.ctx[STOPPING].set()
        super().handle_sig_wait_for_completion(signum)


def run(**kwargs) -> GracefulWorker:
    """Run the worker until it is stopped (`mototrack worker`)."""
    from arq.worker import get_kwargs

    from backend.ops.sentry import report_job_errors

    # a job that raises is reported to error tracking (with a sentry_dsn; backend/ops/sentry.py)
    worker = GracefulWorker(**report_job_errors({**get_kwargs(WorkerSettings), **kwargs}))
    worker.run()
    return worker


async def startup(ctx) -> None:
    ctx["db"] = Database(get_settings().database_url)
    await notification_tasks.startup(ctx)
    await webhook_tasks.startup(ctx)


async def shutdown(ctx) -> None:
    await notification_tasks.shutdown(ctx)
    await webhook_tasks.shutdown(ctx)
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
        func(send_notification, name="send_notification", keep_result=0, timeout=120),
        func(notification_tasks.sweep_notifications, name="sweep_notifications", keep_result=0),
        # import from an earlier system: one job per run (import:<job id>); long files allowed
        func(import_tasks.run_import, name="run_import", keep_result=0, timeout=1800, max_tries=1),
        # webhooks: one job per attempt of a delivery (webhook:<id>:<attempts>), the sweep re-queues due ones
        func(webhook_tasks.send_webhook, name="send_webhook", keep_result=0, timeout=120),
        # a dashboard export (kpi-export:<id>): claimed QUEUED -> RUNNING, so a second hand-over runs nothing
        func(analytics_exports.run_kpi_export, name="run_kpi_export", keep_result=0, timeout=600, max_tries=1),
    ]
    cron_jobs = [
        cron(analytics_exports.sweep_exports, name="cron:sweep_kpi_exports", minute=set(range(1, 60, 5)),
             run_at_startup=False, keep_result=0, unique=True),
        cron(import_tasks.sweep_imports, name="cron:sweep_imports", minute=set(range(0, 60, 5)),
             run_at_startup=False, keep_result=0, unique=True),
        # scheduled imports from the import folder: each garage's file once a day at its local time (issue 17)
        cron(scheduled_import_task, name="cron:scheduled_imports", minute=set(range(3, 60, 5)), run_at_startup=False,
             keep_result=0, unique=True),
        # MOT and service reminders: hourly, so each garage scans soon after its own midnight (a repeat is a no-op)
        cron(reminder_scan_task, name="cron:reminder_scan", minute={7}, run_at_startup=False, keep_result=0, unique=True),
        # clocks left running past the shift's end plus the grace time: flagged to the managers once per entry
        cron(clock_alert_task, name="cron:clock_alerts", minute=set(range(2, 60, 5)), run_at_startup=False,
             keep_result=0, unique=True),
        # the day-before message of tomorrow's appointments (each garage's tomorrow; once per appointment and day)
        cron(day_before_task, name="cron:booking_day_before", minute={1, 16, 31, 46}, run_at_startup=False,
             keep_result=0, unique=True),
        cron(purge_expired_tokens, hour={3}, minute={17}, run_at_startup=False),
        # the daily low-stock message to the warehouse managers (hourly: each garage at 07:00 its time)
        cron(low_stock_task, name="cron:low_stock", minute={4}, run_at_startup=False, keep_result=0, unique=True),
        # KPI facts: what changed is recounted every minute; goals judged hourly (each garage after its midnight)
        cron(analytics_tasks.refresh_facts_task, name="cron:analytics_refresh", second={30}, run_at_startup=True,
             keep_result=0, unique=True),
        cron(analytics_tasks.check_goals_task, name="cron:analytics_goals", minute={12}, run_at_startup=False,
             keep_result=0, unique=True),
        # due messages whose hand-over was lost, retries past their back-off, claims of a killed worker
        cron(notification_tasks.sweep_notifications, name="cron:sweep_notifications", second=set(range(0, 60, 10)),
             run_at_startup=True, keep_result=0, unique=True),
        cron(webhook_tasks.sweep_webhooks, name="cron:sweep_webhooks", second=set(range(5, 60, 10)),
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
    # on SIGTERM/SIGINT: stop reading the queue, wait for the running jobs (GracefulWorker also stops new claims)
    job_completion_wait = JOB_COMPLETION_WAIT
