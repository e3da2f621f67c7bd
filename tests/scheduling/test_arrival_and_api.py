"""Over GraphQL: ARRIVED opens the job card with vehicle, customer, stream and services filled; the week view's
statement count is the same for 10 and 100 appointments; role by role; errors in English and Thai; the live event."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from backend.core.permissions import Role
from backend.scheduling.service.common import site_channel
from tests.conftest import error_codes
from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, make_vehicle, open_site, service, technician

TUESDAY = MONDAY + dt.timedelta(days=1)
APPOINTMENT = """id status sequence version estimatedHours stream notes
  services { taskActionId name hours } allocations { startsAt endsAt bay { name } technician { name } }"""
CREATE = f"""mutation($input: CreateAppointmentInput!) {{ createAppointment(input: $input) {{
  appointment {{ {APPOINTMENT} }} errors {{ field code message }} }} }}"""
ARRIVE = """mutation($input: ArriveAppointmentInput!) { markAppointmentArrived(input: $input) {
  appointment { id status job { id } }
  job { id status operationsStream revenueStream issuesReported vehicle { registration } customer { name }
        technician { name } tasks { name billedHours status } appointment { id status } }
  errors { field code message } } }"""
WEEK = """query($site: ID!, $week: Date!, $by: CalendarBy!) { weekCalendar(siteId: $site, weekStart: $week, by: $by) {
  days rows { bay { name } technician { name } allocations { startsAt endsAt technician { name } bay { name }
  appointment { id status services { name } vehicle { registration } customer { name } job { id } } } }
  unallocated { id } } }"""


async def _world(db, garage):
    site = await open_site(db, garage)
    lift = await add_bay(db, garage, site, "Lift 1")
    tech = await technician(db, garage, "Anan")
    car = await make_vehicle(db, garage, "KB1111", owner_name="Somchai Jaidee")
    return site, lift, tech, car


def _alloc(lift, tech, start, end):
    return {"bayId": str(lift.id), "technicianId": str(tech.id), "startsAt": start.isoformat(),
            "endsAt": end.isoformat()}


async def test_arrival_opens_the_job_card(gql, db, garage):
    site, lift, tech, car = await _world(db, garage)
    brakes = await service(db, garage, "Brake pads", "2")
    oil = await service(db, garage, "Oil change", "0.5")
    token = garage.token(Role.SITE_MANAGER)
    body = await gql(CREATE, {"input": {
        "siteId": str(site.id), "vehicleId": str(car.id), "serviceIds": [str(brakes.id), str(oil.id)],
        "notes": "Squeal when braking", "confirm": True, "clientMutationId": "book-1",
        "allocations": [_alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "11:30"))]}}, token=token)
    payload = body["data"]["createAppointment"]
    assert payload["errors"] == []
    appointment = payload["appointment"]
    assert appointment["status"] == "CONFIRMED" and appointment["stream"] == "MECHANICAL"
    assert appointment["estimatedHours"] == "2.50"
    assert [s["name"] for s in appointment["services"]] == ["Brake pads", "Oil change"]
    th = await gql(f"query($id: ID!) {{ appointment(id: $id) {{ services {{ name }} }} }}",
                   {"id": appointment["id"]}, token=token, lang="th")
    assert th["data"]["appointment"]["services"][0]["name"] == "เปลี่ยนผ้าเบรก"

    body = await gql(ARRIVE, {"input": {"id": appointment["id"], "expectedVersion": appointment["version"],
                                        "clientMutationId": "arrive-1"}}, token=token)
    payload = body["data"]["markAppointmentArrived"]
    assert payload["errors"] == []
    job = payload["job"]
    assert payload["appointment"] == {"id": appointment["id"], "status": "ARRIVED", "job": {"id": job["id"]}}
    assert job["status"] == "ASSIGNED" and job["operationsStream"] == "MECHANICAL"
    assert job["revenueStream"] == "SCHEDULED" and job["issuesReported"] == "Squeal when braking"
    assert job["vehicle"]["registration"] == "KB1111" and job["customer"]["name"] == "Somchai Jaidee"
    assert job["technician"]["name"] == "Anan"
    assert job["appointment"] == {"id": appointment["id"], "status": "ARRIVED"}
    assert [(t["name"], t["billedHours"], t["status"]) for t in job["tasks"]] == [
        ("Brake pads", "2.00", "OPEN"), ("Oil change", "0.50", "OPEN")]
    # a replay returns the same job; arriving twice is refused in the user's language
    again = (await gql(ARRIVE, {"input": {"id": appointment["id"], "clientMutationId": "arrive-1"}},
                       token=token))["data"]["markAppointmentArrived"]
    assert again["job"]["id"] == job["id"] and again["errors"] == []
    for lang, text in (("en", "An appointment that is arrived cannot do that."),
                       ("th", "นัดหมายที่มีสถานะ “ลูกค้ามาถึงแล้ว” ทำรายการนี้ไม่ได้")):
        refused = (await gql(ARRIVE, {"input": {"id": appointment["id"]}}, token=token, lang=lang)
                   )["data"]["markAppointmentArrived"]
        assert refused["job"] is None
        assert [(e["code"], e["message"]) for e in refused["errors"]] == [("INVALID_APPOINTMENT_STATE", text)]


async def test_clash_over_graphql_in_english_and_thai(gql, db, garage):
    site, lift, tech, car = await _world(db, garage)
    await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "11:00"))])
    other = await make_vehicle(db, garage, "KB2222")
    for lang, text in (("en", "Lift 1 is already booked from Tue 23 Mar 2027 09:00 to 11:00 for "
                              "Somchai Jaidee (KB1111)."),
                       ("th", "Lift 1 มีคิวแล้วตั้งแต่ อังคาร 23 มี.ค. 2570 09:00 ถึง 11:00 ของ "
                              "Somchai Jaidee (KB1111)")):
        body = await gql(CREATE, {"input": {"siteId": str(site.id), "vehicleId": str(other.id),
                                            "stream": "MECHANICAL", "confirm": True, "allocations": [
                                                _alloc(lift, tech, at(TUESDAY, "10:00"), at(TUESDAY, "12:00"))]}},
                         token=garage.token(Role.SITE_MANAGER), lang=lang)
        payload = body["data"]["createAppointment"]
        assert payload["appointment"] is None
        assert [(e["code"], e["message"]) for e in payload["errors"]] in (
            [("BAY_BOOKED", text)], [("TECHNICIAN_BOOKED", text.replace("Lift 1", "Anan").replace("มีคิว", "มีนัด"))])


async def test_week_calendar_statements_do_not_grow(gql, db, garage, count_statements):
    site, lift, tech, car = await _world(db, garage)
    lifts = [lift] + [await add_bay(db, garage, site, f"Lift {n}") for n in range(2, 11)]
    techs = [tech] + [await technician(db, garage, f"Tech {n}") for n in range(2, 11)]
    token = garage.token(Role.WORKSHOP_MANAGER)
    variables = {"site": str(site.id), "week": MONDAY.isoformat()}
    counts = {}
    booked = 0
    for target in (10, 100):
        while booked < target:
            n = booked
            day = MONDAY + dt.timedelta(days=(n // 10) % 5)
            hour = 8 + (n // 50)
            await book(db, garage, site, car, [alloc(lifts[n % 10], techs[n % 10], at(day, f"{hour:02d}:00"),
                                                     at(day, f"{hour:02d}:30"))])
            booked += 1
        for by in ("BAY", "TECHNICIAN"):
            with count_statements() as counter:
                body = await gql(WEEK, {**variables, "by": by}, token=token)
            counts[(target, by)] = counter.count
            total = sum(len(r["allocations"]) for r in body["data"]["weekCalendar"]["rows"])
            assert total == target
    assert counts[(10, "BAY")] == counts[(100, "BAY")]
    assert counts[(10, "TECHNICIAN")] == counts[(100, "TECHNICIAN")]


ROLE_CASES = {
    # role: (may book, may read the week, may set up bays, may search slots)
    Role.ADMIN: (True, True, True, True),
    Role.SITE_MANAGER: (True, True, True, True),
    Role.WORKSHOP_MANAGER: (False, True, False, False),
    Role.TECHNICIAN: (False, True, False, False),
    Role.WAREHOUSE_MANAGER: (False, False, False, False),
    Role.BILLING: (False, False, False, False),
}


async def test_role_by_role(gql, db, garage):
    site, lift, tech, car = await _world(db, garage)
    theirs = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))])
    for role, (book_ok, read_ok, setup_ok, search_ok) in ROLE_CASES.items():
        token = garage.token(role)
        body = await gql(CREATE, {"input": {"siteId": str(site.id), "vehicleId": str(car.id), "stream": "MECHANICAL",
                                            "requestedAt": at(TUESDAY, "15:00").isoformat()}},
                         token=token, expect_errors=True)
        assert (error_codes(body) == []) == book_ok, role
        body = await gql(WEEK, {"site": str(site.id), "week": MONDAY.isoformat(), "by": "BAY"}, token=token,
                         expect_errors=True)
        assert (error_codes(body) == [] or "FORBIDDEN" not in error_codes(body)) == read_ok, (role, body)
        if read_ok and role == Role.TECHNICIAN:
            # the garage's own technician user is allocated to nothing: sees no one else's appointments
            assert all(r["allocations"] == [] for r in body["data"]["weekCalendar"]["rows"])
            one = await gql("query($id: ID!) { appointment(id: $id) { id } }", {"id": str(theirs.id)}, token=token)
            assert one["data"]["appointment"] is None
        body = await gql("""mutation($input: BayInput!) { createBay(input: $input) { bay { id } errors { code } } }""",
                         {"input": {"siteId": str(site.id), "name": f"Bay {role.value}", "kind": "LIFT",
                                    "streams": ["MECHANICAL"]}}, token=token, expect_errors=True)
        assert (error_codes(body) == []) == setup_ok, role
        body = await gql("""query($site: ID!, $from: DateTime!) { availableSlots(siteId: $site, stream: MECHANICAL,
                             hours: "1", from: $from, days: 2) { startsAt } }""",
                         {"site": str(site.id), "from": at(MONDAY, "00:00").isoformat()}, token=token,
                         expect_errors=True)
        assert (error_codes(body) == []) == search_ok, role


async def test_a_change_reaches_the_site_s_subscribers_live(app, gql, db, garage):
    from tests.workshop.test_jobs_live import subscription

    site, lift, tech, car = await _world(db, garage)
    query = "subscription($s: ID!) { appointmentsChanged(siteId: $s) { id status sequence } }"
    channel = site_channel(garage.id, site.id)
    async with subscription(app, garage.token(Role.WORKSHOP_MANAGER), query, {"s": str(site.id)}, channel) as receive, \
            subscription(app, garage.token(Role.TECHNICIAN), query, {"s": str(site.id)}, channel) as technician_receives:
        body = await gql(CREATE, {"input": {"siteId": str(site.id), "vehicleId": str(car.id), "stream": "MECHANICAL",
                                            "confirm": True, "allocations": [
                                                _alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))]}},
                         token=garage.token(Role.SITE_MANAGER))
        booked = body["data"]["createAppointment"]["appointment"]
        data, _ = await receive(2.0)
        assert data["appointmentsChanged"] == {"id": booked["id"], "status": "CONFIRMED", "sequence": 0}
        body = await gql("""mutation($input: EndAppointmentInput!) { cancelAppointment(input: $input) {
            errors { code } } }""", {"input": {"id": booked["id"], "reason": "Called off"}},
                         token=garage.token(Role.SITE_MANAGER))
        data, _ = await receive(2.0)
        assert data["appointmentsChanged"] == {"id": booked["id"], "status": "CANCELLED", "sequence": 1}
        # the garage's own technician user is not allocated to it: nothing reaches them
        with pytest.raises(asyncio.TimeoutError):
            await technician_receives(0.3)


async def test_arrivals_today(db, garage):
    from backend.scheduling.service import appointments as appts
    from backend.scheduling.service import calendar

    site, lift, tech, car = await _world(db, garage)
    later = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "14:00"), at(TUESDAY, "15:00"))])
    early = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))])
    gone = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "11:00"), at(TUESDAY, "12:00"))])
    await book(db, garage, site, car, [alloc(lift, tech, at(MONDAY, "09:00"), at(MONDAY, "10:00"))])
    async with db.transaction() as session:
        await appts.cancel_appointment(session, garage.actor(Role.SITE_MANAGER), gone.id, "Rebooked")
    async with db.read() as session:
        today = await calendar.arrivals_today(session, garage.actor(Role.SITE_MANAGER), site.id,
                                              now=at(TUESDAY, "07:00"))
    assert [a.id for a in today] == [early.id, later.id]



def test_the_scheduling_rows_of_the_permission_table():
    from backend.core.permissions import ROLE_PERMISSIONS, Permission as P

    scheduling = {P.APPOINTMENTS_READ, P.APPOINTMENTS_MANAGE, P.SCHEDULING_MANAGE, P.CALENDAR_FEEDS_MANAGE}
    assert {role: ROLE_PERMISSIONS[role] & scheduling for role in Role} == {
        Role.ADMIN: scheduling,
        Role.SITE_MANAGER: scheduling,  # reception books and sets up the site's bays and hours
        Role.WORKSHOP_MANAGER: {P.APPOINTMENTS_READ, P.CALENDAR_FEEDS_MANAGE},
        Role.TECHNICIAN: {P.APPOINTMENTS_READ},  # their own allocations (the service narrows it)
        Role.WAREHOUSE_MANAGER: set(),
        Role.BILLING: set(),
    }


async def test_site_setup_capacity_and_feeds_over_graphql(gql, db, garage, client):
    site, lift, tech, car = await _world(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    body = await gql("""mutation($site: ID!, $ranges: [OpeningRangeInput!]!) { setOpeningHours(siteId: $site,
        ranges: $ranges) { openingHours { weekday opens closes } errors { code message } } }""",
                     {"site": str(site.id), "ranges": [{"weekday": 0, "opens": "08:00", "closes": "12:00"},
                                                       {"weekday": 0, "opens": "11:00", "closes": "17:00"}]},
                     token=token, lang="th")
    payload = body["data"]["setOpeningHours"]
    assert payload["openingHours"] == [] and [e["code"] for e in payload["errors"]] == ["INVALID_OPENING_HOURS"]
    assert payload["errors"][0]["message"].startswith("เวลาทำการต้องอยู่ระหว่าง")
    hours = await gql("query($site: ID!) { openingHours(siteId: $site) { weekday opens closes } }",
                      {"site": str(site.id)}, token=token)
    assert hours["data"]["openingHours"][0] == {"weekday": 0, "opens": "08:00", "closes": "18:00"}  # unchanged
    body = await gql("""mutation($site: ID!, $ics: String!) { importClosedDays(siteId: $site, ics: $ics) {
        closedDays { day } errors { code message } } }""", {"site": str(site.id), "ics": "garbage"}, token=token)
    assert body["data"]["importClosedDays"]["errors"][0]["message"] == (
        "This file cannot be read as a calendar (.ics); nothing was imported.")

    await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "12:00"))])
    body = await gql("""query($site: ID!, $from: Date!, $to: Date!) { capacity(siteId: $site, from: $from, to: $to) {
        day bookedHours availableHours } }""", {"site": str(site.id), "from": TUESDAY.isoformat(),
                                                "to": TUESDAY.isoformat()}, token=garage.token(Role.WORKSHOP_MANAGER))
    # Anan's 9 hours plus the garage's own technician user, who has no shift pattern
    assert body["data"]["capacity"] == [{"day": TUESDAY.isoformat(), "bookedHours": 3.0, "availableHours": 9.0}]

    made = await gql("""mutation($tech: ID!) { createCalendarFeed(kind: TECHNICIAN, targetId: $tech) {
        feed { id url kind technician { name } } errors { code } } }""", {"tech": str(tech.id)},
                     token=garage.token(Role.WORKSHOP_MANAGER))
    feed = made["data"]["createCalendarFeed"]["feed"]
    assert feed["kind"] == "TECHNICIAN" and feed["technician"]["name"] == "Anan"
    assert feed["url"].startswith("http://testserver/calendar/") and feed["url"].endswith(".ics")
    path = feed["url"][feed["url"].index("/calendar/"):]
    assert (await client.get(path)).status_code == 200
    listed = await gql("{ calendarFeeds { id url } }", token=token)
    assert listed["data"]["calendarFeeds"] == [{"id": feed["id"], "url": None}]  # the token is shown once only
    await gql("mutation($id: ID!) { revokeCalendarFeed(id: $id) { feed { revokedAt } errors { code } } }",
              {"id": feed["id"]}, token=token)
    assert (await client.get(path)).status_code == 404


async def test_update_changes_only_what_is_sent(gql, db, garage):
    site, lift, tech, car = await _world(db, garage)
    oil = await service(db, garage, "Oil change", "0.5")
    booked = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))],
                        notes="Bring the spare key")
    body = await gql("""mutation($input: UpdateAppointmentInput!) { updateAppointment(input: $input) {
        appointment { notes estimatedHours sequence services { name } } errors { code } } }""",
                     {"input": {"id": str(booked.id), "serviceIds": [str(oil.id)], "expectedVersion": 1}},
                     token=garage.token(Role.SITE_MANAGER))
    assert body["data"]["updateAppointment"] == {"appointment": {
        "notes": "Bring the spare key", "estimatedHours": "0.50", "sequence": 1, "services": [{"name": "Oil change"}]},
        "errors": []}


async def test_times_at_the_ends_of_the_calendar_are_refused_not_crashed(gql, db, garage):
    site, lift, tech, car = await _world(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    for week in ("9999-12-27", "0001-01-01"):
        body = await gql(WEEK, {"site": str(site.id), "week": week, "by": "BAY"}, token=token, expect_errors=True)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    body = await gql("""query($site: ID!, $from: DateTime!) { availableSlots(siteId: $site, stream: MECHANICAL,
        hours: "1", from: $from, days: 30) { startsAt } }""", {"site": str(site.id), "from": "9999-12-30T00:00:00Z"},
                     token=token, expect_errors=True)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    body = await gql(CREATE, {"input": {"siteId": str(site.id), "vehicleId": str(car.id), "stream": "MECHANICAL",
                                        "confirm": True, "allocations": [{
                                            "bayId": str(lift.id), "technicianId": str(tech.id),
                                            "startsAt": "0001-01-01T00:00:00Z", "endsAt": "0001-01-01T02:00:00Z"}]}},
                     token=token)
    assert [e["code"] for e in body["data"]["createAppointment"]["errors"]] == ["INVALID_VALUE", "INVALID_VALUE"]


async def test_arrival_when_the_booked_technician_has_left(db, garage):
    from sqlalchemy import update

    from backend.accounts.models import User
    from backend.scheduling.service import appointments as appts

    site, lift, tech, car = await _world(db, garage)
    booked = await book(db, garage, site, car, [alloc(lift, tech, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))])
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == tech.id).values(active=False))
    async with db.transaction() as session:
        appointment, job = await appts.mark_arrived(session, garage.actor(Role.SITE_MANAGER), booked.id)
    assert appointment.status.value == "ARRIVED" and job.status.value == "RECEIVED" and job.technician_id is None
    assert job.appointment_id == booked.id
