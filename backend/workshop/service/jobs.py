"""Job cards: intake, the status machine, notes, and the lists a workshop reads (search, board, my jobs).

RECEIVED -> ASSIGNED -> IN_PROGRESS <-> AWAITING_PARTS -> COMPLETED -> MANAGER_REVIEW -> BILLING -> INVOICED;
ASSIGNED / IN_PROGRESS / AWAITING_PARTS <-> ON_HOLD (back to where it was); anything but INVOICED -> CANCELLED.
AWAITING_PARTS and back are automatic (refresh_parts_status, called by the parts service). A technician sees and
changes only the jobs assigned to them (common.load_job; the lists filter here).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Site, User
from backend.core import audit, numbering
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import OperationsStream, RevenueStream
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.ids import new_id
from backend.core.permissions import Permission, Role
from backend.core.validate import check_version
from backend.customers import service as customers
from backend.notifications import service as notifications
from backend.notifications.reminders import service as reminders
from backend.inventory.models import WarehouseItem
from backend.workshop.models import (
    Job,
    JobEventKind,
    JobStatus,
    JobTask,
    PartsRequest,
    PartsRequestStatus,
    TaskStatus,
)
from backend.workshop.service.common import (
    _UNSET,
    ACTIVE_STATUSES,
    JOB_AUDIT_FIELDS,
    OPEN_STATUSES,
    _when,
    add_event,
    invalid_transition,
    is_technician,
    job_changed,
    load_job,
    set_status,
    visible_to,
)

__all__ = [
    "ACTIVE_STATUSES", "OPEN_STATUSES", "CreateJobData", "JobFilter", "JobNotes", "add_job_note", "assign_job",
    "cancel_job", "complete_job", "create_job", "find_job", "hold_job", "job_board", "list_jobs", "move_job_to_billing",
    "mark_job_invoiced", "my_jobs", "refresh_parts_status", "return_job_to_billing", "resume_job", "review_job", "start_job", "update_job_notes", "visible_to",
]

MAX_TEXT = 5000
MAX_REASON = 1000

# the columns of the job board, in the order of the job's life
ASSIGNABLE = (JobStatus.RECEIVED, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS,
              JobStatus.ON_HOLD)
HOLDABLE = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS)
WORKING = (JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS)
TECHNICIAN_EDITABLE = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS)
UNFINISHED_PARTS = (PartsRequestStatus.PENDING, PartsRequestStatus.APPROVED)


def _enum(errors: Collector, field: str, value: object, cls, *, required: bool = False):
    if value is None or value is _UNSET:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None


def _reason(value: object, field: str = "reason") -> str:
    errors = Collector()
    text = v.text(errors, field, value if isinstance(value, str) else None, max_len=MAX_REASON)
    errors.raise_if_any()
    if text is None:
        raise DomainError(ErrorCode.REASON_REQUIRED, field)
    return text


def _with_field(exc: DomainError | DomainErrors, renames: dict[str, str], prefix: str = ""):
    """Errors of a nested service call, pointing at the field of our input."""
    items = exc.errors if isinstance(exc, DomainErrors) else [exc]
    for e in items:
        if e.field in renames:
            e.field = renames[e.field]
        elif prefix and e.field:
            e.field = f"{prefix}.{e.field}"
    return exc


def _touch(session: AsyncSession, actor: Actor, job: Job, before: dict, action: str) -> None:
    """A change that is not a status change: version, audit row, live event."""
    job.version += 1
    audit.record(session, actor, "Job", job.id, action, audit.diff(before, audit.snapshot(job, JOB_AUDIT_FIELDS)))
    job_changed(session, job)


# ---------------------------------------------------------------------------------------------------- intake


@dataclass
class CreateJobData:
    site_id: object = _UNSET
    vehicle_id: object = _UNSET
    new_vehicle: customers.VehicleInput | None = None
    owner_id: object = _UNSET
    new_owner: customers.CustomerInput | None = None
    operations_stream: object = _UNSET
    revenue_stream: object = _UNSET
    issues_reported: object = _UNSET
    complaint: object = _UNSET
    mileage: object = _UNSET
    mileage_reason: object = _UNSET
    promised_at: object = _UNSET


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def _job_year(session: AsyncSession, actor: Actor) -> int:
    tz = (await session.execute(select(Garage.time_zone).where(Garage.id == actor.garage_id))).scalar_one()
    try:
        zone = ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - a garage's zone is validated when set; fall back rather than refuse a job
        zone = dt.UTC
    return utcnow().astimezone(zone).year


async def create_job(session: AsyncSession, actor: Actor, data: CreateJobData, job_id: uuid.UUID | None = None) -> Job:
    """Open a job card for an existing vehicle, or for a new vehicle (and new or existing owner) in one go."""
    errors = Collector()
    stream = _enum(errors, "operationsStream", data.operations_stream, OperationsStream, required=True)
    revenue = _enum(errors, "revenueStream", data.revenue_stream, RevenueStream, required=True)
    issues = v.text(errors, "issuesReported", _str(data.issues_reported), max_len=MAX_TEXT)
    complaint = v.text(errors, "complaint", _str(data.complaint), max_len=MAX_TEXT)
    promised_at = _when(errors, "promisedAt", data.promised_at)
    has_vehicle_id = data.vehicle_id not in (None, _UNSET)
    if has_vehicle_id == (data.new_vehicle is not None):
        errors.add(ErrorCode.REQUIRED if not has_vehicle_id else ErrorCode.INVALID_VALUE, "vehicleId")
    if data.new_vehicle is None and (data.new_owner is not None or data.owner_id not in (None, _UNSET)):
        errors.add(ErrorCode.INVALID_VALUE, "ownerId")  # an existing vehicle keeps its owner (transferVehicle)
    if data.new_owner is not None and data.owner_id not in (None, _UNSET):
        errors.add(ErrorCode.INVALID_VALUE, "newOwner")
    site = None
    if data.site_id in (None, _UNSET):
        errors.add(ErrorCode.REQUIRED, "siteId")
    else:
        sid = v.try_parse_id(data.site_id)
        site = None if sid is None else (await session.execute(
            select(Site).where(Site.id == sid, Site.garage_id == actor.garage_id))).scalar_one_or_none()
        if site is None:
            errors.add(ErrorCode.NOT_FOUND, "siteId")
        elif not site.active:
            errors.add(ErrorCode.INVALID_VALUE, "siteId")
            site = None
    errors.raise_if_any()
    await v.ensure_new_id(session, Job, job_id)

    # the vehicle, and its owner, which the job remembers as its customer
    if has_vehicle_id:
        vehicle = await customers.get_vehicle(session, actor, data.vehicle_id, "vehicleId")
    else:
        new_vehicle = data.new_vehicle
        new_vehicle.mileage = customers._UNSET  # the reading goes through the mileage log below, with its reason
        try:
            if data.new_owner is not None:
                owner = await customers.create_customer(session, actor, data.new_owner)
                new_vehicle.owner_id = owner.id
            elif data.owner_id not in (None, _UNSET):
                new_vehicle.owner_id = (await customers.get_customer(session, actor, data.owner_id, "ownerId")).id
        except (DomainError, DomainErrors) as exc:
            raise _with_field(exc, {"ownerId": "ownerId"}, "newOwner") from None
        try:
            vehicle = await customers.create_vehicle(session, actor, new_vehicle)
        except (DomainError, DomainErrors) as exc:
            raise _with_field(exc, {}, "newVehicle") from None
    mileage = None
    if data.mileage not in (None, _UNSET):
        try:
            await customers.record_mileage(session, actor, vehicle.id, data.mileage, _str(data.mileage_reason))
        except (DomainError, DomainErrors) as exc:
            raise _with_field(exc, {"reason": "mileageReason", "vehicleId": "vehicleId"}) from None
        mileage = vehicle.mileage

    # the number last: the counter row stays locked until the transaction ends
    year = await _job_year(session, actor)
    sequence = await numbering.next_number(session, actor.garage_id, "JOB", year)
    job = Job(
        id=job_id or new_id(), garage_id=actor.garage_id, site_id=site.id, number=numbering.format_number(
            "JC", year, sequence), year=year, sequence=sequence, vehicle_id=vehicle.id, customer_id=vehicle.owner_id,
        operations_stream=stream, revenue_stream=revenue, status=JobStatus.RECEIVED, issues_reported=issues,
        complaint=complaint, mileage_in=mileage, promised_at=promised_at, created_by_id=actor.user_id,
        advisor_id=actor.user_id, version=1,
    )
    session.add(job)
    await session.flush()
    add_event(session, actor, job, JobEventKind.CREATED, to_status=JobStatus.RECEIVED,
              data={"number": job.number})
    audit.record(session, actor, "Job", job.id, "create",
                 audit.created(job, ("number", "vehicle_id", "customer_id", *JOB_AUDIT_FIELDS)))
    job_changed(session, job)
    await reminders.mark_booked(session, actor.garage_id, vehicle.id, job.id)  # reminders for it: BOOKED
    await session.flush()
    from backend.portal import service as portal  # the customer's portal link, sent on their channel

    await portal.open_for_new_job(session, actor, job)
    return job


# ---------------------------------------------------------------------------------------------------- status machine


async def _load(session: AsyncSession, actor: Actor, job_id: object, expected_version: int | None) -> Job:
    job = await load_job(session, actor, job_id, for_update=True)
    check_version(job, expected_version)
    return job


async def _stream_has_technician(session: AsyncSession, actor: Actor, stream) -> bool:
    """Whether an active technician of the actor's garage works the stream (read only when an assignment fails)."""
    streams = (await session.execute(select(User.streams).where(
        User.garage_id == actor.garage_id, User.role == Role.TECHNICIAN, User.active.is_(True)))).scalars()
    return any(stream.value in (s or []) for s in streams)


