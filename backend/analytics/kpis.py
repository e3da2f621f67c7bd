"""The owner's KPIs from the facts (backend.analytics.facts), by garage, site, technician or service advisor, for a
period of local dates in the garage's time zone, against the previous period and the same period a year before.

Each KPI is a ratio of two sums over the facts of the period (DEFINITIONS: its formula and a one-line explanation,
in en and th). Which facts:
- efficiency = billed hours / clocked hours, both of the jobs invoiced in the period (a job's clocked time is every
  technician's on it, attributed with its billed hours to the job's technician);
- productivity = clocked hours / available hours: hours clocked on jobs on the days of the period / hours the
  technicians were scheduled to work (backend.workforce.service.available_seconds: shifts minus breaks and leave,
  plus overtime); a site's technicians are those whose home site it is;
- proficiency = billed hours of the jobs invoiced / available hours;
- effective labour rate = labour sales / billed hours; ARO = sales (labour + parts + other, net of tax and credit
  notes) / invoiced jobs; hours per RO = billed hours / invoiced jobs; car count = distinct vehicles invoiced;
- parts GP % = (parts sales - parts cost) / parts sales; labour GP % = (labour sales - labour cost) / labour sales,
  labour cost being clocked hours x the technician's hourly cost;
- quote closing = approved value / presented value of the quotes sent in the period, and by count (quotes with an
  approved line / quotes sent);
- inspection rate = invoiced jobs with an inspection / invoiced jobs;
- comeback rate = invoiced jobs that came back (another job for the same vehicle and stream opened within 30 days
  of the invoice) / invoiced jobs, counted on the original job (its technician's);
- retention = customers served in the 12 months before the last 12 (up to the period's end) who were served again
  in the last 12 / customers served then; by site, technician or advisor: of those they served.

An imported repair order (the service history of another system) has billed hours and amounts where its file gave
them and nothing else: it counts in the jobs, car count, sales, average repair order (when it has an amount), hours
per repair order (when it has hours) and effective labour rate (when it has both), never in efficiency,
productivity, proficiency, the gross profits, inspection or comeback rates; each row says how many of its jobs were
imported.

An advisor has no clocked or available hours (productivity and proficiency are None for them); a ratio whose
denominator is zero is None. The statement count does not grow with the number of jobs, sites or technicians.
"""

from __future__ import annotations

import bisect
import calendar
import dataclasses
import datetime as dt
import enum
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.accounts.models import Site, User
from backend.analytics.models import ClockDay, CustomerVisit, Goal, JobFact, QuoteFact
from backend.core.actor import Actor
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.i18n import N_
from backend.core.permissions import Permission, Role
from backend.core.validate import parse_id

MAX_DAYS = 3 * 366 + 1


class Group(enum.Enum):
    GARAGE = "GARAGE"
    SITE = "SITE"
    TECHNICIAN = "TECHNICIAN"
    ADVISOR = "ADVISOR"


class PeriodKind(enum.Enum):
    DAY = "DAY"
    WEEK = "WEEK"  # ISO: Monday to Sunday
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    CUSTOM = "CUSTOM"


class GoalScope(enum.Enum):
    SITE = "SITE"
    TECHNICIAN = "TECHNICIAN"


class Unit(enum.Enum):
    RATIO = "RATIO"  # 0.85 is 85 %
    MONEY = "MONEY"  # minor units of the garage's currency
    MONEY_PER_HOUR = "MONEY_PER_HOUR"
    HOURS = "HOURS"
    COUNT = "COUNT"


class Kpi(enum.Enum):
    EFFICIENCY = "EFFICIENCY"
    PRODUCTIVITY = "PRODUCTIVITY"
    PROFICIENCY = "PROFICIENCY"
    EFFECTIVE_LABOUR_RATE = "EFFECTIVE_LABOUR_RATE"
    AVERAGE_REPAIR_ORDER = "AVERAGE_REPAIR_ORDER"
    HOURS_PER_REPAIR_ORDER = "HOURS_PER_REPAIR_ORDER"
    CAR_COUNT = "CAR_COUNT"
    PARTS_GROSS_PROFIT = "PARTS_GROSS_PROFIT"
    LABOUR_GROSS_PROFIT = "LABOUR_GROSS_PROFIT"
    QUOTE_CLOSING_VALUE = "QUOTE_CLOSING_VALUE"
    QUOTE_CLOSING_COUNT = "QUOTE_CLOSING_COUNT"
    INSPECTION_RATE = "INSPECTION_RATE"
    COMEBACK_RATE = "COMEBACK_RATE"
    RETENTION = "RETENTION"
    SALES = "SALES"
    INVOICED_JOBS = "INVOICED_JOBS"


