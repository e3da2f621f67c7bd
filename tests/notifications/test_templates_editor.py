"""Admins' message templates: an override reaches the next reminder sent in its language and channel (through the
scan, the outbox and the SMS provider), reset brings the default back, bad templates are refused in the admin's
language and change nothing, another garage never sees or uses the override, and only admins may edit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.core.enums import Locale
from backend.core.ids import new_id
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer, Vehicle
from backend.notifications.models import Notification
from backend.notifications.reminders.scan import garage_today, scan_all
from backend.notifications.runner import InProcessRunner
from tests.conftest import error_codes, make_settings

LIST = """query($event: String) { notificationTemplates(event: $event) { event channel locale variables
  defaultSubject defaultBody subject body overridden } }"""
UPDATE = """mutation($input: UpdateNotificationTemplateInput!) { updateNotificationTemplate(input: $input) {
  template { event channel locale subject body overridden } errors { field code message } } }"""
RESET = """mutation($input: ResetNotificationTemplateInput!) { resetNotificationTemplate(input: $input) {
  template { overridden body defaultBody } errors { field code message } } }"""
PREVIEW = """query($input: PreviewNotificationTemplateInput!) { previewNotificationTemplate(input: $input) {
  subject body } }"""
THAI_SMS = "{{ garage_name }} แจ้ง: รถ {{ registration }} ของคุณ{{ customer_name }} ครบกำหนด MOT {{ due_date_text }}"


async def _vehicle(db, world, registration, locale, days=5):
    today = garage_today("Asia/Bangkok")
    async with db.transaction() as s:
        owner = Customer(id=new_id(), garage_id=world.id, name="Owner " + registration, phone="+66 81 000 0000",
                         contact_channel=ContactChannel.SMS, consent_sms=True, locale=locale)
        s.add(owner)
        await s.flush()
        s.add(Vehicle(id=new_id(), garage_id=world.id, registration=registration, registration_display=registration,
                      mot_expiry=today + dt.timedelta(days=days), owner_id=owner.id))


async def _send_reminders(app, db, tmp_path) -> dict[str, str]:
    """Scan, deliver through the file SMS provider, and return each message's text by registration."""
    await scan_all(db)
    settings = make_settings(app.state.services.settings.database_url, data_dir=tmp_path, sms_provider="file",
                             public_url="http://testserver")
    runner = InProcessRunner(db, settings)
    try:
        await runner.drain()
    finally:
        await runner.senders.close()
    async with db.read() as s:
        rows = (await s.execute(select(Notification))).scalars().all()
    out = {}
    for row in rows:
        text = (tmp_path / "sms" / f"{row.id}.txt").read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
        out[row.context["registration"]] = text
    return out


async def test_an_override_is_used_by_the_next_reminder_in_its_language_and_channel_only(
        app, db, gql, garage, other_garage, tmp_path):
    body = await gql(LIST, {"event": "reminder_mot"}, token=garage.token())
    templates = body["data"]["notificationTemplates"]
    assert [(t["channel"], t["locale"]) for t in templates] == [("EMAIL", "EN"), ("EMAIL", "TH"), ("SMS", "EN"),
                                                                ("SMS", "TH")]
    th_sms = templates[3]
    assert th_sms["overridden"] is False and th_sms["body"] is None and th_sms["defaultSubject"] is None
    assert "{{ registration }}" in th_sms["defaultBody"] and "ครบกำหนด" in th_sms["defaultBody"]
    assert "due_date_text" in th_sms["variables"] and "make" in th_sms["variables"]

    body = await gql(UPDATE, {"input": {"event": "reminder_mot", "channel": "SMS", "locale": "TH",
                                        "body": THAI_SMS}}, token=garage.token())
    assert body["data"]["updateNotificationTemplate"]["errors"] == []
    assert body["data"]["updateNotificationTemplate"]["template"]["overridden"] is True
    # the other garage's admin sees only defaults
    other = (await gql(LIST, {"event": "reminder_mot"}, token=other_garage.token()))["data"]["notificationTemplates"]
    assert all(t["overridden"] is False for t in other)

    await _vehicle(db, garage, "TH1", Locale.TH)
    await _vehicle(db, garage, "EN1", Locale.EN)
    await _vehicle(db, other_garage, "TH2", Locale.TH)
    sent = await _send_reminders(app, db, tmp_path)
    assert sent["TH1"].startswith("Garage One แจ้ง: รถ TH1 ของคุณOwner TH1 ครบกำหนด MOT ")
    assert sent["EN1"].startswith("Garage One: the MOT of EN1 is due on")  # English: the default
    assert sent["TH2"].startswith("Garage Two: รถ TH2 ครบกำหนดตรวจ MOT ")  # the other garage: the default

    body = await gql(RESET, {"input": {"event": "reminder_mot", "channel": "SMS", "locale": "TH"}},
                     token=garage.token())
    assert body["data"]["resetNotificationTemplate"]["template"]["overridden"] is False
    await _vehicle(db, garage, "TH3", Locale.TH, days=6)
    sent = await _send_reminders(app, db, tmp_path)
    assert sent["TH3"].startswith("Garage One: รถ TH3 ครบกำหนดตรวจ MOT ")


