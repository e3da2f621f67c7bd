"""Clocking on and off while a manager stops the same job, and from two devices at once, on PostgreSQL: every path
locks the job rows first (in id order) and the technician's clock entries after them, so no two transactions wait
for each other in a circle, and a technician never ends with two open clocks."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from backend.core.errors import DomainError, DomainErrors
from backend.core.permissions import Role
from backend.workshop.models import TimeClockEntry
from backend.workshop.service import clock
from backend.workshop.service import jobs as jobs_service
from tests.workshop.test_tasks_helpers import working_job

# row-lock order is a PostgreSQL matter (SQLite writers queue on the file lock)
pytestmark = pytest.mark.postgresql_only

ROUNDS = 12


async def _in_own_transaction(db, fn, *args):
    async with db.transaction() as session:
        return await fn(session, *args)


async def _race(db, *calls) -> list:
    """Run each (fn, *args) in its own session at the same moment; refusals are fine, database errors are not."""
    results = await asyncio.gather(*[_in_own_transaction(db, *c) for c in calls], return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, (DomainError, DomainErrors)):
            raise AssertionError(f"a concurrent clock operation failed: {result!r}") from result
    return results


async def _open(db, *where) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(TimeClockEntry).where(
            TimeClockEntry.ended_at.is_(None), *where))).scalar()


async def test_clock_on_elsewhere_while_the_manager_holds_or_cancels_the_running_job(db, garage):
    tech, manager = garage.actor(Role.TECHNICIAN), garage.actor(Role.WORKSHOP_MANAGER)
    tech_id = tech.user_id
    for round_ in range(ROUNDS):
        running, other = await working_job(db, garage), await working_job(db, garage)
        await _in_own_transaction(db, clock.clock_on_job, tech, running.id)
        stop = (jobs_service.hold_job, manager, running.id, "Waiting for the customer") if round_ % 2 else \
            (jobs_service.cancel_job, manager, running.id, "Customer withdrew")
        # the technician's clock-on locks `other` and wants `running`; the manager's stop locks `running` and wants
        # the technician's open clock
        await _race(db, (clock.clock_on_job, tech, other.id), stop)
        assert await _open(db, TimeClockEntry.technician_id == tech_id) <= 1
        assert await _open(db, TimeClockEntry.job_id == running.id) == 0
        await _in_own_transaction(db, clock.close_open_clocks, manager, other)


async def test_clock_off_while_the_manager_holds_the_job(db, garage):
    tech, manager = garage.actor(Role.TECHNICIAN), garage.actor(Role.WORKSHOP_MANAGER)
    for _ in range(ROUNDS):
        job = await working_job(db, garage)
        await _in_own_transaction(db, clock.clock_on_job, tech, job.id)
        await _race(db, (clock.clock_off_job, tech, job.id),
                    (jobs_service.hold_job, manager, job.id, "Waiting for the customer"))
        assert await _open(db, TimeClockEntry.technician_id == tech.user_id) == 0


async def test_clock_on_to_two_jobs_at_once_from_two_devices(db, garage):
    tech, manager = garage.actor(Role.TECHNICIAN), garage.actor(Role.WORKSHOP_MANAGER)
    for _ in range(ROUNDS):
        running, first, second = [await working_job(db, garage) for _ in range(3)]
        await _in_own_transaction(db, clock.clock_on_job, tech, running.id)
        results = await _race(db, (clock.clock_on_job, tech, first.id), (clock.clock_on_job, tech, second.id))
        assert any(isinstance(r, TimeClockEntry) for r in results)
        assert await _open(db, TimeClockEntry.technician_id == tech.user_id) == 1
        assert await _open(db, TimeClockEntry.job_id == running.id) == 0
        for job in (first, second):
            await _in_own_transaction(db, clock.close_open_clocks, manager, job)
