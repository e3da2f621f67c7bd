"""Clocks left running: a job clock or an attendance shift still open past the technician's shift end plus the
garage's grace time (workforce_settings.clock_grace_minutes, 30 by default) is flagged to the managers once.

Which shift: the scheduled working time (pattern with its breaks, minus leave, plus overtime) that contains the
entry's start, or begins within EARLY after it (clocked in a little early). An entry started outside any scheduled
time (unplanned overtime, a day off) has no shift to run past; it is flagged once it has run UNSCHEDULED_LIMIT.

The scan (`scan_clock_alerts`, run by the worker's cron and callable in-process) writes one `ClockAlert` per entry
(unique on clock and entry: a second scan, or two at once, flag nothing again) and, in the same transaction, a push
through the notification outbox to each active site manager and workshop manager of the technician's home site
(managers without a home site hear about every site). `clock_alerts` lists the flagged entries still open.
The worker runs the scan every 5 minutes (backend/worker.py); without a worker (embedded mode)
`start_alert_schedule(db)` runs it in-process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, User
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.permissions import Role
from backend.workforce import service
from backend.workforce.models import (DEFAULT_GRACE_MINUTES, AttendanceEntry, AttendanceKind, ClockAlert, ClockKind,
                                      WorkforceSettings)

log = logging.getLogger("mototrack.workforce")

EARLY = dt.timedelta(hours=2)
UNSCHEDULED_LIMIT = dt.timedelta(hours=12)
EVENT = "clock_left_running"
MANAGERS = (Role.SITE_MANAGER, Role.WORKSHOP_MANAGER)


@dataclass
class OpenClock:
    clock: ClockKind
    entry_id: uuid.UUID
    garage_id: uuid.UUID
    technician_id: uuid.UUID
    started_at: dt.datetime
    job_id: uuid.UUID | None = None


async def _open_clocks(session: AsyncSession, garage_id: uuid.UUID | None) -> list[OpenClock]:
    from backend.workshop.models import TimeClockEntry

    jobs = select(TimeClockEntry.id, TimeClockEntry.garage_id, TimeClockEntry.technician_id,
                  TimeClockEntry.started_at, TimeClockEntry.job_id).where(TimeClockEntry.ended_at.is_(None))
    shifts = select(AttendanceEntry.id, AttendanceEntry.garage_id, AttendanceEntry.technician_id,
                    AttendanceEntry.started_at).where(AttendanceEntry.ended_at.is_(None),
                                                      AttendanceEntry.kind == AttendanceKind.SHIFT)
    if garage_id is not None:
        jobs = jobs.where(TimeClockEntry.garage_id == garage_id)
        shifts = shifts.where(AttendanceEntry.garage_id == garage_id)
    out = [OpenClock(ClockKind.JOB, i, g, t, s, j) for i, g, t, s, j in (await session.execute(jobs)).all()]
    out += [OpenClock(ClockKind.ATTENDANCE, i, g, t, s) for i, g, t, s in (await session.execute(shifts)).all()]
    return out


def shift_end(started_at: dt.datetime, scheduled: list[tuple[dt.datetime, dt.datetime]]) -> dt.datetime:
    """The end of the shift an entry started at `started_at` belongs to (module docstring)."""
    for start, end in scheduled:
        if end > started_at and start <= started_at + EARLY:
            return end
    return started_at + UNSCHEDULED_LIMIT


async def due_alerts(session: AsyncSession, garage_id: uuid.UUID, clocks: list[OpenClock], now: dt.datetime,
                     grace: int) -> list[tuple[OpenClock, dt.datetime]]:
    """The open clocks of one garage past their shift's end plus `grace` minutes, with that end."""
    if not clocks:
        return []
    ids = sorted({c.technician_id for c in clocks})
    start = min(c.started_at for c in clocks) - dt.timedelta(days=1)
    scheduled = await service.scheduled_intervals(session, garage_id, ids, start, now + EARLY, with_breaks=True)
    out = []
    for c in clocks:
        end = shift_end(c.started_at, scheduled.get(c.technician_id, []))
        if end + dt.timedelta(minutes=grace) <= now:
            out.append((c, end))
    return out


