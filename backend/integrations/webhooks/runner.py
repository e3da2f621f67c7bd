"""The relay from the webhook outbox to `deliver`, in both run modes (like backend/notifications/runner.py).

- `WebhookRunner` (embedded mode): an asyncio task of the app's lifespan, woken after a commit that queued
  deliveries and otherwise looking every `notification_poll_seconds`; it sends due deliveries (retries included).
- `WebhookArqRelay` (production): after a commit the API process enqueues `send_webhook` on arq with
  `_job_id` = "webhook:<delivery id>:<attempts>"; the worker's sweep (`sweep_webhooks`, every 10 s) queues every due
  delivery again, which covers a lost hand-over and the retries whose back-off has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import select

from backend.core.db import Database, utcnow
from backend.integrations.webhooks import outbox
from backend.integrations.webhooks.delivery import Sender, _claimable, deliver, due_ids
from backend.integrations.webhooks.models import WebhookDelivery
from backend.notifications.runner import ArqRelay

log = logging.getLogger("mototrack.webhooks")

STOP_GRACE_SECONDS = 8.0


def job_id(token: str) -> str:
    return f"webhook:{token}"


class WebhookRunner:
    def __init__(self, db: Database, settings, *, concurrency: int = 8, sender: Sender | None = None) -> None:
        self.db = db
        self.settings = settings
        self.sender = sender or Sender(settings)
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    async def drain(self) -> int:
        """Attempt every due delivery until none is left; returns how many attempts were made."""
        attempts = 0
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(ident) -> None:
            async with semaphore:
                if self._stopping:
                    return
                try:
                    await deliver(self.db, self.settings, self.sender, ident, stopping=lambda: self._stopping)
                except Exception:  # noqa: BLE001 - the delivery stays claimable; its lease expires
                    log.exception("webhook delivery %s crashed", ident)

        while not self._stopping:
            ids = await due_ids(self.db)
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
                log.exception("webhook runner: drain failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.notification_poll_seconds)
            self._wake.clear()

    def _dispatch(self, _tokens: list[str]) -> None:
        self._wake.set()

    def start(self) -> None:
        outbox.set_dispatcher(self._dispatch)
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="webhook-runner")

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        self._stopping = True
        outbox.set_dispatcher(None)
        self._wake.set()
        if self._task is not None:
            done, _pending = await asyncio.wait({self._task}, timeout=grace)
            if not done:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.sender.close()


class WebhookArqRelay(ArqRelay):
    """Hands committed delivery ids to arq as `send_webhook` jobs (the notifications relay's pool and hand-over)."""

    def __init__(self, redis_url: str, queue_name: str | None = None) -> None:
        super().__init__(redis_url)
        self.queue_name = queue_name  # None: arq's default queue, the one `mototrack worker` reads

    async def enqueue(self, tokens) -> None:
        pool = await self.pool()
        for token in tokens:
            await pool.enqueue_job("send_webhook", token.partition(":")[0], _job_id=job_id(token),
                                   _queue_name=self.queue_name)

    def start(self) -> None:
        outbox.set_dispatcher(self._dispatch)

    async def stop(self) -> None:
        outbox.set_dispatcher(None)
        await super().stop()  # at shutdown: its pending hand-overs and pool (and the notifications' dispatcher off)


def relay_for(db: Database, settings):
    """The app lifespan's relay: arq when a Redis URL is set, else the in-process runner."""
    return WebhookArqRelay(settings.redis_url) if settings.redis_url else WebhookRunner(db, settings)


# ------------------------------------------------------------------------------------------- arq worker tasks


async def startup(ctx) -> None:
    from backend.core.settings import get_settings

    settings = get_settings()
    ctx["webhook_sender"] = Sender(settings)
    ctx["webhook_relay"] = WebhookArqRelay(settings.redis_url)


async def shutdown(ctx) -> None:
    if "webhook_sender" in ctx:
        await ctx["webhook_sender"].close()
    if "webhook_relay" in ctx:
        await ctx["webhook_relay"].stop()


async def send_webhook(ctx, delivery_id: str) -> str:
    from backend.core.settings import get_settings

    stop = ctx.get("stopping")
    outcome = await deliver(ctx["db"], ctx.get("webhook_settings") or get_settings(), ctx["webhook_sender"], delivery_id,
                            stopping=stop.is_set if stop is not None else None)
    if outcome == "stopping":
        from arq.worker import Retry

        raise Retry(defer=0)
    return outcome


async def sweep_webhooks(ctx) -> int:
    """Queue every due delivery on arq (one job id per attempt: one already queued is not doubled; a claim left by
    a killed worker gets a fresh job id per lease period)."""
    from backend.core.settings import get_settings

    now = utcnow()
    lease = (ctx.get("webhook_settings") or get_settings()).webhook_lease_seconds
    async with ctx["db"].read() as session:
        rows = (await session.execute(select(WebhookDelivery.id, WebhookDelivery.attempts,
                                             WebhookDelivery.next_attempt_at)
                                      .where(_claimable(now)).order_by(WebhookDelivery.next_attempt_at)
                                      .limit(5000))).all()
    tokens = []
    for ident, attempts, due in rows:
        stale = (now - due).total_seconds() > lease
        tokens.append(f"{ident}:{attempts}" + (f":s{int(now.timestamp()) // max(lease, 1)}" if stale else ""))
    if tokens:
        await ctx["webhook_relay"].enqueue(tokens)
    return len(rows)
