"""The daily reminder scan: set-based SQL finds the vehicles whose reminder day has come, batch by batch; one
INSERT ... ON CONFLICT DO NOTHING per batch writes the reminders, and the outbox rows go in the same transaction.

Which vehicles are looked at (per garage, per kind):
- the first scan, a scan after the settings changed, and vehicles or owners changed since the last scan: every
  vehicle whose due date falls from today to today + the longest lead;
- otherwise only the new window: vehicles whose due date minus a lead falls after the last scan day, up to today.
The exact due date and lead are then computed per row in Python (rules.py / due.py, no queries); the unique key
(vehicle, kind, due date, lead, channel) and the outbox dedupe_key make a second run a no-op however often it runs.
The inserts are executemany statements (one compiled statement, sent in pages), not 2,000-row VALUES lists, which
SQLAlchemy took seconds to compile.

MOT: the recorded expiry, else the third anniversary of first registration and yearly after it.
Service (see due.py): from the later of the last completed job and a service recorded by hand, after the vehicle's
own interval in months or km where set, else the garage's, whichever first (the km estimated from the latest
reading). The mileage date cannot be bounded in SQL, so the scan stores each computed due date
(vehicle_service.due_on): a later scan reads the vehicles whose stored date has a new reminder day, plus those whose
vehicle, owner, jobs or own interval changed since the last scan.

Who gets one: the vehicle's current owner, on their contact channel (SMS or EMAIL) when they consented to it, have an
address for it, and the garage sends on it; in their language, else the garage's.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from babel.dates import format_date
from sqlalchemy import (Column, MetaData, Table, and_, bindparam, extract, false, func, or_, select, text, union,
                        update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.schema import CreateTable, DropTable

from backend.accounts.models import Garage
from backend.core.db import utcnow
from backend.core.i18n import buddhist_year
from backend.core.ids import new_id
from backend.customers.models import ContactChannel, Customer, Vehicle
from backend.notifications.models import Channel, Notification, NotificationStatus
from backend.notifications.outbox import after_commit_dispatch
from backend.notifications.reminders import due as due_rules
from backend.notifications.reminders import rules
from backend.notifications.reminders.due import SERVICED
from backend.notifications.reminders.models import (
    THAI_KINDS,
    Reminder,
    ReminderKind,
    ReminderSettings,
    VehicleService,
)
from backend.workshop.models import Job

log = logging.getLogger("mototrack.reminders")
BATCH = 2000
EVENTS = {ReminderKind.MOT: "reminder_mot", ReminderKind.SERVICE: "reminder_service",
          ReminderKind.VEHICLE_TAX: "reminder_vehicle_tax", ReminderKind.INSPECTION: "reminder_inspection",
          ReminderKind.INSURANCE: "reminder_insurance"}


DATE_EXTRAS = ("window_start", "insurance_expiry")


@dataclass
class ScanResult:
    queued: int = 0
    candidates: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


garage_today = due_rules.garage_today


def format_due(day: dt.date, locale: str) -> str:
    if locale == "th":
        return f"{format_date(day, 'd MMMM', locale='th')} {buddhist_year(day)}"
    return format_date(day, "d MMMM y", locale="en")


def dedupe_key(vehicle_id, kind: ReminderKind, due_on: dt.date, lead: int, channel: Channel) -> str:
    return f"reminder:{vehicle_id}:{kind.value}:{due_on.isoformat()}:{lead}:{channel.value}"


def settings_values(row: ReminderSettings | None):
    from backend.notifications.reminders import models as m

    if row is None:
        return (list(m.DEFAULT_LEAD_DAYS), list(m.DEFAULT_CHANNELS), list(m.DEFAULT_KINDS), m.DEFAULT_SERVICE_MONTHS,
                m.DEFAULT_SERVICE_KM)
    return (list(row.lead_days), list(row.channels), list(row.kinds), row.service_interval_months,
            row.service_interval_km)


# ------------------------------------------------------------------------------------------------ SQL conditions


def _consent(channels: list[str]):
    """The owner consented to their own channel, has an address for it, and the garage sends on it."""
    parts = []
    if Channel.SMS.value in channels:
        parts.append(and_(Customer.contact_channel == ContactChannel.SMS, Customer.consent_sms.is_(True),
                          Customer.phone.is_not(None), Customer.phone != ""))
    if Channel.EMAIL.value in channels:
        parts.append(and_(Customer.contact_channel == ContactChannel.EMAIL, Customer.consent_email.is_(True),
                          Customer.email.is_not(None), Customer.email != ""))
    return or_(*parts) if parts else false()


def _month_day(column):
    return extract("month", column) * 100 + extract("day", column)


def _anniversary_between(column, start: dt.date, end: dt.date):
    """Rows whose date has an anniversary from `start` to `end` (a superset: Python checks the exact rule)."""
    if (end - start).days >= 365:
        return column.is_not(None)
    parts = []
    segment_start = start
    while segment_start <= end:
        segment_end = min(end, dt.date(segment_start.year, 12, 31))
        md = _month_day(column)
        parts.append(md.between(segment_start.month * 100 + segment_start.day,
                                segment_end.month * 100 + segment_end.day))
        feb28 = dt.date(segment_start.year, 2, 28)
        if segment_start <= feb28 <= segment_end:  # 29 February's anniversary in a common year
            parts.append(md == 229)
        segment_start = segment_end + dt.timedelta(days=1)
    return or_(*parts)


def _mot_due_between(start: dt.date, end: dt.date):
    return or_(
        and_(Vehicle.mot_expiry.is_not(None), Vehicle.mot_expiry.between(start, end)),
        and_(Vehicle.mot_expiry.is_(None), Vehicle.first_registration_date.is_not(None),
             Vehicle.first_registration_date <= rules.add_years(end, -rules.MOT_FIRST_TEST_YEARS),
             _anniversary_between(Vehicle.first_registration_date, start, end)),
    )


def _duty_due_between(kind: ReminderKind, start: dt.date, end: dt.date):
    """Vehicles whose Thai duty of `kind` may fall due from `start` to `end` (a superset: Python checks the rule)."""
    if kind == ReminderKind.INSURANCE:
        return and_(Vehicle.insurance_expiry.is_not(None), Vehicle.insurance_expiry.between(start, end))
    youngest = 1 if kind == ReminderKind.VEHICLE_TAX else min(rules.INSPECTION_AGE_YEARS.values())
    return and_(Vehicle.first_registration_date.is_not(None),
                Vehicle.first_registration_date <= rules.add_years(end, -youngest),
                _anniversary_between(Vehicle.first_registration_date, start, end))


# the widest lead a duty payable only from a window allows (window_leads): its SQL windows use these leads too
_WINDOW_DAYS = {ReminderKind.VEHICLE_TAX: (rules.TAX_EARLY_DAYS,), ReminderKind.INSPECTION: (89, 90, 91, 92)}


def _sql_leads(kind: ReminderKind, leads: list[int]) -> list[int]:
    caps = _WINDOW_DAYS.get(kind)
    if caps is None:
        return leads
    return sorted({min(lead, cap) for lead in leads for cap in caps}, reverse=True)


def _mot_window(today: dt.date, leads: list[int], last_scan_on: dt.date | None, changed_since: dt.datetime | None,
                due_between=_mot_due_between):
    """The MOT (or a Thai duty's, with its `due_between`) candidates: see the module's docstring."""
    longest = max(leads)
    everything = due_between(today, today + dt.timedelta(days=longest))
    if last_scan_on is None or changed_since is None:
        return everything
    parts = []
    for lead in leads:
        start = max(today, last_scan_on + dt.timedelta(days=lead + 1))
        end = today + dt.timedelta(days=lead)
        if start <= end:
            parts.append(due_between(start, end))
    parts.append(and_(or_(Vehicle.updated_at > changed_since, Customer.updated_at > changed_since), everything))
    return or_(*parts)


# ------------------------------------------------------------------------------------------------ candidates

# A pass's candidates (vehicle id, and for the service the last completed visit), computed once into a temporary
# table that the batches page through by id: the batches no longer evaluate the window, the consent and the jobs'
# aggregate again each (a full scan of the vehicles, or of every job, per batch of 2,000).
_CANDIDATES = Table("reminder_scan_candidates", MetaData(),
                    Column("id", Vehicle.__table__.c.id.type, primary_key=True),
                    Column("completed_at", Job.__table__.c.completed_at.type),
                    prefixes=["TEMPORARY"])


@contextlib.asynccontextmanager
async def _materialised(session: AsyncSession, query):
    """The rows of `query` (vehicle ids, or ids and their last completed visit) in a temporary table for this
    pass; three statements whatever the number of batches (four on PostgreSQL, which is told the table's size)."""
    await session.execute(CreateTable(_CANDIDATES))
    columns = ["id", "completed_at"][:len(query.selected_columns)]
    await session.execute(_CANDIDATES.insert().from_select(columns, query))
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"ANALYZE {_CANDIDATES.name}"))  # temporary tables are never auto-analysed
    yield _CANDIDATES
    await session.execute(DropTable(_CANDIDATES))


