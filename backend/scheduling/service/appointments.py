"""Appointments and their allocations of time to a bay and a technician.

REQUESTED -> CONFIRMED -> ARRIVED (opens the job card) | NO_SHOW | CANCELLED (with a reason); REQUESTED may also
arrive, be cancelled or be a no-show. Booking, confirming or moving checks, in the same transaction, that no active
allocation of the same bay or technician overlaps (SQLite: writes begin IMMEDIATE, so bookings queue); on
PostgreSQL the exclusion constraints of migration 0017 catch a concurrent booking that passed the check at the same
moment, and its IntegrityError becomes the same BAY_BOOKED / TECHNICIAN_BOOKED error naming the appointment.
Moving keeps the appointment's id and bumps its `sequence` (the calendar feeds' SEQUENCE).

Working time: every allocation lies inside the site's opening hours (local time, not on a closed day) and inside
its technician's working time (backend.workforce.service.working_intervals: the weekly shift pattern minus breaks,
leave, sickness and training, plus overtime). Otherwise the booking or move is refused with SITE_CLOSED,
SITE_CLOSED_DAY or TECHNICIAN_NOT_WORKING (naming the technician and the first local moment outside their time).
The override: `outside_hours=True` skips these three checks (never the clash check) for a manager, i.e. an actor
with scheduling:manage (site manager, admin: whoever sets the opening hours may book past them, say a Saturday
favour); anyone else asking for it gets OUTSIDE_HOURS_NOT_ALLOWED and nothing changes. An override is audited as
`outsideHours` on the booking's audit entry.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import OperationsStream
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.ids import new_id
from backend.core.permissions import Permission, Role
from backend.core.validate import check_version, parse_id
from backend.customers.models import Customer, Vehicle
from backend.scheduling.models import Allocation, Appointment, AppointmentStatus, Bay, ClosedDay, OpeningHours
from backend.scheduling.service.common import (
    _UNSET,
    appointment_changed,
    aware,
    garage_zone,
    load_site,
    local_day_text,
    local_text,
    stream_of,
)
from backend.workshop.models import Job, TaskAction

MAX_ALLOCATIONS = 20
DEADLOCK_RETRIES = 6
MAX_SPAN_DAYS = 14
MAX_SERVICES = 30
MAX_TEXT = 2000
S = AppointmentStatus
OPEN = (S.REQUESTED, S.CONFIRMED)
AUDIT_FIELDS = ("status", "site_id", "customer_id", "vehicle_id", "stream", "estimated_hours", "requested_at",
                "confirmed_at", "notes", "status_reason", "sequence")


@dataclass
class AllocationInput:
    bay_id: object = _UNSET
    technician_id: object = _UNSET
    starts_at: object = _UNSET
    ends_at: object = _UNSET


@dataclass
class AppointmentInput:
    site_id: object = _UNSET
    vehicle_id: object = _UNSET
    customer_id: object = _UNSET
    stream: object = _UNSET
    service_ids: object = _UNSET
    requested_at: object = _UNSET
    notes: object = _UNSET
    allocations: list[AllocationInput] = field(default_factory=list)
    confirm: bool = False
    outside_hours: bool = False


def is_technician(actor: Actor) -> bool:
    return actor.role == Role.TECHNICIAN


# ---------------------------------------------------------------------------------------------------- checks


async def _services(session: AsyncSession, actor: Actor, errors: Collector, value: object
                    ) -> tuple[list[dict], Decimal, set[OperationsStream]]:
    if value in (None, _UNSET):
        return [], Decimal("0"), set()
    ids = []
    for raw in value if isinstance(value, (list, tuple)) else [None]:
        parsed = v.try_parse_id(raw)
        if parsed is None:
            errors.add(ErrorCode.NOT_FOUND, "serviceIds")
            return [], Decimal("0"), set()
        if parsed not in ids:
            ids.append(parsed)
    if len(ids) > MAX_SERVICES:
        errors.add(ErrorCode.INVALID_VALUE, "serviceIds")
        return [], Decimal("0"), set()
    if not ids:
        return [], Decimal("0"), set()
    actions = {a.id: a for a in (await session.execute(select(TaskAction).where(
        TaskAction.garage_id == actor.garage_id, TaskAction.id.in_(ids)))).scalars()}
    if len(actions) != len(ids) or not all(a.active for a in actions.values()):
        errors.add(ErrorCode.NOT_FOUND, "serviceIds")
        return [], Decimal("0"), set()
    services = [{"taskActionId": str(i), "nameEn": actions[i].name_en, "nameTh": actions[i].name_th,
                 "hours": str(actions[i].standard_hours)} for i in ids]
    total = sum((actions[i].standard_hours for i in ids), Decimal("0"))
    return services, total, {a.stream for a in actions.values()}


def _who(appointment: Appointment, names: dict) -> str:
    """The clashing appointment as reception knows it: customer (registration)."""
    customer, registration = names.get(appointment.id, (None, None))
    return f"{customer} ({registration})" if customer else (registration or str(appointment.id))


async def _appointment_names(session: AsyncSession, ids: list[uuid.UUID]) -> dict:
    if not ids:
        return {}
    rows = (await session.execute(
        select(Appointment.id, Customer.name, Vehicle.registration)
        .join(Vehicle, Vehicle.id == Appointment.vehicle_id)
        .outerjoin(Customer, Customer.id == Appointment.customer_id)
        .where(Appointment.id.in_(ids)))).all()
    return {r[0]: (r[1], r[2]) for r in rows}


async def _check_clashes(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID,
                         allocations: list[dict], bays: dict, techs: dict) -> None:
    """Refuse when an allocation overlaps another active one of the same bay or technician (half-open ranges)."""
    zone = await garage_zone(session, actor.garage_id)
    # within the request itself
    for i, a in enumerate(allocations):
        for b in allocations[i + 1:]:
            if a["starts_at"] < b["ends_at"] and b["starts_at"] < a["ends_at"]:
                if a["bay_id"] == b["bay_id"] or a["technician_id"] == b["technician_id"]:
                    raise DomainError(ErrorCode.INVALID_VALUE, "allocations")
    start = min(a["starts_at"] for a in allocations)
    end = max(a["ends_at"] for a in allocations)
    rows = (await session.execute(
        select(Allocation).where(
            Allocation.garage_id == actor.garage_id, Allocation.active.is_(True),
            Allocation.appointment_id != appointment_id,
            or_(Allocation.bay_id.in_({a["bay_id"] for a in allocations}),
                Allocation.technician_id.in_({a["technician_id"] for a in allocations})),
            Allocation.starts_at < end, Allocation.ends_at > start)
        .order_by(Allocation.starts_at).execution_options(populate_existing=True))).scalars().all()
    for a in allocations:
        for other in rows:
            if not (other.starts_at < a["ends_at"] and a["starts_at"] < other.ends_at):
                continue
            names = await _appointment_names(session, [other.appointment_id])
            who = _who(Appointment(id=other.appointment_id), names)
            when = {"start": local_text(other.starts_at, zone),
                    "end": local_text(other.ends_at, zone, same_day_as=other.starts_at),
                    "appointment": who}
            if other.bay_id == a["bay_id"]:
                raise DomainError(ErrorCode.BAY_BOOKED, "allocations", bay=bays[a["bay_id"]].name, **when)
            raise DomainError(ErrorCode.TECHNICIAN_BOOKED, "allocations",
                              technician=techs[a["technician_id"]].name, **when)


async def _check_open(session: AsyncSession, actor: Actor, site_id: uuid.UUID, allocations: list[dict]) -> None:
    """Every allocation within the site's opening hours (local time) and on no closed day."""
    zone = await garage_zone(session, actor.garage_id)
    hours = (await session.execute(select(OpeningHours).where(
        OpeningHours.garage_id == actor.garage_id, OpeningHours.site_id == site_id))).scalars().all()
    first = min(a["starts_at"] for a in allocations).astimezone(zone).date()
    last = max(a["ends_at"] for a in allocations).astimezone(zone).date()
    closed = {c.day: c.name for c in (await session.execute(select(ClosedDay).where(
        ClosedDay.garage_id == actor.garage_id, ClosedDay.site_id == site_id, ClosedDay.day >= first,
        ClosedDay.day <= last))).scalars()}
    from backend.scheduling.service.availability import opening_intervals

    for a in allocations:
        local_start = a["starts_at"].astimezone(zone)
        last_moment = a["ends_at"] - dt.timedelta(microseconds=1)  # ending at midnight is not the next day
        for day in (local_start.date(), last_moment.astimezone(zone).date()):
            if day in closed:
                raise DomainError(ErrorCode.SITE_CLOSED_DAY, "allocations", day=local_day_text(day), name=closed[day])
        intervals = opening_intervals(hours, {}, zone, a["starts_at"] - dt.timedelta(days=1),
                                      a["ends_at"] + dt.timedelta(days=1))
        if not any(s <= a["starts_at"] and a["ends_at"] <= e for s, e in intervals):
            bad = a["starts_at"]
            for s, e in intervals:
                if s <= bad < e:
                    bad = e  # the first moment past the range it starts in
            raise DomainError(ErrorCode.SITE_CLOSED, "allocations", time=local_text(bad, zone))


