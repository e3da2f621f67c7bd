"""The first run in headless Chromium, in English and in Thai: an empty installation opens the set-up screen; the garage
is set up and its admin signed in; the admin invites a technician from the Users screen; the invitation mail reaches
the local SMTP server; its link opens the invitee's screen, the technician chooses a password and is signed in. Every
screen is checked for nothing cut off or covered at 360 and 1280 px, and photographed."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PWA_DIST, _free_port, run_server
from tests.e2e.helpers import axe_violations, go, new_phone, open_page, require_browser
from tests.e2e.layout import layout_problems, shoot
from tests.notifications.sinks import SmtpSink

require_browser()

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/invite#[A-Za-z0-9_-]+)")
TEXT = {
    "en": {"title": "Set up MotoTrack", "welcome": "Sukhumvit Motors invites you as Technician.", "lang": "en-US"},
    "th": {"title": "ตั้งค่า MotoTrack", "welcome": "Sukhumvit Motors เชิญคุณเข้าร่วมงานในตำแหน่งช่าง", "lang": "th-TH"},
}


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def empty_server(tmp_path, smtp):
    """`mototrack serve` on a migrated database with no garage at all, mailing through the local SMTP server."""
    port = _free_port()
    env = {"MOTOTRACK_PUBLIC_URL": f"http://127.0.0.1:{port}", "MOTOTRACK_SMTP_HOST": "127.0.0.1",
           "MOTOTRACK_SMTP_PORT": str(smtp.port), "MOTOTRACK_SMTP_TLS": "none"}
    with run_server(tmp_path, PWA_DIST, seeded=False, port=port, env=env) as url:
        yield url


def check_both_sizes(page, name: str) -> None:
    """Nothing cut off or covered at 1280 and at 360 px, a screenshot of each, and no serious or critical axe-core
    violation (the page is left at 360)."""
    for width, height in ((1280, 900), (360, 740)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)  # one layout pass after the resize
        assert layout_problems(page) == [], (name, width)
        shoot(page, f"first-run-{name}-{width}", full_page=True)
    assert axe_violations(page) == [], name


@pytest.mark.parametrize("lang", ["en", "th"])
def test_an_empty_installation_is_set_up_and_staff_invited_in_the_browser(browser, empty_server, smtp, lang):
    text = TEXT[lang]
    admin = new_phone(browser, empty_server, locale=text["lang"])
    page = open_page(admin)
    page.goto("/")
    form = page.get_by_test_id("setup-form")
    form.wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == text["title"]
    assert page.get_by_test_id("sign-in-form").count() == 0
    page.get_by_test_id("setup-add-site").click()
    check_both_sizes(page, f"setup-{lang}")

    # a form sent with a short password is refused in the reader's language, and nothing is set up
    page.get_by_test_id("setup-garage-name").fill("Sukhumvit Motors")
    page.get_by_test_id("setup-tax-id").fill("0105556123453")
    names = page.get_by_test_id("setup-site-name")
    names.nth(0).fill("Head office")
    names.nth(1).fill("Rama 9")
    assert page.get_by_test_id("setup-site-branch").nth(1).input_value() == "00001"
    page.get_by_test_id("setup-admin-name").fill("Anong")
    page.get_by_test_id("setup-admin-email").fill("anong@example.com")
    page.get_by_test_id("setup-admin-password").fill("short")
    page.get_by_test_id("setup-submit").click()
    expected = "รหัสผ่านต้องมีอย่างน้อย 10 ตัวอักษร" if lang == "th" else "The password must have at least 10 characters."
    assert expected in form.inner_text()
    page.get_by_test_id("setup-admin-password").fill("a long password")
    page.get_by_test_id("setup-submit").click()
    page.get_by_test_id("user-name").wait_for()  # signed in as the new admin
    assert "Anong" in page.get_by_test_id("user-name").inner_text()

    # the admin invites a technician from the Users screen
    go(page, "admin/users")
    page.get_by_test_id("invite-open").click()
    invite = page.get_by_test_id("invite-user-form")
    invite.wait_for()
    page.get_by_test_id("invite-email-input").fill("somchai@example.com")
    page.get_by_test_id("invite-stream-MECHANICAL").check()
    page.get_by_test_id("invite-site-input").select_option(label="Rama 9")
    check_both_sizes(page, f"invite-form-{lang}")
    page.get_by_test_id("invite-send").click()
    row = page.locator("[data-testid=invitation-row][data-email='somchai@example.com']")
    row.wait_for()
    check_both_sizes(page, f"users-invitations-{lang}")

    # the mail's link, from the local SMTP server
    smtp.wait_for(1, timeout=30)
    [mail] = smtp.messages
    assert mail["To"] == "somchai@example.com"
    body = mail.get_body(("plain",)).get_content()
    link = LINK.search(body).group(1)
    admin.close()

    technician = new_phone(browser, empty_server, locale=text["lang"])
    tech = open_page(technician)
    tech.goto(link)
    tech.get_by_test_id("invite-form").wait_for()
    tech.get_by_test_id("invite-welcome").wait_for()
    assert tech.get_by_test_id("invite-welcome").inner_text().startswith(text["welcome"])
    assert "#" not in tech.url  # the token is out of the address bar at once
    assert tech.get_by_test_id("invite-email").input_value() == "somchai@example.com"
    check_both_sizes(tech, f"invitee-{lang}")
    tech.get_by_test_id("invite-name").fill("Somchai")
    tech.get_by_test_id("invite-password").fill("my own password")
    tech.get_by_test_id("invite-submit").click()
    tech.get_by_test_id("user-name").wait_for()
    assert "Somchai" in tech.get_by_test_id("user-name").inner_text()
    check_both_sizes(tech, f"technician-signed-in-{lang}")
    errors = list(technician.page_errors)
    technician.close()
    assert not errors, errors

    # the same link again: used
    again = new_phone(browser, empty_server, locale=text["lang"])
    reuse = open_page(again)
    reuse.goto(link)
    refused = reuse.get_by_test_id("invite-refused")
    refused.wait_for()
    expected = ("คำเชิญนี้ถูกใช้ไปแล้ว" if lang == "th" else "This invitation has already been used.")
    assert expected in refused.inner_text()
    again.close()


@pytest.fixture
def open_signup_server(tmp_path):
    with run_server(tmp_path, PWA_DIST, env={"MOTOTRACK_OPEN_SIGNUP": "true"}) as url:
        yield url


def test_open_sign_up_creates_a_garage_of_its_own_from_the_sign_in_screen(browser, open_signup_server, server_url):
    # off (the default, the module's demo server): the sign-in screen offers no sign-up
    closed = new_phone(browser, server_url)
    page = open_page(closed)
    page.goto("/")
    page.get_by_test_id("sign-in-form").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("create-garage").count() == 0
    closed.close()

    visitor = new_phone(browser, open_signup_server, locale="th-TH")
    page = open_page(visitor)
    page.goto("/")
    page.get_by_test_id("create-garage").click()
    form = page.get_by_test_id("setup-form")
    form.wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "สร้างอู่ใหม่"
    check_both_sizes(page, "signup-th")
    page.get_by_test_id("setup-vat-registered").uncheck()  # a small garage not registered for VAT: no tax ID asked
    page.get_by_test_id("setup-garage-name").fill("อู่ช่างเล็ก")
    page.get_by_test_id("setup-site-name").fill("หน้าร้าน")
    page.get_by_test_id("setup-admin-name").fill("เล็ก")
    page.get_by_test_id("setup-admin-email").fill("lek@example.com")
    page.get_by_test_id("setup-admin-password").fill("a long password")
    page.get_by_test_id("setup-submit").click()
    page.get_by_test_id("user-name").wait_for()
    # the new admin's Users screen holds only them: none of the demo garage's people
    go(page, "admin/users")
    rows = page.get_by_test_id("user-row")
    rows.first.wait_for()
    assert [rows.nth(i).get_attribute("data-email") for i in range(rows.count())] == ["lek@example.com"]
    errors = list(visitor.page_errors)
    visitor.close()
    assert not errors, errors