# ------------------------------------------------------------------------------------------------ the scan


async def scan_garage(session: AsyncSession, garage_id: uuid.UUID, today: dt.date | None = None,
                      batch: int = BATCH, now: dt.datetime | None = None) -> ScanResult:
    """Queue every reminder due today (the garage's date at `now`, default the present) in one garage, in the
    caller's transaction."""
    garage = (await session.execute(select(Garage).where(Garage.id == garage_id))).scalar_one()
    today = today or garage_today(garage.time_zone, now)
    settings = (await session.execute(
        select(ReminderSettings).where(ReminderSettings.garage_id == garage_id).with_for_update()
    )).scalar_one_or_none()
    leads, channels, kinds, months, km = settings_values(settings)
    last_scan_on = settings.last_scan_on if settings else None
    last_scan_at = settings.last_scan_at if settings else None
    if settings is not None and last_scan_at is not None and settings.updated_at > last_scan_at:
        last_scan_on = last_scan_at = None  # the settings changed: look at everything again
    if last_scan_on is not None and last_scan_on > today:
        last_scan_on = today
    result = ScanResult()
    started = utcnow()
    default_locale = garage.default_locale.value
    thai = due_rules.is_thai(garage.country, garage.time_zone)
    if leads and channels:
        if ReminderKind.MOT.value in kinds and not thai:
            await _scan_mot(session, garage, today, leads, channels, last_scan_on, last_scan_at, default_locale,
                            batch, result)
        if thai:
            for kind in THAI_KINDS:
                if kind.value in kinds:
                    await _scan_duty(session, garage, kind, today, leads, channels, last_scan_on, last_scan_at,
                                     default_locale, batch, result)
        if ReminderKind.SERVICE.value in kinds:
            await _scan_service(session, garage, today, leads, channels, months, km, last_scan_on, last_scan_at,
                                default_locale, batch, result)
    # the window moves on (without touching updated_at, which says when an admin changed the settings)
    if settings is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(ReminderSettings).values(
            garage_id=garage_id, lead_days=leads, channels=channels, kinds=kinds, service_interval_months=months,
            service_interval_km=km, last_scan_on=today, last_scan_at=started, updated_at=started, version=1,
        ).on_conflict_do_nothing(index_elements=["garage_id"]))
    else:
        await session.execute(update(ReminderSettings).where(ReminderSettings.garage_id == garage_id).values(
            last_scan_on=today, last_scan_at=started, updated_at=ReminderSettings.updated_at))
    return result


