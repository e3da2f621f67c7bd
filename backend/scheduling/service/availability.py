"""Free time: the next slots for N hours of a stream at a site, and the site's capacity per day.

A slot is N contiguous hours in which one technician of the stream and one bay serving the stream are both free:
- the technician is working (backend.workforce.service.working_intervals: the shift pattern minus leave, sick and
  training, plus overtime), and the site is open (opening hours, in the garage's time zone, not on a closed day);
  the technicians counted are the garage's active technicians of the stream whose home site is this site or who
  have none;
- neither has an active allocation then (a technician's allocations at any site count);
- carried-over work: each open job of a technician (assigned, in progress, on hold) still needs the billed hours of
  its open tasks minus the time already clocked on it; that remainder is booked into the technician's first free
  working time from now on, before any slot is offered.
- jobs waiting for parts (a parts request pending or approved, not yet issued): their remaining hours are not
  booked at all while they wait, since that work cannot be done before the part is in; the technician's time stays
  bookable, and once the part is issued the job is back in progress and its remainder is booked from that moment.
  (The choice errs towards filling the diary: reserving time for a part with no arrival date blocks it for nothing.)
Carried-over work holds the technician, not a bay (the car of a job in progress is not tied to a bay in the data).

Candidate starts are on a 30-minute grid; for each start one slot is offered, with the first technician and bay
(by name) free for the whole N hours. Every table is read once, whatever the number of days or appointments.
"""

from __future__ import annotations

import datetime as dt
import heapq
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import OperationsStream
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.permissions import Role
from backend.scheduling.models import Allocation, Bay, ClosedDay, OpeningHours
from backend.scheduling.service.common import aware, garage_zone, in_range, load_site, stream_of
from backend.workforce import intervals as iv
from backend.workforce import service as workforce
from backend.workshop.models import Job, JobStatus, JobTask, PartsRequest, PartsRequestStatus, TaskStatus, TimeClockEntry

STEP = dt.timedelta(minutes=30)
MAX_DAYS = 92
MAX_HOURS = Decimal("24")
MAX_SLOTS = 50
CARRIED_STATUSES = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.ON_HOLD, JobStatus.AWAITING_PARTS)
WAITING_PARTS = (PartsRequestStatus.PENDING, PartsRequestStatus.APPROVED)

Interval = tuple[dt.datetime, dt.datetime]


@dataclass
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    technician_id: uuid.UUID
    bay_id: uuid.UUID


@dataclass
class DayCapacity:
    day: dt.date
    booked_seconds: int
    available_seconds: int


def overlaps(a: list[Interval], b: list[Interval]):
    """The common parts of two sorted, merged lists, in time order, made lazily."""
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            yield start, end
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    return list(overlaps(a, b))


def opening_intervals(hours: list[OpeningHours], closed: dict | set, zone: ZoneInfo, start: dt.datetime,
                      end: dt.datetime) -> list[Interval]:
    """The site's open time within [start, end), in UTC: each local day's ranges (wall-clock times, so a range keeps
    its local hours across a change of summer time), none on a closed day."""
    by_weekday: dict[int, list[OpeningHours]] = defaultdict(list)
    for row in hours:
        by_weekday[row.weekday].append(row)
    out: list[Interval] = []
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        if day not in closed:
            for row in by_weekday.get(day.weekday(), ()):
                out.append((_wall(day, row.opens_minute, zone), _wall(day, row.closes_minute, zone)))
        day += dt.timedelta(days=1)
    return iv.clip(iv.merge(out), start, end)


