"""Self-booking from a reminder's link (backend/scheduling/booking, backend/portal/booking_schema.py), over the
portal's endpoint with the local SMS provider: the link in the reminder's SMS (never in the stored copy), the page,
the free slots, the code, the booking (CONFIRMED or REQUESTED per the garage's setting), the reminder BOOKED, the
confirmation with the link; moving and cancelling by the rules (free slots only, the cut-off); the day-before
message once; bad input in English and Thai; a revoked or expired link; another garage's data never."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
import pytest_asyncio
from sqlalchemy import select, update

from backend.core.models import AuditEntry
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer
from backend.notifications.models import Channel, Notification
from backend.notifications.outbox import enqueue
from backend.notifications.reminders.models import Reminder, ReminderKind
from backend.scheduling.booking import service as booking
from backend.scheduling.booking.models import BookingLink
from backend.scheduling.models import Allocation, Appointment
from backend.scheduling.service.common import site_channel
from tests.portal.helpers import settings_for
from tests.notifications.test_delivery import drain
from tests.scheduling.helpers import add_bay, at, make_vehicle, open_site, service, technician

@pytest_asyncio.fixture
async def sms():
    from tests.notifications.sinks import HttpSink

    sink = await HttpSink().start()
    yield sink
    await sink.stop()


TOKEN = re.compile(r"/b/#([A-Za-z0-9_-]{22})")
CODE = re.compile(r"(?<![-\d/:])(\d{6})(?![\d/:])")

BOOKING = """query { booking { locale mode cutoffHours customerName vehicle { registration }
  garage { name phone } services { id name hours stream }
  appointment { status statusLabel startsAt endsAt services hours canChange customerConfirmed } } }"""
SLOTS = """query($ids: [ID!]!, $from: DateTime) { bookingSlots(serviceIds: $ids, from: $from) {
  hours slots { startsAt endsAt } errors { field code message } } }"""
REQUEST_CODE = """mutation { requestBookingCode(channel: SMS) { sent errors { field code message } } }"""
BOOK = """mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) {
  booking { appointment { status startsAt endsAt services canChange } } errors { field code message } } }"""
MOVE = """mutation($at: DateTime!) { moveBooking(startsAt: $at) {
  booking { appointment { status startsAt } } errors { field code message } } }"""
CANCEL = """mutation { cancelBooking(reason: "Away that week") { booking { appointment { status canChange } }
  errors { field code message } } }"""
CONFIRM = """mutation { confirmBooking { booking { appointment { customerConfirmed } } errors { code message } } }"""
SETTINGS = """mutation($i: UpdateBookingSettingsInput!) { updateBookingSettings(input: $i) {
  settings { mode cutoffHours bookableServiceIds version } errors { field code message } } }"""


def texts(sms) -> list[str]:
    return [json.loads(r["body"])["text"] for r in sms.requests]


def next_weekday(days_ahead: int = 2) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


async def world(db, garage, *, locale=None):
    """A site open Mon-Sat 08:00-18:00 (Bangkok), one lift, one technician on 08:00-17:00 weekdays, two bookable
    services and a third one not offered; a customer on SMS with consent; a service reminder for the car."""
    site = await open_site(db, garage)
    lift = await add_bay(db, garage, site, "Lift 1")
    tech = await technician(db, garage, "Anan", valid_from=dt.date.today() - dt.timedelta(days=7))
    brakes = await service(db, garage, "Brake pads", "2")
    oil = await service(db, garage, "Oil change", "1")
    body = await service(db, garage, "Respray", "3", stream=OperationsStream.BODY)
    hidden = await service(db, garage, "Engine rebuild", "8")
    car = await make_vehicle(db, garage, "KB1111", owner_name="Somchai Jaidee")
    async with db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == car.owner_id).values(
            contact_channel=ContactChannel.SMS, consent_sms=True, consent_email=True, phone="+66812345678",
            email="somchai@example.com", locale=locale))
        await booking.update_settings(session, garage.actor(), bookable_service_ids=[brakes.id, oil.id, body.id])
    return site, lift, tech, (brakes, oil, body, hidden), car


async def send_reminder(app, db, garage, car, sms) -> tuple[str, Reminder]:
    """A service reminder for the car, sent through the outbox: the booking link's token from the SMS."""
    async with db.transaction() as session:
        reminder = Reminder(id=uuid.uuid4(), garage_id=garage.id, vehicle_id=car.id, customer_id=car.owner_id,
                            kind=ReminderKind.SERVICE, due_on=dt.date.today() + dt.timedelta(days=7), lead_days=7,
                            channel=Channel.SMS)
        session.add(reminder)
        await session.flush()
        row = await enqueue(session, garage_id=garage.id, event="reminder_service", channel=Channel.SMS, locale="en",
                            customer_id=car.owner_id, dedupe_key=f"test-reminder:{reminder.id}", context={
                                "registration": car.registration_display, "garage_name": garage.garage.name,
                                "due_date": reminder.due_on.isoformat(), "due_date_text": "soon", "days_left": 7,
                                "lead_days": 7, "vehicle_id": str(car.id), "kind": "SERVICE"})
        reminder.notification_id = row.id
    await drain(app, settings_for(app, sms.base))
    found = [m.group(1) for t in texts(sms) for m in [TOKEN.search(t)] if m]
    assert found, texts(sms)
    return found[-1], reminder


