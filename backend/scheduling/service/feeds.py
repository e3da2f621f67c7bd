"""Calendar feeds (RFC 5545): a technician's or a site's appointments at a secret, revocable URL that Google
Calendar, Outlook and phones subscribe to.

The URL is /calendar/<token>.ics; the token (32 random bytes, base64url) is shown once when made, and only its
SHA-256 is stored, so the database alone opens no feed. A revoked or unknown token is the same 404.

Each appointment is one VEVENT per allocation in the feed's scope, UID `<appointment id>@<host>` (the second and
later allocations `<appointment id>-<n>@<host>`), so a calendar keeps the same event across a move; SEQUENCE is the
appointment's sequence (it grows with every change), and a cancelled or no-show appointment stays in the feed as
STATUS:CANCELLED so subscribers drop it. Times carry the garage's TZID with a VTIMEZONE made from the tz database:
Outlook needs a VTIMEZONE for any TZID it is given, Google Calendar reads the IANA TZID, and both then show the
local time the garage booked even across a change of summer time; UTC with X-WR-TIMEZONE would leave Outlook (which
ignores X-WR-TIMEZONE) without the garage's zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Site, User
from backend.core import audit
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.core.validate import parse_id
from backend.customers.models import Customer, Vehicle
from backend.scheduling.models import Allocation, Appointment, AppointmentStatus, CalendarFeed, FeedKind
from backend.scheduling.service.common import garage_zone, load_site

PAST_DAYS = 31
FUTURE_DAYS = 366


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


async def create_feed(session: AsyncSession, actor: Actor, kind: FeedKind, target_id: object
                      ) -> tuple[CalendarFeed, str]:
    """A new feed URL for a site or a technician. Returns the feed and its token (shown once)."""
    kind = FeedKind(getattr(kind, "value", kind))
    site_id = technician_id = None
    if kind == FeedKind.SITE:
        site_id = (await load_site(session, actor, target_id, "targetId")).id
    else:
        tid = parse_id(target_id, "targetId")
        tech = (await session.execute(select(User).where(
            User.id == tid, User.garage_id == actor.garage_id))).scalar_one_or_none()
        if tech is None:
            raise DomainError(ErrorCode.NOT_FOUND, "targetId")
        if tech.role != Role.TECHNICIAN:
            raise DomainError(ErrorCode.NOT_A_TECHNICIAN, "targetId")
        technician_id = tech.id
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(garage_id=actor.garage_id, kind=kind, site_id=site_id, technician_id=technician_id,
                        token_hash=token_hash(token), created_by_id=actor.user_id, created_at=utcnow())
    session.add(feed)
    await session.flush()
    audit.record(session, actor, "CalendarFeed", feed.id, "create",
                 audit.created(feed, ("kind", "site_id", "technician_id")))
    return feed, token


async def revoke_feed(session: AsyncSession, actor: Actor, feed_id: object) -> CalendarFeed:
    fid = parse_id(feed_id, "id")
    feed = (await session.execute(select(CalendarFeed).where(
        CalendarFeed.id == fid, CalendarFeed.garage_id == actor.garage_id))).scalar_one_or_none()
    if feed is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()
        audit.record(session, actor, "CalendarFeed", feed.id, "revoke")
        await session.flush()
    return feed


async def list_feeds(session: AsyncSession, actor: Actor) -> list[CalendarFeed]:
    return list((await session.execute(select(CalendarFeed).where(
        CalendarFeed.garage_id == actor.garage_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at, CalendarFeed.id))).scalars())


async def render_feed(session: AsyncSession, token: str, host: str, *, now: dt.datetime | None = None
                      ) -> bytes | None:
    """The feed's .ics, or None for a token that opens nothing (unknown or revoked)."""
    import icalendar

    if not token or len(token) > 100:
        return None
    feed = (await session.execute(select(CalendarFeed).where(
        CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)))).scalar_one_or_none()
    if feed is None:
        return None
    now = now or utcnow()
    zone = await garage_zone(session, feed.garage_id)
    start, end = now - dt.timedelta(days=PAST_DAYS), now + dt.timedelta(days=FUTURE_DAYS)
    query = select(Allocation).where(Allocation.garage_id == feed.garage_id, Allocation.starts_at < end,
                                     Allocation.ends_at > start)
    if feed.kind == FeedKind.SITE:
        query = query.where(Allocation.site_id == feed.site_id)
    else:
        query = query.where(Allocation.technician_id == feed.technician_id)
    allocations = list((await session.execute(query.order_by(Allocation.starts_at, Allocation.id))).scalars())
    ids = list({a.appointment_id for a in allocations})
    rows = (await session.execute(
        select(Appointment, Vehicle.registration, Customer.name, Site.name)
        .join(Vehicle, Vehicle.id == Appointment.vehicle_id).join(Site, Site.id == Appointment.site_id)
        .outerjoin(Customer, Customer.id == Appointment.customer_id)
        .where(Appointment.garage_id == feed.garage_id, Appointment.id.in_(ids)))).all() if ids else []
    appointments = {r[0].id: r for r in rows}
    techs = dict((await session.execute(select(User.id, User.name).where(
        User.id.in_({a.technician_id for a in allocations})))).all()) if allocations else {}
    # an appointment's allocations in time order, all of them, to number them the same in every feed
    numbering: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for a in sorted(allocations, key=lambda a: (a.starts_at, a.id)):
        numbering[a.appointment_id].append(a.id)

    cal = icalendar.Calendar()
    cal.add("prodid", "-//MotoTrack//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "MotoTrack")
    cal.add("x-wr-timezone", str(zone.key))
    for a in allocations:
        row = appointments.get(a.appointment_id)
        if row is None:
            continue
        appointment, registration, customer, site_name = row
        n = numbering[a.appointment_id].index(a.id)
        event = icalendar.Event()
        event.add("uid", f"{appointment.id}@{host}" if n == 0 else f"{appointment.id}-{n + 1}@{host}")
        event.add("dtstamp", appointment.updated_at or now)
        event.add("last-modified", appointment.updated_at or now)
        event.add("sequence", appointment.sequence)
        event.add("dtstart", a.starts_at.astimezone(zone))
        event.add("dtend", a.ends_at.astimezone(zone))
        services = ", ".join(s.get("nameEn") or "" for s in appointment.services or [])
        event.add("summary", " · ".join(x for x in (registration, customer, services) if x))
        event.add("location", site_name)
        lines = [f"{techs.get(a.technician_id, '')}"]
        if appointment.notes:
            lines.append(appointment.notes)
        event.add("description", "\n".join(lines))
        cancelled = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW) or not a.active
        event.add("status", "CANCELLED" if cancelled else
                  "TENTATIVE" if appointment.status == AppointmentStatus.REQUESTED else "CONFIRMED")
        cal.add_component(event)
    if allocations:
        cal.add_missing_timezones(first_date=(start - dt.timedelta(days=1)).date(),
                                  last_date=(end + dt.timedelta(days=1)).date())
    return cal.to_ical()
