"""The admin's expenses and opening balance on the dashboard's cash card, in headless Chromium over the dashboard's
server (the fixtures of test_dashboard.py): in English at 360 px a monthly rent and a one-off expense are added, a
bad amount is refused by the form and a zero one by the server (its localized message at the field), one is edited,
one deleted (confirmed), the opening balance set; cashMonth as the API answers equals what the screen shows and the
projected cash moved by exactly the opening balance less the expenses. In Thai at 1280 px the panel reads Thai and
the server's refusal is in Thai. A site manager has no expenses button. Screenshots into $SHOTS_DIR."""

from __future__ import annotations

import re

import pytest

from tests.analytics.e2e.test_dashboard import month, no_problems, shot  # noqa: F401 - the module's server fixture
from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for

require_browser()

pytestmark = pytest.mark.e2e

CASH = """query { cashMonth { month openingBalance expensesTotal projected
  expenses { expense { id category description amount recurring siteId } } } }"""
ZERO = """mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id }
  errors { field message } } }"""


def baht(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}฿{abs(minor) / 100:,.2f}"


def projected_text(page) -> str:
    return page.get_by_test_id("cash-projected").inner_text()


def cash(url: str) -> dict:
    return graphql(url, CASH, token=token_for(url, "admin"))["cashMonth"]


def server_refusal(url: str, lang: str) -> str:
    """The server's message for an amount of 0 (nothing is created)."""
    out = graphql(url, ZERO, {"input": {"category": "OTHER", "amount": 0, "spentOn": cash(url)["month"]}},
                  token=token_for(url, "admin"), lang=lang)["createExpense"]
    assert out["expense"] is None
    [error] = [e for e in out["errors"] if e["field"] == "amount"]
    return error["message"]


def fill_expense(page, category: str, description: str, amount: str, *, monthly: bool = False, site: str = "") -> None:
    form = page.get_by_test_id("expense-form")
    form.get_by_test_id("expense-category").select_option(category)
    form.get_by_test_id("expense-description").fill(description)
    form.get_by_test_id("expense-amount-input").fill(amount)
    form.get_by_test_id("expense-site").select_option(site)
    if monthly:
        form.get_by_test_id("expense-recurring").check()


def open_expenses(page) -> None:
    go(page, "dashboard")
    page.get_by_test_id("dash-cash").wait_for()
    page.get_by_test_id("cash-expenses-open").click()
    page.get_by_test_id("expense-list").wait_for()


def wait_projected(page, minor: int) -> None:
    page.wait_for_function("t => document.querySelector('[data-testid=cash-projected]')?.innerText.includes(t)",
                           arg=baht(minor))


