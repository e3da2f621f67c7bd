"""Inspection templates, inspections on a job, their results and the photos a result refers to.

A template's sections and items are one JSON document (they are always read and written whole, in order); an
inspection copies the template's sections when it starts, so editing or archiving a template never changes an
inspection already made with it. A result is one item of one inspection (unique per item). A photo is referred to by
the upload id the phone chose (`POST /files/upload`), so the result and the file may reach the server in either
order: the link is the pair (garage, upload id), resolved when read.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin, utcnow


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class ItemKind(enum.Enum):
    CONDITION = "CONDITION"
    MEASUREMENT = "MEASUREMENT"


class Condition(enum.Enum):
    GOOD = "GOOD"
    ADVISE = "ADVISE"
    URGENT = "URGENT"


class InspectionStatus(enum.Enum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class InspectionTemplate(IdMixin, TimestampMixin, Base):
    """`sections`: [{key, title_en, title_th, items: [{key, title_en, title_th, kind, unit, advise_at, urgent_at,
    higher_is_better, photo_required}]}] (limits as strings of decimals, so JSON keeps them exact)."""

    __tablename__ = "inspection_templates"
    __table_args__ = (Index("ix_inspection_templates_garage", "garage_id", "archived_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    name_en: Mapped[str] = mapped_column(String(200))
    name_th: Mapped[str | None] = mapped_column(String(200))
    sections: Mapped[list] = mapped_column(JSON, default=list)
    archived_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class Inspection(IdMixin, Base):
    __tablename__ = "inspections"
    __table_args__ = (
        Index("ix_inspections_job", "garage_id", "job_id"),
        Index("ix_inspections_vehicle", "garage_id", "vehicle_id", "started_at"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    template_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inspection_templates.id", ondelete="SET NULL"))
    name_en: Mapped[str] = mapped_column(String(200))
    name_th: Mapped[str | None] = mapped_column(String(200))
    sections: Mapped[list] = mapped_column(JSON, default=list)  # the template's, as it was at the start
    status: Mapped[InspectionStatus] = mapped_column(_enum(InspectionStatus), default=InspectionStatus.IN_PROGRESS)
    started_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    completed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class InspectionResult(IdMixin, Base):
    __tablename__ = "inspection_results"
    __table_args__ = (UniqueConstraint("inspection_id", "item_key"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(64))
    item_key: Mapped[str] = mapped_column(String(64))
    condition: Mapped[Condition | None] = mapped_column(_enum(Condition))
    value: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    quote_line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quote_lines.id", ondelete="SET NULL"))


class InspectionPhoto(IdMixin, Base):
    """A photo of one item, by the upload id of `POST /files/upload` (the file may arrive before or after)."""

    __tablename__ = "inspection_photos"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_key", "upload_id"),
        Index("ix_inspection_photos_upload", "garage_id", "upload_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    upload_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
