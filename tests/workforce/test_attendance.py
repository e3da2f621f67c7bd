"""The attendance clock through GraphQL: clock in, breaks, clock out; refusals in English and Thai that change
nothing; an offline phone's replay answering with the first result; the managers' view of a site's day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from backend.accounts.models import User
from backend.core.db import utcnow
from backend.core.permissions import Role
from backend.workforce.models import AttendanceEntry, AttendanceKind, ExceptionKind
from tests.workforce.helpers import (ATTENDANCE, CLOCK, MY_ATTENDANCE, add_exception, add_technician, codes,
                                     payload, set_pattern, shift)
from tests.workshop.helpers import make_site


async def _entries(db, garage_id) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(AttendanceEntry)
                                      .where(AttendanceEntry.garage_id == garage_id))).scalar_one()


async def clock(gql, garage, name, *, role=Role.TECHNICIAN, lang=None, **input_):
    body = await gql(CLOCK[name], {"input": input_}, token=garage.token(role), lang=lang)
    return payload(body, name)


async def test_a_day_in_and_out_with_a_break(gql, garage):
    first = await clock(gql, garage, "clockIn", clientMutationId="in-1")
    assert first["errors"] == [] and first["entry"]["kind"] == "SHIFT" and first["entry"]["endedAt"] is None
    assert first["attendance"]["status"] == "IN"
    pause = await clock(gql, garage, "startBreak")
    assert pause["entry"]["kind"] == "BREAK" and pause["attendance"]["status"] == "ON_BREAK"
    back = await clock(gql, garage, "endBreak")
    assert back["entry"]["id"] == pause["entry"]["id"] and back["entry"]["endedAt"] is not None
    assert back["attendance"]["status"] == "IN"
    out = await clock(gql, garage, "clockOut")
    assert out["entry"]["id"] == first["entry"]["id"] and out["entry"]["endedAt"] is not None
    assert out["attendance"]["status"] == "OUT"
    day = payload(await gql(MY_ATTENDANCE, token=garage.token(Role.TECHNICIAN)), "myAttendance")
    assert [e["kind"] for e in day["entries"]] == ["SHIFT", "BREAK"]


async def test_a_time_given_by_an_offline_phone_is_kept(gql, garage):
    at = (utcnow() - dt.timedelta(minutes=40)).replace(microsecond=0)
    first = await clock(gql, garage, "clockIn", at=at.isoformat())
    assert dt.datetime.fromisoformat(first["entry"]["startedAt"]) == at
    # the day's attendance counts from the later of the given time and the garage's local midnight (a clock-in
    # 40 minutes before midnight has only the minutes since midnight today)
    zone = ZoneInfo(garage.garage.time_zone)
    midnight = dt.datetime.combine(utcnow().astimezone(zone).date(), dt.time(), zone)
    expected = (utcnow() - max(at, midnight)).total_seconds()
    assert expected - 60 <= first["attendance"]["attendedSeconds"] <= expected + 1
    future = await clock(gql, garage, "clockOut", at=(utcnow() + dt.timedelta(hours=1)).isoformat())
    assert codes(future) == ["CLOCK_IN_FUTURE"]


@pytest.mark.parametrize("lang,expected", [
    ("en", {"startBreak": "Clock in before you start a break.", "endBreak": "You are not on a break.",
            "clockOut": "You are not clocked in."}),
    ("th", {"startBreak": "ต้องลงเวลาเข้างานก่อนจึงจะพักได้", "endBreak": "ตอนนี้คุณไม่ได้พักอยู่",
            "clockOut": "คุณยังไม่ได้ลงเวลาเข้างาน"}),
])
async def test_refusals_are_localized_and_change_nothing(gql, db, garage, lang, expected):
    for name, message in expected.items():
        result = await clock(gql, garage, name, lang=lang)
        assert [e["message"] for e in result["errors"]] == [message] and result["entry"] is None
    assert await _entries(db, garage.id) == 0
    await clock(gql, garage, "clockIn")
    again = await clock(gql, garage, "clockIn", lang=lang)
    assert codes(again) == ["ALREADY_CLOCKED_IN"]
    assert again["errors"][0]["message"].startswith("You are already clocked in" if lang == "en" else "คุณลงเวลาเข้างาน")
    await clock(gql, garage, "startBreak")
    twice = await clock(gql, garage, "startBreak", lang=lang)
    assert codes(twice) == ["ALREADY_ON_BREAK"]
    assert await _entries(db, garage.id) == 2


async def test_offline_replay_of_clock_in_returns_the_first_result(gql, db, garage):
    first = await clock(gql, garage, "clockIn", clientMutationId="phone-7")
    again = await clock(gql, garage, "clockIn", clientMutationId="phone-7")
    assert again["errors"] == [] and again["entry"] == first["entry"]
    assert await _entries(db, garage.id) == 1
    # a refusal is replayed as the refusal
    refused = await clock(gql, garage, "endBreak", clientMutationId="phone-8")
    await clock(gql, garage, "startBreak")
    replayed = await clock(gql, garage, "endBreak", clientMutationId="phone-8")
    assert codes(refused) == codes(replayed) == ["NOT_ON_BREAK"]


async def test_clock_out_ends_the_break_and_the_job_clock(gql, db, garage):
    from tests.inspections.helpers import started_job

    job = await started_job(db, garage)
    await clock(gql, garage, "clockIn")
    on = await gql("mutation($i: ClockInput!) { clockOnJob(input: $i) { errors { code } } }",
                   {"i": {"jobId": str(job.id)}}, token=garage.token(Role.TECHNICIAN))
    assert on["data"]["clockOnJob"]["errors"] == []
    await clock(gql, garage, "startBreak")
    out = await clock(gql, garage, "clockOut")
    day = out["attendance"]
    assert day["status"] == "OUT" and all(e["endedAt"] for e in day["entries"])
    assert [e["endedAt"] is not None for e in day["jobClockEntries"]] == [True]
    mine = await gql("{ myClock { id } }", token=garage.token(Role.TECHNICIAN))
    assert mine["data"]["myClock"] is None


async def test_managers_see_who_is_in_on_break_out_and_on_leave(gql, db, garage, other_garage):
    site = await make_site(db, garage, "Bang Na")
    elsewhere = await make_site(db, garage, "Rama 9")
    tech = garage.users[Role.TECHNICIAN]
    away = await add_technician(db, garage, "Away")
    idle = await add_technician(db, garage, "Idle")
    far = await add_technician(db, garage, "Far")
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id.in_([tech.id, away.id, idle.id]))
                              .values(home_site_id=site.id))
        await session.execute(update(User).where(User.id == far.id).values(home_site_id=elsewhere.id))
    today = utcnow().astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    await set_pattern(db, garage, tech.id, [shift(d, "00:00", "23:59") for d in range(7)], valid_from=today)
    now = utcnow()
    await add_exception(db, garage, away.id, ExceptionKind.SICK, now - dt.timedelta(hours=1),
                        now + dt.timedelta(hours=1))
    await clock(gql, garage, "clockIn")
    await clock(gql, garage, "startBreak")
    await clock(gql, other_garage, "clockIn")  # another garage's technician is not listed
    body = await gql(ATTENDANCE, {"siteId": str(site.id)}, token=garage.token(Role.SITE_MANAGER))
    rows = {r["technician"]["name"]: r for r in body["data"]["attendance"]}
    assert set(rows) == {tech.name, "Away", "Idle"}
    assert rows[tech.name]["status"] == "ON_BREAK" and rows[tech.name]["onBreakSince"] is not None
    assert rows[tech.name]["scheduledSeconds"] > 0
    assert rows["Away"]["status"] == "ON_LEAVE" and [a["kind"] for a in rows["Away"]["absences"]] == ["SICK"]
    assert rows["Idle"]["status"] == "OUT"
    theirs = await gql(ATTENDANCE, {"siteId": str(site.id)}, token=other_garage.token(Role.SITE_MANAGER),
                       expect_errors=True)
    assert theirs["errors"][0]["extensions"]["reason"] == "NOT_FOUND" and theirs["data"] is None


async def test_attendance_view_statements_do_not_grow(gql, db, garage, count_statements):
    site = await make_site(db, garage, "Big site")
    counts = {}
    made = 0
    for n in (1, 10):
        while made < n:
            user = await add_technician(db, garage, f"T{made:02d}")
            async with db.transaction() as session:
                await session.execute(update(User).where(User.id == user.id).values(home_site_id=site.id))
                session.add(AttendanceEntry(garage_id=garage.id, technician_id=user.id, kind=AttendanceKind.SHIFT,
                                            started_at=utcnow() - dt.timedelta(hours=1)))
            await set_pattern(db, garage, user.id, [shift(d, "08:00", "17:00", ("12:00", "13:00"))
                                                    for d in range(7)])
            made += 1
        with count_statements() as counter:
            body = await gql(ATTENDANCE, {"siteId": str(site.id)}, token=garage.token(Role.WORKSHOP_MANAGER))
        assert len([r for r in body["data"]["attendance"] if r["status"] == "IN"]) == n
        counts[n] = counter.count
    assert counts[1] == counts[10], counts
