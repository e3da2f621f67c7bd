"""Thai vehicle duties instead of the MOT for a garage whose country is Thailand: the annual vehicle tax (on the
anniversary of first registration, payable 90 days early), the private inspection (ตรอ.) before it once a car is 7
FULL years old on the renewal date (a motorcycle 5), passed at most 3 months before, and the compulsory insurance
(พ.ร.บ.) expiry. The rules on both sides of each boundary; the scan with the MOT's consent, channel, lead times,
tracking and BOOKED rules; a UK garage keeps the MOT, and the texts of one never reach the other."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.core.enums import Locale
from backend.core.ids import new_id
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer, Vehicle, VehicleKind
from backend.notifications.models import Notification
from backend.notifications.reminders.models import Reminder
from backend.notifications.reminders.rules import (
    add_years,
    full_years,
    inspection_required,
    inspection_window_start,
    lead_for,
    tax_due_date,
    tax_window_start,
    thai_duties,
    window_leads,
)
from backend.notifications.reminders.scan import garage_today, scan_all
from backend.notifications.reminders.service import mark_booked
from backend.notifications.runner import InProcessRunner
from tests.conftest import make_settings

D = dt.date
THAI_WORDS = ("ภาษีรถ", "ตรอ.", "พ.ร.บ.", "annual tax", "inspection", "compulsory insurance")
UK_WORDS = ("MOT",)


# ------------------------------------------------------------------------------------------------ the rules


@pytest.mark.parametrize("first_reg,on,years", [
    (D(2019, 6, 10), D(2026, 6, 10), 7),  # the example: 7 full years on the June 2026 renewal
    (D(2019, 6, 10), D(2026, 6, 9), 6),  # a day before
    (D(2019, 6, 10), D(2025, 6, 10), 6),  # the June 2025 renewal: 6
    (D(2020, 2, 29), D(2027, 2, 28), 7),  # leap-day registration: the anniversary in a common year is 28 Feb
    (D(2020, 2, 29), D(2027, 2, 27), 6),
    (D(2020, 2, 29), D(2028, 2, 28), 7),  # in a leap year the anniversary is 29 Feb
    (D(2020, 2, 29), D(2028, 2, 29), 8),
    (D(2024, 1, 1), D(2023, 1, 1), 0),
])
def test_full_years(first_reg, on, years):
    assert full_years(first_reg, on) == years


@pytest.mark.parametrize("first_reg,kind,renewal,needed", [
    (D(2019, 6, 10), "CAR", D(2026, 6, 10), True),  # 7 full years on the renewal date
    (D(2019, 6, 10), "CAR", D(2025, 6, 10), False),  # 6: not before the June 2025 renewal
    (D(2019, 6, 10), None, D(2026, 6, 10), True),  # no kind recorded: a car
    (D(2021, 6, 10), "MOTORCYCLE", D(2026, 6, 10), True),  # a motorcycle at 5 full years
    (D(2021, 6, 10), "MOTORCYCLE", D(2025, 6, 10), False),  # 4
    (D(2021, 6, 10), "CAR", D(2026, 6, 10), False),  # a car at 5: not yet
    (D(2020, 2, 29), "CAR", D(2027, 2, 28), True),  # leap day: its 2027 renewal (28 Feb) is at 7 full years
    (D(2020, 2, 29), "CAR", D(2026, 2, 28), False),
])
def test_inspection_before_the_renewal(first_reg, kind, renewal, needed):
    assert inspection_required(first_reg, kind, renewal) is needed


@pytest.mark.parametrize("first_reg,today,due", [
    (D(2019, 6, 10), D(2026, 1, 1), D(2026, 6, 10)),
    (D(2019, 6, 10), D(2026, 6, 10), D(2026, 6, 10)),  # due today
    (D(2019, 6, 10), D(2026, 6, 11), D(2027, 6, 10)),  # then the next year
    (D(2025, 11, 1), D(2025, 12, 1), D(2026, 11, 1)),  # a new car: its first renewal, a year after registration
    (D(2025, 11, 1), D(2025, 11, 1), D(2026, 11, 1)),  # registered today: paid for a year
    (D(2020, 2, 29), D(2027, 1, 1), D(2027, 2, 28)),  # leap day: 28 Feb in a common year
    (D(2020, 2, 29), D(2027, 3, 1), D(2028, 2, 29)),
    (None, D(2026, 1, 1), None),
])
def test_tax_due_on_the_anniversary_of_first_registration(first_reg, today, due):
    assert tax_due_date(first_reg, today) == due


def test_the_windows_edges():
    due = D(2026, 6, 10)
    assert tax_window_start(due) == D(2026, 3, 12)  # 90 days early
    assert (due - tax_window_start(due)).days == 90
    assert inspection_window_start(due) == D(2026, 3, 10)  # 3 months
    assert inspection_window_start(D(2026, 5, 31)) == D(2026, 2, 28)  # a day February lacks: its last
    # a lead earlier than the window opens is sent on the day it opens; leads inside it are kept
    assert window_leads([120, 30, 7], due, tax_window_start(due)) == [90, 30, 7]
    assert window_leads([30, 7], due, tax_window_start(due)) == [30, 7]
    leads = window_leads([120], due, tax_window_start(due))
    assert lead_for(due, due - dt.timedelta(days=91), leads) is None  # a day before the window: not yet
    assert lead_for(due, due - dt.timedelta(days=90), leads) == 90  # the first day it can be paid
    assert lead_for(due, due - dt.timedelta(days=89), leads) == 90


def test_duties_of_a_vehicle():
    duties = thai_duties(D(2019, 6, 10), "CAR", D(2026, 4, 1), D(2026, 1, 5))
    assert (duties.tax_on, duties.inspection_on, duties.insurance_on) == (D(2026, 6, 10), D(2026, 6, 10),
                                                                          D(2026, 4, 1))
    duties = thai_duties(D(2019, 6, 10), "CAR", None, D(2025, 1, 5))
    assert (duties.tax_on, duties.inspection_on, duties.insurance_on) == (D(2025, 6, 10), None, None)


# ------------------------------------------------------------------------------------------------ the scan


async def _owner_and_vehicle(s, world, reg, *, first_reg=None, kind=None, insurance=None, mot=None,
                             consent=True, locale=Locale.TH, channel=ContactChannel.SMS, company=False):
    from backend.customers.models import CustomerKind

    owner = Customer(id=new_id(), garage_id=world.id, name="สยามมอเตอร์ จำกัด" if company else "นายสมชาย ใจดี",
                     kind=CustomerKind.COMPANY if company else CustomerKind.PERSON, phone="+66812345678",
                     email="owner@example.co.th", contact_channel=channel, consent_sms=consent,
                     consent_email=consent, locale=locale)
    s.add(owner)
    await s.flush()
    vehicle = Vehicle(id=new_id(), garage_id=world.id, registration=reg, registration_display=reg,
                      first_registration_date=first_reg, kind=kind, insurance_expiry=insurance, mot_expiry=mot,
                      owner_id=owner.id)
    s.add(vehicle)
    await s.flush()
    return vehicle


async def _fleet(db, world, today):
    """Due in 30 days: an 8-year-old car (tax + inspection), a 3-year-old car (tax only), a 5-year-old motorcycle
    (tax + inspection), a 5-year-old car (tax only); a พ.ร.บ. running out in 7 days; an owner without consent."""
    due = today + dt.timedelta(days=30)
    ids = {}
    async with db.transaction() as s:
        for reg, years, kind, kwargs in (("OLD8", 8, VehicleKind.CAR, {}), ("NEW3", 3, None, {}),
                                         ("BIKE5", 5, VehicleKind.MOTORCYCLE, {}), ("CAR5", 5, VehicleKind.CAR, {}),
                                         ("NOCONSENT", 8, VehicleKind.CAR, {"consent": False})):
            ids[reg] = (await _owner_and_vehicle(s, world, reg, first_reg=add_years(due, -years), kind=kind,
                                                 **kwargs)).id
        ids["INS7"] = (await _owner_and_vehicle(s, world, "INS7", first_reg=add_years(due, -2) + dt.timedelta(
            days=100), insurance=today + dt.timedelta(days=7), channel=ContactChannel.EMAIL, company=True)).id
    return ids


async def _reminders(db, world):
    async with db.read() as s:
        rows = (await s.execute(select(Reminder, Vehicle.registration).join(Vehicle, Vehicle.id == Reminder.vehicle_id)
                                .where(Reminder.garage_id == world.id))).all()
    return sorted((reg, r.kind.value, r.lead_days, r.channel.value) for r, reg in rows)


async def _deliver(app, db, tmp_path) -> dict[tuple[str, str], tuple[str | None, str]]:
    """Deliver through the file providers; (registration, event) -> (subject, text) of each message."""
    settings = make_settings(app.state.services.settings.database_url, data_dir=tmp_path, sms_provider="file",
                             public_url="https://service.chang-ek.co.th")
    runner = InProcessRunner(db, settings)
    try:
        await runner.drain()
    finally:
        await runner.senders.close()
    async with db.read() as s:
        rows = (await s.execute(select(Notification))).scalars().all()
    return {(row.context["registration"], row.event): (row.subject, row.body) for row in rows}


async def test_a_thai_garage_reminds_of_tax_inspection_and_insurance_not_the_mot(app, db, thai_garage, tmp_path):
    today = garage_today("Asia/Bangkok")
    await _fleet(db, thai_garage, today)
    result = await scan_all(db, today)
    assert await _reminders(db, thai_garage) == [
        ("BIKE5", "INSPECTION", 30, "SMS"), ("BIKE5", "VEHICLE_TAX", 30, "SMS"),  # a motorcycle at 5
        ("CAR5", "VEHICLE_TAX", 30, "SMS"),  # a 5-year-old car: no inspection yet
        ("INS7", "INSURANCE", 7, "EMAIL"),  # the owner's own channel
        ("NEW3", "VEHICLE_TAX", 30, "SMS"),
        ("OLD8", "INSPECTION", 30, "SMS"), ("OLD8", "VEHICLE_TAX", 30, "SMS"),
    ]  # NOCONSENT: nothing; no MOT for anyone
    assert result.by_kind == {"VEHICLE_TAX": 4, "INSPECTION": 2, "INSURANCE": 1}
    assert (await scan_all(db, today)).queued == 0  # a second run sends nothing twice

    sent = await _deliver(app, db, tmp_path)
    due = today + dt.timedelta(days=30)
    subject, text = sent[("OLD8", "reminder_vehicle_tax")]
    assert text.startswith(f"อู่ช่างเอก บางนา: ภาษีรถ OLD8 ครบกำหนด {due.day} ")
    _, text = sent[("OLD8", "reminder_inspection")]
    assert "ตรวจ ตรอ. ก่อนต่อภาษี" in text
    subject, text = sent[("INS7", "reminder_insurance")]
    assert subject.startswith("พ.ร.บ. รถทะเบียน INS7 หมดอายุวันที่")
    assert text.startswith("เรียน บริษัท สยามมอเตอร์ จำกัด\n")  # a company, by its name
    assert "\n\nขอแสดงความนับถือ\nอู่ช่างเอก บางนา\n" in text  # a neutral close, no ค่ะ/ครับ
    for (_reg, _event), (subject, body) in sent.items():
        assert not any(word in (subject or "") + body for word in UK_WORDS), (subject, body)


async def test_the_tax_mail_says_when_it_can_be_paid_and_what_it_needs(app, db, thai_garage, tmp_path):
    today = garage_today("Asia/Bangkok")
    due = today + dt.timedelta(days=30)
    async with db.transaction() as s:
        await _owner_and_vehicle(s, thai_garage, "MAIL8", first_reg=add_years(due, -8), kind=VehicleKind.CAR,
                                 insurance=due + dt.timedelta(days=40), channel=ContactChannel.EMAIL,
                                 locale=Locale.EN)
    await scan_all(db, today)
    sent = await _deliver(app, db, tmp_path)
    subject, text = sent[("MAIL8", "reminder_vehicle_tax")]
    start = due - dt.timedelta(days=90)
    assert subject == f"Annual vehicle tax due for MAIL8 on {due.day} {due.strftime('%B %Y')}"
    assert text.startswith("Dear สมชาย,\n")  # a person, by first name (นาย is a title)
    assert f"You can renew it from {start.day} {start.strftime('%B %Y')}, up to 90 days early." in text
    assert "private vehicle inspection (ตรอ.)" in text and "must be valid on the day you renew" in text
    insurance = due + dt.timedelta(days=40)
    assert f"Yours runs until {insurance.day} {insurance.strftime('%B %Y')}." in text
    _, text = sent[("MAIL8", "reminder_inspection")]
    window = inspection_window_start(due)
    assert f"An inspection passed from {window.day} {window.strftime('%B %Y')} counts for this renewal." in text


async def test_a_lead_before_the_tax_window_comes_the_day_it_opens(db, gql, thai_garage):
    """Lead 120 days: the tax (payable 90 days early) is reminded on the 90th day before, found by the daily
    scan's moving window, not on the 120th."""
    today = garage_today("Asia/Bangkok")
    await gql("mutation { updateReminderSettings(input: {leadDays: [120], kinds: [VEHICLE_TAX]}) { errors { code } } }",
              token=thai_garage.token())
    async with db.transaction() as s:
        await _owner_and_vehicle(s, thai_garage, "WIN91", first_reg=add_years(today + dt.timedelta(days=91), -4))
        await _owner_and_vehicle(s, thai_garage, "WIN120", first_reg=add_years(today + dt.timedelta(days=120), -4))
    await scan_all(db, today)
    assert await _reminders(db, thai_garage) == []  # 91 and 120 days ahead: it cannot be paid yet
    await scan_all(db, today + dt.timedelta(days=1))
    assert await _reminders(db, thai_garage) == [("WIN91", "VEHICLE_TAX", 90, "SMS")]  # its window opened


