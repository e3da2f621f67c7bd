"""When a vehicle's service and MOT fall due, as the scan, remindersDue and the Vehicle type all compute them.

The last service is the later of the vehicle's most recently completed job (COMPLETED or later; its completion day in
the garage's time zone and its mileage_in) and a last service recorded by hand on the vehicle. The interval is the
vehicle's own months / km where set, else the garage's. "Today" is always the garage's date (`garage_today`).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage
from backend.core.db import utcnow
from backend.customers.service.phones import garage_country
from backend.notifications.reminders import models as m
from backend.notifications.reminders import rules
from backend.notifications.reminders.models import ReminderSettings, VehicleService
from backend.workshop.models import Job, JobStatus

SERVICED = (JobStatus.COMPLETED, JobStatus.MANAGER_REVIEW, JobStatus.BILLING, JobStatus.INVOICED)


def zone_of(name: str | None):
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def garage_today(time_zone: str | None, now: dt.datetime | None = None) -> dt.date:
    """The garage's date at `now` (default: the present moment), not the server's."""
    return (now or utcnow()).astimezone(zone_of(time_zone)).date()


def local_date(moment: dt.datetime | None, zone) -> dt.date | None:
    return moment.astimezone(zone).date() if moment is not None else None


@dataclass(frozen=True)
class Interval:
    months: int
    km: int | None
    custom: bool  # the vehicle has its own months or km


def interval_for(plan_months: int | None, plan_km: int | None, months: int, km: int | None) -> Interval:
    return Interval(plan_months or months, plan_km if plan_km is not None else km,
                    plan_months is not None or plan_km is not None)


def last_service(job_completed_at: dt.datetime | None, job_mileage: int | None, recorded_on: dt.date | None,
                 recorded_mileage: int | None, zone) -> tuple[dt.date | None, int | None]:
    job_on = local_date(job_completed_at, zone)
    if recorded_on is not None and (job_on is None or recorded_on > job_on
                                    or (recorded_on == job_on and job_mileage is None)):
        return recorded_on, recorded_mileage
    return job_on, job_mileage


def service_due_for(*, job_completed_at, job_mileage, recorded_on, recorded_mileage, interval: Interval, mileage,
                    mileage_recorded_at, zone) -> rules.ServiceDue | None:
    last_on, last_mileage = last_service(job_completed_at, job_mileage, recorded_on, recorded_mileage, zone)
    if last_on is None:
        return None
    return rules.service_due(last_on, last_mileage, interval_months=interval.months, interval_km=interval.km,
                             mileage=mileage, mileage_on=local_date(mileage_recorded_at, zone))


def settings_interval(row: ReminderSettings | None) -> tuple[int, int | None]:
    if row is None:
        return m.DEFAULT_SERVICE_MONTHS, m.DEFAULT_SERVICE_KM
    return row.service_interval_months, row.service_interval_km


def is_thai(country: str | None, time_zone: str | None) -> bool:
    """Thai vehicle duties instead of the MOT: the garage's country (its setting, else its time zone's) is TH."""
    return garage_country(country, time_zone) == "TH"


def legal_kinds(thai: bool) -> tuple[m.ReminderKind, ...]:
    """The legal-duty reminder kinds of a garage's country (the service reminder is everyone's)."""
    return m.THAI_KINDS if thai else m.UK_KINDS


async def garage_context(session: AsyncSession,
                         garage_id: uuid.UUID) -> tuple[str, ReminderSettings | None, bool]:
    """The garage's time zone, its reminder settings row (None: the defaults) and whether it is Thai, in one
    statement."""
    row = (await session.execute(
        select(Garage.time_zone, ReminderSettings, Garage.country)
        .outerjoin(ReminderSettings, ReminderSettings.garage_id == Garage.id).where(Garage.id == garage_id))).one()
    return row[0], row[1], is_thai(row[2], row[0])


async def last_jobs(session: AsyncSession, garage_id: uuid.UUID, vehicle_ids) -> dict[uuid.UUID, tuple]:
    """vehicle id -> (completed_at, mileage_in) of its most recently completed job."""
    out: dict[uuid.UUID, tuple] = {}
    if not vehicle_ids:
        return out
    rows = (await session.execute(
        select(Job.vehicle_id, Job.completed_at, Job.mileage_in)
        .where(Job.garage_id == garage_id, Job.vehicle_id.in_(list(vehicle_ids)), Job.status.in_(SERVICED),
               Job.completed_at.is_not(None))
        .order_by(Job.vehicle_id, Job.completed_at.desc()))).all()
    for vid, completed_at, mileage_in in rows:
        out.setdefault(vid, (completed_at, mileage_in))
    return out


async def plans(session: AsyncSession, garage_id: uuid.UUID, vehicle_ids) -> dict[uuid.UUID, VehicleService]:
    if not vehicle_ids:
        return {}
    rows = (await session.execute(select(VehicleService).where(
        VehicleService.garage_id == garage_id, VehicleService.vehicle_id.in_(list(vehicle_ids))))).scalars()
    return {r.vehicle_id: r for r in rows}


@dataclass(frozen=True)
class VehicleDue:
    interval: Interval
    service: rules.ServiceDue | None
    mot_on: dt.date | None
    last_service_on: dt.date | None
    last_service_mileage: int | None
    own_months: int | None = None
    own_km: int | None = None
    version: int = 0
    duties: rules.ThaiDuties | None = None  # Thai garages (mot_on is then None)

    def due_on(self, kind: m.ReminderKind) -> dt.date | None:
        """The due date of one reminder kind (None: not due, or not a kind of this garage's country)."""
        if kind == m.ReminderKind.SERVICE:
            return self.service.due_on if self.service else None
        if kind == m.ReminderKind.MOT:
            return self.mot_on
        if self.duties is None:
            return None
        return {m.ReminderKind.VEHICLE_TAX: self.duties.tax_on, m.ReminderKind.INSPECTION: self.duties.inspection_on,
                m.ReminderKind.INSURANCE: self.duties.insurance_on}[kind]


async def vehicles_due(session: AsyncSession, garage_id: uuid.UUID, vehicles, today: dt.date | None = None,
                       now: dt.datetime | None = None) -> dict[uuid.UUID, VehicleDue]:
    """Service interval, service due and MOT due (a Thai garage: its vehicle duties) of each vehicle (ORM rows of one
    garage): three statements."""
    time_zone, settings, thai = await garage_context(session, garage_id)
    zone = zone_of(time_zone)
    today = today or garage_today(time_zone, now)
    months, km = settings_interval(settings)
    ids = [v.id for v in vehicles]
    jobs = await last_jobs(session, garage_id, ids)
    own = await plans(session, garage_id, ids)
    out = {}
    for v in vehicles:
        plan = own.get(v.id)
        interval = interval_for(plan.interval_months if plan else None, plan.interval_km if plan else None, months, km)
        completed_at, job_mileage = jobs.get(v.id, (None, None))
        recorded_on = plan.last_service_on if plan else None
        recorded_mileage = plan.last_service_mileage if plan else None
        last_on, last_mileage = last_service(completed_at, job_mileage, recorded_on, recorded_mileage, zone)
        service = service_due_for(job_completed_at=completed_at, job_mileage=job_mileage, recorded_on=recorded_on,
                                  recorded_mileage=recorded_mileage, interval=interval, mileage=v.mileage,
                                  mileage_recorded_at=v.mileage_recorded_at, zone=zone)
        duties = mot = None
        if thai:
            duties = rules.thai_duties(v.first_registration_date, v.kind.value if v.kind else None,
                                       v.insurance_expiry, today)
        else:
            mot = rules.mot_due_date(v.first_registration_date, v.mot_expiry, today)
        out[v.id] = VehicleDue(interval, service, mot, last_on, last_mileage, plan.interval_months if plan else None,
                               plan.interval_km if plan else None, plan.version if plan else 0, duties)
    return out
