"""Live events: published after the transaction commits, delivered to subscribers on every API process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from backend.api.errors import unauthenticated
from backend.api.permissions import check
from backend.core.permissions import Permission


def publish(ctx, channel: str, message: dict[str, Any]) -> None:
    """Queue an event for after the commit; a rollback drops it."""
    pubsub = ctx.services.pubsub

    async def send() -> None:
        await pubsub.publish(channel, message)

    ctx.after_commit(send)


def garage_channel(garage_id, topic: str) -> str:
    return f"{garage_id}:{topic}"


async def subscribe(info, permission: Permission | None, channel: str) -> AsyncIterator[dict]:
    """Messages of one channel, for a signed-in actor holding `permission`."""
    check(info, permission)
    ctx = info.context
    async with ctx.services.pubsub.subscribe(channel) as messages:
        async for message in messages:
            # a user deactivated, signed out or an API key revoked since the subscription began hears no more
            if ctx.services.authenticate is not None and ctx.token is not None:
                if await ctx.services.authenticate(ctx.token) is None:
                    raise unauthenticated(ctx.locale)
            ctx.clear_loaders()
            yield message
