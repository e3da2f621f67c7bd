"""arq task helpers: the senders and relay a worker keeps (startup/shutdown), and the sweep that re-hands due rows
(a lost hand-over, a retry whose back-off has passed, a claim abandoned by a killed worker) to arq. The send task
itself is backend.worker.send_notification (it knows when the worker is stopping)."""

from __future__ import annotations

from sqlalchemy import select

from backend.core.db import utcnow
from backend.notifications.channels import Senders
from backend.notifications.delivery import _claimable
from backend.notifications.models import Notification
from backend.notifications.runner import ArqRelay


async def startup(ctx) -> None:
    from backend.core.settings import get_settings

    settings = get_settings()
    ctx["notification_senders"] = Senders(settings)
    ctx["notification_relay"] = ArqRelay(settings.redis_url)


async def shutdown(ctx) -> None:
    if "notification_senders" in ctx:
        await ctx["notification_senders"].close()
    if "notification_relay" in ctx:
        await ctx["notification_relay"].stop()


async def sweep_notifications(ctx) -> int:
    """Queue every due row on arq (job id per attempt: a row already queued for that attempt is not doubled).

    A row due for longer than a lease may have its job stuck behind a killed worker's in-progress marker (arq keeps
    it until the job's timeout): it gets an extra job per lease period. Running twice is harmless: the claim
    decides who sends."""
    from backend.core.settings import get_settings

    now = utcnow()
    lease = get_settings().notification_lease_seconds
    async with ctx["db"].read() as session:
        rows = (await session.execute(select(Notification.id, Notification.attempts, Notification.next_attempt_at)
                                      .where(_claimable(now)).order_by(Notification.next_attempt_at)
                                      .limit(5000))).all()
    tokens = []
    for ident, attempts, due in rows:
        stale = (now - due).total_seconds() > lease
        tokens.append(f"{ident}:{attempts}" + (f":s{int(now.timestamp()) // max(lease, 1)}" if stale else ""))
    if tokens:
        await ctx["notification_relay"].enqueue(tokens)
    return len(rows)
