"""DocumentViews from the billing models, loaded with an explicit session and always scoped to one garage.

Every loader returns None when the document does not exist *in that garage*, so a signed link for one garage can
never print another garage's document.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Site
from backend.billing import promptpay
from backend.billing.documents.view import DocumentView, LineView, Party, PaymentView, QrView
from backend.billing.service.tax_invoice import seller_of
from backend.billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, Payment, Quote, QuoteLine
from backend.core import money
from backend.customers.models import Customer, Vehicle


def _value(enum_or_str) -> str | None:
    return getattr(enum_or_str, "value", enum_or_str)


def _locale(document_locale, override: str | None) -> str:
    chosen = override or _value(document_locale) or "en"
    return "th" if chosen == "th" else "en"


async def _one(session: AsyncSession, model, garage_id: uuid.UUID, document_id: uuid.UUID):
    return (await session.execute(
        select(model).where(model.id == document_id, model.garage_id == garage_id)
    )).scalar_one_or_none()


async def _vehicle_text(session: AsyncSession, garage_id: uuid.UUID, vehicle_id: uuid.UUID | None) -> str | None:
    if vehicle_id is None:
        return None
    vehicle = await _one(session, Vehicle, garage_id, vehicle_id)
    if vehicle is None:
        return None
    model = " ".join(part for part in (vehicle.make, vehicle.model) if part)
    return f"{vehicle.registration_display} — {model}" if model else vehicle.registration_display


def _seller(garage: Garage, site: Site | None) -> Party:
    """The garage as it is now, from the issuing site: that branch's code with that branch's registered address."""
    seller = seller_of(garage, site)
    return Party(seller.name, seller.address, seller.tax_id, seller.branch, seller.phone)


async def _seller_from_invoice(session: AsyncSession, invoice: Invoice, garage: Garage) -> Party:
    """The snapshot taken at issue; a draft (no snapshot yet) shows the garage as it is now, from its site."""
    if invoice.seller_name:
        return Party(invoice.seller_name, invoice.seller_address, invoice.seller_tax_id, invoice.seller_branch)
    return _seller(garage, await _one(session, Site, invoice.garage_id, invoice.site_id))


def _qr(garage: Garage, currency: str, balance_due: int | None, number: str | None) -> QrView | None:
    qr = promptpay.for_balance(garage, currency, balance_due, number)
    return QrView(qr.payload, qr.svg_data_uri(), qr.amount) if qr else None


async def _buyer_from_invoice(session: AsyncSession, invoice: Invoice) -> Party | None:
    if invoice.buyer_name:
        return Party(invoice.buyer_name, invoice.buyer_address, invoice.buyer_tax_id, invoice.buyer_branch)
    if invoice.customer_id:
        customer = await _one(session, Customer, invoice.garage_id, invoice.customer_id)
        if customer is not None:
            return Party(customer.name, customer.address, customer.tax_id, customer.branch, customer.phone)
    return None


async def _garage(session: AsyncSession, garage_id: uuid.UUID) -> Garage | None:
    return await session.get(Garage, garage_id)


async def invoice_view(session: AsyncSession, garage_id: uuid.UUID, invoice_id: uuid.UUID,
                       locale: str | None = None) -> DocumentView | None:
    invoice = await _one(session, Invoice, garage_id, invoice_id)
    if invoice is None:
        return None
    garage = await _garage(session, garage_id)
    lines = (await session.execute(
        select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.garage_id == garage_id)
        .order_by(InvoiceLine.position, InvoiceLine.id)
    )).scalars().all()
    return DocumentView(
        kind="invoice", document_id=invoice.id, locale=_locale(invoice.locale, locale), currency=invoice.currency,
        number=invoice.number, issue_date=invoice.issue_date,
        seller=await _seller_from_invoice(session, invoice, garage), buyer=await _buyer_from_invoice(session, invoice),
        lines=tuple(LineView(line.position, _value(line.kind), line.description, line.quantity, line.unit_price,
                             line.discount, line.net, line.tax, line.total) for line in lines),
        subtotal=invoice.subtotal, tax_total=invoice.tax_total, total=invoice.total,
        tax_label=invoice.tax_label, tax_rate=invoice.tax_rate, prices_include_tax=invoice.prices_include_tax,
        status=_value(invoice.status), due_date=invoice.due_date,
        vehicle=await _vehicle_text(session, garage_id, invoice.vehicle_id), notes=invoice.notes,
        paid_total=invoice.paid_total, withholding_total=invoice.withholding_total,
        credited_total=invoice.credited_total, balance_due=invoice.balance_due,
        tax_invoice_form=invoice.tax_invoice_form,
        promptpay=_qr(garage, invoice.currency, invoice.balance_due, invoice.number)
        if _value(invoice.status) in ("ISSUED", "PARTIALLY_PAID") else None,
    )


def _local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(ZoneInfo(time_zone)).date()
    except (KeyError, ValueError):
        return moment.date()


async def quote_view(session: AsyncSession, garage_id: uuid.UUID, quote_id: uuid.UUID,
                     locale: str | None = None) -> DocumentView | None:
    quote = await _one(session, Quote, garage_id, quote_id)
    if quote is None:
        return None
    garage = await _garage(session, garage_id)
    site = await _one(session, Site, garage_id, quote.site_id)
    buyer = None
    if quote.customer_id:
        customer = await _one(session, Customer, garage_id, quote.customer_id)
        if customer is not None:
            buyer = Party(customer.name, customer.address, customer.tax_id, customer.branch, customer.phone)
    lines = (await session.execute(
        select(QuoteLine).where(QuoteLine.quote_id == quote.id, QuoteLine.garage_id == garage_id)
        .order_by(QuoteLine.position, QuoteLine.id)
    )).scalars().all()
    seller = _seller(garage, site)  # the same seller as the invoice from this site will print
    return DocumentView(
        kind="quote", document_id=quote.id, locale=_locale(quote.locale, locale), currency=quote.currency,
        number=quote.number, issue_date=_local_date(quote.sent_at or quote.created_at, garage.time_zone),
        seller=seller, buyer=buyer,
        lines=tuple(LineView(line.position, _value(line.kind), line.description, line.quantity, line.unit_price,
                             line.discount, line.net, line.tax, line.total, _value(line.decision))
                    for line in lines),
        subtotal=quote.subtotal, tax_total=quote.tax_total, total=quote.total,
        tax_label=quote.tax_label, tax_rate=quote.tax_rate, prices_include_tax=quote.prices_include_tax,
        status=_value(quote.status), valid_until=quote.valid_until,
        vehicle=await _vehicle_text(session, garage_id, quote.vehicle_id), notes=quote.notes,
    )


async def _from_invoice(session: AsyncSession, garage_id: uuid.UUID, invoice: Invoice) -> dict:
    """What a credit note and a receipt take from their invoice: the parties, the tax, the vehicle, the reference."""
    garage = await _garage(session, garage_id)
    return dict(seller=await _seller_from_invoice(session, invoice, garage),
                buyer=await _buyer_from_invoice(session, invoice),
                tax_label=invoice.tax_label, tax_rate=invoice.tax_rate,
                vehicle=await _vehicle_text(session, garage_id, invoice.vehicle_id),
                reference_number=invoice.number, reference_date=invoice.issue_date, reference_total=invoice.total)


def _credited_discount(source: InvoiceLine, credited: CreditNoteLine) -> int:
    """The original line's discount in proportion to what this note credits of it (all of it for a full credit)."""
    if not source.discount or not source.net:
        return 0
    share = Decimal(credited.net) / Decimal(source.net)
    return money.round_half_up(Decimal(source.discount) * share)


