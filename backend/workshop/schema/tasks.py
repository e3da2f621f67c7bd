"""GraphQL for the task-action catalog, the tasks of a job and the technician's time clock."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.accounts.loaders import UserLoader
from backend.accounts.schema import OperationsStream, User
from backend.api.errors import UserError
from backend.api.mutations import client_id, fields_of, given, run, run_input
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.i18n import normalize_locale
from backend.core.permissions import Permission as P
from backend.workshop.loaders import JobLoader, TaskActionLoader
from backend.workshop.models import TaskStatus as TaskStatusEnum
from backend.workshop.service import clock as clock_service
from backend.workshop.service import tasks as service

if TYPE_CHECKING:
    from backend.workshop.schema.jobs import Job

JobRef = Annotated["Job", strawberry.lazy("backend.workshop.schema.jobs")]

TaskStatus = strawberry.enum(TaskStatusEnum, name="TaskStatus")


def _localized(info: strawberry.Info, en: str, th: str | None) -> str:
    return th if th and normalize_locale(info.context.locale) == "th" else en


@strawberry.type(description="A catalog entry: a kind of work of one operations stream, with its default labour "
                             "cost (minor units) and standard (billed) hours.")
class TaskAction:
    id: strawberry.ID
    stream: OperationsStream
    name_en: str
    name_th: str | None
    description: str | None
    default_labour_cost: int = strawberry.field(description="Minor units of the garage's currency (satang).")
    standard_hours: Decimal = strawberry.field(description="The hours billed for this work.")
    active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(description="The name in the reader's language.")
    def name(self, info: strawberry.Info) -> str:
        return _localized(info, self.name_en, self.name_th)


@strawberry.type(description="A piece of work on a job. Labour from completed tasks goes on the invoice.")
class JobTask:
    id: strawberry.ID
    name: str
    name_th: str | None
    description: str | None
    labour_cost: int = strawberry.field(description="Minor units of the garage's currency.")
    billed_hours: Decimal = strawberry.field(description="Hours billed (apart from the hours clocked).")
    status: TaskStatus
    position: int
    completed_at: dt.datetime | None
    version: int
    created_at: dt.datetime

    @strawberry.field(description="The name in the reader's language.")
    def display_name(self, info: strawberry.Info) -> str:
        return _localized(info, self.name, self.name_th)

    @strawberry.field
    def job(self, info: strawberry.Info) -> JobRef | None:
        return info.context.loader(JobLoader).load(self.job_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The catalog entry it came from; null for custom work.")
    def task_action(self, info: strawberry.Info) -> TaskAction | None:
        action_id = self.task_action_id  # type: ignore[attr-defined]
        return info.context.loader(TaskActionLoader).load(action_id) if action_id else None

    @strawberry.field
    def created_by(self, info: strawberry.Info) -> User | None:
        user_id = self.created_by_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(user_id) if user_id else None

    @strawberry.field
    def completed_by(self, info: strawberry.Info) -> User | None:
        user_id = self.completed_by_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(user_id) if user_id else None


@strawberry.type(description="A technician's time on a job. endedAt and seconds are null while the clock runs.")
class TimeClockEntry:
    id: strawberry.ID
    started_at: dt.datetime
    ended_at: dt.datetime | None
    seconds: int | None

    @strawberry.field(description="Hours clocked, to two decimals; an open clock counts up to now.")
    def hours(self) -> Decimal:
        return clock_service.hours_of(clock_service.elapsed_seconds(self))  # type: ignore[arg-type]

    @strawberry.field
    def job(self, info: strawberry.Info) -> JobRef | None:
        return info.context.loader(JobLoader).load(self.job_id)  # type: ignore[attr-defined]

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User | None:
        return info.context.loader(UserLoader).load(self.technician_id)  # type: ignore[attr-defined]


@strawberry.type(description="Hours clocked on a job by one technician (apart from the billed hours of tasks).")
class ClockedHours:
    seconds: int
    hours: Decimal
    open: bool = strawberry.field(description="The technician's clock is running on the job now.")
    technician_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User | None:
        return info.context.loader(UserLoader).load(self.technician_id)


# ------------------------------------------------------------------------------------------------ inputs / payloads


@strawberry.input
class CreateTaskActionInput:
    id: strawberry.ID | None = strawberry.UNSET
    stream: OperationsStream
    name_en: str
    name_th: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    default_labour_cost: int | None = strawberry.UNSET
    standard_hours: Decimal | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateTaskActionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    stream: OperationsStream | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    name_th: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    default_labour_cost: int | None = strawberry.UNSET
    standard_hours: Decimal | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class TaskActionPayload:
    task_action: TaskAction | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="From the catalog (taskActionId: its names, labour cost and standard hours are "
                              "copied, labourCost / billedHours given here win) or custom (name required).")
class AddJobTaskInput:
    id: strawberry.ID | None = strawberry.UNSET
    job_id: strawberry.ID
    task_action_id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    name_th: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    labour_cost: int | None = strawberry.UNSET
    billed_hours: Decimal | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Change an open task (a completed one is reopened first).")
class UpdateJobTaskInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    name_th: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    labour_cost: int | None = strawberry.UNSET
    billed_hours: Decimal | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class JobTaskActionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class JobTaskPayload:
    task: JobTask | None = None
    job: JobRef | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ClockInput:
    job_id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class ClockPayload:
    entry: TimeClockEntry | None = None
    job: JobRef | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)








async def _job_of(info: strawberry.Info, record):
    return await info.context.loader(JobLoader).load(record.job_id) if record is not None else None


async def _task_mutation(info: strawberry.Info, input, fn, *args, current: bool = True) -> JobTaskPayload:
    """One job task service call; a stale one (CONFLICT) answers with the task as it is now."""
    task, errors = await run_input(info, input, fn, *args, find=service.find_job_task,
                                   current_id=input.id if current else None)
    return JobTaskPayload(task=task, job=await _job_of(info, task), errors=errors)


# ------------------------------------------------------------------------------------------------ operations


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.TASK_CATALOG_READ),
                      description="The task-action catalog by stream and name; filter by stream and active flag.")
    async def task_actions(self, info: strawberry.Info, stream: OperationsStream | None = None,
                           active: bool | None = None) -> list[TaskAction]:
        return await read(info, service.list_task_actions, stream=stream, active=active)

    @strawberry.field(extensions=requires(P.JOBS_READ), description="A job's tasks by position.")
    async def job_tasks(self, info: strawberry.Info, job_id: strawberry.ID) -> list[JobTask]:
        return await read(info, service.list_job_tasks, job_id)

    @strawberry.field(extensions=requires(P.TIME_CLOCK), description="The signed-in technician's running clock.")
    async def my_clock(self, info: strawberry.Info) -> TimeClockEntry | None:
        return await read(info, clock_service.my_clock)

    @strawberry.field(extensions=requires(P.JOBS_READ), description="Every clock entry of a job, oldest first.")
    async def clock_entries(self, info: strawberry.Info, job_id: strawberry.ID) -> list[TimeClockEntry]:
        return await read(info, clock_service.clock_entries, job_id)

    @strawberry.field(extensions=requires(P.JOBS_READ),
                      description="Hours clocked on a job per technician, apart from the billed hours of its tasks.")
    async def clocked_hours(self, info: strawberry.Info, job_id: strawberry.ID) -> list[ClockedHours]:
        rows = await read(info, clock_service.clocked_hours, job_id)
        return [ClockedHours(seconds=r.seconds, hours=r.hours, open=r.open, technician_id=r.technician_id)
                for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.TASK_CATALOG_MANAGE))
    async def create_task_action(self, info: strawberry.Info, input: CreateTaskActionInput) -> TaskActionPayload:
        async def call(session, actor):
            return await service.create_task_action(session, actor, fields_of(input, service.TaskActionInput),
                                                    client_id(input.id))

        action, errors = await run_input(info, input, call, find=service.find_task_action)
        return TaskActionPayload(task_action=action, errors=errors)

    @strawberry.mutation(extensions=requires(P.TASK_CATALOG_MANAGE),
                         description="With expectedVersion, a stale edit gets CONFLICT and the current record.")
    async def update_task_action(self, info: strawberry.Info, input: UpdateTaskActionInput) -> TaskActionPayload:
        action, errors = await run_input(info, input, service.update_task_action, input.id,
                                         fields_of(input, service.TaskActionInput), given(input.expected_version),
                                         find=service.find_task_action, current_id=input.id)
        return TaskActionPayload(task_action=action, errors=errors)

    @strawberry.mutation(extensions=requires(P.JOBS_WORK),
                         description="Add work to a job in progress or awaiting parts (its technician, or an admin).")
    async def add_job_task(self, info: strawberry.Info, input: AddJobTaskInput) -> JobTaskPayload:
        async def call(session, actor):
            return await service.add_job_task(session, actor, input.job_id, fields_of(input, service.JobTaskInput),
                                              client_id(input.id))

        return await _task_mutation(info, input, call, current=False)

    @strawberry.mutation(extensions=requires(P.JOBS_WORK),
                         description="Change an open task; with expectedVersion a stale edit gets CONFLICT.")
    async def update_job_task(self, info: strawberry.Info, input: UpdateJobTaskInput) -> JobTaskPayload:
        return await _task_mutation(info, input, service.update_job_task, input.id,
                                    fields_of(input, service.JobTaskInput), given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_WORK))
    async def complete_job_task(self, info: strawberry.Info, input: JobTaskActionInput) -> JobTaskPayload:
        return await _task_mutation(info, input, service.complete_job_task, input.id, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_WORK))
    async def reopen_job_task(self, info: strawberry.Info, input: JobTaskActionInput) -> JobTaskPayload:
        return await _task_mutation(info, input, service.reopen_job_task, input.id, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.JOBS_WORK),
                         description="Remove an open task (a completed one stays: TASK_COMPLETED). The payload's "
                                     "task is the removed one.")
    async def remove_job_task(self, info: strawberry.Info, input: JobTaskActionInput) -> JobTaskPayload:
        return await _task_mutation(info, input, service.remove_job_task, input.id, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.TIME_CLOCK),
                         description="Clock on to your job; a clock running on another job stops first.")
    async def clock_on_job(self, info: strawberry.Info, input: ClockInput) -> ClockPayload:
        entry, errors = await run(info, clock_service.clock_on_job, input.job_id,
                                  client_mutation_id=given(input.client_mutation_id), replay=clock_service.find_clock_entry)
        return ClockPayload(entry=entry, job=await _job_of(info, entry), errors=errors)

    @strawberry.mutation(extensions=requires(P.TIME_CLOCK), description="Stop your clock on the job.")
    async def clock_off_job(self, info: strawberry.Info, input: ClockInput) -> ClockPayload:
        entry, errors = await run(info, clock_service.clock_off_job, input.job_id,
                                  client_mutation_id=given(input.client_mutation_id), replay=clock_service.find_clock_entry)
        return ClockPayload(entry=entry, job=await _job_of(info, entry), errors=errors)


Subscription = None