@pytest.mark.parametrize("lang,syntax,unknown,internals", [
    ("en", "Line 2: the template cannot be read (unexpected '}').",
     "Line 3: there is no variable nmae. You can use: ",
     "Line 1: the template uses something that is not allowed."),
    ("th", "บรรทัดที่ 2: อ่านแม่แบบไม่ได้ (unexpected '}')",
     "บรรทัดที่ 3: ไม่มีตัวแปร nmae ตัวแปรที่ใช้ได้: ",
     "บรรทัดที่ 1: แม่แบบใช้สิ่งที่ไม่อนุญาต"),
])
async def test_a_bad_template_is_refused_naming_the_line_and_changes_nothing(gql, garage, lang, syntax, unknown,
                                                                           internals):
    async def update(body, subject="Subject {{ registration }}", channel="EMAIL"):
        result = await gql(UPDATE, {"input": {"event": "reminder_service", "channel": channel, "locale": "EN",
                                              "subject": subject, "body": body}}, token=garage.token(), lang=lang)
        payload = result["data"]["updateNotificationTemplate"]
        assert payload["template"] is None
        return payload["errors"]

    [error] = await update("Dear {{ customer_name }},\nSee you on {{ due_date_text }")
    assert error == {"field": "body", "code": "TEMPLATE_SYNTAX", "message": syntax}
    [error] = await update("Hello\n\n{{ nmae }}")
    assert error["field"] == "body" and error["code"] == "TEMPLATE_UNKNOWN_VARIABLE"
    assert error["message"].startswith(unknown) and "customer_name" in error["message"]
    [error] = await update("ok", subject="{{ registration.__class__.__mro__ }}")
    assert error == {"field": "subject", "code": "TEMPLATE_NOT_ALLOWED", "message": internals}
    [error] = await update("{{ registration.upper.__globals__ }}")
    assert error["code"] == "TEMPLATE_NOT_ALLOWED"
    errors = await update("", subject="")
    assert [e["code"] for e in errors] == ["REQUIRED", "REQUIRED"]
    [error] = await update("x", channel="PUSH")
    assert error["code"] == "UNKNOWN_TEMPLATE"
    # nothing was saved
    templates = (await gql(LIST, {"event": "reminder_service"}, token=garage.token()))["data"]["notificationTemplates"]
    assert all(t["overridden"] is False for t in templates)
    # a bad preview is a localized error too
    body = await gql(PREVIEW, {"input": {"event": "reminder_service", "channel": "SMS", "locale": "EN",
                                         "body": "{{ nmae }}"}}, token=garage.token(), lang=lang, expect_errors=True)
    assert body["errors"][0]["message"].startswith(unknown.replace("3", "1"))


async def test_preview_with_a_sample_and_with_a_real_vehicle(db, gql, garage, other_garage):
    body = await gql(PREVIEW, {"input": {"event": "reminder_mot", "channel": "EMAIL", "locale": "TH"}},
                     token=garage.token())
    preview = body["data"]["previewNotificationTemplate"]
    assert "ครบกำหนดตรวจสภาพ" in preview["subject"] and preview["body"].startswith("เรียน คุณสมชาย\n")
    assert "Garage One" in preview["body"]  # the garage's own name, not a sample
    await _vehicle(db, garage, "PV1", Locale.EN, days=10)
    await _vehicle(db, other_garage, "PV2", Locale.EN, days=10)
    async with db.read() as s:
        ids = {v.registration: str(v.id) for v in (await s.execute(select(Vehicle))).scalars()}
    due = garage_today("Asia/Bangkok") + dt.timedelta(days=10)
    body = await gql(PREVIEW, {"input": {"event": "reminder_mot", "channel": "SMS", "locale": "EN",
                                         "body": "{{ customer_name }}: {{ registration }} on {{ due_date }}",
                                         "vehicleId": ids["PV1"]}}, token=garage.token())
    assert body["data"]["previewNotificationTemplate"] == {"subject": None,
                                                           "body": f"Owner PV1: PV1 on {due.isoformat()}"}
    body = await gql(PREVIEW, {"input": {"event": "reminder_mot", "channel": "SMS", "locale": "EN",
                                         "vehicleId": ids["PV2"]}}, token=garage.token(), expect_errors=True)
    assert body["data"] is None and body["errors"][0]["extensions"]["reason"] == "NOT_FOUND"


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.BILLING])
async def test_only_admins_edit_templates(gql, garage, role):
    for query, variables in (
            (LIST, {}),
            (UPDATE, {"input": {"event": "reminder_mot", "channel": "SMS", "locale": "EN", "body": "Hi"}}),
            (RESET, {"input": {"event": "reminder_mot", "channel": "SMS", "locale": "EN"}}),
            (PREVIEW, {"input": {"event": "reminder_mot", "channel": "SMS", "locale": "EN"}})):
        body = await gql(query, variables, token=garage.token(role), expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"]
    templates = (await gql(LIST, {"event": "reminder_mot"}, token=garage.token()))["data"]["notificationTemplates"]
    assert all(t["overridden"] is False for t in templates)
