"""Reading jobs: one job, the filtered list, the site's board by status, a technician's own open jobs.

A technician only ever sees the jobs assigned to them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.enums import OperationsStream, RevenueStream
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.customers import service as customers
from backend.customers.models import Customer, Vehicle
from backend.workshop.models import Job, JobStatus
from backend.workshop.service.common import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    _when,
    is_technician,
    visible_to,
)


async def find_job(session: AsyncSession, actor: Actor, job_id: object) -> Job | None:
    """A job the actor may see; None when unknown, another garage's, or (for a technician) someone else's."""
    jid = v.try_parse_id(job_id)
    if jid is None:
        return None
    job = (await session.execute(select(Job).where(Job.id == jid, Job.garage_id == actor.garage_id))
           ).scalar_one_or_none()
    return job if visible_to(actor, job) else None


def _scoped(actor: Actor):
    query = select(Job).where(Job.garage_id == actor.garage_id)
    if is_technician(actor):
        query = query.where(Job.technician_id == actor.user_id)
    return query


@dataclass
class JobFilter:
    status: list | None = None
    site_id: object = None
    technician_id: object = None
    operations_stream: object = None
    revenue_stream: object = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    search: str | None = None


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(actor: Actor, term: str):
    pattern = _like(term)
    clauses = [func.lower(Job.number).like(func.lower(literal(pattern)), escape="\\"),
               Job.customer_id.in_(select(Customer.id).where(
                   Customer.garage_id == actor.garage_id,
                   func.lower(Customer.name).like(func.lower(literal(pattern)), escape="\\")))]
    registration = customers.normalize_registration(term)
    if registration:
        clauses.append(Job.vehicle_id.in_(select(Vehicle.id).where(
            Vehicle.garage_id == actor.garage_id, Vehicle.registration.like(_like(registration), escape="\\"))))
    return or_(*clauses)


async def list_jobs(session: AsyncSession, actor: Actor, filter: JobFilter | None = None, *, limit: int = 20,
                    after: tuple[str, str] | None = None) -> list[Job]:
    """Jobs newest first, `limit + 1` rows so the caller knows whether another page follows."""
    f = filter or JobFilter()
    query = _scoped(actor)
    errors = Collector()
    if f.status:
        query = query.where(Job.status.in_([JobStatus(s) if not isinstance(s, JobStatus) else s for s in f.status]))
    for value, column, field in ((f.site_id, Job.site_id, "siteId"), (f.technician_id, Job.technician_id,
                                                                        "technicianId")):
        if value is not None:
            parsed = v.try_parse_id(value)
            if parsed is None:
                errors.add(ErrorCode.NOT_FOUND, f"filter.{field}")
            else:
                query = query.where(column == parsed)
    if f.operations_stream is not None:
        query = query.where(Job.operations_stream == OperationsStream(getattr(f.operations_stream, "value",
                                                                               f.operations_stream)))
    if f.revenue_stream is not None:
        query = query.where(Job.revenue_stream == RevenueStream(getattr(f.revenue_stream, "value",
                                                                         f.revenue_stream)))
    created_from = _when(errors, "filter.createdFrom", f.created_from)
    created_to = _when(errors, "filter.createdTo", f.created_to)
    if created_from is not None:
        query = query.where(Job.created_at >= created_from)
    if created_to is not None:
        query = query.where(Job.created_at < created_to)
    term = v.text(errors, "filter.search", f.search, max_len=200)
    errors.raise_if_any()
    if term is not None:
        query = query.where(_search(actor, term))
    if after is not None:
        try:
            at = dt.datetime.fromisoformat(after[0])
        except (TypeError, ValueError):
            raise DomainError(ErrorCode.INVALID_CURSOR, "after") from None
        if at.tzinfo is None:  # cursors are made with aware times; anything else was not made here
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        last = v.try_parse_id(after[1])
        if last is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(or_(Job.created_at < at, and_(Job.created_at == at, Job.id < last)))
    query = query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1)
    return list((await session.execute(query)).scalars())


async def job_board(session: AsyncSession, actor: Actor, site_id: object) -> list[tuple[JobStatus, list[Job]]]:
    """The site's active jobs in one column per status (oldest first); a technician sees only their own."""
    sid = v.try_parse_id(site_id)
    jobs: list[Job] = []
    if sid is not None:
        jobs = list((await session.execute(board_query(actor, sid))).scalars())
    columns: dict[JobStatus, list[Job]] = {s: [] for s in ACTIVE_STATUSES}
    for job in jobs:
        columns[job.status].append(job)
    return list(columns.items())


async def my_jobs(session: AsyncSession, actor: Actor) -> list[Job]:
    """The actor's open jobs (assigned to them, not yet completed): promised soonest first."""
    if actor.user_id is None:
        return []
    return list((await session.execute(my_jobs_query(actor))).scalars())


# The statements behind the board, my jobs and one job, also read by the fast read path (backend/workshop/fastpath.py)
# projected onto the columns an operation selects: one place for who sees which jobs.

def board_query(actor: Actor, site_id):
    """The site's active jobs the actor may see, oldest first."""
    return _scoped(actor).where(Job.site_id == site_id, Job.status.in_(ACTIVE_STATUSES)).order_by(Job.created_at,
                                                                                                   Job.id)


def my_jobs_query(actor: Actor):
    """The actor's open jobs, promised soonest first (the actor has a user id)."""
    return (select(Job).where(Job.garage_id == actor.garage_id, Job.technician_id == actor.user_id,
                              Job.status.in_(OPEN_STATUSES))
            .order_by(Job.promised_at.is_(None), Job.promised_at, Job.created_at, Job.id))


def visible_job_query(actor: Actor, job_id):
    """The job if the actor may see it (find_job's rule: the garage's, and a technician's own)."""
    return _scoped(actor).where(Job.id == job_id)
