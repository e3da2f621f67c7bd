"""The calendar screen's week query (weekCalendar with its capacity header) is answered by the fast read path
(backend/scheduling/fastpath.py) with the very bytes plain execution gives, for every reader and both views, and in
the same number of statements for 10 and 100 appointments."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.core.permissions import Role
from backend.scheduling.service import appointments as appts
from backend.workforce import service as workforce
from tests.api.test_fastpath import _same
from tests.conftest import make_garage
from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, service, technician
from tests.scheduling.test_working_time import SCREEN_WEEK

# the calendar's own document: pwa/src/main/staff/calendar/data.ts
WEEK = SCREEN_WEEK
# without the customer (a reader who may not read customers) and with the bay's streams and site
WEEK_NO_CUSTOMER = ("query($siteId: ID!, $weekStart: Date!, $by: CalendarBy) { weekCalendar(siteId: $siteId, "
                    "weekStart: $weekStart, by: $by) { days rows { bay { id name streams site { id } } technician "
                    "{ id } allocations { id appointment { id stream services { name } job { id number } } } } } }")


async def _week(db, garage):
    """Two lifts (one retired after its booking), two technicians (the garage's own technician among them), a
    confirmed booking with a service, one moved (its old allocation inactive), one arrived (its job card open), one
    requested without allocations."""
    site = await open_site(db, garage)
    lift, lift2 = await add_bay(db, garage, site, "Lift 1"), await add_bay(db, garage, site, "Lift 2",
                                                                         streams=("MECHANICAL", "BODY"))
    anan = await technician(db, garage, "Anan")
    own = garage.users[Role.TECHNICIAN]
    async with db.transaction() as session:
        await workforce.set_work_pattern(session, garage.actor(), own.id, [
            workforce.ShiftInput(weekday=d, starts="08:00", ends="17:00") for d in range(5)],
            valid_from=MONDAY - dt.timedelta(days=7))
    brakes = await service(db, garage)
    cars = [await make_vehicle(db, garage, f"KB{n:04d}", owner_name=f"Owner {n}") for n in range(4)]
    await book(db, garage, site, cars[0], [alloc(lift, anan, at(MONDAY, "09:00"), at(MONDAY, "11:00"))], [brakes])
    moved = await book(db, garage, site, cars[1], [alloc(lift2, own, at(MONDAY, "09:00"), at(MONDAY, "10:00"))])
    async with db.transaction() as session:
        await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), moved.id,
                                     [alloc(lift2, own, at(MONDAY, "13:00"), at(MONDAY, "14:00"))])
    arrived = await book(db, garage, site, cars[2], [alloc(lift, own, at(MONDAY, "14:00"), at(MONDAY, "15:00"))],
                         [brakes])
    async with db.transaction() as session:
        await appts.mark_arrived(session, garage.actor(Role.SITE_MANAGER), arrived.id)
    await book(db, garage, site, cars[3], [], [brakes], requested_at=at(MONDAY + dt.timedelta(days=1), "10:00"))
    return site, own


@pytest.mark.parametrize("by", ["BAY", "TECHNICIAN"])
async def test_week_same_bytes_fast_and_plain(app, db, client, garage, by):
    site, own = await _week(db, garage)
    fastpath = app.state.fastpath
    week = {"siteId": str(site.id), "weekStart": MONDAY.isoformat(), "by": by, "from": MONDAY.isoformat(),
            "to": (MONDAY + dt.timedelta(days=6)).isoformat()}
    readers = (Role.SITE_MANAGER, Role.ADMIN, Role.WORKSHOP_MANAGER)
    seen = {}
    for role in readers:
        for lang in ("en", "th"):
            seen[role, lang] = await _same(client, fastpath, WEEK, week, garage.token(role), lang, fast=True)
    body = seen[Role.SITE_MANAGER, "en"]["data"]["weekCalendar"]
    rows = body["rows"]
    assert len(rows) == 2 and all((r["bay"] is None) is (by == "TECHNICIAN") for r in rows)
    appointments = {a["appointment"]["vehicle"]["registration"]: a["appointment"]
                    for r in rows for a in r["allocations"]}
    assert set(appointments) == {"KB0000", "KB0001", "KB0002"}  # the requested one is not on the grid
    assert [u["vehicle"]["registration"] for u in body["unallocated"]] == ["KB0003"]
    assert appointments["KB0002"]["job"] and appointments["KB0002"]["status"] == "ARRIVED"
    assert appointments["KB0000"]["job"] is None
    assert appointments["KB0000"]["services"][0]["name"] == "Brake pads"
    th = {a["appointment"]["vehicle"]["registration"]: a["appointment"]
          for r in seen[Role.SITE_MANAGER, "th"]["data"]["weekCalendar"]["rows"] for a in r["allocations"]}
    assert th["KB0000"]["services"][0]["name"] == "เปลี่ยนผ้าเบรก"
    # the technician: their own row only and no requests on the side, fast and plain alike
    from backend.core.permissions import ROLE_PERMISSIONS, Permission

    customers = Permission.CUSTOMERS_READ in ROLE_PERMISSIONS[Role.TECHNICIAN]
    for query in (WEEK, WEEK_NO_CUSTOMER):
        # a field the reader may not read (the customer): the plain execution's error, same bytes
        mine = await _same(client, fastpath, query, week, garage.token(Role.TECHNICIAN), "th",
                           fast=customers or query is WEEK_NO_CUSTOMER)
        if query is WEEK:
            assert customers or mine["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            continue
        rows = mine["data"]["weekCalendar"]["rows"]
        if by == "TECHNICIAN":
            assert [r["technician"]["id"] for r in rows] == [str(own.id)]
        assert {a["appointment"]["id"] for r in rows for a in r["allocations"]} and all(
            a["appointment"]["stream"] == "MECHANICAL" for r in rows for a in r["allocations"])
    # bad input and another garage's reader: the plain execution's answer, same bytes
    for bad in ({"weekStart": "1200-01-01"}, {"siteId": "not-an-id"}, {"from": MONDAY.isoformat(), "to": "2026-01-01"}):
        body = await _same(client, fastpath, WEEK, {**week, **bad}, garage.token(Role.SITE_MANAGER), "th",
                           fast=False)
        assert body["errors"] and not body["errors"][0]["message"].isascii()
    other = await make_garage(app, "Other Garage")
    body = await _same(client, fastpath, WEEK, week, other.token(Role.ADMIN), "en", fast=False)
    assert body["errors"] and body["data"] is None  # this garage's site is not found for another garage


async def test_week_statements_equal_for_10_and_100_on_the_fast_path(app, db, gql, garage, count_statements):
    site = await open_site(db, garage)
    lifts = [await add_bay(db, garage, site, f"Lift {n}") for n in range(1, 11)]
    techs = [await technician(db, garage, f"Tech {n}") for n in range(1, 11)]
    cars = [await make_vehicle(db, garage, f"KC{n:04d}", owner_name=f"Owner {n}") for n in range(10)]
    brakes = await service(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    fastpath = app.state.fastpath
    week = {"siteId": str(site.id), "weekStart": MONDAY.isoformat(), "from": MONDAY.isoformat(),
            "to": (MONDAY + dt.timedelta(days=6)).isoformat()}
    days = [MONDAY + dt.timedelta(days=n) for n in range(5)]
    counts, booked = {}, 0
    await gql("{ __typename }", token=token)
    with count_statements() as counter:
        await gql("{ __typename }", token=token)
    baseline = counter.count
    for target in (10, 100):
        while booked < target:
            n = booked
            minute = 8 * 60 + (n // 50) * 30
            start = at(days[(n // 10) % 5], f"{minute // 60:02d}:{minute % 60:02d}")
            await book(db, garage, site, cars[n % 10], [alloc(lifts[n % 10], techs[n % 10], start,
                                                              start + dt.timedelta(minutes=30))], [brakes])
            booked += 1
        for by in ("BAY", "TECHNICIAN"):
            hits = fastpath.hits
            with count_statements() as counter:
                body = await gql(WEEK, {**week, "by": by}, token=token)
            assert fastpath.hits == hits + 1, by
            counts[(target, by)] = counter.count - baseline
            assert sum(len(r["allocations"]) for r in body["data"]["weekCalendar"]["rows"]) == target
    assert counts[(10, "BAY")] == counts[(100, "BAY")], counts
    assert counts[(10, "TECHNICIAN")] == counts[(100, "TECHNICIAN")], counts
