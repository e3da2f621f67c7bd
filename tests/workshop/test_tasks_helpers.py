"""Set-up and GraphQL documents shared by the tasks, clock and parts tests (no tests of its own)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend.core.permissions import Role
from backend.inventory import service as inventory
from backend.inventory.models import WarehouseItem
from backend.workshop.models import Job
from backend.workshop.service import jobs as jobs_service
from tests.workshop.helpers import make_site, make_vehicle, service_job

ERRORS = "errors { field code message }"
TASK_ACTION_FIELDS = "id stream nameEn nameTh name description defaultLabourCost standardHours active version"
TASK_FIELDS = """id name nameTh displayName description labourCost billedHours status position completedAt version
  taskAction { id } createdBy { id } completedBy { id }"""
JOB_BRIEF = "job { id status version billedHours clockedHours }"
PR_FIELDS = """id quantity returnedQuantity status note rejectReason unitPrice decidedAt issuedAt completedAt
  version createdAt job { id status } item { id sku quantityOnHand } requestedBy { id } decidedBy { id }
  issuedBy { id }"""


def _m(name: str, input_type: str, body: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {body} {ERRORS} }} }}"


CREATE_TASK_ACTION = _m("createTaskAction", "CreateTaskActionInput", f"taskAction {{ {TASK_ACTION_FIELDS} }}")
UPDATE_TASK_ACTION = _m("updateTaskAction", "UpdateTaskActionInput", f"taskAction {{ {TASK_ACTION_FIELDS} }}")
TASK_PAYLOAD = f"task {{ {TASK_FIELDS} }} {JOB_BRIEF}"
ADD_JOB_TASK = _m("addJobTask", "AddJobTaskInput", TASK_PAYLOAD)
UPDATE_JOB_TASK = _m("updateJobTask", "UpdateJobTaskInput", TASK_PAYLOAD)
COMPLETE_JOB_TASK = _m("completeJobTask", "JobTaskActionInput", TASK_PAYLOAD)
REOPEN_JOB_TASK = _m("reopenJobTask", "JobTaskActionInput", TASK_PAYLOAD)
REMOVE_JOB_TASK = _m("removeJobTask", "JobTaskActionInput", TASK_PAYLOAD)
CLOCK_PAYLOAD = f"entry {{ id startedAt endedAt seconds hours job {{ id }} technician {{ id }} }} {JOB_BRIEF}"
CLOCK_ON = _m("clockOnJob", "ClockInput", CLOCK_PAYLOAD)
CLOCK_OFF = _m("clockOffJob", "ClockInput", CLOCK_PAYLOAD)
PR_PAYLOAD = f"partsRequest {{ {PR_FIELDS} }} {JOB_BRIEF}"
REQUEST_PARTS = _m("requestParts", "RequestPartsInput", PR_PAYLOAD)
APPROVE = _m("approvePartsRequest", "PartsRequestActionInput", PR_PAYLOAD)
REJECT = _m("rejectPartsRequest", "RejectPartsRequestInput", PR_PAYLOAD)
ISSUE = _m("issuePartsRequest", "PartsRequestActionInput", PR_PAYLOAD)
COMPLETE_PARTS = _m("completePartsRequest", "PartsRequestActionInput", PR_PAYLOAD)
RETURN_PARTS = _m("returnParts", "ReturnPartsInput", PR_PAYLOAD)
PENDING = """query($queue: PartsQueue!, $first: Int, $after: String) { pendingPartsRequests(queue: $queue,
  first: $first, after: $after) { edges { cursor node { id status quantity job { id } } } pageInfo { hasNextPage
  endCursor } } }"""


async def mutate(gql, document: str, token: str, lang: str | None = None, **input_) -> dict:
    body = await gql(document, {"input": input_}, token=token, lang=lang)
    return next(iter(body["data"].values()))


def ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def working_job(db, garage, technician_id: uuid.UUID | None = None) -> Job:
    """A job assigned to the garage's technician (or `technician_id`) and started: IN_PROGRESS."""
    site = await bay_site(db, garage)
    vehicle = await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    tech_id = technician_id or garage.users[Role.TECHNICIAN].id
    async with db.transaction() as session:
        await jobs_service.assign_job(session, garage.actor(Role.SITE_MANAGER), job.id, tech_id)
    async with db.transaction() as session:
        # the admin starts it: works for any technician the job is assigned to
        job = await jobs_service.start_job(session, garage.actor(Role.ADMIN), job.id)
    return job


async def bay_site(db, garage):
    """The garage's workshop site: working jobs are opened there, and make_item stocks its warehouse (a job's
    parts come from its site's warehouse)."""
    from backend.accounts.models import Site

    async with db.read() as session:
        site = (await session.execute(select(Site).where(Site.garage_id == garage.id, Site.name == "Bay"))
                ).scalar_one_or_none()
    return site or await make_site(db, garage, "Bay")


async def make_item(db, garage, quantity: int = 10, *, sku: str | None = None, cost: int = 12_000,
                    price: int = 18_000) -> WarehouseItem:
    """An item with `quantity` on the shelf of the bay site's warehouse."""
    from backend.inventory import stock

    site = await bay_site(db, garage)
    async with db.transaction() as session:
        warehouse = await stock.site_warehouse(session, garage.id, site.id)
        return await inventory.create_item(session, garage.actor(), inventory.ItemInput(
            sku=sku or "SKU-" + uuid.uuid4().hex[:6].upper(), name_en="Brake pads", name_th="ผ้าเบรก",
            cost_price=cost, sale_price=price), initial_quantity=quantity, warehouse_id=warehouse.id)


async def stock_of(db, item_id) -> int:
    async with db.read() as s:
        return (await s.execute(select(WarehouseItem.quantity_on_hand).where(WarehouseItem.id == item_id))
                ).scalar_one()


async def job_status(db, job_id) -> str:
    async with db.read() as s:
        return (await s.execute(select(Job.status).where(Job.id == job_id))).scalar_one().value
