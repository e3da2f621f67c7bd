"""Helper for thin query resolvers: one service call in a short read session."""

from __future__ import annotations

from backend.api.errors import from_domain
from backend.core.errors import DomainError


async def read(info, fn, *args, **kwargs):
    """Call `fn(session, actor, *args)`; an expected failure becomes a localized BAD_USER_INPUT error."""
    ctx = info.context
    try:
        async with ctx.read() as session:
            return await fn(session, ctx.actor, *args, **kwargs)
    except DomainError as exc:
        raise from_domain(exc, ctx.locale) from None
