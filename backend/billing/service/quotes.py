"""Quotes: DRAFT -> SENT -> (line by line) APPROVED | PARTIALLY_APPROVED | DECLINED; DRAFT / SENT -> CANCELLED.

A quote is made for a job, or for a vehicle before a job exists. Its number (QT-2026-000001) is taken at creation,
consecutive per garage and year. Only a draft may be edited. Staff record the customer's decision line by line (the
customer portal calls the same functions):

- an approved line becomes work on the quote's job through the workshop services: a labour line a job task (its
  amount as the task's labour cost, its billed hours kept), a stocked part a parts request. When the quote has no
  job yet, or its job is not being worked (not IN_PROGRESS / AWAITING_PARTS), the approved lines wait; they are put
  on the job by attach_quote_to_job (the same call puts waiting lines on the quote's own job once it is worked).
  A custom part (no stock item) is approved but asks the warehouse for nothing.
- a declined line stays on the vehicle as deferred work, shown when the vehicle next comes in; approving the same
  catalog task or item later for that vehicle resolves it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Site
from backend.billing.models import DeferredWork, LineDecision, LineKind, Quote, QuoteLine, QuoteStatus
from backend.billing.service import common as c
from backend.billing.service.common import _UNSET, LineInput
from backend.core import audit, money, numbering
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import Locale
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.ids import new_id
from backend.core.validate import check_version
from backend.customers import service as customers
from backend.customers.models import Customer
from backend.inventory import service as inventory
from backend.notifications import service as notifications
from backend.workshop.models import Job, JobStatus
from backend.workshop.service import parts as workshop_parts
from backend.workshop.service import tasks as workshop_tasks
from backend.workshop.service.common import job_changed, load_job

QUOTE_AUDIT = ("status", "notes", "valid_until", "subtotal", "tax_total", "total", "job_id")
WORKABLE = (JobStatus.IN_PROGRESS, JobStatus.AWAITING_PARTS)
QUOTE_KINDS = (LineKind.LABOUR, LineKind.PART)
# a draft, or a quote the customer decided on (locked: editing it makes its next revision)
EDITABLE = (QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.APPROVED, QuoteStatus.PARTIALLY_APPROVED,
            QuoteStatus.DECLINED)


@dataclass
class QuoteData:
    site_id: object = _UNSET
    vehicle_id: object = _UNSET
    job_id: object = _UNSET
    valid_until: object = _UNSET
    notes: object = _UNSET
    lines: list[LineInput] | object = _UNSET


@dataclass
class _Priced:
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: int
    discount: int
    billed_hours: Decimal | None
    task_action_id: uuid.UUID | None = None
    item_id: uuid.UUID | None = None
    net: int = 0
    tax: int = 0
    total: int = 0
    extra: dict = field(default_factory=dict)


async def check_lines(session: AsyncSession, actor: Actor, lines: object, locale: Locale, *,
                      kinds: tuple[LineKind, ...], field: str = "lines", allow_empty: bool = False) -> list[_Priced]:
    """Every line checked (all bad fields reported at once) and filled from the catalog or the item."""
    if not isinstance(lines, (list, tuple)) or (not lines and not allow_empty):
        raise DomainError(ErrorCode.NO_LINES, field)
    if len(lines) > c.MAX_LINES:
        raise DomainError(ErrorCode.INVALID_VALUE, field)
    errors = Collector()
    out: list[_Priced] = []
    for index, line in enumerate(lines):
        f = f"{field}.{index}"
        k = c.kind(errors, f"{f}.kind", line.kind, kinds)
        description = v.text(errors, f"{f}.description", line.description if isinstance(line.description, str)
                             else None, max_len=c.MAX_DESCRIPTION)
        q = c.quantity(errors, f"{f}.quantity", line.quantity) if c.given(line.quantity) else Decimal(1)
        unit_price = c.amount(errors, f"{f}.unitPrice", line.unit_price) if c.given(line.unit_price) else None
        discount = c.amount(errors, f"{f}.discount", line.discount) if c.given(line.discount) else 0
        billed = c.hours(errors, f"{f}.billedHours", line.billed_hours) if c.given(line.billed_hours) else None
        task_action_id = item_id = None
        extra: dict = {}
        if k == LineKind.LABOUR and c.given(line.task_action_id):
            try:
                action = await workshop_tasks.get_task_action(session, actor, line.task_action_id,
                                                              f"{f}.taskActionId")
            except DomainError as exc:
                errors.errors.append(exc)
            else:
                task_action_id = action.id
                name = action.name_th if locale == Locale.TH and action.name_th else action.name_en
                description = description or name
                unit_price = action.default_labour_cost if unit_price is None else unit_price
                billed = action.standard_hours if billed is None else billed
                extra = {"name": action.name_en, "name_th": action.name_th}
        elif k == LineKind.PART and c.given(line.item_id):
            try:
                item = await inventory.get_item(session, actor, line.item_id, f"{f}.itemId")
            except DomainError as exc:
                errors.errors.append(exc)
            else:
                item_id = item.id
                name = item.name_th if locale == Locale.TH and item.name_th else item.name_en
                description = description or f"{name} ({item.sku})"
                unit_price = item.sale_price if unit_price is None else unit_price
                extra = {"unit_cost": item.cost_price}
                if q is not None and q != q.to_integral_value():
                    errors.add(ErrorCode.INVALID_QUANTITY, f"{f}.quantity")  # stock moves in whole units
        if k is not None and description is None:
            errors.add(ErrorCode.REQUIRED, f"{f}.description")
        if k is not None and unit_price is None and not c.given(line.unit_price):
            errors.add(ErrorCode.REQUIRED, f"{f}.unitPrice")
        if q is not None and unit_price is not None and discount is not None:
            c.check_discount(errors, f"{f}.discount", q, unit_price, discount)
        if k is not None and description and q is not None and unit_price is not None and discount is not None:
            out.append(_Priced(kind=k, description=description, quantity=q, unit_price=unit_price,
                               discount=discount, billed_hours=billed if k == LineKind.LABOUR else None,
                               task_action_id=task_action_id, item_id=item_id, extra=extra))
    errors.raise_if_any()
    return out


async def _site(session: AsyncSession, actor: Actor, site_id: object, field: str = "siteId") -> Site:
    sid = v.try_parse_id(site_id)
    site = None if sid is None else (await session.execute(
        select(Site).where(Site.id == sid, Site.garage_id == actor.garage_id))).scalar_one_or_none()
    if site is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return site


async def _customer_locale(session: AsyncSession, customer_id: uuid.UUID | None) -> Locale | None:
    if customer_id is None:
        return None
    return (await session.execute(select(Customer.locale).where(Customer.id == customer_id))).scalar_one_or_none()


def _add_lines(session: AsyncSession, quote: Quote, priced: list[_Priced], start: int = 0) -> list[QuoteLine]:
    lines = []
    for position, p in enumerate(priced, start):
        line = QuoteLine(id=new_id(), garage_id=quote.garage_id, quote_id=quote.id, position=position, kind=p.kind,
                         task_action_id=p.task_action_id, item_id=p.item_id, description=p.description,
                         quantity=p.quantity, unit_price=p.unit_price, discount=p.discount,
                         billed_hours=p.billed_hours, decision=LineDecision.PENDING)
        c.price_line(line, quote.tax_rate, quote.prices_include_tax)
        session.add(line)
        lines.append(line)
    return lines


def _replace_lines(session: AsyncSession, quote: Quote, priced: list[_Priced]) -> list[QuoteLine]:
    lines = _add_lines(session, quote, priced)
    c.set_totals(quote, lines)
    return lines


async def create_quote(session: AsyncSession, actor: Actor, data: QuoteData,
                       quote_id: uuid.UUID | None = None) -> Quote:
    """For a job (its vehicle, customer and site), or for a vehicle (and a site) before any job exists."""
    errors = Collector()
    valid_until = c.date_value(errors, "validUntil", data.valid_until)
    quote_notes = c.notes(errors, "notes", data.notes)
    errors.raise_if_any()
    if c.given(data.job_id):
        job = await load_job(session, actor, data.job_id)
        if job.status in (JobStatus.INVOICED, JobStatus.CANCELLED):
            raise DomainError(ErrorCode.INVALID_TRANSITION, "jobId", status=job.status)
        vehicle = await customers.get_vehicle(session, actor, job.vehicle_id, "jobId")
        if c.given(data.vehicle_id) and v.try_parse_id(data.vehicle_id) != vehicle.id:
            raise DomainError(ErrorCode.JOB_VEHICLE_MISMATCH, "vehicleId")
        site_id, job_id, customer_id = job.site_id, job.id, job.customer_id
    else:
        if not c.given(data.vehicle_id):
            raise DomainError(ErrorCode.REQUIRED, "vehicleId")
        if not c.given(data.site_id):
            raise DomainError(ErrorCode.REQUIRED, "siteId")
        vehicle = await customers.get_vehicle(session, actor, data.vehicle_id, "vehicleId")
        site_id, job_id, customer_id = (await _site(session, actor, data.site_id)).id, None, vehicle.owner_id
    garage = await c.garage_of(session, actor)
    locale = c.locale_of(await _customer_locale(session, customer_id), garage)
    priced = await check_lines(session, actor, data.lines, locale, kinds=QUOTE_KINDS)
    await v.ensure_new_id(session, Quote, quote_id)
    year = c.today_in(garage).year
    sequence = await numbering.next_number(session, actor.garage_id, "QUOTE", year)
    quote = Quote(id=quote_id or new_id(), garage_id=actor.garage_id, site_id=site_id, customer_id=customer_id,
                  vehicle_id=vehicle.id, job_id=job_id, number=numbering.format_number("QT", year, sequence),
                  year=year, sequence=sequence, status=QuoteStatus.DRAFT, locale=locale, currency=garage.currency,
                  tax_label=garage.tax_label, tax_rate=garage.tax_rate, prices_include_tax=garage.prices_include_tax,
                  valid_until=valid_until, notes=quote_notes, created_by_id=actor.user_id, version=1,
                  created_at=utcnow())
    session.add(quote)
    await session.flush()
    _replace_lines(session, quote, priced)
    await session.flush()
    audit.record(session, actor, "Quote", quote.id, "create",
                 audit.created(quote, ("number", "vehicle_id", "customer_id", *QUOTE_AUDIT)))
    c.document_changed(session, "quote", quote)
    return quote


async def get_quote(session: AsyncSession, actor: Actor, quote_id: object, field: str = "id", *,
                    for_update: bool = False) -> Quote:
    return await c.get_document(session, actor, Quote, quote_id, field, for_update=for_update)


async def find_quote(session: AsyncSession, actor: Actor, quote_id: object) -> Quote | None:
    return await c.find_document(session, actor, Quote, quote_id)


async def quote_lines(session: AsyncSession, quote: Quote) -> list[QuoteLine]:
    return await c.document_lines(session, QuoteLine, QuoteLine.quote_id, quote)


async def _locked(session: AsyncSession, actor: Actor, quote_id: object, expected_version: int | None,
                  states: tuple[QuoteStatus, ...], code: ErrorCode = ErrorCode.INVALID_QUOTE_STATE) -> Quote:
    return await c.lock_document(session, actor, Quote, quote_id, expected_version, states, code)


def _changed(session: AsyncSession, actor: Actor, quote: Quote, action: str, before: dict,
             extra: dict | None = None) -> None:
    c.record_change(session, actor, quote, QUOTE_AUDIT, action, before, extra)


async def update_quote(session: AsyncSession, actor: Actor, quote_id: object, data: QuoteData,
                       expected_version: int | None = None) -> Quote:
    """Notes, validity and (all of) the lines of a draft."""
    errors = Collector()
    valid_until = c.date_value(errors, "validUntil", data.valid_until)
    quote_notes = c.notes(errors, "notes", data.notes)
    errors.raise_if_any()
    quote = await _locked(session, actor, quote_id, expected_version, EDITABLE, ErrorCode.QUOTE_NOT_EDITABLE)
    if quote.status != QuoteStatus.DRAFT and not quote.locked:  # sent, nothing decided yet: withdraw it instead
        raise DomainError(ErrorCode.QUOTE_NOT_EDITABLE, "id", status=quote.status)
    before = audit.snapshot(quote, QUOTE_AUDIT)
    if data.valid_until is not _UNSET:
        quote.valid_until = valid_until
    if data.notes is not _UNSET:
        quote.notes = quote_notes
    extra = {}
    if data.lines is not _UNSET and quote.locked:  # decided on: the next revision (quote_revisions.py)
        from backend.billing.service.quote_revisions import revise

        extra = await revise(session, actor, quote, await check_lines(session, actor, data.lines, quote.locale,
                                                                      kinds=QUOTE_KINDS))
    elif data.lines is not _UNSET:
        priced = await check_lines(session, actor, data.lines, quote.locale, kinds=QUOTE_KINDS)
        old = await quote_lines(session, quote)
        for line in old:
            await session.delete(line)
        await session.flush()
        _replace_lines(session, quote, priced)
        extra["lines"] = {"before": len(old), "after": len(priced)}
    _changed(session, actor, quote, "update", before, extra)
    await session.flush()
    return quote


async def append_lines(session: AsyncSession, actor: Actor, quote: Quote, lines: list[LineInput], *,
                       field: str = "lines") -> tuple[Quote, list[QuoteLine]]:
    """Add lines after a draft's own (inspection findings, say): (the quote, the new lines in the order given)."""
    quote = await _locked(session, actor, quote.id, None, (QuoteStatus.DRAFT,), ErrorCode.QUOTE_NOT_EDITABLE)
    before = audit.snapshot(quote, QUOTE_AUDIT)
    priced = await check_lines(session, actor, lines, quote.locale, kinds=QUOTE_KINDS, field=field)
    old = await quote_lines(session, quote)
    added = _add_lines(session, quote, priced, max((line.position for line in old), default=-1) + 1)
    c.set_totals(quote, [*old, *added])
    _changed(session, actor, quote, "update", before, {"lines": {"before": len(old), "after": len(old) + len(added)}})
    await session.flush()
    return quote, added


