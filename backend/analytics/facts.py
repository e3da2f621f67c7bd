"""The KPI facts: kept from the source tables, and rebuilt from them from scratch with the same figures.

How they stay right:
- A `before_flush` listener on every ORM session writes a DirtyMark row in the same transaction as a change to a
  job (technician, advisor, site, stream, status), an invoice or its lines (issued, paid, credited, voided), a time
  clock entry (clocked, corrected, moved, deleted: the old and the new span are both marked), an inspection, a
  quote or its lines, or a user's hourly cost. It sees changes made through the ORM by any service, whoever wrote the service
  (the workforce correction of a clock entry included), and nothing a bulk UPDATE statement does; `rebuild` fixes
  anything else.
- `refresh_dirty` recomputes what the marks name and deletes them, under a per-garage lock. The worker runs it every
  minute; a KPI read runs it first for its garage when marks are waiting, so an answer is never stale.
- Each recomputation reads the sources in a fixed number of statements per chunk of jobs (CHUNK), so the rebuild of
  1.5 M jobs is a few hundred chunks.

What a fact counts (also in backend/analytics/kpis.py):
- A job fact is an invoiced job: its live invoice (ISSUED, PARTIALLY_PAID or PAID; a voided invoice's job has no
  fact until it is invoiced again) on the invoice's issue date, a local date in the garage's time zone. Sales are
  the net (before tax) of its lines minus the net of its credit notes' lines; a credit of a quantity also takes
  back the billed hours and the parts cost of that quantity (a credit of an amount is a price reduction: hours and
  cost stay). Clocked seconds are the job's closed clock entries, all technicians; labour cost is each entry's
  seconds x its technician's hourly cost. Invoices made by hand without a job are not repair orders and have no
  fact.
- `came_back`: another job for the same vehicle and operations stream (not cancelled) was opened within 30 days
  after this job's invoice date (local dates).
- A clock day is a technician's closed clock entries on one local day per site (an entry over midnight is split
  at local midnight).
- A quote fact is a quote once sent (its sent day): presented = the total of its lines, approved = the total of
  its approved lines.
- A customer visit is a job fact with a customer (imported ones too), with the day of the customer's next visit
  (garage-wide, at the same site, technician, advisor): made again for every customer whose job facts are, so
  retention reads one window of visits instead of probing each customer's jobs (backend.analytics.kpis).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, event, func, insert, inspect, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from backend.accounts.models import Garage, User
from backend.analytics.models import ClockDay, CustomerVisit, DirtyMark, ImportSync, JobFact, QuoteFact
from backend.billing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineDecision,
    LineKind,
    Quote,
    QuoteLine,
)
from backend.core.db import utcnow
from backend.core.ids import new_id
from backend.core.permissions import Role
from backend.inspections.models import Inspection
from backend.workshop.models import Job, JobStatus, TimeClockEntry

CHUNK = 2000
LIVE = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
COMEBACK_DAYS = 30
_JOB_ATTRS = ("technician_id", "advisor_id", "site_id", "operations_stream", "revenue_stream", "customer_id",
              "vehicle_id", "status")


# ------------------------------------------------------------------------------------------------ marking changes


def _old_and_new(obj, attr: str) -> list:
    hist = inspect(obj).attrs[attr].history
    values = list(hist.added or ()) + list(hist.deleted or ()) + list(hist.unchanged or ())
    return [v for v in values if v is not None]


def _changed(obj, attrs) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _marks_for(obj, new: bool, deleted: bool) -> list[tuple[str, uuid.UUID, dt.datetime | None, dt.datetime | None]]:
    if isinstance(obj, Job):
        out = []
        if new or _changed(obj, _JOB_ATTRS):
            out.append(("job", obj.id, None, None))
        if new or _changed(obj, ("status", "vehicle_id", "operations_stream", "created_at")):
            out += [("vehicle", v, None, None) for v in _old_and_new(obj, "vehicle_id")]
        return out
    if isinstance(obj, Invoice):
        return [("job", j, None, None) for j in _old_and_new(obj, "job_id")]
    if isinstance(obj, TimeClockEntry):
        times = _old_and_new(obj, "started_at") + _old_and_new(obj, "ended_at")
        start, end = (min(times), max(times)) if times else (None, None)
        out = [("job", j, None, None) for j in _old_and_new(obj, "job_id")]
        out += [("clock", t, start, end) for t in _old_and_new(obj, "technician_id")]
        return out
    if isinstance(obj, InvoiceLine):
        return [("invoice", i, None, None) for i in _old_and_new(obj, "invoice_id")]
    if isinstance(obj, Inspection):
        return [("job", j, None, None) for j in _old_and_new(obj, "job_id")]
    if isinstance(obj, Quote):
        return [("quote", obj.id, None, None)]
    if isinstance(obj, QuoteLine):
        return [("quote", q, None, None) for q in _old_and_new(obj, "quote_id")]
    if isinstance(obj, User) and not new and _changed(obj, ("hourly_cost",)):
        return [("technician", obj.id, None, None)]
    return []


_WATCHED = (Job, Invoice, InvoiceLine, TimeClockEntry, Inspection, Quote, QuoteLine, User)


def _before_flush(session: Session, _context, _instances) -> None:
    seen: set = set()
    for objects, new, deleted in ((session.new, True, False), (session.dirty, False, False),
                                  (session.deleted, False, True)):
        for obj in list(objects):
            if not isinstance(obj, _WATCHED) or getattr(obj, "garage_id", None) is None:
                continue
            if new and obj.id is None:  # the id default runs only at INSERT: give it now, so the mark can name it
                obj.id = new_id()
            for kind, ref, start, end in _marks_for(obj, new, deleted):
                key = (kind, ref, start, end)
                if ref is None or key in seen:
                    continue
                seen.add(key)
                session.add(DirtyMark(id=new_id(), garage_id=obj.garage_id, kind=kind, ref_id=ref, at_from=start,
                                      at_to=end, created_at=utcnow()))


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


# ------------------------------------------------------------------------------------------------ helpers


def zone(name: str | None) -> dt.tzinfo:
    try:
        return ZoneInfo(name or "UTC")
    except Exception:  # noqa: BLE001 - a garage's zone is validated when set
        return dt.UTC


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


async def garage_zone(session: AsyncSession, garage_id: uuid.UUID) -> dt.tzinfo:
    name = (await session.execute(select(Garage.time_zone).where(Garage.id == garage_id))).scalar_one_or_none()
    return zone(name)


# ------------------------------------------------------------------------------------------------ job facts


async def recompute_jobs(session: AsyncSession, garage_id: uuid.UUID, job_ids, *, visits: bool = True) -> int:
    """Make the facts of these jobs again from the sources (a job not invoiced now loses its fact), and the visits
    of their customers (the old and the new ones)."""
    ids = sorted(set(job_ids))
    written = 0
    customers: set = set()
    for chunk in _chunks(ids):
        customers |= set((await session.execute(
            delete(JobFact).where(JobFact.garage_id == garage_id, JobFact.job_id.in_(chunk))
            .returning(JobFact.customer_id))).scalars())
        rows = await _job_fact_rows(session, garage_id, chunk)
        if rows:
            await session.execute(insert(JobFact.__table__), rows)  # Core: multi-row VALUES
        customers |= {r["customer_id"] for r in rows}
        written += len(rows)
    if visits:
        await recompute_visits(session, garage_id, customers)
    return written


def _visits_select(garage_id: uuid.UUID, customers: list | None = None):
    """The visits of the garage's job facts with a customer (of these customers), each with the customer's next
    visit garage-wide and at the same site, technician and advisor (in the order of day, then job id)."""
    f = JobFact
    order = (f.day, f.job_id)

    def following(*by):
        return func.lead(f.day).over(partition_by=(f.customer_id, *by), order_by=order)

    query = select(f.job_id, f.garage_id, f.customer_id, f.day, f.site_id, f.technician_id, f.advisor_id,
                   following(), following(f.site_id), following(f.technician_id), following(f.advisor_id)
                   ).where(f.garage_id == garage_id, f.customer_id.is_not(None))
    if customers is not None:
        query = query.where(f.customer_id.in_(customers))
    return query


_VISIT_COLUMNS = ("job_id", "garage_id", "customer_id", "day", "site_id", "technician_id", "advisor_id", "next_day",
                  "next_site_day", "next_technician_day", "next_advisor_day")


async def recompute_visits(session: AsyncSession, garage_id: uuid.UUID, customer_ids) -> None:
    """Make these customers' visits again from their job facts (two statements per chunk of customers)."""
    ids = sorted(c for c in set(customer_ids) if c is not None)
    table = CustomerVisit.__table__
    for chunk in _chunks(ids):
        await session.execute(delete(CustomerVisit).where(CustomerVisit.garage_id == garage_id,
                                                          CustomerVisit.customer_id.in_(chunk)))
        await session.execute(insert(table).from_select(_VISIT_COLUMNS, _visits_select(garage_id, chunk)))


