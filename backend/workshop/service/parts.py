"""Parts requests: PENDING -> APPROVED | REJECTED -> ISSUED (stock deducted) -> COMPLETED (fitted); returns.

The technician requests parts on their own job while it is in progress or awaiting parts; the workshop manager
approves or rejects (with a reason); approving holds the parts on the shelf of the job's site warehouse (a
reservation: what is there now, up to the quantity), rejecting gives them back; the warehouse manager issues approved
requests, which consumes the reservation and takes the stock from the site's warehouse through the inventory service
in the same transaction (never below what is available: INSUFFICIENT_STOCK and nothing changes). After
every change the job's status follows its requests (AWAITING_PARTS while one is pending or approved, IN_PROGRESS
when none is) through the jobs service.

Lock order, everywhere: the job's row, then the request's row, then (inside inventory) the item's row, then its
stock rows.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.core.validate import check_version
from backend.inventory import service as inventory
from backend.notifications import service as notifications
from backend.workshop.models import (
    Job,
    JobEventKind,
    JobStatus,
    PartsRequest,
    PartsRequestStatus,
)
from backend.workshop.service.common import (
    add_event,
    is_technician,
    job_changed,
    load_job,
    parts_changed,
)
from backend.workshop.service.tasks import require_workable

__all__ = [
    "request_parts", "approve_parts_request", "reject_parts_request", "issue_parts_request",
    "complete_parts_request", "return_parts", "get_parts_request", "find_parts_request", "list_parts_requests",
    "pending_parts_requests", "QUEUES", "OUTSTANDING",
]

MAX_QUANTITY = 100_000
MAX_NOTE = 2000
AUDIT_FIELDS = ("status", "quantity", "returned_quantity", "note", "reject_reason", "unit_cost", "unit_price",
                "decided_by_id", "issued_by_id")
# not yet issued: the job waits for them
OUTSTANDING = frozenset({PartsRequestStatus.PENDING, PartsRequestStatus.APPROVED})
# the managers' queues: approval (workshop manager) and issue (warehouse manager)
QUEUES = {"APPROVAL": PartsRequestStatus.PENDING, "ISSUE": PartsRequestStatus.APPROVED}
# where no part may be approved or issued any more
CLOSED_JOB = frozenset({JobStatus.CANCELLED, JobStatus.INVOICED})


def _quantity(errors: Collector, value: object, field: str = "quantity") -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        errors.add(ErrorCode.INVALID_QUANTITY, field)
        return None
    return value


def _wrong_state(request: PartsRequest) -> DomainError:
    return DomainError(ErrorCode.INVALID_PARTS_REQUEST_STATE, "id", status=request.status)


async def _follow_requests(session: AsyncSession, actor: Actor, job: Job) -> None:
    """The job's status follows its requests; either way its subscribers hear that it changed."""
    from backend.workshop.service.jobs import (
        refresh_parts_status,  # the jobs service may import this module
    )

    version = job.version
    await refresh_parts_status(session, actor, job)
    if job.version == version:  # no status change (which would have told them already)
        job.version += 1
        job.updated_at = utcnow()
        job_changed(session, job)


def _changed(session: AsyncSession, actor: Actor, request: PartsRequest, action: str, before: dict) -> None:
    request.version += 1
    audit.record(session, actor, "PartsRequest", request.id, action,
                 audit.diff(before, audit.snapshot(request, AUDIT_FIELDS)))
    parts_changed(session, request.garage_id, request.id, request.status.value)


def _event_data(request: PartsRequest, **extra) -> dict:
    return {"partsRequestId": str(request.id), "itemId": str(request.item_id), "quantity": request.quantity,
            **extra}


async def _locked(session: AsyncSession, actor: Actor, request_id: object,
                  field: str = "id") -> tuple[PartsRequest, Job]:
    """The request and its job, the job's row locked first, then the request's (read fresh)."""
    rid = v.parse_id(request_id, field)
    job_id = (await session.execute(select(PartsRequest.job_id).where(
        PartsRequest.id == rid, PartsRequest.garage_id == actor.garage_id))).scalar_one_or_none()
    if job_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    job = await load_job(session, actor, job_id, for_update=True, field=field)
    request = (await session.execute(
        select(PartsRequest).where(PartsRequest.id == rid, PartsRequest.garage_id == actor.garage_id)
        .with_for_update().execution_options(populate_existing=True))).scalar_one()
    return request, job


