"""Credit notes (CN-2026-000001): credit an issued invoice's lines by quantity or amount (at most what is left of
each); a full credit voids the invoice and sends its job back to billing; when a credit leaves the customer having
paid more than the new total, the difference is refunded and the refund method is required."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from backend.billing.service import common as c
from backend.billing.service.common import _UNSET
from backend.billing.service.tax_invoice import amount_param
from backend.billing.service.invoices import (
    INVOICE_AUDIT,
    ISSUED_STATES,
    _changed,
    _settle,
    get_invoice,
    invoice_lines,
)
from backend.billing.service.payments import _method
from backend.core import audit, money, numbering
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.workshop.models import JobStatus
from backend.workshop.service import jobs as workshop_jobs
from backend.workshop.service.common import load_job


@dataclass
class CreditLineData:
    invoice_line_id: object = _UNSET
    quantity: object = _UNSET  # credit this many units of the line
    amount: object = _UNSET  # or this amount (tax included), minor units


@dataclass
class CreditNoteData:
    reason: object = _UNSET
    lines: list[CreditLineData] | object = _UNSET  # none: the whole remaining invoice (voids it)
    refund_method: object = _UNSET


async def _credited_by_line(session: AsyncSession, invoice: Invoice) -> dict[uuid.UUID, tuple[int, int]]:
    rows = (await session.execute(
        select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.net), func.sum(CreditNoteLine.total))
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .where(CreditNote.invoice_id == invoice.id, CreditNote.garage_id == invoice.garage_id)
        .group_by(CreditNoteLine.invoice_line_id))).all()
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}


async def create_credit_note(session: AsyncSession, actor: Actor, invoice_id: object, data: CreditNoteData,
                             credit_note_id: uuid.UUID | None = None) -> CreditNote:
    errors = Collector()
    reason = v.text(errors, "reason", data.reason if isinstance(data.reason, str) else None, required=True,
                    max_len=1000)
    refund_method = _method(errors, "refundMethod", data.refund_method, required=False)
    errors.raise_if_any()
    invoice = await get_invoice(session, actor, invoice_id, "invoiceId", for_update=True)
    if invoice.status not in ISSUED_STATES:
        raise DomainError(ErrorCode.INVALID_INVOICE_STATE, "invoiceId", status=invoice.status)
    lines = await invoice_lines(session, invoice)
    by_id = {line.id: line for line in lines}
    credited = await _credited_by_line(session, invoice)
    wanted: list[tuple[InvoiceLine, Decimal, int, int]] = []  # line, quantity, net, total
    if data.lines is _UNSET or data.lines is None or data.lines == []:
        for line in lines:
            done_net, done_total = credited.get(line.id, (0, 0))
            if line.total - done_total > 0 or line.net - done_net > 0:
                wanted.append((line, line.quantity, line.net - done_net, line.total - done_total))
    else:
        if not isinstance(data.lines, (list, tuple)) or len(data.lines) > c.MAX_LINES:
            raise DomainError(ErrorCode.INVALID_VALUE, "lines")
        for index, item in enumerate(data.lines):
            f = f"lines.{index}"
            lid = v.try_parse_id(item.invoice_line_id)
            line = by_id.get(lid) if lid else None
            if line is None:
                errors.add(ErrorCode.NOT_FOUND, f"{f}.invoiceLineId")
                continue
            done_net, done_total = credited.get(line.id, (0, 0))
            for earlier, _, n, t in wanted:
                if earlier.id == line.id:
                    done_net, done_total = done_net + n, done_total + t
            remaining = line.total - done_total
            if c.given(item.quantity) == c.given(item.amount):
                errors.add(ErrorCode.REQUIRED, f"{f}.quantity")
                continue
            if c.given(item.quantity):
                q = c.quantity(errors, f"{f}.quantity", item.quantity)
                if q is None:
                    continue
                if q > line.quantity:
                    errors.add(ErrorCode.CREDIT_EXCEEDS_LINE, f"{f}.quantity",
                               remaining=amount_param(remaining, invoice.currency))
                    continue
                total = money.round_half_up(Decimal(line.total) * q / line.quantity)
            else:
                total = c.amount(errors, f"{f}.amount", item.amount, positive=True)
                if total is None:
                    continue
                q = Decimal(0)
            if total > remaining or total <= 0:
                errors.add(ErrorCode.CREDIT_EXCEEDS_LINE, f"{f}.quantity" if c.given(item.quantity) else
                           f"{f}.amount", remaining=amount_param(remaining, invoice.currency))
                continue
            net = line.net - done_net if total == remaining else (
                money.round_half_up(Decimal(line.net) * total / line.total) if line.total else 0)
            wanted.append((line, q, net, total))
        errors.raise_if_any()
    if not wanted:
        raise DomainError(ErrorCode.NO_LINES, "lines")
    await v.ensure_new_id(session, CreditNote, credit_note_id)
    credit_total = sum(t for _, _, _, t in wanted)
    balance_after = (invoice.total - invoice.paid_total - invoice.withholding_total - invoice.credited_total
                     - credit_total + invoice.refunded_total)
    refund = -balance_after if balance_after < 0 else 0
    if refund and refund_method is None:
        raise DomainError(ErrorCode.REFUND_METHOD_REQUIRED, "refundMethod",
                          amount=amount_param(refund, invoice.currency))
    garage = await c.garage_of(session, actor)
    today = c.today_in(garage)
    sequence = await numbering.next_number(session, actor.garage_id, "CREDIT_NOTE", today.year)
    note = CreditNote(id=credit_note_id or new_id(), garage_id=actor.garage_id, invoice_id=invoice.id,
                      number=numbering.format_number("CN", today.year, sequence), year=today.year, sequence=sequence,
                      issue_date=today, reason=reason, locale=invoice.locale, currency=invoice.currency,
                      refund_amount=refund, refund_method=refund_method if refund else None,
                      created_by_id=actor.user_id, created_at=utcnow())
    session.add(note)
    await session.flush()
    note_lines = []
    for position, (line, q, net, total) in enumerate(wanted):
        note_line = CreditNoteLine(id=new_id(), garage_id=actor.garage_id, credit_note_id=note.id,
                                   invoice_line_id=line.id, position=position, description=line.description,
                                   quantity=q, net=net, tax=total - net, total=total)
        session.add(note_line)
        note_lines.append(note_line)
    c.set_totals(note, note_lines)
    before = audit.snapshot(invoice, INVOICE_AUDIT)
    invoice.credited_total += note.total
    invoice.refunded_total += refund
    _settle(invoice)
    _changed(session, actor, invoice, "credit", before, {"creditNoteId": {"before": None, "after": str(note.id)}})
    audit.record(session, actor, "CreditNote", note.id, "create",
                 audit.created(note, ("number", "invoice_id", "reason", "total", "refund_amount", "refund_method")))
    if invoice.status == InvoiceStatus.VOID and invoice.job_id is not None:
        # the job's invoice is void: the job goes back to the billing queue to be invoiced again
        job = await load_job(session, actor, invoice.job_id, for_update=True, field="invoiceId")
        if job.status == JobStatus.INVOICED:
            await workshop_jobs.return_job_to_billing(session, actor, job, invoice.id, voided=True,
                                                      note=f"{note.number}: {reason}")
    await session.flush()
    return note


async def void_invoice(session: AsyncSession, actor: Actor, invoice_id: object, reason: object,
                       refund_method: object = _UNSET, credit_note_id: uuid.UUID | None = None) -> CreditNote:
    """Void an issued invoice: a credit note for everything not yet credited."""
    return await create_credit_note(session, actor, invoice_id, CreditNoteData(
        reason=reason, refund_method=refund_method), credit_note_id)


async def find_credit_note(session: AsyncSession, actor: Actor, credit_note_id: object) -> CreditNote | None:
    cid = v.try_parse_id(credit_note_id)
    if cid is None:
        return None
    return (await session.execute(select(CreditNote).where(
        CreditNote.id == cid, CreditNote.garage_id == actor.garage_id))).scalar_one_or_none()
