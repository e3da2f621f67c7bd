"""Invoices: DRAFT -> ISSUED -> PARTIALLY_PAID -> PAID, and VOID through a full credit note.

- From a job in BILLING: labour from its completed tasks (labour cost, billed hours kept), parts from its issued
  requests (the sale price and cost captured at issue, less what was returned); the job becomes INVOICED. By hand:
  manual lines (a counter sale of parts, revenue stream SPARE_PARTS); its stocked parts leave the shelf when the
  invoice is issued (a SALE movement naming the invoice; a short shelf refuses the issue). A credit note does not put
  parts back on the shelf: returned goods are checked and received by the warehouse (receiveStock / adjustStock).
- Lines change only while DRAFT; a draft may be deleted (a job's draft gives the job back to BILLING).
- issueInvoice takes the number (INV-2026-000042) from the garage's counter row, locked in the issuing transaction,
  so numbers are consecutive per garage and year with no gap even when a transaction rolls back; it snapshots seller
  and buyer. An issued invoice is never edited or deleted: corrections are credit notes (CN-2026-000001).
- Payments: amount received plus any withholding tax kept by a corporate customer. balance due = total - paid -
  withheld - credited + refunded; PAID exactly at zero; more than the balance is refused (OVERPAYMENT).
- A credit note credits lines by quantity or amount (at most what is left of each); a full credit voids the
  invoice. When a credit leaves the customer having paid more than the new total, the difference is refunded and
  the refund method is required.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Site
from backend.billing.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
)
from backend.billing.service import common as c
from backend.billing.service import tax_invoice
from backend.billing.service.common import _UNSET, LineInput
from backend.billing.service.queries import keyset, scoped_ids
from backend.billing.service.quotes import _customer_locale, _site, check_lines
from backend.core import audit, numbering
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import Locale, RevenueStream
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.customers import service as customers
from backend.customers.models import Customer
from backend.inventory import service as inventory
from backend.inventory.models import WarehouseItem
from backend.notifications import service as notifications
from backend.workshop.models import (
    JobStatus,
    JobTask,
    PartsRequest,
    PartsRequestStatus,
    TaskStatus,
)
from backend.workshop.service import jobs as workshop_jobs
from backend.workshop.service.common import load_job

INVOICE_AUDIT = ("status", "number", "issue_date", "due_date", "notes", "customer_id", "subtotal", "tax_total",
                 "total", "paid_total", "withholding_total", "credited_total", "refunded_total", "balance_due")
INVOICE_KINDS = (LineKind.LABOUR, LineKind.PART, LineKind.OTHER)
OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
ISSUED_STATES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


# ---------------------------------------------------------------------------------------------------- loading


async def get_invoice(session: AsyncSession, actor: Actor, invoice_id: object, field: str = "id", *,
                      for_update: bool = False) -> Invoice:
    return await c.get_document(session, actor, Invoice, invoice_id, field, for_update=for_update)


async def find_invoice(session: AsyncSession, actor: Actor, invoice_id: object) -> Invoice | None:
    return await c.find_document(session, actor, Invoice, invoice_id)


async def invoice_lines(session: AsyncSession, invoice: Invoice) -> list[InvoiceLine]:
    return await c.document_lines(session, InvoiceLine, InvoiceLine.invoice_id, invoice)


async def _draft(session: AsyncSession, actor: Actor, invoice_id: object, expected_version: int | None,
                 field: str = "id") -> Invoice:
    return await c.lock_document(session, actor, Invoice, invoice_id, expected_version, (InvoiceStatus.DRAFT,),
                                 ErrorCode.INVOICE_NOT_EDITABLE, field)


def _changed(session: AsyncSession, actor: Actor, invoice: Invoice, action: str, before: dict,
             extra: dict | None = None) -> None:
    c.record_change(session, actor, invoice, INVOICE_AUDIT, action, before, extra)


def _settle(invoice: Invoice) -> None:
    """Balance and status from the amounts (an issued invoice only)."""
    invoice.balance_due = (invoice.total - invoice.paid_total - invoice.withholding_total - invoice.credited_total
                           + invoice.refunded_total)
    if invoice.credited_total >= invoice.total and invoice.total > 0:
        invoice.status = InvoiceStatus.VOID
        invoice.voided_at = invoice.voided_at or utcnow()
    elif invoice.balance_due == 0:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = invoice.paid_at or utcnow()
    elif invoice.paid_total or invoice.withholding_total:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED


async def _recompute(session: AsyncSession, invoice: Invoice) -> list[InvoiceLine]:
    await session.flush()
    lines = await invoice_lines(session, invoice)
    c.set_totals(invoice, lines)
    invoice.balance_due = invoice.total
    return lines


def _new_invoice(actor: Actor, garage, **fields) -> Invoice:
    return Invoice(garage_id=actor.garage_id, status=InvoiceStatus.DRAFT, currency=garage.currency,
                   tax_label=garage.tax_label, tax_rate=garage.tax_rate, prices_include_tax=garage.prices_include_tax,
                   created_by_id=actor.user_id, version=1, created_at=utcnow(), paid_total=0, withholding_total=0,
                   credited_total=0, refunded_total=0, **fields)


def _add_line(session: AsyncSession, invoice: Invoice, position: int, **fields) -> InvoiceLine:
    line = InvoiceLine(id=new_id(), garage_id=invoice.garage_id, invoice_id=invoice.id, position=position, **fields)
    c.price_line(line, invoice.tax_rate, invoice.prices_include_tax)
    session.add(line)
    return line


# ---------------------------------------------------------------------------------------------------- creating


async def _live_invoice_of_job(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> Invoice | None:
    return (await session.execute(select(Invoice).where(
        Invoice.garage_id == actor.garage_id, Invoice.job_id == job_id, Invoice.status != InvoiceStatus.VOID))
    ).scalars().first()


async def create_invoice_from_job(session: AsyncSession, actor: Actor, job_id: object, *, due_date: object = _UNSET,
                                  notes: object = _UNSET, invoice_id: uuid.UUID | None = None) -> Invoice:
    errors = Collector()
    due = c.date_value(errors, "dueDate", due_date)
    invoice_notes = c.notes(errors, "notes", notes)
    errors.raise_if_any()
    job = await load_job(session, actor, job_id, for_update=True)
    if await _live_invoice_of_job(session, actor, job.id) is not None:
        raise DomainError(ErrorCode.INVOICE_EXISTS, "jobId")
    if job.status != JobStatus.BILLING:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "jobId", status=job.status)
    tasks = list((await session.execute(
        select(JobTask).where(JobTask.job_id == job.id, JobTask.garage_id == actor.garage_id,
                              JobTask.status == TaskStatus.COMPLETED)
        .order_by(JobTask.position, JobTask.created_at, JobTask.id))).scalars())
    parts = (await session.execute(
        select(PartsRequest, WarehouseItem)
        .join(WarehouseItem, WarehouseItem.id == PartsRequest.item_id)
        .where(PartsRequest.job_id == job.id, PartsRequest.garage_id == actor.garage_id,
               PartsRequest.status.in_((PartsRequestStatus.ISSUED, PartsRequestStatus.COMPLETED)),
               PartsRequest.quantity > PartsRequest.returned_quantity)
        .order_by(PartsRequest.created_at, PartsRequest.id))).all()
    if not tasks and not parts:
        raise DomainError(ErrorCode.NOTHING_TO_INVOICE, "jobId")
    await v.ensure_new_id(session, Invoice, invoice_id)
    garage = await c.garage_of(session, actor)
    locale = c.locale_of(await _customer_locale(session, job.customer_id), garage)
    thai = locale == Locale.TH
    invoice = _new_invoice(actor, garage, id=invoice_id or new_id(), site_id=job.site_id,
                           customer_id=job.customer_id, vehicle_id=job.vehicle_id, job_id=job.id,
                           revenue_stream=job.revenue_stream, operations_stream=job.operations_stream,
                           locale=locale, due_date=due, notes=invoice_notes)
    session.add(invoice)
    await session.flush()
    position = 0
    for task in tasks:
        _add_line(session, invoice, position, kind=LineKind.LABOUR,
                  description=((task.name_th if thai and task.name_th else task.name) or "")[:c.MAX_DESCRIPTION],
                  quantity=Decimal(1), unit_price=task.labour_cost, discount=0, billed_hours=task.billed_hours,
                  job_task_id=task.id)
        position += 1
    for request, item in parts:
        name = item.name_th if thai and item.name_th else item.name_en
        _add_line(session, invoice, position, kind=LineKind.PART, description=f"{name} ({item.sku})"[:500],
                  quantity=Decimal(request.quantity - request.returned_quantity),
                  unit_price=request.unit_price if request.unit_price is not None else item.sale_price, discount=0,
                  unit_cost=request.unit_cost if request.unit_cost is not None else item.cost_price,
                  parts_request_id=request.id, item_id=item.id)
        position += 1
    await _recompute(session, invoice)
    await workshop_jobs.mark_job_invoiced(session, actor, job, invoice.id)
    audit.record(session, actor, "Invoice", invoice.id, "create",
                 audit.created(invoice, ("job_id", "customer_id", "vehicle_id", *INVOICE_AUDIT)))
    c.document_changed(session, "invoice", invoice)
    await session.flush()
    return invoice


@dataclass
class InvoiceData:
    site_id: object = _UNSET
    customer_id: object = _UNSET
    vehicle_id: object = _UNSET
    revenue_stream: object = _UNSET
    due_date: object = _UNSET
    notes: object = _UNSET
    lines: list[LineInput] | object = _UNSET


def _revenue(errors: Collector, value: object) -> RevenueStream | None:
    if value is _UNSET or value is None:
        return RevenueStream.SPARE_PARTS
    try:
        return value if isinstance(value, RevenueStream) else RevenueStream(getattr(value, "value", value))
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, "revenueStream")
        return None


def _priced_fields(p) -> dict:
    return {"kind": p.kind, "description": p.description, "quantity": p.quantity, "unit_price": p.unit_price,
            "discount": p.discount, "billed_hours": p.billed_hours, "item_id": p.item_id,
            "unit_cost": p.extra.get("unit_cost")}


async def create_invoice(session: AsyncSession, actor: Actor, data: InvoiceData,
                         invoice_id: uuid.UUID | None = None) -> Invoice:
    """An invoice by hand: a counter sale of parts (SPARE_PARTS, the default), or anything without a job."""
    errors = Collector()
    revenue = _revenue(errors, data.revenue_stream)
    due = c.date_value(errors, "dueDate", data.due_date)
    invoice_notes = c.notes(errors, "notes", data.notes)
    errors.raise_if_any()
    if not c.given(data.site_id):
        raise DomainError(ErrorCode.REQUIRED, "siteId")
    site = await _site(session, actor, data.site_id)
    customer = vehicle = None
    if c.given(data.vehicle_id):
        vehicle = await customers.get_vehicle(session, actor, data.vehicle_id, "vehicleId")
    if c.given(data.customer_id):
        customer = await customers.get_customer(session, actor, data.customer_id, "customerId")
    elif vehicle is not None and vehicle.owner_id is not None:
        customer = await customers.get_customer(session, actor, vehicle.owner_id, "vehicleId")
    garage = await c.garage_of(session, actor)
    locale = c.locale_of(customer.locale if customer else None, garage)
    priced = await check_lines(session, actor, data.lines, locale, kinds=INVOICE_KINDS)
    await v.ensure_new_id(session, Invoice, invoice_id)
    invoice = _new_invoice(actor, garage, id=invoice_id or new_id(), site_id=site.id,
                           customer_id=customer.id if customer else None, vehicle_id=vehicle.id if vehicle else None,
                           revenue_stream=revenue, locale=locale, due_date=due, notes=invoice_notes)
    session.add(invoice)
    await session.flush()
    for position, p in enumerate(priced):
        _add_line(session, invoice, position, **_priced_fields(p))
    await _recompute(session, invoice)
    audit.record(session, actor, "Invoice", invoice.id, "create",
                 audit.created(invoice, ("customer_id", "vehicle_id", *INVOICE_AUDIT)))
    c.document_changed(session, "invoice", invoice)
    await session.flush()
    return invoice


async def update_invoice(session: AsyncSession, actor: Actor, invoice_id: object, data: InvoiceData,
                         expected_version: int | None = None) -> Invoice:
    """A draft's customer, due date, notes and (all of) its lines."""
    errors = Collector()
    due = c.date_value(errors, "dueDate", data.due_date)
    invoice_notes = c.notes(errors, "notes", data.notes)
    errors.raise_if_any()
    invoice = await _draft(session, actor, invoice_id, expected_version)
    before = audit.snapshot(invoice, INVOICE_AUDIT)
    if data.due_date is not _UNSET:
        invoice.due_date = due
    if data.notes is not _UNSET:
        invoice.notes = invoice_notes
    if c.given(data.customer_id):
        invoice.customer_id = (await customers.get_customer(session, actor, data.customer_id, "customerId")).id
    extra = {}
    if data.lines is not _UNSET:
        priced = await check_lines(session, actor, data.lines, invoice.locale, kinds=INVOICE_KINDS)
        old = await invoice_lines(session, invoice)
        for line in old:
            await session.delete(line)
        await session.flush()
        for position, p in enumerate(priced):
            _add_line(session, invoice, position, **_priced_fields(p))
        extra["lines"] = {"before": len(old), "after": len(priced)}
    await _recompute(session, invoice)
    _changed(session, actor, invoice, "update", before, extra)
    await session.flush()
    return invoice