async def scan_clock_alerts(session: AsyncSession, now: dt.datetime | None = None,
                            garage_id: uuid.UUID | None = None) -> list[ClockAlert]:
    """Flag every clock left running (of one garage when given); returns the alerts written by this scan."""
    now = now or utcnow()
    clocks = await _open_clocks(session, garage_id)
    if not clocks:
        return []
    flagged = set((await session.execute(select(ClockAlert.clock, ClockAlert.entry_id).where(
        ClockAlert.entry_id.in_([c.entry_id for c in clocks])))).all())
    clocks = [c for c in clocks if (c.clock, c.entry_id) not in flagged]
    by_garage: dict[uuid.UUID, list[OpenClock]] = defaultdict(list)
    for c in clocks:
        by_garage[c.garage_id].append(c)
    if not by_garage:
        return []
    graces = dict((await session.execute(select(WorkforceSettings.garage_id, WorkforceSettings.clock_grace_minutes)
                                         .where(WorkforceSettings.garage_id.in_(list(by_garage))))).all())
    written: list[ClockAlert] = []
    for gid, mine in by_garage.items():
        due = await due_alerts(session, gid, mine, now, graces.get(gid, DEFAULT_GRACE_MINUTES))
        if due:
            written += await _flag(session, gid, due, now)
    return written


async def _flag(session: AsyncSession, garage_id: uuid.UUID, due: list[tuple[OpenClock, dt.datetime]],
                now: dt.datetime) -> list[ClockAlert]:
    from sqlalchemy.exc import IntegrityError

    from backend.notifications.models import Channel
    from backend.notifications.outbox import enqueue

    garage = await session.get(Garage, garage_id)
    zone = await service.garage_zone(session, garage_id)
    people = {u.id: u for u in (await session.execute(select(User).where(
        User.garage_id == garage_id, User.active.is_(True),
        or_(User.id.in_({c.technician_id for c, _ in due}), User.role.in_(MANAGERS))))).scalars()}
    managers = [u for u in people.values() if u.role in MANAGERS]
    written = []
    for clock, end in due:
        alert = ClockAlert(garage_id=garage_id, clock=clock.clock, entry_id=clock.entry_id,
                           technician_id=clock.technician_id, shift_ended_at=end, flagged_at=now)
        try:
            async with session.begin_nested():
                session.add(alert)
                await session.flush()
        except IntegrityError:  # a scan running at the same time flagged it first
            continue
        written.append(alert)
        tech = people.get(clock.technician_id)
        site = tech.home_site_id if tech is not None else None
        for manager in managers:
            if site is not None and manager.home_site_id not in (None, site):
                continue
            locale = manager.locale.value if manager.locale else garage.default_locale.value
            await enqueue(session, garage_id=garage_id, event=EVENT, channel=Channel.PUSH, locale=locale,
                          user_id=manager.id, dedupe_key=f"{EVENT}:{alert.id}:{manager.id}",
                          context={"technician": tech.name if tech else "", "clock": clock.clock.value,
                                   "since": clock.started_at.astimezone(zone).strftime("%H:%M"),
                                   "shift_end": end.astimezone(zone).strftime("%H:%M"),
                                   "url": "/attendance"})
    return written


async def clock_alerts(session: AsyncSession, actor: Actor) -> list[tuple[ClockAlert, dt.datetime]]:
    """The garage's flagged entries still running, oldest flag first, with when each started."""
    from backend.workshop.models import TimeClockEntry

    out = []
    for kind, model in ((ClockKind.JOB, TimeClockEntry), (ClockKind.ATTENDANCE, AttendanceEntry)):
        out += (await session.execute(
            select(ClockAlert, model.started_at)
            .join(model, and_(model.id == ClockAlert.entry_id, model.garage_id == ClockAlert.garage_id))
            .where(ClockAlert.garage_id == actor.garage_id, ClockAlert.clock == kind, model.ended_at.is_(None))
        )).all()
    return sorted(((a, started) for a, started in out), key=lambda x: (x[0].flagged_at, x[0].id))


async def clock_alert_task(ctx) -> int:
    """The worker's cron: one scan of every garage in one transaction."""
    async with ctx["db"].transaction() as session:
        return len(await scan_clock_alerts(session))


SCAN_SECONDS = 300.0


def start_alert_schedule(db, interval: float = SCAN_SECONDS) -> asyncio.Task:
    """Embedded mode (no arq worker): the same scan in-process every `interval` seconds, from the start; cancel the
    task to stop it. A failed scan is logged and the next one runs."""

    async def loop() -> None:
        while True:
            try:
                await clock_alert_task({"db": db})
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the schedule
                log.exception("clock alert scan failed")
            await asyncio.sleep(interval)

    return asyncio.get_running_loop().create_task(loop(), name="clock-alert-scan")