def _before_tax(amount: int, invoice: Invoice) -> int:
    """A price of the invoice on the note's basis (§86/10: before VAT): a garage's VAT-inclusive unit price or
    discount with the VAT taken out, as line_amounts takes it out of the line's amount."""
    if not invoice.prices_include_tax or not amount:
        return amount
    return money.round_half_up(Decimal(amount) / (1 + Decimal(invoice.tax_rate) / 100))


def _credit_line(line: CreditNoteLine, source: InvoiceLine, invoice: Invoice) -> LineView:
    return LineView(line.position, _value(source.kind), line.description, line.quantity,
                    _before_tax(source.unit_price, invoice), _before_tax(_credited_discount(source, line), invoice),
                    line.net, line.tax, line.total)


async def credit_note_view(session: AsyncSession, garage_id: uuid.UUID, credit_note_id: uuid.UUID,
                           locale: str | None = None) -> DocumentView | None:
    note = await _one(session, CreditNote, garage_id, credit_note_id)
    if note is None:
        return None
    invoice = await _one(session, Invoice, garage_id, note.invoice_id)
    rows = (await session.execute(
        select(CreditNoteLine, InvoiceLine)
        .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
        .where(CreditNoteLine.credit_note_id == note.id, CreditNoteLine.garage_id == garage_id)
        .order_by(CreditNoteLine.position, CreditNoteLine.id)
    )).all()
    return DocumentView(
        kind="credit_note", document_id=note.id, locale=_locale(note.locale, locale), currency=note.currency,
        number=note.number, issue_date=note.issue_date,
        lines=tuple(_credit_line(line, source, invoice) for line, source in rows),
        subtotal=note.subtotal, tax_total=note.tax_total, total=note.total,
        # §86/10: every value on the note is before VAT, whatever the garage's price display
        prices_include_tax=False, reason=note.reason, refund_amount=note.refund_amount,
        reference_subtotal=invoice.subtotal,
        **await _from_invoice(session, garage_id, invoice),
    )


async def receipt_view(session: AsyncSession, garage_id: uuid.UUID, payment_id: uuid.UUID,
                       locale: str | None = None) -> DocumentView | None:
    payment = await _one(session, Payment, garage_id, payment_id)
    if payment is None:
        return None
    invoice = await _one(session, Invoice, garage_id, payment.invoice_id)
    # The receipt's number: the invoice's number and the payment's place among the invoice's payments.
    position = (await session.execute(
        select(func.count()).select_from(Payment).where(
            Payment.invoice_id == invoice.id, Payment.garage_id == garage_id,
            (Payment.created_at < payment.created_at)
            | ((Payment.created_at == payment.created_at) & (Payment.id <= payment.id)),
        )
    )).scalar_one()
    garage = await _garage(session, garage_id)
    # a part payment's receipt carries the QR for what is still due on the invoice (none once it is settled)
    qr = _qr(garage, invoice.currency, invoice.balance_due, invoice.number) if invoice.number else None
    return DocumentView(
        kind="receipt", document_id=payment.id, locale=_locale(invoice.locale, locale), currency=invoice.currency,
        number=f"{invoice.number or 'DRAFT'}-R{position}", issue_date=payment.paid_on,
        **await _from_invoice(session, garage_id, invoice),
        payment=PaymentView(payment.amount, payment.withholding_amount, _value(payment.method), payment.paid_on,
                            payment.reference),
        balance_due=invoice.balance_due if _value(invoice.status) != "VOID" else None, promptpay=qr,
    )


LOADERS = {"invoice": invoice_view, "quote": quote_view, "credit_note": credit_note_view, "receipt": receipt_view}


async def document_view(session: AsyncSession, kind: str, garage_id: uuid.UUID, document_id: uuid.UUID,
                        locale: str | None = None) -> DocumentView | None:
    return await LOADERS[kind](session, garage_id, document_id, locale)
