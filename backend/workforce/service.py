"""Technicians' working time: the read API other domains build on, and the managers' shift patterns and exceptions.

The read API (scheduling's availability and analytics' productivity use it; it takes a session and a garage, not an
actor, since it answers for any of the garage's technicians):

    async def working_intervals(session, garage_id: uuid.UUID, technician_ids: Sequence[uuid.UUID] | None,
                                start: datetime, end: datetime) -> dict[uuid.UUID, list[tuple[datetime, datetime]]]
        # UTC-aware, sorted, merged intervals within [start, end) when each technician (all active technicians of
        # the garage when None) is scheduled to work: weekly shift pattern in the garage's time zone (a shift may
        # cross midnight; DST handled through zoneinfo) minus exceptions of kind LEAVE / SICK / TRAINING; plus
        # EXTRA exceptions (overtime) added. Breaks inside the pattern are not working time.
    async def available_seconds(session, garage_id, technician_ids, start, end) -> dict[uuid.UUID, int]
    async def attended_seconds(session, garage_id, technician_ids, start, end) -> dict[uuid.UUID, int]
        # from the attendance clock (shift entries minus breaks), clipped to [start, end); open entries count to now

Statement count of these does not grow with technicians or days: one query per table (the garage's time zone, the
technicians when None is given, shifts, exceptions; attendance entries). With ids given, every id given is a key
of the answer (an id that is not one of the garage's technicians has nothing scheduled: an empty list, 0 seconds).
`start` and `end` must be timezone-aware; an empty or reversed range answers empty lists.

Patterns: a technician's shifts valid on a local day (`WorkShift.valid_from <= day < valid_to`); setting a pattern
from a day replaces the shifts from that day on and keeps the earlier ones as they were (the past stays as it was
scheduled). Break windows are local times inside their shift (see backend/workforce/models.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, User
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.permissions import Role
from backend.workforce import intervals as iv
from backend.workforce.models import (DEFAULT_GRACE_MINUTES, AttendanceEntry, AttendanceKind,
                                      ExceptionKind, WorkException, WorkforceSettings, WorkPattern, WorkShift)

__all__ = ["working_intervals", "available_seconds", "attended_seconds", "garage_zone", "ShiftInput",
           "set_work_pattern", "work_pattern", "add_work_exception", "remove_work_exception", "work_exceptions",
           "grace_minutes", "set_clock_grace", "local_today"]

Intervals = dict[uuid.UUID, list[tuple[dt.datetime, dt.datetime]]]
MAX_RANGE_DAYS = 400
MAX_SHIFTS = 21
MAX_BREAKS = 4
MAX_NOTE = 500


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(dt.UTC)


async def garage_zone(session: AsyncSession, garage_id: uuid.UUID) -> ZoneInfo:
    name = (await session.execute(select(Garage.time_zone).where(Garage.id == garage_id))).scalar_one_or_none()
    return ZoneInfo(name or "UTC")


async def _technicians(session: AsyncSession, garage_id: uuid.UUID,
                       technician_ids: Sequence[uuid.UUID] | None) -> list[uuid.UUID]:
    if technician_ids is not None:
        return list(dict.fromkeys(technician_ids))
    return list((await session.execute(
        select(User.id).where(User.garage_id == garage_id, User.role == Role.TECHNICIAN, User.active.is_(True))
        .order_by(User.name, User.id))).scalars())


def _pattern_intervals(shifts: list[WorkShift], zone: ZoneInfo, first: dt.date, last: dt.date
                       ) -> tuple[list[iv.Interval], list[iv.Interval]]:
    """(shift windows, break windows) of the shifts starting on the local days first..last."""
    by_weekday: dict[int, list[WorkShift]] = defaultdict(list)
    for shift in shifts:
        by_weekday[shift.weekday].append(shift)
    work: list[iv.Interval] = []
    breaks: list[iv.Interval] = []
    day = first
    while day <= last:
        for shift in by_weekday.get(day.weekday(), ()):
            if shift.valid_from > day or (shift.valid_to is not None and shift.valid_to <= day):
                continue
            work.append(iv.shift_window(day, shift.starts, shift.ends, zone))
            for each in shift.breaks or ():
                breaks.append(iv.break_window(day, shift.starts, shift.starts, iv.parse_hhmm(each["start"]),
                                              iv.parse_hhmm(each["end"]), zone))
        day += dt.timedelta(days=1)
    return work, breaks


async def working_intervals(session: AsyncSession, garage_id: uuid.UUID,
                            technician_ids: Sequence[uuid.UUID] | None, start: dt.datetime,
                            end: dt.datetime) -> Intervals:
    return await scheduled_intervals(session, garage_id, technician_ids, start, end)


async def scheduled_intervals(session: AsyncSession, garage_id: uuid.UUID,
                              technician_ids: Sequence[uuid.UUID] | None, start: dt.datetime, end: dt.datetime,
                              *, with_breaks: bool = False) -> Intervals:
    """working_intervals; `with_breaks`: a shift's breaks count as part of it (where a shift ends, for the alerts)."""
    start, end = _aware(start, "start"), _aware(end, "end")
    ids = await _technicians(session, garage_id, technician_ids)
    out: Intervals = {t: [] for t in ids}
    if not ids or end <= start:
        return out
    zone = await garage_zone(session, garage_id)
    # a shift that started the local day before `start` may still run into the range
    first = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date()
    shifts = (await session.execute(
        select(WorkShift).where(WorkShift.garage_id == garage_id, WorkShift.technician_id.in_(ids),
                                WorkShift.valid_from <= last,
                                or_(WorkShift.valid_to.is_(None), WorkShift.valid_to > first)))).scalars()
    by_tech: dict[uuid.UUID, list[WorkShift]] = defaultdict(list)
    for shift in shifts:
        by_tech[shift.technician_id].append(shift)
    exceptions = (await session.execute(
        select(WorkException.technician_id, WorkException.kind, WorkException.starts_at, WorkException.ends_at)
        .where(WorkException.garage_id == garage_id, WorkException.technician_id.in_(ids),
               WorkException.starts_at < end, WorkException.ends_at > start))).all()
    absent: dict[uuid.UUID, list[iv.Interval]] = defaultdict(list)
    extra: dict[uuid.UUID, list[iv.Interval]] = defaultdict(list)
    for tech, kind, s, e in exceptions:
        (extra if kind == ExceptionKind.EXTRA else absent)[tech].append((s, e))
    for tech in ids:
        work, breaks = _pattern_intervals(by_tech.get(tech, []), zone, first, last)
        scheduled = iv.merge(work) if with_breaks else iv.subtract(iv.merge(work), iv.merge(breaks))
        scheduled = iv.subtract(scheduled, iv.merge(absent.get(tech, [])))
        out[tech] = iv.clip(iv.merge(scheduled + extra.get(tech, [])), start, end)
    return out


