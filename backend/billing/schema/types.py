"""GraphQL types of billing: Quote, Invoice, CreditNote, Payment, their lines, deferred work; the shared inputs.

Money is Amount (backend/api/scalars.py: an integer of minor units of `currency`, satang, pence, paise, that may
pass GraphQL Int's 32 bits); `*Text` fields give the amount formatted in the reader's language. Relations load
through DataLoaders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.accounts.loaders import GarageLoader, SiteLoader, UserLoader
from backend.accounts.schema import Locale, OperationsStream, Site, User
from backend.api.permissions import requires
from backend.api.scalars import Amount
from backend.billing import promptpay
from backend.billing.documents.signing import signed_pdf_url
from backend.billing.loaders import (
    CreditNoteLinesLoader,
    CreditNotesByInvoiceLoader,
    InvoiceLinesLoader,
    InvoiceLoader,
    PaymentsByInvoiceLoader,
    QuoteLinePhotosLoader,
    QuoteLinesLoader,
)
from backend.billing.models import InvoiceStatus as InvoiceStatusEnum
from backend.billing.models import LineDecision as LineDecisionEnum
from backend.billing.models import LineKind as LineKindEnum
from backend.billing.models import PaymentMethod as PaymentMethodEnum
from backend.billing.models import QuoteStatus as QuoteStatusEnum
from backend.core import money
from backend.core.permissions import Permission as P
from backend.customers.loaders import CustomerLoader
from backend.workshop.loaders import JobLoader, VehicleLoader
from backend.workshop.schema.jobs import RevenueStream

if TYPE_CHECKING:
    from backend.customers.schema import Customer, Vehicle
    from backend.files.schema import Attachment
    from backend.workshop.schema.jobs import Job

CustomerRef = Annotated["Customer", strawberry.lazy("backend.customers.schema")]
VehicleRef = Annotated["Vehicle", strawberry.lazy("backend.customers.schema")]
JobRef = Annotated["Job", strawberry.lazy("backend.workshop.schema.jobs")]

QuoteStatus = strawberry.enum(QuoteStatusEnum, name="QuoteStatus")
InvoiceStatus = strawberry.enum(InvoiceStatusEnum, name="InvoiceStatus")
LineKind = strawberry.enum(LineKindEnum, name="BillingLineKind",
                           description="LABOUR and PART on quotes; invoices also take OTHER.")
LineDecision = strawberry.enum(LineDecisionEnum, name="QuoteLineDecision")
PaymentMethod = strawberry.enum(PaymentMethodEnum, name="PaymentMethod")

def _text(info: strawberry.Info, amount: int, currency: str) -> str:
    return money.format_money(amount, currency, info.context.locale)


def _pdf(info: strawberry.Info, kind: str, document_id, garage_id, locale: str | None = None) -> str:
    actor = info.context.actor
    return signed_pdf_url(kind, document_id, garage_id, actor.user_id if actor else None, locale=locale,
                          secret=info.context.settings.secret_key)


def _user(info: strawberry.Info, user_id):
    return info.context.loader(UserLoader).load(user_id) if user_id else None


def _total_text(root, info: strawberry.Info) -> str:
    return _text(info, root.total, root.currency)


def _customer(root, info: strawberry.Info) -> CustomerRef | None:
    """The document's customer, for those who may read customers (null for the others)."""
    if root.customer_id is None or not info.context.actor.can(P.CUSTOMERS_READ):
        return None
    return info.context.loader(CustomerLoader).load(root.customer_id)


def _vehicle(root, info: strawberry.Info) -> VehicleRef | None:
    if root.vehicle_id is None or not info.context.actor.can(P.VEHICLES_READ):
        return None
    return info.context.loader(VehicleLoader).load(root.vehicle_id)


def _job(root, info: strawberry.Info) -> JobRef | None:
    if root.job_id is None or not info.context.actor.can(P.JOBS_READ):
        return None
    return info.context.loader(JobLoader).load(root.job_id)


