"""GraphQL for scheduling: bays, opening hours and closed days (scheduling:manage), appointments (book, move,
cancel, no-show, arrive), availability and capacity, the week view, today's arrivals, calendar feeds, and the live
appointmentsChanged subscription on the site's channel."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncGenerator
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.accounts.loaders import SiteLoader, UserLoader
from backend.accounts.schema import OperationsStream
from backend.api.errors import UserError, bad_input
from backend.api.events import subscribe
from backend.api.mutations import client_id, given, run, run_input
from backend.api.permissions import check, requires
from backend.api.queries import read
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Permission as P
from backend.core.validate import try_parse_id
from backend.customers.loaders import CustomerLoader
from backend.scheduling import models
from backend.scheduling.loaders import (
    AllocationsByAppointmentLoader,
    AppointmentLoader,
    BayLoader,
    JobIdByAppointmentLoader,
)
from backend.scheduling.service import appointments as appointments_service
from backend.scheduling.service import availability, calendar, feeds, setup
from backend.scheduling.service.common import site_channel
from backend.workshop.loaders import JobLoader, VehicleLoader

if TYPE_CHECKING:
    from backend.accounts.schema import Site, User
    from backend.customers.schema import Customer, Vehicle
    from backend.workshop.schema.jobs import Job

Site_ = Annotated["Site", strawberry.lazy("backend.accounts.schema")]
User_ = Annotated["User", strawberry.lazy("backend.accounts.schema")]
Customer_ = Annotated["Customer", strawberry.lazy("backend.customers.schema")]
Vehicle_ = Annotated["Vehicle", strawberry.lazy("backend.customers.schema")]
Job_ = Annotated["Job", strawberry.lazy("backend.workshop.schema.jobs")]

BayKind = strawberry.enum(models.BayKind, name="BayKind")
AppointmentStatus = strawberry.enum(models.AppointmentStatus, name="AppointmentStatus")
CalendarFeedKind = strawberry.enum(models.FeedKind, name="CalendarFeedKind")
CalendarBy = strawberry.enum(calendar.CalendarBy, name="CalendarBy")


def _thai(info) -> bool:
    return (info.context.locale or "en").startswith("th")


@strawberry.type(description="A lift, body booth, alignment rig... of a site, and the streams whose work it takes.")
class Bay:
    id: strawberry.ID
    name: str
    kind: BayKind
    active: bool
    version: int

    @strawberry.field
    def streams(self) -> list[OperationsStream]:
        return [OperationsStream(s) for s in self.streams]  # type: ignore[attr-defined]

    @strawberry.field
    def site(self, info: strawberry.Info) -> Site_ | None:
        return info.context.loader(SiteLoader).load(self.site_id)  # type: ignore[attr-defined]


@strawberry.type(description="An opening range of a weekday (0 = Monday), local times HH:MM (24:00 = midnight).")
class OpeningRange:
    weekday: int
    opens: str
    closes: str


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _opening(rows) -> list[OpeningRange]:
    return [OpeningRange(weekday=r.weekday, opens=_hhmm(r.opens_minute), closes=_hhmm(r.closes_minute)) for r in rows]


@strawberry.type
class ClosedDay:
    id: strawberry.ID
    day: dt.date
    name: str
    imported: bool


@strawberry.type(description="Time of an appointment in one bay with one technician, [startsAt, endsAt).")
class Allocation:
    id: strawberry.ID
    starts_at: dt.datetime
    ends_at: dt.datetime
    active: bool

    @strawberry.field
    def bay(self, info: strawberry.Info) -> Bay | None:
        return info.context.loader(BayLoader).load(self.bay_id)  # type: ignore[attr-defined]

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        return info.context.loader(UserLoader).load(self.technician_id)  # type: ignore[attr-defined]

    @strawberry.field
    def appointment(self, info: strawberry.Info) -> Appointment | None:
        return info.context.loader(AppointmentLoader).load(self.appointment_id)  # type: ignore[attr-defined]


@strawberry.type(description="A booked service from the task catalog, with its standard hours.")
class AppointmentService:
    task_action_id: strawberry.ID
    name: str
    hours: Decimal


@strawberry.type(description="A booked visit: customer, vehicle, services (so hours are known), time, allocations.")
class Appointment:
    id: strawberry.ID
    status: AppointmentStatus
    status_reason: str | None
    estimated_hours: Decimal
    requested_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    arrived_at: dt.datetime | None
    notes: str | None
    sequence: int = strawberry.field(description="Grows with every change (the calendar feeds' SEQUENCE).")
    version: int
    created_at: dt.datetime

    @strawberry.field
    def stream(self) -> OperationsStream:
        return OperationsStream(self.stream.value)  # type: ignore[attr-defined]

    @strawberry.field
    def services(self, info: strawberry.Info) -> list[AppointmentService]:
        th = _thai(info)
        return [AppointmentService(task_action_id=s["taskActionId"], name=(th and s.get("nameTh")) or s["nameEn"],
                                   hours=Decimal(s["hours"])) for s in self.services]  # type: ignore[attr-defined]

    @strawberry.field
    def site(self, info: strawberry.Info) -> Site_ | None:
        return info.context.loader(SiteLoader).load(self.site_id)  # type: ignore[attr-defined]

    @strawberry.field(extensions=requires(P.VEHICLES_READ))
    def vehicle(self, info: strawberry.Info) -> Vehicle_ | None:
        return info.context.loader(VehicleLoader).load(self.vehicle_id)  # type: ignore[attr-defined]

    @strawberry.field(extensions=requires(P.CUSTOMERS_READ))
    def customer(self, info: strawberry.Info) -> Customer_ | None:
        cid = self.customer_id  # type: ignore[attr-defined]
        return info.context.loader(CustomerLoader).load(cid) if cid else None

    @strawberry.field(description="In time order (a technician: their own).")
    def allocations(self, info: strawberry.Info) -> list[Allocation]:
        return info.context.loader(AllocationsByAppointmentLoader).load(self.id)

    @strawberry.field(description="The job card opened when the customer arrived.")
    async def job(self, info: strawberry.Info) -> Job_ | None:
        job_id = await info.context.loader(JobIdByAppointmentLoader).load(self.id)
        return await info.context.loader(JobLoader).load(job_id) if job_id else None


@strawberry.type
class AvailableSlot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    technician_id: strawberry.ID
    bay_id: strawberry.ID

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        return info.context.loader(UserLoader).load(uuid.UUID(str(self.technician_id)))

    @strawberry.field
    def bay(self, info: strawberry.Info) -> Bay | None:
        return info.context.loader(BayLoader).load(uuid.UUID(str(self.bay_id)))


@strawberry.type(description="A local day's hours: booked (allocations) and available (technicians' working time "
                             "while the site is open).")
class DayCapacity:
    day: dt.date
    booked_hours: float
    available_hours: float


@strawberry.type
class CalendarRow:
    bay: Bay | None
    technician: User_ | None
    allocations: list[Allocation]


@strawberry.type
class WeekCalendar:
    starts_at: dt.datetime
    ends_at: dt.datetime
    days: list[dt.date]
    rows: list[CalendarRow]
    unallocated: list[Appointment] = strawberry.field(description="Requested in the week, not yet allocated.")


@strawberry.type(description="A subscribable .ics URL (the token is in `url` only right after it was made).")
class CalendarFeed:
    id: strawberry.ID
    kind: CalendarFeedKind
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @strawberry.field(description="The feed's address: only in the answer of createCalendarFeed (it is not stored).")
    def url(self) -> str | None:
        return getattr(self, "issued_url", None)

    @strawberry.field
    def site(self, info: strawberry.Info) -> Site_ | None:
        sid = self.site_id  # type: ignore[attr-defined]
        return info.context.loader(SiteLoader).load(sid) if sid else None

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        tid = self.technician_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(tid) if tid else None


# ---------------------------------------------------------------------------------------------------- inputs


@strawberry.input
class BayInput:
    id: strawberry.ID | None = strawberry.UNSET
    site_id: strawberry.ID
    name: str
    kind: BayKind
    streams: list[OperationsStream]
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateBayInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    kind: BayKind | None = strawberry.UNSET
    streams: list[OperationsStream] | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class OpeningRangeInput:
    weekday: int
    opens: str
    closes: str


@strawberry.input
class AllocationInput:
    bay_id: strawberry.ID
    technician_id: strawberry.ID
    starts_at: dt.datetime
    ends_at: dt.datetime


@strawberry.input
class CreateAppointmentInput:
    id: strawberry.ID | None = strawberry.UNSET
    site_id: strawberry.ID
    vehicle_id: strawberry.ID
    customer_id: strawberry.ID | None = strawberry.UNSET
    stream: OperationsStream | None = strawberry.UNSET
    service_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    requested_at: dt.datetime | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    allocations: list[AllocationInput] = strawberry.field(default_factory=list)
    confirm: bool = strawberry.field(default=False, description="Book it CONFIRMED (needs allocations).")
    outside_hours: bool = strawberry.field(default=False, description=(
        "A manager's override (scheduling:manage): book outside the opening hours, on a closed day or outside the "
        "technician's shift. Clashes are refused all the same."))
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class MoveAppointmentInput:
    id: strawberry.ID
    allocations: list[AllocationInput]
    confirm: bool = False
    outside_hours: bool = strawberry.field(default=False, description=(
        "A manager's override (scheduling:manage): move outside the opening hours, on a closed day or outside the "
        "technician's shift. Clashes are refused all the same."))
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateAppointmentInput:
    id: strawberry.ID
    notes: str | None = strawberry.UNSET
    service_ids: list[strawberry.ID] | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class EndAppointmentInput:
    id: strawberry.ID
    reason: str
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ArriveAppointmentInput:
    id: strawberry.ID
    mileage: int | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class BayPayload:
    bay: Bay | None
    errors: list[UserError]


@strawberry.type
class OpeningHoursPayload:
    opening_hours: list[OpeningRange]
    errors: list[UserError]


@strawberry.type
class ClosedDaysPayload:
    closed_days: list[ClosedDay]
    errors: list[UserError]


@strawberry.type
class AppointmentPayload:
    appointment: Appointment | None
    errors: list[UserError]


@strawberry.type
class ArriveAppointmentPayload:
    appointment: Appointment | None
    job: Job_ | None
    errors: list[UserError]


@strawberry.type
class CalendarFeedPayload:
    feed: CalendarFeed | None
    errors: list[UserError]


def _minute(value: str) -> int:
    try:
        hours, minutes = value.strip().split(":")
        if len(minutes) != 2 or not hours.isdigit() or not minutes.isdigit() or int(minutes) > 59:
            raise ValueError
        return int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError):
        return -1


def _allocs(items: list[AllocationInput]) -> list[appointments_service.AllocationInput]:
    return [appointments_service.AllocationInput(bay_id=a.bay_id, technician_id=a.technician_id,
                                                 starts_at=a.starts_at, ends_at=a.ends_at) for a in items]


async def _find_appointment(session, actor, ref):
    return await appointments_service.load_appointment(session, actor, ref)


async def _appointment_mutation(info, input, fn, *args) -> AppointmentPayload:
    row, errors = await run_input(info, input, fn, *args, find=_find_appointment,
                                  current_id=getattr(input, "id", None))
    return AppointmentPayload(appointment=row, errors=errors)


def _feed_url(info, token: str) -> str:
    """An absolute URL, as a calendar app needs: the configured public URL, else the address this request came to."""
    base = info.context.services.settings.public_url.rstrip("/")
    request = info.context.request
    if not base and request is not None and getattr(request, "base_url", None) is not None:
        base = str(request.base_url).rstrip("/")
    return f"{base}{feeds.feed_path(token)}"


# ---------------------------------------------------------------------------------------------------- root fields


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description="The site's bays, by name.")
    async def bays(self, info: strawberry.Info, site_id: strawberry.ID) -> list[Bay]:
        return await read(info, setup.list_bays, site_id)

    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description="The site's week of opening ranges.")
    async def opening_hours(self, info: strawberry.Info, site_id: strawberry.ID) -> list[OpeningRange]:
        async def call(session, actor):
            site = await setup.load_site(session, actor, site_id)
            return _opening(await setup.opening_hours(session, actor, site.id))

        return await read(info, call)

    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ))
    async def closed_days(self, info: strawberry.Info, site_id: strawberry.ID, from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
                          to: dt.date | None = None) -> list[ClosedDay]:
        async def call(session, actor):
            site = await setup.load_site(session, actor, site_id)
            return await setup.closed_days(session, actor, site.id, from_, to)

        return await read(info, call)

    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description="An appointment (a technician: one "
                                                                             "allocated to them).")
    async def appointment(self, info: strawberry.Info, id: strawberry.ID) -> Appointment | None:
        async def call(session, actor):
            try:
                return await appointments_service.load_appointment(session, actor, id)
            except DomainError:  # not found (or not allocated to this technician) reads as null
                return None

        return await read(info, call)

    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description=(
        "Seven local days from weekStart, a row per bay or per technician with its allocations."))
    async def week_calendar(self, info: strawberry.Info, site_id: strawberry.ID, week_start: dt.date,
                            by: CalendarBy = calendar.CalendarBy.BAY) -> WeekCalendar:
        found = await read(info, calendar.week_calendar, site_id, week_start, calendar.CalendarBy(by.value))
        return WeekCalendar(starts_at=found.starts_at, ends_at=found.ends_at, days=found.days,
                            rows=[CalendarRow(bay=r.bay, technician=r.technician, allocations=r.allocations)
                                  for r in found.rows], unallocated=found.unallocated)

    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description="Today's appointments at the site.")
    async def arrivals_today(self, info: strawberry.Info, site_id: strawberry.ID) -> list[Appointment]:
        return await read(info, calendar.arrivals_today, site_id)

    @strawberry.field(extensions=requires(P.APPOINTMENTS_MANAGE), description=(
        "The next free slots of `hours` for the stream at the site: a working technician of the stream and a bay "
        "serving it, both free, while the site is open; carried-over work counted."))
    async def available_slots(self, info: strawberry.Info, site_id: strawberry.ID, stream: OperationsStream, hours: Decimal,
                              from_: Annotated[dt.datetime, strawberry.argument(name="from")], days: int = 14, limit: int = 10) -> list[AvailableSlot]:
        slots = await read(info, availability.available_slots, site_id, stream, hours, from_, days, limit=limit)
        return [AvailableSlot(starts_at=s.starts_at, ends_at=s.ends_at, technician_id=strawberry.ID(str(
            s.technician_id)), bay_id=strawberry.ID(str(s.bay_id))) for s in slots]

    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description="Hours booked / available per day.")
    async def capacity(self, info: strawberry.Info, site_id: strawberry.ID,
                       from_: Annotated[dt.date, strawberry.argument(name="from")], to: dt.date
                       ) -> list[DayCapacity]:
        days = await read(info, availability.capacity, site_id, from_, to)
        return [DayCapacity(day=d.day, booked_hours=round(d.booked_seconds / 3600, 2),
                            available_hours=round(d.available_seconds / 3600, 2)) for d in days]

    @strawberry.field(extensions=requires(P.CALENDAR_FEEDS_MANAGE), description="The feeds not revoked.")
    async def calendar_feeds(self, info: strawberry.Info) -> list[CalendarFeed]:
        return await read(info, feeds.list_feeds)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.SCHEDULING_MANAGE))
    async def create_bay(self, info: strawberry.Info, input: BayInput) -> BayPayload:
        async def call(session, actor):
            return await setup.create_bay(session, actor, setup.BayInput(
                site_id=input.site_id, name=input.name, kind=input.kind, streams=input.streams), client_id(input.id))

        row, errors = await run_input(info, input, call, find=setup.load_bay)
        return BayPayload(bay=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.SCHEDULING_MANAGE))
    async def update_bay(self, info: strawberry.Info, input: UpdateBayInput) -> BayPayload:
        data = setup.BayInput()
        for name in ("name", "kind", "streams", "active"):
            value = getattr(input, name)
            if value is not strawberry.UNSET:
                setattr(data, name, value)
        row, errors = await run_input(info, input, setup.update_bay, input.id, data, given(input.expected_version),
                                      find=setup.load_bay, current_id=input.id)
        return BayPayload(bay=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.SCHEDULING_MANAGE), description=(
        "Replace the site's week of opening hours (a weekday not given is closed)."))
    async def set_opening_hours(self, info: strawberry.Info, site_id: strawberry.ID,
                                ranges: list[OpeningRangeInput]) -> OpeningHoursPayload:
        items = [setup.OpeningRange(r.weekday, _minute(r.opens), _minute(r.closes)) for r in ranges]
        rows, errors = await run(info, setup.set_opening_hours, site_id, items)
        return OpeningHoursPayload(opening_hours=_opening(rows or []), errors=errors)

    @strawberry.mutation(extensions=requires(P.SCHEDULING_MANAGE))
    async def add_closed_day(self, info: strawberry.Info, site_id: strawberry.ID, day: dt.date, name: str
                             ) -> ClosedDaysPayload:
        row, errors = await run(info, setup.add_closed_day, site_id, day, name)
        return ClosedDaysPayload(closed_days=[row] if row else [], errors=errors)

    @strawberry.mutation(extensions=requires(P.SCHEDULING_MANAGE))
    async def remove_closed_day(self, info: strawberry.Info, id: strawberry.ID) -> ClosedDaysPayload:
        row, errors = await run(info, setup.remove_closed_day, id)
        return ClosedDaysPayload(closed_days=[row] if row else [], errors=errors)

    @strawberry.mutation(extensions=requires(P.SCHEDULING_MANAGE), description=(
        "Public holidays from an ICS file's text: each all-day event becomes a closed day; a bad file imports "
        "nothing."))
    async def import_closed_days(self, info: strawberry.Info, site_id: strawberry.ID, ics: str
                                 ) -> ClosedDaysPayload:
        rows, errors = await run(info, setup.import_closed_days, site_id, ics.encode("utf-8", "replace"))
        return ClosedDaysPayload(closed_days=rows or [], errors=errors)

    @strawberry.mutation(extensions=requires(P.APPOINTMENTS_MANAGE), description=(
        "Book an appointment (REQUESTED, or CONFIRMED with allocations); a clash with another booking of the bay or "
        "technician is refused, naming it."))
    async def create_appointment(self, info: strawberry.Info, input: CreateAppointmentInput) -> AppointmentPayload:
        data = appointments_service.AppointmentInput(
            site_id=input.site_id, vehicle_id=input.vehicle_id, service_ids=list(input.service_ids),
            allocations=_allocs(input.allocations), confirm=input.confirm, outside_hours=input.outside_hours)
        for name in ("customer_id", "stream", "requested_at", "notes"):
            value = getattr(input, name)
            if value is not strawberry.UNSET:
                setattr(data, name, value)

        async def call(session, actor):
            return await appointments_service.create_appointment(session, actor, data, client_id(input.id))

        row, errors = await run_input(info, input, call, find=_find_appointment)
        return AppointmentPayload(appointment=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.APPOINTMENTS_MANAGE), description=(
        "New allocations (reschedule): same id, sequence + 1; a clash changes nothing."))
    async def move_appointment(self, info: strawberry.Info, input: MoveAppointmentInput) -> AppointmentPayload:
        async def call(session, actor):
            return await appointments_service.move_appointment(
                session, actor, input.id, _allocs(input.allocations), confirm=input.confirm,
                expected_version=given(input.expected_version), outside_hours=input.outside_hours)

        return await _appointment_mutation(info, input, call)

    @strawberry.mutation(extensions=requires(P.APPOINTMENTS_MANAGE))
    async def update_appointment(self, info: strawberry.Info, input: UpdateAppointmentInput) -> AppointmentPayload:
        async def call(session, actor):
            unset = appointments_service._UNSET
            return await appointments_service.update_appointment(
                session, actor, input.id,
                notes=unset if input.notes is strawberry.UNSET else input.notes,
                service_ids=unset if input.service_ids is strawberry.UNSET else (input.service_ids or []),
                expected_version=given(input.expected_version))

        return await _appointment_mutation(info, input, call)

    @strawberry.mutation(extensions=requires(P.APPOINTMENTS_MANAGE))
    async def cancel_appointment(self, info: strawberry.Info, input: EndAppointmentInput) -> AppointmentPayload:
        return await _appointment_mutation(info, input, appointments_service.cancel_appointment, input.id,
                                           input.reason, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.APPOINTMENTS_MANAGE))
    async def mark_appointment_no_show(self, info: strawberry.Info, input: EndAppointmentInput
                                       ) -> AppointmentPayload:
        return await _appointment_mutation(info, input, appointments_service.mark_no_show, input.id, input.reason,
                                           given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.APPOINTMENTS_MANAGE), description=(
        "The customer is here: opens the job card from the appointment (vehicle, customer, stream, services as "
        "tasks, the allocated technician)."))
    async def mark_appointment_arrived(self, info: strawberry.Info, input: ArriveAppointmentInput
                                       ) -> ArriveAppointmentPayload:
        check(info, P.JOBS_CREATE)

        async def call(session, actor):
            return await appointments_service.mark_arrived(session, actor, input.id, mileage=given(input.mileage),
                                                           expected_version=given(input.expected_version))

        async def find(session, actor, ref):
            appointment = await appointments_service.load_appointment(session, actor, ref)
            jobs = await appointments_service.job_of(session, actor, [appointment.id])
            from backend.workshop.models import Job as JobRow

            job = await session.get(JobRow, jobs[appointment.id]) if appointment.id in jobs else None
            return appointment, job

        result, errors = await run_input(info, input, call, find=find)
        appointment, job = result if result else (None, None)
        return ArriveAppointmentPayload(appointment=appointment, job=job, errors=errors)

    @strawberry.mutation(extensions=requires(P.CALENDAR_FEEDS_MANAGE), description=(
        "A new secret calendar URL for a site or a technician (shown once, in feed.url)."))
    async def create_calendar_feed(self, info: strawberry.Info, kind: CalendarFeedKind, target_id: strawberry.ID
                                   ) -> CalendarFeedPayload:
        result, errors = await run(info, feeds.create_feed, models.FeedKind(kind.value), target_id)
        if not result:
            return CalendarFeedPayload(feed=None, errors=errors)
        feed, token = result
        feed.issued_url = _feed_url(info, token)  # this answer only: the token is not stored
        return CalendarFeedPayload(feed=feed, errors=errors)

    @strawberry.mutation(extensions=requires(P.CALENDAR_FEEDS_MANAGE), description="The URL stops working at once.")
    async def revoke_calendar_feed(self, info: strawberry.Info, id: strawberry.ID) -> CalendarFeedPayload:
        row, errors = await run(info, feeds.revoke_feed, id)
        return CalendarFeedPayload(feed=row, errors=errors)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Each appointment of the site as it changes (a technician: their own).")
    async def appointments_changed(self, info: strawberry.Info, site_id: strawberry.ID
                                   ) -> AsyncGenerator[Appointment, None]:
        check(info, P.APPOINTMENTS_READ)
        sid = try_parse_id(site_id)
        if sid is None:
            raise bad_input(info.context.locale, ErrorCode.NOT_FOUND, "siteId")
        actor = info.context.actor
        async for message in subscribe(info, P.APPOINTMENTS_READ, site_channel(actor.garage_id, sid)):
            aid = try_parse_id(message.get("appointmentId"))
            if aid is None:
                continue
            appointment = await info.context.loader(AppointmentLoader).load(aid)
            if appointment is None:
                continue
            if appointments_service.is_technician(actor):
                mine = await info.context.loader(AllocationsByAppointmentLoader).load(aid)
                if not mine:
                    continue
            yield appointment
