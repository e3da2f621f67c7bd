"""GraphQL for job cards: the Job type, intake, the status machine, notes, lists, the board, live updates."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from backend.accounts.loaders import SiteLoader, UserLoader
from backend.accounts.schema import Locale, OperationsStream, Site, User
from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError, bad_input, forbidden
from backend.api.events import subscribe
from backend.api.mutations import client_id, fields_of, given, run_input
from backend.api.permissions import check, requires
from backend.api.queries import read
from backend.core.enums import RevenueStream as RevenueStreamEnum
from backend.core.errors import ErrorCode
from backend.core.permissions import Permission as P
from backend.core.validate import try_parse_id
from backend.customers import service as customers
from backend.customers.loaders import CustomerLoader
from backend.customers.schema import Customer, CustomerKind, FuelType, Vehicle, VehicleKind
from backend.files import schema as files_schema
from backend.inspections import schema as inspections_schema
from backend.billing.loaders import InvoicesByJobLoader, QuotesByJobLoader
from backend.workshop.jobsheet import signed_job_sheet_url
from backend.workshop.loaders import (
    BilledHoursByJobLoader,
    ClockEntriesByJobLoader,
    ClockedSecondsByJobLoader,
    JobLoader,
    PartsRequestsByJobLoader,
    TasksByJobLoader,
    TimelineByJobLoader,
    VehicleLoader,
)
from backend.workshop.models import JobEventKind as JobEventKindEnum
from backend.workshop.models import JobStatus as JobStatusEnum
from backend.workshop.service import jobs as service
from backend.workshop.service.clock import hours_of
from backend.workshop.service.common import board_channel, job_channel

if TYPE_CHECKING:
    from backend.billing.schema.types import Invoice, Quote
    from backend.workshop.schema.parts import PartsRequest
    from backend.workshop.schema.tasks import JobTask, TimeClockEntry

JobStatus = strawberry.enum(JobStatusEnum, name="JobStatus", description="Where a job card is in its life.")
JobEventKind = strawberry.enum(JobEventKindEnum, name="JobEventKind")
RevenueStream = strawberry.enum(RevenueStreamEnum, name="RevenueStream")


@strawberry.type(description="One entry of a job's timeline: who did what, when.")
class JobEvent:
    id: strawberry.ID
    at: dt.datetime
    kind: JobEventKind
    actor_label: str
    from_status: JobStatus | None
    to_status: JobStatus | None
    note: str | None
    data: JSON

    @strawberry.field(description="The member of staff who did it (null for an integrator or a removed user).")
    def actor(self, info: strawberry.Info) -> User | None:
        user_id = self.actor_user_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(user_id) if user_id else None


@strawberry.type(description="A job card: one visit of one vehicle, from intake to invoice.")
class Job:
    id: strawberry.ID
    number: str = strawberry.field(description="Consecutive per garage and year, e.g. JC-2026-000042.")
    status: JobStatus
    held_from_status: JobStatus | None
    operations_stream: OperationsStream
    revenue_stream: RevenueStream
    issues_reported: str | None
    mileage_in: int | None
    promised_at: dt.datetime | None
    complaint: str | None
    cause: str | None
    correction: str | None
    work_done_notes: str | None
    manager_notes: str | None
    cancel_reason: str | None
    hold_reason: str | None
    stream_override_reason: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    assigned_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    billing_at: dt.datetime | None
    invoiced_at: dt.datetime | None
    cancelled_at: dt.datetime | None

    # relations return the loader's future from a plain function (see backend/api/loaders.py)
    @strawberry.field
    def site(self, info: strawberry.Info) -> Site | None:
        return info.context.loader(SiteLoader).load(self.site_id)  # type: ignore[attr-defined]

    @strawberry.field(extensions=requires(P.VEHICLES_READ))
    def vehicle(self, info: strawberry.Info) -> Vehicle | None:
        return info.context.loader(VehicleLoader).load(self.vehicle_id)  # type: ignore[attr-defined]

    @strawberry.field(extensions=requires(P.CUSTOMERS_READ),
                      description="The vehicle's owner when the job was opened.")
    def customer(self, info: strawberry.Info) -> Customer | None:
        customer_id = self.customer_id  # type: ignore[attr-defined]
        return info.context.loader(CustomerLoader).load(customer_id) if customer_id else None

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User | None:
        tech_id = self.technician_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(tech_id) if tech_id else None

    @strawberry.field(description="The service advisor: who opened the job, unless changed (setJobAdvisor).")
    def advisor(self, info: strawberry.Info) -> User | None:
        advisor_id = self.advisor_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(advisor_id) if advisor_id else None

    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description="The appointment it was opened from.")
    def appointment(self, info: strawberry.Info) -> Annotated["Appointment", strawberry.lazy(
            "backend.scheduling.schema")] | None:
        from backend.scheduling.loaders import AppointmentLoader

        appointment_id = self.appointment_id  # type: ignore[attr-defined]
        return info.context.loader(AppointmentLoader).load(appointment_id) if appointment_id else None

    @strawberry.field(description="Status changes, assignments, notes, tasks and parts, oldest first.")
    def timeline(self, info: strawberry.Info) -> list[JobEvent]:
        return info.context.loader(TimelineByJobLoader).load(self.id)

    @strawberry.field(description="Hours clocked on the job by its technicians (an open clock counts up to now).")
    async def clocked_hours(self, info: strawberry.Info) -> float:
        seconds = await info.context.loader(ClockedSecondsByJobLoader).load(self.id)
        return float(hours_of(seconds))  # rounded half up, like clockedHours(jobId) and clockEntries

    @strawberry.field(description="The billed (standard) hours of the job's tasks.")
    async def billed_hours(self, info: strawberry.Info) -> float:
        return float(await info.context.loader(BilledHoursByJobLoader).load(self.id))

    @strawberry.field(description="The job's tasks, by position.")
    def tasks(self, info: strawberry.Info) -> list[Annotated["JobTask", strawberry.lazy(
            "backend.workshop.schema.tasks")]]:
        return info.context.loader(TasksByJobLoader).load(self.id)

    @strawberry.field(description="The job's parts requests, oldest first.")
    def parts_requests(self, info: strawberry.Info) -> list[Annotated["PartsRequest", strawberry.lazy(
            "backend.workshop.schema.parts")]]:
        return info.context.loader(PartsRequestsByJobLoader).load(self.id)

    @strawberry.field(description="Every clock entry of the job, oldest first (an open one has no endedAt).")
    def clock_entries(self, info: strawberry.Info) -> list[Annotated["TimeClockEntry", strawberry.lazy(
            "backend.workshop.schema.tasks")]]:
        return info.context.loader(ClockEntriesByJobLoader).load(self.id)

    attachments = files_schema.job_attachments
    inspections = inspections_schema.job_inspections

    @strawberry.field(extensions=requires(P.QUOTES_READ), description="The job's quotes, oldest first.")
    def quotes(self, info: strawberry.Info) -> list[Annotated["Quote", strawberry.lazy(
            "backend.billing.schema.types")]]:
        return info.context.loader(QuotesByJobLoader).load(self.id)

    @strawberry.field(extensions=requires(P.INVOICES_READ),
                      description="The job's invoices, oldest first (a voided one and the one that replaced it).")
    def invoices(self, info: strawberry.Info) -> list[Annotated["Invoice", strawberry.lazy(
            "backend.billing.schema.types")]]:
        return info.context.loader(InvoicesByJobLoader).load(self.id)

    @strawberry.field(description="A signed link to the job sheet PDF for the bay (no prices), valid for a few "
                                  "minutes; in the reader's language unless `locale` is given. Null for an API key "
                                  "(the link is signed for a member of staff).")
    def job_sheet_url(self, info: strawberry.Info, locale: Locale | None = None) -> str | None:
        return signed_job_sheet_url(info, self, locale.value if locale else None)



@strawberry.type(description="One column of the job board: the site's jobs in one status, oldest first.")
class JobBoardColumn:
    status: JobStatus
    jobs: list[Job]


@strawberry.type
class JobPayload:
    job: Job | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ------------------------------------------------------------------------------------------------ inputs


@strawberry.input(description="A vehicle first seen at this intake.")
class NewVehicleInput:
    registration: str
    vin: str | None = strawberry.UNSET
    make: str | None = strawberry.UNSET
    model: str | None = strawberry.UNSET
    year: int | None = strawberry.UNSET
    colour: str | None = strawberry.UNSET
    fuel: FuelType | None = strawberry.UNSET
    kind: VehicleKind | None = strawberry.UNSET
    insurance_expiry: dt.date | None = strawberry.field(
        default=strawberry.UNSET, description="When its compulsory insurance (Thailand: พ.ร.บ.) runs out.")


@strawberry.input(description="The owner of a new vehicle, first seen at this intake.")
class NewOwnerInput:
    name: str
    kind: CustomerKind | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET


@strawberry.input(description="Open a job card: `vehicleId` for a known vehicle, or `newVehicle` with `ownerId` or "
                              "`newOwner`. A mileage is recorded on the vehicle (a lower one needs mileageReason).")
class CreateJobInput:
    id: strawberry.ID | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET
    site_id: strawberry.ID
    vehicle_id: strawberry.ID | None = strawberry.UNSET
    new_vehicle: NewVehicleInput | None = strawberry.UNSET
    owner_id: strawberry.ID | None = strawberry.UNSET
    new_owner: NewOwnerInput | None = strawberry.UNSET
    operations_stream: OperationsStream
    revenue_stream: RevenueStream
    issues_reported: str | None = strawberry.UNSET
    complaint: str | None = strawberry.UNSET
    mileage: int | None = strawberry.UNSET
    mileage_reason: str | None = strawberry.UNSET
    promised_at: dt.datetime | None = strawberry.UNSET


@strawberry.input(description="With a JOBS_OVERRIDE_STREAM permission and a streamOverrideReason, a manager may "
                              "assign a technician outside the job's stream.")
class AssignJobInput:
    job_id: strawberry.ID
    technician_id: strawberry.ID
    stream_override_reason: str | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class StartJobInput:
    job_id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Work-done notes are required, given here or before (updateJobNotes).")
class CompleteJobInput:
    job_id: strawberry.ID
    work_done_notes: str | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ReviewJobInput:
    job_id: strawberry.ID
    manager_notes: str | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class MoveJobToBillingInput:
    job_id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class CancelJobInput:
    job_id: strawberry.ID
    reason: str
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class HoldJobInput:
    job_id: strawberry.ID
    reason: str
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ResumeJobInput:
    job_id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateJobNotesInput:
    job_id: strawberry.ID
    complaint: str | None = strawberry.UNSET
    cause: str | None = strawberry.UNSET
    correction: str | None = strawberry.UNSET
    work_done_notes: str | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class AddJobNoteInput:
    job_id: strawberry.ID
    note: str
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class JobFilterInput:
    status: list[JobStatus] | None = None
    site_id: strawberry.ID | None = None
    technician_id: strawberry.ID | None = None
    operations_stream: OperationsStream | None = None
    revenue_stream: RevenueStream | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    search: str | None = strawberry.field(default=None, description="Job number, registration or customer name.")


# ------------------------------------------------------------------------------------------------ helpers






async def _job_mutation(info: strawberry.Info, input, fn, *args) -> JobPayload:
    """Run one job service call; on an expected failure the payload still carries the job as it is now."""
    job, errors = await run_input(info, input, fn, *args, find=service.find_job,
                                  current_id=getattr(input, "job_id", None), stale=bool)
    return JobPayload(job=job, errors=errors)


def _create_data(input: CreateJobInput) -> service.CreateJobData:
    data = fields_of(input, service.CreateJobData)
    data.new_vehicle = fields_of(input.new_vehicle, customers.VehicleInput) if input.new_vehicle else None
    data.new_owner = fields_of(input.new_owner, customers.CustomerInput) if input.new_owner else None
    return data




def _prime(info: strawberry.Info, jobs) -> None:
    loader = info.context.loader(JobLoader)
    for job in jobs:
        loader.prime(job.id, job)


# ------------------------------------------------------------------------------------------------ operations


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.JOBS_READ),
                      description="A job card; null when unknown or (for a technician) someone else's.")
    async def job(self, info: strawberry.Info, id: strawberry.ID) -> Job | None:
        return await read(info, service.find_job, id)

    @strawberry.field(extensions=requires(P.JOBS_READ), description="Job cards, newest first.")
    async def jobs(self, info: strawberry.Info, filter: JobFilterInput | None = None, first: int | None = None,
                   after: str | None = None) -> Connection[Job]:
        limit = connections.page_size(info, first)
        data = fields_of(filter, service.JobFilter) if filter is not None else None
        rows = await read(info, service.list_jobs, data, limit=limit,
                         after=connections.after_pair(info, after))
        return connections.build(rows, limit, key=lambda j: (j.created_at.isoformat(), j.id))

    @strawberry.field(extensions=requires(P.JOBS_READ),
                      description="The site's active jobs, one column per status (RECEIVED to BILLING, ON_HOLD).")
    async def job_board(self, info: strawberry.Info, site_id: strawberry.ID) -> list[JobBoardColumn]:
        columns = await read(info, service.job_board, site_id)
        return [JobBoardColumn(status=status, jobs=jobs) for status, jobs in columns]

    @strawberry.field(extensions=requires(P.JOBS_READ),
                      description="The signed-in technician's open jobs, promised soonest first.")
    async def my_jobs(self, info: strawberry.Info) -> list[Job]:
        return await read(info, service.my_jobs)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.JOBS_CREATE),
                         description="Open a job card; its number is taken in the same transaction.")
    async def create_job(self, info: strawberry.Info, input: CreateJobInput) -> JobPayload:
        actor = info.context.actor
        if (input.new_vehicle and not actor.can(P.VEHICLES_WRITE)) or (
                input.new_owner and not actor.can(P.CUSTOMERS_WRITE)):
            raise forbidden(info.context.locale)

        async def call(session, actor):
            return await service.create_job(session, actor, _create_data(input), client_id(input.id))

        job, errors = await run_input(info, input, call, find=service.find_job)
        return JobPayload(job=job, errors=errors)

    @strawberry.mutation(extensions=requires(P.JOBS_ASSIGN))
    async def assign_job(self, info: strawberry.Info, input: AssignJobInput) -> JobPayload:
        return await _job_mutation(info, input, service.assign_job, input.job_id, input.technician_id,
                                   given(input.stream_override_reason), given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_WORK), description="The assigned technician starts work.")
    async def start_job(self, info: strawberry.Info, input: StartJobInput) -> JobPayload:
        return await _job_mutation(info, input, service.start_job, input.job_id, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_WORK),
                         description="Refused while parts requests are pending or tasks are open (naming them).")
    async def complete_job(self, info: strawberry.Info, input: CompleteJobInput) -> JobPayload:
        return await _job_mutation(info, input, service.complete_job, input.job_id,
                                   input.work_done_notes if input.work_done_notes is not strawberry.UNSET
                                   else service._UNSET, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_REVIEW))
    async def review_job(self, info: strawberry.Info, input: ReviewJobInput) -> JobPayload:
        return await _job_mutation(info, input, service.review_job, input.job_id, given(input.manager_notes),
                                   given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_REVIEW))
    async def move_job_to_billing(self, info: strawberry.Info, input: MoveJobToBillingInput) -> JobPayload:
        return await _job_mutation(info, input, service.move_job_to_billing, input.job_id,
                                   given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_HOLD), description="Not once the job is invoiced.")
    async def cancel_job(self, info: strawberry.Info, input: CancelJobInput) -> JobPayload:
        return await _job_mutation(info, input, service.cancel_job, input.job_id, input.reason,
                                   given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_HOLD))
    async def hold_job(self, info: strawberry.Info, input: HoldJobInput) -> JobPayload:
        return await _job_mutation(info, input, service.hold_job, input.job_id, input.reason,
                                   given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_HOLD), description="Back to the status it was held from.")
    async def resume_job(self, info: strawberry.Info, input: ResumeJobInput) -> JobPayload:
        return await _job_mutation(info, input, service.resume_job, input.job_id, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_WORK),
                         description="Complaint, cause, correction and work-done notes (the technician's own job).")
    async def update_job_notes(self, info: strawberry.Info, input: UpdateJobNotesInput) -> JobPayload:
        data = fields_of(input, service.JobNotes)
        return await _job_mutation(info, input, service.update_job_notes, input.job_id, data,
                                   given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_NOTE), description="A free note in the job's timeline.")
    async def add_job_note(self, info: strawberry.Info, input: AddJobNoteInput) -> JobPayload:
        return await _job_mutation(info, input, service.add_job_note, input.job_id, input.note)


async def _deliver(info: strawberry.Info, channel: str, job_id: uuid.UUID | None = None) -> AsyncGenerator[Job, None]:
    """Each changed job of a channel, loaded fresh; never one the subscriber may not see."""
    actor = info.context.actor
    technician = service.is_technician(actor)
    async for message in subscribe(info, P.JOBS_READ, channel):
        if technician and message.get("technicianId") != str(actor.user_id):
            continue
        jid = job_id or try_parse_id(message.get("jobId"))
        if jid is None:
            continue
        job = await info.context.loader(JobLoader).load(jid)
        if service.visible_to(actor, job):
            yield job


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The job each time it changes (a technician: only their own).")
    async def job_updated(self, info: strawberry.Info, job_id: strawberry.ID) -> AsyncGenerator[Job, None]:
        check(info, P.JOBS_READ)
        jid = try_parse_id(job_id)
        if jid is None:
            raise bad_input(info.context.locale, ErrorCode.NOT_FOUND, "jobId")
        async for job in _deliver(info, job_channel(info.context.actor.garage_id, jid), jid):
            yield job

    @strawberry.subscription(description="Every job of the site each time it changes (a technician: only their own).")
    async def job_board(self, info: strawberry.Info, site_id: strawberry.ID) -> AsyncGenerator[Job, None]:
        check(info, P.JOBS_READ)
        sid = try_parse_id(site_id)
        if sid is None:
            raise bad_input(info.context.locale, ErrorCode.NOT_FOUND, "siteId")
        async for job in _deliver(info, board_channel(info.context.actor.garage_id, sid)):
            yield job