async def test_a_uk_garage_keeps_the_mot_and_none_of_the_thai_duties(app, db, garage, tmp_path):
    today = garage_today("Asia/Bangkok")
    await _fleet(db, garage, today)  # the same vehicles in a UK garage
    await scan_all(db, today)
    kinds = {kind for _reg, kind, _lead, _channel in await _reminders(db, garage)}
    assert kinds == {"MOT"}
    sent = await _deliver(app, db, tmp_path)
    assert {event for _reg, event in sent} == {"reminder_mot"}
    for subject, body in sent.values():
        assert not any(word in (subject or "") + body for word in ("ภาษีรถ", "ตรอ.", "พ.ร.บ.", "annual tax"))


DUE = """query($from: Date!, $to: Date!, $kind: ReminderKind) { remindersDue(period: {from: $from, to: $to},
  kind: $kind) { edges { node { registration kind dueOn status } } } }"""


async def test_reminders_due_and_booked_and_the_vehicles_duties(db, gql, thai_garage, garage):
    today = garage_today("Asia/Bangkok")
    ids = await _fleet(db, thai_garage, today)
    await scan_all(db, today)
    period = {"from": today.isoformat(), "to": (today + dt.timedelta(days=31)).isoformat()}
    due = (today + dt.timedelta(days=30)).isoformat()
    nodes = [e["node"] for e in (await gql(DUE, {**period, "kind": "INSPECTION"},
                                           token=thai_garage.token(Role.SITE_MANAGER)))["data"]["remindersDue"]["edges"]]
    assert nodes == [{"registration": "BIKE5", "kind": "INSPECTION", "dueOn": due, "status": "QUEUED"},
                     {"registration": "NOCONSENT", "kind": "INSPECTION", "dueOn": due, "status": None},
                     {"registration": "OLD8", "kind": "INSPECTION", "dueOn": due, "status": "QUEUED"}]
    every = [(n["node"]["registration"], n["node"]["kind"]) for n in (await gql(
        DUE, period, token=thai_garage.token()))["data"]["remindersDue"]["edges"]]
    assert ("OLD8", "VEHICLE_TAX") in every and ("INS7", "INSURANCE") in every
    assert not [kind for _reg, kind in every if kind == "MOT"]
    mot = await gql(DUE, {**period, "kind": "MOT"}, token=thai_garage.token())
    assert mot["data"]["remindersDue"]["edges"] == []  # not a Thai garage's kind

    # a job opened for the vehicle books its reminders, as for the MOT
    async with db.transaction() as s:
        await mark_booked(s, thai_garage.id, ids["OLD8"], None)
    nodes = [e["node"] for e in (await gql(DUE, {**period, "kind": "VEHICLE_TAX"}, token=thai_garage.token())
                                 )["data"]["remindersDue"]["edges"]]
    assert {n["registration"]: n["status"] for n in nodes}["OLD8"] == "BOOKED"

    query = """query($id: ID!) { vehicle(id: $id) { motDue dutiesDue { kind dueOn from } } }"""
    vehicle = (await gql(query, {"id": str(ids["OLD8"])}, token=thai_garage.token()))["data"]["vehicle"]
    start = (today + dt.timedelta(days=30) - dt.timedelta(days=90)).isoformat()
    assert vehicle["motDue"] is None
    assert vehicle["dutiesDue"] == [
        {"kind": "VEHICLE_TAX", "dueOn": due, "from": start},
        {"kind": "INSPECTION", "dueOn": due, "from": inspection_window_start(today + dt.timedelta(days=30))
         .isoformat()}]
    other = await _fleet(db, garage, today)
    vehicle = (await gql(query, {"id": str(other["OLD8"])}, token=garage.token()))["data"]["vehicle"]
    assert vehicle["dutiesDue"] == [] and vehicle["motDue"] is not None