# ---------------------------------------------------------------------------------------------------- changes


async def request_parts(session: AsyncSession, actor: Actor, job_id: object, item_id: object, quantity: object,
                        note: str | None = None, request_id: uuid.UUID | None = None, *,
                        description: object = None) -> PartsRequest:
    """A part of the catalog (`item_id`), or, without one, a part that is not in it by its `description`: it is
    made an item of its own for this job (purchasing.job_parts.one_off_item), ordered by the warehouse manager."""
    errors = Collector()
    qty = _quantity(errors, quantity)
    clean_note = v.text(errors, "note", note, max_len=MAX_NOTE)
    text = None
    if item_id is None:
        from backend.purchasing.job_parts import MAX_DESCRIPTION

        text = v.text(errors, "description", description, required=True, max_len=MAX_DESCRIPTION)
    errors.raise_if_any()
    job = await load_job(session, actor, job_id, for_update=True)
    require_workable(job)
    await v.ensure_new_id(session, PartsRequest, request_id)
    if text is not None:
        from backend.purchasing import job_parts

        item = await job_parts.one_off_item(session, actor, text)
    else:
        item = await inventory.get_item(session, actor, item_id, "itemId")
    if not item.active:
        raise DomainError(ErrorCode.ITEM_INACTIVE, "itemId")
    request = PartsRequest(id=request_id or new_id(), garage_id=actor.garage_id, job_id=job.id, item_id=item.id,
                           quantity=qty, returned_quantity=0, status=PartsRequestStatus.PENDING, note=clean_note,
                           requested_by_id=actor.user_id, version=1, created_at=utcnow())
    session.add(request)
    await session.flush()
    add_event(session, actor, job, JobEventKind.PARTS_REQUESTED, note=clean_note, data=_event_data(request))
    audit.record(session, actor, "PartsRequest", request.id, "create",
                 audit.created(request, ("job_id", "item_id", *AUDIT_FIELDS)))
    parts_changed(session, request.garage_id, request.id, request.status.value)
    await _follow_requests(session, actor, job)
    await session.flush()
    return request


async def approve_parts_request(session: AsyncSession, actor: Actor, request_id: object,
                                expected_version: int | None = None) -> PartsRequest:
    request, job = await _locked(session, actor, request_id)
    check_version(request, expected_version)
    if request.status != PartsRequestStatus.PENDING:
        raise _wrong_state(request)
    if job.status in CLOSED_JOB:
        raise DomainError(ErrorCode.JOB_NOT_WORKABLE, "id", status=job.status)
    before = audit.snapshot(request, AUDIT_FIELDS)
    request.status = PartsRequestStatus.APPROVED
    request.decided_by_id = actor.user_id
    request.decided_at = utcnow()
    # the parts are held on the site warehouse's shelf (as many as are there now; the rest is taken at issue)
    held = await inventory.reserve_for_request(session, actor, request.item_id, request.quantity,
                                               site_id=job.site_id, parts_request_id=request.id)
    if held < request.quantity:  # what no shelf has goes on a draft order to the preferred supplier
        from backend.purchasing import job_parts

        await job_parts.order_shortfall(session, actor, request, job)
    add_event(session, actor, job, JobEventKind.PARTS_APPROVED, data=_event_data(request))
    _changed(session, actor, request, "approve", before)
    await _follow_requests(session, actor, job)
    await session.flush()
    await notifications.notify_parts_request(session, request, job)
    return request


