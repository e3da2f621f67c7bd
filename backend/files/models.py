"""An attachment: one stored file (and its thumbnail for an image) on a job, a vehicle or a customer."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow

OWNER_TYPES = ("job", "vehicle", "customer")
KINDS = ("PHOTO", "DOCUMENT")


class Attachment(IdMixin, Base):
    """`upload_id` is chosen by the client (the offline outbox replays the same one), unique per garage, so a
    replayed upload finds the first row instead of storing the file again. Deleting sets `deleted_at`; the stored
    bytes stay (the audit log points at them) but no list or link shows them any more."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("garage_id", "upload_id"),
        Index("ix_attachments_owner", "garage_id", "owner_type", "owner_id", "created_at"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    owner_type: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    upload_id: Mapped[str] = mapped_column(String(100))
    shared_with_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None]
    deleted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
