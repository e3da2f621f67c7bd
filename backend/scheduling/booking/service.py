"""Self-booking: the customer books, confirms, moves or cancels a visit from a booking link.

Links (same security model as the portal's: backend/portal/tokens.py). A booking link is scoped to one customer's
vehicle at one site; only the SHA-256 of its token is stored, the token itself is HMAC(secret, nonce), made again
when a message carries it. A link rides in the URL's fragment (/b/#<token>), which no server log sees. It expires
`link_days` (a garage setting, default 30) after it was made, or one day after its appointment, whichever is later;
staff revoke it (`revoke_link`). Links are made:
- for a reminder, when its message is sent (`for_reminder`: one per reminder);
- from the portal of a job ("book your next visit": `for_job`, one per job);
- for an appointment's day-before message when it has none (`for_appointment`).

Rules.
- The garage marks catalog task actions bookable (`BookingSettings.bookable_action_ids`); the customer picks one or
  more of one operations stream; their standard hours are the length of the visit.
- Mode INSTANT: the customer picks a free slot (scheduling's availableSlots) and the appointment is CONFIRMED at
  once, with the slot's technician and bay. Mode REQUEST: the customer asks for a time (a free slot or any time the
  site is open, in the future) and the appointment is REQUESTED; reception confirms it.
- A booking is confirmed with the customer's name and a one-time code sent to their channel on file, with their
  consent (as the portal's quote decisions: 6 digits, 10 minutes, 5 attempts).
- Moving and cancelling from the link: only open appointments (REQUESTED, CONFIRMED), only until the cut-off
  (`cutoff_hours` before the appointment's time, default 2 h: a garage setting); a move goes to a free slot only
  (the same clash rules as reception's: scheduling's move_appointment). Confirming ("I will be there") is kept on
  the link.
- The reminder that carried the link becomes BOOKED (with the other channel's twin for the same due date).
- Every operation is audited on the link (entity BookingLink, actor "portal:<link id>"), never the token. Each
  booking, move or cancellation sends a message (confirmed / requested / cancelled) through the outbox, on the
  customer's channel, with their consent, carrying the link; the day before, a reminder with the same link.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.ids import new_id
from backend.core.permissions import PORTAL_PERMISSIONS
from backend.portal import tokens
from backend.scheduling.booking.models import (
    DEFAULT_CUTOFF_HOURS,
    DEFAULT_LINK_DAYS,
    BookingCode,
    BookingLink,
    BookingMode,
    BookingSettings,
)
from backend.scheduling.models import Allocation, Appointment, AppointmentStatus

BOOKING_PATH = "/b/"
CODE_TTL = dt.timedelta(minutes=10)
MAX_NAME = 200
MAX_NOTE = 1000
MAX_CUTOFF_HOURS = 72
MIN_LINK_DAYS, MAX_LINK_DAYS = 1, 365
SEARCH_DAYS = 14
MAX_SLOTS = 24
CHANNELS = ("SMS", "EMAIL")
S = AppointmentStatus
OPEN = (S.REQUESTED, S.CONFIRMED)


# ------------------------------------------------------------------------------------------------ settings


@dataclasses.dataclass
class Settings:
    mode: BookingMode
    cutoff_hours: int
    link_days: int
    bookable_action_ids: list[uuid.UUID]
    version: int


async def get_settings(session: AsyncSession, garage_id: uuid.UUID) -> Settings:
    row = await session.get(BookingSettings, garage_id)
    if row is None:
        return Settings(BookingMode.INSTANT, DEFAULT_CUTOFF_HOURS, DEFAULT_LINK_DAYS, [], 0)
    return Settings(row.mode, row.cutoff_hours, row.link_days,
                    [uuid.UUID(x) for x in row.bookable_action_ids or []], row.version)


async def update_settings(session: AsyncSession, actor: Actor, *, mode: object = None, cutoff_hours: object = None,
                          link_days: object = None, bookable_service_ids: object = None,
                          expected_version: int | None = None) -> Settings:
    """The garage's booking settings; bad input changes nothing (every field is checked before any is set)."""
    from backend.workshop.models import TaskAction

    row = await session.get(BookingSettings, actor.garage_id, with_for_update=True)
    current = await get_settings(session, actor.garage_id)
    if expected_version is not None and expected_version != current.version:
        raise DomainError(ErrorCode.CONFLICT, "expectedVersion")
    errors = Collector()
    new_mode = current.mode
    if mode is not None:
        try:
            new_mode = BookingMode(getattr(mode, "value", mode))
        except ValueError:
            errors.add(ErrorCode.INVALID_VALUE, "mode")
    new_cutoff = current.cutoff_hours
    if cutoff_hours is not None:
        if isinstance(cutoff_hours, bool) or not isinstance(cutoff_hours, int) or not 0 <= cutoff_hours <= MAX_CUTOFF_HOURS:
            errors.add(ErrorCode.INVALID_VALUE, "cutoffHours")
        else:
            new_cutoff = cutoff_hours
    new_days = current.link_days
    if link_days is not None:
        if isinstance(link_days, bool) or not isinstance(link_days, int) or not MIN_LINK_DAYS <= link_days <= MAX_LINK_DAYS:
            errors.add(ErrorCode.INVALID_LINK_DAYS, "linkDays", min=MIN_LINK_DAYS, max=MAX_LINK_DAYS)
        else:
            new_days = link_days
    new_ids = current.bookable_action_ids
    if bookable_service_ids is not None:
        ids = []
        for index, raw in enumerate(bookable_service_ids if isinstance(bookable_service_ids, (list, tuple)) else [None]):
            parsed = v.try_parse_id(raw)
            if parsed is None:
                errors.add(ErrorCode.NOT_FOUND, f"bookableServiceIds.{index}")
            elif parsed not in ids:
                ids.append(parsed)
        if ids and not errors.errors:
            found = set((await session.execute(select(TaskAction.id).where(
                TaskAction.garage_id == actor.garage_id, TaskAction.id.in_(ids),
                TaskAction.active.is_(True)))).scalars())
            for index, ident in enumerate(ids):
                if ident not in found:
                    errors.add(ErrorCode.NOT_FOUND, f"bookableServiceIds.{index}")
        new_ids = ids
    errors.raise_if_any()
    values = {"mode": new_mode, "cutoff_hours": new_cutoff, "link_days": new_days,
              "bookable_action_ids": [str(i) for i in new_ids]}
    before = {"mode": current.mode.value, "cutoff_hours": current.cutoff_hours, "link_days": current.link_days,
              "bookable_action_ids": [str(i) for i in current.bookable_action_ids]}
    if row is None:
        row = BookingSettings(garage_id=actor.garage_id, version=1, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.version += 1
    after = {**values, "mode": new_mode.value}
    audit.record(session, actor, "BookingSettings", actor.garage_id, "update",
                 {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]})
    await session.flush()
    return await get_settings(session, actor.garage_id)