_OWNER_COLUMNS = (Customer.id.label("customer_id"), Customer.name, Customer.phone, Customer.email, Customer.locale,
                  Customer.contact_channel)
_VEHICLE_COLUMNS = (Vehicle.id, Vehicle.registration_display, Vehicle.make, Vehicle.model)


async def _scan_dated(session, garage, kind: ReminderKind, window, columns, hit_of, channels, default_locale,
                      today, batch, result) -> None:
    """A reminder kind with a date of its own (MOT, a Thai duty): the candidates in `window` with consent, batch by
    batch; `hit_of(row)` is (due date, lead, extra context) when a reminder is due today, else None."""
    chosen = (select(Vehicle.id).join(Customer, Customer.id == Vehicle.owner_id)
              .where(Vehicle.garage_id == garage.id, Customer.garage_id == garage.id, _consent(channels), window))
    async with _materialised(session, chosen) as candidates:
        stmt = (select(*_VEHICLE_COLUMNS, *columns, *_OWNER_COLUMNS)
                .select_from(candidates)
                .join(Vehicle, Vehicle.id == candidates.c.id)
                .join(Customer, Customer.id == Vehicle.owner_id)
                .order_by(candidates.c.id).limit(batch))
        async for rows in _batches(session, stmt, batch, result, candidates.c.id):
            found = [(row, *hit) for row in rows if (hit := hit_of(row)) is not None]
            await _queue(session, garage, kind, found, default_locale, today, result)


