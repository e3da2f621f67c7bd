"""Stock reports (issue 18): the valuation per warehouse at the moving weighted average cost, and the usage per item
and warehouse over a period; costs only for those who may read them; another garage's stock never counted."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from backend.core.permissions import Role
from backend.inventory import service, stock
from backend.workshop.models import Job
from backend.workshop.service import parts as parts_service
from tests.inventory.helpers import make_job, send_to_site

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
VALUATION = "{ stockValuation { warehouse { kind name } total lines { item { sku } onHand unitCost value } } }"
USAGE = """query($f: DateTime!, $t: DateTime!) { stockUsage(from: $f, to: $t) { itemId warehouseId issued returned
  sold used } }"""


async def test_valuation_and_usage_per_warehouse(gql, db, garage, other_garage):
    actor = garage.actor(WM)
    async with db.transaction() as s:
        item = await service.create_item(s, actor, service.ItemInput(sku="PADS", name_en="Brake pads", cost_price=100,
                                                                    sale_price=250), initial_quantity=10)
    async with db.transaction() as s:
        await service.create_item(s, other_garage.actor(WM), service.ItemInput(
            sku="THEIRS", name_en="Theirs", cost_price=999), initial_quantity=50)
    job_id, (request_id,) = await make_job(db, garage.id, item.id, requests=1, quantity=3, send_stock=False)
    async with db.read() as s:
        site_id = (await s.get(Job, job_id)).site_id
    await send_to_site(db, garage.id, item.id, site_id, quantity=4)
    async with db.transaction() as s:
        await parts_service.issue_parts_request(s, actor, request_id)
        await parts_service.return_parts(s, actor, request_id, 1, "one too many")
        await service.sell(s, actor, item.id, 2, reference="INV-1")
        central = (await stock.central_warehouse(s, garage.id)).id
        site_wh = (await stock.site_warehouse(s, garage.id, site_id)).id
    body = await gql(VALUATION, token=garage.token(WM))
    site_name = body["data"]["stockValuation"][1]["warehouse"]["name"]
    assert body["data"]["stockValuation"] == [
        {"warehouse": {"kind": "CENTRAL", "name": "Central warehouse"}, "total": 400,
         "lines": [{"item": {"sku": "PADS"}, "onHand": 4, "unitCost": 100, "value": 400}]},
        {"warehouse": {"kind": "SITE", "name": site_name}, "total": 200,
         "lines": [{"item": {"sku": "PADS"}, "onHand": 2, "unitCost": 100, "value": 200}]},
    ]
    body = await gql(VALUATION, token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    now = dt.datetime.now(dt.UTC)
    window = {"f": (now - dt.timedelta(hours=1)).isoformat(), "t": (now + dt.timedelta(hours=1)).isoformat()}
    body = await gql(USAGE, window, token=garage.token(WM))
    assert sorted(body["data"]["stockUsage"], key=lambda r: r["warehouseId"] == str(site_wh)) == [
        {"itemId": str(item.id), "warehouseId": str(central), "issued": 0, "returned": 0, "sold": 2, "used": 2},
        {"itemId": str(item.id), "warehouseId": str(site_wh), "issued": 3, "returned": 1, "sold": 0, "used": 2},
    ]
    earlier = {"f": (now - dt.timedelta(days=3)).isoformat(), "t": (now - dt.timedelta(days=2)).isoformat()}
    assert (await gql(USAGE, earlier, token=garage.token(WM)))["data"]["stockUsage"] == []
    for lang, text in (("en", "The period must end on or after the day it starts."),
                       ("th", "วันสิ้นสุดของช่วงเวลาต้องไม่ก่อนวันเริ่มต้น")):
        body = await gql(USAGE, {"f": window["t"], "t": window["f"]}, token=garage.token(WM), lang=lang,
                         expect_errors=True)
        assert body["errors"][0]["extensions"]["reason"] == "INVALID_PERIOD"
        assert body["errors"][0]["message"] == text
    body = await gql(VALUATION, token=other_garage.token(WM))
    assert [v["total"] for v in body["data"]["stockValuation"]] == [49950]
    assert uuid.UUID(str(item.id))