async def send_quote(session: AsyncSession, actor: Actor, quote_id: object,
                     expected_version: int | None = None) -> Quote:
    quote = await _locked(session, actor, quote_id, expected_version, (QuoteStatus.DRAFT,))
    before = audit.snapshot(quote, QUOTE_AUDIT)
    quote.status = QuoteStatus.SENT
    quote.sent_at = utcnow()
    _changed(session, actor, quote, "send", before)
    await session.flush()
    await notifications.notify_quote_sent(session, quote)  # the customer's SMS or mail, in this transaction
    if quote.job_id is not None:  # the open job card ("Approved 0 of n lines") and the portal hear it
        job = await session.get(Job, quote.job_id)
        if job is not None and job.garage_id == quote.garage_id:
            job_changed(session, job)
    return quote


async def cancel_quote(session: AsyncSession, actor: Actor, quote_id: object, reason: object,
                       expected_version: int | None = None) -> Quote:
    """Withdraw a DRAFT or SENT quote (nothing decided yet): CANCELLED with the reason. A quote is never deleted,
    so its number is never reused; a cancelled quote can no longer be edited, sent, decided or attached."""
    errors = Collector()
    text = v.text(errors, "reason", reason if isinstance(reason, str) else None, required=True, max_len=1000)
    errors.raise_if_any()
    quote = await _locked(session, actor, quote_id, expected_version, (QuoteStatus.DRAFT, QuoteStatus.SENT))
    before = audit.snapshot(quote, QUOTE_AUDIT)
    quote.status = QuoteStatus.CANCELLED
    quote.cancel_reason = text
    quote.cancelled_at = utcnow()
    _changed(session, actor, quote, "cancel", before, {"reason": {"before": None, "after": text}})
    await session.flush()
    return quote


