"""The audit log, for admins."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from backend.api.permissions import requires
from backend.core import audit
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
        async with info.context.read() as session:
            return await audit.entries(session, info.context.actor, entity_type, entity, limit)
