"""Billing: quotes with line-by-line approval, deferred work, invoices, payments and credit notes.

Money columns are integer minor units of the document's currency; `tax_rate` is a percentage as in the garage
settings (7 means 7 %). A document copies the garage's tax label, rate and price-inclusive flag when it is created,
so a later change of settings never alters an existing quote or invoice.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin, utcnow
from backend.core.enums import Locale, OperationsStream, RevenueStream
from backend.core.i18n import N_, register_labels


# Money columns are 64-bit: one invoice of ฿21,474,836.48 is already past a 32-bit INTEGER in satang.
Money = BigInteger


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class QuoteStatus(enum.Enum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    APPROVED = "APPROVED"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"  # withdrawn before the customer decided; kept, its number never reused


QUOTE_STATUS_LABELS = register_labels({
    QuoteStatus.DRAFT: N_("draft"),
    QuoteStatus.SENT: N_("sent"),
    QuoteStatus.APPROVED: N_("approved"),
    QuoteStatus.PARTIALLY_APPROVED: N_("partially approved"),
    QuoteStatus.DECLINED: N_("declined"),
    QuoteStatus.CANCELLED: N_("cancelled"),
})


class LineKind(enum.Enum):
    LABOUR = "LABOUR"
    PART = "PART"
    OTHER = "OTHER"  # invoices only


class LineDecision(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


class InvoiceStatus(enum.Enum):
    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"


INVOICE_STATUS_LABELS = register_labels({
    InvoiceStatus.DRAFT: N_("draft"),
    InvoiceStatus.ISSUED: N_("issued and unpaid"),
    InvoiceStatus.PARTIALLY_PAID: N_("partially paid"),
    InvoiceStatus.PAID: N_("paid"),
    InvoiceStatus.VOID: N_("void"),
})


class PaymentMethod(enum.Enum):
    CASH = "CASH"
    CARD = "CARD"
    TRANSFER = "TRANSFER"
    QR = "QR"
    OTHER = "OTHER"


class Quote(IdMixin, TimestampMixin, Base):
    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("garage_id", "number"),
        Index("ix_quotes_garage_created", "garage_id", "created_at", "id"),
        Index("ix_quotes_vehicle", "vehicle_id"),
        Index("ix_quotes_job", "job_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    number: Mapped[str] = mapped_column(String(32))  # QT-2026-000001
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[QuoteStatus] = mapped_column(_enum(QuoteStatus), default=QuoteStatus.DRAFT)
    locale: Mapped[Locale] = mapped_column(_enum(Locale), default=Locale.EN)
    currency: Mapped[str] = mapped_column(String(3))
    tax_label: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    subtotal: Mapped[int] = mapped_column(Money, default=0)
    tax_total: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The customer's decision fixes the quote: `locked` once a line is decided; editing a locked quote makes the next
    # `revision` (backend.billing.service.quotes.update_quote), which needs its own approval when its total goes up.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class QuoteLine(IdMixin, Base):
    __tablename__ = "quote_lines"
    __table_args__ = (Index("ix_quote_lines_quote", "quote_id", "position"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[LineKind] = mapped_column(_enum(LineKind))
    task_action_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("task_actions.id", ondelete="SET NULL"))
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("warehouse_items.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit_price: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money, default=0)
    net: Mapped[int] = mapped_column(Money, default=0)
    tax: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
    billed_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    decision: Mapped[LineDecision] = mapped_column(_enum(LineDecision), default=LineDecision.PENDING)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    job_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("job_tasks.id", ondelete="SET NULL"))
    parts_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts_requests.id", ondelete="SET NULL"))


class QuoteLineAttachment(IdMixin, Base):
    """A photo (or document) shown with a quote line: an inspection finding's photo, say (QuoteLine.photos)."""

    __tablename__ = "quote_line_attachments"
    __table_args__ = (UniqueConstraint("quote_line_id", "attachment_id"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    quote_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quote_lines.id", ondelete="CASCADE"))
    attachment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class DeferredWork(IdMixin, Base):
    """Work the customer declined: it stays on the vehicle and is shown when the vehicle next comes in."""

    __tablename__ = "deferred_work"
    __table_args__ = (Index("ix_deferred_work_vehicle", "vehicle_id", "resolved_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    quote_line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quote_lines.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(500))
    amount: Mapped[int] = mapped_column(Money, default=0)  # the declined line's total, minor units
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]


class Invoice(IdMixin, TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("garage_id", "number"),
        # one live invoice per job (a voided one may be followed by another)
        Index("uq_invoices_job_live", "job_id", unique=True,
              postgresql_where=text("job_id IS NOT NULL AND status <> 'VOID'"),
              sqlite_where=text("job_id IS NOT NULL AND status <> 'VOID'")),
        Index("ix_invoices_garage_created", "garage_id", "created_at", "id"),
        Index("ix_invoices_garage_status", "garage_id", "status", "due_date"),
        Index("ix_invoices_garage_issue_date", "garage_id", "issue_date"),  # reports and exports by period
        Index("ix_invoices_customer", "customer_id"),
        CheckConstraint("balance_due >= 0", name="balance_not_negative"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id", ondelete="RESTRICT"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="RESTRICT"))
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus), default=InvoiceStatus.DRAFT)
    number: Mapped[str | None] = mapped_column(String(32))  # INV-2026-000042, given at issue
    year: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[int | None] = mapped_column(Integer)
    issue_date: Mapped[dt.date | None] = mapped_column(Date)  # in the garage's time zone
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    revenue_stream: Mapped[RevenueStream] = mapped_column(_enum(RevenueStream))
    operations_stream: Mapped[OperationsStream | None] = mapped_column(_enum(OperationsStream))
    locale: Mapped[Locale] = mapped_column(_enum(Locale), default=Locale.EN)
    currency: Mapped[str] = mapped_column(String(3))
    tax_label: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False)
    subtotal: Mapped[int] = mapped_column(Money, default=0)
    tax_total: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
    paid_total: Mapped[int] = mapped_column(Money, default=0)
    withholding_total: Mapped[int] = mapped_column(Money, default=0)
    credited_total: Mapped[int] = mapped_column(Money, default=0)
    refunded_total: Mapped[int] = mapped_column(Money, default=0)
    # total - paid - withheld - credited + refunded; never negative (an excess credit is refunded)
    balance_due: Mapped[int] = mapped_column(Money, default=0)
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_address: Mapped[str | None] = mapped_column(Text)
    buyer_tax_id: Mapped[str | None] = mapped_column(String(20))
    buyer_branch: Mapped[str | None] = mapped_column(String(40))
    seller_name: Mapped[str | None] = mapped_column(String(200))
    seller_address: Mapped[str | None] = mapped_column(Text)
    seller_tax_id: Mapped[str | None] = mapped_column(String(20))
    seller_branch: Mapped[str | None] = mapped_column(String(40))
    # set at issue: FULL (ใบกำกับภาษีเต็มรูป), ABBREVIATED (อย่างย่อ); None when the seller charges no VAT
    tax_invoice_form: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime | None]
    issued_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[dt.datetime | None]
    voided_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class InvoiceLine(IdMixin, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_invoice", "invoice_id", "position"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[LineKind] = mapped_column(_enum(LineKind))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit_price: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money, default=0)
    net: Mapped[int] = mapped_column(Money, default=0)
    tax: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
    billed_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    unit_cost: Mapped[int | None] = mapped_column(Money)
    job_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("job_tasks.id", ondelete="SET NULL"))
    parts_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts_requests.id", ondelete="SET NULL"))
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("warehouse_items.id", ondelete="SET NULL"))