async def assign_job(session: AsyncSession, actor: Actor, job_id: object, technician_id: object,
                     stream_override_reason: str | None = None, expected_version: int | None = None) -> Job:
    """Give the job to an active technician of its stream (or, with JOBS_OVERRIDE_STREAM and a reason, of another).
    Reassigning an assigned or started job moves it to the new technician without changing its status."""
    job = await _load(session, actor, job_id, expected_version)
    if job.status not in ASSIGNABLE:
        raise invalid_transition(job)
    tid = v.try_parse_id(technician_id)
    tech = None if tid is None else (await session.execute(
        select(User).where(User.id == tid, User.garage_id == actor.garage_id))).scalar_one_or_none()
    if tech is None:
        raise DomainError(ErrorCode.NOT_FOUND, "technicianId")
    if tech.role != Role.TECHNICIAN:
        raise DomainError(ErrorCode.NOT_A_TECHNICIAN, "technicianId")
    if not tech.active:
        raise DomainError(ErrorCode.TECHNICIAN_NOT_ACTIVE, "technicianId")
    override = None
    if job.operations_stream.value not in (tech.streams or []):
        errors = Collector()
        reason = v.text(errors, "streamOverrideReason", stream_override_reason, max_len=MAX_REASON)
        errors.raise_if_any()
        if reason is None or not actor.can(Permission.JOBS_OVERRIDE_STREAM):
            if not await _stream_has_technician(session, actor, job.operations_stream):
                # a dead end without the override: say so, and who may take it
                raise DomainError(ErrorCode.NO_TECHNICIAN_IN_STREAM, "technicianId", stream=job.operations_stream)
            raise DomainError(ErrorCode.WRONG_STREAM, "technicianId", stream=job.operations_stream)
        override = reason
    if tech.id == job.technician_id and override == job.stream_override_reason:
        return job  # already theirs: nothing changes
    previous = job.technician_id
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    job.technician_id = tech.id
    job.stream_override_reason = override
    data = {"technicianId": str(tech.id), "technicianName": tech.name,
            "previousTechnicianId": str(previous) if previous else None}
    if override:
        data["streamOverrideReason"] = override
    add_event(session, actor, job, JobEventKind.ASSIGNED, note=override, data=data)
    if job.status == JobStatus.RECEIVED:
        _status_with_changes(session, actor, job, JobStatus.ASSIGNED, before)
    else:
        job.assigned_at = utcnow()
        _touch(session, actor, job, before, "assign")
    if previous is not None and previous != tech.id:
        await _stop_clocks(session, actor, job)  # the previous technician's time on it ends with the handover
    await session.flush()
    await notifications.notify_technician_assigned(session, job, tech)
    return job