def _site(root, info: strawberry.Info) -> Site | None:
    return info.context.loader(SiteLoader).load(root.site_id)


@strawberry.type
class _BillingLine:
    """The priced fields quote and invoice lines share (not in the schema itself)."""

    id: strawberry.ID
    position: int
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Amount
    discount: Amount
    net: Amount
    tax: Amount
    total: Amount
    billed_hours: Decimal | None


@strawberry.type(description="A line of a quote, with the customer's decision.")
class QuoteLine(_BillingLine):
    unit_price: Amount = strawberry.field(description="Minor units.")
    discount: Amount = strawberry.field(description="Minor units off the line.")
    decision: LineDecision
    decided_at: dt.datetime | None
    task_action_id: strawberry.ID | None
    item_id: strawberry.ID | None
    job_task_id: strawberry.ID | None = strawberry.field(description="The job task an approved labour line became.")
    parts_request_id: strawberry.ID | None = strawberry.field(
        description="The parts request an approved part became.")

    @strawberry.field(description="Photos shown with the line (an inspection finding's, from quoteFromFindings).")
    def photos(self, info: strawberry.Info) -> list[Annotated["Attachment", strawberry.lazy("backend.files.schema")]]:
        return info.context.loader(QuoteLinePhotosLoader).load(self.id)


@strawberry.type(description="A quote's lines by the customer's decision (\"approved 3 of 5 lines\").")
class ApprovalSummary:
    approved: int
    declined: int
    pending: int
    total: int


@strawberry.type(description="A quote: DRAFT -> SENT -> APPROVED | PARTIALLY_APPROVED | DECLINED, line by line; "
                             "a draft or sent quote may be withdrawn (CANCELLED).")
class Quote:
    id: strawberry.ID
    number: str
    status: QuoteStatus
    locale: Locale
    currency: str
    tax_label: str
    tax_rate: Decimal = strawberry.field(description="Percent (7 means 7 %).")
    prices_include_tax: bool
    valid_until: dt.date | None
    notes: str | None
    subtotal: Amount
    tax_total: Amount
    total: Amount
    sent_at: dt.datetime | None
    decided_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str | None = strawberry.field(description="Why the quote was withdrawn (CANCELLED).")
    version: int
    created_at: dt.datetime
    revision: int = strawberry.field(description="1, then one more each time a quote decided on is changed.")
    locked: bool = strawberry.field(description="The customer has decided on it: a change makes the next revision, "
                                                "which needs their approval again when its total goes up.")

    total_text = strawberry.field(resolver=_total_text)

    @strawberry.field(description="How many lines the customer approved and declined, and how many wait.")
    async def approval_summary(self, info: strawberry.Info) -> ApprovalSummary:
        lines = await info.context.loader(QuoteLinesLoader).load(self.id)
        decided = [line.decision.value for line in lines]
        return ApprovalSummary(approved=decided.count("APPROVED"), declined=decided.count("DECLINED"),
                               pending=decided.count("PENDING"), total=len(decided))

    @strawberry.field
    def lines(self, info: strawberry.Info) -> list[QuoteLine]:
        return info.context.loader(QuoteLinesLoader).load(self.id)

    customer = strawberry.field(resolver=_customer)
    vehicle = strawberry.field(resolver=_vehicle)
    job = strawberry.field(resolver=_job)
    site = strawberry.field(resolver=_site)

    @strawberry.field
    def created_by(self, info: strawberry.Info) -> User | None:
        return _user(info, self.created_by_id)  # type: ignore[attr-defined]

    @strawberry.field(description="A signed link to the PDF, valid for a few minutes.")
    def pdf_url(self, info: strawberry.Info) -> str:
        return _pdf(info, "quote", self.id, self.garage_id, self.locale.value)  # type: ignore[attr-defined]


