"""A clock left running past the shift's end plus the grace time is flagged to the managers once per entry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from backend.core.db import utcnow
from backend.core.permissions import Role
from backend.notifications.models import Notification
from backend.workforce import alerts
from backend.workforce.models import AttendanceEntry, AttendanceKind
from backend.workshop.models import TimeClockEntry
from tests.inspections.helpers import started_job
from tests.workforce.helpers import ALERTS, SET_GRACE, at, payload, set_pattern, shift

BKK = "Asia/Bangkok"


async def _scan(db, now):
    async with db.transaction() as session:
        return await alerts.scan_clock_alerts(session, now=now)


async def _notifications(db, garage_id):
    async with db.read() as session:
        return list((await session.execute(select(Notification).where(
            Notification.garage_id == garage_id, Notification.event == alerts.EVENT))).scalars())


async def test_flagged_once_after_the_grace_time(gql, db, garage, other_garage):
    tech = garage.users[Role.TECHNICIAN]
    await set_pattern(db, garage, tech.id, [shift(d, "08:00", "17:00", ("12:00", "13:00")) for d in range(7)],
                      valid_from=dt.date(2026, 1, 1))
    job = await started_job(db, garage)
    async with db.transaction() as session:
        shift_entry = AttendanceEntry(garage_id=garage.id, technician_id=tech.id, kind=AttendanceKind.SHIFT,
                                      started_at=at(BKK, 2026, 3, 2, 7, 55))
        job_entry = TimeClockEntry(garage_id=garage.id, job_id=job.id, technician_id=tech.id,
                                   started_at=at(BKK, 2026, 3, 2, 9, 0))
        session.add_all([shift_entry, job_entry])
    # the lunch break is inside the shift, and the shift's end plus 30 minutes has not passed
    assert await _scan(db, at(BKK, 2026, 3, 2, 12, 45)) == []
    assert await _scan(db, at(BKK, 2026, 3, 2, 17, 29)) == []
    flagged = await _scan(db, at(BKK, 2026, 3, 2, 17, 31))
    assert {(a.clock.value, a.entry_id) for a in flagged} == {("ATTENDANCE", shift_entry.id), ("JOB", job_entry.id)}
    assert {a.shift_ended_at for a in flagged} == {at(BKK, 2026, 3, 2, 17)}
    assert await _scan(db, at(BKK, 2026, 3, 2, 19)) == []  # once per entry
    sent = await _notifications(db, garage.id)
    managers = {garage.users[Role.SITE_MANAGER].id, garage.users[Role.WORKSHOP_MANAGER].id}
    assert sorted(n.user_id for n in sent) == sorted([*managers, *managers])  # two clocks, two managers
    assert {n.context["technician"] for n in sent} == {tech.name}
    assert {n.context["shift_end"] for n in sent} == {"17:00"}
    assert await _notifications(db, other_garage.id) == []
    listed = payload(await gql(ALERTS, token=garage.token(Role.WORKSHOP_MANAGER)), "clockAlerts")
    assert {a["entryId"] for a in listed} == {str(shift_entry.id), str(job_entry.id)}
    assert payload(await gql(ALERTS, token=other_garage.token(Role.WORKSHOP_MANAGER)), "clockAlerts") == []
    # clocked off: no longer listed
    async with db.transaction() as session:
        row = await session.get(TimeClockEntry, job_entry.id)
        row.ended_at = at(BKK, 2026, 3, 2, 17, 40)
        row.seconds = int((row.ended_at - row.started_at).total_seconds())
    listed = payload(await gql(ALERTS, token=garage.token(Role.SITE_MANAGER)), "clockAlerts")
    assert [a["entryId"] for a in listed] == [str(shift_entry.id)]


async def test_the_garage_sets_the_grace_time(gql, db, garage):
    tech = garage.users[Role.TECHNICIAN]
    await set_pattern(db, garage, tech.id, [shift(d, "22:00", "06:00") for d in range(7)],
                      valid_from=dt.date(2026, 1, 1))
    bad = payload(await gql(SET_GRACE, {"input": {"minutes": -5}}, token=garage.token(Role.SITE_MANAGER),
                            lang="th"), "setClockGrace")
    assert [e["code"] for e in bad["errors"]] == ["INVALID_GRACE_MINUTES"] and "นาที" in bad["errors"][0]["message"]
    good = payload(await gql(SET_GRACE, {"input": {"minutes": 60}}, token=garage.token(Role.SITE_MANAGER)),
                   "setClockGrace")
    assert good == {"settings": {"clockGraceMinutes": 60}, "errors": []}
    async with db.transaction() as session:
        session.add(AttendanceEntry(garage_id=garage.id, technician_id=tech.id, kind=AttendanceKind.SHIFT,
                                    started_at=at(BKK, 2026, 3, 2, 21, 50)))
    assert await _scan(db, at(BKK, 2026, 3, 3, 6, 45)) == []  # the night shift ended at 06:00, grace 60 min
    assert len(await _scan(db, at(BKK, 2026, 3, 3, 7, 1))) == 1


async def test_unscheduled_clock_is_flagged_only_after_a_long_run(db, garage):
    tech = garage.users[Role.TECHNICIAN]
    await set_pattern(db, garage, tech.id, [shift(0, "08:00", "17:00")], valid_from=dt.date(2026, 1, 1))
    async with db.transaction() as session:  # a Saturday: nothing scheduled
        session.add(AttendanceEntry(garage_id=garage.id, technician_id=tech.id, kind=AttendanceKind.SHIFT,
                                    started_at=at(BKK, 2026, 3, 7, 9)))
    assert await _scan(db, at(BKK, 2026, 3, 7, 18)) == []
    flagged = await _scan(db, at(BKK, 2026, 3, 7, 21, 31))
    assert [a.shift_ended_at for a in flagged] == [at(BKK, 2026, 3, 7, 21)]


async def test_embedded_schedule_scans_in_process(db, garage):
    import asyncio
    import contextlib

    tech = garage.users[Role.TECHNICIAN]
    await set_pattern(db, garage, tech.id, [shift(d, "08:00", "09:00") for d in range(7)],
                      valid_from=dt.date(2026, 1, 1))
    async with db.transaction() as session:  # clocked in two days ago and never out
        session.add(AttendanceEntry(garage_id=garage.id, technician_id=tech.id, kind=AttendanceKind.SHIFT,
                                    started_at=utcnow() - dt.timedelta(days=2)))
    task = alerts.start_alert_schedule(db, interval=0.05)
    try:
        for _ in range(100):
            if await _notifications(db, garage.id):
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(await _notifications(db, garage.id)) == 2  # the site manager and the workshop manager, once