async def available_seconds(session: AsyncSession, garage_id: uuid.UUID,
                            technician_ids: Sequence[uuid.UUID] | None, start: dt.datetime,
                            end: dt.datetime) -> dict[uuid.UUID, int]:
    found = await working_intervals(session, garage_id, technician_ids, start, end)
    return {tech: iv.seconds(items) for tech, items in found.items()}


def attendance_intervals(entries: list[tuple[AttendanceKind, dt.datetime, dt.datetime | None]],
                         now: dt.datetime) -> list[iv.Interval]:
    """Clocked-in time: SHIFT entries minus BREAK entries (an open entry runs to `now`)."""
    shifts = iv.merge((s, e or max(now, s)) for kind, s, e in entries if kind == AttendanceKind.SHIFT)
    breaks = iv.merge((s, e or max(now, s)) for kind, s, e in entries if kind == AttendanceKind.BREAK)
    return iv.subtract(shifts, breaks)


async def attended_seconds(session: AsyncSession, garage_id: uuid.UUID,
                           technician_ids: Sequence[uuid.UUID] | None, start: dt.datetime,
                           end: dt.datetime) -> dict[uuid.UUID, int]:
    start, end = _aware(start, "start"), _aware(end, "end")
    ids = await _technicians(session, garage_id, technician_ids)
    out = {t: 0 for t in ids}
    if not ids or end <= start:
        return out
    rows = (await session.execute(
        select(AttendanceEntry.technician_id, AttendanceEntry.kind, AttendanceEntry.started_at,
               AttendanceEntry.ended_at)
        .where(AttendanceEntry.garage_id == garage_id, AttendanceEntry.technician_id.in_(ids),
               AttendanceEntry.started_at < end,
               or_(AttendanceEntry.ended_at.is_(None), AttendanceEntry.ended_at > start)))).all()
    by_tech: dict[uuid.UUID, list] = defaultdict(list)
    for tech, kind, s, e in rows:
        by_tech[tech].append((kind, s, e))
    now = utcnow()
    for tech, entries in by_tech.items():
        out[tech] = iv.seconds(iv.clip(attendance_intervals(entries, now), start, end))
    return out


