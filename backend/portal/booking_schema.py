"""The booking page's part of the portal schema (/portal/graphql): a booking link's token
(`Authorization: Booking <token>`) reads the booking page and books, confirms, moves or cancels its visit; a job's
portal token (`Authorization: Portal <token>`) gets a booking link for its vehicle (`openBooking`).

Rules: backend/scheduling/booking/service.py. A booking token opens no portal field and a portal token no booking
field (each checks its own kind of actor).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated
from decimal import Decimal

import strawberry

from backend.core.errors import DomainError, DomainErrors, ErrorCode
from backend.core.i18n import label
from backend.portal import service as portal_service
from backend.portal.schema import (
    CodeChannel,
    PortalError,
    PortalErrorCode,
    PortalGarage,
    PortalVehicle,
    _errors,
    _in_transaction,
    denied_error,
    portal_actor,
)
from backend.scheduling.booking import service


async def _audited(ctx, action: str) -> None:
    async with ctx.db.transaction() as session:
        service.record(session, ctx.actor, action)


def booking_actor(info):
    """The booking token's actor, or the error that says why there is none (in the customer's language)."""
    ctx = info.context
    denied = getattr(ctx, "portal_denied", None)
    if denied is not None:
        raise denied_error(denied, ctx.locale)
    if ctx.actor is None or "booking_link_id" not in ctx.actor.extra:
        raise denied_error(portal_service.Denied(ErrorCode.PORTAL_LINK_INVALID), ctx.locale)
    return ctx.actor


@strawberry.enum(description="INSTANT: a free slot is confirmed at once; REQUEST: the garage confirms the time asked.")
class BookingModeKind(enum.Enum):
    INSTANT = "INSTANT"
    REQUEST = "REQUEST"


@strawberry.type(description="A service the garage takes bookings for, with its estimated hours.")
class BookingService:
    id: strawberry.ID
    name: str
    hours: Decimal
    stream: str


@strawberry.type
class BookingSlot:
    starts_at: dt.datetime
    ends_at: dt.datetime


@strawberry.type
class BookedAppointment:
    status: str = strawberry.field(description="REQUESTED, CONFIRMED, ARRIVED, NO_SHOW or CANCELLED")
    status_label: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    services: list[str]
    service_ids: list[strawberry.ID]
    hours: Decimal
    can_change: bool = strawberry.field(description="False from the cut-off on (call the garage then).")
    customer_confirmed: bool


@strawberry.type(description="One opening range of the booking's site, in the garage's time zone.")
class BookingOpening:
    weekday: int = strawberry.field(description="0 = Monday … 6 = Sunday")
    opens_minute: int = strawberry.field(description="Minutes from local midnight.")
    closes_minute: int


@strawberry.type(description="A day the booking's site is closed (a public holiday...), with its name.")
class BookingClosedDay:
    day: dt.date
    name: str


@strawberry.type
class Booking:
    locale: str
    time_zone: str
    mode: BookingModeKind
    cutoff_hours: int
    link_expires_at: dt.datetime
    garage: PortalGarage
    site_name: str
    customer_name: str
    vehicle: PortalVehicle
    services: list[BookingService]
    appointment: BookedAppointment | None
    can_send_sms: bool
    can_send_email: bool
    stop_sms_url: str | None = strawberry.field(default=None, description=(
        "The customer's one-click link to stop text messages from the garage (the reminder SMS that carries the "
        "booking link has room for one link only, so the booking page offers the opt-out); null when the customer "
        "gets no text messages."))
    opening_hours: list[BookingOpening] = strawberry.field(
        description="When the site is open (a time asked for in REQUEST mode falls within these).")
    closed_days: list[BookingClosedDay] = strawberry.field(default_factory=list, description=(
        "The site's closed days from today on, as far ahead as a time may be asked for (none is bookable)."))


def _name(action, locale: str) -> str:
    return (action.name_th if locale == "th" and action.name_th else action.name_en) or action.name_en


def _appointment(view: service.View, locale: str) -> BookedAppointment | None:
    a = view.appointment
    if a is None:
        return None
    names = [(s.get("nameTh") if locale == "th" and s.get("nameTh") else s.get("nameEn")) or "" for s in a.services]
    return BookedAppointment(status=a.status.value, status_label=label(locale, a.status),
                             starts_at=a.confirmed_at or a.requested_at, ends_at=view.ends_at, services=names,
                             service_ids=[strawberry.ID(s["taskActionId"]) for s in a.services],
                             hours=a.estimated_hours, can_change=view.can_change,
                             customer_confirmed=view.link.customer_confirmed_at is not None)


async def build_booking(ctx) -> Booking:
    from backend.notifications.models import Channel
    from backend.notifications.outbox import consent_ok
    from backend.notifications.unsubscribe import unsubscribe_url

    actor, locale = ctx.actor, ctx.locale
    async with ctx.loader_session() as session:  # in a mutation: what it just wrote
        view = await service.load_view(session, actor)
    garage, site, customer, vehicle = view.garage, view.site, view.customer, view.vehicle
    return Booking(
        locale=locale, time_zone=garage.time_zone, mode=BookingModeKind(view.settings.mode.value),
        cutoff_hours=view.settings.cutoff_hours, link_expires_at=view.link.expires_at,
        garage=PortalGarage(name=garage.name, phone=site.phone if site else None, email=None,
                            address=(site.address if site and site.address else garage.address),
                            prompt_pay_id=None),
        site_name=site.name if site else "", customer_name=customer.name if customer else "",
        vehicle=PortalVehicle(registration=vehicle.registration_display, make=vehicle.make, model=vehicle.model),
        services=[BookingService(id=strawberry.ID(str(a.id)), name=_name(a, locale), hours=a.standard_hours,
                                 stream=a.stream.value) for a in view.services],
        appointment=_appointment(view, locale),
        can_send_sms=bool(customer and customer.phone and consent_ok(customer, Channel.SMS)),
        can_send_email=bool(customer and customer.email and consent_ok(customer, Channel.EMAIL)),
        stop_sms_url=(unsubscribe_url(ctx.settings, customer.id, Channel.SMS)
                      if customer and customer.phone and consent_ok(customer, Channel.SMS) else None),
        opening_hours=[BookingOpening(weekday=w, opens_minute=o, closes_minute=c) for w, o, c in view.opening],
        closed_days=[BookingClosedDay(day=d, name=n) for d, n in view.closed])


@strawberry.type
class BookingSlotsResult:
    hours: Decimal | None = None
    slots: list[BookingSlot] = strawberry.field(default_factory=list)
    errors: list[PortalError] = strawberry.field(default_factory=list)


@strawberry.type
class BookingQuery:
    @strawberry.field(description="The booking page: the garage, the vehicle, the services offered, the appointment.")
    async def booking(self, info: strawberry.Info) -> Booking:
        booking_actor(info)
        result = await build_booking(info.context)
        await _audited(info.context, "view")
        return result

    @strawberry.field(description="Free times for the services picked, from `from` (default now) for `days` days.")
    async def booking_slots(self, info: strawberry.Info, service_ids: list[strawberry.ID],
                            from_: Annotated[dt.datetime | None, strawberry.argument(name="from")] = None,
                            days: int = service.SEARCH_DAYS) -> BookingSlotsResult:
        actor = booking_actor(info)
        ctx = info.context
        try:
            async with ctx.read() as session:
                hours, slots = await service.free_slots(session, actor, list(service_ids), from_, days)
        except (DomainError, DomainErrors) as exc:
            return BookingSlotsResult(errors=_errors(exc, ctx.locale))
        return BookingSlotsResult(hours=hours, slots=[BookingSlot(starts_at=s.starts_at, ends_at=s.ends_at)
                                                      for s in slots])


# ------------------------------------------------------------------------------------------------ mutations


@strawberry.input
class BookAppointmentInput:
    service_ids: list[strawberry.ID]
    starts_at: dt.datetime = strawberry.field(description="A free slot's start (INSTANT) or the time asked (REQUEST).")
    name: str
    code: str
    note: str | None = None


@strawberry.type
class BookingPayload:
    booking: Booking | None = None
    errors: list[PortalError] = strawberry.field(default_factory=list)


@strawberry.type
class RequestBookingCodePayload:
    sent: bool = False
    channel: CodeChannel | None = None
    expires_at: dt.datetime | None = None
    errors: list[PortalError] = strawberry.field(default_factory=list)


@strawberry.type
class OpenBookingPayload:
    url: str | None = strawberry.field(default=None, description="The booking page for this job's vehicle.")
    errors: list[PortalError] = strawberry.field(default_factory=list)


async def _done(ctx, result) -> BookingPayload:
    value, errors = result
    if errors:
        return BookingPayload(errors=[PortalError(field=e.field, code=e.code, message=e.message) for e in errors])
    return BookingPayload(booking=await build_booking(ctx))


@strawberry.type
class BookingMutation:
    @strawberry.mutation(description="The booking page's language for this link (en or th).")
    async def set_booking_locale(self, info: strawberry.Info, locale: str) -> BookingPayload:
        actor = booking_actor(info)
        ctx = info.context
        value, errors = await _in_transaction(ctx, lambda s: service.set_locale(s, actor, locale))
        if value:
            ctx.locale = value
        return BookingPayload(errors=errors)

    @strawberry.mutation(description="Send a one-time code (6 digits, 10 minutes) to confirm the booking.")
    async def request_booking_code(self, info: strawberry.Info, channel: CodeChannel) -> RequestBookingCodePayload:
        actor = booking_actor(info)
        ctx = info.context
        row, errors = await _in_transaction(ctx, lambda s: service.request_code(s, ctx.settings, ctx.services.limiter, actor,
                                                                     channel.value))
        if row is None:
            return RequestBookingCodePayload(errors=errors)
        return RequestBookingCodePayload(sent=True, channel=CodeChannel(row.channel), expires_at=row.expires_at)

    @strawberry.mutation(description="Book the services at a free slot (or ask for a time), confirmed by name and code.")
    async def book_appointment(self, info: strawberry.Info, input: BookAppointmentInput) -> BookingPayload:
        actor = booking_actor(info)
        ctx = info.context
        d = service.BookInput(service_ids=list(input.service_ids), starts_at=input.starts_at, name=input.name,
                              code=input.code, note=input.note)
        try:  # a bad form or a bad choice costs no code attempt
            service.check_form(d)
            async with ctx.read() as session:
                await service._chosen(session, actor, d.service_ids)
            code_id = await service.check_code(ctx.db, ctx.settings, actor, d.code)
        except (DomainError, DomainErrors) as exc:
            return BookingPayload(errors=_errors(exc, ctx.locale))

        async def book(session):
            from backend.core.db import utcnow
            from backend.scheduling.booking.models import BookingCode

            code = await session.get(BookingCode, code_id, with_for_update=True)
            if code is None or code.used_at is not None:
                raise DomainError(ErrorCode.CODE_INVALID, "code")
            code.used_at = utcnow()  # spent, whatever the booking's outcome... unless it rolls back with it
            return await service.book(session, actor, d)

        return await _done(ctx, await _in_transaction(ctx, book))

    @strawberry.mutation(description="Move the appointment to another free time (until the cut-off).")
    async def move_booking(self, info: strawberry.Info, starts_at: dt.datetime) -> BookingPayload:
        actor = booking_actor(info)
        return await _done(info.context, await _in_transaction(info.context, lambda s: service.move(s, actor, starts_at)))

    @strawberry.mutation(description="Cancel the appointment (until the cut-off).")
    async def cancel_booking(self, info: strawberry.Info, reason: str | None = None) -> BookingPayload:
        actor = booking_actor(info)
        return await _done(info.context, await _in_transaction(info.context, lambda s: service.cancel(s, actor, reason)))

    @strawberry.mutation(description="The customer will be there (a confirmed appointment).")
    async def confirm_booking(self, info: strawberry.Info) -> BookingPayload:
        actor = booking_actor(info)
        return await _done(info.context, await _in_transaction(info.context, lambda s: service.confirm(s, actor)))

    @strawberry.mutation(description="A booking page for this job's vehicle (book the next visit).")
    async def open_booking(self, info: strawberry.Info) -> OpenBookingPayload:
        actor = portal_actor(info)
        ctx = info.context

        async def make(session):
            from backend.workshop.models import Job

            job = await session.get(Job, actor.extra["job_id"])
            if not await service.bookable_services(session, actor.garage_id):
                raise DomainError(ErrorCode.NOT_FOUND, "booking")
            link = await service.for_job(session, job)
            if link is None:
                raise DomainError(ErrorCode.NOT_FOUND, "booking")
            url = service.booking_url(ctx.settings, link)
            portal_service.record(session, actor, "open_booking", {"booking_link_id": {"before": None,
                                                                                       "after": str(link.id)}})
            return url

        url, errors = await _in_transaction(ctx, make)
        return OpenBookingPayload(url=url, errors=errors)
