"""Reminder settings, the vehicles due in a period with their reminder state, a vehicle's reminder history, and the
hook that marks reminders BOOKED when a job is opened for the vehicle.

Status of a reminder: BOOKED once a job was opened for the vehicle after the reminder (marked by the createJob hook,
`mark_booked`), else its notification's status (QUEUED while waiting or being sent, SENT, DELIVERED, FAILED; a
notification cancelled at send time, e.g. consent withdrawn, reads FAILED).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.validate import check_version, try_parse_id
from backend.customers.models import Vehicle
from backend.notifications.models import Channel, Notification, NotificationStatus
from backend.notifications.reminders import rules
from backend.notifications.reminders.models import (
    Reminder,
    ReminderKind,
    ReminderSettings,
)
from backend.notifications.reminders.scan import _mot_due_between, settings_values
from backend.workshop.models import Job

MAX_LEADS = 5
MAX_LEAD_DAYS = 365
MAX_PERIOD_DAYS = 400
STATUS = {NotificationStatus.QUEUED: "QUEUED", NotificationStatus.SENDING: "QUEUED",
          NotificationStatus.SENT: "SENT", NotificationStatus.DELIVERED: "DELIVERED",
          NotificationStatus.FAILED: "FAILED", NotificationStatus.CANCELLED: "FAILED"}


@dataclass
class SettingsInput:
    lead_days: list[int] | None = None
    channels: list[str] | None = None
    kinds: list[str] | None = None
    service_interval_months: int | None = None
    service_interval_km: int | None = None
    expected_version: int | None = None


@dataclass
class Settings:
    lead_days: list[int]
    channels: list[str]
    kinds: list[str]
    service_interval_months: int
    service_interval_km: int | None
    last_scan_on: dt.date | None
    version: int


async def get_settings(session: AsyncSession, actor: Actor) -> Settings:
    row = await session.get(ReminderSettings, actor.garage_id)
    leads, channels, kinds, months, km = settings_values(row)
    return Settings(sorted(leads, reverse=True), channels, kinds, months, km, row.last_scan_on if row else None,
                    row.version if row else 0)


async def update_settings(session: AsyncSession, actor: Actor, data: SettingsInput) -> Settings:
    errors = Collector()
    leads = None
    if data.lead_days is not None:
        leads = sorted(set(data.lead_days), reverse=True)
        if not leads or len(leads) > MAX_LEADS or any(d < 1 or d > MAX_LEAD_DAYS for d in leads):
            errors.add(ErrorCode.INVALID_LEAD_DAYS, "leadDays", max=MAX_LEAD_DAYS, count=MAX_LEADS)
    channels = None
    if data.channels is not None:
        channels = [c for c in (Channel.SMS.value, Channel.EMAIL.value) if c in set(data.channels)]
        if len(channels) != len(set(data.channels)):
            errors.add(ErrorCode.INVALID_VALUE, "channels")
    kinds = None
    if data.kinds is not None:
        kinds = [k.value for k in ReminderKind if k.value in set(data.kinds)]
        if len(kinds) != len(set(data.kinds)):
            errors.add(ErrorCode.INVALID_VALUE, "kinds")
    if data.service_interval_months is not None and not 1 <= data.service_interval_months <= 60:
        errors.add(ErrorCode.INVALID_SERVICE_INTERVAL, "serviceIntervalMonths", min=1, max=60)
    if data.service_interval_km is not None and not 0 <= data.service_interval_km <= 200_000:
        errors.add(ErrorCode.INVALID_SERVICE_INTERVAL, "serviceIntervalKm", min=0, max=200000)
    errors.raise_if_any()
    row = await session.get(ReminderSettings, actor.garage_id, with_for_update=True)
    if row is None:
        base = settings_values(None)
        row = ReminderSettings(garage_id=actor.garage_id, lead_days=base[0], channels=base[1], kinds=base[2],
                               service_interval_months=base[3], service_interval_km=base[4], version=0)
        session.add(row)
    else:
        check_version(row, data.expected_version)
    if leads is not None:
        row.lead_days = leads
    if channels is not None:
        row.channels = channels
    if kinds is not None:
        row.kinds = kinds
    if data.service_interval_months is not None:
        row.service_interval_months = data.service_interval_months
    if data.service_interval_km is not None:
        row.service_interval_km = data.service_interval_km or None
    row.version = (row.version or 0) + 1
    row.updated_at = utcnow()  # the next scan looks at every vehicle again
    await session.flush()
    return await get_settings(session, actor)


@dataclass
class DueItem:
    vehicle_id: uuid.UUID
    registration: str
    kind: str
    due_on: dt.date
    status: str | None  # of the latest reminder for this due date; None: none sent yet
    reminded_at: dt.datetime | None


def _status(reminder: Reminder, notification_status) -> str:
    if reminder.booked_at is not None:
        return "BOOKED"
    return STATUS.get(notification_status, "QUEUED")


async def reminders_due(session: AsyncSession, actor: Actor, *, start: dt.date, end: dt.date, kind: ReminderKind,
                        limit: int, after: tuple[str, str] | None) -> list[DueItem]:
    """Vehicles whose MOT or service falls due from `start` to `end`, by registration, with their reminder state."""
    if end < start:
        raise DomainError(ErrorCode.INVALID_PERIOD, "period")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(ErrorCode.PERIOD_TOO_LONG, "period", days=MAX_PERIOD_DAYS)
    today = dt.date.today()
    stmt = select(Vehicle).where(Vehicle.garage_id == actor.garage_id).order_by(Vehicle.registration, Vehicle.id)
    if after is not None:
        key_id = try_parse_id(after[1])
        if key_id is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        stmt = stmt.where((Vehicle.registration > after[0])
                          | and_(Vehicle.registration == after[0], Vehicle.id > key_id))
    if kind == ReminderKind.MOT:
        stmt = stmt.where(_mot_due_between(start, end))
        rows = (await session.execute(stmt.limit(limit + 1))).scalars().all()
        dues = {}
        for v in rows:
            due = v.mot_expiry
            if due is None:
                base = max(start, today) if start <= today <= end else start
                due = rules.mot_due_date(v.first_registration_date, None, base)
            dues[v.id] = due
    else:
        row = await session.get(ReminderSettings, actor.garage_id)
        _, _, _, months, km = settings_values(row)
        last = (select(Job.vehicle_id, Job.completed_at, Job.mileage_in)
                .where(Job.garage_id == actor.garage_id, Job.completed_at.is_not(None))
                .order_by(Job.vehicle_id, Job.completed_at.desc()))
        since = dt.datetime.combine(rules.add_months(start, -months), dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1)
        stmt = stmt.where(Vehicle.id.in_(select(Job.vehicle_id).where(
            Job.garage_id == actor.garage_id, Job.completed_at >= since)))
        rows = (await session.execute(stmt.limit(limit + 1))).scalars().all()
        jobs = {}
        for vid, completed_at, mileage_in in (await session.execute(
                last.where(Job.vehicle_id.in_([v.id for v in rows])))).all():
            jobs.setdefault(vid, (completed_at, mileage_in))
        dues = {}
        for v in rows:
            completed_at, mileage_in = jobs[v.id]
            dues[v.id] = rules.service_due(
                completed_at.date(), mileage_in, interval_months=months, interval_km=km, mileage=v.mileage,
                mileage_on=v.mileage_recorded_at.date() if v.mileage_recorded_at else None).due_on
    ids = [v.id for v in rows]
    latest: dict[uuid.UUID, tuple] = {}
    if ids:
        for reminder, nstatus in (await session.execute(
                select(Reminder, Notification.status)
                .outerjoin(Notification, Notification.id == Reminder.notification_id)
                .where(Reminder.garage_id == actor.garage_id, Reminder.vehicle_id.in_(ids), Reminder.kind == kind)
                .order_by(Reminder.created_at))).all():
            if reminder.due_on == dues.get(reminder.vehicle_id):
                latest[reminder.vehicle_id] = (reminder, nstatus)
    out = []
    for v in rows:
        due = dues[v.id]
        if due is None:
            continue
        hit = latest.get(v.id)
        out.append(DueItem(v.id, v.registration, kind.value, due, _status(*hit) if hit else None,
                           hit[0].created_at if hit else None))
    return out


@dataclass
class HistoryItem:
    id: uuid.UUID
    kind: str
    due_on: dt.date
    lead_days: int
    channel: str
    status: str
    created_at: dt.datetime
    booked_at: dt.datetime | None


async def reminder_history(session: AsyncSession, actor: Actor, vehicle_id: object) -> list[HistoryItem]:
    vid = try_parse_id(vehicle_id)
    if vid is None:
        return []
    rows = (await session.execute(
        select(Reminder, Notification.status).outerjoin(Notification, Notification.id == Reminder.notification_id)
        .where(Reminder.garage_id == actor.garage_id, Reminder.vehicle_id == vid)
        .order_by(Reminder.created_at.desc(), Reminder.id))).all()
    return [HistoryItem(r.id, r.kind.value, r.due_on, r.lead_days, r.channel.value, _status(r, s), r.created_at,
                        r.booked_at) for r, s in rows]


async def mark_booked(session: AsyncSession, garage_id: uuid.UUID, vehicle_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """A job opened for the vehicle books every reminder sent for it whose due date has not long passed."""
    recent = dt.date.today() - dt.timedelta(days=60)
    await session.execute(
        update(Reminder).where(Reminder.garage_id == garage_id, Reminder.vehicle_id == vehicle_id,
                               Reminder.booked_at.is_(None), Reminder.due_on >= recent)
        .values(booked_at=utcnow(), booked_job_id=job_id).execution_options(synchronize_session=False))
