"""Retention from the customer visits (analytics_customer_visits) equals the definition worked out directly on the
visits: customers served in the 12 months before the last 12 by the group's key within the scope, and of them those
served again anywhere in the garage in the last 12, for every group and scope, for a month and for periods that end
mid-month; the same after visits are made again incrementally (facts recomputed for a few customers) and from
scratch.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import delete, insert, select

from backend.analytics import facts
from backend.analytics import kpis as k
from backend.analytics.models import CustomerVisit, JobFact
from backend.core.ids import new_id
from backend.core.permissions import Role
from tests.workshop.helpers import make_site


def _add_months(d: dt.date, n: int) -> dt.date:
    return k._add_months(d, n)


def expected(visits, group: k.Group, end: dt.date, site_ids=None, technician_id=None) -> dict:
    """Straight from the definition: sets of customers per key."""
    recent_from = _add_months(end, -12) + dt.timedelta(days=1)
    old_from = _add_months(end, -24) + dt.timedelta(days=1)
    came_back = {v["customer_id"] for v in visits if recent_from <= v["day"] <= end}
    served: dict = {}
    for v in visits:
        if not old_from <= v["day"] < recent_from:
            continue
        if site_ids is not None and v["site_id"] not in site_ids:
            continue
        if technician_id is not None and v["technician_id"] != technician_id:
            continue
        key = {k.Group.GARAGE: None, k.Group.SITE: v["site_id"], k.Group.TECHNICIAN: v["technician_id"],
               k.Group.ADVISOR: v["advisor_id"]}[group]
        served.setdefault(key, set()).add(v["customer_id"])
    return {key: {"served": len(cs), "returned": len(cs & came_back)} for key, cs in served.items()}


def fact(garage_id, customer, day, site, tech, advisor) -> dict:
    return dict(job_id=new_id(), garage_id=garage_id, site_id=site, invoice_id=None, technician_id=tech,
                advisor_id=advisor, vehicle_id=None, customer_id=customer, operations_stream=None,
                revenue_stream=None, day=day, billed_seconds=3600, clocked_seconds=3600, labour_sales=100,
                parts_sales=0, other_sales=0, parts_cost=0, labour_cost=0, has_inspection=False, came_back=False,
                imported=False)


async def test_retention_equals_the_definition_for_every_group_and_scope(app, db, garage):
    rnd = random.Random(1217)
    sites = [(await make_site(db, garage, name)).id for name in ("North", "South", "East")]
    techs = [uuid.uuid4() for _ in range(4)] + [None]
    advisors = [uuid.uuid4() for _ in range(3)] + [None]
    customers = [uuid.uuid4() for _ in range(60)]
    first = dt.date(2023, 9, 1)
    rows = []
    for c in customers:
        for _ in range(rnd.randint(1, 7)):
            day = first + dt.timedelta(days=rnd.randint(0, 960))
            rows.append(fact(garage.id, c, day, rnd.choice(sites), rnd.choice(techs), rnd.choice(advisors)))
            if rnd.random() < 0.15:  # a second visit on the same day, elsewhere
                rows.append(fact(garage.id, c, day, rnd.choice(sites), rnd.choice(techs), rnd.choice(advisors)))
    rows.append(fact(garage.id, None, dt.date(2024, 6, 1), sites[0], techs[0], advisors[0]))  # no customer
    async with db.transaction() as session:
        await session.execute(insert(JobFact.__table__), rows)
        assert await facts.rebuild_visits(session, garage.id) == len(rows) - 1
    visits = [r for r in rows if r["customer_id"] is not None]
    ends = [dt.date(2026, 3, 31), dt.date(2026, 3, 17), dt.date(2025, 12, 31), dt.date(2026, 2, 28)]
    tz = facts.zone("Asia/Bangkok")

    async def check(label: str):
        async with db.read() as session:
            for end in ends:
                period = k.Period(end.replace(day=1), end)
                for group in k.Group:
                    for site_ids in (None, [sites[1]], sites[:2]):
                        for tech in (None, techs[2]):
                            scope = k.Scope(garage.id, tz, "THB", site_ids, tech)
                            got = await k._retention(session, scope, group, period)
                            want = expected(visits, group, end, site_ids, tech)
                            assert got == want, (label, end, group, site_ids, tech)

    await check("made from scratch")
    assert any(v["served"] > v["returned"] > 0 for v in expected(visits, k.Group.GARAGE, ends[0]).values())

    # a few customers' facts change (a visit voided, one moved, one added): their visits alone made again
    changed = customers[:5]
    async with db.transaction() as session:
        gone = [r for r in visits if r["customer_id"] == changed[0]][:1]
        await session.execute(delete(JobFact).where(JobFact.job_id.in_([r["job_id"] for r in gone])))
        moved = next(r for r in visits if r["customer_id"] == changed[1])
        moved["day"] = dt.date(2025, 7, 1)
        await session.execute(JobFact.__table__.update().where(JobFact.job_id == moved["job_id"])
                              .values(day=moved["day"]))
        extra = fact(garage.id, changed[2], dt.date(2024, 12, 24), sites[2], techs[2], None)
        await session.execute(insert(JobFact.__table__), [extra])
        await facts.recompute_visits(session, garage.id, changed)
    visits = [r for r in visits if r not in gone] + [extra]
    await check("made again for five customers")
    async with db.read() as session:
        kept = (await session.execute(select(CustomerVisit.job_id).where(
            CustomerVisit.garage_id == garage.id))).scalars().all()
    assert sorted(kept) == sorted(r["job_id"] for r in visits)

    # through the report: the garage's retention for March 2026
    async with db.read() as session:
        report = await k.kpi_report(session, garage.actor(Role.ADMIN), group=k.Group.GARAGE,
                                    kind=k.PeriodKind.MONTH, date=dt.date(2026, 3, 5), kpis=[k.Kpi.RETENTION])
    want = expected(visits, k.Group.GARAGE, dt.date(2026, 3, 31))[None]
    [value] = report.rows[0].values
    assert (value.current.numerator, value.current.denominator) == (want["returned"], want["served"])
