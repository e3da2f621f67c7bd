"""The audit log, for admins."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from backend.api.permissions import requires
from backend.core.models import AuditEntry as AuditEntryModel
from backend.core.permissions import Permission as P
from backend.core.validate import try_parse_id


@strawberry.type(description="One change: who, when, what, and the fields before and after.")
class AuditEntry:
    id: strawberry.ID
    at: dt.datetime
    actor_label: str
    entity_type: str
    entity_id: strawberry.ID
    action: str
    changes: JSON

    @strawberry.field
    def actor_user_id(self) -> strawberry.ID | None:
        return self.actor_user_id  # type: ignore[attr-defined]


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.AUDIT_READ), description="Changes to one record, oldest first.")
    async def audit_log(self, info: strawberry.Info, entity_type: str, entity_id: strawberry.ID,
                        limit: int = 200) -> list[AuditEntry]:
        entity = try_parse_id(entity_id)
        if entity is None:
            return []
        limit = max(1, min(limit, 500))
        async with info.context.read() as s:
            rows = await s.execute(
                select(AuditEntryModel)
                .where(AuditEntryModel.garage_id == info.context.actor.garage_id,
                       AuditEntryModel.entity_type == entity_type, AuditEntryModel.entity_id == entity)
                .order_by(AuditEntryModel.at, AuditEntryModel.id).limit(limit)
            )
            return list(rows.scalars())