async def _check_working(session: AsyncSession, actor: Actor, allocations: list[dict], techs: dict) -> None:
    """Every allocation within its technician's working time (shift pattern minus leave, plus overtime)."""
    from backend.workforce import service as workforce

    zone = await garage_zone(session, actor.garage_id)
    start = min(a["starts_at"] for a in allocations)
    end = max(a["ends_at"] for a in allocations)
    tech_ids = list({a["technician_id"] for a in allocations})
    working = await workforce.working_intervals(session, actor.garage_id, tech_ids, start, end)
    for a in allocations:
        mine = working.get(a["technician_id"], [])
        if any(s <= a["starts_at"] and a["ends_at"] <= e for s, e in mine):
            continue
        bad = a["starts_at"]
        for s, e in mine:
            if s <= bad < e:
                bad = e  # the first moment past the working time it starts in
        raise DomainError(ErrorCode.TECHNICIAN_NOT_WORKING, "allocations",
                          technician=techs[a["technician_id"]].name, time=local_text(bad, zone))


def check_override(actor: Actor, outside_hours: object) -> bool:
    """The override of the working-time checks, for a manager only (see the module's docstring)."""
    if outside_hours is not True:
        return False
    if not actor.can(Permission.SCHEDULING_MANAGE):
        raise DomainError(ErrorCode.OUTSIDE_HOURS_NOT_ALLOWED, "outsideHours")
    return True


