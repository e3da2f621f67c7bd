"""The audit log: who changed what, when, with the fields before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": x, "after": y}} for the fields whose value changed."""
    return {k: {"before": before.get(k), "after": after.get(k)} for k in after if before.get(k) != after.get(k)}


def created(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {k: {"before": None, "after": v} for k, v in snapshot(obj, fields).items() if v is not None}


def record(session: AsyncSession, actor: Actor, entity_type: str, entity_id: uuid.UUID, action: str,
           changes: dict[str, dict[str, Any]] | None = None) -> AuditEntry:
    entry = AuditEntry(
        garage_id=actor.garage_id,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        changes=changes or {},
    )
    session.add(entry)
    return entry


async def entries(session: AsyncSession, actor: Actor, entity_type: str, entity_id: uuid.UUID,
                  limit: int = 200) -> list[AuditEntry]:
    """One record's changes in the actor's garage, oldest first (at most `limit`, up to 500)."""
    from sqlalchemy import select

    query = (select(AuditEntry)
             .where(AuditEntry.garage_id == actor.garage_id, AuditEntry.entity_type == entity_type,
                    AuditEntry.entity_id == entity_id)
             .order_by(AuditEntry.at, AuditEntry.id).limit(max(1, min(limit, 500))))
    return list((await session.execute(query)).scalars())
