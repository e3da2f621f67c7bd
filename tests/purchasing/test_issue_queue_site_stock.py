"""The warehouse manager's "Parts to issue" queue shows the stock of the job's site warehouse (where the parts are
issued from), not the garage's total: on hand, available (on hand - reserved), what is held for the request and so
what issuing may take now; the issue follows that figure. One statement for the whole queue, however long."""

from __future__ import annotations

import pytest

from backend.core.permissions import Role
from backend.inventory import service as inventory
from backend.inventory import stock
from tests.purchasing.test_job_parts import _approved
from tests.workshop.test_tasks_helpers import bay_site, make_item, working_job

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
QUEUE = """query { pendingPartsRequests(queue: ISSUE, first: 50) { edges { node { id quantity version
    item { quantityOnHand } siteStock { warehouseId warehouseName onHand available held canIssue } } } } }"""
ISSUE = """mutation($i: PartsRequestActionInput!) { issuePartsRequest(input: $i) { partsRequest { status }
    errors { field code message } } }"""


async def _queue(gql, garage) -> dict:
    body = await gql(QUEUE, token=garage.token(WM))
    assert "errors" not in body, body
    return {e["node"]["id"]: e["node"] for e in body["data"]["pendingPartsRequests"]["edges"]}


async def _receive(db, garage, item, quantity, warehouse_id=None):
    async with db.transaction() as s:
        await inventory.receive_stock(s, garage.actor(WM), item.id, quantity, warehouse_id=warehouse_id)


async def test_the_queue_shows_the_site_warehouse_and_the_issue_follows_it(gql, db, garage):
    item = await make_item(db, garage, quantity=2)  # two on the bay site's shelf
    await _receive(db, garage, item, 50)  # fifty in the central warehouse: the garage holds 52
    job = await working_job(db, garage)
    request = await _approved(db, garage, job, item, 3)  # the two on the site's shelf are held for it
    async with db.read() as s:
        site_wh = await stock.site_warehouse(s, garage.id, (await bay_site(db, garage)).id)
    row = (await _queue(gql, garage))[str(request.id)]
    assert row["item"]["quantityOnHand"] == 52
    assert row["siteStock"] == {"warehouseId": str(site_wh.id), "warehouseName": site_wh.name, "onHand": 2,
                                "available": 0, "held": 2, "canIssue": 2}
    # the queue says two can be issued of three: the issue refuses, whatever the central warehouse holds
    body = await gql(ISSUE, {"i": {"id": str(request.id)}}, token=garage.token(WM))
    (error,) = body["data"]["issuePartsRequest"]["errors"]
    assert error["code"] == "INSUFFICIENT_STOCK"
    th = await gql(ISSUE, {"i": {"id": str(request.id)}}, token=garage.token(WM), lang="th")
    assert th["data"]["issuePartsRequest"]["errors"][0]["message"] != error["message"]
    row = (await _queue(gql, garage))[str(request.id)]
    assert (row["siteStock"]["onHand"], row["siteStock"]["canIssue"]) == (2, 2)  # nothing changed
    # one more on the site's shelf: the queue says three, and the issue takes them from the site
    await _receive(db, garage, item, 1, warehouse_id=site_wh.id)
    row = (await _queue(gql, garage))[str(request.id)]
    assert row["siteStock"] == {"warehouseId": str(site_wh.id), "warehouseName": site_wh.name, "onHand": 3,
                                "available": 1, "held": 2, "canIssue": 3}
    body = await gql(ISSUE, {"i": {"id": str(request.id)}}, token=garage.token(WM))
    assert body["data"]["issuePartsRequest"] == {"partsRequest": {"status": "ISSUED"}, "errors": []}
    async with db.read() as s:
        assert (await stock.stock_row(s, garage.id, site_wh.id, item.id)).on_hand == 0
        central = await stock.central_warehouse(s, garage.id)
        assert (await stock.stock_row(s, garage.id, central.id, item.id)).on_hand == 50


async def test_the_queue_reads_the_site_stock_in_the_same_statements_for_2_and_20_requests(
        gql, db, garage, count_statements):
    item = await make_item(db, garage, quantity=100)
    job = await working_job(db, garage)
    counts, made = {}, 0
    for n in (2, 20):
        for _ in range(made, n):
            await _approved(db, garage, job, item, 1)
        made = n
        with count_statements() as counter:
            rows = await _queue(gql, garage)
        assert len(rows) == n
        assert {r["siteStock"]["held"] for r in rows.values()} == {1}
        assert {r["siteStock"]["onHand"] for r in rows.values()} == {100}
        counts[n] = counter.count
    assert counts[2] == counts[20], counts
