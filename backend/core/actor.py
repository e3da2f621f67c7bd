"""Who is acting: a signed-in user or an integrator's API key, always inside one garage."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from backend.core.permissions import Permission, Role


@dataclass(frozen=True)
class Actor:
    garage_id: uuid.UUID
    permissions: frozenset[Permission]
    user_id: uuid.UUID | None = None
    role: Role | None = None
    api_key_id: uuid.UUID | None = None
    locale: str | None = None
    name: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def label(self) -> str:
        return self.name or (f"api-key:{self.api_key_id}" if self.api_key_id else str(self.user_id))
