"""A manager corrects an entry of either clock (a forgotten clock-off, a wrong time) by setting its start and end.

The correction needs a reason; it is refused, changing nothing, when it ends before it starts, lies in the future,
overlaps another entry of the same technician on the same clock (a break: another break), or the entry is not the
garage's (NOT_FOUND, as for an id that does not exist). A break must stay inside one of the technician's shifts.
Each correction is a `ClockCorrection` row (the times before it, and the first original times, copied from the
entry's first correction so a second correction never overwrites them) and an audit entry.

A job clock entry's `seconds` follow the new times, so the job's clocked hours (workshop's clock.py and the
clockedHours loader, which sum `seconds`) follow too. An open entry corrected is closed at the new end; an open
attendance shift closes the break under way with it. Lock order as in the workshop: the job, then its clock entry;
for the attendance clock the technician's user row, then the entries, as the technician's own clock operations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.workforce import service
from backend.workforce.models import AttendanceEntry, AttendanceKind, ClockCorrection, ClockKind

MAX_REASON = 500
FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


def _check(started_at: dt.datetime | None, ended_at: dt.datetime | None, reason: str | None
           ) -> tuple[dt.datetime, dt.datetime, str]:
    errors = Collector()
    reason = v.text(errors, "reason", reason, max_len=MAX_REASON)
    if not reason and not any(e.field == "reason" for e in errors.errors):
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    if started_at is None or started_at.tzinfo is None:
        errors.add(ErrorCode.REQUIRED if started_at is None else ErrorCode.INVALID_VALUE, "startedAt")
    if ended_at is None or ended_at.tzinfo is None:
        errors.add(ErrorCode.REQUIRED if ended_at is None else ErrorCode.INVALID_VALUE, "endedAt")
    if not errors.errors:
        now = utcnow()
        if ended_at <= started_at:
            errors.add(ErrorCode.ENDS_BEFORE_START, "endedAt")
        elif ended_at > now:
            errors.add(ErrorCode.CLOCK_IN_FUTURE, "endedAt")
    errors.raise_if_any()
    return started_at.astimezone(dt.UTC), ended_at.astimezone(dt.UTC), reason


async def _overlap(session: AsyncSession, actor: Actor, model, entry, started_at, ended_at, *extra) -> None:
    """CLOCK_OVERLAP naming the first other entry of the technician on this clock that [started_at, ended_at)
    would overlap (an open one runs on indefinitely)."""
    other = (await session.execute(
        select(model).where(model.garage_id == actor.garage_id, model.technician_id == entry.technician_id,
                            model.id != entry.id, model.started_at < ended_at,
                            or_(model.ended_at.is_(None), model.ended_at > started_at), *extra)
        .order_by(model.started_at).limit(1))).scalar_one_or_none()
    if other is not None:
        zone = await service.garage_zone(session, actor.garage_id)
        shown = "%Y-%m-%d %H:%M"
        raise DomainError(ErrorCode.CLOCK_OVERLAP, "startedAt",
                          start=other.started_at.astimezone(zone).strftime(shown),
                          end=other.ended_at.astimezone(zone).strftime(shown) if other.ended_at else "…")


async def _first_original(session: AsyncSession, actor: Actor, clock: ClockKind, entry) -> tuple:
    first = (await session.execute(
        select(ClockCorrection.original_started_at, ClockCorrection.original_ended_at)
        .where(ClockCorrection.garage_id == actor.garage_id, ClockCorrection.clock == clock,
               ClockCorrection.entry_id == entry.id)
        .order_by(ClockCorrection.corrected_at, ClockCorrection.id).limit(1))).first()
    return (first[0], first[1]) if first is not None else (entry.started_at, entry.ended_at)


async def _job_entry(session: AsyncSession, actor: Actor, entry_id):
    from backend.workshop.models import Job, TimeClockEntry

    seen = (await session.execute(select(TimeClockEntry.job_id).where(
        TimeClockEntry.id == entry_id, TimeClockEntry.garage_id == actor.garage_id))).scalar_one_or_none()
    if seen is None:
        raise DomainError(ErrorCode.NOT_FOUND, "entryId")
    job = (await session.execute(select(Job).where(Job.id == seen, Job.garage_id == actor.garage_id)
                                 .with_for_update())).scalar_one()
    entry = (await session.execute(select(TimeClockEntry).where(TimeClockEntry.id == entry_id)
                                   .with_for_update().execution_options(populate_existing=True))).scalar_one()
    return job, entry


async def correct_clock_entry(session: AsyncSession, actor: Actor, clock: ClockKind, entry_id: object,
                              started_at: dt.datetime | None, ended_at: dt.datetime | None,
                              reason: str | None) -> ClockCorrection:
    ident = v.parse_id(entry_id, "entryId")
    started_at, ended_at, reason = _check(started_at, ended_at, reason)
    job = None
    if clock == ClockKind.JOB:
        from backend.workshop.models import TimeClockEntry

        job, entry = await _job_entry(session, actor, ident)
        await _overlap(session, actor, TimeClockEntry, entry, started_at, ended_at)
        entity = "TimeClockEntry"
    else:
        # the technician's user row first, as their own clock operations take it (backend/workforce/attendance.py):
        # a correction and a clock-out of the same technician take turns instead of locking entries crosswise
        technician = (await session.execute(select(AttendanceEntry.technician_id).where(
            AttendanceEntry.id == ident, AttendanceEntry.garage_id == actor.garage_id))).scalar_one_or_none()
        if technician is None:
            raise DomainError(ErrorCode.NOT_FOUND, "entryId")
        await session.execute(select(User.id).where(User.id == technician).with_for_update())
        entry = (await session.execute(select(AttendanceEntry).where(
            AttendanceEntry.id == ident, AttendanceEntry.garage_id == actor.garage_id).with_for_update()
            .execution_options(populate_existing=True))).scalar_one()
        await _overlap(session, actor, AttendanceEntry, entry, started_at, ended_at,
                       AttendanceEntry.kind == entry.kind)
        if entry.kind == AttendanceKind.BREAK:
            inside = (await session.execute(select(AttendanceEntry.id).where(
                AttendanceEntry.garage_id == actor.garage_id, AttendanceEntry.technician_id == entry.technician_id,
                AttendanceEntry.kind == AttendanceKind.SHIFT, AttendanceEntry.started_at <= started_at,
                or_(AttendanceEntry.ended_at.is_(None), AttendanceEntry.ended_at >= ended_at)).limit(1))).first()
            if inside is None:
                raise DomainError(ErrorCode.BREAK_OUTSIDE_ATTENDANCE, "startedAt")
        entity = "AttendanceEntry"
    original = await _first_original(session, actor, clock, entry)
    before = {"started_at": entry.started_at, "ended_at": entry.ended_at}
    correction = ClockCorrection(
        garage_id=actor.garage_id, clock=clock, entry_id=entry.id, technician_id=entry.technician_id,
        original_started_at=original[0], original_ended_at=original[1], previous_started_at=entry.started_at,
        previous_ended_at=entry.ended_at, started_at=started_at, ended_at=ended_at, reason=reason,
        corrected_by_id=actor.user_id, corrected_at=utcnow())
    if clock == ClockKind.ATTENDANCE and entry.kind == AttendanceKind.SHIFT and entry.ended_at is None:
        pause = (await session.execute(select(AttendanceEntry).where(
            AttendanceEntry.garage_id == actor.garage_id, AttendanceEntry.technician_id == entry.technician_id,
            AttendanceEntry.kind == AttendanceKind.BREAK, AttendanceEntry.ended_at.is_(None)).with_for_update()
        )).scalar_one_or_none()
        if pause is not None:
            pause.ended_at = max(pause.started_at, min(ended_at, utcnow()))
            pause.ended_by_id = actor.user_id
    entry.started_at, entry.ended_at = started_at, ended_at
    changes = {
        "started_at": {"before": audit._plain(before["started_at"]), "after": audit._plain(started_at)},
        "ended_at": {"before": audit._plain(before["ended_at"]), "after": audit._plain(ended_at)},
        "original_started_at": {"before": None, "after": audit._plain(original[0])},
        "original_ended_at": {"before": None, "after": audit._plain(original[1])},
        "reason": {"before": None, "after": reason},
    }
    if job is not None:
        from backend.workshop.service.common import job_changed

        old_seconds = entry.seconds
        entry.seconds = int((ended_at - started_at).total_seconds())
        changes["seconds"] = {"before": old_seconds, "after": entry.seconds}
        job.version += 1
        job_changed(session, job)
    session.add(correction)
    audit.record(session, actor, entity, entry.id, "correct", changes)
    await session.flush()
    return correction


async def corrections_of(session: AsyncSession, actor: Actor, clock: ClockKind, entry_id: object
                         ) -> list[ClockCorrection]:
    ident = v.parse_id(entry_id, "entryId")
    return list((await session.execute(select(ClockCorrection).where(
        ClockCorrection.garage_id == actor.garage_id, ClockCorrection.clock == clock,
        ClockCorrection.entry_id == ident).order_by(ClockCorrection.corrected_at, ClockCorrection.id))).scalars())


async def find_correction(session: AsyncSession, actor: Actor, correction_id: object) -> ClockCorrection | None:
    ident = v.try_parse_id(correction_id)
    if ident is None:
        return None
    return (await session.execute(select(ClockCorrection).where(
        ClockCorrection.id == ident, ClockCorrection.garage_id == actor.garage_id))).scalar_one_or_none()