async def _allocations(session: AsyncSession, actor: Actor, site_id: uuid.UUID, stream: OperationsStream,
                       items: list[AllocationInput]) -> tuple[list[dict], dict, dict]:
    if len(items) > MAX_ALLOCATIONS:
        raise DomainError(ErrorCode.INVALID_VALUE, "allocations")
    errors = Collector()
    parsed = []
    for n, item in enumerate(items):
        prefix = f"allocations.{n}"
        bay_id = v.try_parse_id(item.bay_id)
        tech_id = v.try_parse_id(item.technician_id)
        starts = aware(errors, f"{prefix}.startsAt", item.starts_at, required=True)
        ends = aware(errors, f"{prefix}.endsAt", item.ends_at, required=True)
        if bay_id is None:
            errors.add(ErrorCode.NOT_FOUND, f"{prefix}.bayId")
        if tech_id is None:
            errors.add(ErrorCode.NOT_FOUND, f"{prefix}.technicianId")
        if starts and ends and not (starts < ends <= starts + dt.timedelta(days=MAX_SPAN_DAYS)):
            errors.add(ErrorCode.ALLOCATION_ENDS_BEFORE_START, f"{prefix}.endsAt", days=MAX_SPAN_DAYS)
        parsed.append({"bay_id": bay_id, "technician_id": tech_id, "starts_at": starts, "ends_at": ends})
    errors.raise_if_any()
    bays = {b.id: b for b in (await session.execute(select(Bay).where(
        Bay.garage_id == actor.garage_id, Bay.id.in_({p["bay_id"] for p in parsed})))).scalars()}
    techs = {u.id: u for u in (await session.execute(select(User).where(
        User.garage_id == actor.garage_id, User.id.in_({p["technician_id"] for p in parsed})))).scalars()}
    for n, p in enumerate(parsed):
        prefix = f"allocations.{n}"
        bay = bays.get(p["bay_id"])
        if bay is None or bay.site_id != site_id:
            errors.add(ErrorCode.NOT_FOUND, f"{prefix}.bayId")
        elif not bay.active:
            errors.add(ErrorCode.BAY_INACTIVE, f"{prefix}.bayId", bay=bay.name)
        elif stream.value not in (bay.streams or []):
            errors.add(ErrorCode.BAY_WRONG_STREAM, f"{prefix}.bayId", bay=bay.name, stream=stream)
        tech = techs.get(p["technician_id"])
        if tech is None:
            errors.add(ErrorCode.NOT_FOUND, f"{prefix}.technicianId")
        elif tech.role != Role.TECHNICIAN:
            errors.add(ErrorCode.NOT_A_TECHNICIAN, f"{prefix}.technicianId")
        elif not tech.active:
            errors.add(ErrorCode.TECHNICIAN_NOT_ACTIVE, f"{prefix}.technicianId")
        elif stream.value not in (tech.streams or []):
            errors.add(ErrorCode.WRONG_STREAM, f"{prefix}.technicianId", stream=stream)
    errors.raise_if_any()
    return parsed, bays, techs


