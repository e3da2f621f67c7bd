"""The attendance clock: a technician clocks in and out of the shift and takes breaks, apart from the job clock.

Every operation of one technician locks their user row first, so two devices (or an offline phone's replayed queue
and a desk tablet) take turns; the partial unique indexes (one open SHIFT, one open BREAK per technician) are the
backstop. An operation may say when it happened (`at`: the phone's time when it was queued offline): not in the
future (a few minutes of clock skew read as now), not more than MAX_BACKDATE ago, and not before the technician's
last attendance entry ended, so the clock never overlaps itself. Clocking out ends a break under way and stops the
technician's job clock at the same moment.

The managers' view (`attendance`): each technician of a site on a local day, with their status now (IN, ON_BREAK,
OUT, or ON_LEAVE when an absence covers the day and they are not clocked in), entries, scheduled and attended time.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Site, User
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.workforce import intervals as iv
from backend.workforce import service
from backend.workforce.models import ABSENCE_KINDS, AttendanceEntry, AttendanceKind, WorkException

MAX_BACKDATE = dt.timedelta(hours=24)
SKEW = dt.timedelta(minutes=5)


class AttendanceStatus(enum.Enum):
    IN = "IN"
    ON_BREAK = "ON_BREAK"
    OUT = "OUT"
    ON_LEAVE = "ON_LEAVE"


async def _me(session: AsyncSession, actor: Actor) -> User:
    """The signed-in technician, their row locked (one clock operation of theirs at a time)."""
    if actor.user_id is None:
        raise DomainError(ErrorCode.NOT_A_TECHNICIAN_FOR_SHIFTS, None)
    user = (await session.execute(select(User).where(User.id == actor.user_id, User.garage_id == actor.garage_id)
                                  .with_for_update())).scalar_one_or_none()
    if user is None or user.role != Role.TECHNICIAN:
        raise DomainError(ErrorCode.NOT_A_TECHNICIAN_FOR_SHIFTS, None)
    return user


async def _open(session: AsyncSession, actor: Actor, technician_id: uuid.UUID) -> dict[AttendanceKind, AttendanceEntry]:
    rows = (await session.execute(
        select(AttendanceEntry).where(AttendanceEntry.garage_id == actor.garage_id,
                                      AttendanceEntry.technician_id == technician_id,
                                      AttendanceEntry.ended_at.is_(None))
        .execution_options(populate_existing=True))).scalars()
    return {row.kind: row for row in rows}


def _when(at: dt.datetime | None, not_before: dt.datetime | None) -> dt.datetime:
    now = utcnow()
    if at is None:
        return now
    if at.tzinfo is None:
        raise DomainError(ErrorCode.INVALID_VALUE, "at")
    at = at.astimezone(dt.UTC)
    if at > now + SKEW:
        raise DomainError(ErrorCode.CLOCK_IN_FUTURE, "at")
    at = min(at, now)
    if at < now - MAX_BACKDATE:
        raise DomainError(ErrorCode.INVALID_VALUE, "at")
    if not_before is not None and at < not_before:
        at = not_before  # queued offline before the step it follows was recorded: no earlier than that step
    return at


async def _last_end(session: AsyncSession, actor: Actor, technician_id: uuid.UUID,
                    kind: AttendanceKind) -> dt.datetime | None:
    return (await session.execute(select(func.max(AttendanceEntry.ended_at)).where(
        AttendanceEntry.garage_id == actor.garage_id, AttendanceEntry.technician_id == technician_id,
        AttendanceEntry.kind == kind))).scalar_one_or_none()


def _local(value: dt.datetime, zone) -> str:
    return value.astimezone(zone).strftime("%H:%M")


async def _insert(session: AsyncSession, entry: AttendanceEntry, field_name: str) -> None:
    try:
        async with session.begin_nested():
            session.add(entry)
            await session.flush()
    except IntegrityError:  # another device of the same technician won the race
        raise DomainError(ErrorCode.CONFLICT, field_name) from None


async def _already(session: AsyncSession, actor: Actor, code: ErrorCode, entry: AttendanceEntry) -> DomainError:
    zone = await service.garage_zone(session, actor.garage_id)
    return DomainError(code, None, since=_local(entry.started_at, zone))


async def _start(session: AsyncSession, actor: Actor, me: User, kind: AttendanceKind, when: dt.datetime,
                 action: str) -> AttendanceEntry:
    entry = AttendanceEntry(garage_id=actor.garage_id, technician_id=me.id, kind=kind, started_at=when,
                            created_by_id=actor.user_id)
    await _insert(session, entry, "at")
    audit.record(session, actor, "AttendanceEntry", entry.id, action,
                 audit.created(entry, ("technician_id", "kind", "started_at")))
    return entry


async def clock_in(session: AsyncSession, actor: Actor, at: dt.datetime | None = None) -> AttendanceEntry:
    me = await _me(session, actor)
    current = await _open(session, actor, me.id)
    if AttendanceKind.SHIFT in current:
        raise await _already(session, actor, ErrorCode.ALREADY_CLOCKED_IN, current[AttendanceKind.SHIFT])
    when = _when(at, await _last_end(session, actor, me.id, AttendanceKind.SHIFT))
    return await _start(session, actor, me, AttendanceKind.SHIFT, when, "clock_in")


async def start_break(session: AsyncSession, actor: Actor, at: dt.datetime | None = None) -> AttendanceEntry:
    me = await _me(session, actor)
    current = await _open(session, actor, me.id)
    shift = current.get(AttendanceKind.SHIFT)
    if shift is None:
        raise DomainError(ErrorCode.BREAK_WITHOUT_SHIFT, None)
    if AttendanceKind.BREAK in current:
        raise await _already(session, actor, ErrorCode.ALREADY_ON_BREAK, current[AttendanceKind.BREAK])
    last = await _last_end(session, actor, me.id, AttendanceKind.BREAK)
    when = _when(at, max(x for x in (last, shift.started_at) if x is not None))
    return await _start(session, actor, me, AttendanceKind.BREAK, when, "start_break")


def _end(session: AsyncSession, actor: Actor, entry: AttendanceEntry, when: dt.datetime, action: str) -> None:
    entry.ended_at = max(when, entry.started_at)
    entry.ended_by_id = actor.user_id
    audit.record(session, actor, "AttendanceEntry", entry.id, action,
                 {"ended_at": {"before": None, "after": audit._plain(entry.ended_at)}})


async def end_break(session: AsyncSession, actor: Actor, at: dt.datetime | None = None) -> AttendanceEntry:
    me = await _me(session, actor)
    current = await _open(session, actor, me.id)
    entry = current.get(AttendanceKind.BREAK)
    if entry is None:
        raise DomainError(ErrorCode.NOT_ON_BREAK, None)
    _end(session, actor, entry, _when(at, entry.started_at), "end_break")
    await session.flush()
    return entry


async def clock_out(session: AsyncSession, actor: Actor, at: dt.datetime | None = None) -> AttendanceEntry:
    """Clock out of the shift; a break under way ends and the job clock stops at the same moment."""
    from backend.workshop.service import clock as job_clock

    me = await _me(session, actor)
    current = await _open(session, actor, me.id)
    shift = current.get(AttendanceKind.SHIFT)
    if shift is None:
        raise DomainError(ErrorCode.NOT_CLOCKED_IN, None)
    pause = current.get(AttendanceKind.BREAK)
    when = _when(at, pause.started_at if pause is not None else shift.started_at)
    if pause is not None:
        _end(session, actor, pause, when, "end_break")
    _end(session, actor, shift, when, "clock_out")
    await session.flush()
    running = await job_clock.my_clock(session, actor)
    if running is not None:
        await job_clock.clock_off_job(session, actor, running.job_id)
    return shift


async def find_entry(session: AsyncSession, actor: Actor, entry_id: object) -> AttendanceEntry | None:
    ident = v.try_parse_id(entry_id)
    if ident is None:
        return None
    return (await session.execute(select(AttendanceEntry).where(
        AttendanceEntry.id == ident, AttendanceEntry.garage_id == actor.garage_id)
        .execution_options(populate_existing=True))).scalar_one_or_none()


# ------------------------------------------------------------------------------------------------ reading


@dataclass
class TechnicianDay:
    technician: User
    status: AttendanceStatus
    entries: list[AttendanceEntry] = field(default_factory=list)
    scheduled: list[iv.Interval] = field(default_factory=list)
    absences: list[WorkException] = field(default_factory=list)
    attended_seconds: int = 0
    scheduled_seconds: int = 0
    job_entries: list = field(default_factory=list)  # workshop TimeClockEntry rows of the day

    def _open_since(self, kind: AttendanceKind) -> dt.datetime | None:
        return next((e.started_at for e in self.entries if e.kind == kind and e.ended_at is None), None)

    @property
    def clocked_in_at(self) -> dt.datetime | None:
        return self._open_since(AttendanceKind.SHIFT)

    @property
    def on_break_since(self) -> dt.datetime | None:
        return self._open_since(AttendanceKind.BREAK)


def _day_range(day: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    return (iv.local(day, dt.time(0), zone), iv.local(day + dt.timedelta(days=1), dt.time(0), zone))


async def _days(session: AsyncSession, actor: Actor, technicians: list[User], day: dt.date) -> list[TechnicianDay]:
    """Each technician's day, in a fixed number of statements."""
    zone = await service.garage_zone(session, actor.garage_id)
    start, end = _day_range(day, zone)
    ids = [t.id for t in technicians]
    if not ids:
        return []
    scheduled = await service.working_intervals(session, actor.garage_id, ids, start, end)
    entries = list((await session.execute(
        select(AttendanceEntry).where(AttendanceEntry.garage_id == actor.garage_id,
                                      AttendanceEntry.technician_id.in_(ids), AttendanceEntry.started_at < end,
                                      or_(AttendanceEntry.ended_at.is_(None), AttendanceEntry.ended_at > start))
        .order_by(AttendanceEntry.started_at, AttendanceEntry.id))).scalars())
    absences = list((await session.execute(
        select(WorkException).where(WorkException.garage_id == actor.garage_id,
                                    WorkException.technician_id.in_(ids),
                                    WorkException.kind.in_([k.value for k in ABSENCE_KINDS]),
                                    WorkException.starts_at < end, WorkException.ends_at > start)
        .order_by(WorkException.starts_at))).scalars())
    from backend.workshop.models import TimeClockEntry

    job_rows = (await session.execute(
        select(TimeClockEntry).where(TimeClockEntry.garage_id == actor.garage_id,
                                     TimeClockEntry.technician_id.in_(ids), TimeClockEntry.started_at < end,
                                     or_(TimeClockEntry.ended_at.is_(None), TimeClockEntry.ended_at > start))
        .order_by(TimeClockEntry.started_at, TimeClockEntry.id))).scalars()
    jobs_by_tech: dict[uuid.UUID, list] = defaultdict(list)
    for row in job_rows:
        jobs_by_tech[row.technician_id].append(row)
    by_tech: dict[uuid.UUID, list[AttendanceEntry]] = defaultdict(list)
    for entry in entries:
        by_tech[entry.technician_id].append(entry)
    away: dict[uuid.UUID, list[WorkException]] = defaultdict(list)
    for absence in absences:
        away[absence.technician_id].append(absence)
    now = utcnow()
    out = []
    for tech in technicians:
        mine = by_tech.get(tech.id, [])
        open_kinds = {e.kind for e in mine if e.ended_at is None}
        if AttendanceKind.BREAK in open_kinds:
            status = AttendanceStatus.ON_BREAK
        elif AttendanceKind.SHIFT in open_kinds:
            status = AttendanceStatus.IN
        elif away.get(tech.id):
            status = AttendanceStatus.ON_LEAVE
        else:
            status = AttendanceStatus.OUT
        attended = iv.clip(service.attendance_intervals([(e.kind, e.started_at, e.ended_at) for e in mine], now),
                           start, end)
        out.append(TechnicianDay(technician=tech, status=status, entries=mine, scheduled=scheduled[tech.id],
                                 absences=away.get(tech.id, []), attended_seconds=iv.seconds(attended),
                                 scheduled_seconds=iv.seconds(scheduled[tech.id]),
                                 job_entries=jobs_by_tech.get(tech.id, [])))
    return out