def _status_from(lines: list[QuoteLine]) -> QuoteStatus:
    decisions = [line.decision for line in lines]
    approved = LineDecision.APPROVED in decisions
    pending = LineDecision.PENDING in decisions
    if approved:
        return QuoteStatus.PARTIALLY_APPROVED if pending or LineDecision.DECLINED in decisions else QuoteStatus.APPROVED
    return QuoteStatus.SENT if pending else QuoteStatus.DECLINED


async def _decide(session: AsyncSession, actor: Actor, quote_id: object, line_ids: object, decision: LineDecision,
                  expected_version: int | None) -> tuple[Quote, list[QuoteLine]]:
    ids = c.parse_ids(line_ids, "lineIds")
    quote = await _locked(session, actor, quote_id, expected_version,
                          (QuoteStatus.SENT, QuoteStatus.PARTIALLY_APPROVED))
    lines = await quote_lines(session, quote)
    by_id = {line.id: line for line in lines}
    errors = Collector()
    chosen = []
    for index, lid in enumerate(ids):
        line = by_id.get(lid)
        if line is None:
            errors.add(ErrorCode.NOT_FOUND, f"lineIds.{index}")
        elif line.decision != LineDecision.PENDING:
            errors.add(ErrorCode.LINE_ALREADY_DECIDED, f"lineIds.{index}")
        else:
            chosen.append(line)
    errors.raise_if_any()
    now = utcnow()
    for line in chosen:
        line.decision = decision
        line.decided_at = now
        line.decided_by_id = actor.user_id
    before = audit.snapshot(quote, QUOTE_AUDIT)
    quote.locked = True  # decided on: a change from now on is the next revision
    quote.status = _status_from(lines)
    if LineDecision.PENDING not in (line.decision for line in lines):
        quote.decided_at = now
    _changed(session, actor, quote, decision.value.lower(), before,
             {"lines": {"before": None, "after": [str(line.id) for line in chosen]}})
    await session.flush()
    return quote, chosen


