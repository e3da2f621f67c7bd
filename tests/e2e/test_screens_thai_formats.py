"""On screens, dates, times and money follow the app's language, not the browser's (issue 12, "On screens").

In Thai: Buddhist-era dates ("2 ธ.ค. 2569 16:40") and ฿ on every amount, billing or not; the invoice screen uses
the PDF's tax words (ภาษีมูลค่าเพิ่ม, สำนักงานใหญ่ / สาขาที่); the payment screen shows the PromptPay QR of the
balance due when the garage has a PromptPay ID, and nothing when it has none; the message-template picker shows
names, not event keys; a language chosen on the sign-in screen is the one the app opens in, whatever the account had
saved, and becomes the saved one. The browser is English (en-US) throughout, so nothing Thai comes from it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.e2e.layout import shoot
from tests.e2e.helpers import (
    USERS,
    axe_violations,
    go,
    graphql,
    new_phone,
    open_page,
    require_browser,
    sign_in,
    submit_sign_in,
    token_for,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

BE_YEAR = str(dt.date.today().year + 543)
CE_YEAR = str(dt.date.today().year)
THAI = re.compile(r"[\u0E00-\u0E7F]")
OPEN_INVOICES = """{ invoices(filter: { status: [ISSUED, PARTIALLY_PAID] }, first: 20) { edges { node { id number
  balanceDue issueDate promptPay { payload amount } } } } }"""
SET_PROMPTPAY = """mutation($input: UpdateGarageSettingsInput!) { updateGarageSettings(input: $input) {
  garage { id } errors { field code message } } }"""


def in_language(page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.get_by_test_id(f"lang-{lang}").click()
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")


def desktop(browser, server_url):
    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    context.page_errors = []
    return context


def open_invoice(server_url: str) -> dict:
    edges = graphql(server_url, OPEN_INVOICES, token=token_for(server_url, "billing"))["invoices"]["edges"]
    assert edges, "the demo data has an issued invoice with a balance due"
    return next((e["node"] for e in edges if e["node"]["balanceDue"] > 0), edges[0]["node"])


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_invoice_screen_in_thai_and_english_with_promptpay(browser, server_url, size):
    invoice = open_invoice(server_url)
    admin = token_for(server_url, "admin")
    # no PromptPay ID: the API has no QR and the screen shows none
    graphql(server_url, SET_PROMPTPAY, {"input": {"promptpayId": None}}, token=admin)
    assert open_invoice(server_url)["promptPay"] is None

    context = new_phone(browser, server_url) if size == "phone" else desktop(browser, server_url)
    page = open_page(context)
    sign_in(page, "billing")
    in_language(page, "th")
    go(page, f"invoices/{invoice['id']}")
    expect(page.get_by_test_id("invoice-screen")).to_be_visible()
    expect(page.get_by_test_id("invoice-tax-label")).to_contain_text("ภาษีมูลค่าเพิ่ม")
    expect(page.get_by_test_id("payment-form")).to_be_visible()
    for testid in ("invoice-subtotal", "invoice-tax", "invoice-total", "invoice-balance"):
        expect(page.get_by_test_id(testid)).to_contain_text("฿")
    head = page.locator(".inv-head").inner_text().replace(invoice["number"], "")  # its number names the year
    assert BE_YEAR in head and CE_YEAR not in head, head  # Buddhist era: 2569, never 2026
    expect(page.get_by_test_id("promptpay")).to_have_count(0)

    # with a PromptPay ID the payment screen shows the QR of the balance due, the one the API makes
    saved = graphql(server_url, SET_PROMPTPAY, {"input": {"promptpayId": "0812345678"}}, token=admin)
    assert saved["updateGarageSettings"]["errors"] == [], saved
    qr = graphql(server_url, "query($id: ID!) { invoice(id: $id) { promptPay { payload amount } } }",
                 {"id": invoice["id"]}, token=token_for(server_url, "billing"))["invoice"]["promptPay"]
    assert qr and qr["amount"] == invoice["balanceDue"]
    page.get_by_test_id("invoice-refresh").click()
    box = page.get_by_test_id("promptpay")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-payload", qr["payload"])
    expect(box).to_have_attribute("data-amount", str(invoice["balanceDue"]))
    expect(page.get_by_test_id("promptpay-amount")).to_contain_text("฿")
    expect(box).to_contain_text("พร้อมเพย์")
    assert page.eval_on_selector(".promptpay-qr", "img => img.complete && img.naturalWidth > 0")
    box.scroll_into_view_if_needed()
    shoot(page, f"invoice-promptpay-{size}-th")
    assert axe_violations(page) == []

    # the same screen in English: VAT, the common era, still in baht
    in_language(page, "en")
    expect(page.get_by_test_id("invoice-tax-label")).to_contain_text("VAT")
    head = page.locator(".inv-head").inner_text().replace(invoice["number"], "")
    assert CE_YEAR in head and BE_YEAR not in head, head
    expect(page.get_by_test_id("promptpay")).to_contain_text("Scan to pay with PromptPay")
    errors = list(context.page_errors)
    context.close()
    assert not errors


def test_staff_screens_outside_billing_show_baht_and_buddhist_dates(phone, server_url):
    page = open_page(phone)
    sign_in(page, "admin")
    # the task catalog's labour prices: ฿ in both languages (they were bare numbers in the browser's format)
    go(page, "admin/tasks")
    first_task = page.locator("section.screen li").first
    expect(first_task).to_contain_text("฿")
    # the outbox's dates: common era in English, Buddhist era in Thai, whatever the browser's locale (en-US)
    go(page, "admin/messages")
    page.get_by_test_id("message-status-filter").select_option("")
    row = page.get_by_test_id("message-row").first
    expect(row).to_contain_text(CE_YEAR)
    in_language(page, "th")
    expect(row).to_contain_text(BE_YEAR)
    assert not re.search(r"\b(AM|PM)\b", row.inner_text())  # a 24-hour clock in Thai, as Thai people write it
    # the message's name, not its event key
    assert "_" not in page.get_by_test_id("message-row").first.locator(".row-title").inner_text()


def test_template_picker_shows_names_not_event_keys(phone, server_url):
    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/reminders")
    picker = page.get_by_test_id("template-event")
    expect(picker).to_be_visible()
    options = picker.locator("option").all_inner_texts()
    assert options and all("_" not in o for o in options), options
    assert "Invoice issued" in options or "MOT reminder" in options or "Service reminder" in options, options
    in_language(page, "th")
    options = picker.locator("option").all_inner_texts()
    assert all(THAI.search(o) for o in options), [o for o in options if not THAI.search(o)]


def _me_locale(server_url: str, who: str) -> str | None:
    return graphql(server_url, "{ me { locale } }", token=token_for(server_url, who))["me"]["locale"]


def _set_locale(server_url: str, who: str, locale: str) -> None:
    data = graphql(server_url, "mutation($input: UpdateMyPreferencesInput!) { updateMyPreferences(input: $input) "
                               "{ errors { message } } }", {"input": {"locale": locale}}, token=token_for(server_url, who))
    assert data["updateMyPreferences"]["errors"] == []


@pytest.mark.parametrize("saved,chosen", [("EN", "th"), ("TH", "en")])
def test_a_language_chosen_on_sign_in_wins_and_is_saved(browser, server_url, saved, chosen):
    _set_locale(server_url, "warehouse", saved)
    context = new_phone(browser, server_url)
    page = open_page(context)
    page.goto("/")
    page.get_by_test_id(f"lang-{chosen}").click()
    submit_sign_in(page, USERS["warehouse"])
    page.get_by_test_id("user-name").wait_for()
    page.wait_for_function(f"() => document.documentElement.lang === '{chosen}'")
    # the account now has it: the first `me` after signing in did not switch the app back
    deadline = dt.datetime.now() + dt.timedelta(seconds=10)
    while _me_locale(server_url, "warehouse") != chosen.upper() and dt.datetime.now() < deadline:
        page.wait_for_timeout(200)
    assert _me_locale(server_url, "warehouse") == chosen.upper()
    page.wait_for_timeout(500)
    assert page.locator("html").get_attribute("lang") == chosen
    context.close()

    # a sign-in without touching the switch opens in the account's language (now the chosen one)
    context = new_phone(browser, server_url)
    page = open_page(context)
    page.goto("/")
    submit_sign_in(page, USERS["warehouse"])
    page.get_by_test_id("user-name").wait_for()
    page.wait_for_function(f"() => document.documentElement.lang === '{chosen}'")
    context.close()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_billing_and_admin_screens_fit_360_768_1280(browser, server_url, lang):
    from tests.e2e.test_reception_flows import SIZES, check_layout, person

    invoice = open_invoice(server_url)
    # each screen with what shows it has loaded (its controls are then all there)
    ready = {"billing/queue": "queue-refresh", "invoices": "invoice-row", f"invoices/{invoice['id']}": "payment-form",
             "admin/messages": "message-status-filter", "admin/reminders": "template-form", "admin/tasks": "action-row"}
    for who, screens in (("billing", ("billing/queue", "invoices", f"invoices/{invoice['id']}")),
                         ("admin", ("admin/messages", "admin/reminders", "admin/tasks"))):
        for size in SIZES:
            context = person(browser, server_url, size)
            page = open_page(context)
            sign_in(page, who)
            in_language(page, lang)
            for path in screens:
                go(page, path)
                page.get_by_test_id(ready[path]).first.wait_for()
                check_layout(page, f"{path.replace('/', '-')[:16]}-{size}-{lang}")
            assert axe_violations(page) == []
            errors = list(context.page_errors)
            context.close()
            assert not errors


def test_times_are_shown_in_the_garage_time_zone_not_the_device(browser, server_url):
    """A device set to New York shows the outbox's times as the Bangkok garage's clock reads them."""
    from zoneinfo import ZoneInfo

    admin = token_for(server_url, "admin")
    zone = graphql(server_url, "{ me { garage { timeZone } } }", token=admin)["me"]["garage"]["timeZone"]
    query = "{ notifications(first: 20) { edges { node { id createdAt sentAt } } } }"
    rows = graphql(server_url, query, token=admin)["notifications"]["edges"]
    assert rows, "the demo data has messages"
    node_id = rows[0]["node"]["id"]
    context = new_phone(browser, server_url, timezone_id="America/New_York")
    page = open_page(context)
    sign_in(page, "admin")
    go(page, "admin/messages")
    page.get_by_test_id("message-status-filter").select_option("")
    row = page.locator(f"[data-testid=message-row][data-id='{node_id}']")
    expect(row).to_be_visible()
    # the row shows when it was sent (else queued), as the server has it now
    node = next(e["node"] for e in graphql(server_url, query, token=admin)["notifications"]["edges"]
                if e["node"]["id"] == node_id)
    at = dt.datetime.fromisoformat((node["sentAt"] or node["createdAt"]).replace("Z", "+00:00"))
    garage_clock = at.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    device_clock = at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    assert garage_clock != device_clock
    page.reload()
    page.get_by_test_id("message-status-filter").select_option("")
    expect(row).to_contain_text(garage_clock)
    assert device_clock not in row.inner_text()
    context.close()
