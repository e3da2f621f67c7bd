"""The admin's messages and reminders against the real server: the outbox by status (failed first, retry on the
failed or cancelled ones), and the reminder settings and a message template edited in Thai (preview, a bad template
refused with the server's Thai message under the text, a good one saved and then reset), with axe on both screens.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import (
    axe_violations,
    go,
    graphql,
    open_page,
    require_browser,
    sign_in,
    token_for,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e  # every wait is bounded by the context default timeout (15 s)

COUNT = "query($status: NotificationStatus) { notifications(status: $status, first: 50) { edges { node { id status } } } }"
TEMPLATES = "query($event: String) { notificationTemplates(event: $event) { event channel locale body overridden } }"


def _ids(server_url: str, token: str, status: str | None) -> list[str]:
    data = graphql(server_url, COUNT, {"status": status}, token)
    return [e["node"]["id"] for e in data["notifications"]["edges"]]


def _with_error(server_url: str, token: str, status: str) -> list[str]:
    query = "query($status: NotificationStatus) { notifications(status: $status, first: 50) { edges { node { id lastError } } } }"
    data = graphql(server_url, query, {"status": status}, token)
    return [e["node"]["id"] for e in data["notifications"]["edges"] if e["node"]["lastError"]]


def test_admin_messages_by_status_and_retry(phone, server_url):
    token = token_for(server_url, "admin")
    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/messages")
    expect(page.get_by_test_id("message-status-filter")).to_have_value("FAILED")  # what needs attention first
    failed = _ids(server_url, token, "FAILED")
    if failed:
        expect(page.get_by_test_id("message-row").first).to_be_visible()
        expect(page.locator("[data-testid=message-row][data-status=FAILED] [data-testid=message-retry]").first).to_be_visible()
    else:
        expect(page.get_by_test_id("message-empty")).to_be_visible()
    assert axe_violations(page) == []

    # the demo's billing queues mails at seed time: another status shows them (status, channel, attempts)
    shown = None
    for status in ("QUEUED", "SENT", "DELIVERED", "CANCELLED", "SENDING"):
        if _ids(server_url, token, status):
            shown = status
            break
    assert shown, "the demo data has no message at all"
    page.get_by_test_id("message-status-filter").select_option(shown)
    rows = page.get_by_test_id("message-row")
    expect(rows.first).to_be_visible()
    expect(rows.first).to_have_attribute("data-status", re.compile(r"^[A-Z]+$"))
    expect(rows.first).to_contain_text("Attempts:")
    assert axe_violations(page) == []

    # a failed (or cancelled) message goes again: the row shows what became of it
    retryable = _with_error(server_url, token, "FAILED") or _with_error(server_url, token, "CANCELLED")
    if retryable:
        page.get_by_test_id("message-status-filter").select_option("FAILED" if retryable[0] in failed else "CANCELLED")
        row = page.locator(f"[data-testid=message-row][data-id='{retryable[0]}']")
        expect(row.get_by_test_id("message-error")).to_be_visible()  # why it was not sent (the demo's: no device)
        before = row.get_attribute("data-status")
        row.get_by_test_id("message-retry").click()
        expect(row).not_to_have_attribute("data-status", before)
        expect(row.get_by_test_id("message-retry-errors")).to_have_count(0)

    # every status shows its rows or the empty card
    page.get_by_test_id("message-status-filter").select_option("")
    expect(rows.first).to_be_visible()


def test_admin_reminder_settings_and_thai_sms_template(phone, server_url):
    token = token_for(server_url, "admin")
    sms_th = [t for t in graphql(server_url, TEMPLATES, {}, token)["notificationTemplates"]
              if t["channel"] == "SMS" and t["locale"] == "TH"]
    assert sms_th, "no SMS template in Thai"
    event = sms_th[0]["event"]

    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/reminders")

    # reminder settings: checked before sending, then saved
    settings = page.get_by_test_id("reminder-settings-form")
    lead = page.get_by_test_id("reminder-lead-days")
    expect(lead).not_to_have_value("")
    original = lead.input_value()
    lead.fill("30, 400")
    page.get_by_test_id("reminder-settings-save").click()
    expect(settings.get_by_test_id("field-error")).to_have_count(1)
    lead.fill("30, 7")
    page.get_by_test_id("reminder-settings-save").click()
    expect(page.get_by_test_id("reminder-settings-saved")).to_be_visible()
    saved = graphql(server_url, "{ reminderSettings { leadDays } }", None, token)["reminderSettings"]["leadDays"]
    assert sorted(saved) == [7, 30], saved
    assert original
    assert axe_violations(page) == []

    # the template of an SMS in Thai, in the Thai interface
    page.get_by_test_id("lang-th").click()
    page.wait_for_function("() => document.documentElement.lang === 'th'")
    page.get_by_test_id("template-event").select_option(event)
    page.get_by_test_id("template-channel").select_option("SMS")
    page.get_by_test_id("template-locale").select_option("TH")
    form = page.get_by_test_id("template-form")
    expect(form).to_have_attribute("data-overridden", "false")
    expect(page.get_by_test_id("template-subject")).to_have_count(0)  # SMS has no subject
    body = page.get_by_test_id("template-body")
    expect(body).not_to_have_value("")

    # preview: the server renders the new text
    body.fill("อู่ของเราขอแจ้ง: ทดสอบข้อความใหม่")
    page.get_by_test_id("template-preview-button").click()
    expect(page.get_by_test_id("template-preview")).to_contain_text("ทดสอบข้อความใหม่")

    # checked before sending: no text
    body.fill("   ")
    page.get_by_test_id("template-save").click()
    expect(form.get_by_test_id("field-error")).to_have_count(1)

    # a bad template: the server's Thai message, naming the line, under the text; nothing is saved
    body.fill("สวัสดี\n{{ no_such_variable }}")
    page.get_by_test_id("template-save").click()
    body_error = form.locator(".field:has([data-testid=template-body]) [data-testid=field-error]")
    expect(body_error).to_contain_text("บรรทัดที่ 2")
    expect(body_error).to_contain_text("no_such_variable")
    expect(body).to_have_value("สวัสดี\n{{ no_such_variable }}")  # what was typed stays
    after_bad = graphql(server_url, TEMPLATES, {"event": event}, token)["notificationTemplates"]
    assert not next(t for t in after_bad if t["channel"] == "SMS" and t["locale"] == "TH")["overridden"]
    # the preview of the bad text says the same, under the text too
    page.get_by_test_id("template-preview-button").click()
    expect(body_error).to_contain_text("บรรทัดที่ 2")
    assert axe_violations(page) == []

    # a good one is saved: the API shows the override
    body.fill("อู่ของเราขอแจ้ง: ทดสอบข้อความใหม่")
    page.get_by_test_id("template-save").click()
    expect(page.get_by_test_id("template-outcome")).to_be_visible()
    expect(form).to_have_attribute("data-overridden", "true")
    expect(form.get_by_test_id("field-error")).to_have_count(0)
    saved_t = next(t for t in graphql(server_url, TEMPLATES, {"event": event}, token)["notificationTemplates"]
                   if t["channel"] == "SMS" and t["locale"] == "TH")
    assert saved_t["overridden"] and "ทดสอบข้อความใหม่" in saved_t["body"], saved_t

    # reset: back to the default text
    page.get_by_test_id("template-reset").click()
    expect(form).to_have_attribute("data-overridden", "false")
    expect(body).not_to_have_value("อู่ของเราขอแจ้ง: ทดสอบข้อความใหม่")
    reset_t = next(t for t in graphql(server_url, TEMPLATES, {"event": event}, token)["notificationTemplates"]
                   if t["channel"] == "SMS" and t["locale"] == "TH")
    assert not reset_t["overridden"] and reset_t["body"] is None, reset_t
    assert axe_violations(page) == []