async def _scan_mot(session, garage, today, leads, channels, last_scan_on, last_scan_at, default_locale, batch,
                    result) -> None:
    def hit_of(row):
        due = rules.mot_due_date(row.first_registration_date, row.mot_expiry, today)
        lead = rules.lead_for(due, today, leads) if due is not None else None
        return None if lead is None else (due, lead, {})

    await _scan_dated(session, garage, ReminderKind.MOT, _mot_window(today, leads, last_scan_on, last_scan_at),
                      (Vehicle.first_registration_date, Vehicle.mot_expiry), hit_of, channels, default_locale, today,
                      batch, result)


def duty_due(kind: ReminderKind, first_registration, vehicle_kind, insurance_expiry, today: dt.date,
             leads: list[int]) -> tuple[dt.date, int, dict] | None:
    """(due date, lead, extra context) of the Thai duty `kind` reminder due today, or None."""
    duties = rules.thai_duties(first_registration, vehicle_kind.value if vehicle_kind else None, insurance_expiry,
                               today)
    extra: dict = {}
    if kind == ReminderKind.INSURANCE:
        due = duties.insurance_on
        kind_leads = leads
    else:
        due = duties.tax_on if kind == ReminderKind.VEHICLE_TAX else duties.inspection_on
        if due is None:
            return None
        start = rules.tax_window_start(due) if kind == ReminderKind.VEHICLE_TAX else rules.inspection_window_start(due)
        kind_leads = rules.window_leads(leads, due, start)
        extra["window_start"] = start.isoformat()
        if kind == ReminderKind.VEHICLE_TAX:
            extra["inspection_needed"] = duties.inspection_on is not None
            if insurance_expiry is not None:
                extra["insurance_expiry"] = insurance_expiry.isoformat()
    if due is None:
        return None
    lead = rules.lead_for(due, today, kind_leads)
    return None if lead is None else (due, lead, extra)


async def _scan_duty(session, garage, kind: ReminderKind, today, leads, channels, last_scan_on, last_scan_at,
                     default_locale, batch, result) -> None:
    """One Thai duty (annual tax, inspection, compulsory insurance): the MOT's windows, consent and batches."""
    def between(start, end):
        return _duty_due_between(kind, start, end)

    def hit_of(row):
        return duty_due(kind, row.first_registration_date, row.vehicle_kind, row.insurance_expiry, today, leads)

    window = _mot_window(today, _sql_leads(kind, leads), last_scan_on, last_scan_at, due_between=between)
    await _scan_dated(session, garage, kind, window, (Vehicle.first_registration_date,
                      Vehicle.kind.label("vehicle_kind"), Vehicle.insurance_expiry), hit_of, channels,
                      default_locale, today, batch, result)


