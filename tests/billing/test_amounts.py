"""Money in GraphQL is the Amount scalar: a ฿25,000,000 invoice (2,500,000,000 satang, past GraphQL Int's 32 bits
and a 32-bit column) is created, issued and paid exactly; a float or a string for money is refused, in English and
Thai, and changes nothing."""

from __future__ import annotations

from backend.core.permissions import Role
from tests.billing.helpers import ERRORS, INVOICE_FIELDS, ok, workshop

CREATE = f"""mutation($s: ID!, $c: ID!, $p: Amount!, $d: Amount) {{ createInvoice(input: {{siteId: $s, customerId: $c,
  lines: [{{kind: OTHER, description: "Fleet of 20 pick-ups, refurbished", unitPrice: $p, discount: $d}}]}})
  {{ invoice {{ {INVOICE_FIELDS} totalText }} {ERRORS} }} }}"""
ISSUE = f"mutation($i: ID!) {{ issueInvoice(input: {{id: $i}}) {{ invoice {{ {INVOICE_FIELDS} }} {ERRORS} }} }}"
PAY = f"""mutation($i: ID!, $a: Amount!, $w: Amount) {{ recordPayment(input: {{invoiceId: $i, amount: $a,
  withholdingAmount: $w, method: TRANSFER}}) {{ payment {{ amount withholdingAmount }}
  invoice {{ status paidTotal withholdingTotal balanceDue balanceDueText }} {ERRORS} }} }}"""
INVOICES = "query { invoices(first: 5) { edges { node { id total } } } }"


async def test_a_25_million_baht_invoice_is_created_issued_and_paid_exactly(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.BILLING)
    # ฿23,364,486.00 before 7 % VAT, less a ฿0.02 discount: VAT ฿1,635,514.02 rounds half-up, total ฿25,000,000.00
    created = (await ok(gql, token, CREATE, {"s": str(w.site.id), "c": str(w.customer.id), "p": 2_336_448_600,
                                             "d": 2}))["invoice"]
    [line] = created["lines"]
    assert (line["unitPrice"], line["discount"], line["net"], line["tax"], line["total"]) == (
        2_336_448_600, 2, 2_336_448_598, 163_551_402, 2_500_000_000)
    assert (created["subtotal"], created["taxTotal"], created["total"]) == (2_336_448_598, 163_551_402,
                                                                         2_500_000_000)
    assert created["totalText"] == "THB25,000,000.00"

    issued = (await ok(gql, token, ISSUE, {"i": created["id"]}))["invoice"]
    assert issued["status"] == "ISSUED" and issued["total"] == 2_500_000_000 and issued["balanceDue"] == 2_500_000_000

    # the corporate customer withholds 3 % of the pre-VAT amount and pays the rest in two transfers
    withheld = 70_093_458  # 3 % of 2,336,448,598, half-up
    first = await ok(gql, token, PAY, {"i": created["id"], "a": 2_200_000_000, "w": withheld})
    assert first["payment"] == {"amount": 2_200_000_000, "withholdingAmount": withheld}
    assert first["invoice"] == {"status": "PARTIALLY_PAID", "paidTotal": 2_200_000_000, "withholdingTotal": withheld,
                                "balanceDue": 229_906_542, "balanceDueText": "THB2,299,065.42"}
    last = await ok(gql, token, PAY, {"i": created["id"], "a": 229_906_542})
    assert last["invoice"]["status"] == "PAID" and last["invoice"]["balanceDue"] == 0
    assert last["invoice"]["paidTotal"] == 2_429_906_542

    listed = (await gql(INVOICES, token=token))["data"]["invoices"]["edges"]
    assert [e["node"]["total"] for e in listed] == [2_500_000_000]


async def test_money_that_is_not_a_whole_number_is_refused(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.BILLING)
    for value in (1500.5, 1500.0, "1500", True):
        for lang, message in (("en", "The value of p is not of the expected type."),
                              ("th", "ค่าของ p มีชนิดข้อมูลไม่ถูกต้อง")):
            body = await gql(CREATE, {"s": str(w.site.id), "c": str(w.customer.id), "p": value}, token=token,
                             lang=lang, expect_errors=True)
            [error] = body["errors"]
            assert body.get("data") is None
            assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "p"
            assert error["message"].startswith(message), (value, error["message"])
    # written into the query itself, a float is refused as well
    body = await gql(f"""mutation($s: ID!) {{ createInvoice(input: {{siteId: $s, lines: [{{kind: OTHER,
        description: "x", unitPrice: 10.5}}]}}) {{ invoice {{ id }} {ERRORS} }} }}""", {"s": str(w.site.id)},
                     token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Amount must be a whole number of minor units" in body["errors"][0]["message"]
    # nothing was created
    assert (await gql(INVOICES, token=token))["data"]["invoices"]["edges"] == []
