"""A counter sale: stocked parts on an invoice made by hand leave the shelf when the invoice is issued (a SALE in the
ledger that names the invoice), not while it is a draft; a short shelf refuses the issue in the reader's language,
and then nothing moves: no stock, no number taken."""

from __future__ import annotations

from sqlalchemy import select

from backend.core.permissions import Role
from backend.inventory.models import MovementKind, StockMovement, WarehouseItem
from tests.billing.helpers import ERRORS, INVOICE_FIELDS, ok, refused, workshop
from tests.inventory.helpers import assert_ledger_consistent

CREATE = f"""mutation($s: ID!, $c: ID!, $item: ID!, $q: Decimal!) {{ createInvoice(input: {{siteId: $s, customerId: $c,
  lines: [{{kind: PART, itemId: $item, quantity: $q}}, {{kind: OTHER, description: "Fitting advice", unitPrice: 10000}}]
  }}) {{ invoice {{ {INVOICE_FIELDS} }} {ERRORS} }} }}"""
ISSUE = f"mutation($i: ID!) {{ issueInvoice(input: {{id: $i}}) {{ invoice {{ {INVOICE_FIELDS} }} {ERRORS} }} }}"


async def on_hand(db, item_id) -> int:
    async with db.read() as s:
        return (await s.execute(select(WarehouseItem.quantity_on_hand).where(WarehouseItem.id == item_id))).scalar_one()


async def sales(db, item_id) -> list[tuple[int, str]]:
    async with db.read() as s:
        rows = (await s.execute(select(StockMovement.quantity, StockMovement.reason).where(
            StockMovement.item_id == item_id, StockMovement.kind == MovementKind.SALE))).all()
    return [tuple(r) for r in rows]


async def test_parts_sold_over_the_counter_leave_the_shelf_when_the_invoice_is_issued(gql, db, garage):
    w = await workshop(db, garage)  # the item starts with 50 on the shelf
    token = garage.token(Role.BILLING)
    draft = (await ok(gql, token, CREATE, {"s": str(w.site.id), "c": str(w.customer.id), "item": str(w.item.id),
                                           "q": "3"}))["invoice"]
    assert await on_hand(db, w.item.id) == 50  # a draft takes nothing
    issued = (await ok(gql, token, ISSUE, {"i": draft["id"]}))["invoice"]
    assert issued["status"] == "ISSUED"
    assert await on_hand(db, w.item.id) == 47
    assert await sales(db, w.item.id) == [(-3, issued["number"])]
    await assert_ledger_consistent(db, garage.id)


async def test_a_short_shelf_refuses_the_issue_and_nothing_moves(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.BILLING)
    big = (await ok(gql, token, CREATE, {"s": str(w.site.id), "c": str(w.customer.id), "item": str(w.item.id),
                                         "q": "60"}))["invoice"]
    for lang, text in (("en", "Only 50 in stock; 60 asked for."), ("th", "มีในคลังเพียง 50 แต่ขอเบิก 60")):
        assert await refused(gql, token, ISSUE, {"i": big["id"]}, lang=lang) == {"INSUFFICIENT_STOCK": text}
    body = await gql(ISSUE, {"i": big["id"]}, token=token)
    assert body["data"]["issueInvoice"]["errors"][0]["field"] == "lines.0.quantity"
    assert await on_hand(db, w.item.id) == 50 and await sales(db, w.item.id) == []
    # the refused issue took no number: the next invoice issued is the year's first
    small = (await ok(gql, token, CREATE, {"s": str(w.site.id), "c": str(w.customer.id), "item": str(w.item.id),
                                           "q": "2"}))["invoice"]
    issued = (await ok(gql, token, ISSUE, {"i": small["id"]}))["invoice"]
    assert issued["number"].endswith("-000001")
    still_draft = (await gql(f"query($i: ID!) {{ invoice(id: $i) {{ {INVOICE_FIELDS} }} }}", {"i": big["id"]},
                             token=token))["data"]["invoice"]
    assert still_draft["status"] == "DRAFT" and still_draft["number"] is None
    await assert_ledger_consistent(db, garage.id)