async def _batches(session, stmt, batch: int, result, key=Vehicle.id):
    """The rows of `stmt` (ordered by `key`, the vehicle's id, `batch` at a time) batch by batch, each counted as
    candidates: one statement per batch. The vehicles' id is bounded too, so PostgreSQL's merge join of the
    candidates with the vehicles starts at the batch rather than at the first vehicle."""
    after = None
    while True:
        page = stmt if after is None else stmt.where(key > after, Vehicle.id > after)
        rows = (await session.execute(page)).all()
        if not rows:
            return
        after = rows[-1].id
        result.candidates += len(rows)
        yield rows
        if len(rows) < batch:
            return


def _service_window(today: dt.date, leads: list[int], last_scan_on: dt.date):
    """Vehicles whose service due date, as the last scan computed it, has a reminder day after that scan's day."""
    parts = []
    for lead in leads:
        start = max(today, last_scan_on + dt.timedelta(days=lead + 1))
        end = today + dt.timedelta(days=lead)
        if start <= end:
            parts.append(VehicleService.due_on.between(start, end))
    return or_(*parts) if parts else false()


async def _scan_service(session, garage, today, leads, channels, months, km, last_scan_on, last_scan_at,
                        default_locale, batch, result) -> None:
    """Service reminders. The first scan (and one after the settings changed) computes every vehicle serviced
    recently enough to be due from today; it stores each vehicle's due date (vehicle_service.due_on). Later scans
    read only the vehicles whose stored due date has a new reminder day, and those whose data changed since the
    last scan (the vehicle, its owner, its jobs, its own interval), so a second run the same day reads next to
    nothing."""
    full = last_scan_on is None or last_scan_at is None
    gid = garage.id
    jobs_filter = and_(Job.garage_id == gid, Job.status.in_(SERVICED), Job.completed_at.is_not(None))
    if full:
        # a service due today or later was done at most the longest interval ago (the km only bring it earlier)
        longest = (await session.execute(select(func.max(VehicleService.interval_months))
                                         .where(VehicleService.garage_id == gid))).scalar() or 0
        span = max(months, longest)
        since_on = rules.add_months(today, -span) - dt.timedelta(days=1)
        since = dt.datetime.combine(since_on, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1)
        # each vehicle's last completed visit, aggregated once for the whole pass (from the jobs recent enough to
        # count: an older visit loses to a service recorded by hand in the window anyway)
        last = select(Job.vehicle_id.label("vehicle_id"), func.max(Job.completed_at).label("completed_at")).where(
            jobs_filter, Job.completed_at >= since).group_by(Job.vehicle_id).subquery("last_service")
        scope = or_(last.c.completed_at.is_not(None), VehicleService.last_service_on >= since_on)
    else:
        changed = union(
            select(VehicleService.vehicle_id).where(VehicleService.garage_id == gid,
                                                    _service_window(today, leads, last_scan_on)),
            select(VehicleService.vehicle_id).where(VehicleService.garage_id == gid,
                                                    VehicleService.changed_at > last_scan_at),
            select(Vehicle.id).where(Vehicle.garage_id == gid, Vehicle.updated_at > last_scan_at),
            select(Vehicle.id).join(Customer, Customer.id == Vehicle.owner_id).where(
                Vehicle.garage_id == gid, Customer.garage_id == gid, Customer.updated_at > last_scan_at),
            select(Job.vehicle_id).where(Job.garage_id == gid, Job.updated_at > last_scan_at),
        ).subquery("changed")
        last = select(Job.vehicle_id.label("vehicle_id"), func.max(Job.completed_at).label("completed_at")).where(
            jobs_filter, Job.vehicle_id.in_(select(changed.c[0]))).group_by(Job.vehicle_id).subquery("last_service")
        scope = and_(Vehicle.id.in_(select(changed.c[0])),
                     or_(last.c.completed_at.is_not(None), VehicleService.last_service_on.is_not(None)))
    chosen = (select(Vehicle.id, last.c.completed_at)
              .join(Customer, Customer.id == Vehicle.owner_id)
              .outerjoin(last, last.c.vehicle_id == Vehicle.id)
              .outerjoin(VehicleService, VehicleService.vehicle_id == Vehicle.id)
              .where(Vehicle.garage_id == gid, Customer.garage_id == gid, _consent(channels), scope))
    async with _materialised(session, chosen) as candidates:
        await _service_batches(session, garage, candidates, today, leads, months, km, default_locale, batch, result)