async def approve_quote_lines(session: AsyncSession, actor: Actor, quote_id: object, line_ids: object,
                              expected_version: int | None = None) -> Quote:
    quote, chosen = await _decide(session, actor, quote_id, line_ids, LineDecision.APPROVED, expected_version)
    from backend.integrations.webhooks.outbox import enqueue_event

    enqueue_event(session, quote.garage_id, "quote.approved", {
        "quoteId": str(quote.id), "number": quote.number, "status": quote.status.value,
        "jobId": str(quote.job_id) if quote.job_id else None,
        "customerId": str(quote.customer_id) if quote.customer_id else None,
        "lineIds": [str(line.id) for line in chosen], "total": quote.total, "currency": quote.currency})
    await _resolve_deferred(session, quote, chosen)
    if quote.job_id is not None:
        job = await load_job(session, actor, quote.job_id, field="id")
        if job.status in WORKABLE:
            await _put_on_job(session, actor, quote, job.id)
    await session.flush()
    return quote


async def decline_quote_lines(session: AsyncSession, actor: Actor, quote_id: object, line_ids: object,
                              expected_version: int | None = None) -> Quote:
    quote, chosen = await _decide(session, actor, quote_id, line_ids, LineDecision.DECLINED, expected_version)
    for line in chosen:
        session.add(DeferredWork(id=new_id(), garage_id=quote.garage_id, vehicle_id=quote.vehicle_id,
                                 quote_line_id=line.id, description=line.description, amount=line.total,
                                 currency=quote.currency, created_at=utcnow()))
    await session.flush()
    return quote


