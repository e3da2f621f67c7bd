"""arq task functions: send one outbox row, and the sweep that re-hands due rows (a lost hand-over, a retry whose
back-off has passed, a claim abandoned by a killed worker) to arq."""

from __future__ import annotations

from sqlalchemy import select

from backend.core.db import utcnow
from backend.notifications.channels import Senders
from backend.notifications.delivery import _claimable, deliver
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


async def send_notification(ctx, notification_id: str) -> str:
    from backend.core.settings import get_settings

    return await deliver(ctx["db"], get_settings(), ctx["notification_senders"], notification_id)


async def sweep_notifications(ctx) -> int:
    """Queue every due row on arq (job id per attempt: a row already queued for that attempt is not doubled)."""
    async with ctx["db"].read() as session:
        rows = (await session.execute(select(Notification.id, Notification.attempts)
                                      .where(_claimable(utcnow())).order_by(Notification.next_attempt_at)
                                      .limit(5000))).all()
    if rows:
        await ctx["notification_relay"].enqueue([f"{ident}:{attempts}" for ident, attempts in rows])
    return len(rows)
