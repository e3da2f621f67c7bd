"""A job whose invoice is voided goes back to BILLING (in its timeline, by whom and why), shows in the billing queue
(jobs in BILLING) and is invoiced again under the next number; a partial credit note leaves the job INVOICED."""

from __future__ import annotations

from backend.core.permissions import Role
from tests.billing.helpers import ERRORS, job_in_billing, ok, refused, workshop
from tests.billing.test_invoices import FROM_JOB, ISSUE, PAY

VOID = f"""mutation($i: ID!, $r: String!, $m: PaymentMethod) {{ voidInvoice(input: {{id: $i, reason: $r,
  refundMethod: $m}}) {{ creditNote {{ number total refundAmount }} invoice {{ status balanceDue
  job {{ status invoicedAt }} }} {ERRORS} }} }}"""
CREDIT_LINE = f"""mutation($i: ID!, $l: ID!) {{ createCreditNote(input: {{invoiceId: $i, reason: "Goodwill",
  lines: [{{invoiceLineId: $l, amount: 1000}}]}}) {{ invoice {{ status job {{ status }} }} {ERRORS} }} }}"""
JOB = """query($j: ID!) { job(id: $j) { status invoicedAt
  timeline { kind fromStatus toStatus actorLabel note data } } }"""
QUEUE = """query($s: ID!) { jobs(filter: {status: [BILLING], siteId: $s}, first: 10) { edges { node { id number
  status } } } }"""


async def test_voided_invoice_sends_the_job_back_to_billing_to_be_invoiced_again(gql, db, garage):
    w = await workshop(db, garage)
    job = await job_in_billing(db, garage, w)
    token = garage.token(Role.BILLING)
    queue = lambda: gql(QUEUE, {"s": str(w.site.id)}, token=token)  # noqa: E731

    created = (await ok(gql, token, FROM_JOB, {"j": str(job.id)}))["invoice"]
    first = (await ok(gql, token, ISSUE, {"i": created["id"]}))["invoice"]
    year = first["issueDate"][:4]
    assert first["number"] == f"INV-{year}-000001"
    assert (await queue())["data"]["jobs"]["edges"] == []

    # a goodwill credit for part of a line leaves the job invoiced
    partial = await ok(gql, token, CREDIT_LINE, {"i": created["id"], "l": first["lines"][0]["id"]})
    assert partial["invoice"] == {"status": "ISSUED", "job": {"status": "INVOICED"}}

    # the customer paid part; the invoice was wrong: voided with the payment refunded
    await ok(gql, token, PAY, {"i": created["id"], "a": 100000, "m": "CASH"})
    refused_void = await refused(gql, token, VOID, {"i": created["id"], "r": "Wrong vehicle on the invoice"})
    assert list(refused_void) == ["REFUND_METHOD_REQUIRED"]
    seen = (await gql(JOB, {"j": str(job.id)}, token=token))["data"]["job"]
    assert seen["status"] == "INVOICED"  # the refused void changed nothing

    voided = await ok(gql, token, VOID, {"i": created["id"], "r": "Wrong vehicle on the invoice", "m": "CASH"})
    assert voided["invoice"]["status"] == "VOID" and voided["creditNote"]["refundAmount"] == 100000
    assert voided["invoice"]["job"] == {"status": "BILLING", "invoicedAt": None}

    seen = (await gql(JOB, {"j": str(job.id)}, token=token))["data"]["job"]
    last = seen["timeline"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"]) == ("STATUS_CHANGED", "INVOICED", "BILLING")
    assert last["actorLabel"] == garage.users[Role.BILLING].name
    assert last["note"] == f"{voided['creditNote']['number']}: Wrong vehicle on the invoice"
    assert last["data"] == {"voidedInvoiceId": created["id"]}
    assert [e["node"]["id"] for e in (await queue())["data"]["jobs"]["edges"]] == [str(job.id)]

    # invoiced again: the same work, a new draft, the next number; the void invoice stays as it was
    again = (await ok(gql, token, FROM_JOB, {"j": str(job.id)}))["invoice"]
    assert again["id"] != created["id"] and again["job"]["status"] == "INVOICED"
    assert [(l["kind"], l["quantity"], l["unitPrice"]) for l in again["lines"]] == [
        (l["kind"], l["quantity"], l["unitPrice"]) for l in first["lines"]]
    reissued = (await ok(gql, token, ISSUE, {"i": again["id"]}))["invoice"]
    assert reissued["number"] == f"INV-{year}-000002" and reissued["total"] == first["total"]
    old = (await gql('query($i: ID!) { invoice(id: $i) { status number } }', {"i": created["id"]},
                     token=token))["data"]["invoice"]
    assert old == {"status": "VOID", "number": first["number"]}
    # only one live invoice per job: a second one from the same job is refused
    assert list(await refused(gql, token, FROM_JOB, {"j": str(job.id)})) == ["INVOICE_EXISTS"]
    assert (await queue())["data"]["jobs"]["edges"] == []
