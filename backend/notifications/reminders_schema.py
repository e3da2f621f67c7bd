"""GraphQL for MOT and service reminders: remindersDue, reminderHistory, reminderSettings, updateReminderSettings,
updateVehicleService, and the Vehicle fields serviceInterval / serviceDue / motDue (resolved here, declared on
Vehicle in customers/schema.py)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.mutations import given, run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.notifications.reminders import service
from backend.notifications.reminders.loaders import VehicleDueLoader
from backend.notifications.reminders.models import ReminderKind as ReminderKindEnum
from backend.workshop.loaders import VehicleLoader

if TYPE_CHECKING:
    from backend.customers.schema import Vehicle

ReminderKind = strawberry.enum(ReminderKindEnum, name="ReminderKind", description="What a reminder is about.")


@strawberry.enum(name="ReminderChannel", description="How reminders reach customers.")
class ReminderChannel(enum.Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"


@strawberry.enum(name="ReminderStatus", description="A reminder's state: its message's, or BOOKED once a job was "
                                                    "opened for the vehicle after it.")
class ReminderStatus(enum.Enum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    BOOKED = "BOOKED"


@strawberry.type(description="A garage's reminder settings.")
class ReminderSettings:
    lead_days: list[int] = strawberry.field(description="Days before the due date a reminder goes, e.g. [30, 7].")
    channels: list[ReminderChannel]
    kinds: list[ReminderKind]
    service_interval_months: int
    service_interval_km: int | None
    last_scan_on: dt.date | None
    version: int


def _settings(s: service.Settings) -> ReminderSettings:
    return ReminderSettings(lead_days=s.lead_days, channels=[ReminderChannel(c) for c in s.channels],
                            kinds=[ReminderKindEnum(k) for k in s.kinds],
                            service_interval_months=s.service_interval_months,
                            service_interval_km=s.service_interval_km, last_scan_on=s.last_scan_on, version=s.version)


@strawberry.type(description="A vehicle whose MOT or service falls due in the period asked for.")
class ReminderDue:
    vehicle_id: strawberry.ID
    registration: str
    kind: ReminderKind
    due_on: dt.date
    status: ReminderStatus | None = strawberry.field(description="Of the latest reminder for this due date; null "
                                                                 "when none has been sent.")
    reminded_at: dt.datetime | None

    @strawberry.field(extensions=requires(P.VEHICLES_READ))
    def vehicle(self, info: strawberry.Info) -> Annotated[Vehicle, strawberry.lazy("backend.customers.schema")] | None:
        return info.context.loader(VehicleLoader).load(self.vehicle_id)


@strawberry.type(description="One reminder sent about a vehicle.")
class ReminderEntry:
    id: strawberry.ID
    kind: ReminderKind
    due_on: dt.date
    lead_days: int
    channel: ReminderChannel
    status: ReminderStatus
    created_at: dt.datetime
    booked_at: dt.datetime | None


@strawberry.type(description="The service interval a vehicle follows: its own months / km where set, else the "
                                    "garage's.")
class ServiceInterval:
    months: int
    km: int | None
    custom: bool = strawberry.field(description="The vehicle has its own months or km.")
    own_months: int | None
    own_km: int | None
    version: int = strawberry.field(description="For updateVehicleService's expectedVersion.")


@strawberry.type(description="When the next service is due: the earlier of the date and mileage intervals from the "
                             "last service (the later of the last completed job and a service recorded by hand).")
class ServiceDue:
    date: dt.date
    mileage: int | None = strawberry.field(description="The odometer reading the service is due at, when known.")
    by_mileage: bool = strawberry.field(description="The mileage comes first (its date is estimated from the "
                                                    "vehicle's readings).")
    last_service_on: dt.date | None
    last_service_mileage: int | None


async def vehicle_service_interval(info: strawberry.Info, vehicle_id) -> ServiceInterval | None:
    due = await info.context.loader(VehicleDueLoader).load(vehicle_id)
    if due is None:
        return None
    return ServiceInterval(months=due.interval.months, km=due.interval.km, custom=due.interval.custom,
                           own_months=due.own_months, own_km=due.own_km, version=due.version)


async def vehicle_service_due(info: strawberry.Info, vehicle_id) -> ServiceDue | None:
    due = await info.context.loader(VehicleDueLoader).load(vehicle_id)
    if due is None or due.service is None:
        return None
    return ServiceDue(date=due.service.due_on, mileage=due.service.due_mileage, by_mileage=due.service.by == "MILEAGE",
                      last_service_on=due.last_service_on, last_service_mileage=due.last_service_mileage)


async def vehicle_mot_due(info: strawberry.Info, vehicle_id) -> dt.date | None:
    due = await info.context.loader(VehicleDueLoader).load(vehicle_id)
    return due.mot_on if due is not None else None


@strawberry.type(description="A Thai vehicle duty falling due: the annual vehicle tax (payable from `from`, 90 "
                             "days early), the private inspection before it (a pass from `from`, 3 months before, "
                             "counts) or the compulsory insurance expiry.")
class DutyDue:
    kind: ReminderKind
    due_on: dt.date
    from_: dt.date | None = strawberry.field(name="from", description="The first day it can be done; null for "
                                                                      "the insurance.")


async def vehicle_duties_due(info: strawberry.Info, vehicle_id) -> list[DutyDue]:
    from backend.notifications.reminders import rules

    due = await info.context.loader(VehicleDueLoader).load(vehicle_id)
    if due is None or due.duties is None:
        return []
    out = []
    d = due.duties
    if d.tax_on is not None:
        out.append(DutyDue(kind=ReminderKindEnum.VEHICLE_TAX, due_on=d.tax_on, from_=rules.tax_window_start(d.tax_on)))
    if d.inspection_on is not None:
        out.append(DutyDue(kind=ReminderKindEnum.INSPECTION, due_on=d.inspection_on,
                           from_=rules.inspection_window_start(d.inspection_on)))
    if d.insurance_on is not None:
        out.append(DutyDue(kind=ReminderKindEnum.INSURANCE, due_on=d.insurance_on, from_=None))
    return out


@strawberry.input(description="A vehicle's own service interval and last service; a field sent as null goes back "
                              "to the default (the garage's interval, the last completed job), one not sent stays.")
class UpdateVehicleServiceInput:
    vehicle_id: strawberry.ID
    interval_months: int | None = strawberry.UNSET
    interval_km: int | None = strawberry.UNSET
    last_service_on: dt.date | None = strawberry.UNSET
    last_service_mileage: int | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET


@strawberry.type
class UpdateVehicleServicePayload:
    vehicle: Annotated[Vehicle, strawberry.lazy("backend.customers.schema")] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ReminderPeriodInput:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date


@strawberry.input
class UpdateReminderSettingsInput:
    lead_days: list[int] | None = strawberry.UNSET
    channels: list[ReminderChannel] | None = strawberry.UNSET
    kinds: list[ReminderKind] | None = strawberry.UNSET
    service_interval_months: int | None = strawberry.UNSET
    service_interval_km: int | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET


@strawberry.type
class ReminderSettingsPayload:
    settings: ReminderSettings | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.REMINDERS_READ),
                      description="Vehicles whose MOT (a Thai garage: VEHICLE_TAX, INSPECTION, INSURANCE) or "
                                  "service (all when no kind is given) falls due in the period, by registration "
                                  "then kind, with the state of their reminder.")
    async def reminders_due(self, info: strawberry.Info, period: ReminderPeriodInput,
                            kind: ReminderKind | None = None, first: int | None = None,
                            after: str | None = None) -> Connection[ReminderDue]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.reminders_due, start=period.from_, end=period.to, kind=kind, limit=limit,
                          after=connections.after_pair(info, after))
        items = [ReminderDue(vehicle_id=r.vehicle_id, registration=r.registration, kind=ReminderKindEnum(r.kind),
                             due_on=r.due_on, status=ReminderStatus(r.status) if r.status else None,
                             reminded_at=r.reminded_at) for r in rows]
        return connections.build(items, limit, key=lambda r: (r.registration, f"{r.vehicle_id}|{r.kind.value}"))

    @strawberry.field(extensions=requires(P.REMINDERS_READ), description="The reminders sent about a vehicle, "
                                                                          "newest first.")
    async def reminder_history(self, info: strawberry.Info, vehicle_id: strawberry.ID) -> list[ReminderEntry]:
        rows = await read(info, service.reminder_history, vehicle_id)
        return [ReminderEntry(id=r.id, kind=ReminderKindEnum(r.kind), due_on=r.due_on, lead_days=r.lead_days,
                              channel=ReminderChannel(r.channel), status=ReminderStatus(r.status),
                              created_at=r.created_at, booked_at=r.booked_at) for r in rows]

    @strawberry.field(extensions=requires(P.NOTIFICATIONS_MANAGE))
    async def reminder_settings(self, info: strawberry.Info) -> ReminderSettings:
        return _settings(await read(info, service.get_settings))


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.NOTIFICATIONS_MANAGE),
                         description="Lead times (1 to 5, each 1-365 days), channels, kinds and the service interval. "
                                     "The next daily scan looks at every vehicle again.")
    async def update_reminder_settings(self, info: strawberry.Info,
                                       input: UpdateReminderSettingsInput) -> ReminderSettingsPayload:
        data = service.SettingsInput(
            lead_days=given(input.lead_days),
            channels=[c.value for c in input.channels] if given(input.channels) is not None else None,
            kinds=[k.value for k in input.kinds] if given(input.kinds) is not None else None,
            service_interval_months=given(input.service_interval_months),
            service_interval_km=given(input.service_interval_km),
            expected_version=given(input.expected_version))
        result, errors = await run(info, service.update_settings, data)
        return ReminderSettingsPayload(settings=_settings(result) if result else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.VEHICLES_WRITE),
                         description="A vehicle's own service interval (1-60 months, 1-200,000 km) and last service "
                                     "(not in the future); the next daily scan uses them.")
    async def update_vehicle_service(self, info: strawberry.Info,
                                     input: UpdateVehicleServiceInput) -> UpdateVehicleServicePayload:
        values = {name: getattr(input, name) for name in ("interval_months", "interval_km", "last_service_on",
                                                          "last_service_mileage")
                  if getattr(input, name) is not strawberry.UNSET}
        vehicle, errors = await run(info, service.set_vehicle_service, input.vehicle_id, values,
                                    given(input.expected_version))
        return UpdateVehicleServicePayload(vehicle=vehicle, errors=errors)