SETTINGS = "{ reminderSettings { kinds } }"
TEMPLATES = "{ notificationTemplates { event } }"
UPDATE_TEMPLATE = """mutation($e: String!) { updateNotificationTemplate(input: {event: $e, channel: SMS, locale: TH,
  body: "{{ registration }}"}) { template { event } errors { field code message } } }"""


@pytest.mark.parametrize("lang,message", [("en", "This value is not valid."), ("th", "ค่านี้ไม่ถูกต้อง")])
async def test_each_country_sees_only_its_own_reminder_kinds_and_templates(gql, garage, thai_garage, lang,
                                                                           message):
    thai = (await gql(SETTINGS, token=thai_garage.token()))["data"]["reminderSettings"]["kinds"]
    uk = (await gql(SETTINGS, token=garage.token()))["data"]["reminderSettings"]["kinds"]
    assert thai == ["VEHICLE_TAX", "INSPECTION", "INSURANCE", "SERVICE"] and uk == ["MOT", "SERVICE"]
    for world, kind in ((thai_garage, "MOT"), (garage, "VEHICLE_TAX")):  # the other country's kind is refused
        body = await gql(f"mutation {{ updateReminderSettings(input: {{kinds: [{kind}]}}) {{ settings {{ kinds }} "
                         "errors { field code message } } }", token=world.token(), lang=lang)
        payload = body["data"]["updateReminderSettings"]
        assert payload == {"settings": None, "errors": [{"field": "kinds", "code": "INVALID_VALUE",
                                                         "message": message}]}
    assert (await gql(SETTINGS, token=thai_garage.token()))["data"]["reminderSettings"]["kinds"] == thai

    thai_events = {t["event"] for t in (await gql(TEMPLATES, token=thai_garage.token()))["data"][
        "notificationTemplates"]}
    uk_events = {t["event"] for t in (await gql(TEMPLATES, token=garage.token()))["data"]["notificationTemplates"]}
    assert {"reminder_vehicle_tax", "reminder_inspection", "reminder_insurance", "reminder_service"} <= thai_events
    assert "reminder_mot" not in thai_events
    assert "reminder_mot" in uk_events and not uk_events & {"reminder_vehicle_tax", "reminder_inspection",
                                                            "reminder_insurance"}
    for world, event in ((thai_garage, "reminder_mot"), (garage, "reminder_vehicle_tax")):
        body = await gql(UPDATE_TEMPLATE, {"e": event}, token=world.token(), lang=lang)
        payload = body["data"]["updateNotificationTemplate"]
        assert payload["template"] is None and payload["errors"][0]["code"] == "UNKNOWN_TEMPLATE"