async def _service_batches(session, garage, candidates, today, leads, months, km, default_locale, batch,
                           result) -> None:
    """The service pass over its materialised candidates (vehicle id, last completed visit), batch by batch."""
    gid = garage.id
    zone = _zone(garage.time_zone)
    last_job = aliased(Job, name="last_job")
    stmt = (select(*_VEHICLE_COLUMNS, Vehicle.mileage, Vehicle.mileage_recorded_at, candidates.c.completed_at,
                   last_job.mileage_in, VehicleService.interval_months, VehicleService.interval_km,
                   VehicleService.last_service_on, VehicleService.last_service_mileage,
                   VehicleService.due_on.label("stored_due_on"), *_OWNER_COLUMNS)
            .select_from(candidates)
            .join(Vehicle, Vehicle.id == candidates.c.id)
            .join(Customer, Customer.id == Vehicle.owner_id)
            .outerjoin(last_job, and_(last_job.vehicle_id == Vehicle.id,
                                      last_job.completed_at == candidates.c.completed_at, last_job.garage_id == gid))
            .outerjoin(VehicleService, VehicleService.vehicle_id == Vehicle.id)
            .order_by(candidates.c.id).limit(batch))
    async for rows in _batches(session, stmt, batch, result, candidates.c.id):
        found, seen, store = [], set(), []
        for row in rows:
            if row.id in seen:  # two jobs completed at the same instant
                continue
            seen.add(row.id)
            interval = due_rules.interval_for(row.interval_months, row.interval_km, months, km)
            due = due_rules.service_due_for(
                job_completed_at=row.completed_at, job_mileage=row.mileage_in, recorded_on=row.last_service_on,
                recorded_mileage=row.last_service_mileage, interval=interval, mileage=row.mileage,
                mileage_recorded_at=row.mileage_recorded_at, zone=zone)
            if due is None:
                continue
            if due.due_on != row.stored_due_on:
                store.append({"vehicle_id": row.id, "garage_id": gid, "due_on": due.due_on, "version": 0})
            lead = rules.lead_for(due.due_on, today, leads)
            if lead is not None:
                found.append((row, due.due_on, lead, {"due_mileage": due.due_mileage, "due_by": due.by}))
        if store:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            upsert = insert(VehicleService.__table__)
            await session.execute(upsert.on_conflict_do_update(index_elements=["vehicle_id"],
                                                               set_={"due_on": upsert.excluded.due_on}), store)
        await _queue(session, garage, ReminderKind.SERVICE, found, default_locale, today, result)


def _zone(name: str):
    return due_rules.zone_of(name)


_REMINDERS = Reminder.__table__