async def bookable_services(session: AsyncSession, garage_id: uuid.UUID, settings: Settings | None = None) -> list:
    """The catalog actions the garage offers, as the customer sees them (active ones, in the garage's order)."""
    from backend.workshop.models import TaskAction

    settings = settings or await get_settings(session, garage_id)
    if not settings.bookable_action_ids:
        return []
    rows = {a.id: a for a in (await session.execute(select(TaskAction).where(
        TaskAction.garage_id == garage_id, TaskAction.id.in_(settings.bookable_action_ids),
        TaskAction.active.is_(True)))).scalars()}
    return [rows[i] for i in settings.bookable_action_ids if i in rows]


# ------------------------------------------------------------------------------------------------ links


def booking_url(settings, link: BookingLink) -> str:
    """/b/#<token> on the garage's host; sets the token's hash on first use (the caller's transaction keeps it)."""
    from backend.notifications.shortlinks import base_url

    token = tokens.token_for(link.nonce, settings.secret_key)
    if link.token_hash is None:
        link.token_hash = tokens.token_hash(token)
    return f"{base_url(settings)}{BOOKING_PATH}#{token}"


def token_of(settings, link: BookingLink) -> str:
    return tokens.token_for(link.nonce, settings.secret_key)


async def _site_for(session: AsyncSession, garage_id: uuid.UUID, vehicle_id: uuid.UUID) -> uuid.UUID | None:
    """The site the vehicle last visited, else the garage's first site."""
    from backend.accounts.models import Site
    from backend.workshop.models import Job

    last = (await session.execute(select(Job.site_id).where(Job.garage_id == garage_id, Job.vehicle_id == vehicle_id)
                                  .order_by(Job.created_at.desc()).limit(1))).scalar_one_or_none()
    if last is not None:
        return last
    return (await session.execute(select(Site.id).where(Site.garage_id == garage_id)
                                  .order_by(Site.created_at, Site.id).limit(1))).scalar_one_or_none()


async def _new_link(session: AsyncSession, garage_id: uuid.UUID, customer_id: uuid.UUID, vehicle_id: uuid.UUID,
                    site_id: uuid.UUID, **origin) -> BookingLink:
    days = (await get_settings(session, garage_id)).link_days
    now = utcnow()
    link = BookingLink(id=new_id(), garage_id=garage_id, customer_id=customer_id, vehicle_id=vehicle_id,
                       site_id=site_id, nonce=tokens.new_nonce(), created_at=now,
                       expires_at=now + dt.timedelta(days=days), **origin)
    session.add(link)
    await session.flush()
    return link