def _status_with_changes(session: AsyncSession, actor: Actor, job: Job, to_status: JobStatus, before: dict,
                         note: str | None = None) -> None:
    """set_status, with an audit row that also shows the fields changed just before it."""
    set_status(session, actor, job, to_status, note=note)
    # set_status recorded the diff from its own snapshot; add the rest of what changed in this step
    extra = audit.diff(before, audit.snapshot(job, JOB_AUDIT_FIELDS))
    extra.pop("status", None)
    if extra:
        audit.record(session, actor, "Job", job.id, "update", extra)


async def start_job(session: AsyncSession, actor: Actor, job_id: object, expected_version: int | None = None) -> Job:
    job = await _load(session, actor, job_id, expected_version)
    if job.status != JobStatus.ASSIGNED:
        raise invalid_transition(job)
    set_status(session, actor, job, JobStatus.IN_PROGRESS)
    await session.flush()
    return job


async def refresh_parts_status(session: AsyncSession, actor: Actor, job: Job) -> Job:
    """IN_PROGRESS -> AWAITING_PARTS while a parts request is pending or approved (not yet issued); back when none is.
    Called by the parts service after it changes a request; other statuses are left alone."""
    if job.status not in WORKING:
        return job
    await session.flush()
    waiting = (await session.execute(
        select(func.count()).select_from(PartsRequest).where(
            PartsRequest.job_id == job.id, PartsRequest.garage_id == job.garage_id,
            PartsRequest.status.in_(UNFINISHED_PARTS)))).scalar_one()
    if waiting and job.status == JobStatus.IN_PROGRESS:
        set_status(session, actor, job, JobStatus.AWAITING_PARTS)
    elif not waiting and job.status == JobStatus.AWAITING_PARTS:
        set_status(session, actor, job, JobStatus.IN_PROGRESS)
    await session.flush()
    return job


