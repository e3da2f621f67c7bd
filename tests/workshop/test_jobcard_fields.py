"""The job card's read fields: a job's clock entries, quotes and invoices in one request, whose number of SQL
statements does not grow with the number of jobs; each field only for the roles the permission table allows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from backend.billing.models import Invoice
from backend.billing.service import invoices as invoices_service
from backend.billing.service import quotes as quotes_service
from backend.billing.service.common import LineInput
from backend.core.db import utcnow
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.customers import service as customers
from backend.workshop.models import JobTask, TimeClockEntry
from backend.workshop.service import jobs as jobs_service
from tests.conftest import error_codes
from tests.workshop.helpers import make_site, make_technician, token_for

CARD = """id number clockEntries { id startedAt endedAt hours technician { name } }
  quotes { id number status total lines { description decision } }
  invoices { id status total balanceDue }"""
JOBS = f"query($n: Int) {{ jobs(first: $n) {{ edges {{ node {{ {CARD} }} }} }} }}"
JOB_TECH = """query($id: ID!) { job(id: $id) { id clockEntries { hours technician { name } } tasks { name billedHours }
  timeline { kind actorLabel } } }"""


async def _seed(db, garage, site, n: int, start: int) -> None:
    """n started jobs, each with a clock entry, a quote of two lines and an invoice."""
    sm, billing = garage.actor(Role.SITE_MANAGER), garage.actor(Role.BILLING)
    tech_id = garage.users[Role.TECHNICIAN].id
    async with db.transaction() as session:
        for i in range(n):
            owner = await customers.create_customer(session, sm, customers.CustomerInput(name=f"Owner {start + i}"))
            vehicle = await customers.create_vehicle(session, sm, customers.VehicleInput(
                registration=f"JC{start + i:04d}", owner_id=owner.id))
            job = await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
                site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
                revenue_stream="WALK_IN"))
            await jobs_service.assign_job(session, sm, job.id, tech_id)
            session.add_all([
                JobTask(garage_id=garage.id, job_id=job.id, name="Brake check", billed_hours=Decimal("1")),
                TimeClockEntry(garage_id=garage.id, job_id=job.id, technician_id=tech_id, started_at=utcnow(),
                               ended_at=utcnow(), seconds=3600),
            ])
            await quotes_service.create_quote(session, sm, quotes_service.QuoteData(job_id=job.id, lines=[
                LineInput(kind="LABOUR", description="Brake fluid", quantity=Decimal("1"), unit_price=50000),
                LineInput(kind="PART", description="Pads", quantity=Decimal("1"), unit_price=120000)]))
            invoice = await invoices_service.create_invoice(session, billing, invoices_service.InvoiceData(
                site_id=site.id, customer_id=owner.id, vehicle_id=vehicle.id, lines=[
                    LineInput(kind="OTHER", description="Inspection", quantity=Decimal("1"), unit_price=30000)]))
            await session.execute(update(Invoice).where(Invoice.id == invoice.id).values(job_id=job.id))
        await session.flush()


async def test_job_card_fields_statement_count_is_constant(gql, db, garage, count_statements):
    site = await make_site(db, garage)
    counts = {}
    seeded = 0
    for n in (1, 10, 100):
        await _seed(db, garage, site, n - seeded, seeded)
        seeded = n
        with count_statements() as counter:
            body = await gql(JOBS, {"n": n}, token=garage.token(Role.ADMIN))
        counts[n] = counter.count
        edges = body["data"]["jobs"]["edges"]
        assert len(edges) == n
        for edge in edges:
            node = edge["node"]
            assert [float(e["hours"]) for e in node["clockEntries"]] == [1.0]
            assert node["clockEntries"][0]["technician"]["name"]
            assert [line["description"] for line in node["quotes"][0]["lines"]] == ["Brake fluid", "Pads"]
            assert node["invoices"][0]["status"] == "DRAFT" and node["invoices"][0]["balanceDue"] > 0
    assert len(set(counts.values())) == 1, counts


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.WORKSHOP_MANAGER, Role.BILLING])
async def test_managers_and_billing_see_the_job_quotes(gql, db, garage, role):
    site = await make_site(db, garage)
    await _seed(db, garage, site, 1, 0)
    query = "query { jobs(first: 1) { edges { node { quotes { number lines { decision } } } } } }"
    body = await gql(query, token=garage.token(role))
    quotes = body["data"]["jobs"]["edges"][0]["node"]["quotes"]
    assert quotes[0]["number"] and [line["decision"] for line in quotes[0]["lines"]] == ["PENDING", "PENDING"]


@pytest.mark.parametrize("field", ["quotes { number total }", "invoices { number total balanceDue }"])
async def test_a_technician_gets_no_quotes_or_invoices_on_the_job(gql, db, garage, field):
    site = await make_site(db, garage)
    await _seed(db, garage, site, 1, 0)
    body = await gql(f"query {{ myJobs {{ id {field} }} }}", token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert "FORBIDDEN" in error_codes(body)
    assert body["data"] is None or not any(job.get(field.split()[0]) for job in body["data"]["myJobs"] or [])


async def test_a_technician_reads_the_clock_entries_of_their_own_job_only(app, gql, db, garage):
    site = await make_site(db, garage)
    await _seed(db, garage, site, 1, 0)
    body = await gql("query { jobs(first: 1) { edges { node { id } } } }", token=garage.token(Role.ADMIN))
    job_id = body["data"]["jobs"]["edges"][0]["node"]["id"]
    mine = await gql(JOB_TECH, {"id": job_id}, token=garage.token(Role.TECHNICIAN))
    job = mine["data"]["job"]
    assert [float(e["hours"]) for e in job["clockEntries"]] == [1.0]
    assert job["tasks"][0]["name"] == "Brake check" and job["timeline"]
    # another technician of the garage sees nothing of it
    other = await make_technician(db, garage)
    theirs = await gql(JOB_TECH, {"id": job_id}, token=await token_for(app, other))
    assert theirs["data"]["job"] is None


async def test_another_garage_sees_none_of_it(gql, db, garage, other_garage):
    site = await make_site(db, garage)
    await _seed(db, garage, site, 1, 0)
    body = await gql("query { jobs(first: 1) { edges { node { id } } } }", token=garage.token(Role.ADMIN))
    job_id = body["data"]["jobs"]["edges"][0]["node"]["id"]
    theirs = await gql(f"query($id: ID!) {{ job(id: $id) {{ {CARD} }} }}", {"id": job_id},
                       token=other_garage.token(Role.ADMIN))
    assert theirs["data"]["job"] is None