async def _write_allocations(session: AsyncSession, actor: Actor, appointment: Appointment,
                             allocations: list[dict], bays: dict, techs: dict, *, outside_hours: bool = False) -> None:
    """Replace the appointment's allocations, after the working-time checks (unless overridden) and the clash check;
    a concurrent clash caught by PostgreSQL's exclusion constraint is named the same way, and leaves nothing behind
    (savepoint)."""
    if allocations:
        if not outside_hours:
            await _check_open(session, actor, appointment.site_id, allocations)
            await _check_working(session, actor, allocations, techs)
        await _check_clashes(session, actor, appointment.id, allocations, bays, techs)
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            async with session.begin_nested():
                await session.execute(delete(Allocation).where(Allocation.appointment_id == appointment.id)
                                      .execution_options(synchronize_session=False))
                for a in allocations:
                    session.add(Allocation(garage_id=actor.garage_id, site_id=appointment.site_id,
                                           appointment_id=appointment.id, active=True, **a))
                await session.flush()
            return
        except IntegrityError:
            # another transaction booked the same bay or technician between our check and our insert: it has
            # committed (the constraint waited for it), so the check now sees and names it
            await _check_clashes(session, actor, appointment.id, allocations, bays, techs)
            raise DomainError(ErrorCode.CONFLICT, "allocations") from None
        except DBAPIError as exc:
            # two bookings each waiting on the other's uncommitted row, one through the bay's constraint and one
            # through the technician's: PostgreSQL ends one statement as the deadlock's victim. Its savepoint is
            # gone with it; inserting again now waits for the other booking, and meets its row if it commits.
            if not _deadlock(exc):
                raise
            if attempt == DEADLOCK_RETRIES:  # still tangled: whoever holds the time has it now, or soon
                await _check_clashes(session, actor, appointment.id, allocations, bays, techs)
                raise DomainError(ErrorCode.CONFLICT, "allocations") from None
            # both victims retrying at once would meet again: a short random pause lets the other one commit
            await asyncio.sleep(random.uniform(0.01, 0.05) * (attempt + 1))


