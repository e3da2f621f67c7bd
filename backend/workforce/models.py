"""Technicians' working time: weekly shift patterns, their exceptions, the attendance clock, clock corrections and
the alerts of clocks left running.

- A shift (`work_shifts`) is one weekday's working window of one technician in the garage's time zone: local start
  and end times (an end at or before the start ends the next day: a night shift) and its unpaid break windows
  (`breaks`: [{"start": "HH:MM", "end": "HH:MM"}], local times inside the shift; not working time). A pattern is the
  set of a technician's shifts valid on a day: rows carry `valid_from` (local date) and `valid_to` (exclusive, None:
  open-ended), so replacing a pattern from a day on keeps the past as it was scheduled. `work_patterns` holds one
  row per technician with the pattern's `version` (expectedVersion of setWorkPattern).
- An exception (`work_exceptions`) is a UTC range: LEAVE, SICK, TRAINING take the technician out of their pattern;
  EXTRA (overtime) adds working time.
- The attendance clock (`attendance_entries`), apart from the job clock (workshop's TimeClockEntry): SHIFT entries
  (clocked in to clocked out) and BREAK entries inside a shift. At most one open SHIFT and one open BREAK per
  technician (partial unique indexes, the backstop of a race).
- A correction (`clock_corrections`) of either clock keeps the times the entry had before it, and the first
  original times (`original_*`, copied from the entry's first correction) however often it is corrected.
- A clock alert (`clock_alerts`) marks an entry still running past its shift's end plus the grace time; unique per
  (clock, entry), so the managers are told once.
- `workforce_settings`: one row per garage (absent: the defaults), e.g. the grace minutes.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (JSON, CheckConstraint, Enum, ForeignKey, Index, Integer, SmallInteger, Text, Time,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow

DEFAULT_GRACE_MINUTES = 30


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class ExceptionKind(enum.Enum):
    LEAVE = "LEAVE"
    SICK = "SICK"
    TRAINING = "TRAINING"
    EXTRA = "EXTRA"  # overtime: working time added to the pattern


ABSENCE_KINDS = frozenset({ExceptionKind.LEAVE, ExceptionKind.SICK, ExceptionKind.TRAINING})


class AttendanceKind(enum.Enum):
    SHIFT = "SHIFT"
    BREAK = "BREAK"


class ClockKind(enum.Enum):
    JOB = "JOB"  # backend/workshop's TimeClockEntry
    ATTENDANCE = "ATTENDANCE"  # AttendanceEntry


class WorkPattern(IdMixin, Base):
    """A technician's weekly pattern as a whole: its version and who changed it last (the shifts are its rows)."""

    __tablename__ = "work_patterns"
    __table_args__ = (UniqueConstraint("garage_id", "technician_id"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WorkShift(IdMixin, Base):
    __tablename__ = "work_shifts"
    __table_args__ = (
        Index("ix_work_shifts_technician", "garage_id", "technician_id", "valid_from"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_range"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 Monday .. 6 Sunday: the day the shift starts
    starts: Mapped[dt.time] = mapped_column(Time)  # local time in the garage's time zone
    ends: Mapped[dt.time] = mapped_column(Time)  # at or before `starts`: the next day
    breaks: Mapped[list] = mapped_column(JSON, default=list)  # [{"start": "12:00", "end": "13:00"}], unpaid
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]  # exclusive


class WorkException(IdMixin, Base):
    __tablename__ = "work_exceptions"
    __table_args__ = (
        Index("ix_work_exceptions_technician", "garage_id", "technician_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ExceptionKind] = mapped_column(_enum(ExceptionKind))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AttendanceEntry(IdMixin, Base):
    __tablename__ = "attendance_entries"
    __table_args__ = (
        Index("ix_attendance_entries_technician", "garage_id", "technician_id", "started_at"),
        Index("uq_attendance_open_per_technician", "technician_id", "kind", unique=True,
              postgresql_where=text("ended_at IS NULL"), sqlite_where=text("ended_at IS NULL")),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[AttendanceKind] = mapped_column(_enum(AttendanceKind))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ClockCorrection(IdMixin, Base):
    __tablename__ = "clock_corrections"
    __table_args__ = (Index("ix_clock_corrections_entry", "garage_id", "clock", "entry_id", "corrected_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    clock: Mapped[ClockKind] = mapped_column(_enum(ClockKind))
    entry_id: Mapped[uuid.UUID]  # a time_clock_entries or attendance_entries id, by `clock`
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    original_started_at: Mapped[dt.datetime]  # as first clocked, before any correction
    original_ended_at: Mapped[dt.datetime | None]
    previous_started_at: Mapped[dt.datetime]  # just before this correction
    previous_ended_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(Text)
    corrected_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    corrected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ClockAlert(IdMixin, Base):
    __tablename__ = "clock_alerts"
    __table_args__ = (
        UniqueConstraint("clock", "entry_id"),
        Index("ix_clock_alerts_garage", "garage_id", "flagged_at"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    clock: Mapped[ClockKind] = mapped_column(_enum(ClockKind))
    entry_id: Mapped[uuid.UUID]
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    shift_ended_at: Mapped[dt.datetime]  # the end of the scheduled working time the clock ran past
    flagged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WorkforceSettings(Base):
    __tablename__ = "workforce_settings"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    clock_grace_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_GRACE_MINUTES)
    version: Mapped[int] = mapped_column(Integer, default=1)