@strawberry.type(description="A line of an invoice.")
class InvoiceLine(_BillingLine):
    job_task_id: strawberry.ID | None
    parts_request_id: strawberry.ID | None
    item_id: strawberry.ID | None

    @strawberry.field(extensions=requires(P.COSTS_READ),
                      description="Parts: the cost when issued, for gross profit. Null with a FORBIDDEN error unless "
                                  "you may read costs (costs:read).")
    def unit_cost(self) -> Amount | None:
        return self.unit_cost  # type: ignore[attr-defined]


@strawberry.type(description="Money received against an invoice; withholdingAmount is tax a corporate customer kept.")
class Payment:
    id: strawberry.ID
    amount: Amount
    withholding_amount: Amount
    method: PaymentMethod
    paid_on: dt.date
    reference: str | None
    created_at: dt.datetime

    @strawberry.field
    def invoice(self, info: strawberry.Info) -> Invoice | None:
        return info.context.loader(InvoiceLoader).load(self.invoice_id)  # type: ignore[attr-defined]

    @strawberry.field
    def recorded_by(self, info: strawberry.Info) -> User | None:
        return _user(info, self.recorded_by_id)  # type: ignore[attr-defined]

    @strawberry.field(description="A signed link to the receipt PDF.")
    def receipt_url(self, info: strawberry.Info) -> str:
        return _pdf(info, "receipt", self.id, self.garage_id)  # type: ignore[attr-defined]


@strawberry.type(description="A line of a credit note, against a line of the invoice.")
class CreditNoteLine:
    id: strawberry.ID
    position: int
    description: str
    quantity: Decimal
    net: Amount
    tax: Amount
    total: Amount
    invoice_line_id: strawberry.ID


@strawberry.type(description="A credit against an issued invoice (CN-2026-000001); a full credit voids it.")
class CreditNote:
    id: strawberry.ID
    number: str
    issue_date: dt.date
    reason: str
    locale: Locale
    currency: str
    subtotal: Amount
    tax_total: Amount
    total: Amount
    refund_amount: Amount = strawberry.field(description="Money paid back to the customer.")
    refund_method: PaymentMethod | None
    created_at: dt.datetime

    @strawberry.field
    def lines(self, info: strawberry.Info) -> list[CreditNoteLine]:
        return info.context.loader(CreditNoteLinesLoader).load(self.id)

    @strawberry.field
    def invoice(self, info: strawberry.Info) -> Invoice | None:
        return info.context.loader(InvoiceLoader).load(self.invoice_id)  # type: ignore[attr-defined]

    @strawberry.field
    def created_by(self, info: strawberry.Info) -> User | None:
        return _user(info, self.created_by_id)  # type: ignore[attr-defined]

    @strawberry.field
    def pdf_url(self, info: strawberry.Info) -> str:
        return _pdf(info, "credit_note", self.id, self.garage_id, self.locale.value)  # type: ignore[attr-defined]


@strawberry.type(description="A PromptPay QR (Thai QR Payment, EMVCo) for an invoice's balance due.")
class PromptPay:
    payload: str = strawberry.field(description="The QR's text: EMVCo tags with the amount and a CRC (tag 63).")
    svg: str = strawberry.field(description="The QR as an SVG image, ready to show.")
    amount: Amount = strawberry.field(description="The amount in the QR: the balance due, in minor units.")


@strawberry.type(description="An invoice: DRAFT -> ISSUED -> PARTIALLY_PAID -> PAID; VOID by a full credit note. "
                             "balanceDue = total - paidTotal - withholdingTotal - creditedTotal + refundedTotal.")
