"""The month's sales forecast, each method with its working shown.

As of a local day D of a month (today in the garage's time zone by default; D itself counts as elapsed):
- run rate: month-to-date sales (the KPI facts' sales: labour + parts + other, before tax, less credit notes, of the
  jobs invoiced from the 1st to D) + their daily average x the days left after D;
- bookings: month-to-date sales + the technician hours booked after D to the month's end (the scheduling
  allocations of appointments still REQUESTED or CONFIRMED) x the month-to-date effective labour rate (labour sales
  / billed hours). Parts the bookings may sell are not guessed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics import kpis as k
from backend.core.actor import Actor
from backend.core.i18n import N_

RUN_RATE_METHOD = N_("sales to date + their daily average × the days left in the month")
BOOKINGS_METHOD = N_("sales to date + technician hours booked for the rest of the month × effective labour rate")


@dataclasses.dataclass
class Forecast:
    month: dt.date
    as_of: dt.date
    days_elapsed: int
    days_in_month: int
    sales_to_date: int
    run_rate_forecast: int
    booked_hours: Decimal
    effective_labour_rate: int | None
    bookings_forecast: int | None


async def month_forecast(session: AsyncSession, actor: Actor, *, as_of: dt.date | None = None,
                         site: object | None = None) -> Forecast:
    from backend.scheduling.models import Allocation, Appointment, AppointmentStatus

    scope = await k.scope_of(session, actor, site)
    day = as_of or dt.datetime.now(dt.UTC).astimezone(scope.tz).date()
    period = k.Period(day.replace(day=1), day)
    month_end = k._month_end(day)
    s = (await k.sums_of(session, scope, k.Group.GARAGE, [period], {}, retention_for=set()))[0].of(None)
    sales = s["labour"] + s["parts"] + s["other"]
    elapsed, total = period.days, month_end.day
    run_rate = sales + int((Decimal(sales) / elapsed * (total - elapsed)).quantize(Decimal(1), ROUND_HALF_UP))
    start, _ = k.utc_range(k.Period(day + dt.timedelta(days=1), day + dt.timedelta(days=1)), scope.tz)
    _, end = k.utc_range(k.Period(month_end, month_end), scope.tz)
    query = (select(Allocation.starts_at, Allocation.ends_at)
             .join(Appointment, Appointment.id == Allocation.appointment_id)
             .where(Allocation.garage_id == scope.garage_id, Allocation.starts_at >= start,
                    Allocation.starts_at < end,
                    Appointment.status.in_((AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED))))
    if scope.site_ids is not None:
        query = query.where(Allocation.site_id.in_(scope.site_ids))
    seconds = sum(int((e - b).total_seconds()) for b, e in (await session.execute(query)).all())
    booked = (Decimal(seconds) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)
    elr = k.figure(k.Kpi.EFFECTIVE_LABOUR_RATE, s).value
    bookings = None if elr is None else sales + int((Decimal(seconds) / 3600 * elr).quantize(Decimal(1),
                                                                                             ROUND_HALF_UP))
    return Forecast(month=period.start, as_of=day, days_elapsed=elapsed, days_in_month=total, sales_to_date=sales,
                    run_rate_forecast=run_rate, booked_hours=booked,
                    effective_labour_rate=int(elr) if elr is not None else None, bookings_forecast=bookings)



# ------------------------------------------------------------------------------------------------ next three months

SEASONAL_METHOD = N_("the same month last year × the recent trend (the last three full months' sales ÷ the same "
                     "three months a year before)")
CAPACITY_METHOD = N_("available hours from the technicians' shifts (less breaks and leave) − hours booked for "
                     "appointments")


@dataclasses.dataclass
class MonthForecast:
    month: dt.date
    same_month_last_year: int
    forecast: int | None  # None: no sales a year before to start from


@dataclasses.dataclass
class Seasonal:
    as_of: dt.date
    recent_sales: int  # the last three full months
    recent_sales_year_before: int
    trend: Decimal | None  # recent / year before; None without sales a year before
    months: list[MonthForecast]


async def seasonal_forecast(session: AsyncSession, actor: Actor, *, as_of: dt.date | None = None,
                            site: object | None = None) -> Seasonal:
    """The three months after the one holding `as_of`: one statement over the facts for the seven months used."""
    scope = await k.scope_of(session, actor, site)
    day = as_of or dt.datetime.now(dt.UTC).astimezone(scope.tz).date()
    this = day.replace(day=1)
    recent = [k._add_months(this, -i) for i in (3, 2, 1)]
    targets = [k._add_months(this, i) for i in (1, 2, 3)]
    months = recent + [k._add_months(m, -12) for m in recent] + [k._add_months(m, -12) for m in targets]
    unique = sorted(set(months))
    periods = [k.Period(m, k._month_end(m)) for m in unique]
    sums = await k._job_sums(session, scope, k.Group.GARAGE, periods)
    sales = {}
    for m, s in zip(unique, sums):
        row = s.get(None, {})
        sales[m] = row.get("labour", 0) + row.get("parts", 0) + row.get("other", 0)
    now_sales = sum(sales[m] for m in recent)
    then_sales = sum(sales[k._add_months(m, -12)] for m in recent)
    trend = (Decimal(now_sales) / Decimal(then_sales)).quantize(Decimal("0.0001"), ROUND_HALF_UP) \
        if then_sales else None
    out = []
    for m in targets:
        base = sales[k._add_months(m, -12)]
        value = None
        if base and trend is not None:
            value = int((Decimal(base) * trend).quantize(Decimal(1), ROUND_HALF_UP))
        out.append(MonthForecast(month=m, same_month_last_year=base, forecast=value))
    return Seasonal(as_of=day, recent_sales=now_sales, recent_sales_year_before=then_sales, trend=trend,
                    months=out)


# ------------------------------------------------------------------------------------------------ capacity


@dataclasses.dataclass
class CapacityWeek:
    start: dt.date
    end: dt.date
    available_hours: Decimal
    booked_hours: Decimal

    @property
    def free_hours(self) -> Decimal:
        return self.available_hours - self.booked_hours

    @property
    def load(self) -> Decimal | None:
        if not self.available_hours:
            return None
        return (self.booked_hours / self.available_hours).quantize(Decimal("0.0001"), ROUND_HALF_UP)


CAPACITY_WEEKS = 4


async def capacity(session: AsyncSession, actor: Actor, *, as_of: dt.date | None = None,
                   site: object | None = None, technician: object | None = None) -> list[CapacityWeek]:
    """Four weeks of seven days from `as_of` (today by default): the technicians' available hours (their shifts,
    backend.workforce) against the hours of appointment allocations still REQUESTED or CONFIRMED. A site's
    technicians are those whose home site it is; its bookings, those made at the site."""
    from backend.scheduling.models import Allocation, Appointment, AppointmentStatus
    from backend.workforce.intervals import merge
    from backend.workforce.service import working_intervals

    scope = await k.scope_of(session, actor, site, technician)
    day = as_of or dt.datetime.now(dt.UTC).astimezone(scope.tz).date()
    weeks = [k.Period(day + dt.timedelta(days=7 * i), day + dt.timedelta(days=7 * i + 6))
             for i in range(CAPACITY_WEEKS)]
    ranges = [k.utc_range(p, scope.tz) for p in weeks]
    lo, hi = ranges[0][0], ranges[-1][1]
    technicians = await k.technicians_of(session, scope.garage_id)
    ids = [t for t, s in technicians.items() if scope.site_ids is None or s in scope.site_ids]
    if scope.technician_id is not None:
        ids = [t for t in ids if t == scope.technician_id]
    available = [0.0] * len(weeks)
    if ids:
        for intervals in (await working_intervals(session, scope.garage_id, ids, lo, hi)).values():
            for s_, e in merge(intervals):
                for i, (a, b) in enumerate(ranges):
                    available[i] += max(0.0, (min(e, b) - max(s_, a)).total_seconds())
    query = (select(Allocation.starts_at, Allocation.ends_at)
             .join(Appointment, Appointment.id == Allocation.appointment_id)
             .where(Allocation.garage_id == scope.garage_id, Allocation.active.is_(True),
                    Allocation.starts_at < hi, Allocation.ends_at > lo,
                    Appointment.status.in_((AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED))))
    if scope.site_ids is not None:
        query = query.where(Allocation.site_id.in_(scope.site_ids))
    if scope.technician_id is not None:
        query = query.where(Allocation.technician_id == scope.technician_id)
    booked = [0.0] * len(weeks)
    for s_, e in (await session.execute(query)).all():
        for i, (a, b) in enumerate(ranges):
            booked[i] += max(0.0, (min(e, b) - max(s_, a)).total_seconds())

    def hours(seconds: float) -> Decimal:
        return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)

    return [CapacityWeek(p.start, p.end, hours(available[i]), hours(booked[i])) for i, p in enumerate(weeks)]
