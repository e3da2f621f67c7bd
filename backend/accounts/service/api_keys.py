"""Integrators' API keys: shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import ApiKey
from backend.core import audit, security
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.events import emit_auth_revoked
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.permissions import ApiScope


async def create_api_key(session: AsyncSession, actor: Actor, name: str | None, scopes: list[ApiScope],
                         key_id: uuid.UUID | None = None) -> tuple[ApiKey, str]:
    errors = Collector()
    clean_name = v.text(errors, "name", name, required=True)
    if not scopes:
        errors.add(ErrorCode.REQUIRED, "scopes")
    errors.raise_if_any()
    secret = security.new_api_key()
    key = ApiKey(
        garage_id=actor.garage_id,
        name=clean_name,
        prefix=secret[:10],
        key_hash=security.token_digest(secret),
        scopes=sorted({s.value for s in scopes}),
        created_by_id=actor.user_id,
    )
    await v.ensure_new_id(session, ApiKey, key_id)
    if key_id is not None:
        key.id = key_id
    session.add(key)
    await session.flush()
    audit.record(session, actor, "ApiKey", key.id, "create",
                 {"name": {"before": None, "after": key.name}, "scopes": {"before": None, "after": key.scopes}})
    return key, secret


async def revoke_api_key(session: AsyncSession, actor: Actor, key_id: object) -> ApiKey:
    kid = v.parse_id(key_id)
    key = (
        await session.execute(select(ApiKey).where(ApiKey.id == kid, ApiKey.garage_id == actor.garage_id))
    ).scalar_one_or_none()
    if key is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(session, actor, "ApiKey", key.id, "revoke",
                     {"revoked_at": {"before": None, "after": key.revoked_at.isoformat()}})
        emit_auth_revoked(session, garage_id=key.garage_id, token_id=key.id, reason="api-key-revoked")
    await session.flush()
    return key


async def list_api_keys(session: AsyncSession, actor: Actor) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.garage_id == actor.garage_id).order_by(ApiKey.created_at.desc(), ApiKey.id)
    return list((await session.execute(query)).scalars())