class Invoice:
    id: strawberry.ID
    status: InvoiceStatus
    number: str | None = strawberry.field(description="Given when issued.")
    issue_date: dt.date | None
    due_date: dt.date | None
    revenue_stream: RevenueStream
    operations_stream: OperationsStream | None
    locale: Locale
    currency: str
    tax_label: str
    tax_rate: Decimal
    prices_include_tax: bool
    subtotal: Amount
    tax_total: Amount
    total: Amount
    paid_total: Amount
    withholding_total: Amount
    credited_total: Amount
    refunded_total: Amount
    balance_due: Amount
    buyer_name: str | None
    buyer_address: str | None
    buyer_tax_id: str | None
    buyer_branch: str | None
    seller_name: str | None
    seller_address: str | None
    seller_tax_id: str | None
    seller_branch: str | None
    tax_invoice_form: str | None = strawberry.field(
        description="FULL (ใบกำกับภาษีเต็มรูป) or ABBREVIATED (อย่างย่อ) for a Thai VAT seller; null otherwise.")
    notes: str | None
    issued_at: dt.datetime | None
    paid_at: dt.datetime | None
    voided_at: dt.datetime | None
    version: int
    created_at: dt.datetime

    total_text = strawberry.field(resolver=_total_text)

    @strawberry.field
    def balance_due_text(self, info: strawberry.Info) -> str:
        return _text(info, self.balance_due, self.currency)

    @strawberry.field
    def lines(self, info: strawberry.Info) -> list[InvoiceLine]:
        return info.context.loader(InvoiceLinesLoader).load(self.id)

    @strawberry.field
    def payments(self, info: strawberry.Info) -> list[Payment]:
        return info.context.loader(PaymentsByInvoiceLoader).load(self.id)

    @strawberry.field
    def credit_notes(self, info: strawberry.Info) -> list[CreditNote]:
        return info.context.loader(CreditNotesByInvoiceLoader).load(self.id)

    customer = strawberry.field(resolver=_customer)
    vehicle = strawberry.field(resolver=_vehicle)
    job = strawberry.field(resolver=_job)
    site = strawberry.field(resolver=_site)

    @strawberry.field
    def issued_by(self, info: strawberry.Info) -> User | None:
        return _user(info, self.issued_by_id)  # type: ignore[attr-defined]

    @strawberry.field(description="A signed link to the PDF (null for a draft, which has no number yet).")
    def pdf_url(self, info: strawberry.Info) -> str | None:
        if self.number is None:
            return None
        return _pdf(info, "invoice", self.id, self.garage_id, self.locale.value)  # type: ignore[attr-defined]

    @strawberry.field(description="A PromptPay QR for the balance due; null when the garage has no PromptPay ID or "
                                  "biller ID, or nothing is due (a draft, a paid or void invoice).")
    async def prompt_pay(self, info: strawberry.Info) -> PromptPay | None:
        if self.status not in (InvoiceStatusEnum.ISSUED, InvoiceStatusEnum.PARTIALLY_PAID):
            return None
        garage = await info.context.loader(GarageLoader).load(self.garage_id)  # type: ignore[attr-defined]
        qr = promptpay.for_balance(garage, self.currency, self.balance_due, self.number)
        return PromptPay(payload=qr.payload, svg=qr.svg(), amount=qr.amount) if qr else None


@strawberry.type(description="Work the customer declined, kept on the vehicle for its next visit.")
class DeferredWork:
    id: strawberry.ID
    description: str
    amount: Amount
    currency: str
    created_at: dt.datetime
    quote_line_id: strawberry.ID | None


@strawberry.input(description="A quote or invoice line: from the catalog (taskActionId: its labour cost and hours), "
                              "from stock (itemId: its sale price), or custom (description and unitPrice).")
class BillingLineInput:
    kind: LineKind
    description: str | None = strawberry.UNSET
    quantity: Decimal | None = strawberry.UNSET
    unit_price: Amount | None = strawberry.UNSET
    discount: Amount | None = strawberry.UNSET
    billed_hours: Decimal | None = strawberry.UNSET
    task_action_id: strawberry.ID | None = strawberry.UNSET
    item_id: strawberry.ID | None = strawberry.UNSET