def _live(query):
    return query.where(BookingLink.revoked_at.is_(None)).order_by(BookingLink.created_at.desc()).limit(1)


async def for_reminder(session: AsyncSession, reminder) -> BookingLink | None:
    """The booking link of a reminder (made the first time its message is sent); None without a customer or site."""
    if reminder.customer_id is None:
        return None
    link = (await session.execute(_live(select(BookingLink).where(
        BookingLink.garage_id == reminder.garage_id, BookingLink.reminder_id == reminder.id)))).scalar_one_or_none()
    if link is not None:
        return link
    site_id = await _site_for(session, reminder.garage_id, reminder.vehicle_id)
    if site_id is None:
        return None
    return await _new_link(session, reminder.garage_id, reminder.customer_id, reminder.vehicle_id, site_id,
                           reminder_id=reminder.id)


async def for_job(session: AsyncSession, job) -> BookingLink | None:
    """The booking link a job's portal offers ("book your next visit"): one per job."""
    if job.customer_id is None:
        return None
    link = (await session.execute(_live(select(BookingLink).where(
        BookingLink.garage_id == job.garage_id, BookingLink.job_id == job.id)))).scalar_one_or_none()
    if link is not None and link.expires_at > utcnow():
        return link
    return await _new_link(session, job.garage_id, job.customer_id, job.vehicle_id, job.site_id, job_id=job.id)


async def for_appointment(session: AsyncSession, appointment: Appointment) -> BookingLink | None:
    """The link an appointment's messages carry: the one it was booked through, else one made for it."""
    if appointment.customer_id is None:
        return None
    link = (await session.execute(_live(select(BookingLink).where(
        BookingLink.garage_id == appointment.garage_id, BookingLink.appointment_id == appointment.id))
    )).scalar_one_or_none()
    if link is not None:
        return link
    link = await _new_link(session, appointment.garage_id, appointment.customer_id, appointment.vehicle_id,
                           appointment.site_id, appointment_id=appointment.id)
    _extend(link, appointment)
    return link


def _starts(appointment: Appointment) -> dt.datetime | None:
    return appointment.confirmed_at or appointment.requested_at


def _extend(link: BookingLink, appointment: Appointment) -> None:
    """A link stays open until a day after its appointment (to confirm, move or cancel it)."""
    start = _starts(appointment)
    if start is not None and start + dt.timedelta(days=1) > link.expires_at:
        link.expires_at = start + dt.timedelta(days=1)


async def revoke_link(session: AsyncSession, actor: Actor, link_id: object) -> BookingLink:
    """Staff end a booking link (a wrong number, a lost phone): it opens nothing from now on."""
    lid = v.parse_id(link_id, "id")
    link = (await session.execute(select(BookingLink).where(
        BookingLink.id == lid, BookingLink.garage_id == actor.garage_id).with_for_update())).scalar_one_or_none()
    if link is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by_id = utcnow(), actor.user_id
        audit.record(session, actor, "BookingLink", link.id, "revoke", {})
        await session.flush()
    return link


async def links_of_vehicle(session: AsyncSession, actor: Actor, vehicle_id: object) -> list[BookingLink]:
    vid = v.parse_id(vehicle_id, "vehicleId")
    return list((await session.execute(select(BookingLink).where(
        BookingLink.garage_id == actor.garage_id, BookingLink.vehicle_id == vid)
        .order_by(BookingLink.created_at.desc()).limit(50))).scalars())


# ------------------------------------------------------------------------------------------------ who a token is


@dataclasses.dataclass
class BookingSession:
    link: BookingLink
    actor: Actor


async def authenticate(session: AsyncSession, settings, token: str | None) -> BookingSession:
    """The booking session a token opens; portal.service.Denied (same codes and page) when it opens nothing."""
    from backend.accounts.models import Garage, Site
    from backend.portal.service import Denied, _customer_locale

    if not tokens.looks_like_token(token):
        raise Denied(ErrorCode.PORTAL_LINK_INVALID)
    link = (await session.execute(select(BookingLink).where(
        BookingLink.token_hash == tokens.token_hash(token)))).scalar_one_or_none()
    if link is None:
        raise Denied(ErrorCode.PORTAL_LINK_INVALID)
    garage = await session.get(Garage, link.garage_id)
    site = await session.get(Site, link.site_id)
    locale = link.locale or await _customer_locale(session, link.customer_id)
    garage_locale = garage.default_locale.value if garage and garage.default_locale else "en"
    refusal = None
    if link.revoked_at is not None:
        refusal = ErrorCode.PORTAL_LINK_REVOKED
    elif link.expires_at <= utcnow():
        refusal = ErrorCode.PORTAL_LINK_EXPIRED
    if refusal is not None:
        raise Denied(refusal, locale=locale, garage_name=garage.name if garage else "",
                     garage_phone=site.phone if site else None, garage_locale=garage_locale)
    actor = Actor(garage_id=link.garage_id, permissions=PORTAL_PERMISSIONS, locale=locale, name=f"portal:{link.id}",
                  extra={"booking_link_id": link.id, "customer_id": link.customer_id, "vehicle_id": link.vehicle_id,
                         "site_id": link.site_id, "garage_locale": garage_locale})
    return BookingSession(link=link, actor=actor)


