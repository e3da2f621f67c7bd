"""Service due per vehicle (own interval, recorded last service) over GraphQL and in the scan; remindersDue for both
kinds in the garage's time zone; BOOKED through createJob; the embedded runner's scheduled scan; statement counts."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, update

from backend.accounts.models import Garage
from backend.core.ids import new_id
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer, Vehicle
from backend.notifications.reminders import service as reminders
from backend.notifications.reminders.models import Reminder, ReminderKind
from backend.notifications.reminders.scan import garage_today, scan_all
from backend.notifications.runner import InProcessRunner
from backend.workshop.models import Job, JobStatus
from tests.conftest import error_codes, make_settings
from tests.notifications.reminder_data import generate
from tests.workshop.helpers import CREATE_JOB, make_site

VEHICLE_FIELDS = """registration motDue serviceInterval { months km custom ownMonths ownKm version }
  serviceDue { date mileage byMileage lastServiceOn lastServiceMileage }"""
UPDATE = f"""mutation($input: UpdateVehicleServiceInput!) {{ updateVehicleService(input: $input) {{
  vehicle {{ {VEHICLE_FIELDS} }} errors {{ field code message }} }} }}"""
VEHICLES = f"query($n: Int) {{ vehicles(first: $n) {{ edges {{ node {{ {VEHICLE_FIELDS} }} }} }} }}"
DUE = """query($from: Date!, $to: Date!, $kind: ReminderKind, $first: Int, $after: String) {
  remindersDue(period: {from: $from, to: $to}, kind: $kind, first: $first, after: $after) {
  edges { node { registration kind dueOn status } } pageInfo { hasNextPage endCursor } } }"""
HISTORY = "query($id: ID!) { reminderHistory(vehicleId: $id) { kind status } }"


async def _owner_vehicle(db, world, registration, *, mot_in=None, serviced_days_ago=None, mileage_in=None,
                         channel=ContactChannel.SMS):
    today = garage_today("Asia/Bangkok")
    async with db.transaction() as s:
        owner = Customer(id=new_id(), garage_id=world.id, name="Owner " + registration, phone="+66 81 000 0000",
                         contact_channel=channel, consent_sms=True)
        s.add(owner)
        await s.flush()
        vehicle = Vehicle(id=new_id(), garage_id=world.id, registration=registration,
                          registration_display=registration, owner_id=owner.id,
                          mot_expiry=today + dt.timedelta(days=mot_in) if mot_in is not None else None)
        s.add(vehicle)
        await s.flush()
        if serviced_days_ago is not None:
            from backend.accounts.models import Site

            site = (await s.execute(select(Site).where(Site.garage_id == world.id))).scalars().first()
            if site is None:
                site = Site(id=new_id(), garage_id=world.id, name="Main", active=True)
                s.add(site)
                await s.flush()
            done = dt.datetime.now(dt.UTC) - dt.timedelta(days=serviced_days_ago)
            s.add(Job(id=new_id(), garage_id=world.id, site_id=site.id, number=f"JC-{registration}", year=done.year,
                      sequence=abs(hash(registration)) % 100000, vehicle_id=vehicle.id, customer_id=owner.id,
                      operations_stream="MECHANICAL", revenue_stream="WALK_IN", status=JobStatus.COMPLETED,
                      mileage_in=mileage_in, completed_at=done, version=1))
        return vehicle.id


async def test_a_vehicles_own_interval_and_last_service_set_its_service_due(gql, db, garage):
    vid = await _owner_vehicle(db, garage, "SV1", serviced_days_ago=30, mileage_in=50_000)
    today = garage_today("Asia/Bangkok")
    job_day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    [node] = [e["node"] for e in (await gql(VEHICLES, {"n": 5}, token=garage.token()))["data"]["vehicles"]["edges"]]
    assert node["serviceInterval"] == {"months": 12, "km": 10000, "custom": False, "ownMonths": None, "ownKm": None,
                                       "version": 0}
    assert node["serviceDue"] == {"date": job_day.replace(year=job_day.year + 1).isoformat(), "mileage": 60000,
                                  "byMileage": False, "lastServiceOn": job_day.isoformat(),
                                  "lastServiceMileage": 50000}
    assert node["motDue"] is None

    body = await gql(UPDATE, {"input": {"vehicleId": str(vid), "intervalMonths": 6, "intervalKm": 5000}},
                     token=garage.token(Role.SITE_MANAGER))
    payload = body["data"]["updateVehicleService"]
    assert payload["errors"] == []
    assert payload["vehicle"]["serviceInterval"] == {"months": 6, "km": 5000, "custom": True, "ownMonths": 6,
                                                     "ownKm": 5000, "version": 1}
    six = job_day.month + 6
    assert payload["vehicle"]["serviceDue"]["date"] == job_day.replace(
        year=job_day.year + (six - 1) // 12, month=(six - 1) % 12 + 1).isoformat()
    assert payload["vehicle"]["serviceDue"]["mileage"] == 55000

    # a service recorded by hand after the last job wins; null months goes back to the garage's 12
    recorded = today - dt.timedelta(days=3)
    body = await gql(UPDATE, {"input": {"vehicleId": str(vid), "intervalMonths": None, "lastServiceOn":
                                        recorded.isoformat(), "lastServiceMileage": 61000, "expectedVersion": 1}},
                     token=garage.token())
    node = body["data"]["updateVehicleService"]["vehicle"]
    assert node["serviceInterval"]["months"] == 12 and node["serviceInterval"]["ownKm"] == 5000
    assert node["serviceDue"] == {"date": recorded.replace(year=recorded.year + 1).isoformat(), "mileage": 66000,
                                  "byMileage": False, "lastServiceOn": recorded.isoformat(),
                                  "lastServiceMileage": 61000}


@pytest.mark.parametrize("lang,interval,future", [
    ("en", "Enter a service interval from 1 to 60.", "The last service date cannot be in the future."),
    ("th", "กรอกรอบการเข้าศูนย์บริการตั้งแต่ 1 ถึง 60", "วันที่เข้ารับบริการครั้งล่าสุดต้องไม่เป็นวันในอนาคต"),
])
async def test_bad_vehicle_service_input_is_refused_and_changes_nothing(gql, db, garage, other_garage, lang,
                                                                        interval, future):
    vid = await _owner_vehicle(db, garage, "SV2")
    tomorrow = garage_today("Asia/Bangkok") + dt.timedelta(days=1)
    body = await gql(UPDATE, {"input": {"vehicleId": str(vid), "intervalMonths": 0, "intervalKm": 500_000,
                                        "lastServiceOn": tomorrow.isoformat(), "lastServiceMileage": -1}},
                     token=garage.token(), lang=lang)
    payload = body["data"]["updateVehicleService"]
    assert payload["vehicle"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("intervalMonths", "INVALID_SERVICE_INTERVAL"), ("intervalKm", "INVALID_SERVICE_INTERVAL"),
        ("lastServiceOn", "INVALID_SERVICE_DATE"), ("lastServiceMileage", "INVALID_MILEAGE")]
    assert payload["errors"][0]["message"] == interval and payload["errors"][2]["message"] == future
    [node] = [e["node"] for e in (await gql(VEHICLES, {"n": 5}, token=garage.token()))["data"]["vehicles"]["edges"]]
    assert node["serviceInterval"]["custom"] is False and node["serviceDue"] is None
    # another garage's vehicle is not found; a technician may not
    other = await _owner_vehicle(db, other_garage, "SV3")
    body = await gql(UPDATE, {"input": {"vehicleId": str(other), "intervalMonths": 6}}, token=garage.token())
    assert body["data"]["updateVehicleService"]["errors"][0]["code"] == "NOT_FOUND"
    body = await gql(UPDATE, {"input": {"vehicleId": str(vid), "intervalMonths": 6}},
                     token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_vehicle_due_fields_do_not_add_statements_per_vehicle(gql, db, garage, count_statements):
    counts = []
    for n in (1, 10):
        async with db.transaction() as s:
            await s.execute(update(Vehicle).values(owner_id=None))
            await s.execute(Job.__table__.delete())
            await s.execute(Vehicle.__table__.delete())
            await s.execute(Customer.__table__.delete())
            await generate(s, garage.id, n, garage_today("Asia/Bangkok"), seed=3)
        with count_statements() as counter:
            body = await gql(VEHICLES, {"n": n}, token=garage.token())
        assert len(body["data"]["vehicles"]["edges"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_the_scan_uses_the_vehicles_own_interval(gql, db, garage):
    # serviced 100 days ago: due in 265 days by the garage's 12 months, in about 3 weeks with its own 4 months
    vid = await _owner_vehicle(db, garage, "SV4", serviced_days_ago=100)
    await scan_all(db)
    async with db.read() as s:
        assert (await s.execute(select(Reminder).where(Reminder.vehicle_id == vid))).scalars().all() == []
    body = await gql(UPDATE, {"input": {"vehicleId": str(vid), "intervalMonths": 4}}, token=garage.token())
    due = dt.date.fromisoformat(body["data"]["updateVehicleService"]["vehicle"]["serviceDue"]["date"])
    await scan_all(db)  # the same day: the vehicle changed, so this run looks at it again
    async with db.read() as s:
        [reminder] = (await s.execute(select(Reminder).where(Reminder.vehicle_id == vid))).scalars().all()
    assert (reminder.kind, reminder.due_on, reminder.lead_days) == (ReminderKind.SERVICE, due, 30)


async def test_reminders_due_lists_both_kinds_with_their_state_in_few_statements(gql, db, garage, other_garage,
                                                                                 count_statements):
    today = garage_today("Asia/Bangkok")
    await _owner_vehicle(db, garage, "AA1", mot_in=5, serviced_days_ago=350)
    await _owner_vehicle(db, garage, "BB2", mot_in=200, serviced_days_ago=340)
    await _owner_vehicle(db, garage, "CC3", mot_in=20)
    await _owner_vehicle(db, other_garage, "AA0", mot_in=5, serviced_days_ago=350)
    await scan_all(db)
    period = {"from": today.isoformat(), "to": (today + dt.timedelta(days=30)).isoformat()}
    body = await gql(DUE, period, token=garage.token(Role.SITE_MANAGER))
    nodes = [e["node"] for e in body["data"]["remindersDue"]["edges"]]
    assert [(n["registration"], n["kind"], n["status"]) for n in nodes] == [
        ("AA1", "MOT", "QUEUED"), ("AA1", "SERVICE", "QUEUED"), ("BB2", "SERVICE", "QUEUED"), ("CC3", "MOT", "QUEUED")]
    # pages split between the two kinds of one vehicle
    first = (await gql(DUE, {**period, "first": 1}, token=garage.token()))["data"]["remindersDue"]
    second = (await gql(DUE, {**period, "first": 2, "after": first["pageInfo"]["endCursor"]},
                        token=garage.token()))["data"]["remindersDue"]
    assert [(e["node"]["registration"], e["node"]["kind"]) for e in first["edges"] + second["edges"]] == [
        ("AA1", "MOT"), ("AA1", "SERVICE"), ("BB2", "SERVICE")]
    assert second["pageInfo"]["hasNextPage"] is True
    only = (await gql(DUE, {**period, "kind": "SERVICE"}, token=garage.token()))["data"]["remindersDue"]["edges"]
    assert [e["node"]["registration"] for e in only] == ["AA1", "BB2"]

    counts = []
    for n in (1, 10):
        async with db.transaction() as s:
            await generate(s, garage.id, 40 if n == 1 else 400, today, seed=n)
        with count_statements() as counter:
            body = await gql(DUE, {**period, "first": n}, token=garage.token())
        assert len(body["data"]["remindersDue"]["edges"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_booked_through_create_job_after_a_reminder_was_sent(gql, db, garage):
    site = await make_site(db, garage)
    vid = await _owner_vehicle(db, garage, "BK1", mot_in=5)
    await scan_all(db)
    history = (await gql(HISTORY, {"id": str(vid)}, token=garage.token()))["data"]["reminderHistory"]
    assert history == [{"kind": "MOT", "status": "QUEUED"}]
    body = await gql(CREATE_JOB, {"input": {"siteId": str(site.id), "vehicleId": str(vid),
                                            "operationsStream": "MECHANICAL", "revenueStream": "SCHEDULED",
                                            "issuesReported": "MOT"}}, token=garage.token(Role.SITE_MANAGER))
    assert body["data"]["createJob"]["errors"] == []
    history = (await gql(HISTORY, {"id": str(vid)}, token=garage.token()))["data"]["reminderHistory"]
    assert history == [{"kind": "MOT", "status": "BOOKED"}]
    today = garage_today("Asia/Bangkok")
    due = (await gql(DUE, {"from": today.isoformat(), "to": (today + dt.timedelta(days=10)).isoformat()},
                     token=garage.token()))["data"]["remindersDue"]["edges"]
    assert [(e["node"]["registration"], e["node"]["status"]) for e in due] == [("BK1", "BOOKED")]


async def test_today_is_the_garages_date_not_the_servers(db, garage):
    # 20:00 UTC on 10 March is already 11 March in Auckland (UTC+13)
    now = dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC)
    async with db.transaction() as s:
        await s.execute(update(Garage).where(Garage.id == garage.id).values(time_zone="Pacific/Auckland"))
        owner = Customer(id=new_id(), garage_id=garage.id, name="Kiri", phone="+64 21 000 000",
                         contact_channel=ContactChannel.SMS, consent_sms=True)
        s.add(owner)
        await s.flush()
        # due 18 March: 7 days ahead of the Auckland date (the 7-day reminder day), 8 of the UTC date
        s.add(Vehicle(id=new_id(), garage_id=garage.id, registration="NZ1", registration_display="NZ1",
                      mot_expiry=dt.date(2026, 3, 18), owner_id=owner.id))
        # yearly MOT from first registration on 10 March: the UTC date would still call it due today
        s.add(Vehicle(id=new_id(), garage_id=garage.id, registration="NZ2", registration_display="NZ2",
                      first_registration_date=dt.date(2019, 3, 10), owner_id=owner.id))
    await scan_all(db, now=now)
    async with db.read() as s:
        rows = (await s.execute(select(Reminder.due_on, Reminder.lead_days))).all()
    assert rows == [(dt.date(2026, 3, 18), 7)]
    async with db.read() as s:
        items = await reminders.reminders_due(s, garage.actor(), start=dt.date(2026, 3, 10),
                                              end=dt.date(2027, 3, 10), kind=ReminderKind.MOT, limit=10, after=None,
                                              now=now)
    assert [(i.registration, i.due_on) for i in items] == [("NZ1", dt.date(2026, 3, 18)),
                                                           ("NZ2", dt.date(2027, 3, 10))]
    # a job opened 61 days after a reminder's due date by the Auckland date (60 by the UTC date) does not book
    # it; one opened 60 days after does
    async with db.transaction() as s:
        await reminders.mark_booked(s, garage.id, (await s.execute(select(Vehicle.id).where(
            Vehicle.registration == "NZ1"))).scalar_one(), None, now=dt.datetime(2026, 5, 17, 12, 30, tzinfo=dt.UTC))
    async with db.read() as s:
        assert (await s.execute(select(Reminder.booked_at))).scalar_one() is None
    async with db.transaction() as s:
        await reminders.mark_booked(s, garage.id, (await s.execute(select(Vehicle.id).where(
            Vehicle.registration == "NZ1"))).scalar_one(), None, now=dt.datetime(2026, 5, 17, 11, 0, tzinfo=dt.UTC))
    async with db.read() as s:
        assert (await s.execute(select(Reminder.booked_at))).scalar_one() is not None


async def test_the_embedded_runner_started_like_the_app_runs_the_scan_on_its_schedule(app, db, garage):
    from backend.app import create_app

    vid = await _owner_vehicle(db, garage, "EMB1", mot_in=5)
    settings = make_settings(app.state.services.settings.database_url, reminder_scan_seconds=0.2,
                             sms_provider="none")
    embedded = create_app(settings)
    async with embedded.router.lifespan_context(embedded):
        assert isinstance(embedded.state.notification_relay, InProcessRunner)
        for _ in range(100):
            async with db.read() as s:
                found = (await s.execute(select(Reminder).where(Reminder.vehicle_id == vid))).scalars().all()
            if found:
                break
            await asyncio.sleep(0.1)
        assert [r.kind for r in found] == [ReminderKind.MOT]
        # it runs again on schedule: a vehicle added now is found, the first one is not doubled
        later = await _owner_vehicle(db, garage, "EMB2", mot_in=6)
        for _ in range(100):
            async with db.read() as s:
                rows = (await s.execute(select(Reminder.vehicle_id))).scalars().all()
            if later in rows:
                break
            await asyncio.sleep(0.1)
        assert sorted(rows) == sorted([vid, later])