@dataclasses.dataclass(frozen=True)
class Definition:
    kpi: Kpi
    unit: Unit
    name: str
    formula: str
    explanation: str
    higher_is_better: bool = True


DEFINITIONS: dict[Kpi, Definition] = {d.kpi: d for d in (
    Definition(Kpi.EFFICIENCY, Unit.RATIO, N_("Efficiency"), N_("billed hours ÷ clocked hours"),
               N_("How much billable work a technician turns out for each hour clocked on jobs.")),
    Definition(Kpi.PRODUCTIVITY, Unit.RATIO, N_("Productivity"), N_("clocked hours ÷ available hours"),
               N_("How much of the time technicians were scheduled to work was spent clocked on jobs.")),
    Definition(Kpi.PROFICIENCY, Unit.RATIO, N_("Proficiency"), N_("billed hours ÷ available hours"),
               N_("Billable work turned out for each hour technicians were scheduled to work.")),
    Definition(Kpi.EFFECTIVE_LABOUR_RATE, Unit.MONEY_PER_HOUR, N_("Effective labour rate"),
               N_("labour sales ÷ billed hours"), N_("What an hour of billed labour actually brings in.")),
    Definition(Kpi.AVERAGE_REPAIR_ORDER, Unit.MONEY, N_("Average repair order"), N_("sales ÷ invoiced jobs"),
               N_("What an invoiced job brings in on average, before tax.")),
    Definition(Kpi.HOURS_PER_REPAIR_ORDER, Unit.HOURS, N_("Hours per repair order"),
               N_("billed hours ÷ invoiced jobs"), N_("Labour hours billed on an invoiced job on average.")),
    Definition(Kpi.CAR_COUNT, Unit.COUNT, N_("Car count"), N_("distinct vehicles invoiced"),
               N_("How many different vehicles were invoiced.")),
    Definition(Kpi.PARTS_GROSS_PROFIT, Unit.RATIO, N_("Parts gross profit"),
               N_("(parts sales − parts cost) ÷ parts sales"), N_("The share of parts sales kept after their cost.")),
    Definition(Kpi.LABOUR_GROSS_PROFIT, Unit.RATIO, N_("Labour gross profit"),
               N_("(labour sales − labour cost) ÷ labour sales"),
               N_("The share of labour sales kept after the technicians' cost of the clocked hours.")),
    Definition(Kpi.QUOTE_CLOSING_VALUE, Unit.RATIO, N_("Quote closing ratio (value)"),
               N_("approved value ÷ presented value"),
               N_("How much of the value of the quotes sent the customers approved.")),
    Definition(Kpi.QUOTE_CLOSING_COUNT, Unit.RATIO, N_("Quote closing ratio (count)"),
               N_("quotes with an approved line ÷ quotes sent"),
               N_("How many of the quotes sent the customers approved at least in part.")),
    Definition(Kpi.INSPECTION_RATE, Unit.RATIO, N_("Inspection rate"),
               N_("invoiced jobs with an inspection ÷ invoiced jobs"),
               N_("How many jobs had a vehicle inspection.")),
    Definition(Kpi.COMEBACK_RATE, Unit.RATIO, N_("Comeback rate"),
               N_("jobs back within 30 days for the same vehicle and stream ÷ invoiced jobs"),
               N_("How often a vehicle came back for the same kind of work within 30 days."),
               higher_is_better=False),
    Definition(Kpi.RETENTION, Unit.RATIO, N_("Customer retention"),
               N_("customers served 12–24 months ago who came back in the last 12 months ÷ customers served then"),
               N_("How many customers of the year before came back in the past year.")),
    Definition(Kpi.SALES, Unit.MONEY, N_("Sales"), N_("labour + parts + other sales, before tax, less credit notes"),
               N_("What the invoiced jobs brought in, before tax.")),
    Definition(Kpi.INVOICED_JOBS, Unit.COUNT, N_("Invoiced jobs"), N_("jobs with an issued invoice"),
               N_("How many repair orders were invoiced.")),
)}


