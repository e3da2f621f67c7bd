"""Warehouse items over GraphQL: create, update, validation in English and Thai, search, low stock, versions."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.core.models import AuditEntry
from backend.core.permissions import Role
from tests.inventory.helpers import (
    CREATE_ITEM, ITEM, ITEMS, LOW_STOCK, MOVEMENTS, UPDATE_ITEM, assert_ledger_consistent, create_item,
    ledger_snapshot,
)

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER


async def test_create_item_with_opening_stock(gql, db, garage):
    item = await create_item(gql, garage.token(WM), sku="  oil-5w30 ", nameTh="น้ำมันเครื่อง 5W-30 4 ลิตร",
                             unit="can", initialQuantity=12, binLocation="A-01")
    assert item["sku"] == "OIL-5W30"
    assert (item["quantityOnHand"], item["version"], item["unit"], item["lowStock"]) == (12, 1, "can", False)
    assert item["name"] == "Engine oil 5W-30 4L"
    body = await gql(ITEM, {"id": item["id"]}, token=garage.token(WM), lang="th")
    assert body["data"]["warehouseItem"]["name"] == "น้ำมันเครื่อง 5W-30 4 ลิตร"
    moves = (await gql(MOVEMENTS, {"itemId": item["id"]}, token=garage.token(WM)))["data"]["stockMovements"]
    [move] = [e["node"] for e in moves["edges"]]
    assert (move["kind"], move["quantity"], move["balanceAfter"], move["unitCost"]) == ("RECEIVE", 12, 12, 85000)
    assert move["actorUserId"] == str(garage.users[WM].id) and move["item"]["sku"] == "OIL-5W30"
    async with db.read() as s:
        entries = (await s.execute(select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(item["id"])))).scalars().all()
    assert [e.action for e in entries] == ["create"]
    assert entries[0].changes["sku"] == {"before": None, "after": "OIL-5W30"}
    await assert_ledger_consistent(db, garage.id)


async def test_a_thai_item_without_a_thai_name_reads_in_english(gql, garage):
    item = await create_item(gql, garage.token(WM))
    body = await gql(ITEM, {"id": item["id"]}, token=garage.token(WM), lang="th")
    assert body["data"]["warehouseItem"]["name"] == "Engine oil 5W-30 4L"


async def test_client_chosen_id(gql, garage):
    chosen = "0190a3c4-1234-7abc-8def-0123456789ab"
    item = await create_item(gql, garage.token(WM), id=chosen)
    assert item["id"] == chosen
    body = await gql(CREATE_ITEM, {"input": {"id": chosen, "sku": "OTHER", "nameEn": "Other"}},
                     token=garage.token(WM))
    assert [e["code"] for e in body["data"]["createWarehouseItem"]["errors"]] == ["ALREADY_EXISTS"]


@pytest.mark.parametrize("lang, messages", [
    ("en", {"sku": "SKU OIL-5W30 is already in use.", "costPrice": "Enter an amount of zero or more.",
            "salePrice": "Enter an amount of zero or more.", "reorderPoint": "Enter a quantity of zero or more.",
            "nameEn": "This field is required.", "initialQuantity": "Enter a quantity of zero or more."}),
    ("th", None),
])
async def test_bad_input_is_refused_with_every_field_and_changes_nothing(gql, db, garage, lang, messages):
    await create_item(gql, garage.token(WM), initialQuantity=3)
    before = await ledger_snapshot(db)
    body = await gql(CREATE_ITEM, {"input": {"sku": " oil-5w30", "nameEn": "  ", "costPrice": -1, "salePrice": -5,
                                             "reorderPoint": -2, "initialQuantity": -1}},
                     token=garage.token(WM), lang=lang)
    payload = body["data"]["createWarehouseItem"]
    assert payload["warehouseItem"] is None
    got = {e["field"]: (e["code"], e["message"]) for e in payload["errors"]}
    assert {f: c for f, (c, _) in got.items()} == {
        "sku": "SKU_TAKEN", "nameEn": "REQUIRED", "costPrice": "INVALID_AMOUNT", "salePrice": "INVALID_AMOUNT",
        "reorderPoint": "NEGATIVE_QUANTITY", "initialQuantity": "NEGATIVE_QUANTITY"}
    if messages is not None:
        assert {f: m for f, (_, m) in got.items()} == messages
    else:  # Thai: translated, so none of them is the English text
        english = {e["field"]: e["message"] for e in (await gql(CREATE_ITEM, {"input": {
            "sku": " oil-5w30", "nameEn": "  ", "costPrice": -1, "salePrice": -5, "reorderPoint": -2,
            "initialQuantity": -1}}, token=garage.token(WM), lang="en"))["data"]["createWarehouseItem"]["errors"]}
        for field, (_, message) in got.items():
            assert message and message != english[field], (field, message)
    assert await ledger_snapshot(db) == before


async def test_update_item_versions_and_audit(gql, db, garage):
    item = await create_item(gql, garage.token(WM), initialQuantity=4)
    body = await gql(UPDATE_ITEM, {"input": {"id": item["id"], "expectedVersion": 1, "salePrice": 135000,
                                             "nameTh": "น้ำมันเครื่อง", "sku": "oil-5w30-4l"}}, token=garage.token(WM))
    payload = body["data"]["updateWarehouseItem"]
    assert payload["errors"] == []
    updated = payload["warehouseItem"]
    assert (updated["salePrice"], updated["sku"], updated["version"], updated["quantityOnHand"]) == (
        135000, "OIL-5W30-4L", 2, 4)
    # nothing changes: no new version, no audit row
    body = await gql(UPDATE_ITEM, {"input": {"id": item["id"], "salePrice": 135000}}, token=garage.token(WM))
    assert body["data"]["updateWarehouseItem"]["warehouseItem"]["version"] == 2
    async with db.read() as s:
        entries = (await s.execute(select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(item["id"]))
                                   .order_by(AuditEntry.at, AuditEntry.id))).scalars().all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes == {"sale_price": {"before": 129000, "after": 135000},
                                  "name_th": {"before": None, "after": "น้ำมันเครื่อง"},
                                  "sku": {"before": "OIL-5W30", "after": "OIL-5W30-4L"}}


async def test_stale_update_gets_conflict_and_the_current_record(gql, db, garage):
    item = await create_item(gql, garage.token(WM))
    await gql(UPDATE_ITEM, {"input": {"id": item["id"], "expectedVersion": 1, "binLocation": "B-2"}},
              token=garage.token(WM))
    before = await ledger_snapshot(db)
    body = await gql(UPDATE_ITEM, {"input": {"id": item["id"], "expectedVersion": 1, "binLocation": "C-3"}},
                     token=garage.token(WM), lang="th")
    payload = body["data"]["updateWarehouseItem"]
    assert [e["code"] for e in payload["errors"]] == ["CONFLICT"]
    assert payload["errors"][0]["message"] != "Someone else changed this record; reload it and try again."
    assert (payload["warehouseItem"]["binLocation"], payload["warehouseItem"]["version"]) == ("B-2", 2)
    assert await ledger_snapshot(db) == before


async def test_sku_is_unique_per_garage_but_not_across_garages(gql, garage, other_garage):
    first = await create_item(gql, garage.token(WM), sku="SPK-01")
    await create_item(gql, other_garage.token(WM), sku="spk-01")
    second = await create_item(gql, garage.token(WM), sku="SPK-02")
    body = await gql(UPDATE_ITEM, {"input": {"id": second["id"], "sku": " spk-01 "}}, token=garage.token(WM))
    assert [(e["field"], e["code"]) for e in body["data"]["updateWarehouseItem"]["errors"]] == [("sku", "SKU_TAKEN")]
    # keeping its own SKU is no clash
    body = await gql(UPDATE_ITEM, {"input": {"id": first["id"], "sku": "spk-01", "nameEn": "Spark plug"}},
                     token=garage.token(WM))
    assert body["data"]["updateWarehouseItem"]["errors"] == []


async def test_update_unknown_item_is_not_found(gql, garage, other_garage):
    theirs = await create_item(gql, other_garage.token(WM))
    for ident in (theirs["id"], "not-an-id"):
        body = await gql(UPDATE_ITEM, {"input": {"id": ident, "nameEn": "Mine now"}}, token=garage.token(WM))
        assert [e["code"] for e in body["data"]["updateWarehouseItem"]["errors"]] == ["NOT_FOUND"]


async def test_search_low_stock_and_paging(gql, db, garage):
    token = garage.token(WM)
    await create_item(gql, token, sku="OIL-5W30", nameEn="Engine oil 5W-30", nameTh="น้ำมันเครื่อง",
                      initialQuantity=20, reorderPoint=5)
    await create_item(gql, token, sku="FLT-OIL", nameEn="Oil filter", nameTh="ไส้กรองน้ำมันเครื่อง",
                      initialQuantity=2, reorderPoint=5)
    await create_item(gql, token, sku="BAT-65AH", nameEn="Battery 12V 65Ah", nameTh="แบตเตอรี่",
                      initialQuantity=3, reorderPoint=3)
    dead = await create_item(gql, token, sku="OLD-1", nameEn="Discontinued oil can", initialQuantity=0,
                             reorderPoint=2, active=False)

    async def skus(**variables):
        body = await gql(ITEMS, variables, token=token)
        return [e["node"]["sku"] for e in body["data"]["warehouseItems"]["edges"]]

    assert await skus() == ["BAT-65AH", "OLD-1", "OIL-5W30", "FLT-OIL"]  # by English name
    assert await skus(search="OIL") == ["OLD-1", "OIL-5W30", "FLT-OIL"]
    assert await skus(search="flt-") == ["FLT-OIL"]
    assert await skus(search="น้ำมันเครื่อง") == ["OIL-5W30", "FLT-OIL"]
    assert await skus(search="5w-30") == ["OIL-5W30"]
    assert await skus(search="100%") == []
    assert await skus(lowStock=True) == ["BAT-65AH", "FLT-OIL"]
    assert await skus(lowStock=False) == ["OLD-1", "OIL-5W30"]
    low = (await gql(LOW_STOCK, token=token))["data"]["lowStockItems"]
    assert [(i["sku"], i["lowStock"]) for i in low] == [("FLT-OIL", True), ("BAT-65AH", True)]
    assert dead["lowStock"] is False

    seen, after = [], None
    while True:
        body = await gql(ITEMS, {"first": 3, "after": after}, token=token)
        conn = body["data"]["warehouseItems"]
        seen += [e["node"]["sku"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == ["BAT-65AH", "OLD-1", "OIL-5W30", "FLT-OIL"]
    body = await gql(ITEMS, {"after": "garbage"}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "INVALID_CURSOR"
    body = await gql(ITEMS, {"first": 1000}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "PAGE_SIZE_TOO_LARGE"
    await assert_ledger_consistent(db, garage.id)
