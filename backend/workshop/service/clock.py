"""The technician's time clock: clocked time per job and technician, kept apart from the billed hours of tasks.

A technician has at most one open clock. Clocking on to another job clocks off the first in the same transaction;
the partial unique index (one open entry per technician) is the backstop when two clock-ons race.

Lock order, on every path: the job rows first (several in id order), then clock entries, as the jobs service does
(job -> tasks -> clocks; close_open_clocks runs with the job already locked). Clocking on used to lock the new job,
then the technician's open entry, then that entry's job, and clocking off the entry before its job: against a
manager holding or cancelling the running job (job, then its entries), or two technicians swapping jobs, the rows
were taken in opposite orders and PostgreSQL broke the circle with a deadlock error. Now the open entry is first
read without a lock only to learn which job it runs on; the jobs are locked, then the entry, and if the entry moved
in between (another device of the same technician), the later clock-on is refused as a CONFLICT.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.workshop.models import Job, JobEventKind, TimeClockEntry
from backend.workshop.service.common import add_event, job_changed, load_job
from backend.workshop.service.tasks import require_workable

__all__ = ["clock_on_job", "clock_off_job", "my_clock", "clock_entries", "clocked_hours", "close_open_clocks",
           "hours_of", "TechnicianHours"]


def hours_of(seconds: int) -> Decimal:
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def elapsed_seconds(entry: TimeClockEntry) -> int:
    """Closed: the stored seconds; open: up to now."""
    if entry.seconds is not None:
        return entry.seconds
    return max(0, int((utcnow() - entry.started_at).total_seconds()))


def _need_user(actor: Actor) -> None:
    if actor.user_id is None:  # an API key has no clock
        raise DomainError(ErrorCode.NOT_CLOCKED_ON, "jobId")


def open_entry_query(actor: Actor):
    """The actor's running clock entry (also read, projected, by the fast read path: backend/workshop/fastpath.py)."""
    return select(TimeClockEntry).where(TimeClockEntry.garage_id == actor.garage_id,
                                        TimeClockEntry.technician_id == actor.user_id,
                                        TimeClockEntry.ended_at.is_(None))


async def _open_entry(session: AsyncSession, actor: Actor, *, for_update: bool = False) -> TimeClockEntry | None:
    query = open_entry_query(actor)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def _job_of_entry(session: AsyncSession, actor: Actor, entry: TimeClockEntry) -> Job:
    """The job a clock runs on, whoever it is assigned to now (a reassigned technician can still clock off)."""
    return (await session.execute(select(Job).where(Job.id == entry.job_id, Job.garage_id == actor.garage_id)
                                  .with_for_update())).scalar_one()


def _close(session: AsyncSession, actor: Actor, entry: TimeClockEntry, job: Job, *, note: str | None = None) -> None:
    now = utcnow()
    entry.ended_at = now
    entry.seconds = max(0, int((now - entry.started_at).total_seconds()))
    add_event(session, actor, job, JobEventKind.CLOCKED_OFF, note=note,
              data={"clockEntryId": str(entry.id), "technicianId": str(entry.technician_id),
                    "seconds": entry.seconds})
    audit.record(session, actor, "TimeClockEntry", entry.id, "clock_off",
                 {"ended_at": {"before": None, "after": audit._plain(entry.ended_at)},
                  "seconds": {"before": None, "after": entry.seconds}})
    job.version += 1
    job_changed(session, job)


async def _lock_jobs(session: AsyncSession, actor: Actor, job_id: object, others: set) -> Job:
    """Lock the job a clock operation is about (`job_id`, checked like any job) and the `others` its open clock runs
    on, all in id order; returns the first."""
    jid = v.parse_id(job_id, "jobId")
    job = None
    for each in sorted({jid} | set(others)):
        if each == jid:
            job = await load_job(session, actor, jid, for_update=True)
        else:
            await session.execute(select(Job.id).where(Job.id == each, Job.garage_id == actor.garage_id)
                                  .with_for_update())
    return job