# ------------------------------------------------------------------------------------------------ periods


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def resolve_period(kind: PeriodKind, date: dt.date | None, date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> Period:
    errors = Collector()
    if kind is PeriodKind.CUSTOM:
        if date_from is None:
            errors.add(ErrorCode.REQUIRED, "period.from")
        if date_to is None:
            errors.add(ErrorCode.REQUIRED, "period.to")
        errors.raise_if_any()
        if date_to < date_from:
            raise DomainError(ErrorCode.INVALID_PERIOD, "period.to")
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise DomainError(ErrorCode.PERIOD_TOO_LONG, "period.to", days=MAX_DAYS)
        return Period(date_from, date_to)
    if date is None:
        raise DomainError(ErrorCode.REQUIRED, "period.date")
    if kind is PeriodKind.DAY:
        return Period(date, date)
    if kind is PeriodKind.WEEK:
        start = date - dt.timedelta(days=date.weekday())
        return Period(start, start + dt.timedelta(days=6))
    if kind is PeriodKind.MONTH:
        return Period(date.replace(day=1), _month_end(date))
    if kind is PeriodKind.QUARTER:
        start = dt.date(date.year, 3 * ((date.month - 1) // 3) + 1, 1)
        return Period(start, _month_end(_add_months(start, 2)))
    return Period(dt.date(date.year, 1, 1), dt.date(date.year, 12, 31))


def previous_period(kind: PeriodKind, p: Period) -> Period:
    if kind in (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.CUSTOM):
        return Period(p.start - dt.timedelta(days=p.days), p.start - dt.timedelta(days=1))
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    start = _add_months(p.start, -months)
    return Period(start, p.start - dt.timedelta(days=1))


def _year_before(d: dt.date) -> dt.date:
    return _add_months(d, -12)


def last_year_period(kind: PeriodKind, p: Period) -> Period:
    if kind is PeriodKind.WEEK:  # the same ISO week of the year before
        iso = p.start.isocalendar()
        try:
            start = dt.date.fromisocalendar(iso.year - 1, iso.week, 1)
        except ValueError:  # week 53 in a year that has none: its week 52
            start = dt.date.fromisocalendar(iso.year - 1, 52, 1)
        return Period(start, start + dt.timedelta(days=6))
    start = _year_before(p.start)
    end = _month_end(_year_before(p.end)) if p.end == _month_end(p.end) else _year_before(p.end)
    return Period(start, end)


def utc_range(p: Period, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(p.start, dt.time(), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(p.end + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    return start, end


# ------------------------------------------------------------------------------------------------ scope


@dataclasses.dataclass
class Scope:
    garage_id: uuid.UUID
    tz: dt.tzinfo
    currency: str
    site_ids: list[uuid.UUID] | None  # None: every site
    technician_id: uuid.UUID | None = None


def _require(actor: Actor) -> None:
    if not actor.can(Permission.ANALYTICS_READ):  # the API checks first; this guards direct callers
        raise PermissionError("analytics need ANALYTICS_READ")


async def scope_of(session: AsyncSession, actor: Actor, site: object | None = None,
                   technician: object | None = None) -> Scope:
    """The garage (its zone and currency) and the sites the actor may see: every site with ANALYTICS_ALL_SITES,
    else the actor's home site only. One statement."""
    from backend.accounts.models import Garage
    from backend.analytics.facts import zone

    _require(actor)
    site_id = parse_id(site, "siteId") if site is not None else None
    tech_id = parse_id(technician, "technicianId") if technician is not None else None
    query = select(Garage.time_zone, Garage.currency).where(Garage.id == actor.garage_id)
    query = query.add_columns(
        select(User.home_site_id).where(User.id == actor.user_id, User.garage_id == actor.garage_id)
        .scalar_subquery() if actor.user_id else literal(None))
    query = query.add_columns(
        select(Site.id).where(Site.id == site_id, Site.garage_id == actor.garage_id).scalar_subquery()
        if site_id else literal(None))
    query = query.add_columns(
        select(User.id).where(User.id == tech_id, User.garage_id == actor.garage_id).scalar_subquery()
        if tech_id else literal(None))
    row = (await session.execute(query)).one()
    tz_name, currency, home_site, found_site, found_tech = row
    if site_id is not None and found_site is None:
        raise DomainError(ErrorCode.NOT_FOUND, "siteId")
    if tech_id is not None and found_tech is None:
        raise DomainError(ErrorCode.NOT_FOUND, "technicianId")
    if actor.can(Permission.ANALYTICS_ALL_SITES):
        sites = [site_id] if site_id else None
    else:
        if home_site is None or (site_id is not None and site_id != home_site):
            raise DomainError(ErrorCode.NOT_FOUND, "siteId")  # not one of the actor's sites
        sites = [home_site]
    return Scope(actor.garage_id, zone(tz_name), currency, sites, tech_id)


# ------------------------------------------------------------------------------------------------ aggregates


def _dim(model, group: Group):
    column = {Group.SITE: "site_id", Group.TECHNICIAN: "technician_id", Group.ADVISOR: "advisor_id"}.get(group)
    if column is None or not hasattr(model, column):
        return None
    return getattr(model, column)


def _filtered(query, model, scope: Scope, periods: list[Period]):
    """Rows of the periods (which do not overlap), labelled with the period's index as column `pk`."""
    query = query.where(model.garage_id == scope.garage_id,
                        or_(*[and_(model.day >= p.start, model.day <= p.end) for p in periods]))
    if scope.site_ids is not None:
        query = query.where(model.site_id.in_(scope.site_ids))
    if scope.technician_id is not None and hasattr(model, "technician_id"):
        query = query.where(model.technician_id == scope.technician_id)
    return query


def _label(model, periods: list[Period]):
    return case(*[(and_(model.day >= p.start, model.day <= p.end), i) for i, p in enumerate(periods)], else_=-1)


def _bool_sum(column):
    return func.sum(case((column, 1), else_=0))


def _grouped(model, group: Group, periods: list[Period], *columns):
    """SELECT key, period index, columns... grouped by both: one statement for every period."""
    dim = _dim(model, group)
    key = dim if dim is not None else literal(None)
    label = _label(model, periods)
    query = select(key, label, *columns)
    return query.group_by(*([dim] if dim is not None else []), label)


# The job sums and what each counts. An imported repair order (imported=True: the service history of another system)
# has billed hours and sales amounts where its file gave them, and no clocked time, costs, inspection or comeback:
# it counts only in the figures whose inputs it has (the *_native sums leave it out; a zero stands for "not given").
JOB_SUMS = ("jobs", "vehicles", "billed", "clocked_jobs", "labour", "parts", "other", "parts_cost", "labour_cost",
            "inspected", "came_back", "imported", "native_jobs", "native_billed", "native_labour", "native_parts",
            "rate_labour", "rate_billed", "hour_jobs", "sale_jobs")


def _job_columns(f):
    native = f.imported.is_(False)
    sales = f.labour_sales + f.parts_sales + f.other_sales
    rated = or_(native, and_(f.billed_seconds > 0, f.labour_sales != 0))  # both a labour amount and hours

    def when(condition, value):
        return func.sum(case((condition, value), else_=0))

    return (func.count(), func.count(func.distinct(f.vehicle_id)), func.sum(f.billed_seconds),
            func.sum(f.clocked_seconds), func.sum(f.labour_sales), func.sum(f.parts_sales), func.sum(f.other_sales),
            func.sum(f.parts_cost), func.sum(f.labour_cost), _bool_sum(f.has_inspection), _bool_sum(f.came_back),
            _bool_sum(f.imported), when(native, 1), when(native, f.billed_seconds), when(native, f.labour_sales),
            when(native, f.parts_sales), when(rated, f.labour_sales), when(rated, f.billed_seconds),
            when(or_(native, f.billed_seconds > 0), 1), when(or_(native, sales != 0), 1))


async def _job_sums(session, scope: Scope, group: Group, periods: list[Period]) -> list[dict]:
    f = JobFact
    query = _filtered(_grouped(f, group, periods, *_job_columns(f)), f, scope, periods)
    out: list[dict] = [{} for _ in periods]
    for row in (await session.execute(query)).all():
        if row[1] >= 0:
            out[row[1]][row[0]] = {n: int(v or 0) for n, v in zip(JOB_SUMS, row[2:])}
    return out


async def _clock_sums(session, scope: Scope, group: Group, periods: list[Period]) -> list[dict]:
    out: list[dict] = [{} for _ in periods]
    if group is Group.ADVISOR:
        return out
    c = ClockDay
    query = _filtered(_grouped(c, group, periods, func.sum(c.clocked_seconds)), c, scope, periods)
    for key, i, v in (await session.execute(query)).all():
        if i >= 0:
            out[i][key] = int(v or 0)
    return out


async def _quote_sums(session, scope: Scope, group: Group, periods: list[Period]) -> list[dict]:
    q = QuoteFact
    query = _filtered(_grouped(q, group, periods, func.count(), _bool_sum(q.any_approved), func.sum(q.presented),
                               func.sum(q.approved)), q, scope, periods)
    out: list[dict] = [{} for _ in periods]
    for k_, i, n, a, pv, av in (await session.execute(query)).all():
        if i >= 0:
            out[i][k_] = {"quotes": int(n or 0), "quotes_approved": int(a or 0), "presented": int(pv or 0),
                          "approved": int(av or 0)}
    return out


_NEXT_OF = {"site": "next_site_day", "technician": "next_technician_day", "advisor": "next_advisor_day"}


async def _retention(session, scope: Scope, group: Group, p: Period) -> dict:
    """Customers served in the 12 months before the last 12 (by the group's key, within the scope) and, of them,
    those served again (anywhere in the garage) in the last 12: one statement over the visits of the earlier 12
    months (backend.analytics.models.CustomerVisit). A customer's last visit of that window is the one whose next
    visit - garage-wide, or at the same site, technician or advisor when only that one is asked for - is past the
    window: counted once without a DISTINCT; the customer came back when their next visit garage-wide after the
    window falls by the period's end."""
    v = CustomerVisit
    recent_from = _add_months(p.end, -12) + dt.timedelta(days=1)
    old_from = _add_months(p.end, -24) + dt.timedelta(days=1)
    old_to = recent_from - dt.timedelta(days=1)
    dim = _dim(v, group)
    dims = {group.value.lower()} if dim is not None else set()
    many_sites = scope.site_ids is not None and len(scope.site_ids) > 1 and group is not Group.SITE
    if scope.site_ids is not None:
        dims.add("site")
    if scope.technician_id is not None:
        dims.add("technician")
    window = [v.garage_id == scope.garage_id, v.day >= old_from, v.day <= old_to]
    if scope.site_ids is not None:
        window.append(v.site_id.in_(scope.site_ids))
    if scope.technician_id is not None:
        window.append(v.technician_id == scope.technician_id)
    back = and_(v.next_day > old_to, v.next_day <= p.end)  # on the customer's last visit of the window
    key = dim if dim is not None else literal(None)
    if not dims:
        query = select(key, func.count(), func.sum(case((back, 1), else_=0))).where(
            *window, or_(v.next_day.is_(None), v.next_day > old_to))
    else:
        # who came back: each customer once, from their garage-wide last visit of the window
        last = aliased(CustomerVisit)
        returned = select(last.customer_id).where(
            last.garage_id == scope.garage_id, last.day >= old_from, last.day <= old_to, last.next_day > old_to,
            last.next_day <= p.end)
        if len(dims) == 1 and not many_sites:
            nxt = getattr(v, _NEXT_OF[next(iter(dims))])
            query = select(key, func.count(), func.sum(case((v.customer_id.in_(returned), 1), else_=0))).where(
                *window, or_(nxt.is_(None), nxt > old_to))
            if dim is not None:
                query = query.group_by(dim)
        else:  # two dimensions at once (a technician's visits at one site): the pairs made distinct
            served = select(key.label("k"), v.customer_id.label("c")).where(*window).distinct().subquery()
            query = select(served.c.k, func.count(), func.sum(case((served.c.c.in_(returned), 1), else_=0))
                           ).group_by(served.c.k)
    return {k_: {"served": int(n or 0), "returned": int(r or 0)}
            for k_, n, r in (await session.execute(query)).all() if n}


# Working out shifts is Python work per technician and day (backend.workforce): ~0.3 s a month for 50
# technicians. A dashboard asks the same months again and again, so each process keeps an answer WORKING_TTL
# seconds: a shift or leave entered since shows in productivity within that time.
WORKING_TTL = 120.0
_working_cache: dict = {}


async def _working(session, garage_id, ids, lo, hi, working_intervals) -> dict:
    import time

    key = (garage_id, tuple(sorted(ids)), lo, hi)
    now = time.monotonic()
    hit = _working_cache.get(key)
    if hit is not None and now - hit[0] < WORKING_TTL:
        return hit[1]
    found = await working_intervals(session, garage_id, ids, lo, hi)
    if len(_working_cache) > 512:
        _working_cache.clear()
    _working_cache[key] = (now, found)
    return found


async def _available(session, scope: Scope, group: Group, periods: list[Period], technicians: dict,
                     ) -> list[dict]:
    """Available seconds by the group's key (per technician, per home site, or the garage), per period: the
    scheduled intervals read once for the span of the periods, then clipped to each."""
    out: list[dict] = [{} for _ in periods]
    if group is Group.ADVISOR:
        return out
    from backend.workforce.service import working_intervals

    ids = [t for t, site in technicians.items() if scope.site_ids is None or site in scope.site_ids]
    if scope.technician_id is not None:
        ids = [t for t in ids if t == scope.technician_id]
    if not ids:
        return out
    ranges = [utc_range(p, scope.tz) for p in periods]
    span = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    # one read for the whole span, unless the periods are far apart (a month and the same month a year before:
    # the shifts of the year between would be worked out for nothing)
    wanted = sum((hi - lo for lo, hi in ranges), dt.timedelta())
    parts = [span] if (span[1] - span[0]) <= wanted * 1.5 else ranges
    found: dict = {}
    for lo, hi in parts:
        for tech, intervals in (await _working(session, scope.garage_id, ids, lo, hi, working_intervals)).items():
            found.setdefault(tech, []).extend(intervals)
    if len(parts) > 1:  # overlapping periods read apart: each interval once
        from backend.workforce.intervals import merge

        found = {tech: merge(intervals) for tech, intervals in found.items()}
    order = sorted(range(len(ranges)), key=lambda i: ranges[i][0])
    starts = [ranges[i][0] for i in order]
    disjoint = _disjoint(periods)  # else every period is tried (a long one may reach past a later start)
    for tech, intervals in found.items():
        k_ = tech if group is Group.TECHNICIAN else technicians.get(tech) if group is Group.SITE else None
        seconds = [0.0] * len(ranges)
        for s_, e in intervals:  # each interval against the periods it can touch (sorted by start)
            j = max(0, bisect.bisect_right(starts, s_) - 1) if disjoint else 0
            while j < len(order) and starts[j] < e:
                lo, hi = ranges[order[j]]
                if hi > s_:
                    seconds[order[j]] += max(0.0, (min(e, hi) - max(s_, lo)).total_seconds())
                j += 1
        for i, value in enumerate(seconds):
            out[i][k_] = out[i].get(k_, 0) + int(value)
    return out


@dataclasses.dataclass
class Sums:
    jobs: dict
    clock: dict
    quotes: dict
    retention: dict
    available: dict

    def keys(self) -> set:
        return set(self.jobs) | set(self.clock) | set(self.quotes) | set(self.available) | set(self.retention)

    def of(self, key) -> dict:
        out = {n: 0 for n in JOB_SUMS + ("quotes", "quotes_approved", "presented", "approved", "served",
                                         "returned")}
        out.update(self.jobs.get(key, {}))
        out.update(self.quotes.get(key, {}))
        out.update(self.retention.get(key, {}))
        out["clocked_days"] = self.clock.get(key, 0)
        out["available"] = self.available.get(key)
        return out


async def technicians_of(session, garage_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    return {u: s for u, s in (await session.execute(
        select(User.id, User.home_site_id).where(User.garage_id == garage_id, User.role == Role.TECHNICIAN,
                                                 User.active.is_(True)))).all()}


def _disjoint(periods: list[Period]) -> bool:
    ordered = sorted(periods, key=lambda p: p.start)
    return all(a.end < b.start for a, b in zip(ordered, ordered[1:]))


async def sums_of(session, scope: Scope, group: Group, periods: list[Period], technicians: dict, *,
                  retention_for: set[int] | None = None) -> list[Sums]:
    """The sums of each period: one statement per fact table for all of them (periods that overlap, as a long
    custom period's previous one and a year before, are read one after the other). Retention only for the
    periods in `retention_for` (all when None)."""
    unique = list(dict.fromkeys(periods))
    if _disjoint(unique):
        jobs = await _job_sums(session, scope, group, unique)
        clock = await _clock_sums(session, scope, group, unique)
        quotes = await _quote_sums(session, scope, group, unique)
    else:
        jobs, clock, quotes = [], [], []
        for p in unique:
            jobs += await _job_sums(session, scope, group, [p])
            clock += await _clock_sums(session, scope, group, [p])
            quotes += await _quote_sums(session, scope, group, [p])
    available = await _available(session, scope, group, unique, technicians)
    by_period = {}
    for i, p in enumerate(unique):
        by_period[p] = (jobs[i], clock[i], quotes[i], available[i])
    out = []
    for i, p in enumerate(periods):
        j, c, q, a = by_period[p]
        keep = retention_for is None or i in retention_for
        out.append(Sums(jobs=j, clock=c, quotes=q, available=a,
                        retention=await _retention(session, scope, group, p) if keep else {}))
    return out


async def sums(session, scope: Scope, group: Group, p: Period, technicians: dict) -> Sums:
    return (await sums_of(session, scope, group, [p], technicians))[0]


# ------------------------------------------------------------------------------------------------ values


@dataclasses.dataclass
class Figure:
    value: Decimal | None
    numerator: Decimal
    denominator: Decimal | None


def _ratio(n, d, places: str = "0.0001") -> Decimal | None:
    if not d:
        return None
    return (Decimal(n) / Decimal(d)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _hours(seconds) -> Decimal:
    return Decimal(seconds) / Decimal(3600)


def figure(kpi: Kpi, s: dict, advisor: bool = False) -> Figure:
    """One KPI from the sums of one group key (numerator and denominator as a person reads them: hours, money)."""
    billed, clocked_jobs, available = _hours(s["billed"]), _hours(s["clocked_jobs"]), s["available"]
    native_billed = _hours(s["native_billed"])  # imported repair orders have no clocked or scheduled time
    sales = s["labour"] + s["parts"] + s["other"]
    if kpi is Kpi.EFFICIENCY:
        return Figure(_ratio(native_billed, clocked_jobs), native_billed, clocked_jobs)
    if kpi in (Kpi.PRODUCTIVITY, Kpi.PROFICIENCY):
        if advisor or available is None:
            return Figure(None, Decimal(0), None)
        avail = _hours(available)
        num = _hours(s["clocked_days"]) if kpi is Kpi.PRODUCTIVITY else native_billed
        return Figure(_ratio(num, avail), num, avail)
    if kpi is Kpi.EFFECTIVE_LABOUR_RATE:
        rate_billed = _hours(s["rate_billed"])
        return Figure(_ratio(s["rate_labour"], rate_billed, "1"), Decimal(s["rate_labour"]), rate_billed)
    if kpi is Kpi.AVERAGE_REPAIR_ORDER:
        return Figure(_ratio(sales, s["sale_jobs"], "1"), Decimal(sales), Decimal(s["sale_jobs"]))
    if kpi is Kpi.HOURS_PER_REPAIR_ORDER:
        return Figure(_ratio(billed, s["hour_jobs"], "0.01"), billed, Decimal(s["hour_jobs"]))
    if kpi is Kpi.CAR_COUNT:
        return Figure(Decimal(s["vehicles"]), Decimal(s["vehicles"]), None)
    if kpi is Kpi.PARTS_GROSS_PROFIT:  # of the jobs with costs (not the imported ones)
        parts = s["native_parts"]
        return Figure(_ratio(parts - s["parts_cost"], parts), Decimal(parts - s["parts_cost"]), Decimal(parts))
    if kpi is Kpi.LABOUR_GROSS_PROFIT:
        labour = s["native_labour"]
        return Figure(_ratio(labour - s["labour_cost"], labour), Decimal(labour - s["labour_cost"]),
                      Decimal(labour))
    if kpi is Kpi.QUOTE_CLOSING_VALUE:
        return Figure(_ratio(s["approved"], s["presented"]), Decimal(s["approved"]), Decimal(s["presented"]))
    if kpi is Kpi.QUOTE_CLOSING_COUNT:
        return Figure(_ratio(s["quotes_approved"], s["quotes"]), Decimal(s["quotes_approved"]),
                      Decimal(s["quotes"]))
    if kpi is Kpi.INSPECTION_RATE:
        return Figure(_ratio(s["inspected"], s["native_jobs"]), Decimal(s["inspected"]), Decimal(s["native_jobs"]))
    if kpi is Kpi.COMEBACK_RATE:
        return Figure(_ratio(s["came_back"], s["native_jobs"]), Decimal(s["came_back"]), Decimal(s["native_jobs"]))
    if kpi is Kpi.RETENTION:
        return Figure(_ratio(s["returned"], s["served"]), Decimal(s["returned"]), Decimal(s["served"]))
    if kpi is Kpi.SALES:
        return Figure(Decimal(sales), Decimal(sales), None)
    return Figure(Decimal(s["jobs"]), Decimal(s["jobs"]), None)


def off_goal(kpi: Kpi, value: Decimal | None, target: Decimal) -> bool | None:
    """Whether a value misses its goal (None: nothing to judge). Lower is better for the comeback rate."""
    if value is None:
        return None
    return value > target if not DEFINITIONS[kpi].higher_is_better else value < target


# ------------------------------------------------------------------------------------------------ the report


@dataclasses.dataclass
class KpiValue:
    kpi: Kpi
    current: Figure
    previous: Figure
    last_year: Figure
    goal: Decimal | None
    off_goal: bool | None


@dataclasses.dataclass
class Row:
    key: uuid.UUID | None
    name: str | None
    jobs: int
    imported_jobs: int
    values: list[KpiValue]


@dataclasses.dataclass
class Report:
    group: Group
    kind: PeriodKind
    period: Period
    previous: Period
    last_year: Period
    currency: str
    rows: list[Row]


async def kpi_report(session: AsyncSession, actor: Actor, *, group: Group, kind: PeriodKind,
                     date: dt.date | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
                     site: object | None = None, technician: object | None = None,
                     kpis: list[Kpi] | None = None) -> Report:
    period = resolve_period(kind, date, date_from, date_to)
    scope = await scope_of(session, actor, site, technician)
    previous, last_year = previous_period(kind, period), last_year_period(kind, period)
    technicians = await technicians_of(session, scope.garage_id)
    # retention (a two-year look back) for the period itself; its comparisons are the other KPIs'
    wanted = kpis or list(Kpi)
    current, before, year_ago = await sums_of(session, scope, group, [period, previous, last_year], technicians,
                                              retention_for={0} if Kpi.RETENTION in wanted else set())
    keys = current.keys() | before.keys() | year_ago.keys()
    if group is Group.GARAGE:
        keys = {None}
    names = await _names(session, scope.garage_id, group, keys)
    goals = await _goals(session, scope.garage_id, group, period, kind, keys)
    rows = []
    for key in sorted(keys, key=lambda k: (k is None, names.get(k) or "", str(k))):
        c, b, y = current.of(key), before.of(key), year_ago.of(key)
        advisor = group is Group.ADVISOR
        values = []
        for kpi in wanted:
            fc = figure(kpi, c, advisor)
            target = goals.get((kpi.value, key))
            values.append(KpiValue(kpi, fc, figure(kpi, b, advisor), figure(kpi, y, advisor), target,
                                   off_goal(kpi, fc.value, target) if target is not None else None))
        rows.append(Row(key, names.get(key), c["jobs"], c["imported"], values))
    return Report(group, kind, period, previous, last_year, scope.currency, rows)


async def _names(session, garage_id, group: Group, keys) -> dict:
    ids = [k for k in keys if k is not None]  # read even when empty: the same statements for any month
    if group is Group.GARAGE:
        return {}
    model = Site if group is Group.SITE else User
    return dict((await session.execute(select(model.id, model.name).where(model.garage_id == garage_id,
                                                                          model.id.in_(ids)))).all())


async def _goals(session, garage_id, group: Group, p: Period, kind: PeriodKind, keys) -> dict:
    """Goals are monthly, per site or technician: shown against a month's figures."""
    if kind is not PeriodKind.MONTH or group not in (Group.SITE, Group.TECHNICIAN):
        return {}
    ids = [k for k in keys if k is not None]
    rows = (await session.execute(select(Goal.kpi, Goal.subject_id, Goal.target).where(
        Goal.garage_id == garage_id, Goal.month == p.start, Goal.scope == group.value,
        Goal.subject_id.in_(ids)))).all()
    return {(k, s): t for k, s, t in rows}


def definition_of(kpi: Kpi) -> Definition:
    return DEFINITIONS[kpi]


MAX_TREND_MONTHS = 36


async def kpi_trend(session: AsyncSession, actor: Actor, *, end_month: dt.date, months: int = 12,
                    site: object | None = None, technician: object | None = None,
                    kpis: list[Kpi] | None = None) -> list[tuple[dt.date, list[KpiValue]]]:
    """Month by month up to the month holding `end_month`; each month against the one before and a year before
    (the statements grow with the months asked, never with the jobs)."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_TREND_MONTHS:
        raise DomainError(ErrorCode.INVALID_VALUE, "months")
    scope = await scope_of(session, actor, site, technician)
    group = Group.TECHNICIAN if scope.technician_id else Group.SITE if site is not None else Group.GARAGE
    key = scope.technician_id if scope.technician_id else scope.site_ids[0] if site is not None else None
    technicians = await technicians_of(session, scope.garage_id)
    first = _add_months(end_month.replace(day=1), -(months - 1))
    span = Period(_add_months(first, -12), _month_end(end_month))
    wanted = kpis or list(Kpi)
    by_month = await _monthly_sums(session, scope, group, span, technicians,
                                   first if Kpi.RETENTION in wanted else dt.date.max)
    out = []
    for i in range(months):
        m = _add_months(first, i)
        c = by_month[m].of(key)
        b = by_month[_add_months(m, -1)].of(key)
        y = by_month[_add_months(m, -12)].of(key)
        out.append((m, [KpiValue(kpi, figure(kpi, c), figure(kpi, b), figure(kpi, y), None, None)
                        for kpi in wanted]))
    return out


async def _monthly_sums(session, scope: Scope, group: Group, span: Period, technicians: dict,
                        shown_from: dt.date) -> dict:
    """Sums per month of `span` (whole months) in one statement per fact table; retention for the months shown."""
    months = []
    m = span.start.replace(day=1)
    while m <= span.end:
        months.append(Period(m, _month_end(m)))
        m = _add_months(m, 1)
    shown = {i for i, p in enumerate(months) if p.start >= shown_from}
    found = await sums_of(session, scope, group, months, technicians, retention_for=shown)
    return {p.start: s for p, s in zip(months, found)}
