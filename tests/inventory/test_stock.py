"""Receiving and adjusting stock over GraphQL: the ledger, refusals, replays of offline mutations, versions."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from backend.core.models import AuditEntry
from backend.core.permissions import Role
from backend.inventory.models import StockMovement
from tests.inventory.helpers import (
    ADJUST, MOVEMENTS, RECEIVE, assert_ledger_consistent, create_item, ledger_snapshot,
)

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER


async def _receive(gql, token, **values):
    return (await gql(RECEIVE, {"input": values}, token=token))["data"]["receiveStock"]


async def _adjust(gql, token, lang=None, **values):
    return (await gql(ADJUST, {"input": values}, token=token, lang=lang))["data"]["adjustStock"]


async def test_receive_and_adjust_write_the_ledger(gql, db, garage):
    token = garage.token(WM)
    item = await create_item(gql, token, initialQuantity=5)
    received = await _receive(gql, token, itemId=item["id"], quantity=10, unitCost=80000, reason="PO-1001")
    assert received["errors"] == []
    move = received["stockMovement"]
    assert (move["kind"], move["quantity"], move["balanceAfter"], move["unitCost"], move["reason"]) == (
        "RECEIVE", 10, 15, 80000, "PO-1001")
    assert received["warehouseItem"] == {"id": item["id"], "quantityOnHand": 15, "version": 2}
    # without a unit cost the item's cost price is used
    assert (await _receive(gql, token, itemId=item["id"], quantity=1))["stockMovement"]["unitCost"] == 85000

    down = await _adjust(gql, token, itemId=item["id"], quantityChange=-4, reason="  Damaged in the store  ")
    assert down["errors"] == []
    assert (down["stockMovement"]["kind"], down["stockMovement"]["quantity"], down["stockMovement"]["balanceAfter"],
            down["stockMovement"]["reason"]) == ("ADJUST", -4, 12, "Damaged in the store")
    up = await _adjust(gql, token, itemId=item["id"], quantityChange=2, reason="Found on recount")
    assert up["stockMovement"]["balanceAfter"] == 14 and up["warehouseItem"]["quantityOnHand"] == 14

    body = await gql(MOVEMENTS, {"itemId": item["id"]}, token=token)
    nodes = [e["node"] for e in body["data"]["stockMovements"]["edges"]]
    assert [(n["kind"], n["quantity"], n["balanceAfter"]) for n in nodes] == [
        ("ADJUST", 2, 14), ("ADJUST", -4, 12), ("RECEIVE", 1, 16), ("RECEIVE", 10, 15), ("RECEIVE", 5, 5)]
    # paging, newest first
    page = (await gql(MOVEMENTS, {"itemId": item["id"], "first": 2}, token=token))["data"]["stockMovements"]
    rest = (await gql(MOVEMENTS, {"itemId": item["id"], "first": 10, "after": page["pageInfo"]["endCursor"]},
                      token=token))["data"]["stockMovements"]
    assert [e["node"]["id"] for e in page["edges"] + rest["edges"]] == [n["id"] for n in nodes]
    assert page["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]

    async with db.read() as s:
        actions = (await s.execute(select(AuditEntry.action, AuditEntry.changes)
                                   .where(AuditEntry.entity_id == uuid.UUID(item["id"]))
                                   .order_by(AuditEntry.at, AuditEntry.id))).all()
    assert [a for a, _ in actions] == ["create", "stock:receive", "stock:receive", "stock:adjust", "stock:adjust"]
    assert actions[3][1] == {"quantity_on_hand": {"before": 16, "after": 12}}
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.parametrize("values, field, code", [
    ({"quantity": 0}, "quantity", "INVALID_QUANTITY"),
    ({"quantity": -3}, "quantity", "INVALID_QUANTITY"),
    ({"quantity": 2, "unitCost": -1}, "unitCost", "INVALID_AMOUNT"),
    ({"quantity": 2, "reason": "x" * 1001}, "reason", "TOO_LONG"),
    ({"quantity": 2, "itemId": "0190a3c4-1234-7abc-8def-0123456789ab"}, "itemId", "NOT_FOUND"),
    ({"quantity": 2, "expectedVersion": 7}, "expectedVersion", "CONFLICT"),
])
async def test_receive_refusals_change_nothing(gql, db, garage, values, field, code):
    token = garage.token(WM)
    item = await create_item(gql, token, initialQuantity=5)
    before = await ledger_snapshot(db)
    payload = await _receive(gql, token, **{"itemId": item["id"], **values})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert payload["stockMovement"] is None
    if field != "itemId":  # the payload carries the item as it is
        assert payload["warehouseItem"] == {"id": item["id"], "quantityOnHand": 5, "version": 1}
    assert await ledger_snapshot(db) == before


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_adjust_refusals_are_localized_and_change_nothing(gql, db, garage, lang):
    token = garage.token(WM)
    item = await create_item(gql, token, initialQuantity=3)
    before = await ledger_snapshot(db)

    async def refused(**values):
        payload = await _adjust(gql, token, lang, **{"itemId": item["id"], **values})
        assert payload["stockMovement"] is None
        assert payload["warehouseItem"]["quantityOnHand"] == 3
        return [(e["field"], e["code"], e["message"]) for e in payload["errors"]]

    too_many = await refused(quantityChange=-4, reason="Recount")
    assert [(f, c) for f, c, _ in too_many] == [("quantityChange", "INSUFFICIENT_STOCK")]
    if lang == "en":
        assert too_many[0][2] == "Only 3 in stock; 4 asked for."
    else:
        assert "3" in too_many[0][2] and "4" in too_many[0][2] and "in stock" not in too_many[0][2]
    no_reason = await refused(quantityChange=-1)
    assert [(f, c) for f, c, _ in no_reason] == [("reason", "REASON_REQUIRED")]
    assert [(f, c) for f, c, _ in await refused(quantityChange=-1, reason="   ")] == [("reason", "REASON_REQUIRED")]
    both = await refused(quantityChange=0)
    assert [(f, c) for f, c, _ in both] == [("quantityChange", "ZERO_ADJUSTMENT"), ("reason", "REASON_REQUIRED")]
    if lang == "en":
        assert [m for _, _, m in both] == ["An adjustment must add or remove at least one.", "Give a reason."]
    else:
        assert all(m and not m.isascii() for _, _, m in both), both
    assert [c for _, c, _ in await refused(quantityChange=-1, reason="r", expectedVersion=9)] == ["CONFLICT"]
    assert await ledger_snapshot(db) == before
    await assert_ledger_consistent(db, garage.id)


async def test_adjust_to_exactly_zero_and_expected_version(gql, db, garage):
    token = garage.token(WM)
    item = await create_item(gql, token, initialQuantity=3)
    payload = await _adjust(gql, token, itemId=item["id"], quantityChange=-3, reason="Written off", expectedVersion=1)
    assert payload["errors"] == [] and payload["warehouseItem"] == {"id": item["id"], "quantityOnHand": 0,
                                                                    "version": 2}
    await assert_ledger_consistent(db, garage.id)


async def test_replayed_receive_takes_effect_once(gql, db, garage):
    token = garage.token(WM)
    item = await create_item(gql, token, initialQuantity=1)
    values = {"itemId": item["id"], "quantity": 6, "clientMutationId": "phone-7:receive:1"}
    first = await _receive(gql, token, **values)
    again = await _receive(gql, token, **values)
    assert first["errors"] == [] and again["errors"] == []
    assert again["stockMovement"]["id"] == first["stockMovement"]["id"]
    assert again["warehouseItem"]["quantityOnHand"] == 7
    # a refused one is refused again, the same way, without trying a second time
    bad = {"itemId": item["id"], "quantityChange": -50, "reason": "count", "clientMutationId": "phone-7:adjust:1"}
    assert [e["code"] for e in (await _adjust(gql, token, **bad))["errors"]] == ["INSUFFICIENT_STOCK"]
    await _receive(gql, token, itemId=item["id"], quantity=100)
    assert [e["code"] for e in (await _adjust(gql, token, **bad))["errors"]] == ["INSUFFICIENT_STOCK"]
    async with db.read() as s:
        assert len((await s.execute(select(StockMovement))).scalars().all()) == 3
    await assert_ledger_consistent(db, garage.id)


async def test_concurrent_replays_take_effect_once(gql, db, garage):
    token = garage.token(WM)
    item = await create_item(gql, token, initialQuantity=0)
    values = {"itemId": item["id"], "quantity": 4, "clientMutationId": "phone-9:receive:1"}
    results = await asyncio.gather(*(_receive(gql, token, **values) for _ in range(5)))
    assert all(r["errors"] == [] for r in results), results
    assert len({r["stockMovement"]["id"] for r in results}) == 1
    async with db.read() as s:
        assert len((await s.execute(select(StockMovement))).scalars().all()) == 1  # no opening movement for 0
    assert (await ledger_snapshot(db))[0][0][6] == 4
    await assert_ledger_consistent(db, garage.id)


async def test_concurrent_adjustments_never_go_below_zero(gql, db, garage):
    token = garage.token(WM)
    item = await create_item(gql, token, initialQuantity=10)
    results = await asyncio.gather(*(_adjust(gql, token, itemId=item["id"], quantityChange=-3, reason="loss")
                                     for _ in range(6)))
    codes = [tuple(e["code"] for e in r["errors"]) for r in results]
    assert codes.count(()) == 3 and codes.count(("INSUFFICIENT_STOCK",)) == 3
    assert (await ledger_snapshot(db))[0][0][6] == 1
    await assert_ledger_consistent(db, garage.id)