async def add_invoice_line(session: AsyncSession, actor: Actor, invoice_id: object, line: LineInput,
                           expected_version: int | None = None) -> Invoice:
    invoice = await _draft(session, actor, invoice_id, expected_version, "invoiceId")
    [p] = await check_lines(session, actor, [line], invoice.locale, kinds=INVOICE_KINDS, field="line")
    position = (await session.execute(select(func.coalesce(func.max(InvoiceLine.position), -1)).where(
        InvoiceLine.invoice_id == invoice.id))).scalar_one()
    before = audit.snapshot(invoice, INVOICE_AUDIT)
    added = _add_line(session, invoice, int(position) + 1, **_priced_fields(p))
    await _recompute(session, invoice)
    _changed(session, actor, invoice, "add_line", before, {"line": {"before": None, "after": str(added.id)}})
    await session.flush()
    return invoice


async def _line_of_draft(session: AsyncSession, actor: Actor, line_id: object,
                         expected_version: int | None) -> tuple[InvoiceLine, Invoice]:
    lid = v.parse_id(line_id, "id")
    invoice_id = (await session.execute(select(InvoiceLine.invoice_id).where(
        InvoiceLine.id == lid, InvoiceLine.garage_id == actor.garage_id))).scalar_one_or_none()
    if invoice_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    invoice = await _draft(session, actor, invoice_id, expected_version)
    line = (await session.execute(select(InvoiceLine).where(InvoiceLine.id == lid))).scalar_one()
    return line, invoice