def test_the_admin_enters_expenses_and_the_opening_balance_at_360(browser, month):
    url, m = month
    before = cash(url)
    assert before["expenses"] == [] and before["openingBalance"] is None
    context = new_phone(browser, url)
    try:
        page = open_page(context)
        sign_in(page, "admin")
        open_expenses(page)
        wait_projected(page, before["projected"])
        assert page.get_by_test_id("expense-empty").is_visible()
        # a monthly rent of the whole garage
        page.get_by_test_id("expense-add").click()
        fill_expense(page, "RENT", "Shop rent", "15000", monthly=True)
        page.get_by_test_id("expense-ends").wait_for()  # a monthly expense may end
        no_problems(page)
        shot(page, "expenses-form-360-en")
        page.get_by_test_id("expense-save").click()
        page.get_by_test_id("expense-row").first.wait_for()
        wait_projected(page, before["projected"] - 1500000)
        # a one-off at the hand-made month's site: a bad amount is refused by the form, a zero one by the server
        page.get_by_test_id("expense-add").click()
        fill_expense(page, "OTHER", "Tyre disposal", "12,50.x", site=m["site"])
        page.get_by_test_id("expense-save").click()
        error = page.get_by_test_id("expense-form").get_by_test_id("field-error")
        assert "Enter an amount such as 1250" in error.inner_text()
        page.get_by_test_id("expense-amount-input").fill("0")
        page.get_by_test_id("expense-save").click()
        refusal = server_refusal(url, "en")
        page.wait_for_function("t => document.querySelector('[data-testid=expense-form] [data-testid=field-error]')"
                               "?.innerText.includes(t)", arg=refusal)
        assert len(cash(url)["expenses"]) == 1  # nothing made by the refusals
        page.get_by_test_id("expense-amount-input").fill("1250.50")
        page.get_by_test_id("expense-save").click()
        page.wait_for_function("() => document.querySelectorAll('[data-testid=expense-row]').length === 2")
        wait_projected(page, before["projected"] - 1500000 - 125050)
        rows = page.get_by_test_id("expense-list").inner_text()
        assert "Rama 9" in rows and "Whole garage" in rows and "monthly" in rows
        # edit the rent
        rent = page.locator("[data-testid=expense-row]", has_text="Shop rent")
        rent.get_by_test_id("expense-edit").click()
        assert page.get_by_test_id("expense-amount-input").input_value() == "15000.00"
        page.get_by_test_id("expense-amount-input").fill("16000")
        page.get_by_test_id("expense-save").click()
        page.locator("[data-testid=expense-row]", has_text="Shop rent").get_by_test_id("expense-amount").wait_for()
        wait_projected(page, before["projected"] - 1600000 - 125050)
        assert baht(1600000) in rent.get_by_test_id("expense-amount").inner_text()
        # delete the one-off: a first refusal of the question keeps it, then it goes
        one_off = page.locator("[data-testid=expense-row]", has_text="Tyre disposal")
        page.once("dialog", lambda d: d.dismiss())
        one_off.get_by_test_id("expense-delete").click()
        assert len(cash(url)["expenses"]) == 2
        page.once("dialog", lambda d: d.accept())
        one_off.get_by_test_id("expense-delete").click()
        page.wait_for_function("() => document.querySelectorAll('[data-testid=expense-row]').length === 1")
        wait_projected(page, before["projected"] - 1600000)
        no_problems(page)
        shot(page, "expenses-list-360-en")
        # the opening balance
        page.get_by_test_id("cash-opening-open").click()
        page.get_by_test_id("opening-amount").fill("50,000")
        no_problems(page)
        shot(page, "expenses-opening-360-en")
        page.get_by_test_id("opening-save").click()
        page.get_by_test_id("opening-form").wait_for(state="detached")
        wait_projected(page, before["projected"] + 5000000 - 1600000)
        # the API's month equals the screen's
        after = cash(url)
        assert after["openingBalance"] == 5000000 and after["expensesTotal"] == 1600000
        assert after["projected"] == before["projected"] + 5000000 - 1600000
        [e] = [x["expense"] for x in after["expenses"]]
        assert (e["category"], e["description"], e["amount"], e["recurring"], e["siteId"]) == (
            "RENT", "Shop rent", 1600000, True, None)
        assert baht(after["projected"]) in projected_text(page)
        assert baht(after["expensesTotal"]) in page.get_by_test_id("dash-cash").inner_text()
        page.get_by_test_id("cash-expenses-open").click()
        assert baht(1600000) in page.get_by_test_id("expense-total").inner_text()
        no_problems(page)
    finally:
        errors = list(context.page_errors)
        context.close()
    assert not errors, errors


def test_the_panel_in_thai_at_1280_and_none_for_a_site_manager(browser, month):
    url, _ = month
    context = new_phone(browser, url, locale="th-TH")
    try:
        page = open_page(context)
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, "admin", english=False)
        if page.locator("html").get_attribute("lang") != "th":
            page.get_by_test_id("lang-th").click()
            page.wait_for_function("() => document.documentElement.lang === 'th'")
        open_expenses(page)
        assert page.get_by_test_id("cash-expenses-open").inner_text().strip() == "ค่าใช้จ่าย"
        panel = page.get_by_test_id("expense-list")
        assert "ค่าใช้จ่ายเดือนนี้" in panel.inner_text()
        if page.get_by_test_id("expense-row").count():
            assert "ค่าเช่า" in panel.inner_text()
        page.get_by_test_id("expense-add").click()
        fill_expense(page, "UTILITIES", "ค่าไฟ", "0")
        page.get_by_test_id("expense-save").click()
        refusal = server_refusal(url, "th")
        assert re.search("[\u0e00-\u0e7f]", refusal)
        page.wait_for_function("t => document.querySelector('[data-testid=expense-form] [data-testid=field-error]')"
                               "?.innerText.includes(t)", arg=refusal)
        assert "ประเภท" in page.get_by_test_id("expense-form").inner_text()
        no_problems(page)
        shot(page, "expenses-form-1280-th")
        page.get_by_test_id("expense-form").get_by_role("button", name="ยกเลิก").click()
        page.get_by_test_id("expense-list").wait_for()
        no_problems(page)
        shot(page, "expenses-list-1280-th")
        page.get_by_test_id("cash-opening-open").click()
        assert "เงินสดยกมา" in page.get_by_test_id("opening-form").inner_text()
        no_problems(page)
        shot(page, "expenses-opening-1280-th")
    finally:
        errors = list(context.page_errors)
        context.close()
    assert not errors, errors
    # a site manager: the dashboard without the cash card and with no expenses button
    context = new_phone(browser, url)
    try:
        page = open_page(context)
        sign_in(page, "site")
        go(page, "dashboard")
        page.get_by_test_id("tile-SALES").wait_for()
        page.get_by_test_id("dash-capacity").wait_for()
        assert page.get_by_test_id("cash-expenses-open").count() == 0
        assert page.get_by_test_id("dash-cash").count() == 0
    finally:
        errors = list(context.page_errors)
        context.close()
    assert not errors, errors
