"""DataLoaders for the workshop: one garage-scoped statement per batch, whatever the number of jobs.

Visibility (a technician sees only their own jobs) is decided by the service or the resolver that hands a job out;
these loaders only scope by garage. Lists come back in a stable order (timeline oldest first, tasks by position,
parts requests oldest first).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import case, func, select

from backend.api.loaders import Loader, by_id, grouped
from backend.core.db import utcnow
from backend.core.permissions import Role
from backend.workshop.models import (
    Job,
    JobEvent,
    JobTask,
    PartsRequest,
    TaskAction,
    TimeClockEntry,
)


class JobLoader(Loader):
    """Job by id: None for an unknown id, another garage's, or — for a technician — another technician's job, so
    no nested field (a clock entry's, a task's or a parts request's job) shows what `job(id)` would not."""

    async def batch_load_fn(self, keys):
        query = select(Job).where(Job.id.in_(keys), Job.garage_id == self.garage_id)
        actor = self.ctx.actor
        if actor.role == Role.TECHNICIAN:
            query = query.where(Job.technician_id == actor.user_id)
        return by_id(await self.rows(query), keys)


class TimelineByJobLoader(Loader):
    """A job's timeline events, oldest first."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(JobEvent)
            .where(JobEvent.job_id.in_(keys), JobEvent.garage_id == self.garage_id)
            .order_by(JobEvent.at, JobEvent.id)
        )
        return grouped(rows, keys, "job_id")


class TasksByJobLoader(Loader):
    """A job's tasks by position."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(JobTask)
            .where(JobTask.job_id.in_(keys), JobTask.garage_id == self.garage_id)
            .order_by(JobTask.position, JobTask.created_at, JobTask.id)
        )
        return grouped(rows, keys, "job_id")


class PartsRequestsByJobLoader(Loader):
    """A job's parts requests, oldest first."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(PartsRequest)
            .where(PartsRequest.job_id.in_(keys), PartsRequest.garage_id == self.garage_id)
            .order_by(PartsRequest.created_at, PartsRequest.id)
        )
        return grouped(rows, keys, "job_id")


class ClockedSecondsByJobLoader(Loader):
    """Seconds clocked on a job by all technicians; an open clock counts up to now."""

    async def batch_load_fn(self, keys):
        open_start = func.max(case((TimeClockEntry.ended_at.is_(None), TimeClockEntry.started_at)))
        query = (
            select(TimeClockEntry.job_id, func.coalesce(func.sum(TimeClockEntry.seconds), 0), open_start)
            .where(TimeClockEntry.job_id.in_(keys), TimeClockEntry.garage_id == self.garage_id)
            .group_by(TimeClockEntry.job_id, TimeClockEntry.technician_id)
        )
        async with self.session() as s:
            rows = (await s.execute(query)).all()
        now = utcnow()
        totals: dict = defaultdict(int)
        for job_id, seconds, started in rows:
            totals[job_id] += int(seconds or 0)
            if started is not None:
                if isinstance(started, str):  # SQLite returns the aggregate of a datetime column as text
                    started = dt.datetime.fromisoformat(started)
                if started.tzinfo is None:
                    started = started.replace(tzinfo=dt.UTC)
                totals[job_id] += max(0, int((now - started).total_seconds()))
        return [totals.get(k, 0) for k in keys]


class ClockEntriesByJobLoader(Loader):
    """A job's clock entries, oldest first (every technician's)."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(TimeClockEntry)
            .where(TimeClockEntry.job_id.in_(keys), TimeClockEntry.garage_id == self.garage_id)
            .order_by(TimeClockEntry.started_at, TimeClockEntry.id)
        )
        return grouped(rows, keys, "job_id")


class BilledHoursByJobLoader(Loader):
    """The sum of the billed (standard) hours of a job's tasks."""

    async def batch_load_fn(self, keys):
        query = (
            select(JobTask.job_id, func.coalesce(func.sum(JobTask.billed_hours), 0))
            .where(JobTask.job_id.in_(keys), JobTask.garage_id == self.garage_id)
            .group_by(JobTask.job_id)
        )
        async with self.session() as s:
            rows = (await s.execute(query)).all()
        found = {job_id: Decimal(str(total)) for job_id, total in rows}
        return [found.get(k, Decimal("0")) for k in keys]


class JobTaskLoader(Loader):
    """A job task by id."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(select(JobTask).where(JobTask.id.in_(keys), JobTask.garage_id == self.garage_id))
        return by_id(rows, keys)


class TaskActionLoader(Loader):
    """A catalog task action by id."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(TaskAction).where(TaskAction.id.in_(keys), TaskAction.garage_id == self.garage_id))
        return by_id(rows, keys)


class PartsRequestLoader(Loader):
    """A parts request by id."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(PartsRequest).where(PartsRequest.id.in_(keys), PartsRequest.garage_id == self.garage_id))
        return by_id(rows, keys)


class VehicleLoader(Loader):
    """A vehicle by id (for Job.vehicle; the customers domain loads vehicles by owner)."""

    async def batch_load_fn(self, keys):
        from backend.customers.models import Vehicle

        rows = await self.rows(select(Vehicle).where(Vehicle.id.in_(keys), Vehicle.garage_id == self.garage_id))
        return by_id(rows, keys)
