"""The customer screen's balance is the server's: every issued, unpaid invoice counts, not only the latest 50 the
screen lists, shown in baht (฿) in English and in Thai, for billing on a desk and the site manager on a phone."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import shoot

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

ERR = "errors { field code message }"


def _ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload


def customer_with_many_invoices(server_url: str, token: str) -> tuple[str, int]:
    """A new customer with 52 issued invoices (the oldest two large and one of them part paid), a draft and a
    paid one; returns the id and what the customer owes, from each invoice's own balance due."""
    site_id = next(s["id"] for s in graphql(server_url, "{ sites { id name } }", token=token)["sites"])
    customer = _ok(graphql(server_url, f"mutation($i: CreateCustomerInput!) {{ createCustomer(input: $i) {{ "
                                       f"customer {{ id }} {ERR} }} }}",
                           {"i": {"name": f"Balance Check {uuid.uuid4().hex[:6]}"}}, token=token)["createCustomer"])
    customer_id = customer["customer"]["id"]

    def invoice(price: int, issue: bool = True) -> dict:
        made = _ok(graphql(server_url, f"mutation($i: CreateInvoiceInput!) {{ createInvoice(input: $i) {{ "
                                       f"invoice {{ id }} {ERR} }} }}", {"i": {
            "siteId": site_id, "customerId": customer_id,
            "lines": [{"kind": "OTHER", "description": "Workshop labour", "quantity": "1", "unitPrice": price}]}},
            token=token)["createInvoice"])["invoice"]
        if not issue:
            return made
        return _ok(graphql(server_url, f"mutation($i: IssueInvoiceInput!) {{ issueInvoice(input: $i) {{ "
                                       f"invoice {{ id total balanceDue }} {ERR} }} }}", {"i": {"id": made["id"]}},
                           token=token)["issueInvoice"])["invoice"]

    def pay(invoice_id: str, amount: int) -> dict:
        return _ok(graphql(server_url, f"mutation($i: RecordPaymentInput!) {{ recordPayment(input: $i) {{ {ERR} }} }}",
                           {"i": {"invoiceId": invoice_id, "amount": amount, "method": "CASH"}},
                           token=token)["recordPayment"])

    oldest = [invoice(250000), invoice(123450)]  # listed past the first 50
    pay(oldest[1]["id"], 23400)
    newer = [invoice(1000 + i) for i in range(50)]
    invoice(777700, issue=False)  # a draft owes nothing
    paid = invoice(50000)
    pay(paid["id"], paid["total"])
    rows = graphql(server_url, "query($c: ID!) { invoices(filter: { customerId: $c }, first: 100) { edges { node { "
                               "status balanceDue currency } } } }", {"c": customer_id}, token=token)["invoices"]["edges"]
    owed = sum(e["node"]["balanceDue"] for e in rows if e["node"]["status"] in ("ISSUED", "PARTIALLY_PAID"))
    assert {e["node"]["currency"] for e in rows} == {"THB"} and len(rows) == 54
    assert owed == sum(x["balanceDue"] for x in oldest + newer) - 23400  # the 52 issued, less the part payment
    return customer_id, owed


def baht(minor: int) -> str:
    return f"฿{minor // 100:,}.{minor % 100:02d}"


@pytest.mark.parametrize("who,size,lang", [("billing", "desktop", "en"), ("site", "phone", "th")])
def test_customer_balance_counts_every_unpaid_invoice_in_baht(browser, server_url, who, size, lang):
    token = token_for(server_url, "billing")
    customer_id, owed = customer_with_many_invoices(server_url, token)
    if size == "phone":
        context = new_phone(browser, server_url)
    else:
        context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 800}, locale="en-GB")
        context.set_default_timeout(15_000)
    page = open_page(context)
    sign_in(page, who)
    if lang == "th":
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
    go(page, f"customers/{customer_id}")
    expect(page.get_by_test_id("customer-screen")).to_have_attribute("data-customer-id", customer_id)
    balance = page.get_by_test_id("customer-balance")
    expect(balance).to_have_attribute("data-minor", str(owed))
    expect(balance).to_have_text(baht(owed))
    label = page.get_by_test_id("customer-invoices").locator("p.line-between strong").first
    expect(label).to_have_text("ยอดค้างชำระ" if lang == "th" else "Balance due")
    dismiss = page.get_by_test_id("update-prompt-dismiss")
    if dismiss.is_visible():
        dismiss.click()
    balance.evaluate("el => el.scrollIntoView({ block: 'center' })")
    shoot(page, f"customer-balance-{size}-{lang}")
    print(f"\n{who} {size} {lang}: balance {balance.inner_text()} ({owed} satang over 52 unpaid invoices)")
    context.close()