async def update_invoice_line(session: AsyncSession, actor: Actor, line_id: object, data: LineInput,
                              expected_version: int | None = None) -> Invoice:
    """Description, quantity, unit price, discount or billed hours of a draft's line (what is not sent stays)."""
    line, invoice = await _line_of_draft(session, actor, line_id, expected_version)
    merged = LineInput(
        kind=line.kind, description=data.description if c.given(data.description) else line.description,
        quantity=data.quantity if c.given(data.quantity) else line.quantity,
        unit_price=data.unit_price if c.given(data.unit_price) else line.unit_price,
        discount=data.discount if c.given(data.discount) else line.discount,
        billed_hours=data.billed_hours if c.given(data.billed_hours) else line.billed_hours)
    [p] = await check_lines(session, actor, [merged], invoice.locale, kinds=INVOICE_KINDS, field="line")
    before = audit.snapshot(invoice, INVOICE_AUDIT)
    line.description, line.quantity, line.unit_price, line.discount = (p.description, p.quantity, p.unit_price,
                                                                        p.discount)
    line.billed_hours = p.billed_hours
    c.price_line(line, invoice.tax_rate, invoice.prices_include_tax)
    await _recompute(session, invoice)
    _changed(session, actor, invoice, "update_line", before, {"line": {"before": None, "after": str(line.id)}})
    await session.flush()
    return invoice


