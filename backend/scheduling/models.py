"""Scheduling tables: a site's bays, opening hours and closed days; appointments and their allocations of time to a
bay and a technician; calendar feeds (a secret, revocable URL per technician or per site).

No double booking: on PostgreSQL two exclusion constraints (migration 0017, `btree_gist`) refuse two active
allocations of the same bay, or of the same technician, whose [starts_at, ends_at) ranges overlap. `active` is
false once the appointment is cancelled or a no-show, so the constraints' WHERE leaves those out. On SQLite the
service runs the same check in the booking's transaction (writes begin IMMEDIATE there, so two bookings queue).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin, utcnow
from backend.core.enums import OperationsStream
from backend.core.i18n import N_, register_labels


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class BayKind(enum.Enum):
    LIFT = "LIFT"
    BODY_BOOTH = "BODY_BOOTH"
    ALIGNMENT = "ALIGNMENT"
    OTHER = "OTHER"


class AppointmentStatus(enum.Enum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    ARRIVED = "ARRIVED"
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


APPOINTMENT_STATUS_LABELS = register_labels({
    AppointmentStatus.REQUESTED: N_("requested"),
    AppointmentStatus.CONFIRMED: N_("confirmed"),
    AppointmentStatus.ARRIVED: N_("arrived"),
    AppointmentStatus.NO_SHOW: N_("no-show"),
    AppointmentStatus.CANCELLED: N_("cancelled"),
})


class FeedKind(enum.Enum):
    TECHNICIAN = "TECHNICIAN"
    SITE = "SITE"


class Bay(IdMixin, TimestampMixin, Base):
    """A lift, a body booth, an alignment rig... of a site, and the operations streams whose work it takes."""

    __tablename__ = "bays"
    __table_args__ = (Index("ix_bays_garage_site", "garage_id", "site_id", "active"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[BayKind] = mapped_column(_enum(BayKind))
    streams: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class OpeningHours(IdMixin, Base):
    """One opening range of a site on a weekday (0 = Monday), in minutes from local midnight. A weekday without a
    range is closed; a weekday may have several (a lunch break)."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        Index("ix_opening_hours_site", "garage_id", "site_id", "weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
                        name="minutes_range"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    opens_minute: Mapped[int] = mapped_column(Integer)
    closes_minute: Mapped[int] = mapped_column(Integer)


class ClosedDay(IdMixin, Base):
    """A day the site is closed (a public holiday), entered or imported from an ICS file."""

    __tablename__ = "closed_days"
    __table_args__ = (UniqueConstraint("site_id", "day"), Index("ix_closed_days_garage_site", "garage_id", "site_id", "day"))

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)


class Appointment(IdMixin, TimestampMixin, Base):
    """A booked visit. `sequence` grows with every change a calendar should see (RFC 5545 SEQUENCE)."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_garage_site_time", "garage_id", "site_id", "confirmed_at"),
        Index("ix_appointments_vehicle", "vehicle_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    stream: Mapped[OperationsStream] = mapped_column(_enum(OperationsStream))
    # the booked services as copied from the catalog: [{"taskActionId", "nameEn", "nameTh", "hours"}]
    services: Mapped[list[dict]] = mapped_column(JSON, default=list)
    estimated_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    requested_at: Mapped[dt.datetime | None]
    confirmed_at: Mapped[dt.datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[AppointmentStatus] = mapped_column(_enum(AppointmentStatus), default=AppointmentStatus.REQUESTED)
    status_reason: Mapped[str | None] = mapped_column(Text)
    arrived_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Allocation(IdMixin, Base):
    """Time of an appointment in one bay with one technician: [starts_at, ends_at)."""

    __tablename__ = "appointment_allocations"
    __table_args__ = (
        Index("ix_allocations_appointment", "appointment_id"),
        Index("ix_allocations_site_time", "garage_id", "site_id", "starts_at"),
        Index("ix_allocations_technician_time", "technician_id", "starts_at"),
        Index("ix_allocations_bay_time", "bay_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    bay_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bays.id", ondelete="RESTRICT"))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarFeed(IdMixin, Base):
    """A subscribable .ics URL of a technician's or a site's appointments. Only the token's SHA-256 is kept."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (Index("ix_calendar_feeds_garage", "garage_id", "kind"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    kind: Mapped[FeedKind] = mapped_column(_enum(FeedKind))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
