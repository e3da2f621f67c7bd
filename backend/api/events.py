"""Live events: published after the transaction commits, delivered to subscribers on every API process.

A subscriber that falls behind (its bounded queue overflows, see backend/core/pubsub.py) is dropped: its WebSocket is
closed with close code 4410 and the reason below, so the client resubscribes and reloads what it shows. The code and
reason are part of the API (README, "WebSocket close codes"); the PWA acts on them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from backend.api.errors import PublicError, unauthenticated
from backend.api.permissions import check
from backend.core.i18n import N_, translate
from backend.core.permissions import Permission
from backend.core.pubsub import SubscriberFellBehind

log = logging.getLogger("mototrack.events")

FELL_BEHIND_CLOSE_CODE = 4410
FELL_BEHIND_REASON = "Subscriber fell behind; resubscribe and reload"
FELL_BEHIND_MESSAGE = N_("Live updates fell behind; reload to see the latest.")

_closing: set[asyncio.Task] = set()  # close tasks in flight (a task nobody references may be collected)


def publish(ctx, channel: str, message: dict[str, Any]) -> None:
    """Queue an event for after the commit; a rollback drops it."""
    pubsub = ctx.services.pubsub

    async def send() -> None:
        await pubsub.publish(channel, message)

    ctx.after_commit(send)


def garage_channel(garage_id, topic: str) -> str:
    return f"{garage_id}:{topic}"


def _websocket(ctx):
    request = ctx.request
    scope = getattr(request, "scope", None)
    return request if isinstance(scope, dict) and scope.get("type") == "websocket" else None


def _close_fallen_behind(ctx) -> None:
    """Called by the publisher (never awaited by it): close the subscriber's WebSocket with 4410."""
    websocket = _websocket(ctx)
    if websocket is None:
        return

    async def close() -> None:
        try:
            await websocket.close(code=FELL_BEHIND_CLOSE_CODE, reason=FELL_BEHIND_REASON)
        except Exception:  # noqa: BLE001 - already closed or gone: nothing more to tell it
            log.debug("closing a fallen-behind subscriber's WebSocket failed", exc_info=True)

    task = asyncio.get_running_loop().create_task(close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def subscribe(info, permission: Permission | None, channel: str) -> AsyncIterator[dict]:
    """Messages of one channel, for a signed-in actor holding `permission`."""
    check(info, permission)
    ctx = info.context
    async with ctx.services.pubsub.subscribe(channel, on_overflow=lambda: _close_fallen_behind(ctx)) as messages:
        try:
            async for message in messages:
                # a user deactivated, signed out or an API key revoked since the subscription began hears no more
                if ctx.services.authenticate is not None and ctx.token is not None:
                    if await ctx.services.authenticate(ctx.token) is None:
                        raise unauthenticated(ctx.locale)
                ctx.clear_loaders()
                yield message
        except SubscriberFellBehind:
            log.info("a subscriber of %s fell behind and was dropped", channel)
            raise PublicError(translate(ctx.locale, FELL_BEHIND_MESSAGE),
                              extensions={"code": "SUBSCRIBER_FELL_BEHIND"}) from None
