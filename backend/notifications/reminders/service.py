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

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.validate import check_version, try_parse_id
from backend.customers import service as customers
from backend.customers.models import Vehicle
from backend.notifications.models import Channel, Notification, NotificationStatus
from backend.accounts.models import Garage
from backend.notifications.reminders import due as due_rules
from backend.notifications.reminders import rules
from backend.notifications.reminders.due import SERVICED
from backend.notifications.reminders.models import (
    Reminder,
    ReminderKind,
    ReminderSettings,
    VehicleService,
)
from backend.notifications.reminders.models import THAI_KINDS
from backend.notifications.reminders.scan import _duty_due_between, _mot_due_between, settings_values
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


def _own_kinds(thai: bool) -> list[str]:
    """The kinds a garage can choose from, in the order they are shown: its country's legal duties, the service."""
    return [k.value for k in (*due_rules.legal_kinds(thai), ReminderKind.SERVICE)]


async def get_settings(session: AsyncSession, actor: Actor) -> Settings:
    """The settings; `kinds` lists only the kinds of the garage's own country (a Thai garage never sees MOT)."""
    _zone, row, thai = await due_rules.garage_context(session, actor.garage_id)
    leads, channels, kinds, months, km = settings_values(row)
    kinds = [k for k in _own_kinds(thai) if k in kinds]
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
        _zone, _row, thai = await due_rules.garage_context(session, actor.garage_id)
        kinds = [k for k in _own_kinds(thai) if k in set(data.kinds)]
        if len(kinds) != len(set(data.kinds)):  # another country's kind (MOT for a Thai garage) or an unknown one
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


def _service_scope(garage_id, since_on: dt.date):
    """Vehicles that may have a service due from `since_on` on: serviced (or recorded as serviced) since then."""
    since = dt.datetime.combine(since_on, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1)
    return or_(
        Vehicle.id.in_(select(Job.vehicle_id).where(Job.garage_id == garage_id, Job.status.in_(SERVICED),
                                                    Job.completed_at >= since)),
        Vehicle.id.in_(select(VehicleService.vehicle_id).where(VehicleService.garage_id == garage_id,
                                                               VehicleService.last_service_on >= since_on)))


async def reminders_due(session: AsyncSession, actor: Actor, *, start: dt.date, end: dt.date,
                        kind: ReminderKind | None, limit: int, after: tuple[str, str] | None,
                        now: dt.datetime | None = None) -> list[DueItem]:
    """Vehicles whose MOT (a Thai garage: annual tax, inspection, compulsory insurance) or service (or any, when
    `kind` is None; a kind of another country's finds nothing) falls due from `start` to `end`, by
    registration then kind, with their reminder state; up to limit + 1 items. The yearly MOT date is the one on or
    after the garage's today (at `now`) when the period includes today."""
    if end < start:
        raise DomainError(ErrorCode.INVALID_PERIOD, "period")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(ErrorCode.PERIOD_TOO_LONG, "period", days=MAX_PERIOD_DAYS)
    time_zone, settings, thai = await due_rules.garage_context(session, actor.garage_id)
    # the garage's own country's kinds only, sorted by value (the cursor's order)
    allowed = sorted((ReminderKind.SERVICE, *due_rules.legal_kinds(thai)), key=lambda k: k.value)
    kinds = [k for k in allowed if kind in (None, k)]
    if not kinds:
        return []
    today = due_rules.garage_today(time_zone, now)
    after_key = None
    stmt = select(Vehicle).where(Vehicle.garage_id == actor.garage_id).order_by(Vehicle.registration, Vehicle.id)
    if after is not None:
        vid_text, _, after_kind = str(after[1]).partition("|")
        key_id = try_parse_id(vid_text)
        if key_id is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        after_key = (after[0], key_id, after_kind or "~")
        stmt = stmt.where((Vehicle.registration > after[0])
                          | and_(Vehicle.registration == after[0], Vehicle.id >= key_id))
    scopes = []
    if ReminderKind.MOT in kinds:
        scopes.append(_mot_due_between(start, end))
    scopes.extend(_duty_due_between(k, start, end) for k in kinds if k in THAI_KINDS)
    if ReminderKind.SERVICE in kinds:
        months, _km = due_rules.settings_interval(settings)
        longest = (await session.execute(select(func.max(VehicleService.interval_months))
                                         .where(VehicleService.garage_id == actor.garage_id))).scalar() or 0
        scopes.append(_service_scope(actor.garage_id, rules.add_months(start, -max(months, longest))
                                     - dt.timedelta(days=1)))
    stmt = stmt.where(or_(*scopes))
    mot_base = today if start <= today <= end else start
    out: list[DueItem] = []
    chunk = max(limit + 1, 100)
    offset = 0
    while len(out) <= limit:
        rows = (await session.execute(stmt.offset(offset).limit(chunk))).scalars().all()
        offset += len(rows)
        if not rows:
            break
        dues = await due_rules.vehicles_due(session, actor.garage_id, rows, today=mot_base)
        found = []
        for v in rows:
            info = dues[v.id]
            for k in kinds:
                due = info.due_on(k)
                if due is None or not start <= due <= end:
                    continue
                if after_key is not None and (v.registration, v.id, k.value) <= after_key:
                    continue
                found.append((v, k, due))
        out_ids = {v.id for v, _, _ in found}
        latest: dict[tuple, tuple] = {}
        if out_ids:
            for reminder, nstatus in (await session.execute(
                    select(Reminder, Notification.status)
                    .outerjoin(Notification, Notification.id == Reminder.notification_id)
                    .where(Reminder.garage_id == actor.garage_id, Reminder.vehicle_id.in_(out_ids),
                           Reminder.kind.in_(kinds))
                    .order_by(Reminder.created_at))).all():
                latest[(reminder.vehicle_id, reminder.kind, reminder.due_on)] = (reminder, nstatus)
        for v, k, due in found:
            hit = latest.get((v.id, k, due))
            out.append(DueItem(v.id, v.registration, k.value, due, _status(*hit) if hit else None,
                               hit[0].created_at if hit else None))
        if len(rows) < chunk:
            break
    return out[:limit + 1]


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