def link_id_of(actor: Actor) -> uuid.UUID:
    return actor.extra["booking_link_id"]


def record(session: AsyncSession, actor: Actor, action: str, changes: dict | None = None) -> None:
    audit.record(session, actor, "BookingLink", link_id_of(actor), action, changes or {})


async def _link(session: AsyncSession, actor: Actor, *, for_update: bool = False) -> BookingLink:
    query = select(BookingLink).where(BookingLink.id == link_id_of(actor), BookingLink.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one()


async def set_locale(session: AsyncSession, actor: Actor, locale: object) -> str:
    from backend.core.i18n import normalize_locale

    value = normalize_locale(locale) if isinstance(locale, str) else None
    if value not in ("en", "th"):
        raise DomainError(ErrorCode.INVALID_VALUE, "locale")
    link = await _link(session, actor, for_update=True)
    before, link.locale = link.locale, value
    record(session, actor, "set_locale", {"locale": {"before": before, "after": value}})
    await session.flush()
    return value


# ------------------------------------------------------------------------------------------------ what the page shows


@dataclasses.dataclass
class View:
    link: BookingLink
    settings: Settings
    garage: object
    site: object
    customer: object
    vehicle: object
    services: list
    appointment: Appointment | None
    ends_at: dt.datetime | None
    can_change: bool
    opening: list = dataclasses.field(default_factory=list)  # the site's (weekday, opens, closes) minutes, local
    closed: list = dataclasses.field(default_factory=list)  # the site's closed days ahead: (day, name)




def can_change(appointment: Appointment | None, cutoff_hours: int, now: dt.datetime | None = None) -> bool:
    if appointment is None or appointment.status not in OPEN:
        return False
    start = _starts(appointment)
    return start is None or (now or utcnow()) < start - dt.timedelta(hours=cutoff_hours)


async def load_view(session: AsyncSession, actor: Actor) -> View:
    """Everything the booking page shows, in a fixed number of statements."""
    from backend.accounts.models import Garage, Site
    from backend.customers.models import Customer, Vehicle

    link = await _link(session, actor)
    settings = await get_settings(session, actor.garage_id)
    garage = await session.get(Garage, actor.garage_id)
    site = await session.get(Site, link.site_id)
    customer = await session.get(Customer, link.customer_id)
    vehicle = await session.get(Vehicle, link.vehicle_id)
    services = await bookable_services(session, actor.garage_id, settings)
    appointment = None
    ends_at = None
    if link.appointment_id is not None:
        appointment = (await session.execute(select(Appointment).where(
            Appointment.id == link.appointment_id, Appointment.garage_id == actor.garage_id))).scalar_one_or_none()
        if appointment is not None:
            ends_at = (await session.execute(select(Allocation.ends_at).where(
                Allocation.appointment_id == appointment.id).order_by(Allocation.ends_at.desc()).limit(1))
            ).scalar_one_or_none()
    from backend.scheduling.models import OpeningHours

    opening = [tuple(r) for r in (await session.execute(select(
        OpeningHours.weekday, OpeningHours.opens_minute, OpeningHours.closes_minute).where(
        OpeningHours.garage_id == actor.garage_id, OpeningHours.site_id == link.site_id)
        .order_by(OpeningHours.weekday, OpeningHours.opens_minute))).all()]
    closed = await closed_days_ahead(session, actor.garage_id, link.site_id, garage.time_zone)
    return View(link=link, settings=settings, garage=garage, site=site, customer=customer, vehicle=vehicle,
                services=services, appointment=appointment, ends_at=ends_at,
                can_change=can_change(appointment, settings.cutoff_hours), opening=opening, closed=closed)


ASK_DAYS = 92  # how far ahead a time may be asked for (_requested_time)


async def closed_days_ahead(session: AsyncSession, garage_id, site_id, time_zone: str,
                            now: dt.datetime | None = None) -> list[tuple[dt.date, str]]:
    """The site's closed days (public holidays...) from the garage's today for as far as a time may be asked."""
    from zoneinfo import ZoneInfo

    from backend.scheduling.models import ClosedDay

    today = (now or utcnow()).astimezone(ZoneInfo(time_zone)).date()
    return [tuple(r) for r in (await session.execute(select(ClosedDay.day, ClosedDay.name).where(
        ClosedDay.garage_id == garage_id, ClosedDay.site_id == site_id, ClosedDay.day >= today,
        ClosedDay.day <= today + dt.timedelta(days=ASK_DAYS)).order_by(ClosedDay.day))).all()]


# ------------------------------------------------------------------------------------------------ slots


async def _chosen(session: AsyncSession, actor: Actor, service_ids: object, settings: Settings | None = None):
    """(actions, total hours, stream) of the services picked: bookable ones of one stream."""
    errors = Collector()
    ids = []
    for index, raw in enumerate(service_ids if isinstance(service_ids, (list, tuple)) else [None]):
        parsed = v.try_parse_id(raw)
        if parsed is None:
            errors.add(ErrorCode.NOT_FOUND, f"serviceIds.{index}")
        elif parsed not in ids:
            ids.append(parsed)
    if not ids and not errors.errors:
        errors.add(ErrorCode.REQUIRED, "serviceIds")
    errors.raise_if_any()
    offered = {a.id: a for a in await bookable_services(session, actor.garage_id, settings)}
    for index, ident in enumerate(ids):
        if ident not in offered:
            errors.add(ErrorCode.NOT_FOUND, f"serviceIds.{index}")
    errors.raise_if_any()
    actions = [offered[i] for i in ids]
    streams = {a.stream for a in actions}
    if len(streams) != 1:
        raise DomainError(ErrorCode.SERVICES_MIXED, "serviceIds")
    hours = sum((a.standard_hours for a in actions), Decimal("0"))
    return actions, max(hours, Decimal("0.5")), next(iter(streams))


async def free_slots(session: AsyncSession, actor: Actor, service_ids: object, start: object = None,
                     days: object = SEARCH_DAYS, *, now: dt.datetime | None = None, limit: int = MAX_SLOTS):
    """(hours, free slots) for the services picked at the link's site, from `start` (default now) on."""
    from backend.scheduling.service.availability import available_slots

    _actions, hours, stream = await _chosen(session, actor, service_ids)
    now = now or utcnow()
    start = start if isinstance(start, dt.datetime) else now
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    settings = await get_settings(session, actor.garage_id)
    # nothing inside the cut-off: a booking the garage could not move or cancel online from the start
    earliest = now + dt.timedelta(hours=settings.cutoff_hours)
    slots = await available_slots(session, actor, actor.extra["site_id"], stream.value, hours, max(start, earliest),
                                  days if isinstance(days, int) and not isinstance(days, bool) else SEARCH_DAYS,
                                  limit=limit, now=now)
    return hours, slots


async def _slot_at(session: AsyncSession, actor: Actor, service_ids: object, starts_at: object,
                   now: dt.datetime | None = None):
    """The free slot starting exactly at `starts_at` (its technician and bay), else SLOT_TAKEN."""
    if not isinstance(starts_at, dt.datetime):
        raise DomainError(ErrorCode.REQUIRED, "startsAt")
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=dt.UTC)
    hours, slots = await free_slots(session, actor, service_ids, starts_at, 1, now=now, limit=1)
    if not slots or slots[0].starts_at != starts_at.astimezone(dt.UTC):
        raise DomainError(ErrorCode.SLOT_TAKEN, "startsAt")
    return slots[0]


