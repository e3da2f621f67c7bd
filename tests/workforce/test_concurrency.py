"""On PostgreSQL: a technician's phone and tablet clocking in at the same moment make one shift; a clock-out racing a
manager's correction of the same shift never deadlocks, and leaves no break or shift open."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from backend.core.db import utcnow
from backend.core.errors import DomainError, DomainErrors
from backend.core.permissions import Role
from backend.workforce import attendance, corrections
from backend.workforce.models import AttendanceEntry, AttendanceKind, ClockKind

pytestmark = pytest.mark.postgresql_only


async def _own(db, fn, *args):
    async with db.transaction() as session:
        return await fn(session, *args)


async def _race(db, *calls):
    results = await asyncio.gather(*[_own(db, *c) for c in calls], return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, (DomainError, DomainErrors)):
            raise AssertionError(f"a concurrent clock operation failed: {r!r}") from r
    return results


async def _count(db, garage_id, **where) -> int:
    async with db.read() as session:
        query = select(func.count()).select_from(AttendanceEntry).where(AttendanceEntry.garage_id == garage_id)
        for name, value in where.items():
            query = query.where(getattr(AttendanceEntry, name) == value) if value is not None else query.where(
                getattr(AttendanceEntry, name).is_(None))
        return (await session.execute(query)).scalar_one()


async def test_simultaneous_clock_ins_make_one_shift(db, garage):
    tech = garage.actor(Role.TECHNICIAN)
    results = await _race(db, *[(attendance.clock_in, tech) for _ in range(8)])
    made = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 1 and len(refused) == 7
    assert {e.code.value for e in refused} == {"ALREADY_CLOCKED_IN"}
    assert await _count(db, garage.id) == 1


async def test_clock_out_racing_a_correction(db, garage):
    tech, manager = garage.actor(Role.TECHNICIAN), garage.actor(Role.WORKSHOP_MANAGER)
    for _ in range(6):
        async with db.transaction() as session:
            shift = await attendance.clock_in(session, tech, utcnow() - dt.timedelta(minutes=30))
        await _own(db, attendance.start_break, tech)
        now = utcnow()
        await _race(db, (attendance.clock_out, tech),
                    (corrections.correct_clock_entry, manager, ClockKind.ATTENDANCE, shift.id,
                     now - dt.timedelta(minutes=30), now - dt.timedelta(seconds=1), "forgot"))
        assert await _count(db, garage.id, ended_at=None) == 0
    assert await _count(db, garage.id, kind=AttendanceKind.SHIFT) == 6