async def clock_on_job(session: AsyncSession, actor: Actor, job_id: object) -> TimeClockEntry:
    """Clock the signed-in technician on to their job (in progress or awaiting parts). Already on it: unchanged."""
    _need_user(actor)
    seen = await _open_entry(session, actor)  # no lock: only which job it runs on, to lock that job first
    locked = {seen.job_id} if seen is not None else set()
    job = await _lock_jobs(session, actor, job_id, locked)
    require_workable(job)
    current = await _open_entry(session, actor, for_update=True)
    if current is not None and current.job_id == job.id:
        return current
    if current is not None and current.job_id not in locked:
        raise DomainError(ErrorCode.CONFLICT, "jobId")  # another device moved the clock meanwhile
    if current is not None:
        other = await _job_of_entry(session, actor, current)  # locked already, above
        _close(session, actor, current, other, note=None)
        await session.flush()
    entry = TimeClockEntry(garage_id=actor.garage_id, job_id=job.id, technician_id=actor.user_id,
                           started_at=utcnow())
    try:
        async with session.begin_nested():
            session.add(entry)
            await session.flush()
    except IntegrityError:  # another clock-on of the same technician won the race
        raise DomainError(ErrorCode.CONFLICT, "jobId") from None
    add_event(session, actor, job, JobEventKind.CLOCKED_ON,
              data={"clockEntryId": str(entry.id), "technicianId": str(entry.technician_id)})
    audit.record(session, actor, "TimeClockEntry", entry.id, "clock_on",
                 audit.created(entry, ("job_id", "technician_id", "started_at")))
    job.version += 1
    job_changed(session, job)
    await session.flush()
    return entry


async def clock_off_job(session: AsyncSession, actor: Actor, job_id: object) -> TimeClockEntry:
    """Clock the signed-in technician off the job; NOT_CLOCKED_ON unless their open clock runs on it."""
    _need_user(actor)
    jid = v.parse_id(job_id, "jobId")
    seen = await _open_entry(session, actor)  # no lock: the job is locked before the entry
    if seen is None or seen.job_id != jid:
        raise DomainError(ErrorCode.NOT_CLOCKED_ON, "jobId")
    job = await _job_of_entry(session, actor, seen)
    current = await _open_entry(session, actor, for_update=True)
    if current is None or current.job_id != jid:
        raise DomainError(ErrorCode.NOT_CLOCKED_ON, "jobId")
    _close(session, actor, current, job)
    await session.flush()
    return current


async def close_open_clocks(session: AsyncSession, actor: Actor, job: Job, *, note: str | None = None) -> int:
    """Clock everyone off a job that stops being workable (completed, on hold, cancelled). Returns how many.

    For the jobs service to call in the same transaction as the status change; the job is already locked.
    """
    entries = list((await session.execute(
        select(TimeClockEntry).where(TimeClockEntry.garage_id == actor.garage_id, TimeClockEntry.job_id == job.id,
                                     TimeClockEntry.ended_at.is_(None)).with_for_update())).scalars())
    for entry in entries:
        _close(session, actor, entry, job, note=note)
    if entries:
        await session.flush()
    return len(entries)


async def find_clock_entry(session: AsyncSession, actor: Actor, entry_id: object) -> TimeClockEntry | None:
    """A clock entry of the actor's garage as it is now (a replayed clockOn/clockOff answers with it), or None."""
    ident = v.try_parse_id(entry_id)
    if ident is None:
        return None
    return (await session.execute(
        select(TimeClockEntry).where(TimeClockEntry.id == ident, TimeClockEntry.garage_id == actor.garage_id)
        .execution_options(populate_existing=True))).scalar_one_or_none()


async def my_clock(session: AsyncSession, actor: Actor) -> TimeClockEntry | None:
    if actor.user_id is None:
        return None
    return await _open_entry(session, actor)


async def clock_entries(session: AsyncSession, actor: Actor, job_id: object) -> list[TimeClockEntry]:
    """Every clock entry of a job, oldest first (a technician: of their own job)."""
    job = await load_job(session, actor, job_id)
    return list((await session.execute(
        select(TimeClockEntry).where(TimeClockEntry.garage_id == actor.garage_id, TimeClockEntry.job_id == job.id)
        .order_by(TimeClockEntry.started_at, TimeClockEntry.id))).scalars())


@dataclass
class TechnicianHours:
    technician_id: object
    seconds: int
    open: bool

    @property
    def hours(self) -> Decimal:
        return hours_of(self.seconds)


async def clocked_hours(session: AsyncSession, actor: Actor, job_id: object) -> list[TechnicianHours]:
    """Clocked time on a job per technician (an open clock counts up to now)."""
    totals: dict = defaultdict(int)
    running: set = set()
    for entry in await clock_entries(session, actor, job_id):
        totals[entry.technician_id] += elapsed_seconds(entry)
        if entry.ended_at is None:
            running.add(entry.technician_id)
    return [TechnicianHours(technician_id=t, seconds=s, open=t in running) for t, s in totals.items()]
