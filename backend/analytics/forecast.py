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

