"""The week view (by bay or by technician) and the day's arrivals: a fixed number of statements, whatever the
number of appointments."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.scheduling.models import Allocation, Appointment, AppointmentStatus, Bay
from backend.scheduling.service.appointments import OPEN, is_technician
from backend.scheduling.service.common import garage_zone, in_range, load_site
from backend.workforce import intervals as iv


class CalendarBy(enum.Enum):
    BAY = "BAY"
    TECHNICIAN = "TECHNICIAN"


@dataclass
class CalendarRow:
    bay: Bay | None = None
    technician: User | None = None
    allocations: list[Allocation] = field(default_factory=list)


@dataclass
class WeekCalendar:
    site_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    days: list[dt.date]
    rows: list[CalendarRow]
    unallocated: list[Appointment]


async def week_calendar(session: AsyncSession, actor: Actor, site_id: object, week_start: object,
                        by: CalendarBy) -> WeekCalendar:
    """Seven local days from `week_start`: a row per active bay of the site (or per technician of the site and
    anyone allocated there), each with its allocations of the week; requested appointments not yet allocated on
    the side. A technician sees only their own row."""
    if not isinstance(week_start, dt.date) or isinstance(week_start, dt.datetime) or not in_range(week_start):
        raise DomainError(ErrorCode.INVALID_VALUE, "weekStart")
    site = await load_site(session, actor, site_id)
    zone = await garage_zone(session, actor.garage_id)
    start = iv.local(week_start, dt.time(0, 0), zone)
    end = iv.local(week_start + dt.timedelta(days=7), dt.time(0, 0), zone)
    query = select(Allocation).where(Allocation.garage_id == actor.garage_id, Allocation.site_id == site.id,
                                     Allocation.active.is_(True), Allocation.starts_at < end,
                                     Allocation.ends_at > start)
    technician = is_technician(actor)
    if technician:
        query = query.where(Allocation.technician_id == actor.user_id)
    allocations = list((await session.execute(query.order_by(Allocation.starts_at, Allocation.id))).scalars())
    grouped: dict[uuid.UUID, list[Allocation]] = defaultdict(list)
    rows: list[CalendarRow] = []
    if by == CalendarBy.BAY:
        for a in allocations:
            grouped[a.bay_id].append(a)
        bays = (await session.execute(select(Bay).where(Bay.garage_id == actor.garage_id, Bay.site_id == site.id)
                                      .order_by(Bay.name, Bay.id))).scalars()
        rows = [CalendarRow(bay=b, allocations=grouped.get(b.id, [])) for b in bays if b.active or b.id in grouped]
    else:
        for a in allocations:
            grouped[a.technician_id].append(a)
        users = select(User).where(User.garage_id == actor.garage_id, User.role == Role.TECHNICIAN)
        if technician:
            users = users.where(User.id == actor.user_id)
        techs = (await session.execute(users.order_by(User.name, User.id))).scalars()
        rows = [CalendarRow(technician=t, allocations=grouped.get(t.id, [])) for t in techs
                if t.id in grouped or (t.active and t.home_site_id in (None, site.id))]
    unallocated: list[Appointment] = []
    if not technician:
        allocated = select(Allocation.appointment_id).where(Allocation.garage_id == actor.garage_id)
        unallocated = list((await session.execute(select(Appointment).where(
            Appointment.garage_id == actor.garage_id, Appointment.site_id == site.id,
            Appointment.status == AppointmentStatus.REQUESTED, Appointment.requested_at >= start,
            Appointment.requested_at < end, Appointment.id.not_in(allocated))
            .order_by(Appointment.requested_at, Appointment.id))).scalars())
    days = [week_start + dt.timedelta(days=n) for n in range(7)]
    return WeekCalendar(site.id, start, end, days, rows, unallocated)


async def arrivals_today(session: AsyncSession, actor: Actor, site_id: object, *, now: dt.datetime | None = None
                         ) -> list[Appointment]:
    """The site's appointments due today (local day): confirmed or requested ones whose first allocation (or
    requested time) is today, and those already arrived today, in time order."""
    site = await load_site(session, actor, site_id)
    zone = await garage_zone(session, actor.garage_id)
    today = (now or utcnow()).astimezone(zone).date()
    start = iv.local(today, dt.time(0, 0), zone)
    end = iv.local(today + dt.timedelta(days=1), dt.time(0, 0), zone)
    first = (select(Allocation.appointment_id).where(
        Allocation.garage_id == actor.garage_id, Allocation.site_id == site.id,
        Allocation.starts_at >= start, Allocation.starts_at < end))
    query = select(Appointment).where(
        Appointment.garage_id == actor.garage_id, Appointment.site_id == site.id,
        Appointment.status.in_(OPEN + (AppointmentStatus.ARRIVED,)),
        (Appointment.id.in_(first)) | ((Appointment.requested_at >= start) & (Appointment.requested_at < end)))
    if is_technician(actor):
        query = query.where(Appointment.id.in_(select(Allocation.appointment_id).where(
            Allocation.technician_id == actor.user_id)))
    rows = list((await session.execute(query)).scalars())
    return sorted(rows, key=lambda a: (a.confirmed_at or a.requested_at or end, a.id))