async def _queue(session: AsyncSession, garage: Garage, kind: ReminderKind, found: list, default_locale: str,
                 today: dt.date, result: ScanResult) -> None:
    """Write the reminders of one batch; those already written (an earlier run) are skipped by the unique key, and
    only the new ones get an outbox row."""
    if not found:
        return
    is_pg = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if is_pg else sqlite_insert
    now = utcnow()
    planned = {}
    rows = []
    for row, due, lead, extra in found:
        channel = Channel.SMS if row.contact_channel == ContactChannel.SMS else Channel.EMAIL
        reminder_id = new_id()
        rows.append(dict(id=reminder_id, garage_id=garage.id, vehicle_id=row.id, customer_id=row.customer_id,
                         kind=kind, due_on=due, lead_days=lead, channel=channel, created_at=now))
        planned[reminder_id] = (row, due, lead, channel, extra)
    inserted = (await session.execute(
        insert(_REMINDERS).on_conflict_do_nothing(
            index_elements=["vehicle_id", "kind", "due_on", "lead_days", "channel"]).returning(_REMINDERS.c.id),
        rows)).scalars().all()
    if not inserted:
        return
    notifications = []
    link = {}
    for reminder_id in inserted:
        row, due, lead, channel, extra = planned[reminder_id]
        locale = row.locale.value if row.locale is not None else default_locale
        notification_id = new_id()
        link[notification_id] = reminder_id
        context = {
            "customer_name": row.name, "registration": row.registration_display, "make": row.make,
            "model": row.model, "garage_name": garage.name, "kind": kind.value, "due_date": due.isoformat(),
            "due_date_text": format_due(due, locale), "days_left": (due - today).days, "lead_days": lead,
            "vehicle_id": str(row.id), **{k: v for k, v in extra.items() if v is not None},
        }
        for key in DATE_EXTRAS:  # a date of the message's text, in the customer's language
            if extra.get(key):
                context[f"{key}_text"] = format_due(dt.date.fromisoformat(extra[key]), locale)
        notifications.append(dict(
            id=notification_id, garage_id=garage.id, event=EVENTS[kind], channel=channel,
            recipient=row.phone if channel == Channel.SMS else row.email, locale=locale, context=context,
            status=NotificationStatus.QUEUED, attempts=0, next_attempt_at=now, customer_id=row.customer_id,
            dedupe_key=dedupe_key(row.id, kind, due, lead, channel), created_at=now, updated_at=now,
        ))
    queued = (await session.execute(
        insert(Notification.__table__).on_conflict_do_nothing(
            index_elements=["garage_id", "dedupe_key"]).returning(Notification.__table__.c.id),
        notifications)).scalars().all()
    if queued:
        await session.execute(
            update(_REMINDERS).where(_REMINDERS.c.id == bindparam("rid")).values(notification_id=bindparam("nid")),
            [{"rid": link[nid], "nid": nid} for nid in queued],
        )
        for nid in queued:
            after_commit_dispatch(session, nid)
    result.queued += len(inserted)
    result.by_kind[kind.value] = result.by_kind.get(kind.value, 0) + len(inserted)


async def scan_all(db, today: dt.date | None = None, now: dt.datetime | None = None) -> ScanResult:
    """The daily job: every garage, each in its own transaction (one garage's failure does not hold the others)."""
    async with db.read() as session:
        garage_ids = (await session.execute(select(Garage.id).order_by(Garage.id))).scalars().all()
    total = ScanResult()
    for garage_id in garage_ids:
        async with db.transaction() as session:
            part = await scan_garage(session, garage_id, today, now=now)
        total.queued += part.queued
        total.candidates += part.candidates
        for kind, count in part.by_kind.items():
            total.by_kind[kind] = total.by_kind.get(kind, 0) + count
    return total


async def reminder_scan_task(ctx) -> int:
    """arq cron entry (hourly: each garage's "today" follows its own time zone; a run on a day already scanned
    looks at an empty window and queues nothing)."""
    return (await scan_all(ctx["db"])).queued


_scan_lock = asyncio.Lock()


async def scan_once(db) -> ScanResult | None:
    """One scan of every garage, unless one is already running in this process (a repeat finds nothing new)."""
    if _scan_lock.locked():
        return None
    async with _scan_lock:
        return await scan_all(db)


async def _scan_schedule(db, interval: float) -> None:
    while True:
        try:
            await scan_once(db)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next run tries again; reminders are never doubled
            log.exception("reminder scan failed")
        await asyncio.sleep(interval)


def start_scan_schedule(db, settings) -> asyncio.Task:
    """Embedded mode: the in-process runner runs the reminder scan at start and every `reminder_scan_seconds`
    (hourly by default, like the worker's cron: each garage's day follows its own time zone)."""
    interval = max(float(getattr(settings, "reminder_scan_seconds", 3600.0)), 0.05)
    return asyncio.get_running_loop().create_task(_scan_schedule(db, interval), name="reminder-scan")
