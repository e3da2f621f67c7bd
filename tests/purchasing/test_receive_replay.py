"""A delivery received on a phone offline is sent from the outbox with its clientMutationId, perhaps twice (the
answer lost on the way back): it is stored once and the stock moves once. A replay the server refuses (more than
ordered, another device received the rest meanwhile) is refused in the reader's language and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.core.permissions import Role
from backend.inventory.models import WarehouseItem
from backend.purchasing import service
from backend.purchasing.models import PurchaseReceipt
from tests.inventory.helpers import assert_ledger_consistent
from tests.purchasing.test_orders import ERRORS, ORDER, _item, _receive, _sent_order, _supplier

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
RECEIVE = f"""mutation($i: ReceivePurchaseOrderInput!) {{ receivePurchaseOrder(input: $i) {{
    purchaseOrder {{ {ORDER} }} {ERRORS} }} }}"""


async def _state(db, garage, item_id) -> tuple[int, int]:
    async with db.read() as s:
        receipts = (await s.execute(select(func.count()).select_from(PurchaseReceipt).where(
            PurchaseReceipt.garage_id == garage.id))).scalar_one()
        on_hand = (await s.get(WarehouseItem, item_id, populate_existing=True)).quantity_on_hand
    return receipts, on_hand


async def test_a_receipt_sent_twice_with_its_client_mutation_id_is_stored_once(gql, db, garage):
    item = await _item(db, garage, quantity=10)
    order, (line,) = await _sent_order(db, garage, await _supplier(db, garage), [service.OrderLineInput(item.id, 6, 100)])
    variables = {"i": {"id": str(order.id), "lines": [{"lineId": str(line.id), "quantity": 4}],
                       "clientMutationId": "0193f0a0-0000-7000-8000-00000000r001"}}
    first = await gql(RECEIVE, variables, token=garage.token(WM))
    again = await gql(RECEIVE, variables, token=garage.token(WM))
    for body in (first, again):
        payload = body["data"]["receivePurchaseOrder"]
        assert payload["errors"] == []
        assert payload["purchaseOrder"]["lines"][0]["receivedQuantity"] == 4
        assert len(payload["purchaseOrder"]["receipts"]) == 1
    assert await _state(db, garage, item.id) == (1, 14)
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_a_replayed_receipt_for_more_than_is_still_to_come_is_refused_and_changes_nothing(gql, db, garage, lang):
    item = await _item(db, garage, quantity=10)
    order, (line,) = await _sent_order(db, garage, await _supplier(db, garage), [service.OrderLineInput(item.id, 6, 100)])
    await _receive(db, garage, order, [service.ReceiptLineInput(line.id, 5)])  # another device received five
    variables = {"i": {"id": str(order.id), "lines": [{"lineId": str(line.id), "quantity": 4}],
                       "clientMutationId": f"0193f0a0-0000-7000-8000-0000000{lang}002"}}
    for _ in range(2):  # the outbox's send, then its replay: refused both times, nothing stored
        body = await gql(RECEIVE, variables, token=garage.token(WM), lang=lang)
        (error,) = body["data"]["receivePurchaseOrder"]["errors"]
        assert error["code"] == "OVER_RECEIPT"
        english = "Only 1 still to come on this line; 4 received. Give a reason to keep the extra."
        if lang == "en":
            assert error["message"] == english
        else:  # Thai, with the same figures
            assert error["message"] != english and "1" in error["message"] and "4" in error["message"]
        assert body["data"]["receivePurchaseOrder"]["purchaseOrder"]["lines"][0]["receivedQuantity"] == 5
    assert await _state(db, garage, item.id) == (1, 15)
    await assert_ledger_consistent(db, garage.id)