# ------------------------------------------------------------------------------------------------ codes


async def request_code(session: AsyncSession, settings, limiter, actor: Actor, channel: object) -> BookingCode:
    """A one-time code to confirm the booking, to the customer's phone (SMS) or mail on file, with consent."""
    from backend.customers.models import Customer
    from backend.notifications import service as notifications
    from backend.notifications.models import Channel
    from backend.portal.service import _TH_LABELS

    if channel not in CHANNELS:
        raise DomainError(ErrorCode.INVALID_VALUE, "channel")
    customer = await session.get(Customer, actor.extra["customer_id"])
    address = None if customer is None else (customer.phone if channel == "SMS" else customer.email)
    label = {"SMS": "phone number", "EMAIL": "email address"}[channel]
    if not address:
        raise DomainError(ErrorCode.NO_CONTACT, "channel", channel={"en": label, "th": _TH_LABELS[label]})
    link_id = link_id_of(actor)
    if await limiter.hit(f"portal:code:{link_id}", 3600) > settings.portal_codes_per_hour:
        raise DomainError(ErrorCode.RATE_LIMITED, "channel", minutes=60)
    now = utcnow()
    code_id, nonce = new_id(), tokens.new_nonce()
    row = BookingCode(id=code_id, garage_id=actor.garage_id, link_id=link_id, channel=channel, nonce=nonce,
                      code_hash=tokens.code_hash(code_id, tokens.code_for(nonce, settings.secret_key),
                                                 settings.secret_key),
                      attempts=0, created_at=now, expires_at=now + CODE_TTL)
    session.add(row)
    await session.flush()
    sent = await notifications.notify_customer(
        session, garage_id=actor.garage_id, customer_id=customer.id, event="booking_code",
        channel=Channel.SMS if channel == "SMS" else Channel.EMAIL, dedupe_key=f"booking_code:{code_id}",
        context={"booking_code_id": str(code_id), "minutes": 10})
    if sent is None:
        raise DomainError(ErrorCode.NO_CONTACT, "channel", channel={"en": label, "th": _TH_LABELS[label]})
    record(session, actor, "request_code", {"channel": {"before": None, "after": channel}})
    return row