async def reject_parts_request(session: AsyncSession, actor: Actor, request_id: object, reason: str | None,
                               expected_version: int | None = None) -> PartsRequest:
    errors = Collector()
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_NOTE)
    if clean_reason is None and not errors.errors:
        errors.add(ErrorCode.REASON_REQUIRED, "reason")
    errors.raise_if_any()
    request, job = await _locked(session, actor, request_id)
    check_version(request, expected_version)
    if request.status != PartsRequestStatus.PENDING:
        raise _wrong_state(request)
    before = audit.snapshot(request, AUDIT_FIELDS)
    request.status = PartsRequestStatus.REJECTED
    request.reject_reason = clean_reason
    await inventory.release_reservation(session, actor, request.id)
    request.decided_by_id = actor.user_id
    request.decided_at = utcnow()
    add_event(session, actor, job, JobEventKind.PARTS_REJECTED, note=clean_reason, data=_event_data(request))
    _changed(session, actor, request, "reject", before)
    await _follow_requests(session, actor, job)
    await session.flush()
    await notifications.notify_parts_request(session, request, job)
    return request


async def issue_parts_request(session: AsyncSession, actor: Actor, request_id: object,
                              expected_version: int | None = None) -> PartsRequest:
    """Hand the approved parts over: stock leaves the shelf atomically (INSUFFICIENT_STOCK otherwise), and the
    request keeps the item's cost and sale price of this moment for billing and margins."""
    request, job = await _locked(session, actor, request_id)
    check_version(request, expected_version)
    if request.status != PartsRequestStatus.APPROVED:
        raise _wrong_state(request)
    if job.status in CLOSED_JOB:
        raise DomainError(ErrorCode.JOB_NOT_WORKABLE, "id", status=job.status)
    movement = await inventory.issue_to_job(session, actor, request.item_id, request.quantity, job_id=job.id,
                                            parts_request_id=request.id, site_id=job.site_id)
    item = await inventory.get_item(session, actor, request.item_id)
    before = audit.snapshot(request, AUDIT_FIELDS)
    request.status = PartsRequestStatus.ISSUED
    request.unit_cost = movement.unit_cost if movement.unit_cost is not None else item.cost_price
    request.unit_price = item.sale_price
    request.issued_by_id = actor.user_id
    request.issued_at = utcnow()
    from backend.purchasing import returns as purchasing_returns  # the old part may be owed to the supplier

    await purchasing_returns.open_core_for_issue(session, actor, item_id=request.item_id, quantity=request.quantity,
                                                 job_id=job.id, parts_request_id=request.id)
    add_event(session, actor, job, JobEventKind.PARTS_ISSUED, data=_event_data(request))
    _changed(session, actor, request, "issue", before)
    await _follow_requests(session, actor, job)
    await session.flush()
    await notifications.notify_parts_request(session, request, job)
    return request


async def complete_parts_request(session: AsyncSession, actor: Actor, request_id: object,
                                 expected_version: int | None = None) -> PartsRequest:
    """The issued parts are fitted."""
    request, job = await _locked(session, actor, request_id)
    check_version(request, expected_version)
    if request.status != PartsRequestStatus.ISSUED:
        raise _wrong_state(request)
    before = audit.snapshot(request, AUDIT_FIELDS)
    request.status = PartsRequestStatus.COMPLETED
    request.completed_at = utcnow()
    # the timeline has no kind of its own for "fitted": a note that says which request
    add_event(session, actor, job, JobEventKind.NOTE, data=_event_data(request, action="PARTS_COMPLETED"))
    _changed(session, actor, request, "complete", before)
    await _follow_requests(session, actor, job)
    await session.flush()
    return request


async def return_parts(session: AsyncSession, actor: Actor, request_id: object, quantity: object,
                       reason: str | None = None, expected_version: int | None = None) -> PartsRequest:
    """Unused parts go back on the shelf: at most what was issued and not yet returned."""
    errors = Collector()
    qty = _quantity(errors, quantity)
    clean_reason = v.text(errors, "reason", reason, max_len=MAX_NOTE)
    errors.raise_if_any()
    request, job = await _locked(session, actor, request_id)
    check_version(request, expected_version)
    if request.status not in (PartsRequestStatus.ISSUED, PartsRequestStatus.COMPLETED):
        raise _wrong_state(request)
    if qty > request.quantity - request.returned_quantity:
        raise DomainError(ErrorCode.INVALID_QUANTITY, "quantity")
    await inventory.return_from_job(session, actor, request.item_id, qty, job_id=job.id,
                                    parts_request_id=request.id, reason=clean_reason, site_id=job.site_id)
    before = audit.snapshot(request, AUDIT_FIELDS)
    request.returned_quantity += qty
    add_event(session, actor, job, JobEventKind.PARTS_RETURNED, note=clean_reason,
              data=_event_data(request, returned=qty))
    _changed(session, actor, request, "return", before)
    await _follow_requests(session, actor, job)
    await session.flush()
    return request