async def remove_invoice_line(session: AsyncSession, actor: Actor, line_id: object,
                              expected_version: int | None = None) -> Invoice:
    line, invoice = await _line_of_draft(session, actor, line_id, expected_version)
    before = audit.snapshot(invoice, INVOICE_AUDIT)
    await session.delete(line)
    await _recompute(session, invoice)
    _changed(session, actor, invoice, "remove_line", before, {"line": {"before": str(line.id), "after": None}})
    await session.flush()
    return invoice


async def delete_invoice(session: AsyncSession, actor: Actor, invoice_id: object,
                         expected_version: int | None = None) -> Invoice:
    """Only a draft (it has no number yet). A job's draft gives the job back to BILLING."""
    invoice = await _draft(session, actor, invoice_id, expected_version)
    if invoice.job_id is not None:
        job = await load_job(session, actor, invoice.job_id, for_update=True, field="id")
        if job.status == JobStatus.INVOICED:
            await workshop_jobs.return_job_to_billing(session, actor, job, invoice.id)
    audit.record(session, actor, "Invoice", invoice.id, "delete",
                 {k: {"before": val, "after": None} for k, val in audit.snapshot(invoice, INVOICE_AUDIT).items()})
    for line in await invoice_lines(session, invoice):
        await session.delete(line)
    await session.flush()
    await session.delete(invoice)
    await session.flush()
    c.document_changed(session, "invoice", invoice)
    return invoice