class Payment(IdMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_invoice", "invoice_id", "created_at"),
        Index("ix_payments_garage_paid_on", "garage_id", "paid_on"),
        CheckConstraint("amount >= 0 AND withholding_amount >= 0 AND amount + withholding_amount > 0",
                        name="amounts_positive"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(Money)  # received
    withholding_amount: Mapped[int] = mapped_column(Money, default=0)  # withheld by a corporate customer
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CreditNote(IdMixin, Base):
    __tablename__ = "credit_notes"
    __table_args__ = (
        UniqueConstraint("garage_id", "number"),
        Index("ix_credit_notes_invoice", "invoice_id"),
        Index("ix_credit_notes_garage_created", "garage_id", "created_at", "id"),
        Index("ix_credit_notes_garage_issue_date", "garage_id", "issue_date"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(32))  # CN-2026-000001
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    issue_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    locale: Mapped[Locale] = mapped_column(_enum(Locale), default=Locale.EN)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(Money, default=0)
    tax_total: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
    refund_amount: Mapped[int] = mapped_column(Money, default=0)  # money paid back to the customer
    refund_method: Mapped[PaymentMethod | None] = mapped_column(_enum(PaymentMethod))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CreditNoteLine(IdMixin, Base):
    __tablename__ = "credit_note_lines"
    __table_args__ = (
        Index("ix_credit_note_lines_note", "credit_note_id", "position"),
        Index("ix_credit_note_lines_invoice_line", "invoice_line_id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    credit_note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_notes.id", ondelete="CASCADE"))
    invoice_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice_lines.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    net: Mapped[int] = mapped_column(Money, default=0)
    tax: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