async def _unfinished(session: AsyncSession, job: Job) -> tuple[list[str], dict[str, str]]:
    """(pending parts as 'SKU × qty' (a part not in the catalog by its description), open tasks by name in each
    language: {"en": "A, B", "th": "ก, ข"})."""
    parts = (await session.execute(
        select(case((WarehouseItem.one_off.is_(True), WarehouseItem.name_en), else_=WarehouseItem.sku),
               PartsRequest.quantity)
        .join(WarehouseItem, WarehouseItem.id == PartsRequest.item_id)
        .where(PartsRequest.job_id == job.id, PartsRequest.garage_id == job.garage_id,
               PartsRequest.status.in_(UNFINISHED_PARTS))
        .order_by(PartsRequest.created_at, PartsRequest.id))).all()
    tasks = (await session.execute(
        select(JobTask.name, JobTask.name_th).where(JobTask.job_id == job.id, JobTask.garage_id == job.garage_id,
                                                    JobTask.status == TaskStatus.OPEN)
        .order_by(JobTask.position, JobTask.created_at, JobTask.id))).all()
    names = {"en": ", ".join(name for name, _ in tasks), "th": ", ".join(th or name for name, th in tasks)}
    return [f"{sku} × {qty}" for sku, qty in parts], names if tasks else {}


async def _stop_clocks(session: AsyncSession, actor: Actor, job: Job) -> None:
    """A job that can no longer be worked clocks everyone off it, so no clock runs on overnight."""
    from backend.workshop.service import clock

    await clock.close_open_clocks(session, actor, job)


