"""The plain data a billing document is printed from: no database, no session, so rendering can run in a thread and
tests can build one by hand. views.py builds these from the billing models."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

KINDS = ("quote", "invoice", "credit_note", "receipt")


@dataclasses.dataclass(frozen=True)
class Party:
    name: str
    address: str | None = None
    tax_id: str | None = None
    branch: str | None = None  # "00000" (or empty) is the head office; "00001" a branch number; or free text
    phone: str | None = None
    email: str | None = None


@dataclasses.dataclass(frozen=True)
class LineView:
    position: int
    kind: str  # LABOUR / PART / OTHER
    description: str
    quantity: Decimal
    unit_price: int
    discount: int
    net: int
    tax: int
    total: int
    decision: str | None = None  # quotes: PENDING / APPROVED / DECLINED


@dataclasses.dataclass(frozen=True)
class PaymentView:
    amount: int  # received
    withholding_amount: int
    method: str  # CASH / CARD / TRANSFER / QR / OTHER
    paid_on: dt.date
    reference: str | None = None


@dataclasses.dataclass(frozen=True)
class QrView:
    payload: str
    image: str  # a data: URI of the SVG
    amount: int


@dataclasses.dataclass(frozen=True)
class DocumentView:
    kind: str
    document_id: uuid.UUID
    locale: str  # "en" or "th"
    currency: str
    number: str | None  # None: a draft invoice, printed as a draft and never as a tax invoice
    issue_date: dt.date | None
    seller: Party
    buyer: Party | None
    lines: tuple[LineView, ...] = ()
    subtotal: int = 0  # before tax
    tax_total: int = 0
    total: int = 0
    tax_label: str = "VAT"
    tax_rate: Decimal = Decimal(0)
    prices_include_tax: bool = False
    status: str | None = None
    due_date: dt.date | None = None  # invoices
    valid_until: dt.date | None = None  # quotes
    vehicle: str | None = None  # "1กข 1234 — Toyota Hilux"
    notes: str | None = None
    # invoices: money already settled against it
    paid_total: int = 0
    withholding_total: int = 0
    credited_total: int = 0
    balance_due: int | None = None
    # credit notes and receipts: the invoice they belong to
    reference_number: str | None = None
    reference_date: dt.date | None = None
    reference_total: int | None = None
    reason: str | None = None  # credit notes
    refund_amount: int = 0
    payment: PaymentView | None = None  # receipts
    reference_subtotal: int | None = None  # credit notes: the invoice's value before tax
    tax_invoice_form: str | None = None  # invoices: FULL, ABBREVIATED, or None (no VAT, or issued before forms)
    promptpay: QrView | None = None  # invoices and receipts of part payments: a QR for the balance due

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown document kind {self.kind!r}")
