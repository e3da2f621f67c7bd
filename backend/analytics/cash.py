"""The garage's cash: receivables by age per customer, the month's expected incoming, the expenses an admin enters
and the projected cash position at the month's end. Admins only (Permission.CASH_MANAGE): it is the garage's money.

As of a local day D (today in the garage's time zone by default):
- receivables: every issued invoice still owing (ISSUED or PARTIALLY_PAID, balance due > 0; the balance is net of
  payments, withholding and credit notes; a voided invoice owes nothing), aged by the days from its due date (its
  issue date when it has none) to D: current (not yet due, or due on D), 1-30, 31-60, 61-90 and over 90 days;
- expected incoming: the balance due of those invoices that fall due from D to the month's end;
- received: payments recorded from the 1st to D;
- expenses of the month: those entered once on a day of the month, and the monthly ones running that month (on the
  day of the month they started; the month's last day when it is shorter);
- supplier deliveries: the value of purchase-order receipts of the month (quantity x unit cost, reversals taken
  off), counted as paid in the month; for a site, the orders delivered to that site's warehouse (the central
  warehouse's deliveries count for the garage only);
- projected position at the month's end = the opening balance set for the month + received + expected incoming -
  expenses - supplier deliveries.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import uuid

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Site
from backend.analytics.facts import zone
from backend.analytics.models import CashOpening, Expense, ExpenseCategory
from backend.billing.models import Invoice, InvoiceStatus, Payment
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.i18n import N_
from backend.core.ids import new_id
from backend.core.permissions import Permission

OWING = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "over_90")
MAX_AMOUNT = 10 ** 13  # minor units
POSITION_METHOD = N_("opening balance + payments received this month + invoices falling due by the month's end "
                     "− the month's expenses − supplier deliveries of the month")


def _require(actor: Actor) -> None:
    if not actor.can(Permission.CASH_MANAGE):  # the API checks first; this guards direct callers
        raise PermissionError("the garage's cash needs CASH_MANAGE")


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


@dataclasses.dataclass
class CashScope:
    garage_id: uuid.UUID
    currency: str
    today: dt.date
    site_id: uuid.UUID | None
    tz: dt.tzinfo


async def _scope(session: AsyncSession, actor: Actor, site: object | None, as_of: dt.date | None) -> CashScope:
    _require(actor)
    site_id = v.parse_id(site, "siteId") if site is not None else None
    query = select(Garage.time_zone, Garage.currency).where(Garage.id == actor.garage_id)
    if site_id is not None:
        query = query.add_columns(select(Site.id).where(Site.id == site_id, Site.garage_id == actor.garage_id)
                                  .scalar_subquery())
    row = (await session.execute(query)).one()
    if site_id is not None and row[2] is None:
        raise DomainError(ErrorCode.NOT_FOUND, "siteId")
    tz = zone(row[0])
    today = as_of or dt.datetime.now(dt.UTC).astimezone(tz).date()
    return CashScope(actor.garage_id, row[1], today, site_id, tz)


# ------------------------------------------------------------------------------------------------ receivables


@dataclasses.dataclass
class Aging:
    customer_id: uuid.UUID | None
    customer_name: str | None
    invoices: int
    current: int = 0
    d1_30: int = 0
    d31_60: int = 0
    d61_90: int = 0
    over_90: int = 0

    @property
    def total(self) -> int:
        return self.current + self.d1_30 + self.d31_60 + self.d61_90 + self.over_90


def _due():
    return func.coalesce(Invoice.due_date, Invoice.issue_date)


def _bucket_sums(today: dt.date):
    """SUM(balance) per age bucket: the bounds are dates worked out here, so the SQL is the same on any engine."""
    due = _due()
    bounds = [today, today - dt.timedelta(days=30), today - dt.timedelta(days=60), today - dt.timedelta(days=90)]
    conditions = [due >= bounds[0]] + [and_(due < bounds[i], due >= bounds[i + 1]) for i in range(3)]
    conditions.append(due < bounds[3])
    return [func.sum(case((c, Invoice.balance_due), else_=0)) for c in conditions]


def _owing(scope: CashScope):
    conditions = [Invoice.garage_id == scope.garage_id, Invoice.status.in_(OWING), Invoice.balance_due > 0,
                  Invoice.issue_date <= scope.today]
    if scope.site_id is not None:
        conditions.append(Invoice.site_id == scope.site_id)
    return conditions


async def receivables(session: AsyncSession, actor: Actor, *, as_of: dt.date | None = None,
                      site: object | None = None) -> tuple[CashScope, list[Aging], Aging]:
    """Per customer (largest balance first) and in total: one statement whatever the number of invoices."""
    from backend.customers.models import Customer

    scope = await _scope(session, actor, site, as_of)
    rows = (await session.execute(
        select(Invoice.customer_id, Customer.name, func.count(), *_bucket_sums(scope.today))
        .outerjoin(Customer, Customer.id == Invoice.customer_id)
        .where(*_owing(scope)).group_by(Invoice.customer_id, Customer.name))).all()
    out = [Aging(cid, name, int(n), *[int(x or 0) for x in sums]) for cid, name, n, *sums in rows]
    out.sort(key=lambda a: (-a.total, a.customer_name or "", str(a.customer_id)))
    total = Aging(None, None, sum(a.invoices for a in out),
                  *[sum(getattr(a, b) for a in out) for b in BUCKETS])
    return scope, out, total


# ------------------------------------------------------------------------------------------------ expenses


def occurrence(expense_day: dt.date, recurring: bool, ends_on: dt.date | None, month: dt.date) -> dt.date | None:
    """The day an expense falls in `month` (its first day), or None."""
    last = month_end(month)
    if not recurring:
        return expense_day if month <= expense_day <= last else None
    if expense_day > last:
        return None
    day = month.replace(day=min(expense_day.day, last.day))
    if day < expense_day or (ends_on is not None and day > ends_on):
        return None
    return day


async def month_expenses(session: AsyncSession, scope: CashScope, month: dt.date) -> list[tuple[Expense, dt.date]]:
    last = month_end(month)
    query = select(Expense).where(
        Expense.garage_id == scope.garage_id, Expense.spent_on <= last,
        or_(Expense.spent_on >= month, and_(Expense.recurring.is_(True),
                                            or_(Expense.ends_on.is_(None), Expense.ends_on >= month))))
    if scope.site_id is not None:
        query = query.where(Expense.site_id == scope.site_id)
    out = []
    for e in (await session.execute(query.order_by(Expense.spent_on, Expense.id))).scalars():
        day = occurrence(e.spent_on, e.recurring, e.ends_on, month)
        if day is not None:
            out.append((e, day))
    return sorted(out, key=lambda x: (x[1], x[0].category.value, str(x[0].id)))


@dataclasses.dataclass
class ExpenseData:
    category: object = None
    description: object = ""
    amount: object = None
    spent_on: object = None
    site_id: object = None
    recurring: object = False
    ends_on: object = None


def _check(data: ExpenseData) -> tuple[ExpenseCategory | None, str, int | None, dt.date | None]:
    errors = Collector()
    category = None
    try:
        category = ExpenseCategory(getattr(data.category, "value", data.category))
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, "category")
    description = (data.description or "").strip() if isinstance(data.description, str | type(None)) else None
    if description is None:
        errors.add(ErrorCode.INVALID_VALUE, "description")
    elif len(description) > 200:
        errors.add(ErrorCode.TOO_LONG, "description", max=200)
    amount = data.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        errors.add(ErrorCode.INVALID_VALUE, "amount")
    if not isinstance(data.spent_on, dt.date):
        errors.add(ErrorCode.REQUIRED, "spentOn")
    ends = data.ends_on
    if ends is not None and (not isinstance(ends, dt.date) or not data.recurring
                             or (isinstance(data.spent_on, dt.date) and ends < data.spent_on)):
        errors.add(ErrorCode.INVALID_VALUE, "endsOn")
    errors.raise_if_any()
    return category, description, amount, ends


async def _site(session: AsyncSession, actor: Actor, site: object) -> uuid.UUID | None:
    if site is None:
        return None
    sid = v.parse_id(site, "siteId")
    if (await session.execute(select(Site.id).where(Site.id == sid, Site.garage_id == actor.garage_id))
            ).scalar_one_or_none() is None:
        raise DomainError(ErrorCode.NOT_FOUND, "siteId")
    return sid


async def save_expense(session: AsyncSession, actor: Actor, data: ExpenseData, expense_id: object = None,
                       expected_version: int | None = None, *, new_id_given: uuid.UUID | None = None) -> Expense:
    """Create (no expense_id) or change an expense."""
    _require(actor)
    category, description, amount, ends = _check(data)
    site_id = await _site(session, actor, data.site_id)
    if expense_id is None:
        await v.ensure_new_id(session, Expense, new_id_given)
        e = Expense(id=new_id_given or new_id(), garage_id=actor.garage_id, created_by_id=actor.user_id, version=1,
                    category=category, description=description, amount=amount, spent_on=data.spent_on,
                    site_id=site_id, recurring=bool(data.recurring), ends_on=ends)
        session.add(e)
        action = "create"
    else:
        e = await _own(session, actor, expense_id, for_update=True)
        if expected_version is not None and e.version != expected_version:
            raise DomainError(ErrorCode.CONFLICT, "expectedVersion")
        e.category, e.description, e.amount, e.spent_on = category, description, amount, data.spent_on
        e.site_id, e.recurring, e.ends_on = site_id, bool(data.recurring), ends
        e.version += 1
        action = "update"
    await session.flush()
    audit.record(session, actor, "Expense", e.id, action,
                 {"category": category.value, "amount": amount, "spent_on": data.spent_on.isoformat(),
                  "recurring": bool(data.recurring)})
    return e


async def _own(session: AsyncSession, actor: Actor, expense_id: object, *, for_update: bool = False) -> Expense:
    eid = v.parse_id(expense_id, "id")
    query = select(Expense).where(Expense.id == eid, Expense.garage_id == actor.garage_id)
    e = (await session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()
    if e is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return e


async def find_expense(session: AsyncSession, actor: Actor, expense_id: object) -> Expense | None:
    _require(actor)
    eid = v.try_parse_id(expense_id)
    if eid is None:
        return None
    return (await session.execute(select(Expense).where(Expense.id == eid, Expense.garage_id == actor.garage_id))
            ).scalar_one_or_none()


async def delete_expense(session: AsyncSession, actor: Actor, expense_id: object) -> uuid.UUID:
    _require(actor)
    e = await _own(session, actor, expense_id, for_update=True)
    await session.delete(e)
    audit.record(session, actor, "Expense", e.id, "delete", {"amount": e.amount})
    await session.flush()
    return e.id


async def set_opening(session: AsyncSession, actor: Actor, month: object, amount: object) -> CashOpening:
    """The cash at the start of a month (any day of it); may be negative (an overdraft)."""
    _require(actor)
    errors = Collector()
    if not isinstance(month, dt.date):
        errors.add(ErrorCode.REQUIRED, "month")
    if isinstance(amount, bool) or not isinstance(amount, int) or abs(amount) > MAX_AMOUNT:
        errors.add(ErrorCode.INVALID_VALUE, "amount")
    errors.raise_if_any()
    first = month.replace(day=1)
    row = (await session.execute(select(CashOpening).where(
        CashOpening.garage_id == actor.garage_id, CashOpening.month == first).with_for_update())).scalar_one_or_none()
    before = row.amount if row else None
    if row is None:
        row = CashOpening(garage_id=actor.garage_id, month=first, amount=amount)
        session.add(row)
    row.amount, row.updated_at, row.updated_by_id = amount, utcnow(), actor.user_id
    await session.flush()
    audit.record(session, actor, "CashOpening", actor.garage_id, "set",
                 {"month": first.isoformat(), "amount": {"before": before, "after": amount}})
    return row


# ------------------------------------------------------------------------------------------------ the month


@dataclasses.dataclass
class CashMonth:
    month: dt.date
    as_of: dt.date
    currency: str
    opening_balance: int | None  # None: not set for the month (counted as 0)
    received: int
    expected_incoming: int
    expected_invoices: int
    expenses: list[tuple[Expense, dt.date]]
    expenses_total: int
    supplier_deliveries: int
    projected: int


async def cash_month(session: AsyncSession, actor: Actor, *, as_of: dt.date | None = None,
                     site: object | None = None) -> CashMonth:
    """The month holding `as_of`: six statements whatever the number of invoices, payments or expenses."""
    from backend.inventory.models import Warehouse
    from backend.purchasing.models import PurchaseOrder, PurchaseReceipt

    scope = await _scope(session, actor, site, as_of)
    first, last = scope.today.replace(day=1), month_end(scope.today)
    opening = (await session.execute(select(CashOpening.amount).where(
        CashOpening.garage_id == scope.garage_id, CashOpening.month == first))).scalar_one_or_none()
    paid = select(func.coalesce(func.sum(Payment.amount), 0)).join(Invoice, Invoice.id == Payment.invoice_id).where(
        Payment.garage_id == scope.garage_id, Payment.paid_on >= first, Payment.paid_on <= scope.today)
    if scope.site_id is not None:
        paid = paid.where(Invoice.site_id == scope.site_id)
    received = int((await session.execute(paid)).scalar_one() or 0)
    due = _due()
    n, incoming = (await session.execute(select(func.count(), func.coalesce(func.sum(Invoice.balance_due), 0))
                                         .where(*_owing(scope), due >= scope.today, due <= last))).one()
    expenses = await month_expenses(session, scope, first)
    tz = scope.tz
    start = dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    delivered = select(func.coalesce(func.sum(PurchaseReceipt.quantity * PurchaseReceipt.unit_cost), 0)).where(
        PurchaseReceipt.garage_id == scope.garage_id, PurchaseReceipt.created_at >= start,
        PurchaseReceipt.created_at < end)
    if scope.site_id is not None:  # a site's: the orders delivered to its own warehouse (not the central one)
        delivered = delivered.where(PurchaseReceipt.order_id.in_(
            select(PurchaseOrder.id).join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id).where(
                PurchaseOrder.garage_id == scope.garage_id, Warehouse.garage_id == scope.garage_id,
                Warehouse.site_id == scope.site_id)))
    receipts = int((await session.execute(delivered)).scalar_one() or 0)
    spent = sum(e.amount for e, _ in expenses)
    projected = (opening or 0) + received + int(incoming or 0) - spent - receipts
    return CashMonth(month=first, as_of=scope.today, currency=scope.currency, opening_balance=opening,
                     received=received, expected_incoming=int(incoming or 0), expected_invoices=int(n),
                     expenses=expenses, expenses_total=spent, supplier_deliveries=receipts, projected=projected)