async def complete_job(session: AsyncSession, actor: Actor, job_id: object, work_done_notes: object = _UNSET,
                       expected_version: int | None = None) -> Job:
    """The technician hands the job over. Refused while parts are pending (saying which), while tasks are open
    (saying which), and without work-done notes (given here or before)."""
    job = await _load(session, actor, job_id, expected_version)
    if job.status not in WORKING:
        raise invalid_transition(job)
    errors = Collector()
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    if work_done_notes is not _UNSET and work_done_notes is not None:
        notes = v.text(errors, "workDoneNotes", _str(work_done_notes), max_len=MAX_TEXT)
        if notes is not None:
            job.work_done_notes = notes
    await session.flush()
    parts, tasks = await _unfinished(session, job)
    if parts:
        errors.add(ErrorCode.PARTS_PENDING, "partsRequests", requests=", ".join(parts))
    if tasks:
        errors.add(ErrorCode.TASKS_OPEN, "tasks", tasks=tasks)
    if not job.work_done_notes and not any(e.field == "workDoneNotes" for e in errors.errors):
        errors.add(ErrorCode.REQUIRED, "workDoneNotes")
    errors.raise_if_any()
    _status_with_changes(session, actor, job, JobStatus.COMPLETED, before)
    await _stop_clocks(session, actor, job)
    await session.flush()
    return job


async def review_job(session: AsyncSession, actor: Actor, job_id: object, manager_notes: object = _UNSET,
                     expected_version: int | None = None) -> Job:
    job = await _load(session, actor, job_id, expected_version)
    if job.status != JobStatus.COMPLETED:
        raise invalid_transition(job)
    errors = Collector()
    notes = v.text(errors, "managerNotes", _str(manager_notes), max_len=MAX_TEXT)
    errors.raise_if_any()
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    if notes is not None:
        job.manager_notes = notes
    _status_with_changes(session, actor, job, JobStatus.MANAGER_REVIEW, before, note=notes)
    await session.flush()
    return job


async def move_job_to_billing(session: AsyncSession, actor: Actor, job_id: object,
                              expected_version: int | None = None) -> Job:
    job = await _load(session, actor, job_id, expected_version)
    if job.status != JobStatus.MANAGER_REVIEW:
        raise invalid_transition(job)
    set_status(session, actor, job, JobStatus.BILLING)
    await session.flush()
    await notifications.notify_job_ready(session, job)  # the customer: ready for collection
    return job


async def mark_job_invoiced(session: AsyncSession, actor: Actor, job: Job, invoice_id: uuid.UUID) -> Job:
    """BILLING -> INVOICED, when billing staff create the job's invoice (the billing service locks the job)."""
    if job.status != JobStatus.BILLING:
        raise invalid_transition(job)
    set_status(session, actor, job, JobStatus.INVOICED, data={"invoiceId": str(invoice_id)})
    await session.flush()
    return job


async def return_job_to_billing(session: AsyncSession, actor: Actor, job: Job, invoice_id: uuid.UUID, *,
                                voided: bool = False, note: str | None = None) -> Job:
    """INVOICED -> BILLING, when the job's draft invoice is deleted before it was issued, or its issued invoice is
    voided by a full credit note (`voided`; the note is the credit note's reason), so it can be invoiced again."""
    if job.status != JobStatus.INVOICED:
        raise invalid_transition(job)
    job.invoiced_at = None
    key = "voidedInvoiceId" if voided else "deletedInvoiceId"
    set_status(session, actor, job, JobStatus.BILLING, note=note, data={key: str(invoice_id)})
    await session.flush()
    return job


async def cancel_job(session: AsyncSession, actor: Actor, job_id: object, reason: object,
                     expected_version: int | None = None) -> Job:
    job = await _load(session, actor, job_id, expected_version)
    if job.status in (JobStatus.INVOICED, JobStatus.CANCELLED):
        raise invalid_transition(job)
    text = _reason(reason)
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    job.cancel_reason = text
    job.held_from_status = None
    _status_with_changes(session, actor, job, JobStatus.CANCELLED, before, note=text)
    await _stop_clocks(session, actor, job)
    from backend.workshop.service import parts

    await parts.withdraw_for_cancelled_job(session, actor, job, text)
    await session.flush()
    return job


