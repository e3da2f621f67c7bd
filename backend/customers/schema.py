"""GraphQL for customers and vehicles: profiles, search, ownership history and the mileage log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from typing import Annotated

import strawberry

from backend.accounts.schema import Locale
from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.mutations import client_id, fields_of, given, is_conflict, run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.api.scalars import Amount
from backend.core.permissions import Permission as P
from backend.customers import service
from backend.customers.loaders import (
    BalanceByCustomerLoader,
    CustomerLoader,
    JobsByCustomerLoader,
    JobsByVehicleLoader,
    MileageLogLoader,
    OwnershipHistoryLoader,
    VehiclesByOwnerLoader,
)
from backend.customers.models import ContactChannel as ContactChannelEnum
from backend.customers.models import CustomerKind as CustomerKindEnum
from backend.customers.models import FuelType as FuelTypeEnum
from backend.customers.models import VehicleKind as VehicleKindEnum
from backend.files import schema as files_schema
from backend.integrations.imports import schema as imports_schema

ContactChannel = strawberry.enum(ContactChannelEnum, name="ContactChannel",
                                 description="How a customer prefers to be contacted.")
FuelType = strawberry.enum(FuelTypeEnum, name="FuelType")
CustomerKind = strawberry.enum(CustomerKindEnum, name="CustomerKind",
                               description="A person (addressed as คุณ + first name) or a company (by its name).")
VehicleKind = strawberry.enum(VehicleKindEnum, name="VehicleKind",
                              description="Car or motorcycle (the Thai inspection age differs: 7 or 5 full years).")


@strawberry.type(description="A customer of the garage: a person or a company.")
class Customer:
    id: strawberry.ID
    name: str
    kind: CustomerKind
    phone: str | None = strawberry.field(description="In E.164 (+66812345678).")
    email: str | None
    address: str | None
    tax_id: str | None
    branch: str | None
    locale: Locale | None
    contact_channel: ContactChannel
    consent_sms: bool
    consent_email: bool
    notes: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(extensions=requires(P.VEHICLES_READ), description="The vehicles the customer owns now.")
    def vehicles(self, info: strawberry.Info) -> list[Vehicle]:
        return info.context.loader(VehiclesByOwnerLoader).load(self.id)

    @strawberry.field(extensions=requires(P.CUSTOMERS_READ),
                      description="Every message sent or queued to the customer (mail, SMS), newest first.")
    def communications(self, info: strawberry.Info, first: int | None = None, after: str | None = None
                       ) -> Connection[Annotated["Notification", strawberry.lazy("backend.notifications.schema")]]:
        from backend.notifications.schema import communications

        return communications(info, self.id, first, after)

    @strawberry.field(extensions=requires(P.INVOICES_READ),
                      description="What the customer owes: the balance due of their issued, unpaid invoices (issued "
                                  "and partly paid), in minor units of the garage's currency; 0 when nothing is owed. "
                                  "Null with FORBIDDEN for a role that does not read invoices.")
    def balance(self, info: strawberry.Info) -> Amount | None:
        return info.context.loader(BalanceByCustomerLoader).load(self.id)

    @strawberry.field(extensions=requires(P.JOBS_READ),
                      description="The customer's visits: the jobs opened for them, newest first (the latest 100).")
    def jobs(self, info: strawberry.Info) -> list[Annotated["Job", strawberry.lazy("backend.workshop.schema.jobs")]]:
        return info.context.loader(JobsByCustomerLoader).load(self.id)

    attachments = files_schema.customer_attachments


@strawberry.type(description="A vehicle. The registration is stored normalised: upper case, letters and digits.")
class Vehicle:
    id: strawberry.ID
    registration: str
    registration_display: str = strawberry.field(description="The registration as it was typed.")
    vin: str | None
    make: str | None
    model: str | None
    year: int | None
    colour: str | None
    fuel: FuelType | None
    first_registration_date: dt.date | None
    mot_expiry: dt.date | None
    kind: VehicleKind | None = strawberry.field(description="Null: a car.")
    insurance_expiry: dt.date | None = strawberry.field(
        description="When the compulsory third-party insurance (Thailand: พ.ร.บ.) runs out.")
    mileage: int | None
    mileage_recorded_at: dt.datetime | None
    notes: str | None
    version: int
    created_at: dt.datetime

    @strawberry.field(extensions=requires(P.CUSTOMERS_READ), description="The current owner.")
    def owner(self, info: strawberry.Info) -> Customer | None:
        owner_id = self.owner_id  # type: ignore[attr-defined]
        return info.context.loader(CustomerLoader).load(owner_id) if owner_id else None

    @strawberry.field(description="Every owner the vehicle has had, oldest first.")
    def ownership_history(self, info: strawberry.Info) -> list[VehicleOwnership]:
        return info.context.loader(OwnershipHistoryLoader).load(self.id)

    @strawberry.field(description="The odometer readings, oldest first.")
    def mileage_log(self, info: strawberry.Info) -> list[MileageReading]:
        return info.context.loader(MileageLogLoader).load(self.id)

    @strawberry.field(extensions=requires(P.JOBS_READ),
                      description="The vehicle's service history: its jobs, newest first (the latest 100; a "
                                  "technician sees only their own).")
    def jobs(self, info: strawberry.Info) -> list[Annotated["Job", strawberry.lazy("backend.workshop.schema.jobs")]]:
        return info.context.loader(JobsByVehicleLoader).load(self.id)

    attachments = files_schema.vehicle_attachments
    service_history = imports_schema.vehicle_service_history  # past visits imported from an earlier system

    @strawberry.field(description="Quoted work the customer declined, still to do (empty without QUOTES_READ).")
    def deferred_work(self, info: strawberry.Info) -> list[Annotated["DeferredWork", strawberry.lazy(
            "backend.billing.schema.types")]]:
        if not info.context.actor.can(P.QUOTES_READ):
            return []
        from backend.billing.loaders import DeferredWorkByVehicleLoader

        return info.context.loader(DeferredWorkByVehicleLoader).load(self.id)

    @strawberry.field(description="The service interval this vehicle follows (its own, else the garage's).")
    async def service_interval(self, info: strawberry.Info) -> Annotated["ServiceInterval", strawberry.lazy(
            "backend.notifications.reminders_schema")] | None:
        from backend.notifications.reminders_schema import vehicle_service_interval

        return await vehicle_service_interval(info, self.id)

    @strawberry.field(description="When the next service is due; null when no service is on record.")
    async def service_due(self, info: strawberry.Info) -> Annotated["ServiceDue", strawberry.lazy(
            "backend.notifications.reminders_schema")] | None:
        from backend.notifications.reminders_schema import vehicle_service_due

        return await vehicle_service_due(info, self.id)

    @strawberry.field(description="When the MOT is next due (the recorded expiry, else from first registration), "
                                  "as of the garage's today.")
    async def mot_due(self, info: strawberry.Info) -> dt.date | None:
        from backend.notifications.reminders_schema import vehicle_mot_due

        return await vehicle_mot_due(info, self.id)

    @strawberry.field(description="Thai garages: the legal duties due next (annual vehicle tax, private inspection "
                                  "when the vehicle is old enough, compulsory insurance), as of the garage's today; "
                                  "empty for a garage of another country.")
    async def duties_due(self, info: strawberry.Info) -> list[Annotated["DutyDue", strawberry.lazy(
            "backend.notifications.reminders_schema")]]:
        from backend.notifications.reminders_schema import vehicle_duties_due

        return await vehicle_duties_due(info, self.id)


@strawberry.type(description="One owner of a vehicle for a period; endedAt is null for the current owner.")
class VehicleOwnership:
    started_at: dt.datetime
    ended_at: dt.datetime | None
    note: str | None

    @strawberry.field(extensions=requires(P.CUSTOMERS_READ))
    def customer(self, info: strawberry.Info) -> Customer:
        return info.context.loader(CustomerLoader).load(self.customer_id)  # type: ignore[attr-defined]


@strawberry.type(description="An odometer reading. A reading lower than the one before carries a reason.")
class MileageReading:
    mileage: int
    recorded_at: dt.datetime
    reason: str | None


# ------------------------------------------------------------------------------------------------ inputs / payloads


@strawberry.input
class CreateCustomerInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str
    kind: CustomerKind | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    branch: str | None = strawberry.UNSET
    locale: Locale | None = strawberry.UNSET
    contact_channel: ContactChannel | None = strawberry.UNSET
    consent_sms: bool | None = strawberry.UNSET
    consent_email: bool | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.input
class UpdateCustomerInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    kind: CustomerKind | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    branch: str | None = strawberry.UNSET
    locale: Locale | None = strawberry.UNSET
    contact_channel: ContactChannel | None = strawberry.UNSET
    consent_sms: bool | None = strawberry.UNSET
    consent_email: bool | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.type
class CustomerPayload:
    customer: Customer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateVehicleInput:
    id: strawberry.ID | None = strawberry.UNSET
    registration: str
    vin: str | None = strawberry.UNSET
    make: str | None = strawberry.UNSET
    model: str | None = strawberry.UNSET
    year: int | None = strawberry.UNSET
    colour: str | None = strawberry.UNSET
    fuel: FuelType | None = strawberry.UNSET
    first_registration_date: dt.date | None = strawberry.UNSET
    mot_expiry: dt.date | None = strawberry.UNSET
    kind: VehicleKind | None = strawberry.UNSET
    insurance_expiry: dt.date | None = strawberry.UNSET
    mileage: int | None = strawberry.UNSET
    owner_id: strawberry.ID | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.input(description="Change a vehicle's details. The owner changes with transferVehicle, the mileage "
                              "with recordMileage.")
class UpdateVehicleInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    registration: str | None = strawberry.UNSET
    vin: str | None = strawberry.UNSET
    make: str | None = strawberry.UNSET
    model: str | None = strawberry.UNSET
    year: int | None = strawberry.UNSET
    colour: str | None = strawberry.UNSET
    fuel: FuelType | None = strawberry.UNSET
    first_registration_date: dt.date | None = strawberry.UNSET
    mot_expiry: dt.date | None = strawberry.UNSET
    kind: VehicleKind | None = strawberry.UNSET
    insurance_expiry: dt.date | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.input
class TransferVehicleInput:
    vehicle_id: strawberry.ID
    new_owner_id: strawberry.ID
    note: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.input
class RecordMileageInput:
    vehicle_id: strawberry.ID
    mileage: int
    reason: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.type
class VehiclePayload:
    vehicle: Vehicle | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)










# ------------------------------------------------------------------------------------------------ operations


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.CUSTOMERS_READ),
                      description="Customers by name. `search` matches name, phone, email, and the registration or "
                                  "VIN of a vehicle they own (partial, any case).")
    async def customers(self, info: strawberry.Info, search: str | None = None, first: int | None = None,
                        after: str | None = None) -> Connection[Customer]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.list_customers, search=search, limit=limit,
                         after=connections.after_pair(info, after))
        loader = info.context.loader(CustomerLoader)
        for row in rows:  # their vehicles' owner is themselves: no second query for it
            loader.prime(row.id, row)
        return connections.build(rows, limit, key=lambda c: (c.name, c.id))

    @strawberry.field(extensions=requires(P.CUSTOMERS_READ), description="A customer; null when unknown.")
    async def customer(self, info: strawberry.Info, id: strawberry.ID) -> Customer | None:
        row = await read(info, service.find_customer, id)
        if row is not None:
            info.context.loader(CustomerLoader).prime(row.id, row)
        return row

    @strawberry.field(extensions=requires(P.VEHICLES_READ),
                      description="Vehicles by registration. `search` matches registration (however it is typed), "
                                  "VIN, and the owner's name, phone or email.")
    async def vehicles(self, info: strawberry.Info, search: str | None = None, first: int | None = None,
                       after: str | None = None) -> Connection[Vehicle]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.list_vehicles, search=search, limit=limit,
                         after=connections.after_pair(info, after))
        return connections.build(rows, limit, key=lambda r: (r.registration, r.id))

    @strawberry.field(extensions=requires(P.VEHICLES_READ), description="A vehicle; null when unknown.")
    async def vehicle(self, info: strawberry.Info, id: strawberry.ID) -> Vehicle | None:
        return await read(info, service.find_vehicle, id)

    @strawberry.field(extensions=requires(P.VEHICLES_READ),
                      description='The vehicle with this registration, however it is typed ("ab12 cde" finds '
                                  '"AB12CDE"); null when unknown.')
    async def vehicle_by_registration(self, info: strawberry.Info, registration: str) -> Vehicle | None:
        return await read(info, service.vehicle_by_registration, registration)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.CUSTOMERS_WRITE))
    async def create_customer(self, info: strawberry.Info, input: CreateCustomerInput) -> CustomerPayload:
        async def call(session, actor):
            return await service.create_customer(session, actor, fields_of(input, service.CustomerInput),
                                                 client_id(input.id))

        customer, errors = await run(info, call, client_mutation_id=input.client_mutation_id,
                                     replay=service.find_customer)
        return CustomerPayload(customer=customer, errors=errors)

    @strawberry.mutation(extensions=requires(P.CUSTOMERS_WRITE),
                         description="With expectedVersion, a stale edit gets CONFLICT and the current record.")
    async def update_customer(self, info: strawberry.Info, input: UpdateCustomerInput) -> CustomerPayload:
        customer, errors = await run(info, service.update_customer, input.id,
                                     fields_of(input, service.CustomerInput), given(input.expected_version),
                                     client_mutation_id=input.client_mutation_id, replay=service.find_customer)
        if is_conflict(errors):
            customer, _ = await run(info, service.find_customer, input.id)
        return CustomerPayload(customer=customer, errors=errors)

    @strawberry.mutation(extensions=requires(P.VEHICLES_WRITE))
    async def create_vehicle(self, info: strawberry.Info, input: CreateVehicleInput) -> VehiclePayload:
        async def call(session, actor):
            return await service.create_vehicle(session, actor, fields_of(input, service.VehicleInput),
                                                client_id(input.id))

        vehicle, errors = await run(info, call, client_mutation_id=input.client_mutation_id,
                                    replay=service.find_vehicle)
        return VehiclePayload(vehicle=vehicle, errors=errors)

    @strawberry.mutation(extensions=requires(P.VEHICLES_WRITE),
                         description="With expectedVersion, a stale edit gets CONFLICT and the current record.")
    async def update_vehicle(self, info: strawberry.Info, input: UpdateVehicleInput) -> VehiclePayload:
        vehicle, errors = await run(info, service.update_vehicle, input.id, fields_of(input, service.VehicleInput),
                                    given(input.expected_version), client_mutation_id=input.client_mutation_id,
                                    replay=service.find_vehicle)
        if is_conflict(errors):
            vehicle, _ = await run(info, service.find_vehicle, input.id)
        return VehiclePayload(vehicle=vehicle, errors=errors)

    @strawberry.mutation(extensions=requires(P.VEHICLES_WRITE),
                         description="Hand the vehicle to another customer; the past owners stay in its history.")
    async def transfer_vehicle(self, info: strawberry.Info, input: TransferVehicleInput) -> VehiclePayload:
        vehicle, errors = await run(info, service.transfer_vehicle, input.vehicle_id, input.new_owner_id,
                                    given(input.note), client_mutation_id=input.client_mutation_id,
                                    replay=service.find_vehicle)
        return VehiclePayload(vehicle=vehicle, errors=errors)

    @strawberry.mutation(extensions=requires(P.MILEAGE_RECORD),
                         description="Log an odometer reading; one lower than the last needs a reason.")
    async def record_mileage(self, info: strawberry.Info, input: RecordMileageInput) -> VehiclePayload:
        vehicle, errors = await run(info, service.record_mileage, input.vehicle_id, input.mileage,
                                    given(input.reason), client_mutation_id=input.client_mutation_id,
                                    replay=service.find_vehicle)
        return VehiclePayload(vehicle=vehicle, errors=errors)


Subscription = None
