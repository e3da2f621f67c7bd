"""A manager corrects a clock entry of either clock: reason required, no overlap, not in the future, not another
garage's; audited with the original times (the first ones, kept across corrections); job clock seconds follow."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.core.db import utcnow
from backend.core.models import AuditEntry
from backend.core.permissions import Role
from backend.workforce.models import AttendanceEntry, AttendanceKind, ClockCorrection
from backend.workshop.models import TimeClockEntry
from tests.inspections.helpers import started_job
from tests.workforce.helpers import CORRECT, CORRECTIONS, codes, payload


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


async def _attendance(db, garage, *spans):
    """SHIFT entries of the garage's technician, [(start, end)], hours ago relative to now (end None: open)."""
    now = utcnow().replace(microsecond=0)
    rows = []
    async with db.transaction() as session:
        for start, end in spans:
            row = AttendanceEntry(garage_id=garage.id, technician_id=garage.users[Role.TECHNICIAN].id,
                                  kind=AttendanceKind.SHIFT, started_at=now - dt.timedelta(hours=start),
                                  ended_at=now - dt.timedelta(hours=end) if end is not None else None)
            session.add(row)
            rows.append(row)
    return now, rows


async def _job_entries(db, garage, job, *spans):
    now = utcnow().replace(microsecond=0)
    rows = []
    async with db.transaction() as session:
        for start, end in spans:
            s, e = now - dt.timedelta(hours=start), (now - dt.timedelta(hours=end) if end is not None else None)
            row = TimeClockEntry(garage_id=garage.id, job_id=job.id, technician_id=garage.users[Role.TECHNICIAN].id,
                                 started_at=s, ended_at=e, seconds=int((e - s).total_seconds()) if e else None)
            session.add(row)
            rows.append(row)
    return now, rows


async def correct(gql, garage, clock, entry_id, start, end, reason="forgot to clock off", *, role=Role.WORKSHOP_MANAGER,
                  lang=None, **extra):
    body = await gql(CORRECT, {"input": {"clock": clock, "entryId": str(entry_id), "startedAt": _iso(start),
                                         "endedAt": _iso(end), "reason": reason, **extra}},
                     token=garage.token(role), lang=lang)
    return payload(body, "correctClockEntry")


async def _row(db, model, ident):
    async with db.read() as session:
        return (await session.execute(select(model).where(model.id == ident))).scalar_one()


async def test_forgotten_clock_off_corrected_twice_keeps_the_first_original(gql, db, garage):
    now, (entry,) = await _attendance(db, garage, (10, None))  # clocked in 10 hours ago, never out
    first = await correct(gql, garage, "ATTENDANCE", entry.id, now - dt.timedelta(hours=10), now - dt.timedelta(hours=2))
    assert first["errors"] == []
    c = first["correction"]
    assert dt.datetime.fromisoformat(c["originalStartedAt"]) == now - dt.timedelta(hours=10)
    assert c["originalEndedAt"] is None and c["previousEndedAt"] is None
    assert c["correctedBy"]["id"] == str(garage.users[Role.WORKSHOP_MANAGER].id)
    second = await correct(gql, garage, "ATTENDANCE", entry.id, now - dt.timedelta(hours=9),
                           now - dt.timedelta(hours=1), "started at nine really", role=Role.SITE_MANAGER)
    s = second["correction"]
    assert dt.datetime.fromisoformat(s["originalStartedAt"]) == now - dt.timedelta(hours=10)  # the first original
    assert s["originalEndedAt"] is None
    assert dt.datetime.fromisoformat(s["previousEndedAt"]) == now - dt.timedelta(hours=2)
    row = await _row(db, AttendanceEntry, entry.id)
    assert (row.started_at, row.ended_at) == (now - dt.timedelta(hours=9), now - dt.timedelta(hours=1))
    history = await gql(CORRECTIONS, {"clock": "ATTENDANCE", "entryId": str(entry.id)},
                        token=garage.token(Role.SITE_MANAGER))
    assert [h["reason"] for h in history["data"]["clockCorrections"]] == ["forgot to clock off",
                                                                         "started at nine really"]
    async with db.read() as session:
        audits = list((await session.execute(select(AuditEntry).where(
            AuditEntry.entity_id == entry.id, AuditEntry.action == "correct").order_by(AuditEntry.at))).scalars())
    assert len(audits) == 2
    assert audits[0].changes["ended_at"] == {"before": None, "after": (now - dt.timedelta(hours=2)).isoformat()}
    assert audits[1].changes["original_started_at"]["after"] == (now - dt.timedelta(hours=10)).isoformat()
    assert audits[1].changes["reason"]["after"] == "started at nine really"


