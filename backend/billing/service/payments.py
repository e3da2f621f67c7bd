"""Payments on an issued invoice: the amount received plus any withholding tax kept by a corporate customer;
balance due = total - paid - withheld - credited + refunded; PAID exactly at zero; more than the balance is refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import (
    Payment,
    PaymentMethod,
)
from backend.billing.service import common as c
from backend.billing.service.common import _UNSET
from backend.billing.service.tax_invoice import amount_param
from backend.billing.service.invoices import (
    INVOICE_AUDIT,
    OPEN,
    _changed,
    _settle,
    get_invoice,
)
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id


def _method(errors: Collector, field: str, value: object, *, required: bool = True) -> PaymentMethod | None:
    if value is _UNSET or value is None:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    try:
        return value if isinstance(value, PaymentMethod) else PaymentMethod(getattr(value, "value", value))
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None


@dataclass
class PaymentData:
    amount: object = _UNSET
    withholding_amount: object = _UNSET
    method: object = _UNSET
    paid_on: object = _UNSET
    reference: object = _UNSET


async def record_payment(session: AsyncSession, actor: Actor, invoice_id: object, data: PaymentData,
                         payment_id: uuid.UUID | None = None) -> Payment:
    errors = Collector()
    received = c.amount(errors, "amount", data.amount) if data.amount is not _UNSET else None
    if data.amount is _UNSET:
        errors.add(ErrorCode.REQUIRED, "amount")
    withheld = c.amount(errors, "withholdingAmount", data.withholding_amount) if c.given(
        data.withholding_amount) else 0
    method = _method(errors, "method", data.method)
    paid_on = c.date_value(errors, "paidOn", data.paid_on)
    reference = v.text(errors, "reference", data.reference if isinstance(data.reference, str) else None,
                       max_len=200)
    errors.raise_if_any()
    if received + withheld <= 0:
        raise DomainError(ErrorCode.INVALID_AMOUNT, "amount")
    invoice = await get_invoice(session, actor, invoice_id, "invoiceId", for_update=True)
    if invoice.status not in OPEN:
        raise DomainError(ErrorCode.INVALID_INVOICE_STATE, "invoiceId", status=invoice.status)
    if received + withheld > invoice.balance_due:
        raise DomainError(ErrorCode.OVERPAYMENT, "amount",
                          balance=amount_param(invoice.balance_due, invoice.currency))
    await v.ensure_new_id(session, Payment, payment_id)
    garage = await c.garage_of(session, actor)
    payment = Payment(id=payment_id or new_id(), garage_id=actor.garage_id, invoice_id=invoice.id, amount=received,
                      withholding_amount=withheld, method=method, paid_on=paid_on or c.today_in(garage),
                      reference=reference, recorded_by_id=actor.user_id, created_at=utcnow())
    session.add(payment)
    before = audit.snapshot(invoice, INVOICE_AUDIT)
    invoice.paid_total += received
    invoice.withholding_total += withheld
    _settle(invoice)
    _changed(session, actor, invoice, "payment", before, {"paymentId": {"before": None, "after": str(payment.id)}})
    await session.flush()
    from backend.integrations.webhooks.outbox import enqueue_event

    enqueue_event(session, invoice.garage_id, "payment.recorded", {
        "paymentId": str(payment.id), "invoiceId": str(invoice.id), "invoiceNumber": invoice.number,
        "amount": payment.amount, "withholdingAmount": payment.withholding_amount, "method": payment.method.value,
        "paidOn": payment.paid_on.isoformat(), "balanceDue": invoice.balance_due, "currency": invoice.currency})
    return payment


async def mark_invoice_paid(session: AsyncSession, actor: Actor, invoice_id: object, data: PaymentData,
                            payment_id: uuid.UUID | None = None) -> Payment:
    """Record the whole balance as paid (less any withholding given)."""
    invoice = await get_invoice(session, actor, invoice_id, "invoiceId", for_update=True)
    if invoice.status not in OPEN:
        raise DomainError(ErrorCode.INVALID_INVOICE_STATE, "invoiceId", status=invoice.status)
    withheld = data.withholding_amount if c.given(data.withholding_amount) else 0
    if isinstance(withheld, int) and not isinstance(withheld, bool) and 0 <= withheld <= invoice.balance_due:
        data.amount = invoice.balance_due - withheld
    else:
        data.amount = invoice.balance_due
    return await record_payment(session, actor, invoice.id, data, payment_id)


async def payments_of(session: AsyncSession, actor: Actor, invoice_id: object) -> list[Payment]:
    invoice = await get_invoice(session, actor, invoice_id, "invoiceId")
    return list((await session.execute(select(Payment).where(Payment.invoice_id == invoice.id).order_by(
        Payment.created_at, Payment.id))).scalars())


async def find_payment(session: AsyncSession, actor: Actor, payment_id: object) -> Payment | None:
    pid = v.try_parse_id(payment_id)
    if pid is None:
        return None
    return (await session.execute(select(Payment).where(Payment.id == pid, Payment.garage_id == actor.garage_id))
            ).scalar_one_or_none()