# ------------------------------------------------------------------------------------------------ settings


async def grace_minutes(session: AsyncSession, garage_id: uuid.UUID) -> int:
    value = (await session.execute(select(WorkforceSettings.clock_grace_minutes)
                                   .where(WorkforceSettings.garage_id == garage_id))).scalar_one_or_none()
    return DEFAULT_GRACE_MINUTES if value is None else value


MAX_GRACE = 24 * 60


async def set_clock_grace(session: AsyncSession, actor: Actor, minutes: int) -> int:
    if not isinstance(minutes, int) or minutes < 0 or minutes > MAX_GRACE:
        raise DomainError(ErrorCode.INVALID_GRACE_MINUTES, "minutes", max=MAX_GRACE)
    row = await session.get(WorkforceSettings, actor.garage_id, with_for_update=True)
    before = row.clock_grace_minutes if row is not None else DEFAULT_GRACE_MINUTES
    if row is None:
        row = WorkforceSettings(garage_id=actor.garage_id, clock_grace_minutes=minutes, version=1)
        session.add(row)
    else:
        row.clock_grace_minutes = minutes
        row.version += 1
    audit.record(session, actor, "WorkforceSettings", actor.garage_id, "update",
                 audit.diff({"clock_grace_minutes": before}, {"clock_grace_minutes": minutes}))
    await session.flush()
    return minutes


# ------------------------------------------------------------------------------------------------ patterns


@dataclass
class BreakInput:
    start: str = ""
    end: str = ""


@dataclass
class ShiftInput:
    weekday: int = 0  # 0 Monday .. 6 Sunday
    starts: str = ""  # "HH:MM", local
    ends: str = ""  # "HH:MM", local; at or before `starts`: the next day
    breaks: list[BreakInput] = field(default_factory=list)


def _time(errors: Collector, field_name: str, value: str) -> dt.time | None:
    try:
        hours, minutes = (value or "").strip().split(":")
        if len(minutes) != 2 or not hours.isdigit() or not minutes.isdigit():
            raise ValueError
        return dt.time(int(hours), int(minutes))
    except ValueError:
        errors.add(ErrorCode.INVALID_TIME_OF_DAY, field_name)
        return None


def _minutes_from(start: dt.time, at: dt.time) -> int:
    """Minutes from `start` to `at` going forward (0..1439): positions inside a shift that may cross midnight."""
    return ((at.hour * 60 + at.minute) - (start.hour * 60 + start.minute)) % (24 * 60)


def _check_shifts(shifts: list[ShiftInput]) -> list[tuple[int, dt.time, dt.time, list[dict]]]:
    errors = Collector()
    if len(shifts) > MAX_SHIFTS:
        errors.add(ErrorCode.TOO_MANY_SHIFTS, "shifts", max=MAX_SHIFTS)
        errors.raise_if_any()
    out = []
    windows: list[tuple[int, int, int]] = []  # (index, start minute of the week, end minute of the week)
    for i, shift in enumerate(shifts):
        base = f"shifts.{i}"
        if not isinstance(shift.weekday, int) or not 0 <= shift.weekday <= 6:
            errors.add(ErrorCode.INVALID_VALUE, f"{base}.weekday")
            continue
        starts = _time(errors, f"{base}.starts", shift.starts)
        ends = _time(errors, f"{base}.ends", shift.ends)
        if starts is None or ends is None:
            continue
        length = _minutes_from(starts, ends) or 24 * 60
        if len(shift.breaks or []) > MAX_BREAKS:
            errors.add(ErrorCode.TOO_MANY_BREAKS, f"{base}.breaks", max=MAX_BREAKS)
            continue
        breaks = []
        spans = []
        for j, each in enumerate(shift.breaks or []):
            b0 = _time(errors, f"{base}.breaks.{j}.start", each.start)
            b1 = _time(errors, f"{base}.breaks.{j}.end", each.end)
            if b0 is None or b1 is None:
                continue
            a, b = _minutes_from(starts, b0), _minutes_from(starts, b1)
            if not 0 < a < b < length:
                errors.add(ErrorCode.BREAK_OUTSIDE_SHIFT, f"{base}.breaks.{j}")
                continue
            if any(a < y and x < b for x, y in spans):
                errors.add(ErrorCode.BREAKS_OVERLAP, f"{base}.breaks.{j}")
                continue
            spans.append((a, b))
            breaks.append({"start": b0.strftime("%H:%M"), "end": b1.strftime("%H:%M")})
        breaks.sort(key=lambda b: _minutes_from(starts, iv.parse_hhmm(b["start"])))
        week_start = shift.weekday * 24 * 60 + starts.hour * 60 + starts.minute
        windows.append((i, week_start, week_start + length))
        out.append((shift.weekday, starts, ends, breaks))
    week = 7 * 24 * 60
    for n, (i, s0, e0) in enumerate(windows):
        for j, s1, e1 in windows[n + 1:]:
            # compare on the weekly circle: a Sunday night shift runs into Monday morning
            if any(s0 + k < e1 and s1 < e0 + k for k in (-week, 0, week)):
                errors.add(ErrorCode.SHIFTS_OVERLAP, f"shifts.{j}")
    errors.raise_if_any()
    return out