# ---------------------------------------------------------------------------------------------------- reads


async def get_parts_request(session: AsyncSession, actor: Actor, request_id: object,
                            field: str = "id") -> PartsRequest:
    """A request of the actor's garage (a technician: of their own job), read fresh."""
    rid = v.parse_id(request_id, field)
    request = (await session.execute(
        select(PartsRequest).where(PartsRequest.id == rid, PartsRequest.garage_id == actor.garage_id)
        .execution_options(populate_existing=True))).scalar_one_or_none()
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    await load_job(session, actor, request.job_id, field=field)
    return request


async def find_parts_request(session: AsyncSession, actor: Actor, request_id: object) -> PartsRequest | None:
    try:
        return await get_parts_request(session, actor, request_id)
    except DomainError:
        return None


async def list_parts_requests(session: AsyncSession, actor: Actor, job_id: object) -> list[PartsRequest]:
    job = await load_job(session, actor, job_id)
    return list((await session.execute(
        select(PartsRequest).where(PartsRequest.job_id == job.id, PartsRequest.garage_id == actor.garage_id)
        .order_by(PartsRequest.created_at, PartsRequest.id))).scalars())


async def pending_parts_requests(session: AsyncSession, actor: Actor, queue: str, *, limit: int = 50,
                                 after: tuple[str, str] | None = None) -> list[PartsRequest]:
    """A manager's queue, garage-wide, oldest first (`limit + 1` rows). A technician sees their own jobs' only."""
    status = QUEUES.get(getattr(queue, "value", queue))
    if status is None:
        raise DomainError(ErrorCode.INVALID_VALUE, "queue")
    query = select(PartsRequest).where(PartsRequest.garage_id == actor.garage_id, PartsRequest.status == status)
    if is_technician(actor):
        query = query.where(PartsRequest.job_id.in_(
            select(Job.id).where(Job.garage_id == actor.garage_id, Job.technician_id == actor.user_id)))
    if after is not None:
        try:
            at = dt.datetime.fromisoformat(after[0])
        except (TypeError, ValueError):
            raise DomainError(ErrorCode.INVALID_CURSOR, "after") from None
        last = v.try_parse_id(after[1])
        if last is None or at.tzinfo is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(or_(PartsRequest.created_at > at,
                                and_(PartsRequest.created_at == at, PartsRequest.id > last)))
    query = query.order_by(PartsRequest.created_at, PartsRequest.id).limit(limit + 1)
    return list((await session.execute(query)).scalars())


async def withdraw_for_cancelled_job(session: AsyncSession, actor: Actor, job: Job, reason: str) -> int:
    """A cancelled job needs no parts: its requests not yet issued are rejected with the cancel reason, so they
    leave the approval and issue queues. Issued parts stay issued (returnParts brings them back). Returns how many."""
    requests = list((await session.execute(
        select(PartsRequest).where(PartsRequest.garage_id == actor.garage_id, PartsRequest.job_id == job.id,
                                   PartsRequest.status.in_(OUTSTANDING)).with_for_update())).scalars())
    for request in requests:
        before = audit.snapshot(request, AUDIT_FIELDS)
        request.status = PartsRequestStatus.REJECTED
        request.reject_reason = reason
        await inventory.release_reservation(session, actor, request.id)
        request.decided_by_id = actor.user_id
        request.decided_at = utcnow()
        add_event(session, actor, job, JobEventKind.PARTS_REJECTED, note=reason, data=_event_data(request))
        _changed(session, actor, request, "withdraw", before)
    return len(requests)
