"""Staff screens against the real server: the server's localized payload errors next to the field, admin users,
the warehouse's stock (low stock highlighted, receive, adjust), and the live board catching up after the network
drops (the socket reconnects and what changed meanwhile shows, without a reload).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import (
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


def test_admin_users_server_errors_next_to_the_field(phone):
    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/users")
    expect(page.get_by_test_id("user-row").first).to_be_visible()

    page.get_by_test_id("user-add").click()
    form = page.get_by_test_id("user-form")
    # checked before sending: nothing typed yet
    page.get_by_test_id("user-save").click()
    expect(form.get_by_test_id("field-error")).to_have_count(3)  # name, email, password (+ stream below)
    page.get_by_test_id("user-name-input").fill("Wanchai Duplicate")
    page.get_by_test_id("user-email-input").fill("workshop.manager@demo.test")  # taken
    page.get_by_test_id("user-password-input").fill("a-long-password")
    page.get_by_test_id("user-role-input").select_option("WORKSHOP_MANAGER")
    page.get_by_test_id("user-save").click()
    # the server refuses it: its (English) message sits under the email field, and what was typed stays
    email_error = form.locator(".field:has([data-testid=user-email-input]) [data-testid=field-error]")
    expect(email_error).to_be_visible()
    assert email_error.inner_text().strip()
    expect(page.get_by_test_id("user-name-input")).to_have_value("Wanchai Duplicate")

    page.get_by_test_id("user-email-input").fill("wanchai.tech@demo.test")
    page.get_by_test_id("user-role-input").select_option("TECHNICIAN")
    page.get_by_test_id("user-stream-ELECTRICAL").check()
    page.get_by_test_id("user-save").click()
    row = page.locator("[data-testid=user-row][data-email='wanchai.tech@demo.test']")
    expect(row).to_contain_text("Wanchai Duplicate")
    expect(row).to_contain_text("Electrical")

    row.get_by_test_id("user-deactivate").click()
    row.get_by_test_id("user-deactivate-confirm").click()
    expect(row).to_contain_text("Deactivated")
    expect(row.get_by_test_id("user-edit")).to_have_count(0)


def test_admin_task_catalog_add_edit_and_filter(phone):
    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/tasks")
    expect(page.get_by_test_id("action-row").first).to_be_visible()

    page.get_by_test_id("action-add").click()
    form = page.get_by_test_id("action-form")
    expect(page.get_by_test_id("action-add")).to_have_count(0)  # the button hides while the form is open
    # checked before sending: no English name, and a cost that is not an amount
    page.get_by_test_id("action-cost").fill("12.345")
    page.get_by_test_id("action-save").click()
    expect(form.get_by_test_id("field-error")).to_have_count(2)
    page.get_by_test_id("action-name-en").fill("E2E wiring check")
    page.get_by_test_id("action-stream").select_option("ELECTRICAL")
    page.get_by_test_id("action-cost").fill("450")
    page.get_by_test_id("action-hours").fill("1.5")
    page.get_by_test_id("action-save").click()
    expect(form).to_have_count(0)
    row = page.locator("[data-testid=action-row][data-name='E2E wiring check']")
    expect(page.get_by_test_id("action-row").first).to_have_attribute("data-name", "E2E wiring check")  # new rows go first
    expect(row).to_contain_text("Electrical")
    expect(row).to_contain_text("1.50 h")
    expect(row).to_contain_text("450.00")
    expect(row).not_to_contain_text("Inactive")

    # edited in place: the form opens in the row with what is saved, and the row shows the answer
    row.get_by_test_id("action-edit").click()
    edit = page.locator("[data-testid=action-list] [data-testid=action-form]")
    expect(edit.get_by_test_id("action-name-en")).to_have_value("E2E wiring check")
    expect(edit.get_by_test_id("action-cost")).to_have_value("450.00")
    edit.get_by_test_id("action-active").uncheck()
    edit.get_by_test_id("action-save").click()
    expect(edit).to_have_count(0)
    expect(row).to_contain_text("Inactive")

    # the stream filter asks the server again
    page.get_by_test_id("action-stream-filter").select_option("BODY")
    expect(row).to_have_count(0)
    expect(page.get_by_test_id("action-row").first).to_be_visible()
    page.get_by_test_id("action-stream-filter").select_option("ELECTRICAL")
    expect(row).to_contain_text("Inactive")


def test_warehouse_stock_low_receive_adjust(phone, server_url):
    page = open_page(phone)
    sign_in(page, "warehouse")
    go(page, "stock")
    items = page.get_by_test_id("stock-item")
    expect(items.first).to_be_visible()
    page.get_by_test_id("stock-low-only").check()
    expect(items.first).to_have_attribute("data-low", "true")
    low = items.count()
    assert all(items.nth(i).get_attribute("data-low") == "true" for i in range(low))
    page.get_by_test_id("stock-low-only").uncheck()
    expect(items).not_to_have_count(low)

    item = items.first
    sku = item.get_attribute("data-sku")
    item = page.locator(f"[data-testid=stock-item][data-sku='{sku}']")
    before = int(item.get_by_test_id("stock-qty").inner_text())

    item.get_by_test_id("stock-receive").click()
    item.get_by_test_id("stock-qty-input").fill("0")
    item.get_by_test_id("stock-save").click()
    expect(item.get_by_test_id("field-error")).to_be_visible()  # refused before sending
    item.get_by_test_id("stock-qty-input").fill("5")
    item.get_by_test_id("stock-reason").fill("DN-2026-118")
    item.get_by_test_id("stock-save").click()
    expect(item.get_by_test_id("stock-qty")).to_have_text(str(before + 5))

    # a correction needs a reason; then the count goes down by one
    item.get_by_test_id("stock-adjust").click()
    item.get_by_test_id("stock-qty-input").fill("-1")
    item.get_by_test_id("stock-save").click()
    expect(item.get_by_test_id("field-error")).to_be_visible()
    item.get_by_test_id("stock-reason").fill("Damaged in the store")
    item.get_by_test_id("stock-save").click()
    expect(item.get_by_test_id("stock-qty")).to_have_text(str(before + 4))

    # the server agrees
    token = token_for(server_url, "warehouse")
    data = graphql(server_url, "query($s: String) { warehouseItems(search: $s) { edges { node { sku quantityOnHand } } } }",
                   {"s": sku}, token)
    assert {e["node"]["sku"]: e["node"]["quantityOnHand"] for e in data["warehouseItems"]["edges"]}[sku] == before + 4


def test_board_catches_up_after_the_network_drops(phone, server_url):
    page = open_page(phone)
    sign_in(page, "site")
    go(page, "board")
    sites = page.get_by_test_id("site-picker")
    token = token_for(server_url, "site")
    data = graphql(server_url, "query { sites { id name } }", token=token)
    rama9 = next(s["id"] for s in data["sites"] if s["name"].startswith("Rama 9"))
    if sites.count():
        sites.select_option(rama9)
    received = page.locator("[data-testid=board-col-RECEIVED] [data-testid=board-job]")
    expect(received.first).to_be_visible()
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-status", "open")
    number = received.first.get_attribute("data-job-number")
    page.evaluate("window.__noReload = true")

    phone.set_offline(True)
    expect(page.get_by_test_id("live-status")).not_to_have_attribute("data-status", "open")
    # meanwhile, at another desk, the job is assigned
    jobs = graphql(server_url, "query($s: String) { jobs(filter: {search: $s}) { edges { node { id number operationsStream } } } }",
                   {"s": number}, token)
    job = next(e["node"] for e in jobs["jobs"]["edges"] if e["node"]["number"] == number)
    techs = graphql(server_url, "query { users(role: TECHNICIAN) { id name streams } }", token=token)["users"]
    tech = next(u for u in techs if job["operationsStream"] in u["streams"])
    done = graphql(server_url, "mutation($i: AssignJobInput!) { assignJob(input: $i) { errors { message } } }",
                   {"i": {"jobId": job["id"], "technicianId": tech["id"]}}, token)
    assert not done["assignJob"]["errors"], done
    card = page.locator(f"[data-testid=board-job][data-job-number='{number}']")
    expect(card).to_have_attribute("data-status", "RECEIVED")  # offline: the page cannot know yet

    phone.set_offline(False)
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-status", "open", timeout=20_000)
    expect(card).to_have_attribute("data-status", "ASSIGNED")
    expect(card.get_by_test_id("job-technician")).to_have_text(re.compile(re.escape(tech["name"])))
    assert page.evaluate("window.__noReload === true"), "the board page was reloaded"
