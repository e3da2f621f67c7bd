"""Set-up shared by the billing tests: a job taken through the workshop services to BILLING."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.customers import service as customers
from backend.inventory import service as inventory
from backend.inventory import stock as inventory_stock
from backend.workshop.service import jobs as jobs_service
from backend.workshop.service import parts as parts_service
from backend.workshop.service import tasks as tasks_service
from tests.workshop.helpers import make_site

INVOICE_FIELDS = """id number status total subtotal taxTotal paidTotal withholdingTotal creditedTotal balanceDue
  version issueDate dueDate currency taxLabel sellerName buyerName buyerTaxId
  lines { id kind description quantity unitPrice discount net tax total billedHours }"""
ERRORS = "errors { field code message }"


@dataclass
class Workshop:
    site: object
    vehicle: object
    customer: object
    item: object
    action: object


async def workshop(db, garage, *, customer_name: str = "Siam Trading Co., Ltd.", tax_id: str | None = "0105551234567",
                   address: str | None = "99 Rama IV Road, Bangkok 10500") -> Workshop:
    site = await make_site(db, garage)
    admin = garage.actor()
    async with db.transaction() as session:
        customer = await customers.create_customer(session, admin, customers.CustomerInput(
            name=customer_name, tax_id=tax_id, address=address))
        vehicle = await customers.create_vehicle(session, admin, customers.VehicleInput(
            registration=f"KB{uuid.uuid4().hex[:6].upper()}", owner_id=customer.id))
        item = await inventory.create_item(session, admin, inventory.ItemInput(
            sku=f"OIL-{uuid.uuid4().hex[:6]}", name_en="Engine oil 5W-30 4L", name_th="น้ำมันเครื่อง 5W-30 4 ลิตร",
            cost_price=85000, sale_price=120000), initial_quantity=50,
            warehouse_id=(await inventory_stock.site_warehouse(session, garage.id, site.id)).id)  # the site's shelf
        action = await tasks_service.create_task_action(session, admin, tasks_service.TaskActionInput(
            stream=OperationsStream.MECHANICAL, name_en="Oil change", name_th="เปลี่ยนน้ำมันเครื่อง",
            default_labour_cost=50000, standard_hours=Decimal("1.5")))
    return Workshop(site=site, vehicle=vehicle, customer=customer, item=item, action=action)


async def job_in_progress(db, garage, w: Workshop):
    sm, tech = garage.actor(Role.SITE_MANAGER), garage.actor(Role.TECHNICIAN)
    async with db.transaction() as session:
        job = await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
            site_id=w.site.id, vehicle_id=w.vehicle.id, operations_stream=OperationsStream.MECHANICAL,
            revenue_stream="WALK_IN"))
        await jobs_service.assign_job(session, sm, job.id, garage.users[Role.TECHNICIAN].id)
        await jobs_service.start_job(session, tech, job.id)
    return job


async def finish_job(db, garage, job_id) -> None:
    """Issue the job's approved parts, complete its tasks and the job, review it, move it to BILLING."""
    tech, wm = garage.actor(Role.TECHNICIAN), garage.actor(Role.WORKSHOP_MANAGER)
    async with db.transaction() as session:
        for request in await parts_service.list_parts_requests(session, wm, job_id):
            if request.status.value == "PENDING":
                await parts_service.approve_parts_request(session, wm, request.id)
            if request.status.value == "APPROVED":
                await parts_service.issue_parts_request(session, garage.actor(Role.WAREHOUSE_MANAGER), request.id)
        for task in await tasks_service.list_job_tasks(session, tech, job_id):
            if task.status.value == "OPEN":
                await tasks_service.complete_job_task(session, tech, task.id)
        await jobs_service.complete_job(session, tech, job_id, "Changed oil and filter.")
        await jobs_service.review_job(session, wm, job_id, "Road-tested.")
        await jobs_service.move_job_to_billing(session, wm, job_id)


async def job_in_billing(db, garage, w: Workshop, *, parts: int = 2):
    """A job with one catalog task (฿500.00 labour, 1.5 h) and `parts` bottles of oil at ฿1,200.00, in BILLING."""
    job = await job_in_progress(db, garage, w)
    tech = garage.actor(Role.TECHNICIAN)
    async with db.transaction() as session:
        await tasks_service.add_job_task(session, tech, job.id, tasks_service.JobTaskInput(task_action_id=w.action.id))
        if parts:
            await parts_service.request_parts(session, tech, job.id, w.item.id, parts)
    await finish_job(db, garage, job.id)
    return job


async def ok(gql, token, query, variables=None, lang=None):
    body = await gql(query, variables or {}, token=token, lang=lang)
    payload = next(iter(body["data"].values()))
    assert payload["errors"] == [], payload["errors"]
    return payload


async def refused(gql, token, query, variables=None, lang=None) -> dict[str, str]:
    """The payload's errors as {code: message}; the mutation must have been refused."""
    body = await gql(query, variables or {}, token=token, lang=lang)
    payload = next(iter(body["data"].values()))
    assert payload["errors"], payload
    return {e["code"]: e["message"] for e in payload["errors"]}