# ------------------------------------------------------------------------------------------------ at scale


def _anniversary(first: dt.date, year: int) -> dt.date:
    try:
        return first.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def _three_months_before(day: dt.date) -> dt.date:
    year, month = (day.year, day.month - 3) if day.month > 3 else (day.year - 1, day.month + 9)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


def _expected_duties(vehicle, today):
    """The Thai duties of a vehicle, written apart from rules.py: kind -> (due, first day it can be done)."""
    out = {}
    first = vehicle.first_registration_date
    if first is not None:
        year = max(today.year, first.year + 1)
        due = _anniversary(first, year)
        if due < today or year <= first.year:
            due = _anniversary(first, year + 1)
        out["VEHICLE_TAX"] = (due, due - dt.timedelta(days=90))
        age = due.year - first.year  # the renewal is itself an anniversary
        if age >= (5 if vehicle.kind == VehicleKind.MOTORCYCLE else 7):
            out["INSPECTION"] = (due, _three_months_before(due))
    if vehicle.insurance_expiry is not None:
        out["INSURANCE"] = (vehicle.insurance_expiry, None)
    return out


async def _expected_thai(db, garage_id, today, leads):
    from tests.notifications.test_reminders import channel_of

    async with db.read() as s:
        vehicles = (await s.execute(select(Vehicle).where(Vehicle.garage_id == garage_id))).scalars().all()
        owners = {c.id: c for c in (await s.execute(select(Customer).where(Customer.garage_id == garage_id)))
                  .scalars()}
    out = set()
    for v in vehicles:
        owner = owners.get(v.owner_id)
        channel = channel_of(owner) if owner else None
        if channel is None:
            continue
        for kind, (due, start) in _expected_duties(v, today).items():
            days = (due - today).days
            fitting = [min(lead, (due - start).days) if start else lead for lead in leads]
            fitting = [lead for lead in fitting if 0 <= days <= lead]
            if fitting:
                out.add((v.id, kind, due, min(fitting), channel))
    return out


