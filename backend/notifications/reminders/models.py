"""Reminder settings per garage, and one row per reminder sent (the unique key makes the daily scan idempotent)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow
from backend.core.i18n import N_, register_labels
from backend.notifications.models import Channel


class ReminderKind(enum.Enum):
    MOT = "MOT"  # UK garages
    SERVICE = "SERVICE"
    VEHICLE_TAX = "VEHICLE_TAX"  # Thai garages: annual vehicle tax renewal (ต่อภาษีรถยนต์ประจำปี)
    INSPECTION = "INSPECTION"  # Thai: private inspection (ตรอ.) before the renewal of an older vehicle
    INSURANCE = "INSURANCE"  # Thai: compulsory insurance (พ.ร.บ.) expiry


KIND_LABELS = register_labels({
    ReminderKind.MOT: N_("MOT"), ReminderKind.SERVICE: N_("service"),
    ReminderKind.VEHICLE_TAX: N_("annual vehicle tax"), ReminderKind.INSPECTION: N_("vehicle inspection"),
    ReminderKind.INSURANCE: N_("compulsory insurance"),
})
# the legal duties a garage's country has (the other country's kinds are never scanned, listed or offered)
THAI_KINDS = (ReminderKind.VEHICLE_TAX, ReminderKind.INSPECTION, ReminderKind.INSURANCE)
UK_KINDS = (ReminderKind.MOT,)

DEFAULT_LEAD_DAYS = [30, 7]
DEFAULT_CHANNELS = [Channel.SMS.value, Channel.EMAIL.value]
DEFAULT_KINDS = [ReminderKind.MOT.value, ReminderKind.SERVICE.value, ReminderKind.VEHICLE_TAX.value,
                 ReminderKind.INSPECTION.value, ReminderKind.INSURANCE.value]
DEFAULT_SERVICE_MONTHS = 12
DEFAULT_SERVICE_KM = 10_000


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class ReminderSettings(Base):
    """A garage's reminder settings; a garage without a row uses the defaults above."""

    __tablename__ = "reminder_settings"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    lead_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: list(DEFAULT_LEAD_DAYS))
    channels: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_CHANNELS))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_KINDS))
    service_interval_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_SERVICE_MONTHS)
    service_interval_km: Mapped[int | None] = mapped_column(Integer, default=DEFAULT_SERVICE_KM)
    # the scan's window: thresholds (due date minus lead) after last_scan_on are new; rows changed after
    # last_scan_at, and every row when the settings changed since, are looked at again from scratch
    last_scan_on: Mapped[dt.date | None] = mapped_column(Date)
    last_scan_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class VehicleService(Base):
    """A vehicle's own service interval and recorded last service (each falls back to the garage's setting and the
    last completed job when null), and the scan's last computed service due date (`due_on`), which lets the next
    scan read only the vehicles whose reminder day comes (or whose data changed) instead of every serviced one."""

    __tablename__ = "vehicle_service"
    __table_args__ = (Index("ix_vehicle_service_garage_due", "garage_id", "due_on"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True)
    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    interval_months: Mapped[int | None] = mapped_column(Integer)
    interval_km: Mapped[int | None] = mapped_column(Integer)
    last_service_on: Mapped[dt.date | None] = mapped_column(Date)
    last_service_mileage: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime | None]  # when someone last set the above (the next scan looks again)
    version: Mapped[int] = mapped_column(Integer, default=0)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # written by the scan only


class Reminder(IdMixin, Base):
    """One reminder to one customer on one channel. Its status mirrors its notification, or is BOOKED once a job
    was opened for the vehicle after it."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("vehicle_id", "kind", "due_on", "lead_days", "channel"),
        Index("ix_reminders_garage_vehicle", "garage_id", "vehicle_id", "created_at"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind))
    due_on: Mapped[dt.date] = mapped_column(Date)
    lead_days: Mapped[int] = mapped_column(Integer)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    notification_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    booked_at: Mapped[dt.datetime | None]
    booked_job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
