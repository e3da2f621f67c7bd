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

from backend.accounts.models import Site, User
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


async def week_bounds(session: AsyncSession, actor: Actor, site_id: object, week_start: object
                      ) -> tuple[Site, dt.datetime, dt.datetime, list[dt.date]]:
    """The site and the week's [start, end) of seven local days from `week_start` (refused: not a date in range)."""
    if not isinstance(week_start, dt.date) or isinstance(week_start, dt.datetime) or not in_range(week_start):
        raise DomainError(ErrorCode.INVALID_VALUE, "weekStart")
    site = await load_site(session, actor, site_id)
    zone = await garage_zone(session, actor.garage_id)
    start = iv.local(week_start, dt.time(0, 0), zone)
    end = iv.local(week_start + dt.timedelta(days=7), dt.time(0, 0), zone)
    return site, start, end, [week_start + dt.timedelta(days=n) for n in range(7)]


# the week's statements, shared with the fast read path (backend/scheduling/fastpath.py): `actor` may be a bound
# actor there (garage_id, user_id and role as parameters), `site_id`, `start` and `end` values or bound parameters


def week_allocations_query(actor, site_id, start, end):
    """The site's active allocations overlapping [start, end) in time order (a technician: their own)."""
    query = select(Allocation).where(Allocation.garage_id == actor.garage_id, Allocation.site_id == site_id,
                                     Allocation.active.is_(True), Allocation.starts_at < end,
                                     Allocation.ends_at > start)
    if is_technician(actor):
        query = query.where(Allocation.technician_id == actor.user_id)
    return query.order_by(Allocation.starts_at, Allocation.id)


def week_bays_query(actor, site_id):
    """The site's bays by name (active ones, and inactive ones with allocations in the week, are shown)."""
    return select(Bay).where(Bay.garage_id == actor.garage_id, Bay.site_id == site_id).order_by(Bay.name, Bay.id)


def week_technicians_query(actor):
    """The garage's technicians by name (a technician: only themself); shown: active ones of the site or of no
    site, and anyone with allocations in the week."""
    users = select(User).where(User.garage_id == actor.garage_id, User.role == Role.TECHNICIAN)
    if is_technician(actor):
        users = users.where(User.id == actor.user_id)
    return users.order_by(User.name, User.id)


def week_unallocated_query(actor, site_id, start, end):
    """Requested appointments of the site in [start, end) with no allocation yet, in time order."""
    allocated = select(Allocation.appointment_id).where(Allocation.garage_id == actor.garage_id)
    return (select(Appointment).where(
        Appointment.garage_id == actor.garage_id, Appointment.site_id == site_id,
        Appointment.status == AppointmentStatus.REQUESTED, Appointment.requested_at >= start,
        Appointment.requested_at < end, Appointment.id.not_in(allocated))
        .order_by(Appointment.requested_at, Appointment.id))


def bay_shown(active: bool, bay_id, grouped) -> bool:
    return active or bay_id in grouped


def technician_shown(active: bool, home_site_id, user_id, site_id, grouped) -> bool:
    return user_id in grouped or (active and home_site_id in (None, site_id))


async def week_calendar(session: AsyncSession, actor: Actor, site_id: object, week_start: object,
                        by: CalendarBy) -> WeekCalendar:
    """Seven local days from `week_start`: a row per active bay of the site (or per technician of the site and
    anyone allocated there), each with its allocations of the week; requested appointments not yet allocated on
    the side. A technician sees only their own row."""
    site, start, end, days = await week_bounds(session, actor, site_id, week_start)
    allocations = list((await session.execute(week_allocations_query(actor, site.id, start, end))).scalars())
    grouped: dict[uuid.UUID, list[Allocation]] = defaultdict(list)
    rows: list[CalendarRow] = []
    if by == CalendarBy.BAY:
        for a in allocations:
            grouped[a.bay_id].append(a)
        bays = (await session.execute(week_bays_query(actor, site.id))).scalars()
        rows = [CalendarRow(bay=b, allocations=grouped.get(b.id, [])) for b in bays
                if bay_shown(b.active, b.id, grouped)]
    else:
        for a in allocations:
            grouped[a.technician_id].append(a)
        techs = (await session.execute(week_technicians_query(actor))).scalars()
        rows = [CalendarRow(technician=t, allocations=grouped.get(t.id, [])) for t in techs
                if technician_shown(t.active, t.home_site_id, t.id, site.id, grouped)]
    unallocated: list[Appointment] = []
    if not is_technician(actor):
        unallocated = list((await session.execute(week_unallocated_query(actor, site.id, start, end))).scalars())
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