# ---------------------------------------------------------------------------------------------------- issuing


async def issue_invoice(session: AsyncSession, actor: Actor, invoice_id: object, *, due_date: object = _UNSET,
                        expected_version: int | None = None) -> Invoice:
    errors = Collector()
    due = c.date_value(errors, "dueDate", due_date)
    errors.raise_if_any()
    invoice = await c.lock_document(session, actor, Invoice, invoice_id, expected_version, (InvoiceStatus.DRAFT,),
                                    ErrorCode.INVALID_INVOICE_STATE)
    lines = await invoice_lines(session, invoice)
    if not lines:
        raise DomainError(ErrorCode.NO_LINES, "lines")
    garage = await c.garage_of(session, actor)
    site = (await session.execute(select(Site).where(Site.id == invoice.site_id))).scalar_one()
    customer = None
    if invoice.customer_id is not None:
        customer = (await session.execute(select(Customer).where(Customer.id == invoice.customer_id))).scalar_one()
    today = c.today_in(garage)
    if due is not None and due < today:
        raise DomainError(ErrorCode.INVALID_VALUE, "dueDate")
    seller = tax_invoice.seller_of(garage, site)
    # refused before anything changes or a number is taken: a full tax invoice lacking the buyer's details
    form = tax_invoice.tax_invoice_form(garage, seller, customer)
    before = audit.snapshot(invoice, INVOICE_AUDIT)
    invoice.seller_name, invoice.seller_tax_id, invoice.seller_branch = seller.name, seller.tax_id, seller.branch
    invoice.seller_address = seller.address
    invoice.tax_invoice_form = form
    if customer is not None:
        invoice.buyer_name, invoice.buyer_address = customer.name, customer.address
        invoice.buyer_tax_id, invoice.buyer_branch = customer.tax_id, customer.branch
    invoice.issue_date = today
    invoice.due_date = due or invoice.due_date or today
    if invoice.due_date < today:
        invoice.due_date = today
    c.set_totals(invoice, lines)
    invoice.issued_at = utcnow()
    invoice.issued_by_id = actor.user_id
    # the number last: the counter row stays locked until this transaction ends, a rollback gives it back
    invoice.year = today.year
    invoice.sequence = await numbering.next_number(session, actor.garage_id, "INVOICE", today.year)
    invoice.number = numbering.format_number("INV", today.year, invoice.sequence)
    # Parts sold over the counter (stock items not issued against a job's parts request) leave the shelf now; a
    # short shelf refuses the issue and the whole transaction, number included, rolls back.
    for line in lines:
        if line.kind == LineKind.PART and line.item_id is not None and line.parts_request_id is None:
            await inventory.sell(session, actor, line.item_id, int(line.quantity), reference=invoice.number,
                                 field=f"lines.{line.position}.quantity", site_id=invoice.site_id)
    _settle(invoice)
    _changed(session, actor, invoice, "issue", before)
    await session.flush()
    await notifications.notify_invoice_issued(session, invoice)  # the customer's mail with the PDF, in this transaction
    from backend.integrations.webhooks.outbox import enqueue_event

    enqueue_event(session, invoice.garage_id, "invoice.issued", {
        "invoiceId": str(invoice.id), "number": invoice.number, "jobId": str(invoice.job_id) if invoice.job_id else None,
        "customerId": str(invoice.customer_id) if invoice.customer_id else None,
        "issueDate": invoice.issue_date.isoformat(), "dueDate": invoice.due_date.isoformat(), "total": invoice.total,
        "balanceDue": invoice.balance_due, "currency": invoice.currency})
    return invoice