async def check_code(db, settings, actor: Actor, code: object) -> uuid.UUID:
    """The link's latest unused code matches: its id. A wrong one counts an attempt in its own transaction (the
    portal's rules: backend/portal/service.check_code_row)."""
    from backend.portal.service import check_code_row

    async with db.transaction() as session:
        row = (await session.execute(select(BookingCode).where(
            BookingCode.link_id == link_id_of(actor), BookingCode.garage_id == actor.garage_id,
            BookingCode.used_at.is_(None)).order_by(BookingCode.created_at.desc()).limit(1).with_for_update())
        ).scalar_one_or_none()
        return await check_code_row(session, settings, actor, row, code, "BookingLink", link_id_of(actor))


# ------------------------------------------------------------------------------------------------ book, move, cancel


@dataclasses.dataclass
class BookInput:
    service_ids: object
    starts_at: object
    name: object
    code: object = None
    note: object = None


def check_form(d: BookInput) -> tuple[str, str | None]:
    """The name and note, or the errors (read only: before the code costs an attempt)."""
    errors = Collector()
    name = v.text(errors, "name", d.name if isinstance(d.name, str) else None, required=True, max_len=MAX_NAME)
    note = v.text(errors, "note", d.note if isinstance(d.note, str) else None, max_len=MAX_NOTE)
    if not isinstance(d.starts_at, dt.datetime):
        errors.add(ErrorCode.REQUIRED, "startsAt")
    errors.raise_if_any()
    return name, note


def _as_taken(exc: DomainError | DomainErrors) -> DomainError | DomainErrors:
    """Another customer's booking is never named to this one: a clash is 'this time is no longer free'."""
    items = exc.errors if isinstance(exc, DomainErrors) else [exc]
    if any(e.code in (ErrorCode.BAY_BOOKED, ErrorCode.TECHNICIAN_BOOKED, ErrorCode.CONFLICT) for e in items):
        return DomainError(ErrorCode.SLOT_TAKEN, "startsAt")
    return exc


async def _requested_time(session: AsyncSession, actor: Actor, starts_at: dt.datetime, hours: Decimal,
                          settings: Settings, now: dt.datetime) -> dt.datetime:
    """A time asked for (REQUEST mode): after the cut-off, within the site's opening hours."""
    from backend.scheduling.service.appointments import _check_open

    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=dt.UTC)
    starts_at = starts_at.astimezone(dt.UTC)
    if starts_at <= now:
        raise DomainError(ErrorCode.BOOKING_TIME_PASSED, "startsAt")
    if starts_at < now + dt.timedelta(hours=settings.cutoff_hours):
        raise DomainError(ErrorCode.BOOKING_TOO_SOON, "startsAt", hours=settings.cutoff_hours)
    if starts_at > now + dt.timedelta(days=ASK_DAYS):
        raise DomainError(ErrorCode.INVALID_VALUE, "startsAt")
    try:
        await _check_open(session, actor, actor.extra["site_id"], [
            {"starts_at": starts_at, "ends_at": starts_at + dt.timedelta(seconds=float(hours) * 3600)}])
    except DomainError as closed:  # the customer's field is the time they asked for (the page's day picker)
        raise DomainError(closed.code, "startsAt", **closed.params) from None
    return starts_at


