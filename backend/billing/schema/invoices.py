"""GraphQL for invoices: from a job or by hand, draft edits, issue (numbered), payments, credit notes, void."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.mutations import client_id, given, run_input
from backend.api.permissions import requires
from backend.api.queries import read
from backend.api.scalars import Amount
from backend.billing.loaders import InvoiceLoader
from backend.billing.schema.quotes import _opt, line_inputs
from backend.billing.schema.types import (
    BillingLineInput,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)
from backend.billing.service import credit_notes, payments
from backend.billing.service import invoices as service
from backend.billing.service.common import LineInput
from backend.core.permissions import Permission as P
from backend.workshop.schema.jobs import RevenueStream

_ = Decimal


@strawberry.input
class CreateInvoiceFromJobInput:
    id: strawberry.ID | None = strawberry.UNSET
    job_id: strawberry.ID
    due_date: dt.date | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class CreateInvoiceInput:
    id: strawberry.ID | None = strawberry.UNSET
    site_id: strawberry.ID
    customer_id: strawberry.ID | None = strawberry.UNSET
    vehicle_id: strawberry.ID | None = strawberry.UNSET
    revenue_stream: RevenueStream | None = strawberry.UNSET
    due_date: dt.date | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    lines: list[BillingLineInput]
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateInvoiceInput:
    id: strawberry.ID
    customer_id: strawberry.ID | None = strawberry.UNSET
    due_date: dt.date | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    lines: list[BillingLineInput] | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class AddInvoiceLineInput:
    invoice_id: strawberry.ID
    line: BillingLineInput
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateInvoiceLineInput:
    id: strawberry.ID = strawberry.field(description="The line.")
    description: str | None = strawberry.UNSET
    quantity: Decimal | None = strawberry.UNSET
    unit_price: Amount | None = strawberry.UNSET
    discount: Amount | None = strawberry.UNSET
    billed_hours: Decimal | None = strawberry.UNSET
    expected_version: int | None = strawberry.field(default=strawberry.UNSET,
                                                    description="The invoice's version.")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class RemoveInvoiceLineInput:
    id: strawberry.ID = strawberry.field(description="The line.")
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class InvoiceActionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class IssueInvoiceInput:
    id: strawberry.ID
    due_date: dt.date | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class RecordPaymentInput:
    id: strawberry.ID | None = strawberry.UNSET
    invoice_id: strawberry.ID
    amount: Amount = strawberry.field(description="Received, in minor units.")
    withholding_amount: Amount | None = strawberry.field(
        default=strawberry.UNSET, description="Withholding tax the customer kept (e.g. 3 % of the pre-tax service).")
    method: PaymentMethod
    paid_on: dt.date | None = strawberry.UNSET
    reference: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Pay the whole balance (less any withholding given).")
class MarkInvoicePaidInput:
    id: strawberry.ID | None = strawberry.UNSET
    invoice_id: strawberry.ID
    method: PaymentMethod
    withholding_amount: Amount | None = strawberry.UNSET
    paid_on: dt.date | None = strawberry.UNSET
    reference: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Credit a line by quantity or by amount (tax included).")
class CreditNoteLineInput:
    invoice_line_id: strawberry.ID
    quantity: Decimal | None = strawberry.UNSET
    amount: Amount | None = strawberry.UNSET


@strawberry.input
class CreateCreditNoteInput:
    id: strawberry.ID | None = strawberry.UNSET
    invoice_id: strawberry.ID
    reason: str
    lines: list[CreditNoteLineInput] | None = strawberry.field(
        default=strawberry.UNSET, description="None: everything not yet credited (voids the invoice).")
    refund_method: PaymentMethod | None = strawberry.field(
        default=strawberry.UNSET, description="Required when the customer gets money back.")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class VoidInvoiceInput:
    id: strawberry.ID = strawberry.field(description="The invoice.")
    credit_note_id: strawberry.ID | None = strawberry.UNSET
    reason: str
    refund_method: PaymentMethod | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class InvoiceFilter:
    status: list[InvoiceStatus] | None = None
    customer_id: strawberry.ID | None = None
    site_id: strawberry.ID | None = None
    job_id: strawberry.ID | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    overdue: bool | None = None


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteInvoicePayload:
    deleted_invoice_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PaymentPayload:
    payment: Payment | None = None
    invoice: Invoice | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreditNotePayload:
    credit_note: CreditNote | None = None
    invoice: Invoice | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _invoice_mutation(info, input, fn, *args, current_id=None, **kwargs) -> InvoicePayload:
    """One invoice service call; a stale one (CONFLICT) answers with the invoice `current_id` as it is now."""
    invoice, errors = await run_input(info, input, fn, *args, find=service.find_invoice, current_id=current_id,
                                      **kwargs)
    return InvoicePayload(invoice=invoice, errors=errors)


async def _invoice_of(info, record):
    return await info.context.loader(InvoiceLoader).load(record.invoice_id) if record is not None else None


def _invoice_data(input_) -> service.InvoiceData:
    return service.InvoiceData(
        site_id=_opt(getattr(input_, "site_id", strawberry.UNSET)), customer_id=_opt(input_.customer_id),
        vehicle_id=_opt(getattr(input_, "vehicle_id", strawberry.UNSET)),
        revenue_stream=_opt(getattr(input_, "revenue_stream", strawberry.UNSET)), due_date=_opt(input_.due_date),
        notes=_opt(input_.notes), lines=line_inputs(input_.lines))


def _payment_data(input_) -> payments.PaymentData:
    return payments.PaymentData(amount=_opt(getattr(input_, "amount", strawberry.UNSET)),
                               withholding_amount=_opt(input_.withholding_amount), method=input_.method,
                               paid_on=_opt(input_.paid_on), reference=_opt(input_.reference))


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.INVOICES_READ), description="An invoice; null when unknown.")
    async def invoice(self, info: strawberry.Info, id: strawberry.ID) -> Invoice | None:
        return await read(info, service.find_invoice, id)

    @strawberry.field(extensions=requires(P.INVOICES_READ),
                      description="Invoices, newest first. overdue: issued, unpaid and due before today.")
    async def invoices(self, info: strawberry.Info, filter: InvoiceFilter | None = None, first: int | None = None,
                       after: str | None = None) -> Connection[Invoice]:
        limit = connections.page_size(info, first)
        f = filter or InvoiceFilter()
        rows = await read(info, service.list_invoices, service.InvoiceFilter(
            status=f.status, customer_id=f.customer_id, site_id=f.site_id, job_id=f.job_id,
            issued_from=f.issued_from, issued_to=f.issued_to, overdue=f.overdue),
            limit=limit, after=connections.after_pair(info, after))
        return connections.build(rows, limit, key=lambda r: (r.created_at.isoformat(), r.id))

    @strawberry.field(extensions=requires(P.INVOICES_READ), description="A credit note; null when unknown.")
    async def credit_note(self, info: strawberry.Info, id: strawberry.ID) -> CreditNote | None:
        return await read(info, credit_notes.find_credit_note, id)

    @strawberry.field(extensions=requires(P.INVOICES_READ), description="Credit notes, newest first.")
    async def credit_notes(self, info: strawberry.Info, invoice_id: strawberry.ID | None = None,
                           first: int | None = None, after: str | None = None) -> Connection[CreditNote]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.list_credit_notes, invoice_id, limit=limit,
                          after=connections.after_pair(info, after))
        return connections.build(rows, limit, key=lambda r: (r.created_at.isoformat(), r.id))


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE),
                         description="A draft invoice from a job in BILLING (completed tasks, issued parts); the job "
                                     "becomes INVOICED.")
    async def create_invoice_from_job(self, info: strawberry.Info, input: CreateInvoiceFromJobInput) -> InvoicePayload:
        async def call(session, actor):
            return await service.create_invoice_from_job(session, actor, input.job_id, due_date=_opt(input.due_date),
                                                         notes=_opt(input.notes), invoice_id=client_id(input.id))

        return await _invoice_mutation(info, input, call)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE),
                         description="A draft invoice by hand (a counter sale of parts: SPARE_PARTS by default).")
    async def create_invoice(self, info: strawberry.Info, input: CreateInvoiceInput) -> InvoicePayload:
        async def call(session, actor):
            return await service.create_invoice(session, actor, _invoice_data(input), client_id(input.id))

        return await _invoice_mutation(info, input, call)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE), description="Change a draft (lines replace all).")
    async def update_invoice(self, info: strawberry.Info, input: UpdateInvoiceInput) -> InvoicePayload:
        return await _invoice_mutation(info, input, service.update_invoice, input.id, _invoice_data(input),
                                       given(input.expected_version), current_id=input.id)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE))
    async def add_invoice_line(self, info: strawberry.Info, input: AddInvoiceLineInput) -> InvoicePayload:
        [line] = line_inputs([input.line])
        return await _invoice_mutation(info, input, service.add_invoice_line, input.invoice_id, line,
                                       given(input.expected_version), current_id=input.invoice_id)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE))
    async def update_invoice_line(self, info: strawberry.Info, input: UpdateInvoiceLineInput) -> InvoicePayload:
        data = LineInput(description=_opt(input.description), quantity=_opt(input.quantity),
                         unit_price=_opt(input.unit_price), discount=_opt(input.discount),
                         billed_hours=_opt(input.billed_hours))
        return await _invoice_mutation(info, input, service.update_invoice_line, input.id, data,
                                       given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE))
    async def remove_invoice_line(self, info: strawberry.Info, input: RemoveInvoiceLineInput) -> InvoicePayload:
        return await _invoice_mutation(info, input, service.remove_invoice_line, input.id,
                                       given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE),
                         description="Delete a draft; an issued invoice is never deleted (credit it instead).")
    async def delete_invoice(self, info: strawberry.Info, input: InvoiceActionInput) -> DeleteInvoicePayload:
        invoice, errors = await run_input(info, input, service.delete_invoice, input.id,
                                          given(input.expected_version))
        return DeleteInvoicePayload(deleted_invoice_id=invoice.id if invoice is not None else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE),
                         description="Give the draft its number (consecutive per garage and year) and freeze it.")
    async def issue_invoice(self, info: strawberry.Info, input: IssueInvoiceInput) -> InvoicePayload:
        return await _invoice_mutation(info, input, service.issue_invoice, input.id, due_date=_opt(input.due_date),
                                       expected_version=given(input.expected_version), current_id=input.id)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE),
                         description="Money received (and any withholding tax kept); never more than the balance.")
    async def record_payment(self, info: strawberry.Info, input: RecordPaymentInput) -> PaymentPayload:
        async def call(session, actor):
            return await payments.record_payment(session, actor, input.invoice_id, _payment_data(input),
                                                client_id(input.id))

        payment, errors = await run_input(info, input, call, find=payments.find_payment)
        return PaymentPayload(payment=payment, invoice=await _invoice_of(info, payment), errors=errors)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE))
    async def mark_invoice_paid(self, info: strawberry.Info, input: MarkInvoicePaidInput) -> PaymentPayload:
        async def call(session, actor):
            return await payments.mark_invoice_paid(session, actor, input.invoice_id, _payment_data(input),
                                                   client_id(input.id))

        payment, errors = await run_input(info, input, call, find=payments.find_payment)
        return PaymentPayload(payment=payment, invoice=await _invoice_of(info, payment), errors=errors)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE),
                         description="Credit lines of an issued invoice (all of it when no lines: voids it).")
    async def create_credit_note(self, info: strawberry.Info, input: CreateCreditNoteInput) -> CreditNotePayload:
        async def call(session, actor):
            lines = None
            if input.lines not in (strawberry.UNSET, None):
                lines = [credit_notes.CreditLineData(invoice_line_id=line.invoice_line_id, quantity=_opt(line.quantity),
                                                amount=_opt(line.amount)) for line in input.lines]
            return await credit_notes.create_credit_note(session, actor, input.invoice_id, credit_notes.CreditNoteData(
                reason=input.reason, lines=lines, refund_method=_opt(input.refund_method)), client_id(input.id))

        note, errors = await run_input(info, input, call, find=credit_notes.find_credit_note)
        return CreditNotePayload(credit_note=note, invoice=await _invoice_of(info, note), errors=errors)

    @strawberry.mutation(extensions=requires(P.INVOICES_WRITE),
                         description="Void an issued invoice through a credit note for all of it.")
    async def void_invoice(self, info: strawberry.Info, input: VoidInvoiceInput) -> CreditNotePayload:
        async def call(session, actor):
            return await credit_notes.void_invoice(session, actor, input.id, input.reason, _opt(input.refund_method),
                                              client_id(input.credit_note_id))

        note, errors = await run_input(info, input, call, find=credit_notes.find_credit_note)
        return CreditNotePayload(credit_note=note, invoice=await _invoice_of(info, note), errors=errors)