# ---------------------------------------------------------------------------------------------------- reads


@dataclass
class InvoiceFilter:
    status: list | None = None
    customer_id: object = None
    site_id: object = None
    job_id: object = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    overdue: bool | None = None


async def list_invoices(session: AsyncSession, actor: Actor, filter: InvoiceFilter | None = None, *,
                        limit: int = 20, after: tuple[str, str] | None = None) -> list[Invoice]:
    """Newest first; `limit + 1` rows so the caller knows whether another page follows. Overdue: issued, not
    settled, due before today at the garage."""
    f = filter or InvoiceFilter()
    errors = Collector()
    issued_from = c.date_value(errors, "filter.issuedFrom", f.issued_from)
    issued_to = c.date_value(errors, "filter.issuedTo", f.issued_to)
    errors.raise_if_any()
    query = select(Invoice).where(Invoice.garage_id == actor.garage_id)
    if f.status:
        query = query.where(Invoice.status.in_([InvoiceStatus(getattr(s, "value", s)) for s in f.status]))
    query = scoped_ids(query, ((f.customer_id, Invoice.customer_id, "customerId"),
                               (f.site_id, Invoice.site_id, "siteId"), (f.job_id, Invoice.job_id, "jobId")))
    if issued_from is not None:
        query = query.where(Invoice.issue_date >= issued_from)
    if issued_to is not None:
        query = query.where(Invoice.issue_date <= issued_to)
    if f.overdue is not None:
        today = c.today_in(await c.garage_of(session, actor))
        overdue = (Invoice.status.in_(OPEN)) & (Invoice.due_date < today) & (Invoice.balance_due > 0)
        query = query.where(overdue if f.overdue else ~overdue)
    query = keyset(query, Invoice, after).limit(limit + 1)
    return list((await session.execute(query)).scalars())


async def list_credit_notes(session: AsyncSession, actor: Actor, invoice_id: object = None, *, limit: int = 20,
                            after: tuple[str, str] | None = None) -> list[CreditNote]:
    query = scoped_ids(select(CreditNote).where(CreditNote.garage_id == actor.garage_id),
                       ((invoice_id, CreditNote.invoice_id, "invoiceId"),))
    query = keyset(query, CreditNote, after).limit(limit + 1)
    return list((await session.execute(query)).scalars())