async def book(session: AsyncSession, actor: Actor, d: BookInput, *, now: dt.datetime | None = None) -> Appointment:
    """The customer's booking: CONFIRMED on a free slot (INSTANT) or REQUESTED for the time asked (REQUEST); the
    reminder behind the link BOOKED; the confirmation message queued."""
    from backend.scheduling.service import appointments as appts

    now = now or utcnow()
    name, note = check_form(d)
    link = await _link(session, actor, for_update=True)
    if link.appointment_id is not None:
        current = await session.get(Appointment, link.appointment_id)
        if current is not None and current.status in OPEN:
            raise DomainError(ErrorCode.ALREADY_BOOKED, "startsAt")
    settings = await get_settings(session, actor.garage_id)
    actions, hours, stream = await _chosen(session, actor, d.service_ids, settings)
    data = appts.AppointmentInput(site_id=link.site_id, vehicle_id=link.vehicle_id, customer_id=link.customer_id,
                                  stream=stream.value, service_ids=[a.id for a in actions], notes=note)
    try:
        if settings.mode == BookingMode.INSTANT:
            slot = await _slot_at(session, actor, d.service_ids, d.starts_at, now)
            data.allocations = [appts.AllocationInput(bay_id=slot.bay_id, technician_id=slot.technician_id,
                                                      starts_at=slot.starts_at, ends_at=slot.ends_at)]
            data.confirm = True
        else:
            data.requested_at = await _requested_time(session, actor, d.starts_at, hours, settings, now)
        async with session.begin_nested():
            appointment = await appts.create_appointment(session, actor, data)
    except (DomainError, DomainErrors) as exc:
        raise _as_taken(exc) from None
    link.appointment_id = appointment.id
    link.booked_name = name
    _extend(link, appointment)
    await _book_reminder(session, link, now)
    record(session, actor, "book", {"appointment_id": {"before": None, "after": str(appointment.id)},
                                    "status": {"before": None, "after": appointment.status.value}})
    await session.flush()
    await notify(session, appointment, link, "booking_confirmed" if appointment.status == S.CONFIRMED
                 else "booking_requested")
    return appointment


async def _book_reminder(session: AsyncSession, link: BookingLink, now: dt.datetime) -> None:
    """The reminder that carried the link is BOOKED, with its twins (the same due date on the other channel)."""
    from backend.notifications.reminders.models import Reminder

    if link.reminder_id is None:
        return
    reminder = await session.get(Reminder, link.reminder_id)
    if reminder is None:
        return
    await session.execute(update(Reminder).where(
        Reminder.garage_id == reminder.garage_id, Reminder.vehicle_id == reminder.vehicle_id,
        Reminder.kind == reminder.kind, Reminder.due_on == reminder.due_on, Reminder.booked_at.is_(None))
        .values(booked_at=now).execution_options(synchronize_session=False))


async def _open_appointment(session: AsyncSession, actor: Actor, link: BookingLink, settings: Settings,
                            now: dt.datetime) -> Appointment:
    appointment = None
    if link.appointment_id is not None:
        appointment = (await session.execute(select(Appointment).where(
            Appointment.id == link.appointment_id, Appointment.garage_id == actor.garage_id).with_for_update())
        ).scalar_one_or_none()
    if appointment is None:
        raise DomainError(ErrorCode.NOT_FOUND, "appointment")
    if appointment.status not in OPEN:
        raise DomainError(ErrorCode.INVALID_APPOINTMENT_STATE, "appointment", status=appointment.status)
    if not can_change(appointment, settings.cutoff_hours, now):
        raise DomainError(ErrorCode.BOOKING_CUT_OFF, "appointment", hours=settings.cutoff_hours)
    return appointment


def _service_ids(appointment: Appointment) -> list[str]:
    return [s["taskActionId"] for s in appointment.services or []]


async def move(session: AsyncSession, actor: Actor, starts_at: object, *, now: dt.datetime | None = None
               ) -> Appointment:
    """To another free slot (a confirmed appointment) or another time asked for (a requested one), before the
    cut-off; a clash changes nothing."""
    from backend.scheduling.service import appointments as appts

    now = now or utcnow()
    if not isinstance(starts_at, dt.datetime):
        raise DomainError(ErrorCode.REQUIRED, "startsAt")
    link = await _link(session, actor, for_update=True)
    settings = await get_settings(session, actor.garage_id)
    appointment = await _open_appointment(session, actor, link, settings, now)
    before = _starts(appointment)
    try:
        async with session.begin_nested():
            if appointment.status == S.CONFIRMED:
                # its own time is free for the move: the search leaves it out within this savepoint
                await session.execute(update(Allocation).where(Allocation.appointment_id == appointment.id)
                                      .values(active=False).execution_options(synchronize_session=False))
                slot = await _slot_at(session, actor, _service_ids(appointment), starts_at, now)
                appointment = await appts.move_appointment(session, actor, appointment.id, [appts.AllocationInput(
                    bay_id=slot.bay_id, technician_id=slot.technician_id, starts_at=slot.starts_at,
                    ends_at=slot.ends_at)])
            else:
                hours = appointment.estimated_hours or Decimal("1")
                appointment.requested_at = await _requested_time(session, actor, starts_at, hours, settings, now)
                appointment = await appts.move_appointment(session, actor, appointment.id, [])
    except (DomainError, DomainErrors) as exc:
        raise _as_taken(exc) from None
    _extend(link, appointment)
    record(session, actor, "move", {"starts_at": {"before": before.isoformat() if before else None,
                                                  "after": _starts(appointment).isoformat()}})
    link.customer_confirmed_at = None
    await session.flush()
    await notify(session, appointment, link, "booking_confirmed" if appointment.status == S.CONFIRMED
                 else "booking_requested")
    return appointment


