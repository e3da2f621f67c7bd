"""The relay from the outbox to the task function.

- `ArqRelay` (production, a Redis URL is set): after a commit the API process enqueues `send_notification` on arq
  with `_job_id` = "notification:<outbox id>:<attempts>", so handing the same attempt of a row over twice
  queues it once (a retry is a new attempt, hence a new job). The worker's sweep
  (tasks.sweep_notifications) enqueues every due row again, covering a hand-over lost in a crash.
- `InProcessRunner` (embedded mode): an asyncio task in the app's lifespan that is woken after a commit, and
  otherwise looks every `notification_poll_seconds`, and drains due rows with the same `deliver` function.
  On app shutdown (`stop`) it claims nothing new and lets the sends already under way finish and be recorded (at most
  `STOP_GRACE_SECONDS`); messages not started stay QUEUED for the next start (delivery.py: graceful stop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from backend.api.metrics import count_job
from backend.notifications import outbox
from backend.notifications.channels import Senders
from backend.notifications.delivery import deliver, due_ids

log = logging.getLogger("mototrack.notifications")


# how long a stopping runner waits for the sends under way before it cancels them (then they are the hard-kill case)
STOP_GRACE_SECONDS = 8.0


def job_id(token: str) -> str:
    """arq's job id for one attempt of one row: "notification:<outbox id>:<attempts so far>"."""
    return f"notification:{token}"


class InProcessRunner:
    def __init__(self, db, settings, *, concurrency: int = 8, senders: Senders | None = None) -> None:
        self.db = db
        self.settings = settings
        self.senders = senders or Senders(settings)
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    def kick(self, _ids: list[str] | None = None) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Attempt every due message until none is left; returns how many attempts were made."""
        attempts = 0
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(ident) -> None:
            async with semaphore:
                if self._stopping:  # shutting down: claim nothing new, the row stays QUEUED for the next start
                    return
                try:
                    outcome = await deliver(self.db, self.settings, self.senders, ident,
                                            stopping=lambda: self._stopping)
                except Exception:  # noqa: BLE001 - the row stays claimable; its lease expires
                    log.exception("notification %s: delivery crashed", ident)
                    outcome = "crashed"
                count_job("send_notification", outcome)  # /metrics: mototrack_worker_jobs_total

        while not self._stopping:
            ids = await due_ids(self.db, limit=200)
            if not ids:
                break
            attempts += len(ids)
            await asyncio.gather(*(one(i) for i in ids))
        return attempts

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                await self.drain()
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the runner
                log.exception("notification runner: drain failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.notification_poll_seconds)
            self._wake.clear()

    def start(self) -> None:
        outbox.set_dispatcher(self._dispatch)
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="notification-runner")
        from backend.notifications.reminders.scan import start_scan_schedule  # the hourly reminder scan

        self._scan_task = start_scan_schedule(self.db, self.settings)
        from backend.workforce.alerts import start_alert_schedule  # clocks left running past the shift (5 min)

        self._alert_task = start_alert_schedule(self.db)
        from backend.scheduling.booking.tasks import start_day_before_schedule  # appointments of tomorrow (15 min)

        self._day_before_task = start_day_before_schedule(self.db)
        from backend.integrations.imports.scheduled import start_scheduled_imports  # daily file imports (5 min)

        self._import_task = start_scheduled_imports(self.db, self.settings)

    def _dispatch(self, ids: list[str]) -> None:
        self._wake.set()

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop gracefully: nothing new is claimed, the sends under way finish and their outcome is recorded (waiting
        at most `grace` seconds, then they are cancelled: a cut send is retried after its lease, as after a crash)."""
        self._stopping = True
        outbox.set_dispatcher(None)
        self._wake.set()
        for scan in (getattr(self, "_scan_task", None), getattr(self, "_alert_task", None),
                     getattr(self, "_day_before_task", None), getattr(self, "_import_task", None)):
            if scan is None:  # the scans only write outbox rows, each batch in its own transaction
                continue
            scan.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await scan
        if self._task is not None:
            done, _pending = await asyncio.wait({self._task}, timeout=grace)
            if not done:
                log.warning("notification runner: sends still under way after %ss on shutdown; cancelling them", grace)
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.senders.close()


class ArqRelay:
    """Hands committed outbox ids to arq (API processes, and the worker itself for its sweep)."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self._pool = None
        self._pending: set[asyncio.Task] = set()

    async def pool(self):
        if self._pool is None:
            from arq import create_pool
            from arq.connections import RedisSettings

            self._pool = await create_pool(RedisSettings.from_dsn(self.redis_url))
        return self._pool

    async def enqueue(self, tokens) -> None:
        """`tokens` are "<outbox id>:<attempts>"; the task gets the outbox id."""
        pool = await self.pool()
        for token in tokens:
            await pool.enqueue_job("send_notification", token.partition(":")[0], _job_id=job_id(token))

    def _dispatch(self, ids: list[str]) -> None:
        task = asyncio.get_running_loop().create_task(self._safe_enqueue(ids))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _safe_enqueue(self, ids) -> None:
        try:
            await self.enqueue(ids)
        except Exception:  # noqa: BLE001 - the worker's sweep picks the rows up
            log.warning("could not hand notifications to arq; the sweep will", exc_info=True)

    def start(self) -> None:
        outbox.set_dispatcher(self._dispatch)

    async def stop(self) -> None:
        outbox.set_dispatcher(None)
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._pool is not None:
            await self._pool.aclose()
