"""Helper for thin query resolvers: one service call in a short read session."""

from __future__ import annotations

from backend.api.errors import PublicError, from_domain
from backend.core.errors import DomainError, DomainErrors


async def read(info, fn, *args, **kwargs):
    """Call `fn(session, actor, *args)`; an expected failure becomes a localized BAD_USER_INPUT error."""
    ctx = info.context
    try:
        async with ctx.read() as session:
            return await fn(session, ctx.actor, *args, **kwargs)
    except DomainError as exc:
        raise from_domain(exc, ctx.locale) from None
    except DomainErrors as exc:  # several bad arguments: the first one speaks, all are listed
        first = from_domain(exc.errors[0], ctx.locale)
        raise PublicError(first.message, extensions={
            **first.extensions, "errors": [from_domain(e, ctx.locale).extensions | {"message": e.message(ctx.locale)}
                                           for e in exc.errors]}) from None