async def local_today(session: AsyncSession, garage_id: uuid.UUID) -> dt.date:
    return utcnow().astimezone(await garage_zone(session, garage_id)).date()


async def _technician(session: AsyncSession, actor: Actor, technician_id: object, field_name: str = "technicianId",
                      *, lock: bool = False) -> User:
    ident = v.parse_id(technician_id, field_name)
    query = select(User).where(User.id == ident, User.garage_id == actor.garage_id)
    if lock:
        query = query.with_for_update()
    user = (await session.execute(query)).scalar_one_or_none()
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, field_name)
    if user.role != Role.TECHNICIAN:
        raise DomainError(ErrorCode.NOT_A_TECHNICIAN_FOR_SHIFTS, field_name)
    return user


@dataclass
class PatternView:
    technician_id: uuid.UUID
    version: int
    valid_from: dt.date | None
    shifts: list[WorkShift]

    @property
    def id(self) -> uuid.UUID:  # what a replayed setWorkPattern finds the pattern by
        return self.technician_id


async def work_pattern(session: AsyncSession, actor: Actor, technician_id: object,
                       on: dt.date | None = None) -> PatternView:
    """The technician's shifts valid on the local day `on` (today when not given)."""
    user = await _technician(session, actor, technician_id)
    day = on or await local_today(session, actor.garage_id)
    version = (await session.execute(select(WorkPattern.version).where(
        WorkPattern.garage_id == actor.garage_id, WorkPattern.technician_id == user.id))).scalar_one_or_none()
    shifts = list((await session.execute(
        select(WorkShift).where(WorkShift.garage_id == actor.garage_id, WorkShift.technician_id == user.id,
                                WorkShift.valid_from <= day,
                                or_(WorkShift.valid_to.is_(None), WorkShift.valid_to > day))
        .order_by(WorkShift.weekday, WorkShift.starts))).scalars())
    valid_from = max((s.valid_from for s in shifts), default=None)
    return PatternView(technician_id=user.id, version=version or 0, valid_from=valid_from, shifts=shifts)


async def set_work_pattern(session: AsyncSession, actor: Actor, technician_id: object, shifts: list[ShiftInput],
                           valid_from: dt.date | None = None, expected_version: int | None = None) -> PatternView:
    """Replace the technician's weekly pattern from the local day `valid_from` (today when not given) on."""
    user = await _technician(session, actor, technician_id)
    checked = _check_shifts(shifts)
    today = await local_today(session, actor.garage_id)
    day = valid_from or today
    pattern = (await session.execute(select(WorkPattern).where(
        WorkPattern.garage_id == actor.garage_id, WorkPattern.technician_id == user.id).with_for_update())
    ).scalar_one_or_none()
    if expected_version is not None and (pattern.version if pattern else 0) != expected_version:
        raise DomainError(ErrorCode.CONFLICT, "expectedVersion")
    before = await work_pattern(session, actor, user.id, day)
    await session.execute(delete(WorkShift).where(
        WorkShift.garage_id == actor.garage_id, WorkShift.technician_id == user.id, WorkShift.valid_from >= day))
    await session.execute(update(WorkShift).where(
        WorkShift.garage_id == actor.garage_id, WorkShift.technician_id == user.id,
        or_(WorkShift.valid_to.is_(None), WorkShift.valid_to > day)).values(valid_to=day)
        .execution_options(synchronize_session=False))
    for weekday, starts, ends, breaks in checked:
        session.add(WorkShift(garage_id=actor.garage_id, technician_id=user.id, weekday=weekday, starts=starts,
                              ends=ends, breaks=breaks, valid_from=day))
    if pattern is None:
        pattern = WorkPattern(garage_id=actor.garage_id, technician_id=user.id, version=1,
                              updated_by_id=actor.user_id, updated_at=utcnow())
        session.add(pattern)
    else:
        pattern.version += 1
        pattern.updated_at = utcnow()
        pattern.updated_by_id = actor.user_id
    audit.record(session, actor, "WorkPattern", user.id, "set",
                 {"valid_from": {"before": None, "after": day.isoformat()},
                  "shifts": {"before": [_shift_plain(s) for s in before.shifts],
                             "after": [{"weekday": w, "starts": s.strftime("%H:%M"), "ends": e.strftime("%H:%M"),
                                        "breaks": b} for w, s, e, b in checked]}})
    await session.flush()
    return await work_pattern(session, actor, user.id, day)