async def rebuild_visits(session: AsyncSession, garage_id: uuid.UUID) -> int:
    """Every visit of the garage made again from its job facts: one INSERT ... SELECT."""
    await session.execute(delete(CustomerVisit).where(CustomerVisit.garage_id == garage_id))
    result = await session.execute(insert(CustomerVisit.__table__).from_select(
        _VISIT_COLUMNS, _visits_select(garage_id).order_by(JobFact.day)))  # a window's visits together
    return int(result.rowcount or 0)


async def _job_fact_rows(session: AsyncSession, garage_id: uuid.UUID, job_ids: list) -> list[dict]:
    heads = (await session.execute(
        select(Job.id, Job.site_id, Job.technician_id, Job.advisor_id, Job.vehicle_id, Job.customer_id,
               Job.operations_stream, Job.revenue_stream, Invoice.id, Invoice.issue_date)
        # `status <> VOID` as the partial unique index on invoices.job_id says it, so the planner may use it
        .join(Invoice, (Invoice.job_id == Job.id) & (Invoice.status != InvoiceStatus.VOID)
              & Invoice.status.in_(LIVE))
        .where(Job.garage_id == garage_id, Job.id.in_(job_ids), Invoice.garage_id == garage_id,
               Invoice.issue_date.is_not(None)))).all()
    if not heads:
        return []
    invoice_ids = [h[8] for h in heads]
    lines = (await session.execute(
        select(InvoiceLine.id, InvoiceLine.invoice_id, InvoiceLine.kind, InvoiceLine.quantity, InvoiceLine.net,
               InvoiceLine.billed_hours, InvoiceLine.unit_cost)
        .where(InvoiceLine.invoice_id.in_(invoice_ids)))).all()
    credits = (await session.execute(
        select(CreditNoteLine.invoice_line_id, CreditNoteLine.quantity, CreditNoteLine.net)
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .where(CreditNote.invoice_id.in_(invoice_ids)))).all()
    clocks = (await session.execute(
        select(TimeClockEntry.job_id, TimeClockEntry.seconds, User.hourly_cost)
        .join(User, User.id == TimeClockEntry.technician_id)
        .where(TimeClockEntry.job_id.in_(job_ids), TimeClockEntry.seconds.is_not(None)))).all()
    inspected = set((await session.execute(
        select(Inspection.job_id).where(Inspection.garage_id == garage_id, Inspection.job_id.in_(job_ids))
    )).scalars())
    vehicles = sorted({h[4] for h in heads})
    later = defaultdict(list)  # (vehicle, stream) -> [(job id, created local date)]
    tz = await garage_zone(session, garage_id)
    for vid, stream, created, jid in (await session.execute(
            select(Job.vehicle_id, Job.operations_stream, Job.created_at, Job.id)
            .where(Job.garage_id == garage_id, Job.vehicle_id.in_(vehicles), Job.status != JobStatus.CANCELLED))):
        later[(vid, stream)].append((jid, created.astimezone(tz).date()))

    credit_of = defaultdict(list)
    for line_id, q, net in credits:
        credit_of[line_id].append((_d(q), int(net or 0)))
    per_invoice = defaultdict(lambda: {"billed": Decimal(0), "labour": 0, "parts": 0, "other": 0,
                                       "parts_cost": Decimal(0)})
    for line_id, invoice_id, kind, quantity, net, billed_hours, unit_cost in lines:
        agg = per_invoice[invoice_id]
        q = _d(quantity)
        credited_q = sum((c[0] for c in credit_of.get(line_id, ())), Decimal(0))
        credited_net = sum(c[1] for c in credit_of.get(line_id, ()))
        kept = (q - credited_q) / q if q else Decimal(0)
        sales = int(net or 0) - credited_net
        if kind == LineKind.LABOUR:
            agg["labour"] += sales
            agg["billed"] += _d(billed_hours) * 3600 * kept
        elif kind == LineKind.PART:
            agg["parts"] += sales
            agg["parts_cost"] += _d(unit_cost) * (q - credited_q)
        else:
            agg["other"] += sales
    clocked = defaultdict(int)
    cost = defaultdict(Decimal)
    for job_id, seconds, hourly in clocks:
        clocked[job_id] += int(seconds)
        cost[job_id] += Decimal(int(seconds)) * Decimal(hourly or 0) / 3600
    rows = []
    for (job_id, site_id, tech, advisor, vehicle, customer, stream, revenue, invoice_id, day) in heads:
        agg = per_invoice[invoice_id]
        came_back = any(j != job_id and 0 <= (created - day).days <= COMEBACK_DAYS
                        for j, created in later.get((vehicle, stream), ()))
        rows.append(dict(
            job_id=job_id, garage_id=garage_id, site_id=site_id, invoice_id=invoice_id, technician_id=tech,
            advisor_id=advisor, vehicle_id=vehicle, customer_id=customer,
            operations_stream=stream.value if stream is not None else None,
            revenue_stream=revenue.value if revenue is not None else None, day=day,
            billed_seconds=_round(agg["billed"]), clocked_seconds=clocked.get(job_id, 0),
            labour_sales=agg["labour"], parts_sales=agg["parts"], other_sales=agg["other"],
            parts_cost=_round(agg["parts_cost"]), labour_cost=_round(cost.get(job_id, Decimal(0))),
            has_inspection=job_id in inspected, came_back=came_back, imported=False))
    return rows


# ------------------------------------------------------------------------------------------------ clock days


def _split(start: dt.datetime, end: dt.datetime, seconds: int, tz: dt.tzinfo) -> dict[dt.date, int]:
    """An entry's seconds by local day (split at local midnight, in proportion when the stored seconds differ
    from the span, as after a correction of the total)."""
    span = (end - start).total_seconds()
    if span <= 0:
        return {start.astimezone(tz).date(): seconds}
    parts: dict[dt.date, float] = {}
    cursor = start
    while cursor < end:
        local = cursor.astimezone(tz)
        midnight = (local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1))
        boundary = min(end, midnight.astimezone(dt.UTC))
        if boundary <= cursor:  # a zone transition at midnight: step an hour
            boundary = min(end, cursor + dt.timedelta(hours=1))
        parts[local.date()] = parts.get(local.date(), 0.0) + (boundary - cursor).total_seconds()
        cursor = boundary
    out, given = {}, 0
    days = sorted(parts)
    for day in days[:-1]:
        out[day] = round(seconds * parts[day] / span)
        given += out[day]
    out[days[-1]] = seconds - given
    return out


async def recompute_clock_days(session: AsyncSession, garage_id: uuid.UUID,
                               spans: dict[uuid.UUID, tuple[dt.datetime, dt.datetime]]) -> None:
    """Count again the local days each technician's span touches (a day is recounted whole)."""
    if not spans:
        return
    tz = await garage_zone(session, garage_id)
    for techs in _chunks(sorted(spans)):
        day_sets: dict[uuid.UUID, set[dt.date]] = {}
        lo, hi = None, None
        for t in techs:
            start, end = spans[t]
            first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
            day_sets[t] = {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}
            lo = first if lo is None or first < lo else lo
            hi = last if hi is None or last > hi else hi
        # the UTC window of those local days, a day wider each side for the zone offset
        w_from = dt.datetime.combine(lo - dt.timedelta(days=1), dt.time(), dt.UTC)
        w_to = dt.datetime.combine(hi + dt.timedelta(days=2), dt.time(), dt.UTC)
        entries = (await session.execute(
            select(TimeClockEntry.technician_id, TimeClockEntry.started_at, TimeClockEntry.ended_at,
                   TimeClockEntry.seconds, Job.site_id)
            .join(Job, Job.id == TimeClockEntry.job_id)
            .where(TimeClockEntry.garage_id == garage_id, TimeClockEntry.technician_id.in_(techs),
                   TimeClockEntry.seconds.is_not(None), TimeClockEntry.started_at < w_to,
                   TimeClockEntry.ended_at >= w_from))).all()
        totals: dict[tuple, int] = defaultdict(int)
        for tech, start, end, seconds, site in entries:
            for day, s in _split(start, end, int(seconds), tz).items():
                if day in day_sets[tech]:
                    totals[(tech, day, site)] += s
        for t in techs:
            await session.execute(delete(ClockDay).where(ClockDay.technician_id == t,
                                                         ClockDay.day.in_(sorted(day_sets[t]))))
        rows = [dict(technician_id=t, day=d, site_id=s, garage_id=garage_id, clocked_seconds=v)
                for (t, d, s), v in totals.items() if v]
        if rows:
            await session.execute(insert(ClockDay.__table__), rows)


# ------------------------------------------------------------------------------------------------ quote facts


async def recompute_quotes(session: AsyncSession, garage_id: uuid.UUID, quote_ids) -> None:
    ids = sorted(set(quote_ids))
    if not ids:
        return
    tz = await garage_zone(session, garage_id)
    for chunk in _chunks(ids):
        await session.execute(delete(QuoteFact).where(QuoteFact.garage_id == garage_id,
                                                      QuoteFact.quote_id.in_(chunk)))
        heads = (await session.execute(
            select(Quote.id, Quote.site_id, Quote.created_by_id, Job.advisor_id, Job.technician_id, Quote.sent_at)
            .outerjoin(Job, Job.id == Quote.job_id)
            .where(Quote.garage_id == garage_id, Quote.id.in_(chunk), Quote.sent_at.is_not(None)))).all()
        if not heads:
            continue
        sums = {qid: (int(p or 0), int(a or 0)) for qid, p, a in (await session.execute(
            select(QuoteLine.quote_id, func.sum(QuoteLine.total),
                   func.sum(case((QuoteLine.decision == LineDecision.APPROVED, QuoteLine.total), else_=0)))
            .where(QuoteLine.quote_id.in_([h[0] for h in heads])).group_by(QuoteLine.quote_id))).all()}
        rows = []
        for qid, site, created_by, job_advisor, tech, sent_at in heads:
            presented, approved = sums.get(qid, (0, 0))
            rows.append(dict(quote_id=qid, garage_id=garage_id, site_id=site, advisor_id=job_advisor or created_by,
                             technician_id=tech, day=sent_at.astimezone(tz).date(), presented=presented,
                             approved=approved, any_approved=approved > 0))
        await session.execute(insert(QuoteFact.__table__), rows)


# ------------------------------------------------------------------------------------------------ dirty and rebuild


async def _lock(session: AsyncSession, garage_id: uuid.UUID) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"analytics:{garage_id}"})


def _imports_waiting(garage_id: uuid.UUID):
    """An import of service history (not a dry run) finished after the imported facts were last made."""
    from backend.integrations.imports.models import ImportJob

    synced = select(ImportSync.synced_at).where(ImportSync.garage_id == garage_id).scalar_subquery()
    return select(ImportJob.id).where(
        ImportJob.garage_id == garage_id, ImportJob.kind == "service_history", ImportJob.dry_run.is_(False),
        ImportJob.finished_at.is_not(None),
        or_(synced.is_(None), ImportJob.finished_at > synced)).exists()


async def has_dirty(session: AsyncSession, garage_id: uuid.UUID) -> bool:
    """One statement: marks waiting, or imported repair orders not yet in the facts."""
    marks = select(DirtyMark.id).where(DirtyMark.garage_id == garage_id).exists()
    return bool((await session.execute(select(or_(marks, _imports_waiting(garage_id))))).scalar())


async def refresh_dirty(session: AsyncSession, garage_id: uuid.UUID, *, limit: int = 20000) -> int:
    """Recompute what the garage's waiting marks name, then delete those marks. Returns how many were handled."""
    await _lock(session, garage_id)
    marks = (await session.execute(
        select(DirtyMark.id, DirtyMark.kind, DirtyMark.ref_id, DirtyMark.at_from, DirtyMark.at_to)
        .where(DirtyMark.garage_id == garage_id).order_by(DirtyMark.created_at).limit(limit))).all()
    if (await session.execute(select(_imports_waiting(garage_id)))).scalar():
        await sync_imported(session, garage_id)
    if not marks:
        return 0
    jobs: set = set()
    invoice_ids: set = set()
    vehicles: set = set()
    technicians: set = set()
    quotes: set = set()
    spans: dict[uuid.UUID, tuple[dt.datetime, dt.datetime]] = {}
    for _id, kind, ref, start, end in marks:
        if kind == "job":
            jobs.add(ref)
        elif kind == "invoice":
            invoice_ids.add(ref)
        elif kind == "vehicle":
            vehicles.add(ref)
        elif kind == "technician":
            technicians.add(ref)
        elif kind == "quote":
            quotes.add(ref)
        elif kind == "clock" and start is not None:
            end = end or start
            old = spans.get(ref)
            spans[ref] = (min(start, old[0]), max(end, old[1])) if old else (start, end)
    for chunk in _chunks(sorted(invoice_ids)):
        jobs |= {j for j in (await session.execute(select(Invoice.job_id).where(
            Invoice.garage_id == garage_id, Invoice.id.in_(chunk)))).scalars() if j is not None}
    for chunk in _chunks(sorted(vehicles)):
        jobs |= set((await session.execute(select(Job.id).where(
            Job.garage_id == garage_id, Job.vehicle_id.in_(chunk)))).scalars())
    for chunk in _chunks(sorted(technicians)):
        jobs |= set((await session.execute(select(TimeClockEntry.job_id).where(
            TimeClockEntry.garage_id == garage_id, TimeClockEntry.technician_id.in_(chunk)).distinct())).scalars())
    for chunk in _chunks(sorted(jobs)):  # a job's technician and advisor are on its quotes' facts
        quotes |= set((await session.execute(select(Quote.id).where(
            Quote.garage_id == garage_id, Quote.job_id.in_(chunk)))).scalars())
    await recompute_jobs(session, garage_id, jobs)
    await recompute_clock_days(session, garage_id, spans)
    await recompute_quotes(session, garage_id, quotes)
    for chunk in _chunks([m[0] for m in marks]):
        await session.execute(delete(DirtyMark).where(DirtyMark.id.in_(chunk)))
    return len(marks)


async def dirty_garages(session: AsyncSession) -> list[uuid.UUID]:
    from backend.integrations.imports.models import ImportJob

    marked = set((await session.execute(select(DirtyMark.garage_id).distinct())).scalars())
    imported = set((await session.execute(select(ImportJob.garage_id).where(
        ImportJob.kind == "service_history", ImportJob.dry_run.is_(False), ImportJob.finished_at.is_not(None),
        or_(~select(ImportSync.garage_id).where(ImportSync.garage_id == ImportJob.garage_id).exists(),
            ImportJob.finished_at > select(ImportSync.synced_at).where(
                ImportSync.garage_id == ImportJob.garage_id).scalar_subquery())).distinct())).scalars())
    return sorted(marked | imported)


# ------------------------------------------------------------------------------------------------ imported


async def sync_imported(session: AsyncSession, garage_id: uuid.UUID, *, visits: bool = True) -> int:
    """The facts of the garage's imported repair orders (service_history rows) made again, all of them.

    An imported row counts as an invoiced job on its visit date: billed hours, labour and parts amounts as the
    file gives them (before tax; when it gives neither labour nor parts, its total is other sales); no clocked
    time, costs, inspection or comeback (the old system does not say). Its technician is the garage's one
    technician of that name (none when no name or several match); its site, the row's, else the technician's
    home site, else the garage's first site by name."""
    from backend.integrations.imports.models import ServiceHistory as H
    from backend.accounts.models import Site

    started = utcnow()
    customers = set((await session.execute(
        delete(JobFact).where(JobFact.garage_id == garage_id, JobFact.imported.is_(True))
        .returning(JobFact.customer_id))).scalars())
    people = (await session.execute(select(User.id, User.name, User.home_site_id).where(
        User.garage_id == garage_id, User.role == Role.TECHNICIAN))).all()
    by_name: dict[str, list] = defaultdict(list)
    for uid_, name, home in people:
        by_name[" ".join((name or "").split()).casefold()].append((uid_, home))
    first_site = (await session.execute(select(Site.id).where(Site.garage_id == garage_id)
                                        .order_by(Site.name, Site.id).limit(1))).scalar_one_or_none()
    written = 0
    if first_site is not None:
        result = await session.stream(
            select(H.id, H.site_id, H.vehicle_id, H.customer_id, H.visited_on, H.technician_name, H.billed_hours,
                   H.labour_amount, H.parts_amount, H.total_amount)
            .where(H.garage_id == garage_id).order_by(H.id).execution_options(yield_per=CHUNK))
        rows = []
        async for hid, site, vehicle, customer, day, tech_name, hours, labour, parts, total in result:
            match = by_name.get(" ".join((tech_name or "").split()).casefold(), []) if tech_name else []
            tech, home = match[0] if len(match) == 1 else (None, None)
            split = labour is not None or parts is not None
            rows.append(dict(
                job_id=hid, garage_id=garage_id, site_id=site or home or first_site, invoice_id=None,
                technician_id=tech, advisor_id=None, vehicle_id=vehicle, customer_id=customer,
                operations_stream=None, revenue_stream=None, day=day,
                billed_seconds=_round(_d(hours) * 3600), clocked_seconds=0, labour_sales=int(labour or 0),
                parts_sales=int(parts or 0), other_sales=0 if split else int(total or 0), parts_cost=0,
                labour_cost=0, has_inspection=False, came_back=False, imported=True))
            customers.add(customer)
            if len(rows) >= CHUNK:
                await session.execute(insert(JobFact.__table__), rows)
                written, rows = written + len(rows), []
        if rows:
            await session.execute(insert(JobFact.__table__), rows)
            written += len(rows)
    if visits:
        await recompute_visits(session, garage_id, customers)
    found = (await session.execute(select(ImportSync).where(ImportSync.garage_id == garage_id))).scalar_one_or_none()
    if found is None:
        session.add(ImportSync(garage_id=garage_id, synced_at=started))
    else:
        found.synced_at = started
    await session.flush()
    return written


async def rebuild(session: AsyncSession, garage_id: uuid.UUID) -> dict[str, int]:
    """Every fact of the garage made again from the source tables: on PostgreSQL set-based (INSERT ... SELECT,
    a handful of statements whatever the number of jobs), elsewhere chunk by chunk through the same code that
    keeps them (the figures are the same either way: tests/analytics)."""
    await _lock(session, garage_id)
    for model in (JobFact, ClockDay, QuoteFact, DirtyMark, CustomerVisit):
        await session.execute(delete(model).where(model.garage_id == garage_id))
    if session.get_bind().dialect.name == "postgresql":
        counts = await _rebuild_set_based(session, garage_id)
    else:
        job_ids = list((await session.execute(
            select(Invoice.job_id).where(Invoice.garage_id == garage_id, Invoice.job_id.is_not(None),
                                         Invoice.status.in_(LIVE)))).scalars())
        jobs = await recompute_jobs(session, garage_id, job_ids, visits=False)
        technicians = await _rebuild_clock_days(session, garage_id)
        quote_ids = list((await session.execute(
            select(Quote.id).where(Quote.garage_id == garage_id, Quote.sent_at.is_not(None)))).scalars())
        await recompute_quotes(session, garage_id, quote_ids)
        counts = {"jobs": jobs, "quotes": len(quote_ids), "technicians": technicians}
    counts["imported"] = await sync_imported(session, garage_id, visits=False)
    counts["visits"] = await rebuild_visits(session, garage_id)
    return counts


# The facts are written in the order of their day: a period's facts then lie together in the table (the facts kept
# since come in day order anyway), so reading a month touches its own pages, not every page of five years.
# The same figures as _job_fact_rows, by one statement: a line's kept share (quantity less what credit notes took
# back, over its quantity) scales its billed hours; its parts cost is unit cost x the quantity kept; sales are net
# less the credited net. Status and kind columns hold the enum names (which are their values).
_JOB_FACTS_SQL = """
INSERT INTO analytics_job_facts (job_id, garage_id, site_id, invoice_id, technician_id, advisor_id, vehicle_id,
    customer_id, operations_stream, revenue_stream, day, billed_seconds, clocked_seconds, labour_sales, parts_sales,
    other_sales, parts_cost, labour_cost, has_inspection, came_back, imported)
SELECT j.id, j.garage_id, j.site_id, i.id, j.technician_id, j.advisor_id, j.vehicle_id, j.customer_id,
    j.operations_stream, j.revenue_stream, i.issue_date,
    COALESCE(l.billed, 0), COALESCE(c.clocked, 0), COALESCE(l.labour, 0), COALESCE(l.parts, 0),
    COALESCE(l.other, 0), COALESCE(l.parts_cost, 0), COALESCE(c.cost, 0),
    EXISTS (SELECT 1 FROM inspections s WHERE s.garage_id = :g AND s.job_id = j.id),
    EXISTS (SELECT 1 FROM jobs b WHERE b.vehicle_id = j.vehicle_id AND b.garage_id = :g AND b.id <> j.id
            AND b.operations_stream IS NOT DISTINCT FROM j.operations_stream AND b.status <> 'CANCELLED'
            AND (b.created_at AT TIME ZONE :tz)::date
                BETWEEN i.issue_date AND i.issue_date + CAST(:days AS integer)),
    false
FROM jobs j
JOIN invoices i ON i.job_id = j.id AND i.status <> 'VOID' AND i.status IN ('ISSUED', 'PARTIALLY_PAID', 'PAID')
LEFT JOIN (
    SELECT il.invoice_id,
        ROUND(SUM(CASE WHEN il.kind = 'LABOUR' AND il.quantity <> 0 THEN COALESCE(il.billed_hours, 0) * 3600
                       * (il.quantity - COALESCE(cr.q, 0)) / il.quantity ELSE 0 END)) AS billed,
        SUM(CASE WHEN il.kind = 'LABOUR' THEN il.net - COALESCE(cr.net, 0) ELSE 0 END) AS labour,
        SUM(CASE WHEN il.kind = 'PART' THEN il.net - COALESCE(cr.net, 0) ELSE 0 END) AS parts,
        SUM(CASE WHEN il.kind NOT IN ('LABOUR', 'PART') THEN il.net - COALESCE(cr.net, 0) ELSE 0 END) AS other,
        ROUND(SUM(CASE WHEN il.kind = 'PART' THEN COALESCE(il.unit_cost, 0) * (il.quantity - COALESCE(cr.q, 0))
                       ELSE 0 END)) AS parts_cost
    FROM invoice_lines il
    LEFT JOIN (SELECT cl.invoice_line_id, SUM(cl.quantity) AS q, SUM(cl.net) AS net
               FROM credit_note_lines cl JOIN credit_notes cn ON cn.id = cl.credit_note_id
               WHERE cn.garage_id = :g GROUP BY cl.invoice_line_id) cr ON cr.invoice_line_id = il.id
    WHERE il.garage_id = :g
    GROUP BY il.invoice_id) l ON l.invoice_id = i.id
LEFT JOIN (
    SELECT t.job_id, SUM(t.seconds) AS clocked,
        ROUND(SUM(t.seconds::numeric * COALESCE(u.hourly_cost, 0)) / 3600) AS cost
    FROM time_clock_entries t JOIN users u ON u.id = t.technician_id
    WHERE t.garage_id = :g AND t.seconds IS NOT NULL
    GROUP BY t.job_id) c ON c.job_id = j.id
WHERE j.garage_id = :g AND i.garage_id = :g AND i.issue_date IS NOT NULL
ORDER BY i.issue_date
"""

_QUOTE_FACTS_SQL = """
INSERT INTO analytics_quote_facts (quote_id, garage_id, site_id, advisor_id, technician_id, day, presented, approved,
    any_approved)
SELECT q.id, q.garage_id, q.site_id, COALESCE(j.advisor_id, q.created_by_id), j.technician_id,
    (q.sent_at AT TIME ZONE :tz)::date, COALESCE(s.presented, 0), COALESCE(s.approved, 0), COALESCE(s.approved, 0) > 0
FROM quotes q
LEFT JOIN jobs j ON j.id = q.job_id
LEFT JOIN (SELECT quote_id, SUM(total) AS presented,
                  SUM(CASE WHEN decision = 'APPROVED' THEN total ELSE 0 END) AS approved
           FROM quote_lines WHERE quote_id IN (SELECT id FROM quotes WHERE garage_id = :g) GROUP BY quote_id
          ) s ON s.quote_id = q.id
WHERE q.garage_id = :g AND q.sent_at IS NOT NULL
ORDER BY 6
"""

# Clock entries within one local day, summed by the database; the few over local midnight are split in Python
# (_split) and added on
_CLOCK_DAYS_SQL = """
INSERT INTO analytics_clock_days (technician_id, day, site_id, garage_id, clocked_seconds)
SELECT t.technician_id, (t.started_at AT TIME ZONE :tz)::date, j.site_id, :g, SUM(t.seconds)
FROM time_clock_entries t JOIN jobs j ON j.id = t.job_id
WHERE t.garage_id = :g AND t.seconds IS NOT NULL AND t.ended_at IS NOT NULL
  AND ((t.ended_at AT TIME ZONE :tz)::date = (t.started_at AT TIME ZONE :tz)::date OR t.ended_at <= t.started_at)
GROUP BY t.technician_id, (t.started_at AT TIME ZONE :tz)::date, j.site_id
HAVING SUM(t.seconds) <> 0
ORDER BY 2
"""


def _zone_name(tz: dt.tzinfo) -> str:
    return getattr(tz, "key", None) or "UTC"


async def _rebuild_set_based(session: AsyncSession, garage_id: uuid.UUID) -> dict[str, int]:
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    tz = await garage_zone(session, garage_id)
    params = {"g": garage_id, "tz": _zone_name(tz), "days": COMEBACK_DAYS}
    jobs = (await session.execute(text(_JOB_FACTS_SQL), params)).rowcount
    quotes = (await session.execute(text(_QUOTE_FACTS_SQL), params)).rowcount
    await session.execute(text(_CLOCK_DAYS_SQL), params)
    totals: dict[tuple, int] = defaultdict(int)
    over_midnight = await session.execute(
        select(TimeClockEntry.technician_id, TimeClockEntry.started_at, TimeClockEntry.ended_at,
               TimeClockEntry.seconds, Job.site_id)
        .join(Job, Job.id == TimeClockEntry.job_id)
        .where(TimeClockEntry.garage_id == garage_id, TimeClockEntry.seconds.is_not(None),
               TimeClockEntry.ended_at > TimeClockEntry.started_at,
               func.date(func.timezone(params["tz"], TimeClockEntry.ended_at))
               != func.date(func.timezone(params["tz"], TimeClockEntry.started_at))))
    for tech, start, end, seconds, site in over_midnight.all():
        for day, s_ in _split(start, end, int(seconds), tz).items():
            totals[(tech, day, site)] += s_
    rows = [dict(technician_id=t, day=d, site_id=s_, garage_id=garage_id, clocked_seconds=v)
            for (t, d, s_), v in totals.items() if v]
    table = ClockDay.__table__
    for chunk in _chunks(rows, 5000):
        stmt = pg_insert(table).values(chunk)
        await session.execute(stmt.on_conflict_do_update(
            index_elements=[table.c.technician_id, table.c.day, table.c.site_id],
            set_={"clocked_seconds": table.c.clocked_seconds + stmt.excluded.clocked_seconds}))
    technicians = (await session.execute(select(func.count(func.distinct(ClockDay.technician_id))).where(
        ClockDay.garage_id == garage_id))).scalar_one()
    return {"jobs": jobs, "quotes": quotes, "technicians": int(technicians)}


async def _rebuild_clock_days(session: AsyncSession, garage_id: uuid.UUID) -> int:
    """Every closed clock entry of the garage read once (streamed), split into local days, summed, written."""
    tz = await garage_zone(session, garage_id)
    totals: dict[tuple, int] = defaultdict(int)
    result = await session.stream(
        select(TimeClockEntry.technician_id, TimeClockEntry.started_at, TimeClockEntry.ended_at,
               TimeClockEntry.seconds, Job.site_id)
        .join(Job, Job.id == TimeClockEntry.job_id)
        .where(TimeClockEntry.garage_id == garage_id, TimeClockEntry.seconds.is_not(None),
               TimeClockEntry.ended_at.is_not(None)).execution_options(yield_per=CHUNK))
    async for tech, start, end, seconds, site in result:
        for day, s in _split(start, end, int(seconds), tz).items():
            totals[(tech, day, site)] += s
    rows = [dict(technician_id=t, day=d, site_id=s, garage_id=garage_id, clocked_seconds=v)
            for (t, d, s), v in totals.items() if v]
    for chunk in _chunks(rows, 5000):
        await session.execute(insert(ClockDay.__table__), chunk)
    return len({t for t, _d, _s in totals})