def _deadlock(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "40P01" or "deadlock detected" in str(exc.orig)


# ---------------------------------------------------------------------------------------------------- writes


async def load_appointment(session: AsyncSession, actor: Actor, appointment_id: object, *, for_update: bool = False,
                           field: str = "id") -> Appointment:
    aid = parse_id(appointment_id, field)
    query = select(Appointment).where(Appointment.id == aid, Appointment.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    appointment = (await session.execute(query)).scalar_one_or_none()
    if appointment is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    if is_technician(actor) and not await _allocated_to(session, appointment.id, actor.user_id):
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return appointment


async def _allocated_to(session: AsyncSession, appointment_id: uuid.UUID, user_id: uuid.UUID | None) -> bool:
    return (await session.execute(select(Allocation.id).where(
        Allocation.appointment_id == appointment_id, Allocation.technician_id == user_id).limit(1))).first() is not None


async def create_appointment(session: AsyncSession, actor: Actor, data: AppointmentInput,
                             appointment_id: uuid.UUID | None = None) -> Appointment:
    errors = Collector()
    site = None
    if data.site_id in (None, _UNSET):
        errors.add(ErrorCode.REQUIRED, "siteId")
    else:
        try:
            site = await load_site(session, actor, data.site_id)
        except DomainError as exc:
            errors.errors.append(exc)
    vehicle = None
    vid = v.try_parse_id(data.vehicle_id) if data.vehicle_id not in (None, _UNSET) else None
    if data.vehicle_id in (None, _UNSET):
        errors.add(ErrorCode.REQUIRED, "vehicleId")
    elif vid is not None:
        vehicle = (await session.execute(select(Vehicle).where(
            Vehicle.id == vid, Vehicle.garage_id == actor.garage_id))).scalar_one_or_none()
    if data.vehicle_id not in (None, _UNSET) and vehicle is None:
        errors.add(ErrorCode.NOT_FOUND, "vehicleId")
    customer_id = vehicle.owner_id if vehicle is not None else None
    if data.customer_id not in (None, _UNSET):
        cid = v.try_parse_id(data.customer_id)
        customer = None if cid is None else (await session.execute(select(Customer.id).where(
            Customer.id == cid, Customer.garage_id == actor.garage_id))).first()
        if customer is None:
            errors.add(ErrorCode.NOT_FOUND, "customerId")
        customer_id = cid
    services, hours, streams = await _services(session, actor, errors, data.service_ids)
    stream = stream_of(errors, "stream", data.stream, required=False)
    if stream is None and data.stream in (None, _UNSET):
        if len(streams) == 1:
            stream = next(iter(streams))
        else:
            errors.add(ErrorCode.REQUIRED, "stream")
    requested_at = aware(errors, "requestedAt", data.requested_at)
    notes = v.text(errors, "notes", data.notes if isinstance(data.notes, str) else None, max_len=MAX_TEXT)
    errors.raise_if_any()
    if data.confirm and not data.allocations:
        raise DomainError(ErrorCode.REQUIRED, "allocations")
    outside_hours = check_override(actor, data.outside_hours)
    allocations, bays, techs = await _allocations(session, actor, site.id, stream, data.allocations)
    await v.ensure_new_id(session, Appointment, appointment_id)
    status = S.CONFIRMED if data.confirm else S.REQUESTED
    appointment = Appointment(
        id=appointment_id or new_id(), garage_id=actor.garage_id, site_id=site.id, customer_id=customer_id,
        vehicle_id=vehicle.id, stream=stream, services=services, estimated_hours=hours,
        requested_at=requested_at or (min(a["starts_at"] for a in allocations) if allocations else None),
        confirmed_at=min(a["starts_at"] for a in allocations) if allocations and data.confirm else None,
        notes=notes, status=status, created_by_id=actor.user_id, sequence=0, version=1)
    session.add(appointment)
    await session.flush()
    await _write_allocations(session, actor, appointment, allocations, bays, techs, outside_hours=outside_hours)
    changes = audit.created(appointment, AUDIT_FIELDS)
    if outside_hours:
        changes["outsideHours"] = {"before": None, "after": True}
    audit.record(session, actor, "Appointment", appointment.id, "create", changes)
    appointment_changed(session, appointment)
    _webhook(session, appointment, "appointment.booked", "create")
    return appointment


def _bump(session: AsyncSession, actor: Actor, appointment: Appointment, before: dict, action: str,
          extra: dict | None = None) -> None:
    appointment.version += 1
    appointment.sequence += 1
    appointment.updated_at = utcnow()
    audit.record(session, actor, "Appointment", appointment.id, action,
                 {**audit.diff(before, audit.snapshot(appointment, AUDIT_FIELDS)), **(extra or {})})
    appointment_changed(session, appointment)
    _webhook(session, appointment, "appointment.changed", action)


def _webhook(session: AsyncSession, appointment: Appointment, event: str, action: str) -> None:
    """The garage's webhook endpoints hear of it once this transaction commits (backend/integrations/webhooks)."""
    from backend.integrations.webhooks.outbox import enqueue_event

    enqueue_event(session, appointment.garage_id, event, {
        "appointmentId": str(appointment.id), "action": action, "status": appointment.status.value,
        "siteId": str(appointment.site_id), "vehicleId": str(appointment.vehicle_id),
        "customerId": str(appointment.customer_id) if appointment.customer_id else None,
        "stream": appointment.stream.value, "estimatedHours": str(appointment.estimated_hours),
        "requestedAt": appointment.requested_at.isoformat() if appointment.requested_at else None,
        "version": appointment.version, "sequence": appointment.sequence})


async def move_appointment(session: AsyncSession, actor: Actor, appointment_id: object,
                           allocations: list[AllocationInput], *, confirm: bool = False,
                           expected_version: int | None = None, outside_hours: object = False) -> Appointment:
    """New allocations (a move, a reschedule, a first booking of a request): same id, sequence + 1. With `confirm`
    a REQUESTED appointment becomes CONFIRMED. A clash, or time outside the opening hours or the technician's
    working time (without a manager's `outside_hours`), changes nothing."""
    override = check_override(actor, outside_hours)
    appointment = await load_appointment(session, actor, appointment_id, for_update=True)
    check_version(appointment, expected_version)
    if appointment.status not in OPEN:
        raise DomainError(ErrorCode.INVALID_APPOINTMENT_STATE, "status", status=appointment.status)
    if not allocations and (confirm or appointment.status == S.CONFIRMED):
        raise DomainError(ErrorCode.REQUIRED, "allocations")
    parsed, bays, techs = await _allocations(session, actor, appointment.site_id, appointment.stream, allocations)
    before = audit.snapshot(appointment, AUDIT_FIELDS)
    await _write_allocations(session, actor, appointment, parsed, bays, techs, outside_hours=override)
    if confirm:
        appointment.status = S.CONFIRMED
    if appointment.status == S.CONFIRMED:
        appointment.confirmed_at = min(a["starts_at"] for a in parsed)
    _bump(session, actor, appointment, before, "move" if not confirm else "confirm",
          extra={"outsideHours": {"before": None, "after": True}} if override else None)
    await session.flush()
    return appointment


async def update_appointment(session: AsyncSession, actor: Actor, appointment_id: object, *, notes: object = _UNSET,
                             service_ids: object = _UNSET, expected_version: int | None = None) -> Appointment:
    appointment = await load_appointment(session, actor, appointment_id, for_update=True)
    check_version(appointment, expected_version)
    if appointment.status not in OPEN:
        raise DomainError(ErrorCode.INVALID_APPOINTMENT_STATE, "status", status=appointment.status)
    errors = Collector()
    before = audit.snapshot(appointment, AUDIT_FIELDS)
    if notes is not _UNSET:
        appointment.notes = v.text(errors, "notes", notes if isinstance(notes, str) else None, max_len=MAX_TEXT)
    if service_ids is not _UNSET:
        services, hours, streams = await _services(session, actor, errors, service_ids)
        if streams and streams != {appointment.stream}:
            errors.add(ErrorCode.WRONG_STREAM, "serviceIds", stream=appointment.stream)
        appointment.services, appointment.estimated_hours = services, hours
    errors.raise_if_any()
    _bump(session, actor, appointment, before, "update")
    await session.flush()
    return appointment


async def _end(session: AsyncSession, actor: Actor, appointment_id: object, to: AppointmentStatus, reason: object,
               expected_version: int | None) -> Appointment:
    appointment = await load_appointment(session, actor, appointment_id, for_update=True)
    check_version(appointment, expected_version)
    if appointment.status not in OPEN:
        raise DomainError(ErrorCode.INVALID_APPOINTMENT_STATE, "status", status=appointment.status)
    errors = Collector()
    text = v.text(errors, "reason", reason if isinstance(reason, str) else None, max_len=MAX_TEXT)
    errors.raise_if_any()
    if text is None:
        raise DomainError(ErrorCode.REASON_REQUIRED, "reason")
    before = audit.snapshot(appointment, AUDIT_FIELDS)
    appointment.status = to
    appointment.status_reason = text
    if to == S.CANCELLED:
        appointment.cancelled_at = utcnow()
    # the time is free again: the exclusion constraints (and the check) look at active allocations only
    await session.execute(update(Allocation).where(Allocation.appointment_id == appointment.id)
                          .values(active=False).execution_options(synchronize_session=False))
    _bump(session, actor, appointment, before, f"status:{to.value}")
    await session.flush()
    return appointment


async def cancel_appointment(session: AsyncSession, actor: Actor, appointment_id: object, reason: object,
                             expected_version: int | None = None) -> Appointment:
    return await _end(session, actor, appointment_id, S.CANCELLED, reason, expected_version)


async def mark_no_show(session: AsyncSession, actor: Actor, appointment_id: object, reason: object,
                       expected_version: int | None = None) -> Appointment:
    return await _end(session, actor, appointment_id, S.NO_SHOW, reason, expected_version)


async def mark_arrived(session: AsyncSession, actor: Actor, appointment_id: object, *, mileage: object = None,
                       expected_version: int | None = None) -> tuple[Appointment, Job]:
    """The customer is here: the job card opens from the appointment (site, vehicle, its owner, stream, revenue
    SCHEDULED, the notes as the issues reported, the booked services as open tasks, the technician of the first
    allocation) and remembers it."""
    from backend.workshop.service import jobs as jobs_service
    from backend.workshop.service import tasks as tasks_service

    appointment = await load_appointment(session, actor, appointment_id, for_update=True)
    check_version(appointment, expected_version)
    if appointment.status not in OPEN:
        raise DomainError(ErrorCode.INVALID_APPOINTMENT_STATE, "status", status=appointment.status)
    try:
        job = await jobs_service.create_job(session, actor, jobs_service.CreateJobData(
            site_id=appointment.site_id, vehicle_id=appointment.vehicle_id,
            operations_stream=appointment.stream, revenue_stream="SCHEDULED",
            issues_reported=appointment.notes, mileage=mileage))
    except (DomainError, DomainErrors) as exc:
        raise exc from None
    job.appointment_id = appointment.id
    if appointment.customer_id is not None:
        job.customer_id = appointment.customer_id
    await tasks_service.add_planned_tasks(session, actor, job,
                                          [uuid.UUID(s["taskActionId"]) for s in appointment.services])
    first = (await session.execute(select(Allocation).where(Allocation.appointment_id == appointment.id)
                                   .order_by(Allocation.starts_at).limit(1))).scalar_one_or_none()
    if first is not None:
        try:
            async with session.begin_nested():
                job = await jobs_service.assign_job(session, actor, job.id, first.technician_id)
        except (DomainError, DomainErrors):
            pass  # the technician left or changed streams since the booking: the job waits, unassigned, at reception
    before = audit.snapshot(appointment, AUDIT_FIELDS)
    appointment.status = S.ARRIVED
    appointment.arrived_at = utcnow()
    _bump(session, actor, appointment, before, "status:ARRIVED")
    await session.flush()
    return appointment, job


# ---------------------------------------------------------------------------------------------------- reads


async def job_of(session: AsyncSession, actor: Actor, appointment_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not appointment_ids:
        return {}
    rows = (await session.execute(select(Job.appointment_id, Job.id).where(
        Job.garage_id == actor.garage_id, Job.appointment_id.in_(appointment_ids)))).all()
    return {r[0]: r[1] for r in rows}
