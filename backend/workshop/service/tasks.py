"""The task-action catalog (per operations stream) and the tasks of a job.

A job task is recorded only while the job is IN_PROGRESS or AWAITING_PARTS, by its technician or an admin. A task
added from the catalog copies the catalog's name, labour cost and standard hours (so a later catalog change leaves
the job alone). A completed task is frozen: it cannot be edited or removed; reopen it first (that is on the
timeline), because invoices take their labour from completed tasks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import OperationsStream
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.core.validate import check_version
from backend.workshop.models import (
    Job,
    JobEventKind,
    JobStatus,
    JobTask,
    TaskAction,
    TaskStatus,
)
from backend.workshop.service.common import (
    add_event,
    job_changed,
    load_job,
)

__all__ = [
    "TaskActionInput", "create_task_action", "update_task_action", "get_task_action", "find_task_action",
    "list_task_actions", "JobTaskInput", "add_job_task", "update_job_task", "complete_job_task",
    "reopen_job_task", "remove_job_task", "list_job_tasks", "find_job_task", "WORKABLE", "require_workable",
]

_UNSET = object()
MAX_HOURS = Decimal("999")
MAX_LABOUR = 10**12  # minor units; far above any real labour line, below the column's limits
TASK_ACTION_FIELDS = ("stream", "name_en", "name_th", "description", "default_labour_cost", "standard_hours",
                      "active")
JOB_TASK_FIELDS = ("name", "name_th", "description", "labour_cost", "billed_hours", "status", "task_action_id")

WORKABLE = frozenset({JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS})


def require_workable(job: Job, field: str = "jobId") -> None:
    """Work (tasks, clock, parts requests) is recorded only on a job in progress or awaiting parts."""
    if job.status not in WORKABLE:
        raise DomainError(ErrorCode.JOB_NOT_WORKABLE, field, status=job.status)


# ---------------------------------------------------------------------------------------------------- checks


def _stream(errors: Collector, value: object) -> OperationsStream | None:
    if value is None:
        errors.add(ErrorCode.REQUIRED, "stream")
        return None
    if isinstance(value, OperationsStream):
        return value
    try:
        return OperationsStream(getattr(value, "value", value))
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, "stream")
        return None


def _amount(errors: Collector, field: str, value: object) -> int | None:
    """Money in minor units, zero or more."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LABOUR:
        errors.add(ErrorCode.INVALID_AMOUNT, field)
        return None
    return value


def _hours(errors: Collector, field: str, value: object) -> Decimal | None:
    """Hours between 0 and 999, kept to two decimals (the column's scale)."""
    if isinstance(value, bool) or value is None:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS or hours != hours.quantize(Decimal("0.01")):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    return hours.quantize(Decimal("0.01"))


def _touch(session: AsyncSession, job: Job) -> None:
    """The job card shows its tasks and clock: a change to them is a change of the job for its subscribers."""
    job.version += 1
    job.updated_at = utcnow()
    job_changed(session, job)


# ---------------------------------------------------------------------------------------------------- catalog


@dataclass
class TaskActionInput:
    stream: object = _UNSET
    name_en: object = _UNSET
    name_th: object = _UNSET
    description: object = _UNSET
    default_labour_cost: object = _UNSET
    standard_hours: object = _UNSET
    active: object = _UNSET


def _check_task_action(errors: Collector, data: TaskActionInput) -> dict:
    out: dict = {}
    if data.stream is not _UNSET:
        out["stream"] = _stream(errors, data.stream)
    if data.name_en is not _UNSET:
        out["name_en"] = v.text(errors, "nameEn", data.name_en, required=True, max_len=200)
    if data.name_th is not _UNSET:
        out["name_th"] = v.text(errors, "nameTh", data.name_th, max_len=200)
    if data.description is not _UNSET:
        out["description"] = v.text(errors, "description", data.description, max_len=2000)
    if data.default_labour_cost is not _UNSET:
        out["default_labour_cost"] = _amount(errors, "defaultLabourCost", data.default_labour_cost)
    if data.standard_hours is not _UNSET:
        out["standard_hours"] = _hours(errors, "standardHours", data.standard_hours)
    if data.active is not _UNSET:
        if data.active is None:
            errors.add(ErrorCode.REQUIRED, "active")
        else:
            out["active"] = bool(data.active)
    return out