async def mark_booked(session: AsyncSession, garage_id: uuid.UUID, vehicle_id: uuid.UUID, job_id: uuid.UUID,
                      now: dt.datetime | None = None) -> None:
    """A job opened for the vehicle books every reminder sent for it whose due date has not long passed (60 days
    before the garage's today)."""
    time_zone = (await session.execute(select(Garage.time_zone).where(Garage.id == garage_id))).scalar_one()
    recent = due_rules.garage_today(time_zone, now) - dt.timedelta(days=60)
    await session.execute(
        update(Reminder).where(Reminder.garage_id == garage_id, Reminder.vehicle_id == vehicle_id,
                               Reminder.booked_at.is_(None), Reminder.due_on >= recent)
        .values(booked_at=utcnow(), booked_job_id=job_id).execution_options(synchronize_session=False))


MAX_INTERVAL_MONTHS = 60
MAX_INTERVAL_KM = 200_000
MAX_SERVICE_MILEAGE = 2_000_000


async def set_vehicle_service(session: AsyncSession, actor: Actor, vehicle_id: object, values: dict,
                              expected_version: int | None = None, now: dt.datetime | None = None) -> Vehicle:
    """Set a vehicle's own service interval (months, km) and/or its last service (date, mileage). `values` holds
    only the fields sent; a field sent as None goes back to the default (the garage's interval, the last job)."""
    vehicle = await customers.get_vehicle(session, actor, vehicle_id, "vehicleId")
    errors = Collector()
    months = values.get("interval_months")
    if months is not None and not 1 <= months <= MAX_INTERVAL_MONTHS:
        errors.add(ErrorCode.INVALID_SERVICE_INTERVAL, "intervalMonths", min=1, max=MAX_INTERVAL_MONTHS)
    km = values.get("interval_km")
    if km is not None and not 1 <= km <= MAX_INTERVAL_KM:
        errors.add(ErrorCode.INVALID_SERVICE_INTERVAL, "intervalKm", min=1, max=MAX_INTERVAL_KM)
    last_on = values.get("last_service_on")
    if last_on is not None:
        time_zone = (await session.execute(select(Garage.time_zone).where(Garage.id == actor.garage_id))).scalar_one()
        today = due_rules.garage_today(time_zone, now)
        if last_on > today or last_on.year < 1950:
            errors.add(ErrorCode.INVALID_SERVICE_DATE, "lastServiceOn")
    mileage = values.get("last_service_mileage")
    if mileage is not None and not 0 <= mileage <= MAX_SERVICE_MILEAGE:
        errors.add(ErrorCode.INVALID_MILEAGE, "lastServiceMileage", min=0, max=MAX_SERVICE_MILEAGE)
    errors.raise_if_any()
    plan = (await session.execute(select(VehicleService).where(VehicleService.vehicle_id == vehicle.id)
                                  .with_for_update())).scalar_one_or_none()
    if plan is None:
        plan = VehicleService(vehicle_id=vehicle.id, garage_id=actor.garage_id, version=0)
        session.add(plan)
    check_version(plan, expected_version)
    for name in ("interval_months", "interval_km", "last_service_on", "last_service_mileage"):
        if name in values:
            setattr(plan, name, values[name])
    if plan.last_service_mileage is not None and plan.last_service_on is None:
        raise DomainError(ErrorCode.REQUIRED, "lastServiceOn")
    plan.version = (plan.version or 0) + 1
    plan.changed_at = utcnow()  # the next scan looks at this vehicle again
    await session.flush()
    return vehicle