async def _resolve_deferred(session: AsyncSession, quote: Quote, approved: list[QuoteLine]) -> None:
    """Deferred work on the vehicle for the same catalog task or stock item is done now."""
    actions = [line.task_action_id for line in approved if line.task_action_id]
    items = [line.item_id for line in approved if line.item_id]
    if not actions and not items:
        return
    earlier = select(QuoteLine.id).where(QuoteLine.garage_id == quote.garage_id, or_(
        QuoteLine.task_action_id.in_(actions) if actions else False,
        QuoteLine.item_id.in_(items) if items else False))
    rows = (await session.execute(select(DeferredWork).where(and_(
        DeferredWork.garage_id == quote.garage_id, DeferredWork.vehicle_id == quote.vehicle_id,
        DeferredWork.resolved_at.is_(None), DeferredWork.quote_line_id.in_(earlier))))).scalars()
    now = utcnow()
    for row in rows:
        row.resolved_at = now


async def _put_on_job(session: AsyncSession, actor: Actor, quote: Quote, job_id: uuid.UUID) -> None:
    """Approved lines not yet on the job become tasks (labour) and parts requests (stocked parts)."""
    for line in await quote_lines(session, quote):
        if line.decision != LineDecision.APPROVED or line.job_task_id or line.parts_request_id:
            continue
        try:
            if line.kind == LineKind.LABOUR:
                amount = money.round_half_up(line.quantity * line.unit_price - line.discount)
                task = await workshop_tasks.add_job_task(session, actor, job_id, workshop_tasks.JobTaskInput(
                    task_action_id=line.task_action_id or workshop_tasks._UNSET, name=line.description[:200],
                    labour_cost=amount, billed_hours=line.billed_hours or Decimal(0)))
                line.job_task_id = task.id
            elif line.kind == LineKind.PART and line.item_id is not None:
                request = await workshop_parts.request_parts(session, actor, job_id, line.item_id,
                                                             int(line.quantity), f"{quote.number}")
                line.parts_request_id = request.id
        except (DomainError, DomainErrors) as exc:
            items = exc.errors if isinstance(exc, DomainErrors) else [exc]
            for e in items:
                e.field = f"lines.{line.position}" if e.field not in ("jobId",) else "jobId"
            raise
    await session.flush()