async def ask(client, token: str | None, query: str, variables: dict | None = None, *, lang: str | None = None,
              scheme: str = "Booking") -> dict:
    headers = {"Accept-Language": lang} if lang else {}
    if token is not None:
        headers["Authorization"] = f"{scheme} {token}"
    response = await client.post("/portal/graphql", json={"query": query, "variables": variables or {}},
                                 headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def data(body: dict) -> dict:
    assert not body.get("errors"), body
    return next(iter(body["data"].values()))


async def code(app, client, token, sms) -> str:
    before = len(sms.requests)
    sent = data(await ask(client, token, REQUEST_CODE))
    assert sent["sent"] and not sent["errors"], sent
    await drain(app, settings_for(app, sms.base))
    assert len(sms.requests) > before
    return CODE.search(texts(sms)[-1]).group(1)


async def book_first_slot(app, client, token, sms, service_ids, **extra) -> dict:
    slots = data(await ask(client, token, SLOTS, {"ids": service_ids}))
    assert slots["slots"], slots
    one_time = await code(app, client, token, sms)
    result = data(await ask(client, token, BOOK, {"input": {
        "serviceIds": service_ids, "startsAt": slots["slots"][0]["startsAt"], "name": "Somchai Jaidee",
        "code": one_time, **extra}}))
    assert not result["errors"], result
    return {"slots": slots, **result}


# ------------------------------------------------------------------------------------------------ the loop


async def test_a_reminders_link_books_a_confirmed_visit(app, client, db, garage, sms):
    site, lift, tech, (brakes, oil, body, hidden), car = await world(db, garage)
    token, reminder = await send_reminder(app, db, garage, car, sms)
    async with db.read() as session:  # the token is sent, never kept: the stored copy shows "…"
        stored = (await session.execute(select(Notification).where(Notification.id == reminder.notification_id))
                  ).scalar_one()
        assert token not in (stored.body or "") and "/b/#…" in stored.body, stored.body
        link = (await session.execute(select(BookingLink).where(BookingLink.reminder_id == reminder.id))).scalar_one()
        assert link.token_hash and token not in link.token_hash and token not in link.nonce

    page = data(await ask(client, token, BOOKING))
    assert page["customerName"] == "Somchai Jaidee" and page["vehicle"]["registration"] == car.registration_display
    assert page["mode"] == "INSTANT" and page["cutoffHours"] == 2 and page["appointment"] is None
    assert [s["name"] for s in page["services"]] == ["Brake pads", "Oil change", "Respray"]  # not the rebuild
    assert [s["hours"] for s in page["services"]] == ["2.00", "1.00", "3.00"]

    events = []
    async with app.state.services.pubsub.subscribe(site_channel(garage.id, site.id)) as messages:
        done = await book_first_slot(app, client, token, sms, [str(brakes.id), str(oil.id)])
        async for message in messages:  # staff hear it live
            events.append(message)
            break
    assert events and "CONFIRMED" in json.dumps(events[0], default=str)
    slots = done["slots"]
    assert slots["hours"] == "3.00"
    first = dt.datetime.fromisoformat(slots["slots"][0]["startsAt"])
    assert first >= dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # nothing offered inside the cut-off
    assert (dt.datetime.fromisoformat(slots["slots"][0]["endsAt"]) - first) == dt.timedelta(hours=3)
    booked = done["booking"]["appointment"]
    assert booked["status"] == "CONFIRMED" and booked["services"] == ["Brake pads", "Oil change"]
    assert booked["startsAt"] == slots["slots"][0]["startsAt"] and booked["canChange"]

    async with db.read() as session:
        appointment = (await session.execute(select(Appointment).where(Appointment.garage_id == garage.id))
                       ).scalar_one()
        assert appointment.customer_id == car.owner_id and appointment.vehicle_id == car.id
        [allocation] = (await session.execute(select(Allocation).where(
            Allocation.appointment_id == appointment.id))).scalars().all()
        assert (allocation.bay_id, allocation.technician_id) == (lift.id, tech.id)
        assert (await session.get(Reminder, reminder.id)).booked_at is not None  # the reminder is BOOKED
        labels = set((await session.execute(select(AuditEntry.actor_label).where(
            AuditEntry.entity_type == "BookingLink"))).scalars())
        assert labels == {f"portal:{link.id}"}
        actions = set((await session.execute(select(AuditEntry.action).where(
            AuditEntry.entity_type == "BookingLink"))).scalars())
        assert {"view", "request_code", "book"} <= actions

    await drain(app, settings_for(app, sms.base))
    confirmation = texts(sms)[-1]
    assert "booked for" in confirmation and f"/b/#{token}" in confirmation, confirmation
    history = await client.post("/graphql", json={"query": "query($v: ID!) { reminderHistory(vehicleId: $v) { status } }",
                                                  "variables": {"v": str(car.id)}},
                                headers={"Authorization": f"Bearer {garage.token(Role.SITE_MANAGER)}"})
    assert [r["status"] for r in history.json()["data"]["reminderHistory"]] == ["BOOKED"]

    again = data(await ask(client, token, BOOK, {"input": {
        "serviceIds": [str(oil.id)], "startsAt": slots["slots"][1]["startsAt"], "name": "Somchai",
        "code": await code(app, client, token, sms)}}))
    assert [e["code"] for e in again["errors"]] == ["ALREADY_BOOKED"]


async def test_request_mode_asks_for_a_time_and_reception_confirms(app, client, db, garage, sms):
    site, lift, tech, (brakes, *_), car = await world(db, garage)
    async with db.transaction() as session:
        await booking.update_settings(session, garage.actor(), mode="REQUEST")
    token, reminder = await send_reminder(app, db, garage, car, sms)
    day = next_weekday(3)
    wanted = at(day, "10:00")
    result = data(await ask(client, token, BOOK, {"input": {
        "serviceIds": [str(brakes.id)], "startsAt": wanted.isoformat(), "name": "Somchai Jaidee",
        "code": await code(app, client, token, sms), "note": "Squeal when braking"}}))
    assert not result["errors"], result
    assert result["booking"]["appointment"]["status"] == "REQUESTED"
    assert dt.datetime.fromisoformat(result["booking"]["appointment"]["startsAt"]) == wanted
    async with db.read() as session:
        appointment = (await session.execute(select(Appointment).where(Appointment.garage_id == garage.id))
                       ).scalar_one()
        assert appointment.notes == "Squeal when braking" and appointment.requested_at == wanted
        assert (await session.execute(select(Allocation))).first() is None  # no time held until confirmed
    await drain(app, settings_for(app, sms.base))
    assert "will confirm" in texts(sms)[-1] and f"/b/#{token}" in texts(sms)[-1]

    # a time the site is closed (Sunday) is refused, in the customer's language
    sunday = day + dt.timedelta(days=(6 - day.weekday()))
    async with db.transaction() as session:
        await session.execute(update(BookingLink).values(appointment_id=None))
    closed = data(await ask(client, token, BOOK, {"input": {
        "serviceIds": [str(brakes.id)], "startsAt": at(sunday, "10:00").isoformat(), "name": "Somchai",
        "code": await code(app, client, token, sms)}}, lang="th"))
    assert [e["code"] for e in closed["errors"]] == ["SITE_CLOSED"] and re.search(r"[\u0E00-\u0E7F]", closed["errors"][0]["message"])


async def test_move_and_cancel_follow_the_rules(app, client, db, garage, sms):
    site, lift, tech, (brakes, oil, *_), car = await world(db, garage)
    token, _ = await send_reminder(app, db, garage, car, sms)
    done = await book_first_slot(app, client, token, sms, [str(oil.id)])
    slots = [s["startsAt"] for s in done["slots"]["slots"]]
    async with db.read() as session:
        appointment = (await session.execute(select(Appointment))).scalar_one()
        sequence = appointment.sequence

    # another customer's booking takes a later time: moving there is refused and changes nothing
    other = await make_vehicle(db, garage, "KB2222", owner_name="Ann Smith")
    from backend.scheduling.service import appointments as appts

    taken = dt.datetime.fromisoformat(slots[4])
    async with db.transaction() as session:
        await appts.create_appointment(session, garage.actor(Role.SITE_MANAGER), appts.AppointmentInput(
            site_id=site.id, vehicle_id=other.id, service_ids=[oil.id], confirm=True, allocations=[
                appts.AllocationInput(bay_id=lift.id, technician_id=tech.id, starts_at=taken,
                                      ends_at=taken + dt.timedelta(hours=1))]))
    refused = data(await ask(client, token, MOVE, {"at": slots[4]}))
    assert [e["code"] for e in refused["errors"]] == ["SLOT_TAKEN"]
    assert "Ann" not in refused["errors"][0]["message"]  # another customer is never named
    async with db.read() as session:
        same = await session.get(Appointment, appointment.id)
        assert same.sequence == sequence and same.confirmed_at == appointment.confirmed_at

    # a free time: moved, its own old time not in the way (30 minutes later overlaps the booking itself)
    later = dt.datetime.fromisoformat(slots[0]) + dt.timedelta(minutes=30)
    moved = data(await ask(client, token, MOVE, {"at": later.isoformat()}))
    assert not moved["errors"], moved
    assert dt.datetime.fromisoformat(moved["booking"]["appointment"]["startsAt"]) == later
    async with db.read() as session:
        [allocation] = (await session.execute(select(Allocation).where(
            Allocation.appointment_id == appointment.id))).scalars().all()
        assert allocation.starts_at == later and allocation.active
        assert (await session.get(Appointment, appointment.id)).sequence == sequence + 1

    confirmed = data(await ask(client, token, CONFIRM))
    assert confirmed["booking"]["appointment"]["customerConfirmed"] is True

    # the cut-off: 2 hours before, nothing can be moved or cancelled online any more
    async with db.transaction() as session:
        actor = (await booking.authenticate(session, app.state.services.settings, token)).actor
        with pytest.raises(booking.DomainError) as late:
            await booking.cancel(session, actor, now=later - dt.timedelta(hours=1, minutes=59))
        assert late.value.code.value == "BOOKING_CUT_OFF"
        assert "2 hours" in late.value.message("en") and "2 ชั่วโมง" in late.value.message("th")
        with pytest.raises(booking.DomainError):
            await booking.move(session, actor, dt.datetime.fromisoformat(slots[8]), now=later - dt.timedelta(hours=1))

    cancelled = data(await ask(client, token, CANCEL))
    assert cancelled["booking"]["appointment"] == {"status": "CANCELLED", "canChange": False}
    async with db.read() as session:
        row = await session.get(Appointment, appointment.id)
        assert row.status.value == "CANCELLED" and "Away that week" in row.status_reason
        assert not (await session.execute(select(Allocation.active).where(
            Allocation.appointment_id == appointment.id))).scalar_one()  # the time is free again
    await drain(app, settings_for(app, sms.base))
    assert len([t for t in texts(sms) if "booked for" in t]) == 2  # the booking's, then the move's
    assert [t for t in texts(sms) if "is cancelled" in t and f"/b/#{token}" in t], texts(sms)
    again = data(await ask(client, token, MOVE, {"at": slots[1]}))
    assert [e["code"] for e in again["errors"]] == ["OTHER"]  # an appointment that is cancelled cannot do that


async def test_bad_input_is_refused_in_english_and_thai_and_changes_nothing(app, client, db, garage, other_garage, sms):
    site, lift, tech, (brakes, oil, body, hidden), car = await world(db, garage)
    foreign = await service(db, other_garage, "Their brakes", "1")
    token, _ = await send_reminder(app, db, garage, car, sms)
    for ids, expected in (([str(hidden.id)], "NOT_FOUND"), ([str(foreign.id)], "NOT_FOUND"), (["nonsense"], "NOT_FOUND"),
                          ([str(brakes.id), str(body.id)], "SERVICES_MIXED"), ([], "REQUIRED")):
        en = data(await ask(client, token, SLOTS, {"ids": ids}, lang="en"))
        th = data(await ask(client, token, SLOTS, {"ids": ids}, lang="th"))
        assert [e["code"] for e in en["errors"]] == [expected] == [e["code"] for e in th["errors"]], (ids, en)
        assert en["errors"][0]["message"] != th["errors"][0]["message"]
    slot = data(await ask(client, token, SLOTS, {"ids": [str(brakes.id)]}))["slots"][0]["startsAt"]
    no_name = data(await ask(client, token, BOOK, {"input": {"serviceIds": [str(brakes.id)], "startsAt": slot,
                                                             "name": "  ", "code": "000000"}}, lang="th"))
    assert [e["code"] for e in no_name["errors"]] == ["REQUIRED"]
    await code(app, client, token, sms)
    wrong = data(await ask(client, token, BOOK, {"input": {"serviceIds": [str(brakes.id)], "startsAt": slot,
                                                           "name": "Somchai", "code": "000000"}}))
    assert [e["code"] for e in wrong["errors"]] == ["CODE_INVALID"]
    async with db.read() as session:
        assert (await session.execute(select(Appointment))).first() is None


async def test_links_open_only_their_own_vehicle_and_stop_when_revoked_or_expired(app, client, db, garage, sms):
    site, lift, tech, (brakes, *_), car = await world(db, garage)
    token, reminder = await send_reminder(app, db, garage, car, sms)
    # a booking token opens no portal field, a made-up one nothing
    portal = await ask(client, token, "query { portal { job { number } } }")
    assert portal["errors"][0]["extensions"]["code"] == "PORTAL_LINK_INVALID"
    assert (await ask(client, token, BOOKING, scheme="Portal"))["errors"][0]["extensions"]["code"] == "PORTAL_LINK_INVALID"
    assert (await ask(client, "A" * 22, BOOKING))["errors"][0]["extensions"]["code"] == "PORTAL_LINK_INVALID"

    async with db.read() as session:
        link = (await session.execute(select(BookingLink))).scalar_one()
    revoke = await client.post("/graphql", json={"query": """mutation($i: RevokeBookingLinkInput!) {
        revokeBookingLink(input: $i) { link { revokedAt } errors { code } } }""", "variables": {"i": {"id": str(link.id)}}},
                               headers={"Authorization": f"Bearer {garage.token(Role.SITE_MANAGER)}"})
    assert revoke.json()["data"]["revokeBookingLink"]["link"]["revokedAt"]
    gone = await ask(client, token, BOOKING, lang="th")
    assert gone["errors"][0]["extensions"]["code"] == "PORTAL_LINK_REVOKED"
    assert re.search(r"[\u0E00-\u0E7F]", gone["errors"][0]["message"])

    async with db.transaction() as session:
        await session.execute(update(BookingLink).values(revoked_at=None, expires_at=dt.datetime.now(dt.UTC)
                                                         - dt.timedelta(minutes=1)))
    assert (await ask(client, token, BOOKING))["errors"][0]["extensions"]["code"] == "PORTAL_LINK_EXPIRED"

    # a technician cannot change the garage's booking settings; an admin can, and bad values change nothing
    tech_try = await client.post("/graphql", json={"query": SETTINGS, "variables": {"i": {"cutoffHours": 5}}},
                                 headers={"Authorization": f"Bearer {garage.token(Role.TECHNICIAN)}"})
    assert tech_try.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bad = await client.post("/graphql", json={"query": SETTINGS, "variables": {"i": {"cutoffHours": -1}}},
                            headers={"Authorization": f"Bearer {garage.token()}", "Accept-Language": "th"})
    assert [e["code"] for e in bad.json()["data"]["updateBookingSettings"]["errors"]] == ["INVALID_VALUE"]
    async with db.read() as session:
        assert (await booking.get_settings(session, garage.id)).cutoff_hours == 2


async def test_the_day_before_message_is_sent_once_with_the_link(app, client, db, garage, sms):
    site, lift, tech, (brakes, oil, *_), car = await world(db, garage)
    from backend.scheduling.booking.tasks import day_before_all
    from backend.scheduling.service import appointments as appts

    day = next_weekday(2)
    start = at(day, "09:00")
    async with db.transaction() as session:  # booked by reception: the day-before message makes its link
        await appts.create_appointment(session, garage.actor(Role.SITE_MANAGER), appts.AppointmentInput(
            site_id=site.id, vehicle_id=car.id, service_ids=[oil.id], confirm=True, allocations=[
                appts.AllocationInput(bay_id=lift.id, technician_id=tech.id, starts_at=start,
                                      ends_at=start + dt.timedelta(hours=1))]))
    the_day_before = start - dt.timedelta(hours=20)
    assert await day_before_all(db, now=the_day_before - dt.timedelta(days=1)) == 0  # two days before: nothing
    assert await day_before_all(db, now=the_day_before) == 1
    assert await day_before_all(db, now=the_day_before + dt.timedelta(hours=1)) == 0  # once
    await drain(app, settings_for(app, sms.base))
    [text] = [t for t in texts(sms) if "see you tomorrow" in t]
    token = TOKEN.search(text).group(1)
    assert "09:00" in text
    page = data(await ask(client, token, BOOKING))
    assert page["appointment"]["status"] == "CONFIRMED" and page["appointment"]["services"] == ["Oil change"]


async def test_the_booking_page_reads_in_the_same_statements_whatever_it_offers(app, client, db, garage, sms,
                                                                             count_statements):
    site, lift, tech, services, car = await world(db, garage)
    token, _ = await send_reminder(app, db, garage, car, sms)
    await ask(client, token, BOOKING)  # warm
    with count_statements() as few:
        data(await ask(client, token, BOOKING))
    more = [await service(db, garage, f"Service {n}", "1") for n in range(8)]
    async with db.transaction() as session:
        await booking.update_settings(session, garage.actor(), bookable_service_ids=[s.id for s in (*services, *more)])
    with count_statements() as many:
        page = data(await ask(client, token, BOOKING))
    assert len(page["services"]) == 12
    assert many.count == few.count, (few.count, many.count)


async def test_a_thai_customer_reads_the_booking_in_thai(app, client, db, garage, sms):
    from backend.core.enums import Locale

    site, lift, tech, (brakes, *_), car = await world(db, garage, locale=Locale.TH)
    token, _ = await send_reminder(app, db, garage, car, sms)
    page = data(await ask(client, token, BOOKING))
    assert page["locale"] == "th" and page["services"][0]["name"] == "เปลี่ยนผ้าเบรก"
    await book_first_slot(app, client, token, sms, [str(brakes.id)])
    await drain(app, settings_for(app, sms.base))
    text = texts(sms)[-1]
    assert re.search(r"[\u0E00-\u0E7F]", text) and f"/b/#{token}" in text, text
    assert re.search(r"\d{1,2}/\d{1,2}/\d{2} \d{2}:\d{2}", text)  # the Buddhist-era short date


@pytest.mark.parametrize("event", ["booking_confirmed", "booking_requested", "booking_cancelled", "booking_day_before",
                                   "booking_code", "reminder_service", "reminder_mot", "reminder_vehicle_tax",
                                   "reminder_inspection", "reminder_insurance"])
@pytest.mark.parametrize("locale", ["th", "en"])
def test_a_booking_sms_with_a_real_hosts_link_stays_within_two_parts(event, locale):
    """The booking link is never shortened (the token would be stored): with a garage's long host and plate the
    SMS still fits two parts (Thai: UCS-2, 134 units)."""
    from backend.notifications.template_editor import sample_context
    from backend.notifications.templates import render_file
    from tests.notifications.test_thai_messages import LONG, segments

    context = {**sample_context(event, locale), **LONG, "appointment_short": "23/12/69 14:30",
               "booking_url": "https://service.chang-ek.co.th/b/#Ab3dE9xQZy8Wv7uTAb3dE9"}
    if locale == "en":
        context.update(garage_name="Chang Ek Garage Bang Na", registration="AB12 CDE",
                       appointment_short="Tue 23 Dec 14:30")
    text = render_file(event, Channel.SMS, locale, context).text
    assert event == "booking_code" or context["booking_url"] in text, text
    assert segments(text) <= 2, (len(text), text)


async def test_two_customers_booking_the_same_time_at_once_get_one_booking(app, db, garage):
    """Both see the slot free; both book it at the same moment: one appointment, the other SLOT_TAKEN (on
    PostgreSQL the exclusion constraint decides), and nothing of the refused one remains."""
    import asyncio

    site, lift, tech, (brakes, oil, *_), car = await world(db, garage)
    other = await make_vehicle(db, garage, "KB3333", owner_name="Ann Smith")
    settings = app.state.services.settings
    actors = []
    async with db.transaction() as session:
        for vehicle in (car, other):
            link = await booking._new_link(session, garage.id, vehicle.owner_id, vehicle.id, site.id)
            token = booking.booking_url(settings, link).rsplit("#", 1)[1]
            actors.append((token, vehicle))
    async with db.transaction() as session:
        opened = [(await booking.authenticate(session, settings, token)).actor for token, _ in actors]
        _hours, slots = await booking.free_slots(session, opened[0], [oil.id])
    when = slots[0].starts_at

    async def attempt(actor):
        try:
            async with db.transaction() as session:
                return await booking.book(session, actor, booking.BookInput(
                    service_ids=[oil.id], starts_at=when, name="Somebody"))
        except booking.DomainError as exc:
            return exc.code.value

    results = await asyncio.gather(*(attempt(a) for a in opened))
    assert sorted(r if isinstance(r, str) else "BOOKED" for r in results) == ["BOOKED", "SLOT_TAKEN"], results
    async with db.read() as session:
        assert len((await session.execute(select(Appointment))).scalars().all()) == 1
        assert len((await session.execute(select(Allocation).where(Allocation.active.is_(True)))).scalars().all()) == 1


def test_a_booking_token_in_a_path_never_reaches_the_access_log():
    import logging

    from backend.portal.routes import RedactPortalPaths

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1", "GET", "/b/Ab3dE9xQZy8Wv7uTAb3dE9", "1.1", 200), None)
    RedactPortalPaths().filter(record)
    assert "Ab3dE9xQZy8Wv7uTAb3dE9" not in record.getMessage() and "/b/…" in record.getMessage()


async def test_the_booking_page_offers_the_opt_out_the_reminder_sms_has_no_room_for(app, client, db, garage, sms):
    """A reminder SMS carrying the booking link has room for one link: the booking page it opens offers the one-click
    opt-out, which stops text messages (and only while the customer still gets them)."""
    site, lift, tech, services, car = await world(db, garage)
    token, _reminder = await send_reminder(app, db, garage, car, sms)
    assert any("Book or opt out:" in t for t in texts(sms)), texts(sms)
    page = data(await ask(client, token, "{ booking { canSendSms stopSmsUrl } }"))
    assert page["canSendSms"] is True and "/unsubscribe?" in page["stopSmsUrl"] and "ch=SMS" in page["stopSmsUrl"]

    path = page["stopSmsUrl"].split("://", 1)[1].split("/", 1)[1]
    stopped = await client.get("/" + path)
    assert stopped.status_code == 200 and "no more text messages" in stopped.text
    async with db.read() as session:
        assert (await session.get(Customer, car.owner_id)).consent_sms is False
    page = data(await ask(client, token, "{ booking { canSendSms stopSmsUrl } }"))
    assert page["canSendSms"] is False and page["stopSmsUrl"] is None
