"""What every workshop service shares: loading a job the actor may touch, versions, the timeline, events."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.events import emit
from backend.core.permissions import Role
from backend.core.validate import parse_id
from backend.workshop.models import Job, JobEvent, JobEventKind, JobStatus

_UNSET = object()  # "not given" in the services' input dataclasses (None means "clear it")

# the statuses on a site's board
ACTIVE_STATUSES = (
    JobStatus.RECEIVED, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS, JobStatus.COMPLETED,
    JobStatus.MANAGER_REVIEW, JobStatus.BILLING, JobStatus.ON_HOLD,
)
# a technician's open work: assigned to them and not yet handed over
OPEN_STATUSES = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS, JobStatus.ON_HOLD)

# the job's fields that the audit log follows
JOB_AUDIT_FIELDS = (
    "status", "technician_id", "site_id", "operations_stream", "revenue_stream", "issues_reported", "mileage_in",
    "promised_at", "complaint", "cause", "correction", "work_done_notes", "manager_notes", "cancel_reason",
    "hold_reason", "stream_override_reason",
)


def is_technician(actor: Actor) -> bool:
    return actor.role == Role.TECHNICIAN


def visible_to(actor: Actor, job: Job | None) -> bool:
    """Whether the actor may see the job at all (a technician: only their own)."""
    if job is None or job.garage_id != actor.garage_id:
        return False
    return not is_technician(actor) or job.technician_id == actor.user_id


def _when(errors: Collector, field: str, value: object) -> dt.datetime | None:
    if value is None or value is _UNSET:
        return None
    if not isinstance(value, dt.datetime):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # year 1 at UTC+14, year 9999 at UTC-14
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None


async def load_job(session: AsyncSession, actor: Actor, job_id: object, *, for_update: bool = False,
                   field: str = "jobId") -> Job:
    """A job of the actor's garage. A technician may touch only the jobs assigned to them (NOT_YOUR_JOB)."""
    jid = parse_id(job_id, field)
    query = select(Job).where(Job.id == jid, Job.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    job = (await session.execute(query)).scalar_one_or_none()
    if job is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    if is_technician(actor) and job.technician_id != actor.user_id:
        raise DomainError(ErrorCode.NOT_YOUR_JOB, field)
    return job


def add_event(session: AsyncSession, actor: Actor, job: Job, kind: JobEventKind, *,
              from_status: JobStatus | None = None,
              to_status: JobStatus | None = None, note: str | None = None, data: dict | None = None) -> JobEvent:
    event = JobEvent(garage_id=job.garage_id, job_id=job.id, kind=kind, actor_user_id=actor.user_id,
                     actor_label=actor.label, from_status=from_status, to_status=to_status, note=note,
                     data=data or {}, at=utcnow())
    session.add(event)
    return event


def job_channel(garage_id: uuid.UUID, job_id: uuid.UUID) -> str:
    return f"{garage_id}:job:{job_id}"


def board_channel(garage_id: uuid.UUID, site_id: uuid.UUID) -> str:
    return f"{garage_id}:board:{site_id}"


def parts_channel(garage_id: uuid.UUID) -> str:
    return f"{garage_id}:parts"


def job_changed(session: AsyncSession, job: Job) -> None:
    """Tell the job's and the site board's subscribers (after the commit) that the job changed."""
    message = {"jobId": str(job.id), "siteId": str(job.site_id), "status": job.status.value,
               "technicianId": str(job.technician_id) if job.technician_id else None, "version": job.version}
    emit(session, job_channel(job.garage_id, job.id), message)
    emit(session, board_channel(job.garage_id, job.site_id), message)


def parts_changed(session: AsyncSession, garage_id: uuid.UUID, request_id: uuid.UUID, status: str) -> None:
    emit(session, parts_channel(garage_id), {"partsRequestId": str(request_id), "status": status})


STATUS_TIMESTAMPS = {
    JobStatus.ASSIGNED: "assigned_at",
    JobStatus.IN_PROGRESS: "started_at",
    JobStatus.COMPLETED: "completed_at",
    JobStatus.MANAGER_REVIEW: "reviewed_at",
    JobStatus.BILLING: "billing_at",
    JobStatus.INVOICED: "invoiced_at",
    JobStatus.CANCELLED: "cancelled_at",
}


def set_status(session: AsyncSession, actor: Actor, job: Job, to_status: JobStatus, *, note: str | None = None,
               data: dict | None = None) -> None:
    """Move the job (the caller has checked the transition is legal): timeline, audit, version, events."""
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    from_status = job.status
    job.status = to_status
    stamp = STATUS_TIMESTAMPS.get(to_status)
    if stamp and getattr(job, stamp) is None:
        setattr(job, stamp, utcnow())
    job.version += 1
    add_event(session, actor, job, JobEventKind.STATUS_CHANGED, from_status=from_status, to_status=to_status,
              note=note, data=data)
    audit.record(session, actor, "Job", job.id, f"status:{to_status.value}",
                 audit.diff(before, audit.snapshot(job, JOB_AUDIT_FIELDS)))
    job_changed(session, job)
    from backend.integrations.webhooks.outbox import enqueue_event

    enqueue_event(session, job.garage_id, "job.status_changed", {
        "jobId": str(job.id), "number": job.number, "siteId": str(job.site_id), "vehicleId": str(job.vehicle_id),
        "from": from_status.value if from_status else None, "to": to_status.value, "version": job.version})


def invalid_transition(job: Job) -> DomainError:
    return DomainError(ErrorCode.INVALID_TRANSITION, "status", status=job.status)