async def hold_job(session: AsyncSession, actor: Actor, job_id: object, reason: object,
                   expected_version: int | None = None) -> Job:
    job = await _load(session, actor, job_id, expected_version)
    if job.status not in HOLDABLE:
        raise invalid_transition(job)
    text = _reason(reason)
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    job.held_from_status = job.status
    job.hold_reason = text
    _status_with_changes(session, actor, job, JobStatus.ON_HOLD, before, note=text)
    await _stop_clocks(session, actor, job)
    await session.flush()
    return job


async def resume_job(session: AsyncSession, actor: Actor, job_id: object, expected_version: int | None = None) -> Job:
    """Back to the status the job was held from (and on to IN_PROGRESS / AWAITING_PARTS if parts moved meanwhile)."""
    job = await _load(session, actor, job_id, expected_version)
    if job.status != JobStatus.ON_HOLD or job.held_from_status is None:
        raise invalid_transition(job)
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    target = job.held_from_status
    job.held_from_status = None
    job.hold_reason = None
    _status_with_changes(session, actor, job, target, before)
    await refresh_parts_status(session, actor, job)
    await session.flush()
    return job


# ---------------------------------------------------------------------------------------------------- notes


@dataclass
class JobNotes:
    complaint: object = _UNSET
    cause: object = _UNSET
    correction: object = _UNSET
    work_done_notes: object = _UNSET


_NOTE_FIELDS = {"complaint": "complaint", "cause": "cause", "correction": "correction",
                "work_done_notes": "workDoneNotes"}


async def update_job_notes(session: AsyncSession, actor: Actor, job_id: object, data: JobNotes,
                           expected_version: int | None = None) -> Job:
    """Complaint, cause, correction and work-done notes. A technician writes them on their own job while working on
    it; an admin at any time until the job is invoiced or cancelled."""
    errors = Collector()
    values = {}
    for attr, field in _NOTE_FIELDS.items():
        value = getattr(data, attr)
        if value is not _UNSET:
            values[attr] = v.text(errors, field, _str(value), max_len=MAX_TEXT)
    errors.raise_if_any()
    job = await _load(session, actor, job_id, expected_version)
    if job.status in (JobStatus.INVOICED, JobStatus.CANCELLED):
        raise invalid_transition(job)
    if is_technician(actor) and job.status not in TECHNICIAN_EDITABLE:
        raise DomainError(ErrorCode.JOB_NOT_WORKABLE, "jobId", status=job.status)
    changed = {k: val for k, val in values.items() if getattr(job, k) != val}
    if not changed:
        return job
    before = audit.snapshot(job, JOB_AUDIT_FIELDS)
    for key, value in changed.items():
        setattr(job, key, value)
    add_event(session, actor, job, JobEventKind.NOTE, data={"fields": [_NOTE_FIELDS[k] for k in changed]})
    _touch(session, actor, job, before, "update_notes")
    await session.flush()
    return job


async def add_job_note(session: AsyncSession, actor: Actor, job_id: object, note: object) -> Job:
    """A free note in the job's timeline (anyone who can see the job). The job's version does not change, so a
    note never makes someone else's edit stale."""
    errors = Collector()
    text = v.text(errors, "note", _str(note), required=True, max_len=MAX_TEXT)
    errors.raise_if_any()
    job = await load_job(session, actor, job_id)
    event = add_event(session, actor, job, JobEventKind.NOTE, note=text)
    await session.flush()
    audit.record(session, actor, "Job", job.id, "note", {"note": {"before": None, "after": text},
                                                        "eventId": {"before": None, "after": str(event.id)}})
    job_changed(session, job)
    await session.flush()
    return job


# the reads live in job_queries.py; they are part of this module's interface
from backend.workshop.service.job_queries import (  # noqa: E402
    JobFilter,
    find_job,
    job_board,
    list_jobs,
    my_jobs,
)
