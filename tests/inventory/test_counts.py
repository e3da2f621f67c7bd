"""Stock counts (issue 18): the count sheet shows what the ledger has on a warehouse's shelf; posting a count turns
each variance into an ADJUST with the reason, all or none; counting fewer than are held for approved parts requests
is refused in the reader's language and posts nothing."""

from __future__ import annotations

import pytest

from backend.core.permissions import Role
from backend.inventory import service, stock
from backend.workshop.models import Job, PartsRequest, PartsRequestStatus
from backend.workshop.service import parts as parts_service
from tests.inventory.helpers import assert_ledger_consistent, make_job

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
SHEET = "query($w: ID!) { stockCountSheet(warehouseId: $w) { item { sku } expected } }"
POST = """mutation($i: PostStockCountInput!) { postStockCount(input: $i) { variances { itemId expected counted
  variance } errors { field code message } } }"""


async def _item(db, garage, sku, quantity, bin_location):
    async with db.transaction() as s:
        return await service.create_item(s, garage.actor(WM), service.ItemInput(
            sku=sku, name_en=sku.title(), bin_location=bin_location), initial_quantity=quantity)


async def test_a_count_posts_its_variances_as_adjustments(gql, db, garage):
    pads, oil, bulbs = (await _item(db, garage, "PADS", 10, "B-01"), await _item(db, garage, "OIL", 6, "A-01"),
                        await _item(db, garage, "BULB", 4, "E-01"))
    async with db.transaction() as s:
        central = str((await stock.central_warehouse(s, garage.id)).id)
    token = garage.token(WM)
    body = await gql(SHEET, {"w": central}, token=token)
    assert body["data"]["stockCountSheet"] == [{"item": {"sku": "OIL"}, "expected": 6},
                                               {"item": {"sku": "PADS"}, "expected": 10},
                                               {"item": {"sku": "BULB"}, "expected": 4}]
    body = await gql(POST, {"i": {"warehouseId": central, "reason": "December count", "lines": [
        {"itemId": str(pads.id), "counted": 8}, {"itemId": str(oil.id), "counted": 7},
        {"itemId": str(bulbs.id), "counted": 4}]}}, token=token)
    payload = body["data"]["postStockCount"]
    assert payload["errors"] == []
    assert [(v["expected"], v["counted"], v["variance"]) for v in payload["variances"]] == [(10, 8, -2), (6, 7, 1),
                                                                                            (4, 4, 0)]
    body = await gql(SHEET, {"w": central}, token=token)
    assert [row["expected"] for row in body["data"]["stockCountSheet"]] == [7, 8, 4]
    body = await gql("query($i: ID!) { stockMovements(itemId: $i, first: 1) { edges { node { kind quantity reason "
                     "} } } }", {"i": str(pads.id)}, token=token)
    assert body["data"]["stockMovements"]["edges"][0]["node"] == {"kind": "ADJUST", "quantity": -2,
                                                                  "reason": "December count"}
    body = await gql(SHEET, {"w": central}, token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.parametrize("lang, text", [
    ("en", "3 of these are held for approved parts requests here; release or issue them before counting fewer."),
    ("th", "มี 3 ชิ้นที่กันไว้ให้คำขอเบิกอะไหล่ที่อนุมัติแล้วในคลังนี้ ต้องเบิกจ่ายหรือปล่อยคืนก่อนจึงจะนับได้น้อยกว่านั้น"),
])
async def test_counting_fewer_than_are_reserved_is_refused_and_posts_nothing(gql, db, garage, lang, text):
    pads, oil = await _item(db, garage, "PADS", 5, "B-01"), await _item(db, garage, "OIL", 6, "A-01")
    job_id, (request_id,) = await make_job(db, garage.id, pads.id, requests=1, quantity=3)
    async with db.transaction() as s:
        (await s.get(PartsRequest, request_id)).status = PartsRequestStatus.PENDING
    async with db.transaction() as s:
        await parts_service.approve_parts_request(s, garage.actor(Role.WORKSHOP_MANAGER), request_id)
        site_id = (await s.get(Job, job_id)).site_id
        site_wh = str((await stock.site_warehouse(s, garage.id, site_id)).id)
    async with db.transaction() as s:  # some oil at the site too
        await service.receive_stock(s, garage.actor(WM), oil.id, 2, warehouse_id=site_wh)
    body = await gql(POST, {"i": {"warehouseId": site_wh, "reason": "spot check", "lines": [
        {"itemId": str(oil.id), "counted": 1}, {"itemId": str(pads.id), "counted": 1}]}},
        token=garage.token(WM), lang=lang)
    payload = body["data"]["postStockCount"]
    assert payload["variances"] == []
    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
        ("lines.1.counted", "COUNT_BELOW_RESERVED", text)]
    body = await gql(SHEET, {"w": site_wh}, token=garage.token(WM))
    assert sorted((r["item"]["sku"], r["expected"]) for r in body["data"]["stockCountSheet"]) == [("OIL", 2),
                                                                                                  ("PADS", 5)]
    await assert_ledger_consistent(db, garage.id)