def _wall(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime:
    if minute >= 1440:
        return iv.local(day + dt.timedelta(days=1), dt.time(0, 0), zone)
    return iv.local(day, dt.time(minute // 60, minute % 60), zone)


def _place(free: list[Interval], seconds: float, after: dt.datetime) -> list[Interval]:
    """The first `seconds` of free time from `after` on."""
    taken: list[Interval] = []
    for s, e in free:
        if seconds <= 0:
            break
        s = max(s, after)
        if s >= e:
            continue
        use = min((e - s).total_seconds(), seconds)
        taken.append((s, s + dt.timedelta(seconds=use)))
        seconds -= use
    return taken


def _grid(moment: dt.datetime) -> dt.datetime:
    """Up to the next half hour (of UTC, which is the half hour of every zone offset in whole or half hours)."""
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    steps = -(-(moment - epoch) // STEP)
    return epoch + steps * STEP


async def _technicians(session: AsyncSession, actor: Actor, site_id: uuid.UUID,
                       stream: OperationsStream | None) -> list[User]:
    rows = (await session.execute(select(User).where(
        User.garage_id == actor.garage_id, User.role == Role.TECHNICIAN, User.active.is_(True),
        or_(User.home_site_id == site_id, User.home_site_id.is_(None))).order_by(User.name, User.id))).scalars()
    return [u for u in rows if stream is None or stream.value in (u.streams or [])]


async def carried_over(session: AsyncSession, actor: Actor, technician_ids: list[uuid.UUID], now: dt.datetime
                       ) -> dict[uuid.UUID, float]:
    """Seconds of work each technician's open jobs still need (billed hours of open tasks minus time clocked),
    leaving out the jobs waiting for parts not yet issued."""
    if not technician_ids:
        return {}
    jobs = (await session.execute(select(Job.id, Job.technician_id).where(
        Job.garage_id == actor.garage_id, Job.technician_id.in_(technician_ids),
        Job.status.in_(CARRIED_STATUSES)))).all()
    if not jobs:
        return {}
    job_ids = [j[0] for j in jobs]
    waiting = set((await session.execute(select(PartsRequest.job_id).where(
        PartsRequest.garage_id == actor.garage_id, PartsRequest.job_id.in_(job_ids),
        PartsRequest.status.in_(WAITING_PARTS)).distinct())).scalars())
    billed = dict((await session.execute(select(JobTask.job_id, func.sum(JobTask.billed_hours)).where(
        JobTask.garage_id == actor.garage_id, JobTask.job_id.in_(job_ids), JobTask.status == TaskStatus.OPEN)
        .group_by(JobTask.job_id))).all())
    clocked: dict[uuid.UUID, float] = defaultdict(float)
    for job_id, started, ended, seconds in (await session.execute(select(
            TimeClockEntry.job_id, TimeClockEntry.started_at, TimeClockEntry.ended_at, TimeClockEntry.seconds)
            .where(TimeClockEntry.garage_id == actor.garage_id, TimeClockEntry.job_id.in_(job_ids)))).all():
        clocked[job_id] += seconds if seconds is not None and ended is not None else \
            max(0.0, ((ended or now) - started).total_seconds())
    out: dict[uuid.UUID, float] = defaultdict(float)
    for job_id, tech in jobs:
        if job_id in waiting:
            continue
        remaining = float(billed.get(job_id) or 0) * 3600 - clocked[job_id]
        if remaining > 0:
            out[tech] += remaining
    return dict(out)


async def _busy(session: AsyncSession, actor: Actor, bay_ids: list[uuid.UUID], tech_ids: list[uuid.UUID],
                start: dt.datetime, end: dt.datetime) -> tuple[dict, dict]:
    by_bay: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    by_tech: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    if not bay_ids and not tech_ids:
        return by_bay, by_tech
    rows = (await session.execute(select(Allocation.bay_id, Allocation.technician_id, Allocation.starts_at,
                                         Allocation.ends_at).where(
        Allocation.garage_id == actor.garage_id, Allocation.active.is_(True),
        or_(Allocation.bay_id.in_(bay_ids), Allocation.technician_id.in_(tech_ids)),
        Allocation.starts_at < end, Allocation.ends_at > start))).all()
    for bay, tech, s, e in rows:
        by_bay[bay].append((s, e))
        by_tech[tech].append((s, e))
    return by_bay, by_tech


def _check_search(hours: object, days: object, start: object) -> tuple[Decimal, int, dt.datetime]:
    errors = Collector()
    try:
        h = Decimal(str(hours))
        if not h.is_finite() or not Decimal("0.25") <= h <= MAX_HOURS:
            raise ValueError
    except (ValueError, ArithmeticError):
        errors.add(ErrorCode.INVALID_VALUE, "hours")
        h = Decimal(0)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors.add(ErrorCode.PERIOD_TOO_LONG, "days", days=MAX_DAYS)
    if not isinstance(start, dt.datetime):
        errors.add(ErrorCode.INVALID_VALUE, "from")
    errors.raise_if_any()
    start = aware(errors, "from", start, required=True)
    errors.raise_if_any()
    return h, days, start


async def available_slots(session: AsyncSession, actor: Actor, site_id: object, stream: object, hours: object,
                          start: object, days: object = 14, *, limit: int = 10, now: dt.datetime | None = None
                          ) -> list[Slot]:
    errors = Collector()
    stream_value = stream_of(errors, "stream", stream)
    errors.raise_if_any()
    h, days, start = _check_search(hours, days, start)
    site = await load_site(session, actor, site_id)
    now = now or utcnow()
    start = max(start, now)
    end = start + dt.timedelta(days=days)
    need = dt.timedelta(seconds=float(h) * 3600)
    limit = max(1, min(limit, MAX_SLOTS))

    zone = await garage_zone(session, actor.garage_id)
    bays = [b for b in (await session.execute(select(Bay).where(
        Bay.garage_id == actor.garage_id, Bay.site_id == site.id, Bay.active.is_(True))
        .order_by(Bay.name, Bay.id))).scalars() if stream_value.value in (b.streams or [])]
    techs = await _technicians(session, actor, site.id, stream_value)
    if not bays or not techs:
        return []
    open_ = await _open_time(session, actor, site.id, zone, min(now, start), end)
    tech_ids = [t.id for t in techs]
    working = await workforce.working_intervals(session, actor.garage_id, tech_ids, min(now, start), end)
    bay_busy, tech_busy = await _busy(session, actor, [b.id for b in bays], tech_ids, min(now, start), end)
    carried = await carried_over(session, actor, tech_ids, now)

    tech_free: dict[uuid.UUID, list[Interval]] = {}
    for tech in tech_ids:
        free = iv.subtract(intersect(iv.merge(working.get(tech, [])), open_), iv.merge(tech_busy.get(tech, [])))
        held = _place(free, carried.get(tech, 0), now)
        tech_free[tech] = iv.clip(iv.subtract(free, iv.merge(held)), start, end)
    bay_free = {b.id: iv.clip(iv.subtract(open_, iv.merge(bay_busy.get(b.id, []))), start, end) for b in bays}

    def starts(order: int, tech_id: uuid.UUID, bay_id: uuid.UUID):
        """(start, order, tech, bay) in time order for one pair, made lazily."""
        for s, e in overlaps(tech_free[tech_id], bay_free[bay_id]):
            t = _grid(s)
            while t + need <= e:
                yield t, order, tech_id, bay_id
                t += STEP

    pairs = [starts(n, t.id, b.id) for n, (t, b) in enumerate((t, b) for t in techs for b in bays)]
    slots: list[Slot] = []
    for t, _, tech_id, bay_id in heapq.merge(*pairs):  # by time, then technician and bay by name
        if slots and slots[-1].starts_at == t:
            continue
        slots.append(Slot(t, t + need, tech_id, bay_id))
        if len(slots) >= limit:
            break
    return slots


async def _open_time(session: AsyncSession, actor: Actor, site_id: uuid.UUID, zone: ZoneInfo, start: dt.datetime,
                     end: dt.datetime) -> list[Interval]:
    hours = (await session.execute(select(OpeningHours).where(
        OpeningHours.garage_id == actor.garage_id, OpeningHours.site_id == site_id))).scalars().all()
    first = start.astimezone(zone).date() - dt.timedelta(days=1)
    closed = set((await session.execute(select(ClosedDay.day).where(
        ClosedDay.garage_id == actor.garage_id, ClosedDay.site_id == site_id, ClosedDay.day >= first,
        ClosedDay.day <= end.astimezone(zone).date()))).scalars())
    return opening_intervals(hours, closed, zone, start, end)


def _by_local_day(items: list[Interval], zone: ZoneInfo) -> dict[dt.date, int]:
    out: dict[dt.date, int] = defaultdict(int)
    for s, e in items:
        cursor = s
        while cursor < e:
            local = cursor.astimezone(zone)
            next_midnight = iv.local(local.date() + dt.timedelta(days=1), dt.time(0, 0), zone)
            piece_end = min(e, next_midnight)
            out[local.date()] += int((piece_end - cursor).total_seconds())
            cursor = piece_end
    return out


async def capacity(session: AsyncSession, actor: Actor, site_id: object, first: object, last: object
                   ) -> list[DayCapacity]:
    """Per local day first..last: hours booked at the site (its active allocations) and hours available (the
    working time of the site's technicians while the site is open)."""
    if not isinstance(first, dt.date) or not isinstance(last, dt.date) or last < first:
        raise DomainError(ErrorCode.INVALID_PERIOD, "to")
    if not in_range(first) or not in_range(last):
        raise DomainError(ErrorCode.INVALID_VALUE, "from")
    if (last - first).days >= MAX_DAYS:
        raise DomainError(ErrorCode.PERIOD_TOO_LONG, "to", days=MAX_DAYS)
    site = await load_site(session, actor, site_id)
    zone = await garage_zone(session, actor.garage_id)
    start = iv.local(first, dt.time(0, 0), zone)
    end = iv.local(last + dt.timedelta(days=1), dt.time(0, 0), zone)
    open_ = await _open_time(session, actor, site.id, zone, start, end)
    techs = await _technicians(session, actor, site.id, None)
    working = await workforce.working_intervals(session, actor.garage_id, [t.id for t in techs], start, end) \
        if techs else {}
    available: list[Interval] = []
    for items in working.values():
        available.extend(intersect(iv.merge(items), open_))
    booked = [(max(s, start), min(e, end)) for s, e in (await session.execute(select(
        Allocation.starts_at, Allocation.ends_at).where(
        Allocation.garage_id == actor.garage_id, Allocation.site_id == site.id, Allocation.active.is_(True),
        Allocation.starts_at < end, Allocation.ends_at > start))).all()]
    avail_days = _by_local_day(available, zone)
    booked_days = _by_local_day(booked, zone)
    out = []
    day = first
    while day <= last:
        out.append(DayCapacity(day, booked_days.get(day, 0), avail_days.get(day, 0)))
        day += dt.timedelta(days=1)
    return out
