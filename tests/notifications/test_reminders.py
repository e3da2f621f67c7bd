"""The daily reminder scan over generated garages: it queues exactly the reminders an independent computation
expects, once, on the customer's consented channel and in their language (some vehicles with their own service
interval or a service recorded by hand); opted-out customers get nothing."""

from __future__ import annotations

import datetime as dt
import math
import random
import zoneinfo

from sqlalchemy import insert, select

from backend.customers.models import Customer, Vehicle
from backend.notifications.models import Notification
from backend.notifications.reminders.models import Reminder, VehicleService
from backend.notifications.reminders.scan import garage_today, scan_all, scan_garage
from backend.workshop.models import Job
from tests.notifications.reminder_data import generate

BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")
LEADS = (7, 30)


# ------------------------------------------------------------------------------ the expectation, computed naively


def anniversary(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def plus_months(day: dt.date, months: int) -> dt.date:
    y, m = day.year + (day.month - 1 + months) // 12, (day.month - 1 + months) % 12 + 1
    for d in range(day.day, 0, -1):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue


def expected_mot_due(vehicle, today):
    if vehicle.mot_expiry:
        return vehicle.mot_expiry
    if vehicle.first_registration_date is None:
        return None
    k = 3
    while anniversary(vehicle.first_registration_date, vehicle.first_registration_date.year + k) < today:
        k += 1
    return anniversary(vehicle.first_registration_date, vehicle.first_registration_date.year + k)


def expected_service_due(vehicle, job, plan=None):
    months = plan.interval_months if plan is not None and plan.interval_months else 12
    km = plan.interval_km if plan is not None and plan.interval_km is not None else 10_000
    last_on = job.completed_at.astimezone(BANGKOK).date() if job is not None else None
    last_km = job.mileage_in if job is not None else None
    if plan is not None and plan.last_service_on is not None and (
            last_on is None or plan.last_service_on > last_on or (plan.last_service_on == last_on and last_km is None)):
        last_on, last_km = plan.last_service_on, plan.last_service_mileage
    if last_on is None:
        return None
    by_date = plus_months(last_on, months)
    if last_km is None or vehicle.mileage is None:
        return by_date
    reading_on = vehicle.mileage_recorded_at.astimezone(BANGKOK).date()
    target = last_km + km
    if vehicle.mileage >= target:
        return min(by_date, max(reading_on, last_on))
    days = (reading_on - last_on).days
    if days < 14 or vehicle.mileage <= last_km:
        return by_date
    per_day = (vehicle.mileage - last_km) / days
    return min(by_date, reading_on + dt.timedelta(days=math.ceil((target - vehicle.mileage) / per_day)))


async def give_own_intervals(db, garage_id, today, seed):
    """Every 6th vehicle gets its own months and/or km; every 15th a service recorded by hand."""
    rnd = random.Random(seed)
    async with db.transaction() as s:
        ids = (await s.execute(select(Vehicle.id).where(Vehicle.garage_id == garage_id)
                               .order_by(Vehicle.id))).scalars().all()
        rows = []
        for i, vid in enumerate(ids):
            own, recorded = i % 6 == 0, i % 15 == 0
            if not (own or recorded):
                continue
            rows.append(dict(
                vehicle_id=vid, garage_id=garage_id, version=1,
                interval_months=rnd.choice([None, 3, 6, 18, 24]) if own else None,
                interval_km=rnd.choice([None, 5000, 15000]) if own else None,
                last_service_on=today - dt.timedelta(days=rnd.randint(20, 700)) if recorded else None,
                last_service_mileage=rnd.choice([None, rnd.randint(5_000, 150_000)]) if recorded else None))
        await s.execute(insert(VehicleService), rows)
    return {r["vehicle_id"] for r in rows}


def channel_of(customer):
    if customer.contact_channel.value == "SMS" and customer.consent_sms and customer.phone:
        return "SMS"
    if customer.contact_channel.value == "EMAIL" and customer.consent_email and customer.email:
        return "EMAIL"
    return None


def lead_today(due, today):
    for lead in LEADS:  # ascending: the nearest reminder whose day has come
        if due is not None and 0 <= (due - today).days <= lead:
            return lead
    return None


async def expected(db, garage_id, today):
    async with db.read() as s:
        vehicles = (await s.execute(select(Vehicle).where(Vehicle.garage_id == garage_id))).scalars().all()
        owners = {c.id: c for c in (await s.execute(
            select(Customer).where(Customer.garage_id == garage_id))).scalars().all()}
        jobs = {}
        for job in (await s.execute(select(Job).where(Job.garage_id == garage_id))).scalars().all():
            jobs[job.vehicle_id] = job
        plans = {p.vehicle_id: p for p in (await s.execute(
            select(VehicleService).where(VehicleService.garage_id == garage_id))).scalars()}
    out = {}
    for v in vehicles:
        owner = owners.get(v.owner_id)
        channel = channel_of(owner) if owner else None
        if channel is None:
            continue
        for kind, due in (("MOT", expected_mot_due(v, today)),
                          ("SERVICE", expected_service_due(v, jobs.get(v.id), plans.get(v.id)))):
            lead = lead_today(due, today)
            if lead is not None:
                locale = owner.locale.value if owner.locale else "en"
                out[(v.id, kind, due, lead, channel)] = (owner.phone if channel == "SMS" else owner.email, locale)
    return out


async def written(db, garage_id):
    async with db.read() as s:
        rows = (await s.execute(
            select(Reminder, Notification).outerjoin(Notification, Notification.id == Reminder.notification_id)
            .where(Reminder.garage_id == garage_id))).all()
    return {(r.vehicle_id, r.kind.value, r.due_on, r.lead_days, r.channel.value):
            (n.recipient, n.locale) if n else None for r, n in rows}


# ------------------------------------------------------------------------------------------------ the tests


async def test_scan_of_ten_thousand_vehicles_queues_exactly_the_due_reminders_once(db, garage, other_garage):
    today = garage_today("Asia/Bangkok")
    async with db.transaction() as s:
        await generate(s, garage.id, 10_000, today, seed=6)
        await generate(s, other_garage.id, 300, today, seed=7)
    own = await give_own_intervals(db, garage.id, today, seed=8)
    assert len(own) > 1500
    want = await expected(db, garage.id, today)
    assert sum(1 for k in want if k[0] in own and k[1] == "SERVICE") > 10  # their own interval decides these
    assert len(want) > 200 and {k[1] for k in want} == {"MOT", "SERVICE"}  # the set is big enough to mean something

    first = await scan_all(db, today)
    got = await written(db, garage.id)
    assert got == want
    other_want = await expected(db, other_garage.id, today)
    assert await written(db, other_garage.id) == other_want
    assert first.queued == len(want) + len(other_want)
    async with db.read() as s:
        events = (await s.execute(select(Notification.event, Notification.dedupe_key)
                                  .where(Notification.garage_id == garage.id))).all()
    assert len(events) == len(want) and {e for e, _ in events} == {"reminder_mot", "reminder_service"}

    second = await scan_all(db, today)
    assert second.queued == 0
    assert await written(db, garage.id) == want

    # the next day: only the reminders whose day comes then are added
    tomorrow = today + dt.timedelta(days=1)
    next_day = await scan_all(db, tomorrow)
    want_tomorrow = await expected(db, garage.id, tomorrow)
    assert await written(db, garage.id) == want | want_tomorrow
    assert next_day.queued >= len(set(want_tomorrow) - set(want)) > 0


async def test_opted_out_customers_get_nothing_and_a_new_consent_is_caught_up(db, garage):
    today = garage_today("Asia/Bangkok")
    async with db.transaction() as s:
        await generate(s, garage.id, 400, today, seed=11, with_jobs=False)
        for customer in (await s.execute(select(Customer).where(Customer.garage_id == garage.id))).scalars():
            customer.consent_sms = customer.consent_email = False
        vehicle = (await s.execute(select(Vehicle).where(Vehicle.garage_id == garage.id, Vehicle.owner_id.is_not(None))
                                   .order_by(Vehicle.id).limit(1))).scalar_one()
        vehicle.mot_expiry = today + dt.timedelta(days=3)
    result = await scan_all(db, today)
    assert result.queued == 0 and await written(db, garage.id) == {}

    # the next day the owner says yes to SMS: the scan finds them although their reminder day has passed
    async with db.transaction() as s:
        owner = await s.get(Customer, vehicle.owner_id)
        owner.contact_channel, owner.consent_sms, owner.phone = owner.contact_channel.SMS, True, "+44 7700 900123"
    tomorrow = today + dt.timedelta(days=1)
    await scan_all(db, tomorrow)
    got = await written(db, garage.id)
    assert got == {(vehicle.id, "MOT", today + dt.timedelta(days=3), 7, "SMS"):
                   ("+44 7700 900123", owner.locale.value if owner.locale else "en")}


async def test_scan_statements_do_not_grow_with_vehicles(db, garage, count_statements):
    today = garage_today("Asia/Bangkok")
    counts = []
    for n in (100, 1000):
        async with db.transaction() as s:
            await generate(s, garage.id, n, today, seed=n)
        with count_statements() as counter:
            async with db.transaction() as s:
                await s.execute(Reminder.__table__.delete())
                await s.execute(Notification.__table__.delete())
                from backend.notifications.reminders.models import ReminderSettings
                await s.execute(ReminderSettings.__table__.delete())
            async with db.transaction() as s:
                result = await scan_garage(s, garage.id, today)
        assert result.queued > 0
        counts.append(counter.count)
    assert counts[0] == counts[1], counts  # one batch each: the same statements for 100 or 1,100 vehicles


async def test_each_pass_reads_its_candidates_once_whatever_the_number_of_batches(db, garage, count_statements):
    """The window, the consent and each vehicle's last completed visit (the jobs' aggregate) are computed once per
    pass into a temporary table; a batch is one read of that table by id, so more batches add one read each and
    the same reminders are queued."""
    from backend.notifications.reminders.models import ReminderSettings

    today = garage_today("Asia/Bangkok")
    async with db.transaction() as s:
        await generate(s, garage.id, 400, today, seed=11, history=2)
    runs = []
    for batch in (10_000, 10, 5):
        async with db.transaction() as s:
            for table in (Reminder, Notification, ReminderSettings, VehicleService):
                await s.execute(table.__table__.delete())
        with count_statements() as counter:
            async with db.transaction() as s:
                result = await scan_garage(s, garage.id, today, batch=batch)
        lowered = [statement.lower() for statement in counter.statements]
        batch_reads = [st for st in lowered if st.lstrip().startswith("select") and "reminder_scan_candidates" in st]
        runs.append(dict(
            result=(result.queued, result.by_kind, result.candidates), batch_reads=len(batch_reads),
            aggregates=sum("max(jobs.completed_at)" in st for st in lowered),
            windows=sum("consent_sms" in st for st in lowered),
            other_reads=sum(st.lstrip().startswith("select") for st in lowered) - len(batch_reads),
            written=await written(db, garage.id)))
    one, ten, five = runs
    assert one["result"][0] > 0 and one["written"]
    for run in (ten, five):
        assert run["result"] == one["result"] and run["written"] == one["written"]
        assert run["aggregates"] == 1  # the jobs aggregated once per scan, not once per batch
        assert run["windows"] == one["windows"] == 2  # the MOT's and the service's candidates, once each
    assert one["batch_reads"] == 2  # one batch per pass
    # each pass reads ceil(candidates / batch) batches (one more when a batch comes out full)
    assert five["batch_reads"] > ten["batch_reads"] > one["batch_reads"]
    assert five["batch_reads"] <= one["result"][2] // 5 + 2
    # apart from the batches (and their writes), the same reads whatever the batch size
    assert one["other_reads"] == ten["other_reads"] == five["other_reads"]
