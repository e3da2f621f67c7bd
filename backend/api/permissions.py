"""Every root field names the permission it needs (or says it is public); a test walks them all, role by role."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import FieldExtension

from backend.api.errors import forbidden, unauthenticated
from backend.core.permissions import Permission


def check(info, permission: Permission | None) -> None:
    ctx = info.context
    if ctx.actor is None:
        raise unauthenticated(ctx.locale)
    if permission is not None and not ctx.actor.can(permission):
        raise forbidden(ctx.locale)


class Requires(FieldExtension):
    """Refuse the field unless the actor holds `permission` (None: any signed-in actor)."""

    def __init__(self, permission: Permission | None) -> None:
        super().__init__()
        self.permission = permission

    def resolve(self, next_, source: Any, info, **kwargs):
        check(info, self.permission)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_, source: Any, info, **kwargs):
        check(info, self.permission)
        return await next_(source, info, **kwargs)


class Public(FieldExtension):
    """Open to anyone (sign-in and token refresh). Named so the permission walk can tell it was meant."""

    def resolve(self, next_, source: Any, info, **kwargs):
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_, source: Any, info, **kwargs):
        return await next_(source, info, **kwargs)


def requires(permission: Permission | None) -> list[FieldExtension]:
    return [Requires(permission)]


def public() -> list[FieldExtension]:
    return [Public()]
