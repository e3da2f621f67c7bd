"""Who may do what in the warehouse, garage isolation, statement counts, and the demo store room."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.core.permissions import Role
from backend.demo import seed_demo
from backend.inventory import service
from backend.inventory.demo import ITEMS as DEMO_ITEMS
from backend.inventory.models import WarehouseItem
from tests.conftest import error_codes
from tests.inventory.helpers import (
    ADJUST,
    CREATE_ITEM,
    ITEM,
    ITEMS,
    LOW_STOCK,
    MOVEMENTS,
    RECEIVE,
    UPDATE_ITEM,
    assert_ledger_consistent,
    create_item,
    ledger_snapshot,
    make_job,
)

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER


def _mutations(item_id: str) -> list[tuple[str, dict, str]]:
    return [
        (CREATE_ITEM, {"input": {"sku": "NEW-1", "nameEn": "New"}}, "createWarehouseItem"),
        (UPDATE_ITEM, {"input": {"id": item_id, "nameEn": "Renamed"}}, "updateWarehouseItem"),
        (RECEIVE, {"input": {"itemId": item_id, "quantity": 1}}, "receiveStock"),
        (ADJUST, {"input": {"itemId": item_id, "quantityChange": -1, "reason": "r"}}, "adjustStock"),
    ]


def _queries(item_id: str) -> list[tuple[str, dict]]:
    return [(ITEMS, {}), (ITEM, {"id": item_id}), (LOW_STOCK, {}), (MOVEMENTS, {"itemId": item_id})]


@pytest.mark.parametrize("role", list(Role))
async def test_every_staff_role_reads_only_managers_change(gql, db, garage, role):
    item = await create_item(gql, garage.token(WM), initialQuantity=5)
    token = garage.token(role)
    for query, variables in _queries(item["id"]):
        body = await gql(query, variables, token=token, expect_errors=True)
        assert body.get("errors") is None, (role, query, body)
    manages = role in (Role.WAREHOUSE_MANAGER, Role.ADMIN)
    before = await ledger_snapshot(db)
    for query, variables, name in _mutations(item["id"]):
        body = await gql(query, variables, token=token, expect_errors=True)
        if manages:
            assert body["data"][name]["errors"] == [], (role, name, body)
        else:
            assert error_codes(body) == ["FORBIDDEN"], (role, name, body)
    if not manages:
        assert await ledger_snapshot(db) == before
    await assert_ledger_consistent(db, garage.id)


async def test_anonymous_is_refused(gql, garage):
    item = await create_item(gql, garage.token(WM))
    for query, variables in _queries(item["id"]):
        assert error_codes(await gql(query, variables, expect_errors=True)) == ["UNAUTHENTICATED"]
    for query, variables, _ in _mutations(item["id"]):
        assert error_codes(await gql(query, variables, expect_errors=True)) == ["UNAUTHENTICATED"]


async def test_another_garage_is_invisible(gql, db, garage, other_garage):
    theirs = await create_item(gql, other_garage.token(WM), sku="THEIRS", nameEn="Their oil", initialQuantity=9,
                               reorderPoint=20)
    mine = await create_item(gql, garage.token(WM), sku="MINE", nameEn="My oil", initialQuantity=1)
    token = garage.token(WM)
    body = await gql(ITEMS, {"search": "oil"}, token=token)
    assert [e["node"]["sku"] for e in body["data"]["warehouseItems"]["edges"]] == ["MINE"]
    assert [i["sku"] for i in (await gql(LOW_STOCK, token=token))["data"]["lowStockItems"]] == ["MINE"]
    assert (await gql(ITEM, {"id": theirs["id"]}, token=token))["data"]["warehouseItem"] is None
    body = await gql(MOVEMENTS, {"itemId": theirs["id"]}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_FOUND"
    before = await ledger_snapshot(db)
    for query, variables, name in _mutations(theirs["id"])[1:]:
        payload = (await gql(query, variables, token=token))["data"][name]
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], name
        assert payload.get("warehouseItem") is None
    assert await ledger_snapshot(db) == before
    # the same SKU and the same clientMutationId are independent per garage
    await create_item(gql, token, sku="THEIRS", nameEn="Mine too")
    for world, item in ((other_garage, theirs), (garage, mine)):
        payload = (await gql(RECEIVE, {"input": {"itemId": item["id"], "quantity": 1, "clientMutationId": "k-1"}},
                             token=world.token(WM)))["data"]["receiveStock"]
        assert payload["errors"] == []
    await assert_ledger_consistent(db, garage.id)
    await assert_ledger_consistent(db, other_garage.id)


async def _seed(db, garage, n: int) -> None:
    actor = garage.actor(WM)
    async with db.transaction() as session:
        for i in range(n):
            await service.create_item(session, actor, service.ItemInput(
                sku=f"SKU-{i:03d}", name_en=f"Item {i:03d}", name_th=f"สินค้า {i:03d}", reorder_point=i % 4),
                initial_quantity=i % 7)


@pytest.mark.parametrize("low_stock", [None, True])
async def test_item_list_statement_count_is_constant(gql, db, garage, count_statements, low_stock):
    await _seed(db, garage, 100)
    counts = {}
    for n in (1, 10, 100):
        with count_statements() as counter:
            body = await gql(ITEMS, {"first": n, "lowStock": low_stock}, token=garage.token(WM), lang="th")
        edges = body["data"]["warehouseItems"]["edges"]
        assert 0 < len(edges) <= n and edges[0]["node"]["name"].startswith("สินค้า")
        counts[n] = counter.count
    # 1 to authenticate the token, 1 for the page
    assert counts == {1: 2, 10: 2, 100: 2}


async def test_movement_list_statement_count_is_constant(gql, db, garage, count_statements):
    item = await create_item(gql, garage.token(WM), initialQuantity=1)
    for _ in range(99):
        await gql(RECEIVE, {"input": {"itemId": item["id"], "quantity": 1}}, token=garage.token(WM))
    for n in (1, 10, 100):
        with count_statements() as counter:
            body = await gql(MOVEMENTS, {"itemId": item["id"], "first": n}, token=garage.token(WM))
        assert len(body["data"]["stockMovements"]["edges"]) == n
        # auth, the item, the movements, their item (one batch)
        assert counter.count == 4, counter.statements


async def test_demo_store_room(app, db, database_url, gql):
    assert await seed_demo(database_url) is True
    async with db.read() as s:
        items = list((await s.execute(select(WarehouseItem))).scalars())
    assert len(items) == len(DEMO_ITEMS) >= 20
    assert all(i.name_th and i.cost_price < i.sale_price and i.quantity_on_hand >= 0 for i in items)
    low = [i for i in items if i.quantity_on_hand <= i.reorder_point]
    assert 2 <= len(low) <= 6
    await assert_ledger_consistent(db, items[0].garage_id)
    login = await gql('mutation { login(input: {email: "warehouse.manager@demo.test", password: "mototrack-demo"}) '
                      '{ accessToken } }')
    token = login["data"]["login"]["accessToken"]
    body = await gql('{ lowStockItems { sku name } }', token=token, lang="th")
    assert {i["sku"] for i in body["data"]["lowStockItems"]} == {i.sku for i in low}
    assert all(not i["name"].isascii() for i in body["data"]["lowStockItems"])


async def test_the_ledger_shows_jobs_people_and_costs_only_to_those_who_manage_stock_or_approve_parts(gql, db,
                                                                                                      garage):
    """A technician checking the shelf sees quantities and balances, not which jobs (other technicians') took the
    parts, who moved them, or what they cost."""
    item = await create_item(gql, garage.token(Role.WAREHOUSE_MANAGER), initialQuantity=10)
    job_id, [request_id] = await make_job(db, garage.id, uuid.UUID(item["id"]), requests=1)
    async with db.transaction() as s:
        await service.issue_to_job(s, garage.actor(Role.WAREHOUSE_MANAGER), uuid.UUID(item["id"]), 2, job_id=job_id,
                                   parts_request_id=request_id)
    for role, sees in ((Role.WAREHOUSE_MANAGER, True), (Role.WORKSHOP_MANAGER, True), (Role.ADMIN, True),
                       (Role.TECHNICIAN, False), (Role.SITE_MANAGER, False), (Role.BILLING, False)):
        body = await gql(MOVEMENTS, {"itemId": item["id"]}, token=garage.token(role))
        # newest first: the issue at the site, the transfer that brought the stock there (in, out), the opening
        issue, *_transfer, receive = [e["node"] for e in body["data"]["stockMovements"]["edges"]]
        assert [m["kind"] for m in _transfer] == ["TRANSFER_IN", "TRANSFER_OUT"]
        assert (issue["kind"], issue["quantity"], issue["balanceAfter"]) == ("ISSUE", -2, 8), role
        detail = (issue["jobId"], issue["partsRequestId"], issue["unitCost"], issue["actorUserId"])
        if sees:
            assert detail == (str(job_id), str(request_id), 85000, str(garage.users[Role.WAREHOUSE_MANAGER].id)), role
        else:
            assert detail == (None, None, None, None), role
            assert receive["unitCost"] is None and receive["actorUserId"] is None
