"""The warehouse screens' own read (backend/purchasing/screens_schema.py): the items named by ids, in the order
asked, one garage's only, malformed and unknown ids left out, a list over 200 refused in the reader's language,
and the same statements for one id as for a hundred."""

from __future__ import annotations

import uuid

import pytest

from backend.core.permissions import Role
from backend.inventory import service as inventory

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
DOC = "query($ids: [ID!]!) { warehouseItemsByIds(ids: $ids) { id sku name } }"


async def _items(db, garage, n: int) -> list:
    async with db.transaction() as s:
        return [await inventory.create_item(s, garage.actor(WM), inventory.ItemInput(
            sku=f"UI-{uuid.uuid4().hex[:8]}", name_en="Wiper blade", name_th="ใบปัดน้ำฝน", cost_price=100,
            sale_price=200)) for _ in range(n)]


async def test_items_by_ids_in_the_order_asked_and_only_the_garages_own(gql, db, garage, other_garage):
    mine = await _items(db, garage, 3)
    theirs = (await _items(db, other_garage, 1))[0]
    ids = [str(mine[2].id), "not-an-id", str(theirs.id), str(uuid.uuid4()), str(mine[0].id), str(mine[2].id)]
    body = await gql(DOC, {"ids": ids}, token=garage.token(WM))
    assert [r["sku"] for r in body["data"]["warehouseItemsByIds"]] == [mine[2].sku, mine[0].sku]
    thai = await gql(DOC, {"ids": [str(mine[1].id)]}, token=garage.token(WM), lang="th")
    assert thai["data"]["warehouseItemsByIds"][0]["name"] == "ใบปัดน้ำฝน"


async def test_items_by_ids_refuses_a_long_list_in_the_readers_language(gql, garage):
    too_many = [str(uuid.uuid4()) for _ in range(201)]
    messages = {}
    for lang in ("en", "th"):
        body = await gql(DOC, {"ids": too_many}, token=garage.token(WM), lang=lang, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        messages[lang] = body["errors"][0]["message"]
    assert messages["en"] != messages["th"] and any("\u0e00" <= ch <= "\u0e7f" for ch in messages["th"]), messages
    assert (await gql(DOC, {"ids": []}, token=garage.token(WM)))["data"]["warehouseItemsByIds"] == []


async def test_items_by_ids_in_constant_statements(gql, db, garage, count_statements):
    items = await _items(db, garage, 100)
    counts = {}
    for n in (1, 10, 100):
        with count_statements() as counter:
            body = await gql(DOC, {"ids": [str(i.id) for i in items[:n]]}, token=garage.token(WM))
        assert len(body["data"]["warehouseItemsByIds"]) == n
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts
