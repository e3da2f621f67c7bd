"""Financial report and receivables: SQL aggregates (GROUP BY) over issued invoices, credit notes and payments.

Choices (also in README "Exports for the accountant"):
- Revenue is net of tax: the subtotal of issued invoices (ISSUED, PARTIALLY_PAID, PAID) by their issue date, minus
  the subtotal of credit notes by the credit note's own issue date. DRAFT and VOID invoices never count, and neither
  do credit notes against a VOID invoice (voiding already took the invoice out). Tax collected is the same
  difference for tax; gross is the same for totals including tax.
- Dates are local dates in the garage's time zone: `issue_date` and `paid_on` are stored as the garage's local date,
  so bucketing by them is bucketing in the garage's time zone on both SQLite and PostgreSQL.
- Weeks start on Monday (ISO 8601); a month bucket starts on the 1st. A bucket at either end of the period is
  clipped to the period (`start`/`end`), and every bucket of the period is present, zeros included.
- Payments are counted by the date they were received (`paid_on`), whatever the invoice's date: money received,
  by method, with the tax withheld by corporate customers alongside. Refunds (money paid back with a credit note)
  are reported by method too, by the credit note's date.
- Invoices paid: of the invoices issued in the period, how many are fully PAID now.
- Receivables age by due date (an invoice without one ages from its issue date): current (not yet overdue),
  1-30, 31-60, 61-90 and over 90 days past due on `asOf`. The balance is as on `asOf`: total minus payments and
  withholding received up to that date, minus credit notes issued up to that date plus their refunds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid

from sqlalchemy import Date, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Site
from backend.billing.models import CreditNote, Invoice, InvoiceStatus, Payment, PaymentMethod
from backend.core.actor import Actor
from backend.core.enums import OperationsStream, RevenueStream
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.permissions import Permission
from backend.core.validate import parse_id
from backend.customers.models import Customer

MAX_PERIOD_DAYS = 3 * 366
COUNTED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


class GroupBy(enum.Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive


def check_period(date_from: dt.date | None, date_to: dt.date | None, field: str = "period") -> Period:
    errors = Collector()
    if date_from is None:
        errors.add(ErrorCode.REQUIRED, f"{field}.from")
    if date_to is None:
        errors.add(ErrorCode.REQUIRED, f"{field}.to")
    errors.raise_if_any()
    if date_to < date_from:
        raise DomainError(ErrorCode.INVALID_PERIOD, f"{field}.to")
    if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(ErrorCode.PERIOD_TOO_LONG, f"{field}.to", days=MAX_PERIOD_DAYS)
    return Period(date_from, date_to)


def _require(actor: Actor) -> None:
    if not actor.can(Permission.FINANCIAL_REPORTS):  # the API checks first; this guards direct callers
        raise PermissionError("financial reports need FINANCIAL_REPORTS")


async def garage_and_site(session: AsyncSession, actor: Actor, site: object | None) -> tuple[str, uuid.UUID | None]:
    """The garage's currency and the site's id, checked to belong to the actor's garage (one statement)."""
    site_id = parse_id(site, "site") if site is not None else None
    query = select(Garage.currency).where(Garage.id == actor.garage_id)
    if site_id is not None:
        query = query.add_columns(
            select(Site.id).where(Site.id == site_id, Site.garage_id == actor.garage_id).scalar_subquery())
    row = (await session.execute(query)).first()
    if row is None or (site_id is not None and row[1] is None):
        raise DomainError(ErrorCode.NOT_FOUND, "site")
    return row[0], site_id


def _bucket(column, group_by: GroupBy, dialect: str):
    """The first day of the bucket a local date falls in, as a SQL expression for the dialect."""
    if group_by is GroupBy.DAY:
        return column
    if dialect == "postgresql":
        unit = "week" if group_by is GroupBy.WEEK else "month"
        return func.cast(func.date_trunc(unit, column), Date)
    if group_by is GroupBy.WEEK:  # SQLite: on to Sunday (or stay), then back six days: that week's Monday
        return type_coerce(func.date(column, "weekday 0", "-6 days"), Date)
    return type_coerce(func.date(column, "start of month"), Date)


def bucket_start(day: dt.date, group_by: GroupBy) -> dt.date:
    if group_by is GroupBy.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if group_by is GroupBy.MONTH:
        return day.replace(day=1)
    return day


def _next_bucket(start: dt.date, group_by: GroupBy) -> dt.date:
    if group_by is GroupBy.DAY:
        return start + dt.timedelta(days=1)
    if group_by is GroupBy.WEEK:
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


@dataclasses.dataclass
class Amounts:
    """Net of tax (`net`), tax, and gross (net + tax), in minor units."""

    net: int = 0
    tax: int = 0
    gross: int = 0

    def add(self, net, tax, gross, sign: int = 1) -> None:
        self.net += sign * int(net or 0)
        self.tax += sign * int(tax or 0)
        self.gross += sign * int(gross or 0)


@dataclasses.dataclass
class Figures:
    invoiced: Amounts = dataclasses.field(default_factory=Amounts)
    credited: Amounts = dataclasses.field(default_factory=Amounts)
    invoices_issued: int = 0
    invoices_paid: int = 0
    credit_notes: int = 0
    payments_received: int = 0
    withholding: int = 0
    payments_count: int = 0
    refunds: int = 0

    @property
    def revenue(self) -> int:
        return self.invoiced.net - self.credited.net

    @property
    def tax_collected(self) -> int:
        return self.invoiced.tax - self.credited.tax

    @property
    def gross(self) -> int:
        return self.invoiced.gross - self.credited.gross


@dataclasses.dataclass
class Bucket:
    start: dt.date
    end: dt.date
    figures: Figures


@dataclasses.dataclass
class StreamFigures:
    stream: object  # RevenueStream | OperationsStream | None
    figures: Figures


@dataclasses.dataclass
class MethodFigures:
    method: PaymentMethod
    amount: int = 0
    withholding: int = 0
    count: int = 0
    refunds: int = 0


@dataclasses.dataclass
class FinancialReport:
    period: Period
    site_id: uuid.UUID | None
    group_by: GroupBy
    currency: str
    totals: Figures
    buckets: list[Bucket]
    by_revenue_stream: list[StreamFigures]
    by_operations_stream: list[StreamFigures]
    by_method: list[MethodFigures]


async def financial_report(session: AsyncSession, actor: Actor, *, date_from: dt.date | None,
                           date_to: dt.date | None, site: object | None = None,
                           group_by: GroupBy = GroupBy.MONTH) -> FinancialReport:
    """Revenue, tax, credit notes and payments of a period; six statements whatever the number of invoices."""
    _require(actor)
    period = check_period(date_from, date_to)
    currency, site_id = await garage_and_site(session, actor, site)
    dialect = session.get_bind().dialect.name
    g = actor.garage_id

    inv_where = [Invoice.garage_id == g, Invoice.status.in_(COUNTED),
                 Invoice.issue_date >= period.start, Invoice.issue_date <= period.end]
    cn_where = [CreditNote.garage_id == g, CreditNote.issue_date >= period.start, CreditNote.issue_date <= period.end,
                Invoice.garage_id == g, Invoice.status != InvoiceStatus.VOID]
    pay_where = [Payment.garage_id == g, Payment.paid_on >= period.start, Payment.paid_on <= period.end]
    if site_id is not None:
        inv_where.append(Invoice.site_id == site_id)
        cn_where.append(Invoice.site_id == site_id)
        pay_where.append(Invoice.site_id == site_id)

    paid_flag = func.sum(case((Invoice.status == InvoiceStatus.PAID, 1), else_=0))
    inv_sums = (func.count(), paid_flag, func.sum(Invoice.subtotal), func.sum(Invoice.tax_total),
                func.sum(Invoice.total))
    cn_sums = (func.count(), func.sum(CreditNote.subtotal), func.sum(CreditNote.tax_total), func.sum(CreditNote.total),
               func.sum(CreditNote.refund_amount))

    inv_bucket = _bucket(Invoice.issue_date, group_by, dialect).label("b")
    cn_bucket = _bucket(CreditNote.issue_date, group_by, dialect).label("b")
    pay_bucket = _bucket(Payment.paid_on, group_by, dialect).label("b")

    inv_by_bucket = (await session.execute(
        select(inv_bucket, *inv_sums).where(*inv_where).group_by(inv_bucket))).all()
    inv_by_stream = (await session.execute(
        select(Invoice.revenue_stream, Invoice.operations_stream, *inv_sums).where(*inv_where)
        .group_by(Invoice.revenue_stream, Invoice.operations_stream))).all()
    cn_from = select(cn_bucket, *cn_sums).join(Invoice, Invoice.id == CreditNote.invoice_id)
    cn_by_bucket = (await session.execute(cn_from.where(*cn_where).group_by(cn_bucket))).all()
    cn_by_stream = (await session.execute(
        select(Invoice.revenue_stream, Invoice.operations_stream, CreditNote.refund_method, *cn_sums)
        .join(Invoice, Invoice.id == CreditNote.invoice_id).where(*cn_where)
        .group_by(Invoice.revenue_stream, Invoice.operations_stream, CreditNote.refund_method))).all()
    pay_query = select(pay_bucket, Payment.method, func.count(), func.sum(Payment.amount),
                       func.sum(Payment.withholding_amount))
    if site_id is not None:
        pay_query = pay_query.join(Invoice, Invoice.id == Payment.invoice_id)
    pay_rows = (await session.execute(pay_query.where(*pay_where).group_by(pay_bucket, Payment.method))).all()

    # fold the aggregate rows (at most one per bucket, stream or method) into the report
    buckets: dict[dt.date, Bucket] = {}
    cursor = bucket_start(period.start, group_by)
    while cursor <= period.end:
        following = _next_bucket(cursor, group_by)
        buckets[cursor] = Bucket(max(cursor, period.start), min(following - dt.timedelta(days=1), period.end),
                                 Figures())
        cursor = following
    totals = Figures()
    for b, count, paid, net, tax, gross in inv_by_bucket:
        for f in (buckets[_as_date(b)].figures, totals):
            f.invoices_issued += count
            f.invoices_paid += int(paid or 0)
            f.invoiced.add(net, tax, gross)
    for b, count, net, tax, gross, refund in cn_by_bucket:
        for f in (buckets[_as_date(b)].figures, totals):
            f.credit_notes += count
            f.credited.add(net, tax, gross)
            f.refunds += int(refund or 0)
    methods = {m: MethodFigures(m) for m in PaymentMethod}
    for b, method, count, amount, withheld in pay_rows:
        for f in (buckets[_as_date(b)].figures, totals):
            f.payments_count += count
            f.payments_received += int(amount or 0)
            f.withholding += int(withheld or 0)
        methods[method].count += count
        methods[method].amount += int(amount or 0)
        methods[method].withholding += int(withheld or 0)

    revenue = {s: Figures() for s in RevenueStream}
    operations: dict[OperationsStream | None, Figures] = {s: Figures() for s in OperationsStream}
    for rs, ops, count, paid, net, tax, gross in inv_by_stream:
        for f in (revenue[rs], operations.setdefault(ops, Figures())):
            f.invoices_issued += count
            f.invoices_paid += int(paid or 0)
            f.invoiced.add(net, tax, gross)
    for rs, ops, refund_method, count, net, tax, gross, refund in cn_by_stream:
        for f in (revenue[rs], operations.setdefault(ops, Figures())):
            f.credit_notes += count
            f.credited.add(net, tax, gross)
            f.refunds += int(refund or 0)
        if refund_method is not None:
            methods[refund_method].refunds += int(refund or 0)

    return FinancialReport(
        period=period, site_id=site_id, group_by=group_by, currency=currency, totals=totals,
        buckets=list(buckets.values()),
        by_revenue_stream=[StreamFigures(s, f) for s, f in revenue.items()],
        by_operations_stream=[StreamFigures(s, f) for s, f in operations.items()],
        by_method=list(methods.values()),
    )


# ------------------------------------------------------------------------------------------------ receivables


@dataclasses.dataclass
class Aging:
    current: int = 0
    days_1_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    over_90: int = 0

    @property
    def total(self) -> int:
        return self.current + self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90


@dataclasses.dataclass
class CustomerReceivable:
    customer_id: uuid.UUID | None
    name: str | None
    aging: Aging
    invoices: int
    oldest_due_date: dt.date | None


@dataclasses.dataclass
class Receivables:
    as_of: dt.date
    site_id: uuid.UUID | None
    currency: str
    totals: Aging
    invoices: int
    customers: list[CustomerReceivable]


async def receivables(session: AsyncSession, actor: Actor, *, as_of: dt.date | None, site: object | None = None
                      ) -> Receivables:
    """What customers owe on `asOf`, per customer, aged by due date; two statements."""
    _require(actor)
    if as_of is None:
        raise DomainError(ErrorCode.REQUIRED, "asOf")
    currency, site_id = await garage_and_site(session, actor, site)
    g = actor.garage_id

    paid = (select(func.coalesce(func.sum(Payment.amount + Payment.withholding_amount), 0))
            .where(Payment.invoice_id == Invoice.id, Payment.paid_on <= as_of).scalar_subquery())
    credited = (select(func.coalesce(func.sum(CreditNote.total - CreditNote.refund_amount), 0))
                .where(CreditNote.invoice_id == Invoice.id, CreditNote.issue_date <= as_of).scalar_subquery())
    balance = (Invoice.total - paid - credited).label("balance")
    due = func.coalesce(Invoice.due_date, Invoice.issue_date).label("due")
    where = [Invoice.garage_id == g, Invoice.status.in_(COUNTED), Invoice.issue_date <= as_of,
             # an invoice fully paid before asOf owes nothing then: skip it before computing its balance
             or_(Invoice.status != InvoiceStatus.PAID, Invoice.paid_at.is_(None),
                 Invoice.paid_at >= dt.datetime.combine(as_of - dt.timedelta(days=1), dt.time.min, dt.UTC))]
    if site_id is not None:
        where.append(Invoice.site_id == site_id)
    open_invoices = select(Invoice.customer_id.label("customer_id"), balance, due).where(*where).subquery()

    age_edges = [as_of - dt.timedelta(days=d) for d in (0, 30, 60, 90)]
    amount = open_invoices.c.balance
    due_col = open_invoices.c.due

    def part(lower: dt.date | None, upper: dt.date | None):
        cond = []
        if lower is not None:
            cond.append(due_col >= lower)
        if upper is not None:
            cond.append(due_col < upper)
        return func.sum(case((and_(*cond), amount), else_=0))

    query = (
        select(open_invoices.c.customer_id, Customer.name,
               part(age_edges[0], None),  # due today or later: not overdue
               part(age_edges[1], age_edges[0]),
               part(age_edges[2], age_edges[1]),
               part(age_edges[3], age_edges[2]),
               part(None, age_edges[3]),
               func.count(), func.min(due_col))
        .select_from(open_invoices)
        .outerjoin(Customer, and_(Customer.id == open_invoices.c.customer_id, Customer.garage_id == g))
        .where(amount > literal(0))
        .group_by(open_invoices.c.customer_id, Customer.name)
    )
    rows = (await session.execute(query)).all()
    totals = Aging()
    customers: list[CustomerReceivable] = []
    count = 0
    for customer_id, name, *parts, n, oldest in rows:
        aging = Aging(*(int(p or 0) for p in parts))
        for field in dataclasses.fields(Aging):
            setattr(totals, field.name, getattr(totals, field.name) + getattr(aging, field.name))
        count += n
        customers.append(CustomerReceivable(customer_id, name, aging, n, _as_date(oldest) if oldest else None))
    customers.sort(key=lambda c: (-c.aging.total, c.name or "", str(c.customer_id)))
    return Receivables(as_of=as_of, site_id=site_id, currency=currency, totals=totals, invoices=count,
                       customers=customers)