async def my_attendance(session: AsyncSession, actor: Actor, day: dt.date | None = None) -> TechnicianDay | None:
    if actor.user_id is None:
        return None
    me = (await session.execute(select(User).where(User.id == actor.user_id, User.garage_id == actor.garage_id))
          ).scalar_one_or_none()
    if me is None or me.role != Role.TECHNICIAN:
        return None
    day = day or await service.local_today(session, actor.garage_id)
    return (await _days(session, actor, [me], day))[0]


async def attendance(session: AsyncSession, actor: Actor, site_id: object, day: dt.date | None = None
                     ) -> list[TechnicianDay]:
    """The active technicians whose home site is `site_id` (or who have none: a garage with one site need not set
    it), on the local `day` (today when not given), by name."""
    sid = v.parse_id(site_id, "siteId")
    site = (await session.execute(select(Site.id).where(Site.id == sid, Site.garage_id == actor.garage_id))
            ).scalar_one_or_none()
    if site is None:
        raise DomainError(ErrorCode.NOT_FOUND, "siteId")
    day = day or await service.local_today(session, actor.garage_id)
    technicians = list((await session.execute(
        select(User).where(User.garage_id == actor.garage_id, User.role == Role.TECHNICIAN, User.active.is_(True),
                           or_(User.home_site_id == sid, User.home_site_id.is_(None))).order_by(User.name, User.id))).scalars())
    return await _days(session, actor, technicians, day)
