"""Reception: a vehicle that comes back shows the work its owner declined on an earlier quote (deferred work)."""

from __future__ import annotations

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

pytestmark = pytest.mark.e2e


def test_a_returning_vehicle_shows_the_work_declined_last_time(phone, server_url):
    token = token_for(server_url, "site")
    vehicles = graphql(server_url, "{ vehicles(first: 100) { edges { node { registrationDisplay deferredWork "
                                    "{ description } } } } }", token=token)["vehicles"]["edges"]
    with_deferred = [e["node"] for e in vehicles if e["node"]["deferredWork"]]
    without = next(e["node"] for e in vehicles if not e["node"]["deferredWork"])
    assert with_deferred, "the demo data declines one quote line"
    vehicle = with_deferred[0]

    page = open_page(phone)
    sign_in(page, "site")
    go(page, "intake")
    page.get_by_test_id("intake-registration").fill(vehicle["registrationDisplay"])
    page.get_by_test_id("intake-find").click()
    expect(page.get_by_test_id("found-vehicle")).to_be_visible()
    deferred = page.get_by_test_id("deferred-work")
    expect(deferred).to_contain_text("Work the customer put off last time")
    items = page.get_by_test_id("deferred-item")
    expect(items).to_have_count(len(vehicle["deferredWork"]))
    expect(items.first).to_contain_text(vehicle["deferredWork"][0]["description"])
    expect(items.first).to_contain_text("฿")

    page.get_by_test_id("lang-th").click()
    expect(deferred).to_contain_text("งานที่ลูกค้าขอเลื่อนไว้ครั้งก่อน")

    # a vehicle with nothing outstanding shows no such list
    page.get_by_test_id("intake-registration").fill(without["registrationDisplay"])
    page.get_by_test_id("intake-find").click()
    expect(page.get_by_test_id("found-vehicle")).to_contain_text(without["registrationDisplay"])
    expect(page.get_by_test_id("deferred-work")).to_have_count(0)