async def attach_quote_to_job(session: AsyncSession, actor: Actor, quote_id: object, job_id: object,
                              expected_version: int | None = None) -> Quote:
    """Link a quote made before the job to the job of its vehicle, and put its approved lines on it (the job must
    be in progress for that). Also puts waiting approved lines on the quote's own job once it is worked."""
    quote = await get_quote(session, actor, quote_id, for_update=True)
    check_version(quote, expected_version)
    job = await load_job(session, actor, job_id, for_update=True)
    if quote.job_id is not None and quote.job_id != job.id:
        raise DomainError(ErrorCode.INVALID_QUOTE_STATE, "id", status=quote.status)
    if job.vehicle_id != quote.vehicle_id:
        raise DomainError(ErrorCode.JOB_VEHICLE_MISMATCH, "jobId")
    if quote.status in (QuoteStatus.DECLINED, QuoteStatus.CANCELLED):
        raise DomainError(ErrorCode.INVALID_QUOTE_STATE, "id", status=quote.status)
    before = audit.snapshot(quote, QUOTE_AUDIT)
    quote.job_id = job.id
    if quote.status in (QuoteStatus.APPROVED, QuoteStatus.PARTIALLY_APPROVED):
        workshop_tasks.require_workable(job)
        await _put_on_job(session, actor, quote, job.id)
    _changed(session, actor, quote, "attach", before)
    await session.flush()
    return quote


# ---------------------------------------------------------------------------------------------------- reads


@dataclass
class QuoteFilter:
    status: list | None = None
    customer_id: object = None
    vehicle_id: object = None
    job_id: object = None
    site_id: object = None


async def list_quotes(session: AsyncSession, actor: Actor, filter: QuoteFilter | None = None, *, limit: int = 20,
                      after: tuple[str, str] | None = None) -> list[Quote]:
    from backend.billing.service.queries import keyset, scoped_ids

    f = filter or QuoteFilter()
    query = select(Quote).where(Quote.garage_id == actor.garage_id)
    if f.status:
        query = query.where(Quote.status.in_([QuoteStatus(getattr(s, "value", s)) for s in f.status]))
    query = scoped_ids(query, ((f.customer_id, Quote.customer_id, "customerId"),
                               (f.vehicle_id, Quote.vehicle_id, "vehicleId"), (f.job_id, Quote.job_id, "jobId"),
                               (f.site_id, Quote.site_id, "siteId")))
    query = keyset(query, Quote, after).limit(limit + 1)
    return list((await session.execute(query)).scalars())


async def deferred_work(session: AsyncSession, actor: Actor, vehicle_id: object) -> list[DeferredWork]:
    vid = v.try_parse_id(vehicle_id)
    if vid is None:
        return []
    return list((await session.execute(
        select(DeferredWork).where(DeferredWork.garage_id == actor.garage_id, DeferredWork.vehicle_id == vid,
                                   DeferredWork.resolved_at.is_(None))
        .order_by(DeferredWork.created_at, DeferredWork.id))).scalars())