CANCEL_REASON = "Cancelled by the customer online"


async def cancel(session: AsyncSession, actor: Actor, reason: object = None, *, now: dt.datetime | None = None
                 ) -> Appointment:
    from backend.scheduling.service import appointments as appts

    now = now or utcnow()
    errors = Collector()
    text = v.text(errors, "reason", reason if isinstance(reason, str) else None, max_len=MAX_NOTE)
    errors.raise_if_any()
    link = await _link(session, actor, for_update=True)
    settings = await get_settings(session, actor.garage_id)
    appointment = await _open_appointment(session, actor, link, settings, now)
    appointment = await appts.cancel_appointment(session, actor, appointment.id,
                                                 f"{CANCEL_REASON}: {text}" if text else CANCEL_REASON)
    record(session, actor, "cancel", {"appointment_id": {"before": str(appointment.id), "after": None}})
    await session.flush()
    await notify(session, appointment, link, "booking_cancelled")
    return appointment


async def confirm(session: AsyncSession, actor: Actor, *, now: dt.datetime | None = None) -> Appointment:
    """The customer says they will be there (a CONFIRMED appointment, before it starts)."""
    now = now or utcnow()
    link = await _link(session, actor, for_update=True)
    settings = await get_settings(session, actor.garage_id)
    appointment = await _open_appointment(session, actor, link, dataclasses.replace(settings, cutoff_hours=0), now)
    if appointment.status != S.CONFIRMED:
        raise DomainError(ErrorCode.INVALID_APPOINTMENT_STATE, "appointment", status=appointment.status)
    if link.customer_confirmed_at is None:
        link.customer_confirmed_at = now
        record(session, actor, "confirm", {"appointment_id": {"before": None, "after": str(appointment.id)}})
        await session.flush()
    return appointment


# ------------------------------------------------------------------------------------------------ messages


def _services_text(appointment: Appointment) -> dict:
    return {"services_en": ", ".join(s.get("nameEn") or "" for s in appointment.services or []),
            "services_th": ", ".join(s.get("nameTh") or s.get("nameEn") or "" for s in appointment.services or [])}


async def notify(session: AsyncSession, appointment: Appointment, link: BookingLink, event: str,
                 dedupe: str | None = None):
    """A message about the appointment to its customer (channel, consent and language as every customer message),
    carrying the booking link (made at send time: messages.py)."""
    from backend.customers.models import Vehicle
    from backend.notifications import service as notifications

    vehicle = await session.get(Vehicle, appointment.vehicle_id)
    start = _starts(appointment)
    context = {"booking_link_id": str(link.id), "appointment_id": str(appointment.id),
               "registration": vehicle.registration_display if vehicle else "",
               "starts_at": start.isoformat() if start else None, **_services_text(appointment)}
    return await notifications.notify_customer(
        session, garage_id=appointment.garage_id, customer_id=appointment.customer_id, event=event, context=context,
        dedupe_key=dedupe or f"{event}:{appointment.id}:{appointment.sequence}")


async def day_before(session: AsyncSession, garage_id: uuid.UUID, now: dt.datetime | None = None) -> int:
    """Queue the day-before message of every appointment of the garage's tomorrow (its time zone) not yet told:
    CONFIRMED ones with a customer; once per appointment and day (the outbox's dedupe key)."""
    from backend.notifications.models import Notification
    from backend.scheduling.service.common import garage_zone
    from backend.workforce.intervals import local

    now = now or utcnow()
    zone = await garage_zone(session, garage_id)
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    start = local(tomorrow, dt.time(0, 0), zone)
    end = local(tomorrow + dt.timedelta(days=1), dt.time(0, 0), zone)
    rows = list((await session.execute(select(Appointment).where(
        Appointment.garage_id == garage_id, Appointment.status == S.CONFIRMED, Appointment.customer_id.is_not(None),
        Appointment.confirmed_at >= start, Appointment.confirmed_at < end))).scalars())
    if not rows:
        return 0
    keys = {a.id: f"booking_day_before:{a.id}:{tomorrow.isoformat()}" for a in rows}
    told = set((await session.execute(select(Notification.dedupe_key).where(
        Notification.garage_id == garage_id, Notification.dedupe_key.in_(list(keys.values()))))).scalars())
    queued = 0
    for appointment in rows:
        if keys[appointment.id] in told:
            continue
        link = await for_appointment(session, appointment)
        if link is None:
            continue
        if await notify(session, appointment, link, "booking_day_before", dedupe=keys[appointment.id]) is not None:
            queued += 1
    return queued
