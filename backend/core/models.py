"""Platform tables every domain uses: idempotency keys, gapless counters, the audit log."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow


class IdempotencyKey(IdMixin, Base):
    """(garage, clientMutationId) -> the first result, stored in the transaction of the mutation itself."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("garage_id", "key"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(100))
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Counter(Base):
    """Consecutive numbers per garage, kind and year (job cards, invoices): a row locked by the transaction that
    takes a number, so a rollback gives the number back and there is never a gap."""

    __tablename__ = "counters"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "garage_id", "entity_type", "entity_id", "at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID]
    action: Mapped[str] = mapped_column(String(60))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