@pytest.mark.parametrize("leads", [[30, 7], [120, 14]])
async def test_a_week_of_daily_scans_of_a_generated_thai_garage_queues_exactly_the_due_duties(db, gql, thai_garage,
                                                                                           leads):
    from tests.notifications.reminder_data import generate

    today = garage_today("Asia/Bangkok")
    await gql("mutation($l: [Int!]) { updateReminderSettings(input: {leadDays: $l, kinds: [VEHICLE_TAX, INSPECTION, "
              "INSURANCE]}) { errors { code } } }", {"l": leads}, token=thai_garage.token())
    async with db.transaction() as s:
        await generate(s, thai_garage.id, 3000, today, seed=11, with_jobs=False)
    want: set = set()
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        want |= await _expected_thai(db, thai_garage.id, day, leads)
        await scan_all(db, day)
        async with db.read() as s:
            got = {(r.vehicle_id, r.kind.value, r.due_on, r.lead_days, r.channel.value) for r in (await s.execute(
                select(Reminder).where(Reminder.garage_id == thai_garage.id))).scalars()}
        assert got == want, (offset, sorted(got ^ want)[:5])
    assert len(want) > 50 and {k[1] for k in want} == {"VEHICLE_TAX", "INSPECTION", "INSURANCE"}


VEHICLES = """query($n: Int) { vehicles(first: $n) { edges { node { registration motDue dutiesDue { kind dueOn from }
  serviceDue { date } } } } }"""


async def test_duties_read_in_the_same_number_of_statements_for_1_10_and_100_vehicles(gql, db, thai_garage,
                                                                                    count_statements):
    from tests.notifications.reminder_data import generate

    today = garage_today("Asia/Bangkok")
    counts, due_counts = [], []
    period = {"from": today.isoformat(), "to": (today + dt.timedelta(days=60)).isoformat()}
    for n in (1, 10, 100):
        async with db.transaction() as s:
            await generate(s, thai_garage.id, 3 * n, today, seed=n + 40)
        with count_statements() as counter:
            body = await gql(VEHICLES, {"n": n}, token=thai_garage.token())
        edges = body["data"]["vehicles"]["edges"]
        assert len(edges) == n and all(e["node"]["motDue"] is None for e in edges)
        counts.append(counter.count)
        with count_statements() as counter:
            body = await gql(DUE, {**period}, token=thai_garage.token())
        assert body["data"]["remindersDue"]["edges"]
        due_counts.append(counter.count)
    assert any(e["node"]["dutiesDue"] for e in edges)
    assert counts[0] == counts[1] == counts[2], counts
    assert due_counts[0] == due_counts[1], due_counts  # up to the first page's 100 rows: one chunk
