from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin, utcnow
from backend.core.enums import OperationsStream, RevenueStream
from backend.core.i18n import N_, register_labels


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class JobStatus(enum.Enum):
    RECEIVED = "RECEIVED"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    AWAITING_PARTS = "AWAITING_PARTS"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"
    MANAGER_REVIEW = "MANAGER_REVIEW"
    BILLING = "BILLING"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


JOB_STATUS_LABELS = register_labels({
    JobStatus.RECEIVED: N_("received"),
    JobStatus.ASSIGNED: N_("assigned"),
    JobStatus.IN_PROGRESS: N_("in progress"),
    JobStatus.AWAITING_PARTS: N_("awaiting parts"),
    JobStatus.ON_HOLD: N_("on hold"),
    JobStatus.COMPLETED: N_("completed"),
    JobStatus.MANAGER_REVIEW: N_("in manager review"),
    JobStatus.BILLING: N_("in billing"),
    JobStatus.INVOICED: N_("invoiced"),
    JobStatus.CANCELLED: N_("cancelled"),
})


class TaskStatus(enum.Enum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"


class PartsRequestStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    ISSUED = "ISSUED"
    COMPLETED = "COMPLETED"


PARTS_REQUEST_STATUS_LABELS = register_labels({
    PartsRequestStatus.PENDING: N_("pending"),
    PartsRequestStatus.APPROVED: N_("approved"),
    PartsRequestStatus.REJECTED: N_("rejected"),
    PartsRequestStatus.ISSUED: N_("issued"),
    PartsRequestStatus.COMPLETED: N_("completed"),
})


class JobEventKind(enum.Enum):
    CREATED = "CREATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    ASSIGNED = "ASSIGNED"
    NOTE = "NOTE"
    TASK_ADDED = "TASK_ADDED"
    TASK_COMPLETED = "TASK_COMPLETED"
    TASK_REOPENED = "TASK_REOPENED"
    TASK_REMOVED = "TASK_REMOVED"
    PARTS_REQUESTED = "PARTS_REQUESTED"
    PARTS_APPROVED = "PARTS_APPROVED"
    PARTS_REJECTED = "PARTS_REJECTED"
    PARTS_ISSUED = "PARTS_ISSUED"
    PARTS_RETURNED = "PARTS_RETURNED"
    CLOCKED_ON = "CLOCKED_ON"
    CLOCKED_OFF = "CLOCKED_OFF"


class Job(IdMixin, TimestampMixin, Base):
    """A job card."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("garage_id", "number"),
        Index("ix_jobs_garage_site_status", "garage_id", "site_id", "status"),
        Index("ix_jobs_garage_technician_status", "garage_id", "technician_id", "status"),
        Index("ix_jobs_garage_created", "garage_id", "created_at", "id"),
        Index("ix_jobs_vehicle", "vehicle_id"),
        Index("ix_jobs_customer", "customer_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(32))  # JC-2026-000042
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    operations_stream: Mapped[OperationsStream] = mapped_column(_enum(OperationsStream))
    revenue_stream: Mapped[RevenueStream] = mapped_column(_enum(RevenueStream))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.RECEIVED)
    held_from_status: Mapped[JobStatus | None] = mapped_column(_enum(JobStatus))
    issues_reported: Mapped[str | None] = mapped_column(Text)
    mileage_in: Mapped[int | None] = mapped_column(Integer)
    promised_at: Mapped[dt.datetime | None]
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(  # opened from this appointment (backend/scheduling)
        ForeignKey("appointments.id", ondelete="SET NULL"), index=True)
    stream_override_reason: Mapped[str | None] = mapped_column(Text)
    complaint: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[str | None] = mapped_column(Text)
    work_done_notes: Mapped[str | None] = mapped_column(Text)
    manager_notes: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # the service advisor: who opened the job, changeable by a manager (setJobAdvisor); KPIs per advisor
    advisor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    reviewed_at: Mapped[dt.datetime | None]
    billing_at: Mapped[dt.datetime | None]
    invoiced_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class JobEvent(IdMixin, Base):
    """The job's timeline: status changes, assignments, notes, tasks and parts, with who and when."""

    __tablename__ = "job_events"
    __table_args__ = (Index("ix_job_events_job", "job_id", "at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[JobEventKind] = mapped_column(_enum(JobEventKind))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    from_status: Mapped[JobStatus | None] = mapped_column(_enum(JobStatus))
    to_status: Mapped[JobStatus | None] = mapped_column(_enum(JobStatus))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class TaskAction(IdMixin, TimestampMixin, Base):
    """The catalog of task actions per operations stream, with default labour cost and standard (billed) hours."""

    __tablename__ = "task_actions"
    __table_args__ = (Index("ix_task_actions_garage_stream", "garage_id", "stream", "active"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    stream: Mapped[OperationsStream] = mapped_column(_enum(OperationsStream))
    name_en: Mapped[str] = mapped_column(String(200))
    name_th: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    default_labour_cost: Mapped[int] = mapped_column(Integer, default=0)  # minor units
    standard_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class JobTask(IdMixin, TimestampMixin, Base):
    __tablename__ = "job_tasks"
    __table_args__ = (Index("ix_job_tasks_job", "job_id", "position"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    task_action_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("task_actions.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    name_th: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    labour_cost: Mapped[int] = mapped_column(Integer, default=0)  # minor units
    billed_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus), default=TaskStatus.OPEN)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[dt.datetime | None]
    completed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class TimeClockEntry(IdMixin, Base):
    """A technician clocked on a job. At most one open entry per technician (a partial unique index)."""

    __tablename__ = "time_clock_entries"
    __table_args__ = (
        Index("ix_time_clock_job", "job_id", "technician_id"),
        Index("uq_time_clock_open_per_technician", "technician_id", unique=True,
              postgresql_where=text("ended_at IS NULL"), sqlite_where=text("ended_at IS NULL")),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    seconds: Mapped[int | None] = mapped_column(Integer)


class PartsRequest(IdMixin, TimestampMixin, Base):
    __tablename__ = "parts_requests"
    __table_args__ = (
        Index("ix_parts_requests_job", "job_id"),
        Index("ix_parts_requests_garage_status", "garage_id", "status"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse_items.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[PartsRequestStatus] = mapped_column(_enum(PartsRequestStatus), default=PartsRequestStatus.PENDING)
    note: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    unit_cost: Mapped[int | None] = mapped_column(Integer)  # taken at issue, for billing and margins
    unit_price: Mapped[int | None] = mapped_column(Integer)
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    issued_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
