"""The workshop's hot reads on the fast read path (backend/api/fastpath): the board, my jobs, a job, my clock.

Each root field reads through the same statement builders as its service (job_queries, clock), projected onto the
columns the operation selects; each relation mirrors its DataLoader (the same garage scope and order). The staff
types met through a job (its technician and site, a part's item) are registered here too, as their loaders read
them: by id in the actor's garage.
"""

from __future__ import annotations

from sqlalchemy import bindparam

from backend.accounts.models import Site, User
from backend.api.fastpath import Execution, Fallback, Node, Relation, Root, TypeSource
from backend.core.permissions import Role
from backend.core.validate import try_parse_id
from backend.inventory.models import WarehouseItem
from backend.workshop.models import Job, JobTask, PartsRequest, TimeClockEntry
from backend.workshop.service.clock import open_entry_query
from backend.workshop.service.common import ACTIVE_STATUSES
from backend.workshop.service.job_queries import board_query, my_jobs_query, visible_job_query


def _job_scope(model, actor):
    """JobLoader's rule: the actor's garage, and a technician only their own jobs."""
    clause = model.garage_id == actor.garage_id
    if actor.role == Role.TECHNICIAN:
        clause = clause & (model.technician_id == actor.user_id)
    return clause


TYPES: dict[str, TypeSource] = {
    "Job": TypeSource(Job, {
        "vehicle": Relation("Vehicle", False, "vehicle_id"),
        "customer": Relation("Customer", False, "customer_id"),
        "technician": Relation("User", False, "technician_id"),
        "site": Relation("Site", False, "site_id"),
        "tasks": Relation("JobTask", True, "job_id", ("position", "created_at", "id")),
        "parts_requests": Relation("PartsRequest", True, "job_id", ("created_at", "id")),
    }, scope=_job_scope),
    "JobBoardColumn": TypeSource(None, embedded=frozenset({"jobs"})),
    "JobTask": TypeSource(JobTask),
    "PartsRequest": TypeSource(PartsRequest, {"item": Relation("WarehouseItem", False, "item_id")}),
    "TimeClockEntry": TypeSource(TimeClockEntry, {
        "job": Relation("Job", False, "job_id"),
        "technician": Relation("User", False, "technician_id"),
    }),
    "WarehouseItem": TypeSource(WarehouseItem),
    "User": TypeSource(User),
    "Site": TypeSource(Site),
}


SITE, JOB = "fp_site", "fp_job"


async def job_board(execution: Execution, node: Node, arguments: dict) -> list[dict]:
    """jobBoard(siteId): one column per active status, as service.job_board gives them."""
    columns: dict = {status: [] for status in ACTIVE_STATUSES}
    jobs = node.field("jobs")
    site_id = try_parse_id(arguments["siteId"])
    if site_id is not None and jobs is not None:
        rows = await execution.rows(jobs.child, "jobBoard", lambda actor: board_query(actor, bindparam(SITE)),
                                    {SITE: site_id}, ("status",))
        for row, obj in zip(rows, await execution.complete(jobs.child, rows)):
            columns[row["status"]].append(obj)
    return await execution.complete(node, [{"status": status, "jobs": columns[status]} for status in ACTIVE_STATUSES])


async def my_jobs(execution: Execution, node: Node, _arguments: dict) -> list[dict]:
    if execution.actor.user_id is None:
        return []
    return await execution.complete(node, await execution.rows(node, "myJobs", my_jobs_query))


async def job(execution: Execution, node: Node, arguments: dict) -> dict | None:
    job_id = try_parse_id(arguments["id"])
    if job_id is None:
        return None
    rows = await execution.rows(node, "job", lambda actor: visible_job_query(actor, bindparam(JOB)), {JOB: job_id})
    done = await execution.complete(node, rows)
    return done[0] if done else None


async def my_clock(execution: Execution, node: Node, _arguments: dict) -> dict | None:
    if execution.actor.user_id is None:
        return None
    done = await execution.complete(node, await execution.rows(node, "myClock", open_entry_query))
    if len(done) > 1:
        raise Fallback("more than one running clock")  # the service's scalar_one_or_none refuses it
    return done[0] if done else None


ROOTS: dict[str, Root] = {
    "jobBoard": Root(job_board),
    "myJobs": Root(my_jobs),
    "job": Root(job),
    "myClock": Root(my_clock),
}
