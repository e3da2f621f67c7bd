"""Every KPI of a hand-made month equals the figure worked out by hand; the same after a clock correction and
after the facts are rebuilt from scratch.

The month (tests/analytics/helpers.py), March 2026 at one site, Asia/Bangkok, tax 7 % on top:
  technicians T1 (฿300.00/h) and T2 (฿240.00/h), both Mon-Fri 08:00-17:00 less a 12:00-13:00 break (8 h a day);
  March 2026 has 22 weekdays: 176 h each, 352 h for the site.
  j1 T1 v1/c1 labour 1,500.00 billed 2.0 h, 2 x oil (sale 1,200.00, cost 850.00), clocked 2.5 h, inspected,
     invoiced 10 Mar
  j2 T2 v2/c2 labour 800.00 billed 1.0 h, clocked 1.0 h, invoiced 12 Mar; credit note of ฿214.00 incl. tax on
     its labour line (net 200.00): labour sales 600.00, billed hours unchanged (a credit of an amount)
  j3 T1 v1/c1 labour 500.00 billed 1.0 h, clocked 1.0 h, opened 20 Mar (10 days after j1's invoice, same vehicle
     and stream: j1 came back), invoiced 25 Mar
  j4 T2 v3/c3 labour 1,000.00 billed 1.5 h, 1 x oil, clocked 1.5 h (on Sunday 22nd), invoiced 28 Mar; advisor: admin
  j5 T1 v4/c3 labour 700.00 billed 1.0 h, clocked 0.5 h on 16 Mar, invoiced 16 Mar then voided: not an invoiced job,
     but its clocked half hour was worked
  j0 T1 v1/c1 invoiced 15 Feb 2025; j7 T1 v5/c4 labour 500.00 billed 1.5 h, clocked 1.0 h, invoiced 15 Mar 2025
  quotes: q1 (labour 300.00 + part 200.00, +7 %: 321.00 + 214.00) sent 11 Mar, the labour line approved;
          q2 (150.00 +7 %: 160.50) sent 13 Mar, declined
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import delete, select

from backend.analytics import facts
from backend.analytics import kpis as k
from backend.analytics.models import ClockDay, JobFact, QuoteFact
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.workshop.models import Job, TimeClockEntry
from tests.analytics.helpers import hand_month, local


def values(report, key=None) -> dict:
    [row] = [r for r in report.rows if r.key == key]
    return {v.kpi: v for v in row.values}


async def month_report(db, garage, group=k.Group.GARAGE):
    async with db.transaction() as session:
        await facts.refresh_dirty(session, garage.id)
    async with db.read() as session:
        return await k.kpi_report(session, garage.actor(Role.ADMIN), group=group, kind=k.PeriodKind.MONTH,
                                  date=dt.date(2026, 3, 17))


def current(vals, kpi):
    return vals[kpi].current.value


async def test_hand_made_month(app, db, garage):
    m = await hand_month(db, garage)
    report = await month_report(db, garage)
    assert (report.period.start, report.period.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert (report.previous.start, report.previous.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert (report.last_year.start, report.last_year.end) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    v = values(report)
    # invoiced jobs j1 j2 j3 j4 (j5 void); billed 2.0 + 1.0 + 1.0 + 1.5 = 5.5 h; clocked on them 2.5+1+1+1.5 = 6.0 h
    assert current(v, k.Kpi.INVOICED_JOBS) == 4
    assert current(v, k.Kpi.EFFICIENCY) == Decimal("0.9167")  # 5.5 / 6.0 = 0.91666...
    # clocked on the days of March: T1 2.5 + 1.0 + 0.5 (j5) = 4.0, T2 1.0 + 1.5 = 2.5: 6.5 h of 352 h
    assert current(v, k.Kpi.PRODUCTIVITY) == Decimal("0.0185")  # 6.5 / 352 = 0.018465
    assert current(v, k.Kpi.PROFICIENCY) == Decimal("0.0156")  # 5.5 / 352 = 0.015625
    # labour sales 150000 + (80000 - 20000) + 50000 + 100000 = 360000 satang over 5.5 h
    assert current(v, k.Kpi.EFFECTIVE_LABOUR_RATE) == Decimal("65455")  # 65454.54...
    # sales: labour 360000 + parts (2 + 1) x 120000 = 720000 over 4 jobs
    assert current(v, k.Kpi.SALES) == Decimal(720000)
    assert current(v, k.Kpi.AVERAGE_REPAIR_ORDER) == Decimal(180000)
    assert current(v, k.Kpi.HOURS_PER_REPAIR_ORDER) == Decimal("1.38")  # 5.5 / 4 = 1.375, half up
    assert current(v, k.Kpi.CAR_COUNT) == 3  # v1 (twice), v2, v3
    assert current(v, k.Kpi.PARTS_GROSS_PROFIT) == Decimal("0.2917")  # (360000 - 3 x 85000) / 360000
    # labour cost: j1 2.5 h x 30000 + j2 1 h x 24000 + j3 1 h x 30000 + j4 1.5 h x 24000 = 165000
    assert current(v, k.Kpi.LABOUR_GROSS_PROFIT) == Decimal("0.5417")  # (360000 - 165000) / 360000
    # quotes presented 32100 + 21400 + 16050 = 69550, approved 32100; 1 of 2 with an approved line
    assert current(v, k.Kpi.QUOTE_CLOSING_VALUE) == Decimal("0.4615")  # 32100 / 69550 = 0.46154
    assert current(v, k.Kpi.QUOTE_CLOSING_COUNT) == Decimal("0.5")
    assert current(v, k.Kpi.INSPECTION_RATE) == Decimal("0.25")  # j1 of 4
    assert current(v, k.Kpi.COMEBACK_RATE) == Decimal("0.25")  # j1 came back (j3) of 4
    # retention: served 1 Apr 2024 - 31 Mar 2025: c1 (j0), c4 (j7); came back since: c1 only
    assert current(v, k.Kpi.RETENTION) == Decimal("0.5")
    # the formula travels with every figure
    assert k.DEFINITIONS[k.Kpi.EFFICIENCY].formula == "billed hours ÷ clocked hours"
    # February 2026: nothing invoiced; March 2025: j7 alone (1.5 h billed, 1.0 h clocked, 500.00)
    assert v[k.Kpi.INVOICED_JOBS].previous.value == 0
    assert v[k.Kpi.EFFICIENCY].previous.value is None
    assert v[k.Kpi.EFFICIENCY].last_year.value == Decimal("1.5")
    assert v[k.Kpi.AVERAGE_REPAIR_ORDER].last_year.value == Decimal(50000)
    # March 2025 has 21 weekdays: 336 h for the two; 1.0 h clocked
    assert v[k.Kpi.PRODUCTIVITY].last_year.value == Decimal("0.0030")  # 1 / 336 = 0.002976

    # by technician: T1 j1 + j3: billed 3.0 h, clocked 3.5 h; T2 j2 + j4: billed 2.5 h, clocked 2.5 h
    by_tech = await month_report(db, garage, k.Group.TECHNICIAN)
    t1 = garage.users[Role.TECHNICIAN].id
    t1v = values(by_tech, t1)
    assert current(t1v, k.Kpi.EFFICIENCY) == Decimal("0.8571")  # 3.0 / 3.5
    assert current(t1v, k.Kpi.PRODUCTIVITY) == Decimal("0.0227")  # 4.0 / 176 = 0.022727
    assert current(t1v, k.Kpi.COMEBACK_RATE) == Decimal("0.5")  # j1 of j1, j3
    [t2row] = [r for r in by_tech.rows if r.key not in (t1, None)]
    t2v = {x.kpi: x for x in t2row.values}
    assert t2row.name == "Tech Two"
    assert current(t2v, k.Kpi.EFFICIENCY) == Decimal("1")  # 2.5 / 2.5
    assert current(t2v, k.Kpi.AVERAGE_REPAIR_ORDER) == Decimal(140000)  # (60000 + 100000 + 120000) / 2
    assert current(t2v, k.Kpi.PRODUCTIVITY) == Decimal("0.0142")  # 2.5 / 176 = 0.014205
    # by advisor: the site manager opened j1 j2 j3 (sales 390000 + 60000 + 50000 = 500000), the admin has j4
    by_advisor = await month_report(db, garage, k.Group.ADVISOR)
    sm = values(by_advisor, garage.users[Role.SITE_MANAGER].id)
    adm = values(by_advisor, garage.users[Role.ADMIN].id)
    assert current(sm, k.Kpi.AVERAGE_REPAIR_ORDER) == Decimal(166667)  # 500000 / 3 = 166666.67
    assert current(adm, k.Kpi.AVERAGE_REPAIR_ORDER) == Decimal(220000)
    assert current(adm, k.Kpi.PRODUCTIVITY) is None  # an advisor has no available hours
    assert current(sm, k.Kpi.QUOTE_CLOSING_VALUE) == Decimal("0.4615")  # both quotes were the site manager's

    # a clock correction: j1's entry was really 09:00-12:00 (3.0 h); the flush marks the old and the new span
    async with db.transaction() as session:
        entry = (await session.execute(select(TimeClockEntry).where(
            TimeClockEntry.job_id == m.jobs["j1"].id))).scalar_one()
        entry.ended_at = local(dt.date(2026, 3, 3), 12)
        entry.seconds = 3 * 3600
    after = values(await month_report(db, garage))
    assert current(after, k.Kpi.EFFICIENCY) == Decimal("0.8462")  # 5.5 / 6.5 = 0.84615
    assert current(after, k.Kpi.PRODUCTIVITY) == Decimal("0.0199")  # 7.0 / 352 = 0.019886
    assert current(after, k.Kpi.LABOUR_GROSS_PROFIT) == Decimal("0.5")  # (360000 - 180000) / 360000

    # the trend: month by month, March 2026 as the month's report, March 2025 as j7 alone, the rest empty
    async with db.read() as session:
        trend = await k.kpi_trend(session, garage.actor(Role.ADMIN), end_month=dt.date(2026, 3, 1), months=13,
                                  kpis=[k.Kpi.INVOICED_JOBS, k.Kpi.EFFICIENCY, k.Kpi.AVERAGE_REPAIR_ORDER])
    assert [m for m, _ in trend][0] == dt.date(2025, 3, 1) and trend[-1][0] == dt.date(2026, 3, 1)
    by_month = {m: {v.kpi: v.current.value for v in vals} for m, vals in trend}
    assert by_month[dt.date(2026, 3, 1)] == {k.Kpi.INVOICED_JOBS: 4, k.Kpi.EFFICIENCY: Decimal("0.8462"),
                                             k.Kpi.AVERAGE_REPAIR_ORDER: Decimal(180000)}
    assert by_month[dt.date(2025, 3, 1)][k.Kpi.AVERAGE_REPAIR_ORDER] == Decimal(50000)
    assert sum(v[k.Kpi.INVOICED_JOBS] for v in by_month.values()) == 5  # j7 and the four of March 2026
    assert {v.kpi: v.last_year.value for v in trend[-1][1]}[k.Kpi.INVOICED_JOBS] == 1

    # the forecast as of 15 March: to date j1 (390000) + j2 (60000) = 450000 in 15 of 31 days;
    # run rate 450000 + 450000 / 15 x 16 = 930000; 2 h booked on the 20th (a cancelled booking does not count)
    # at the rate to date 210000 / 3.0 h = 70000: 450000 + 2 x 70000 = 590000
    from backend.analytics.forecast import month_forecast
    from backend.scheduling.models import Allocation, Appointment, AppointmentStatus, Bay, BayKind

    async with db.transaction() as session:
        bay = Bay(garage_id=garage.id, site_id=m.site.id, name="Lift 1", kind=list(BayKind)[0],
                  streams=["MECHANICAL"])
        session.add(bay)
        await session.flush()
        for status, hour in ((AppointmentStatus.CONFIRMED, 9), (AppointmentStatus.CANCELLED, 13)):
            booking = Appointment(garage_id=garage.id, site_id=m.site.id, vehicle_id=m.vehicles["v2"].id,
                                  stream=OperationsStream.MECHANICAL, status=status)
            session.add(booking)
            await session.flush()
            session.add(Allocation(garage_id=garage.id, site_id=m.site.id, appointment_id=booking.id, bay_id=bay.id,
                                   technician_id=m.t2.id, starts_at=local(dt.date(2026, 3, 20), hour),
                                   ends_at=local(dt.date(2026, 3, 20), hour + 2)))
    async with db.read() as session:
        f = await month_forecast(session, garage.actor(Role.ADMIN), as_of=dt.date(2026, 3, 15))
    assert (f.sales_to_date, f.days_elapsed, f.days_in_month, f.run_rate_forecast) == (450000, 15, 31, 930000)
    assert (f.booked_hours, f.effective_labour_rate, f.bookings_forecast) == (Decimal("2.00"), 70000, 590000)

    # from scratch: the same figures, every period and group
    before = [await month_report(db, garage, g) for g in k.Group]
    async with db.transaction() as session:
        for model in (JobFact, ClockDay, QuoteFact):
            await session.execute(delete(model).where(model.garage_id == garage.id))
    emptied = values(await month_report(db, garage))
    assert current(emptied, k.Kpi.INVOICED_JOBS) == 0
    async with db.transaction() as session:
        counts = await facts.rebuild(session, garage.id)
    assert counts["jobs"] == 6  # j0 j1 j2 j3 j4 j7
    assert [await month_report(db, garage, g) for g in k.Group] == before
