"""Import from an earlier system: uploaded files, mapping presets, import jobs, the source-id links that make a run
idempotent, and the service history kept from past visits (history, never invoices with new numbers)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow

KINDS = ("customers", "vehicles", "service_history", "stock_items")
JOB_STATUSES = ("QUEUED", "RUNNING", "DONE", "FAILED")


class ImportFile(IdMixin, Base):
    """A file uploaded for import, stored through the storage adapter in chunks (imports/<garage>/<id>/<n>): the
    GraphQL body cap stays small while a file of tens of MB arrives piece by piece. `complete` once the last
    chunk is in."""

    __tablename__ = "import_files"
    __table_args__ = (Index("ix_import_files_garage", "garage_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ImportPreset(IdMixin, Base):
    """A garage's saved mapping for one kind: {column: field} plus reading options (delimiter, encoding...)."""

    __tablename__ = "import_presets"
    __table_args__ = (UniqueConstraint("garage_id", "kind", "name"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(40))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportJob(IdMixin, Base):
    """One dry run or real run of a file: progress (rows done / total), counts, and the rows' errors as codes and
    parameters (translated when read, in the reader's language)."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_garage", "garage_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("import_files.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(40))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="QUEUED")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    error_rows: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [{row, column, code, params}], the first MAX_ERRORS
    failure: Mapped[str | None] = mapped_column(String(64))  # a whole-file problem's code (unreadable, ...)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class ImportLink(Base):
    """(garage, source, kind, the source's own id) -> the record it became, with a hash of the row as imported:
    the same row again changes nothing, a changed row updates its record."""

    __tablename__ = "import_links"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    record_id: Mapped[uuid.UUID]
    row_hash: Mapped[str] = mapped_column(String(32))


class ServiceHistory(IdMixin, Base):
    """A past visit imported from an earlier system: kept as history (no job card, no invoice number), shown in the
    vehicle's history, and read by analytics (technician, billed hours, labour and parts amounts)."""

    __tablename__ = "service_history"
    __table_args__ = (
        Index("ix_service_history_vehicle", "vehicle_id", "visited_on"),
        Index("ix_service_history_garage", "garage_id", "visited_on"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    visited_on: Mapped[dt.date] = mapped_column(Date)
    mileage: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    technician_name: Mapped[str | None] = mapped_column(String(200))
    billed_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    labour_amount: Mapped[int | None] = mapped_column(Integer)  # minor units of `currency`
    parts_amount: Mapped[int | None] = mapped_column(Integer)
    total_amount: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# the scheduled imports' table (issue 17) lives with its service; imported here so the metadata knows it
from backend.integrations.imports.scheduled import ScheduledImport  # noqa: E402,F401
