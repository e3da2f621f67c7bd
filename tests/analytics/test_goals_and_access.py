"""Goal alerts once per breach; who may read the figures (role by role, a site manager their own site only); two
garages apart; the statement count of the KPI query does not grow with the jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from backend.accounts.models import User
from backend.analytics import service as analytics
from backend.analytics import facts
from backend.core.permissions import Role
from backend.notifications.models import Notification
from tests.analytics.helpers import Month, local, move_dates, second_technician, work_job
from tests.conftest import error_codes
from tests.workshop.helpers import make_site

KPIS = """query($p: KpiPeriodInput!, $g: KpiGroup!, $site: ID) { kpis(period: $p, group: $g, siteId: $site) {
  period { from to } rows { key name jobs values { kpi current { value numerator denominator } goal offGoal
  definition { formula explanation } } } } }"""
MARCH = {"kind": "MONTH", "date": "2026-03-10"}


def reasons(body) -> list[tuple[str, str]]:
    return [(e["extensions"]["reason"], e["extensions"]["field"]) for e in body["errors"]]


async def small_world(db, garage, site_name="Rama 9") -> Month:
    from backend.customers import service as customers

    site = await make_site(db, garage, site_name)
    t2, t2_actor = await second_technician(db, garage, site)
    admin = garage.actor(Role.ADMIN)
    async with db.transaction() as session:
        owner = await customers.create_customer(session, admin, customers.CustomerInput(name="Khun A"))
        vehicles = {}
        for i in range(4):
            vehicles[f"v{i}"] = await customers.create_vehicle(session, admin, customers.VehicleInput(
                registration=f"{site_name[:2].upper()}{i}{garage.id.hex[:4].upper()}", owner_id=owner.id))
        t1 = await session.get(User, garage.users[Role.TECHNICIAN].id)
    return Month(site=site, t1=t1, t2=t2, t1_actor=garage.actor(Role.TECHNICIAN), t2_actor=t2_actor, item=None,
                 vehicles=vehicles)


async def invoiced(db, garage, m, key, vehicle, labour, day):
    job = await work_job(db, garage, m, key, vehicle, "t1", labour=labour, hours="1.0")
    await move_dates(db, job.id, created=local(dt.date(2026, 3, 1), 8), invoiced=dt.date(2026, 3, day),
                     clocked=(local(dt.date(2026, 3, day), 9), local(dt.date(2026, 3, day), 10)))
    return job


async def alerts(db) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(Notification).where(
            Notification.event == "kpi_off_goal"))).scalar_one()


async def judge(db, garage, day: int) -> None:
    async with db.transaction() as session:
        await analytics.check_goals(session, garage.id, dt.date(2026, 3, day))


async def test_an_alert_once_per_breach(app, db, garage):
    m = await small_world(db, garage)
    async with db.transaction() as session:
        await analytics.set_goal(session, garage.actor(Role.ADMIN), analytics.GoalData(
            kpi="AVERAGE_REPAIR_ORDER", scope="SITE", subject_id=m.site.id, month=dt.date(2026, 3, 1),
            target=100000, alert_days=2))
    await judge(db, garage, 1)  # nothing invoiced yet: no average to judge
    assert await alerts(db) == 0
    await invoiced(db, garage, m, "a", "v0", 50000, 2)  # month to date: 50000 < 100000 from the 2nd
    await judge(db, garage, 2)
    assert await alerts(db) == 0  # one day off goal of the two chosen
    await judge(db, garage, 3)
    assert await alerts(db) == 1  # two days running: the one admin is told (by mail: no push device)
    await judge(db, garage, 4)
    await judge(db, garage, 4)  # judged twice: the day is not judged again
    assert await alerts(db) == 1  # the same breach: no second message
    await invoiced(db, garage, m, "b", "v1", 250000, 5)  # (50000 + 250000) / 2 = 150000: back on goal
    await judge(db, garage, 7)
    assert await alerts(db) == 1
    await invoiced(db, garage, m, "c", "v2", 10000, 8)
    await invoiced(db, garage, m, "d", "v3", 10000, 8)  # 320000 / 4 = 80000: off goal again from the 8th
    await judge(db, garage, 8)
    assert await alerts(db) == 1
    await judge(db, garage, 9)
    assert await alerts(db) == 2  # a new breach after the recovery
    async with db.read() as session:
        [note] = (await session.execute(select(Notification).where(Notification.event == "kpi_off_goal")
                                        .order_by(Notification.created_at.desc()).limit(1))).scalars()
    assert note.user_id == garage.users[Role.ADMIN].id and note.recipient == garage.users[Role.ADMIN].email
    assert note.context["days"] == 2 and note.context["subject"] == "Rama 9"


async def test_who_reads_the_figures(app, db, gql, garage, other_garage, count_statements):
    m = await small_world(db, garage)
    other = await make_site(db, garage, "Bang Na")
    await invoiced(db, garage, m, "a", "v0", 60000, 3)
    await invoiced(db, garage, m, "b", "v1", 40000, 4)
    async with db.transaction() as session:
        await facts.refresh_dirty(session, garage.id)
    variables = {"p": MARCH, "g": "SITE"}
    body = await gql(KPIS, variables, token=garage.token(Role.ADMIN))
    [row] = body["data"]["kpis"]["rows"]
    assert row["name"] == "Rama 9" and row["jobs"] == 2
    aro = next(v for v in row["values"] if v["kpi"] == "AVERAGE_REPAIR_ORDER")
    assert aro["current"] == {"value": 50000.0, "numerator": 100000.0, "denominator": 2.0}
    th = await gql(KPIS, variables, token=garage.token(Role.ADMIN), lang="th")
    th_aro = next(v for v in th["data"]["kpis"]["rows"][0]["values"] if v["kpi"] == "AVERAGE_REPAIR_ORDER")
    assert th_aro["definition"]["formula"] != aro["definition"]["formula"]  # in Thai

    # a site manager: their home site only; another site is not found for them
    async with db.transaction() as session:
        (await session.get(User, garage.users[Role.SITE_MANAGER].id)).home_site_id = m.site.id
    mine = await gql(KPIS, {"p": MARCH, "g": "GARAGE"}, token=garage.token(Role.SITE_MANAGER))
    assert mine["data"]["kpis"]["rows"][0]["jobs"] == 2
    refused = await gql(KPIS, {"p": MARCH, "g": "SITE", "site": str(other.id)},
                        token=garage.token(Role.SITE_MANAGER), expect_errors=True)
    assert refused["data"] is None and reasons(refused) == [("NOT_FOUND", "siteId")]
    for role in (Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.WAREHOUSE_MANAGER, Role.BILLING):
        body = await gql(KPIS, variables, token=garage.token(role), expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"], role
    # the hourly cost: an admin sets and reads it; nobody else
    cost = """mutation($i: SetUserHourlyCostInput!) { setUserHourlyCost(input: $i) { hourlyCost errors { code } } }"""
    tech_id = str(garage.users[Role.TECHNICIAN].id)
    ok = await gql(cost, {"i": {"userId": tech_id, "hourlyCost": 30000}}, token=garage.token(Role.ADMIN))
    assert ok["data"]["setUserHourlyCost"] == {"hourlyCost": 30000, "errors": []}
    bad = await gql(cost, {"i": {"userId": tech_id, "hourlyCost": -5}}, token=garage.token(Role.ADMIN))
    assert [e["code"] for e in bad["data"]["setUserHourlyCost"]["errors"]] == ["INVALID_VALUE"]
    for role in (Role.SITE_MANAGER, Role.WORKSHOP_MANAGER, Role.TECHNICIAN):
        body = await gql(cost, {"i": {"userId": tech_id, "hourlyCost": 1}}, token=garage.token(role),
                         expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"]
    read = """query { users { id hourlyCost } }"""
    for role, expected in ((Role.ADMIN, 30000), (Role.SITE_MANAGER, None)):
        nodes = (await gql(read, token=garage.token(role)))["data"]["users"]
        assert {n["id"]: n["hourlyCost"] for n in nodes}[tech_id] == expected

    # the other garage sees none of it, and cannot name this garage's site
    theirs = await gql(KPIS, {"p": MARCH, "g": "GARAGE"}, token=other_garage.token(Role.ADMIN))
    assert theirs["data"]["kpis"]["rows"][0]["jobs"] == 0
    cross = await gql(KPIS, {"p": MARCH, "g": "SITE", "site": str(m.site.id)}, token=other_garage.token(Role.ADMIN),
                      expect_errors=True)
    assert reasons(cross) == [("NOT_FOUND", "siteId")]

    # statements: the same for a month of two jobs, a month of none, and after eight more jobs
    async def counted(p) -> int:
        from backend.analytics import kpis

        kpis._working_cache.clear()  # each request works the shifts out (a repeat within WORKING_TTL reads less)
        with count_statements() as counter:
            await gql(KPIS, {"p": p, "g": "TECHNICIAN"}, token=garage.token(Role.ADMIN))
        return counter.count

    async with db.transaction() as session:  # the hourly cost set above marked the technician's jobs
        await facts.refresh_dirty(session, garage.id)
    with_jobs, without = await counted(MARCH), await counted({"kind": "MONTH", "date": "2026-05-01"})
    for i in range(2, 4):
        await invoiced(db, garage, m, f"x{i}", f"v{i}", 10000, 10 + i)
    async with db.transaction() as session:
        await facts.refresh_dirty(session, garage.id)
    assert with_jobs == without == await counted(MARCH)


GOAL = """mutation($i: SetKpiGoalInput!) { setKpiGoal(input: $i) { goal { id kpi target alertDays month }
  errors { field code message } } }"""
ADVISOR = """mutation($i: SetJobAdvisorInput!) { setJobAdvisor(input: $i) { job { id } advisor { id }
  errors { field code message } } }"""


async def test_bad_input_is_refused_and_changes_nothing(app, db, gql, garage, other_garage):
    m = await small_world(db, garage)
    site = str(m.site.id)
    good = {"kpi": "EFFICIENCY", "scope": "SITE", "subjectId": site, "month": "2026-03-09", "target": 0.85,
            "alertDays": 3}
    for bad, field in (({"target": 1500}, "target"), ({"target": -1}, "target"), ({"alertDays": 0}, "alertDays"),
                       ({"scope": "TECHNICIAN"}, "subjectId")):  # the site is not a technician
        en = await gql(GOAL, {"i": {**good, **bad}}, token=garage.token(Role.ADMIN))
        th = await gql(GOAL, {"i": {**good, **bad}}, token=garage.token(Role.ADMIN), lang="th")
        [e_en], [e_th] = en["data"]["setKpiGoal"]["errors"], th["data"]["setKpiGoal"]["errors"]
        assert e_en["field"] == field and e_en["message"] != e_th["message"], (bad, e_en, e_th)
    listed = await gql("query { kpiGoals(month: \"2026-03-01\") { id } }", token=garage.token(Role.ADMIN))
    assert listed["data"]["kpiGoals"] == []
    made = await gql(GOAL, {"i": good}, token=garage.token(Role.ADMIN))
    assert made["data"]["setKpiGoal"]["goal"] == {
        "id": made["data"]["setKpiGoal"]["goal"]["id"], "kpi": "EFFICIENCY", "target": 0.85, "alertDays": 3,
        "month": "2026-03-01"}
    theirs = await gql(GOAL, {"i": good}, token=other_garage.token(Role.ADMIN))  # not their site
    assert [e["code"] for e in theirs["data"]["setKpiGoal"]["errors"]] == ["NOT_FOUND"]
    assert error_codes(await gql(GOAL, {"i": good}, token=garage.token(Role.SITE_MANAGER),
                                 expect_errors=True)) == ["FORBIDDEN"]
    bad_period = await gql(KPIS, {"p": {"kind": "CUSTOM", "from": "2026-03-10", "to": "2026-03-01"}, "g": "GARAGE"},
                           token=garage.token(Role.ADMIN), expect_errors=True)
    assert reasons(bad_period) == [("INVALID_PERIOD", "period.to")]

    job = await invoiced(db, garage, m, "a", "v0", 10000, 3)
    assert (await db_advisor(db, job.id)) == garage.users[Role.SITE_MANAGER].id  # who opened it
    tech = await gql(ADVISOR, {"i": {"jobId": str(job.id), "advisorId": str(m.t1.id)}},
                     token=garage.token(Role.SITE_MANAGER), lang="th")
    [err] = tech["data"]["setJobAdvisor"]["errors"]
    assert err["field"] == "advisorId" and err["code"] == "INVALID_VALUE" and err["message"] != "This value is not valid."
    other_user = str(other_garage.users[Role.SITE_MANAGER].id)
    cross = await gql(ADVISOR, {"i": {"jobId": str(job.id), "advisorId": other_user}},
                      token=garage.token(Role.SITE_MANAGER))
    assert [e["code"] for e in cross["data"]["setJobAdvisor"]["errors"]] == ["NOT_FOUND"]
    assert error_codes(await gql(ADVISOR, {"i": {"jobId": str(job.id), "advisorId": str(garage.users[Role.ADMIN].id)}},
                                 token=garage.token(Role.TECHNICIAN), expect_errors=True)) == ["FORBIDDEN"]
    assert (await db_advisor(db, job.id)) == garage.users[Role.SITE_MANAGER].id  # nothing changed
    ok = await gql(ADVISOR, {"i": {"jobId": str(job.id), "advisorId": str(garage.users[Role.ADMIN].id)}},
                   token=garage.token(Role.WORKSHOP_MANAGER))
    assert ok["data"]["setJobAdvisor"]["advisor"] == {"id": str(garage.users[Role.ADMIN].id)}
    assert (await db_advisor(db, job.id)) == garage.users[Role.ADMIN].id


async def db_advisor(db, job_id):
    from backend.workshop.models import Job

    async with db.read() as session:
        return (await session.execute(select(Job.advisor_id).where(Job.id == job_id))).scalar_one()
