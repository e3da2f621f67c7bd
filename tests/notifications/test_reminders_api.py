"""Reminder operations over GraphQL: settings and their localized validation, remindersDue with reminder state,
reminderHistory, BOOKED after a job, and the reminder templates rendering in English and Thai."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.core.ids import new_id
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer, Vehicle
from backend.notifications.models import Channel
from backend.notifications.reminders.scan import garage_today, scan_all
from backend.notifications.reminders.service import mark_booked
from backend.notifications.templates import render_file

SETTINGS = "{ reminderSettings { leadDays channels kinds serviceIntervalMonths serviceIntervalKm version } }"
UPDATE = """mutation($input: UpdateReminderSettingsInput!) { updateReminderSettings(input: $input) {
  settings { leadDays channels kinds serviceIntervalMonths version } errors { field code message } } }"""
DUE = """query($from: Date!, $to: Date!) { remindersDue(period: {from: $from, to: $to}, kind: MOT) {
  edges { node { registration dueOn status vehicle { registration } } } pageInfo { hasNextPage } } }"""
HISTORY = "query($id: ID!) { reminderHistory(vehicleId: $id) { kind dueOn leadDays channel status } }"


async def test_settings_default_then_update(gql, garage):
    body = await gql(SETTINGS, token=garage.token())
    assert body["data"]["reminderSettings"] == {"leadDays": [30, 7], "channels": ["SMS", "EMAIL"],
                                                "kinds": ["MOT", "SERVICE"], "serviceIntervalMonths": 12,
                                                "serviceIntervalKm": 10000, "version": 0}
    body = await gql(UPDATE, {"input": {"leadDays": [7, 45, 14], "channels": ["EMAIL"], "kinds": ["MOT"],
                                        "serviceIntervalMonths": 6}}, token=garage.token())
    assert body["data"]["updateReminderSettings"] == {
        "settings": {"leadDays": [45, 14, 7], "channels": ["EMAIL"], "kinds": ["MOT"], "serviceIntervalMonths": 6,
                     "version": 1}, "errors": []}
    assert (await gql(SETTINGS, token=garage.token()))["data"]["reminderSettings"]["leadDays"] == [45, 14, 7]


@pytest.mark.parametrize("lang,lead_message,interval_message", [
    ("en", "Give 1 to 5 reminder lead times, each from 1 to 365 days.", "Enter a service interval from 1 to 60."),
    ("th", "ระบุระยะเวลาแจ้งเตือนล่วงหน้า 1 ถึง 5 ค่า แต่ละค่าตั้งแต่ 1 ถึง 365 วัน",
     "กรอกรอบการเข้าศูนย์บริการตั้งแต่ 1 ถึง 60"),
])
async def test_bad_settings_are_refused_in_the_users_language_and_change_nothing(gql, garage, lang, lead_message,
                                                                                 interval_message):
    for leads in ([], [0], [400], [1, 2, 3, 4, 5, 6]):
        body = await gql(UPDATE, {"input": {"leadDays": leads, "serviceIntervalMonths": 0}}, token=garage.token(),
                         lang=lang)
        payload = body["data"]["updateReminderSettings"]
        assert payload["settings"] is None
        assert payload["errors"] == [
            {"field": "leadDays", "code": "INVALID_LEAD_DAYS", "message": lead_message},
            {"field": "serviceIntervalMonths", "code": "INVALID_SERVICE_INTERVAL", "message": interval_message}]
    assert (await gql(SETTINGS, token=garage.token()))["data"]["reminderSettings"]["version"] == 0


async def test_reminders_due_history_and_booked(gql, db, app, garage, other_garage):
    today = garage_today("Asia/Bangkok")
    ids = {}
    async with db.transaction() as s:
        for world, reg, days, channel in ((garage, "AB12CDE", 5, ContactChannel.SMS),
                                          (garage, "XY99ZZZ", 20, ContactChannel.NONE),
                                          (garage, "FAR1", 90, ContactChannel.SMS),
                                          (other_garage, "OTHER1", 5, ContactChannel.SMS)):
            owner = Customer(id=new_id(), garage_id=world.id, name="Owner " + reg, phone="+44 7700 900001",
                             contact_channel=channel, consent_sms=True)
            s.add(owner)
            await s.flush()
            vehicle = Vehicle(id=new_id(), garage_id=world.id, registration=reg, registration_display=reg,
                              mot_expiry=today + dt.timedelta(days=days), owner_id=owner.id)
            s.add(vehicle)
            ids[reg] = vehicle.id
    await scan_all(db, today)
    period = {"from": today.isoformat(), "to": (today + dt.timedelta(days=30)).isoformat()}
    body = await gql(DUE, period, token=garage.token(Role.SITE_MANAGER))
    nodes = [e["node"] for e in body["data"]["remindersDue"]["edges"]]
    assert nodes == [
        {"registration": "AB12CDE", "dueOn": (today + dt.timedelta(days=5)).isoformat(), "status": "QUEUED",
         "vehicle": {"registration": "AB12CDE"}},
        {"registration": "XY99ZZZ", "dueOn": (today + dt.timedelta(days=20)).isoformat(), "status": None,
         "vehicle": {"registration": "XY99ZZZ"}},
    ]
    history = await gql(HISTORY, {"id": str(ids["AB12CDE"])}, token=garage.token(Role.BILLING))
    assert history["data"]["reminderHistory"] == [
        {"kind": "MOT", "dueOn": (today + dt.timedelta(days=5)).isoformat(), "leadDays": 7, "channel": "SMS",
         "status": "QUEUED"}]
    # another garage's vehicle: nothing
    assert (await gql(HISTORY, {"id": str(ids["OTHER1"])}, token=garage.token()))["data"]["reminderHistory"] == []
    # a job opened for the vehicle books its reminder
    async with db.transaction() as s:
        await mark_booked(s, garage.id, ids["AB12CDE"], None)
    history = await gql(HISTORY, {"id": str(ids["AB12CDE"])}, token=garage.token())
    assert history["data"]["reminderHistory"][0]["status"] == "BOOKED"
    body = await gql(DUE, {"from": today.isoformat(), "to": (today - dt.timedelta(days=1)).isoformat()},
                     token=garage.token(), lang="th", expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "INVALID_PERIOD"


@pytest.mark.parametrize("event", ["reminder_mot", "reminder_service"])
@pytest.mark.parametrize("locale,word", [("en", "due"), ("th", "ครบกำหนด")])
def test_reminder_templates_render_in_both_languages(event, locale, word):
    context = {"customer_name": "Somchai", "registration": "AB12 CDE", "garage_name": "Garage One",
               "due_date": "2026-05-15", "due_date_text": "15 May 2026", "due_mileage": 60000,
               "unsubscribe_url": "https://x.test/u"}
    mail = render_file(event, Channel.EMAIL, locale, context)
    sms = render_file(event, Channel.SMS, locale, context)
    assert word in mail.subject and "AB12 CDE" in mail.subject and "15 May 2026" in mail.text
    assert "Somchai" in mail.text and "https://x.test/u" in mail.text
    assert word in sms.text and "Garage One" in sms.text and len(sms.text) < 320
