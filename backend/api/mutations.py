"""Helpers for thin resolvers: run one service call in the operation's transaction, turn failures into payload data."""

from __future__ import annotations

from typing import Any

import strawberry

from backend.api.errors import user_errors
from backend.core.errors import DomainError, DomainErrors

UNSET_SERVICE = object()


async def run(info, fn, *args, **kwargs) -> tuple[Any, list]:
    """Call `fn(session, actor, *args)` inside a savepoint: on a DomainError nothing it did remains."""
    ctx = info.context
    session = await ctx.session()
    try:
        async with session.begin_nested():
            return await fn(session, ctx.actor, *args, **kwargs), []
    except (DomainError, DomainErrors) as exc:
        return None, user_errors(exc, ctx.locale)


def fields_of(data: object, target_cls: type, renames: dict[str, str] | None = None) -> Any:
    """Copy the given (non-UNSET) fields of a Strawberry input into a service dataclass."""
    target = target_cls()
    renames = renames or {}
    for name in target.__dataclass_fields__:
        source_name = renames.get(name, name)
        value = getattr(data, source_name, strawberry.UNSET)
        if value is not strawberry.UNSET:
            setattr(target, name, value)
    return target