async def test_job_clock_seconds_and_clocked_hours_follow(gql, db, garage):
    job = await started_job(db, garage)
    now, (entry,) = await _job_entries(db, garage, job, (5, 4))  # one hour
    result = await correct(gql, garage, "JOB", entry.id, now - dt.timedelta(hours=5),
                           now - dt.timedelta(hours=2, minutes=30))
    assert result["errors"] == []
    assert (await _row(db, TimeClockEntry, entry.id)).seconds == int(2.5 * 3600)
    body = await gql("query($id: ID!) { job(id: $id) { clockedHours } clockedHours(jobId: $id) { seconds } }",
                     {"id": str(job.id)}, token=garage.token(Role.WORKSHOP_MANAGER))
    assert body["data"]["job"]["clockedHours"] == 2.5
    assert [h["seconds"] for h in body["data"]["clockedHours"]] == [9000]
    async with db.read() as session:
        audit = (await session.execute(select(AuditEntry).where(
            AuditEntry.entity_id == entry.id, AuditEntry.action == "correct"))).scalar_one()
    assert audit.entity_type == "TimeClockEntry"
    assert audit.changes["seconds"] == {"before": 3600, "after": 9000}
    assert audit.changes["original_ended_at"]["after"] == (now - dt.timedelta(hours=4)).isoformat()


@pytest.mark.parametrize("clock", ["JOB", "ATTENDANCE"])
async def test_refusals_change_nothing(gql, db, garage, other_garage, clock):
    if clock == "JOB":
        job = await started_job(db, garage)
        now, (entry, other) = await _job_entries(db, garage, job, (8, 6), (5, 3))
        model = TimeClockEntry
    else:
        now, (entry, other) = await _attendance(db, garage, (8, 6), (5, 3))
        model = AttendanceEntry
    h = lambda n: now - dt.timedelta(hours=n)  # noqa: E731
    cases = [
        ((h(8), h(4)), "forgot", ["CLOCK_OVERLAP"]),  # runs into the other entry (5h to 3h ago)
        ((h(8), h(9)), "typo", ["ENDS_BEFORE_START"]),
        ((h(8), now + dt.timedelta(hours=1)), "tomorrow", ["CLOCK_IN_FUTURE"]),
        ((h(8), h(7)), "   ", ["REASON_REQUIRED"]),
    ]
    for (start, end), reason, expected in cases:
        result = await correct(gql, garage, clock, entry.id, start, end, reason)
        assert codes(result) == expected and result["correction"] is None, (reason, result)
    overlap = await correct(gql, garage, clock, entry.id, h(8), h(4), lang="th")
    assert "ทับกับรายการอื่น" in overlap["errors"][0]["message"]
    theirs = await correct(gql, other_garage, clock, entry.id, h(8), h(7))
    assert codes(theirs) == ["NOT_FOUND"]
    row = await _row(db, model, entry.id)
    assert (row.started_at, row.ended_at) == (h(8), h(6))
    async with db.read() as session:
        assert (await session.execute(select(ClockCorrection))).first() is None


async def test_a_break_stays_inside_a_shift(gql, db, garage):
    now, (shift,) = await _attendance(db, garage, (8, 1))
    async with db.transaction() as session:
        pause = AttendanceEntry(garage_id=garage.id, technician_id=shift.technician_id, kind=AttendanceKind.BREAK,
                                started_at=now - dt.timedelta(hours=4), ended_at=now - dt.timedelta(hours=3))
        session.add(pause)
    outside = await correct(gql, garage, "ATTENDANCE", pause.id, now - dt.timedelta(hours=9),
                            now - dt.timedelta(hours=7), "lunch was early")
    assert codes(outside) == ["BREAK_OUTSIDE_ATTENDANCE"]
    inside = await correct(gql, garage, "ATTENDANCE", pause.id, now - dt.timedelta(hours=5),
                           now - dt.timedelta(hours=4), "lunch was early")
    assert inside["errors"] == []
