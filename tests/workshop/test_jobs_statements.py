"""The number of SQL statements of the job lists does not grow with the number of jobs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.customers import service as customers
from backend.inventory.models import WarehouseItem
from backend.workshop.models import JobStatus, JobTask, PartsRequest, TimeClockEntry
from backend.workshop.service import jobs as jobs_service
from backend.core.db import utcnow
from tests.workshop.helpers import make_site

NESTED = """site { name } vehicle { registration owner { name } } customer { name } technician { name }
  timeline { kind actor { name } } clockedHours billedHours
  tasks { name billedHours } partsRequests { quantity status item { sku } }"""
BOARD = f"query($s: ID!) {{ jobBoard(siteId: $s) {{ status jobs {{ id number {NESTED} }} }} }}"
JOBS = f"query($n: Int) {{ jobs(first: $n) {{ edges {{ node {{ id {NESTED} }} }} }} }}"
MY_JOBS = f"{{ myJobs {{ id {NESTED} }} }}"


async def _seed(db, garage, site, n: int, start: int) -> None:
    """n jobs assigned to the garage's technician and started, each with a vehicle, an owner, a task, a parts
    request and a closed clock entry."""
    sm, tech = garage.actor(Role.SITE_MANAGER), garage.actor(Role.TECHNICIAN)
    async with db.transaction() as session:
        item = WarehouseItem(garage_id=garage.id, sku=f"OIL-{start}", name_en="Oil", quantity_on_hand=1000)
        session.add(item)
        await session.flush()
        for i in range(n):
            owner = await customers.create_customer(session, sm, customers.CustomerInput(name=f"Owner {start + i:03d}"))
            vehicle = await customers.create_vehicle(session, sm, customers.VehicleInput(
                registration=f"ST{start + i:04d}", owner_id=owner.id))
            job = await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
                site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
                revenue_stream="WALK_IN"))
            await jobs_service.assign_job(session, sm, job.id, garage.users[Role.TECHNICIAN].id)
            await jobs_service.start_job(session, tech, job.id)
            session.add_all([
                JobTask(garage_id=garage.id, job_id=job.id, name="Oil change", billed_hours=Decimal("1.5")),
                PartsRequest(garage_id=garage.id, job_id=job.id, item_id=item.id, quantity=1),
                TimeClockEntry(garage_id=garage.id, job_id=job.id, technician_id=garage.users[Role.TECHNICIAN].id,
                               started_at=utcnow(), ended_at=utcnow(), seconds=1800),
            ])
        await session.flush()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TECHNICIAN])
async def test_statement_count_constant(gql, db, garage, count_statements, role):
    site = await make_site(db, garage)
    token = garage.token(role)
    counts: dict[str, dict[int, int]] = {"board": {}, "jobs": {}, "my": {}}
    seeded = 0
    for n in (1, 10, 100):
        await _seed(db, garage, site, n - seeded, seeded)
        seeded = n
        with count_statements() as counter:
            body = await gql(BOARD, {"s": str(site.id)}, token=token, expect_errors=role == Role.TECHNICIAN)
        columns = {c["status"]: c["jobs"] for c in body["data"]["jobBoard"]}
        assert len(columns[JobStatus.IN_PROGRESS.value]) == n
        counts["board"][n] = counter.count
        job = columns["IN_PROGRESS"][0]
        assert job["vehicle"]["registration"] and job["technician"]["name"] and job["billedHours"] == 1.5
        assert job["clockedHours"] == 0.5 and job["tasks"][0]["name"] == "Oil change"
        assert job["partsRequests"][0]["item"]["sku"].startswith("OIL-")
        if role == Role.ADMIN:
            assert job["customer"]["name"].startswith("Owner") and job["vehicle"]["owner"]["name"]
        with count_statements() as counter:
            body = await gql(JOBS, {"n": n}, token=token, expect_errors=role == Role.TECHNICIAN)
        assert len(body["data"]["jobs"]["edges"]) == n
        counts["jobs"][n] = counter.count
        with count_statements() as counter:
            body = await gql(MY_JOBS, token=token, expect_errors=role == Role.TECHNICIAN)
        counts["my"][n] = counter.count
    for name, by_n in counts.items():
        assert len(set(by_n.values())) == 1, (name, by_n)