def _shift_plain(shift: WorkShift) -> dict:
    return {"weekday": shift.weekday, "starts": shift.starts.strftime("%H:%M"), "ends": shift.ends.strftime("%H:%M"),
            "breaks": shift.breaks}


# ------------------------------------------------------------------------------------------------ exceptions


async def add_work_exception(session: AsyncSession, actor: Actor, technician_id: object, kind: ExceptionKind,
                             starts_at: dt.datetime, ends_at: dt.datetime, note: str | None = None,
                             record_id: uuid.UUID | None = None) -> WorkException:
    user = await _technician(session, actor, technician_id)
    errors = Collector()
    note = v.text(errors, "note", note, max_len=MAX_NOTE)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        errors.add(ErrorCode.INVALID_VALUE, "startsAt")
    elif ends_at <= starts_at:
        errors.add(ErrorCode.ENDS_BEFORE_START, "endsAt")
    elif ends_at - starts_at > dt.timedelta(days=MAX_RANGE_DAYS):
        errors.add(ErrorCode.PERIOD_TOO_LONG, "endsAt", days=MAX_RANGE_DAYS)
    errors.raise_if_any()
    await v.ensure_new_id(session, WorkException, record_id)
    entry = WorkException(garage_id=actor.garage_id, technician_id=user.id, kind=kind, starts_at=starts_at,
                          ends_at=ends_at, note=note, created_by_id=actor.user_id)
    if record_id is not None:
        entry.id = record_id
    session.add(entry)
    await session.flush()
    audit.record(session, actor, "WorkException", entry.id, "create",
                 audit.created(entry, ("technician_id", "kind", "starts_at", "ends_at", "note")))
    return entry


async def find_work_exception(session: AsyncSession, actor: Actor, exception_id: object) -> WorkException | None:
    ident = v.try_parse_id(exception_id)
    if ident is None:
        return None
    return (await session.execute(select(WorkException).where(
        WorkException.id == ident, WorkException.garage_id == actor.garage_id))).scalar_one_or_none()


async def remove_work_exception(session: AsyncSession, actor: Actor, exception_id: object) -> WorkException:
    entry = await find_work_exception(session, actor, exception_id)
    if entry is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    audit.record(session, actor, "WorkException", entry.id, "delete",
                 {k: {"before": v_, "after": None} for k, v_ in
                  audit.snapshot(entry, ("technician_id", "kind", "starts_at", "ends_at", "note")).items()})
    await session.delete(entry)
    await session.flush()
    return entry


async def work_exceptions(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime,
                          technician_id: object | None = None) -> list[WorkException]:
    """The garage's exceptions overlapping [start, end) (of one technician when given), by start."""
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise DomainError(ErrorCode.INVALID_PERIOD, "end")
    if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
        raise DomainError(ErrorCode.PERIOD_TOO_LONG, "end", days=MAX_RANGE_DAYS)
    query = select(WorkException).where(WorkException.garage_id == actor.garage_id,
                                        WorkException.starts_at < end, WorkException.ends_at > start)
    if technician_id is not None:
        query = query.where(WorkException.technician_id == v.parse_id(technician_id, "technicianId"))
    return list((await session.execute(query.order_by(WorkException.starts_at, WorkException.id))).scalars())
