"""The board's live connection (graphql-ws) when the server drops a subscriber that fell behind (close code 4410).

The socket between the page and the real server goes through Playwright's WebSocket route, so the test can do what
the server does to a slow subscriber: stop delivering its events, then close with 4410 "Subscriber fell behind".
The app must connect again, subscribe again and load the board again, so the change it missed shows, without a
page reload.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import go, graphql, open_page, require_browser, sign_in, token_for

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e


def test_a_subscriber_that_fell_behind_reconnects_and_reloads(phone, server_url):
    page = open_page(phone)
    sockets = []

    def through(ws):
        server = ws.connect_to_server()  # everything passes through to the real server
        sockets.append((ws, server))

    page.route_web_socket(re.compile(r"/graphql$"), through)
    sign_in(page, "site")
    go(page, "board")
    received = page.locator("[data-testid=board-col-RECEIVED] [data-testid=board-job]")
    expect(received.first).to_be_visible()
    live = page.get_by_test_id("live-status")
    expect(live).to_have_attribute("data-status", "open")
    # the board loads itself again once its subscription is live (so nothing between the first load and the socket is
    # missed): on a loaded machine that load can still be on its way, and would bring the change held back below
    page.wait_for_load_state("networkidle")
    # normally one socket; on a loaded machine the first may have been retried before it opened: the live one is last
    assert sockets
    before = len(sockets)
    number = received.first.get_attribute("data-job-number")
    page.evaluate("window.__noReload = true")

    # the server stops delivering this subscriber's events (its queue is full) ...
    # (its pings and pongs still pass, as they do on the real server: the app's keep-alive must not be what notices;
    # every socket the page opened is held back, the live one being the last)
    def events_dropped(page_side):
        return lambda message: None if '"next"' in str(message) else page_side.send(message)

    for page_side, server_side in sockets:
        server_side.on_message(events_dropped(page_side))
    ws, server = sockets[-1]
    token = token_for(server_url, "site")
    jobs = graphql(server_url, "query($s: String) { jobs(filter: {search: $s}) { edges { node { id number "
                   "operationsStream } } } }", {"s": number}, token)
    job = next(e["node"] for e in jobs["jobs"]["edges"] if e["node"]["number"] == number)
    techs = graphql(server_url, "query { users(role: TECHNICIAN) { id name streams } }", token=token)["users"]
    tech = next(u for u in techs if job["operationsStream"] in u["streams"])
    done = graphql(server_url, "mutation($i: AssignJobInput!) { assignJob(input: $i) { errors { message } } }",
                   {"i": {"jobId": job["id"], "technicianId": tech["id"]}}, token)
    assert not done["assignJob"]["errors"], done
    card = page.locator(f"[data-testid=board-job][data-job-number='{number}']")
    page.wait_for_timeout(500)
    expect(card).to_have_attribute("data-status", "RECEIVED")  # the event never reached the page

    # ... and closes it with 4410: the app connects again, subscribes again and reloads the board
    ws.close(code=4410, reason="Subscriber fell behind")
    expect(live).to_have_attribute("data-status", "open", timeout=20_000)
    expect(card).to_have_attribute("data-status", "ASSIGNED", timeout=20_000)
    expect(card.get_by_test_id("job-technician")).to_have_text(tech["name"])
    assert len(sockets) == before + 1, "one new connection"
    assert page.evaluate("window.__noReload === true"), "the page was reloaded"

    # the new connection is live: the next change arrives as an event
    site_id = page.get_by_test_id("site-picker").input_value() if page.get_by_test_id("site-picker").count() else \
        graphql(server_url, "query { sites { id } }", token=token)["sites"][0]["id"]
    created = graphql(server_url, """mutation($i: CreateJobInput!) { createJob(input: $i) {
        job { number } errors { message } } }""", {"i": {"siteId": site_id, "newVehicle": {"registration": "LV 4410"},
        "newOwner": {"name": "Live Owner"}, "operationsStream": "MECHANICAL", "revenueStream": "WALK_IN"}}, token)
    assert not created["createJob"]["errors"], created
    new_number = created["createJob"]["job"]["number"]
    expect(page.locator(f"[data-testid=board-col-RECEIVED] [data-job-number='{new_number}']")).to_be_visible()
    assert len(sockets) == before + 1 and page.evaluate("window.__noReload === true")