async def create_task_action(session: AsyncSession, actor: Actor, data: TaskActionInput,
                             task_action_id: uuid.UUID | None = None) -> TaskAction:
    errors = Collector()
    for name in ("stream", "name_en"):
        if getattr(data, name) is _UNSET:
            setattr(data, name, None)
    if data.default_labour_cost in (_UNSET, None):
        data.default_labour_cost = 0
    if data.standard_hours in (_UNSET, None):
        data.standard_hours = Decimal("0")
    fields = _check_task_action(errors, data)
    errors.raise_if_any()
    await v.ensure_new_id(session, TaskAction, task_action_id)
    action = TaskAction(id=task_action_id or new_id(), garage_id=actor.garage_id, **fields)
    session.add(action)
    await session.flush()
    audit.record(session, actor, "TaskAction", action.id, "create", audit.created(action, TASK_ACTION_FIELDS))
    return action


async def get_task_action(session: AsyncSession, actor: Actor, task_action_id: object, field: str = "id", *,
                          for_update: bool = False) -> TaskAction:
    tid = v.parse_id(task_action_id, field)
    query = select(TaskAction).where(TaskAction.id == tid, TaskAction.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    action = (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()
    if action is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return action


async def find_task_action(session: AsyncSession, actor: Actor, task_action_id: object) -> TaskAction | None:
    try:
        return await get_task_action(session, actor, task_action_id)
    except DomainError:
        return None


async def update_task_action(session: AsyncSession, actor: Actor, task_action_id: object, data: TaskActionInput,
                             expected_version: int | None = None) -> TaskAction:
    errors = Collector()
    fields = _check_task_action(errors, data)
    errors.raise_if_any()
    action = await get_task_action(session, actor, task_action_id, for_update=True)
    check_version(action, expected_version)
    before = audit.snapshot(action, TASK_ACTION_FIELDS)
    changed = {k: val for k, val in fields.items() if getattr(action, k) != val}
    if changed:
        for key, value in changed.items():
            setattr(action, key, value)
        action.version += 1
        await session.flush()
        audit.record(session, actor, "TaskAction", action.id, "update",
                     audit.diff(before, audit.snapshot(action, TASK_ACTION_FIELDS)))
    return action


async def list_task_actions(session: AsyncSession, actor: Actor, *, stream: object = None,
                            active: bool | None = None) -> list[TaskAction]:
    query = select(TaskAction).where(TaskAction.garage_id == actor.garage_id)
    if stream is not None:
        errors = Collector()
        value = _stream(errors, stream)
        errors.raise_if_any()
        query = query.where(TaskAction.stream == value)
    if active is not None:
        query = query.where(TaskAction.active.is_(bool(active)))
    query = query.order_by(TaskAction.stream, TaskAction.name_en, TaskAction.id)
    return list((await session.execute(query)).scalars())


# ---------------------------------------------------------------------------------------------------- job tasks


@dataclass
class JobTaskInput:
    task_action_id: object = _UNSET
    name: object = _UNSET
    name_th: object = _UNSET
    description: object = _UNSET
    labour_cost: object = _UNSET
    billed_hours: object = _UNSET


async def _locked_task(session: AsyncSession, actor: Actor, task_id: object, field: str = "id") -> tuple[JobTask, Job]:
    """The task and its job, the job locked first (every change to a job's tasks queues on the job's row)."""
    tid = v.parse_id(task_id, field)
    job_id = (await session.execute(
        select(JobTask.job_id).where(JobTask.id == tid, JobTask.garage_id == actor.garage_id))).scalar_one_or_none()
    if job_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    job = await load_job(session, actor, job_id, for_update=True, field=field)
    task = (await session.execute(
        select(JobTask).where(JobTask.id == tid, JobTask.garage_id == actor.garage_id)
        .with_for_update().execution_options(populate_existing=True))).scalar_one_or_none()
    if task is None:  # removed while we waited for the job
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return task, job


async def add_job_task(session: AsyncSession, actor: Actor, job_id: object, data: JobTaskInput,
                       task_id: uuid.UUID | None = None) -> JobTask:
    """From the catalog (taskActionId: its names, labour and hours are copied; labourCost / billedHours given here
    win) or custom (name, labourCost, billedHours)."""
    errors = Collector()
    fields: dict = {}
    from_catalog = data.task_action_id not in (_UNSET, None)
    if not from_catalog and data.name is _UNSET:
        data.name = None
    if data.name is not _UNSET and (data.name is not None or not from_catalog):
        fields["name"] = v.text(errors, "name", data.name, required=True, max_len=200)
    if data.name_th is not _UNSET:
        fields["name_th"] = v.text(errors, "nameTh", data.name_th, max_len=200)
    if data.description is not _UNSET:
        fields["description"] = v.text(errors, "description", data.description, max_len=2000)
    if data.labour_cost not in (_UNSET, None):
        fields["labour_cost"] = _amount(errors, "labourCost", data.labour_cost)
    if data.billed_hours not in (_UNSET, None):
        fields["billed_hours"] = _hours(errors, "billedHours", data.billed_hours)
    errors.raise_if_any()
    job = await load_job(session, actor, job_id, for_update=True)
    require_workable(job)
    if from_catalog:
        action = await get_task_action(session, actor, data.task_action_id, "taskActionId")
        if not action.active:
            raise DomainError(ErrorCode.INVALID_VALUE, "taskActionId")
        base = {"task_action_id": action.id, "name": action.name_en, "name_th": action.name_th,
                "description": action.description, "labour_cost": action.default_labour_cost,
                "billed_hours": action.standard_hours}
        fields = {**base, **{k: val for k, val in fields.items() if val is not None}}
    fields.setdefault("labour_cost", 0)
    fields.setdefault("billed_hours", Decimal("0"))
    await v.ensure_new_id(session, JobTask, task_id)
    position = (await session.execute(
        select(func.coalesce(func.max(JobTask.position), -1)).where(JobTask.job_id == job.id))).scalar_one()
    task = JobTask(id=task_id or new_id(), garage_id=actor.garage_id, job_id=job.id, position=int(position) + 1,
                   created_by_id=actor.user_id, status=TaskStatus.OPEN, **fields)
    session.add(task)
    await session.flush()
    add_event(session, actor, job, JobEventKind.TASK_ADDED, note=task.name, data={"taskId": str(task.id)})
    audit.record(session, actor, "JobTask", task.id, "create", audit.created(task, JOB_TASK_FIELDS))
    _touch(session, job)
    return task


async def update_job_task(session: AsyncSession, actor: Actor, task_id: object, data: JobTaskInput,
                          expected_version: int | None = None) -> JobTask:
    """Labour cost, billed hours, names and description of an open task."""
    errors = Collector()
    fields: dict = {}
    if data.name is not _UNSET:
        fields["name"] = v.text(errors, "name", data.name, required=True, max_len=200)
    if data.name_th is not _UNSET:
        fields["name_th"] = v.text(errors, "nameTh", data.name_th, max_len=200)
    if data.description is not _UNSET:
        fields["description"] = v.text(errors, "description", data.description, max_len=2000)
    if data.labour_cost is not _UNSET:
        fields["labour_cost"] = _amount(errors, "labourCost", data.labour_cost)
    if data.billed_hours is not _UNSET:
        fields["billed_hours"] = _hours(errors, "billedHours", data.billed_hours)
    errors.raise_if_any()
    task, job = await _locked_task(session, actor, task_id)
    check_version(task, expected_version)
    require_workable(job)
    if task.status == TaskStatus.COMPLETED:
        raise DomainError(ErrorCode.TASK_COMPLETED, "id")
    before = audit.snapshot(task, JOB_TASK_FIELDS)
    changed = {k: val for k, val in fields.items() if getattr(task, k) != val}
    if changed:
        for key, value in changed.items():
            setattr(task, key, value)
        task.version += 1
        await session.flush()
        audit.record(session, actor, "JobTask", task.id, "update",
                     audit.diff(before, audit.snapshot(task, JOB_TASK_FIELDS)))
        _touch(session, job)
    return task


async def _set_task_status(session: AsyncSession, actor: Actor, task_id: object, expected_version: int | None,
                           done: bool) -> JobTask:
    """Complete (done) or reopen a task: version, timeline, audit, and the job's subscribers told."""
    task, job = await _locked_task(session, actor, task_id)
    check_version(task, expected_version)
    require_workable(job)
    if done and task.status == TaskStatus.COMPLETED:
        raise DomainError(ErrorCode.TASK_COMPLETED, "id")
    if not done and task.status != TaskStatus.COMPLETED:
        raise DomainError(ErrorCode.TASK_NOT_COMPLETED, "id")
    before = audit.snapshot(task, JOB_TASK_FIELDS)
    task.status = TaskStatus.COMPLETED if done else TaskStatus.OPEN
    task.completed_at = utcnow() if done else None
    task.completed_by_id = actor.user_id if done else None
    task.version += 1
    await session.flush()
    add_event(session, actor, job, JobEventKind.TASK_COMPLETED if done else JobEventKind.TASK_REOPENED,
              note=task.name, data={"taskId": str(task.id)})
    audit.record(session, actor, "JobTask", task.id, "complete" if done else "reopen",
                 audit.diff(before, audit.snapshot(task, JOB_TASK_FIELDS)))
    _touch(session, job)
    return task


async def complete_job_task(session: AsyncSession, actor: Actor, task_id: object,
                            expected_version: int | None = None) -> JobTask:
    return await _set_task_status(session, actor, task_id, expected_version, done=True)


async def reopen_job_task(session: AsyncSession, actor: Actor, task_id: object,
                          expected_version: int | None = None) -> JobTask:
    return await _set_task_status(session, actor, task_id, expected_version, done=False)


async def remove_job_task(session: AsyncSession, actor: Actor, task_id: object,
                          expected_version: int | None = None) -> JobTask:
    """Delete an open task. The returned object is the task as it was (for the payload)."""
    task, job = await _locked_task(session, actor, task_id)
    check_version(task, expected_version)
    require_workable(job)
    if task.status == TaskStatus.COMPLETED:
        raise DomainError(ErrorCode.TASK_COMPLETED, "id")
    add_event(session, actor, job, JobEventKind.TASK_REMOVED, note=task.name, data={"taskId": str(task.id)})
    audit.record(session, actor, "JobTask", task.id, "delete",
                 {k: {"before": val, "after": None} for k, val in audit.snapshot(task, JOB_TASK_FIELDS).items()
                  if val is not None})
    await session.delete(task)
    await session.flush()
    _touch(session, job)
    return task


async def find_job_task(session: AsyncSession, actor: Actor, task_id: object) -> JobTask | None:
    """The task as it is now (None when it is gone or not the actor's to see)."""
    tid = v.try_parse_id(task_id)
    if tid is None:
        return None
    task = (await session.execute(
        select(JobTask).where(JobTask.id == tid, JobTask.garage_id == actor.garage_id)
        .execution_options(populate_existing=True))).scalar_one_or_none()
    if task is None:
        return None
    try:
        await load_job(session, actor, task.job_id)
    except DomainError:
        return None
    return task


async def list_job_tasks(session: AsyncSession, actor: Actor, job_id: object) -> list[JobTask]:
    job = await load_job(session, actor, job_id)
    return list((await session.execute(
        select(JobTask).where(JobTask.job_id == job.id, JobTask.garage_id == actor.garage_id)
        .order_by(JobTask.position, JobTask.created_at, JobTask.id))).scalars())


async def add_planned_tasks(session: AsyncSession, actor: Actor, job: Job, task_action_ids: list[uuid.UUID]
                            ) -> list[JobTask]:
    """The booked services of the appointment a job was opened from (backend/scheduling), as the job's first open
    tasks, copied from the catalog like add_job_task does. Only at intake: this is the planned work, recorded
    before the job is in progress (the technician completes, edits or removes them as usual)."""
    if not task_action_ids:
        return []
    actions = {a.id: a for a in (await session.execute(select(TaskAction).where(
        TaskAction.garage_id == actor.garage_id, TaskAction.id.in_(task_action_ids)))).scalars()}
    tasks = []
    for position, action_id in enumerate(i for i in task_action_ids if i in actions):
        action = actions[action_id]
        task = JobTask(garage_id=actor.garage_id, job_id=job.id, position=position, created_by_id=actor.user_id,
                       status=TaskStatus.OPEN, task_action_id=action.id, name=action.name_en,
                       name_th=action.name_th, description=action.description,
                       labour_cost=action.default_labour_cost, billed_hours=action.standard_hours)
        session.add(task)
        tasks.append(task)
    await session.flush()
    for task in tasks:
        add_event(session, actor, job, JobEventKind.TASK_ADDED, note=task.name, data={"taskId": str(task.id)})
        audit.record(session, actor, "JobTask", task.id, "create", audit.created(task, JOB_TASK_FIELDS))
    _touch(session, job)
    return tasks
