"""Billing demo data, made through the billing services (numbers, totals, PDFs and events as in real use); called by
backend/demo.py after the workshop's jobs.

Quotes: one SENT awaiting the customer's approval, one PARTIALLY_APPROVED whose declined line stays on the vehicle as
deferred work. Jobs: one left in BILLING (the billing queue) and one invoiced from its job (a DRAFT). Invoices by
hand: one ISSUED, one PARTIALLY_PAID with 3 % withholding by a corporate customer with a tax id, one PAID and one
voided by a credit note. Nothing happens when the garage already has a quote or an invoice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from backend.accounts.models import User
from backend.billing.models import Invoice, LineKind, PaymentMethod, Quote
from backend.billing.service import credit_notes, invoices, payments, quotes
from backend.billing.service.common import LineInput
from backend.core import money
from backend.core.actor import Actor
from backend.core.enums import OperationsStream
from backend.core.permissions import permissions_for_role
from backend.customers.models import Customer, Vehicle
from backend.inventory.models import WarehouseItem
from backend.workshop.models import TaskAction
from backend.workshop.service import jobs, tasks


async def seed(session, garage_id, site_id) -> None:
    for model in (Quote, Invoice):
        if (await session.execute(select(func.count()).select_from(model).where(
                model.garage_id == garage_id))).scalar_one():
            return
    users = {u.email: u for u in (await session.execute(select(User).where(User.garage_id == garage_id))).scalars()}

    def actor(email: str) -> Actor:
        user = users[email]
        return Actor(garage_id=garage_id, permissions=permissions_for_role(user.role), user_id=user.id,
                     role=user.role, name=user.name)

    reception, billing = actor("site.manager@demo.test"), actor("billing@demo.test")
    tech, manager = actor("technician@demo.test"), actor("workshop.manager@demo.test")
    customers = list((await session.execute(select(Customer).where(Customer.garage_id == garage_id)
                                            .order_by(Customer.created_at, Customer.id))).scalars())
    vehicles = list((await session.execute(select(Vehicle).where(Vehicle.garage_id == garage_id)
                                           .order_by(Vehicle.created_at, Vehicle.id))).scalars())
    actions = {a.name_en: a for a in (await session.execute(
        select(TaskAction).where(TaskAction.garage_id == garage_id))).scalars()}
    items = {i.sku: i for i in (await session.execute(
        select(WarehouseItem).where(WarehouseItem.garage_id == garage_id))).scalars()}

    def vehicle_of(customer: Customer) -> Vehicle:
        return next(v for v in vehicles if v.owner_id == customer.id)

    def labour(name: str, **extra) -> LineInput:
        return LineInput(kind=LineKind.LABOUR, task_action_id=actions[name].id, **extra)

    def part(sku: str, quantity: int = 1) -> LineInput:
        return LineInput(kind=LineKind.PART, item_id=items[sku].id, quantity=Decimal(quantity))

    # ------------------------------------------------------------------------------------------------ quotes
    awaiting = await quotes.create_quote(session, reception, quotes.QuoteData(
        vehicle_id=vehicle_of(customers[7]).id, site_id=site_id, valid_until=dt.date.today() + dt.timedelta(days=14),
        notes="ตรวจพบระหว่างเช็กระยะ / Found at the periodic check-up",
        lines=[labour("Timing belt replacement"), labour("Wheel alignment"), part("FLT-AIR-HN01")]))
    await quotes.send_quote(session, reception, awaiting.id)

    split = await quotes.create_quote(session, reception, quotes.QuoteData(
        vehicle_id=vehicle_of(customers[13]).id, site_id=site_id,
        lines=[labour("Brake pad replacement"), part("BRK-PAD-R-HN"),
               LineInput(kind=LineKind.LABOUR, description="Replace rear brake discs", unit_price=180000,
                         billed_hours=Decimal("1.50"))]))
    await quotes.send_quote(session, reception, split.id)
    lines = await quotes.quote_lines(session, split)
    await quotes.approve_quote_lines(session, reception, split.id, [lines[0].id, lines[1].id])
    await quotes.decline_quote_lines(session, reception, split.id, [lines[2].id])  # deferred work on the vehicle

    # ------------------------------------------------------------------------------------------------ from jobs
    async def job_to_billing(customer: Customer, task_names: list[str]):
        job = await jobs.create_job(session, reception, jobs.CreateJobData(
            site_id=site_id, vehicle_id=vehicle_of(customer).id, operations_stream=OperationsStream.MECHANICAL,
            revenue_stream="WALK_IN", issues_reported="Periodic service"))
        await jobs.assign_job(session, reception, job.id, tech.user_id)
        await jobs.start_job(session, tech, job.id)
        for name in task_names:
            task = await tasks.add_job_task(session, tech, job.id, tasks.JobTaskInput(task_action_id=actions[name].id))
            await tasks.complete_job_task(session, tech, task.id)
        await jobs.complete_job(session, tech, job.id, "Work done as requested; road-tested.")
        await jobs.review_job(session, manager, job.id, "Checked.")
        await jobs.move_job_to_billing(session, manager, job.id)
        return job

    await job_to_billing(customers[15], ["Oil change", "Wheel alignment"])  # waits in the billing queue
    invoiced = await job_to_billing(customers[16], ["Battery replacement"])
    await invoices.create_invoice_from_job(session, billing, invoiced.id)  # a DRAFT

    # ------------------------------------------------------------------------------------------------ by hand
    async def by_hand(customer: Customer, lines: list[LineInput], **extra) -> Invoice:
        invoice = await invoices.create_invoice(session, billing, invoices.InvoiceData(
            site_id=site_id, customer_id=customer.id, vehicle_id=vehicle_of(customer).id, revenue_stream="WALK_IN",
            lines=lines, **extra))
        return await invoices.issue_invoice(session, billing, invoice.id,
                                            due_date=dt.date.today() + dt.timedelta(days=30))

    await by_hand(customers[0], [labour("Dent removal"), labour("Panel painting")])  # ISSUED

    corporate = next(c for c in customers if c.tax_id)
    fleet = await by_hand(corporate, [labour("Oil change"), labour("Brake pad replacement"),
                                      part("OIL-10W40-4L", 2), part("BRK-PAD-F-TY")],
                          notes="ใบสั่งซื้อ / PO 2026-0117")
    service_net = sum(line.net for line in await invoices.invoice_lines(session, fleet)
                      if line.kind == LineKind.LABOUR)
    withheld = money.percentage_of(service_net, 3)  # 3 % of the pre-VAT service amount
    await payments.record_payment(session, billing, fleet.id, payments.PaymentData(
        amount=fleet.total // 2 - withheld, withholding_amount=withheld, method=PaymentMethod.TRANSFER,
        reference="KBank transfer 0117"))  # PARTIALLY_PAID

    paid = await by_hand(customers[12], [labour("Wiring diagnosis"), labour("Headlight replacement")])
    await payments.mark_invoice_paid(session, billing, paid.id, payments.PaymentData(method=PaymentMethod.CARD))

    wrong = await by_hand(customers[3], [labour("Interior detailing")])
    await credit_notes.void_invoice(session, billing, wrong.id, "Issued to the wrong customer")  # VOID by a credit note
