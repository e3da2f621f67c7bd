"""A hand-made month for the KPI tests: March 2026 at one site of a Bangkok garage, with two technicians.

Every job goes through the real services (opened, assigned, worked, clocked, invoiced); the dates are then moved
into the month by plain ORM edits, as a clock correction would move a clock entry, so the facts are kept by the
same dirty marks as in production.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend.accounts.models import User
from backend.analytics import service as analytics
from backend.billing.models import Invoice, InvoiceLine, LineKind, Quote
from backend.billing.service import credit_notes, invoices, quotes
from backend.billing.service.common import LineInput
from backend.core.actor import Actor
from backend.core.enums import OperationsStream
from backend.core.permissions import Role, permissions_for_role
from backend.customers import service as customers
from backend.inspections import service as inspections
from backend.inventory import service as inventory
from backend.workforce import service as workforce
from backend.workshop.models import Job, TimeClockEntry
from backend.workshop.service import clock
from backend.workshop.service import jobs as jobs_service
from backend.workshop.service import parts as parts_service
from backend.workshop.service import tasks as tasks_service
from tests.conftest import password_hash
from tests.workshop.helpers import make_site

BKK = ZoneInfo("Asia/Bangkok")


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BKK).astimezone(dt.UTC)


@dataclass
class Month:
    site: object
    t1: User
    t2: User
    t1_actor: Actor
    t2_actor: Actor
    item: object
    vehicles: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)
    jobs: dict = field(default_factory=dict)
    invoices: dict = field(default_factory=dict)


async def second_technician(db, garage, site) -> tuple[User, Actor]:
    async with db.transaction() as session:
        user = User(garage_id=garage.id, email=f"t2.{uuid.uuid4().hex[:8]}@test.example", name="Tech Two",
                    password_hash=password_hash(), role=Role.TECHNICIAN, streams=["MECHANICAL"],
                    home_site_id=site.id)
        session.add(user)
        t1 = await session.get(User, garage.users[Role.TECHNICIAN].id)
        t1.home_site_id = site.id
    actor = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.TECHNICIAN), user_id=user.id,
                  role=Role.TECHNICIAN)
    return user, actor


async def work_job(db, garage, m: Month, key: str, vehicle: str, tech: str, *, labour: int, hours: str,
                   parts: int = 0, inspect_with=None) -> Job:
    """Open, assign, start, add one labour task (and parts), clock on and off, complete, review, bill, invoice."""
    sm, admin, billing = garage.actor(Role.SITE_MANAGER), garage.actor(Role.ADMIN), garage.actor(Role.BILLING)
    tech_user, tech_actor = (m.t1, m.t1_actor) if tech == "t1" else (m.t2, m.t2_actor)
    async with db.transaction() as session:
        job = await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
            site_id=m.site.id, vehicle_id=m.vehicles[vehicle].id, operations_stream=OperationsStream.MECHANICAL,
            revenue_stream="WALK_IN"))
        await jobs_service.assign_job(session, sm, job.id, tech_user.id)
        await jobs_service.start_job(session, tech_actor, job.id)
        await tasks_service.add_job_task(session, admin, job.id, tasks_service.JobTaskInput(
            name=f"Work {key}", labour_cost=labour, billed_hours=Decimal(hours)))
        if inspect_with is not None:
            await inspections.start_inspection(session, tech_actor, None, job.id, inspect_with.id)
        await clock.clock_on_job(session, tech_actor, job.id)
        await clock.clock_off_job(session, tech_actor, job.id)
    wm = garage.actor(Role.WORKSHOP_MANAGER)
    async with db.transaction() as session:
        for request in await parts_service.list_parts_requests(session, wm, job.id):
            await parts_service.approve_parts_request(session, wm, request.id)
            await parts_service.issue_parts_request(session, garage.actor(Role.WAREHOUSE_MANAGER), request.id)
        for task in await tasks_service.list_job_tasks(session, tech_actor, job.id):
            await tasks_service.complete_job_task(session, tech_actor, task.id)
        await jobs_service.complete_job(session, tech_actor, job.id, "Done.")
        await jobs_service.review_job(session, wm, job.id, "Checked.")
        await jobs_service.move_job_to_billing(session, wm, job.id)
        invoice = await invoices.create_invoice_from_job(session, billing, job.id)
        if parts:  # a part line at the item's price; its cost as a stocked part's line takes at issue (set
            # directly: whether the counter's stock suffices is not what these tests are about)
            await invoices.add_invoice_line(session, billing, invoice.id, LineInput(
                kind="PART", description="Engine oil 4L", quantity=Decimal(parts), unit_price=120000))
        await invoices.issue_invoice(session, billing, invoice.id)
        for line in await invoices.invoice_lines(session, invoice):
            if line.kind == LineKind.PART:
                line.unit_cost = 85000
    m.jobs[key], m.invoices[key] = job, invoice
    return job


async def move_dates(db, job_id, *, created: dt.datetime, invoiced: dt.date | None,
                     clocked: tuple[dt.datetime, dt.datetime] | None) -> None:
    async with db.transaction() as session:
        job = await session.get(Job, job_id)
        job.created_at = created
        if invoiced is not None:
            for invoice in (await session.execute(select(Invoice).where(Invoice.job_id == job_id))).scalars():
                invoice.issue_date = invoiced
        if clocked is not None:
            entry = (await session.execute(select(TimeClockEntry).where(TimeClockEntry.job_id == job_id))
                     ).scalar_one()
            entry.started_at, entry.ended_at = clocked
            entry.seconds = int((clocked[1] - clocked[0]).total_seconds())


async def hand_month(db, garage) -> Month:
    """March 2026 (and a little of 2025), as the test module's docstring sets it out."""
    admin = garage.actor(Role.ADMIN)
    site = await make_site(db, garage, "Rama 9")
    t2, t2_actor = await second_technician(db, garage, site)
    async with db.transaction() as session:
        item = await inventory.create_item(session, admin, inventory.ItemInput(
            sku=f"OIL-{uuid.uuid4().hex[:6]}", name_en="Engine oil 4L", cost_price=85000, sale_price=120000),
            initial_quantity=50)
        owners = {}
        for name in ("c1", "c2", "c3", "c4"):
            owners[name] = await customers.create_customer(session, admin, customers.CustomerInput(
                name=f"Customer {name}"))
        vehicles = {}
        for name, owner in (("v1", "c1"), ("v2", "c2"), ("v3", "c3"), ("v4", "c3"), ("v5", "c4")):
            vehicles[name] = await customers.create_vehicle(session, admin, customers.VehicleInput(
                registration=f"{name.upper()}{uuid.uuid4().hex[:5].upper()}", owner_id=owners[owner].id))
        template = await inspections.create_template(session, admin, inspections.TemplateData(
            name_en="Quick check", sections=[inspections.SectionData(key="main", title_en="Main", items=[
                inspections.ItemData(key="tyres", title_en="Tyres", kind="CONDITION")])]))
        shifts = [workforce.ShiftInput(weekday=d, starts="08:00", ends="17:00",
                                       breaks=[workforce.BreakInput(start="12:00", end="13:00")]) for d in range(5)]
        await workforce.set_work_pattern(session, admin, garage.users[Role.TECHNICIAN].id, shifts,
                                         valid_from=dt.date(2025, 1, 1))
        await workforce.set_work_pattern(session, admin, t2.id, shifts, valid_from=dt.date(2025, 1, 1))
        await analytics.set_hourly_cost(session, admin, garage.users[Role.TECHNICIAN].id, 30000)
        await analytics.set_hourly_cost(session, admin, t2.id, 24000)
        t1 = await session.get(User, garage.users[Role.TECHNICIAN].id)
    m = Month(site=site, t1=t1, t2=t2, t1_actor=garage.actor(Role.TECHNICIAN), t2_actor=t2_actor, item=item,
              vehicles=vehicles, customers=owners)
    march = lambda d: dt.date(2026, 3, d)  # noqa: E731

    await work_job(db, garage, m, "j0", "v1", "t1", labour=40000, hours="1.0")
    await move_dates(db, m.jobs["j0"].id, created=local(dt.date(2025, 2, 10), 9), invoiced=dt.date(2025, 2, 15),
                     clocked=(local(dt.date(2025, 2, 11), 9), local(dt.date(2025, 2, 11), 10)))
    await work_job(db, garage, m, "j7", "v5", "t1", labour=50000, hours="1.5")
    await move_dates(db, m.jobs["j7"].id, created=local(dt.date(2025, 3, 10), 9), invoiced=dt.date(2025, 3, 15),
                     clocked=(local(dt.date(2025, 3, 11), 9), local(dt.date(2025, 3, 11), 10)))
    await work_job(db, garage, m, "j1", "v1", "t1", labour=150000, hours="2.0", parts=2, inspect_with=template)
    await move_dates(db, m.jobs["j1"].id, created=local(march(2), 9), invoiced=march(10),
                     clocked=(local(march(3), 9), local(march(3), 11, 30)))
    await work_job(db, garage, m, "j2", "v2", "t2", labour=80000, hours="1.0")
    await move_dates(db, m.jobs["j2"].id, created=local(march(5), 9), invoiced=march(12),
                     clocked=(local(march(6), 9), local(march(6), 10)))
    await work_job(db, garage, m, "j3", "v1", "t1", labour=50000, hours="1.0")
    await move_dates(db, m.jobs["j3"].id, created=local(march(20), 9), invoiced=march(25),
                     clocked=(local(march(21), 9), local(march(21), 10)))
    await work_job(db, garage, m, "j4", "v3", "t2", labour=100000, hours="1.5", parts=1)
    await move_dates(db, m.jobs["j4"].id, created=local(march(20), 10), invoiced=march(28),
                     clocked=(local(march(22), 14), local(march(22), 15, 30)))
    await work_job(db, garage, m, "j5", "v4", "t1", labour=70000, hours="1.0")
    await move_dates(db, m.jobs["j5"].id, created=local(march(15), 9), invoiced=march(16),
                     clocked=(local(march(16), 9), local(march(16), 9, 30)))

    billing, sm = garage.actor(Role.BILLING), garage.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        # j2: ฿214.00 (tax included) of its labour credited back by amount: labour sales 800.00 - 200.00
        line = (await session.execute(select(InvoiceLine).where(
            InvoiceLine.invoice_id == m.invoices["j2"].id, InvoiceLine.kind == LineKind.LABOUR))).scalar_one()
        await credit_notes.create_credit_note(session, billing, m.invoices["j2"].id, credit_notes.CreditNoteData(
            reason="Goodwill", lines=[credit_notes.CreditLineData(invoice_line_id=line.id, amount=21400)]))
        # j5: voided, so not an invoiced job any more
        await credit_notes.void_invoice(session, billing, m.invoices["j5"].id, "Billed to the wrong customer")
        # j4's advisor is the admin, who took the car in
        await analytics.set_job_advisor(session, sm, m.jobs["j4"].id, garage.users[Role.ADMIN].id)
        # quotes for v1 and v2: q1 (labour 300.00 + part 200.00, the labour approved), q2 (150.00, declined)
        q1 = await quotes.create_quote(session, sm, quotes.QuoteData(site_id=m.site.id, vehicle_id=m.vehicles["v1"].id, lines=[
            LineInput(kind="LABOUR", description="Brake pads fitting", quantity=Decimal(1), unit_price=30000),
            LineInput(kind="PART", description="Brake pads", quantity=Decimal(1), unit_price=20000)]))
        q2 = await quotes.create_quote(session, sm, quotes.QuoteData(site_id=m.site.id, vehicle_id=m.vehicles["v2"].id, lines=[
            LineInput(kind="LABOUR", description="Wheel alignment", quantity=Decimal(1), unit_price=15000)]))
        await quotes.send_quote(session, sm, q1.id)
        await quotes.send_quote(session, sm, q2.id)
        lines1 = await quotes.quote_lines(session, q1)
        await quotes.approve_quote_lines(session, sm, q1.id, [str(lines1[0].id)])
        await quotes.decline_quote_lines(session, sm, q2.id, [str(x.id) for x in await quotes.quote_lines(session, q2)])
    async with db.transaction() as session:
        for qid, day in ((q1.id, march(11)), (q2.id, march(13))):
            (await session.get(Quote, qid)).sent_at = local(day, 15)
    return m
