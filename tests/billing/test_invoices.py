"""Invoices over GraphQL: the workshop scenario continued to a paid invoice; payments, withholding, overpayment;
an issued invoice frozen; credit notes and void; localized refusals in English and Thai."""

from __future__ import annotations

import uuid

from backend.core.permissions import Role
from tests.billing.helpers import ERRORS, INVOICE_FIELDS, job_in_billing, ok, refused, workshop

FROM_JOB = f"""mutation($j: ID!) {{ createInvoiceFromJob(input: {{jobId: $j}}) {{ invoice {{ {INVOICE_FIELDS}
  job {{ status invoicedAt }} customer {{ name }} vehicle {{ registration }} }} {ERRORS} }} }}"""
ISSUE = f"mutation($i: ID!) {{ issueInvoice(input: {{id: $i}}) {{ invoice {{ {INVOICE_FIELDS} pdfUrl }} {ERRORS} }} }}"
PAY = f"""mutation($i: ID!, $a: Amount!, $w: Amount, $m: PaymentMethod!) {{ recordPayment(input: {{invoiceId: $i, amount: $a,
  withholdingAmount: $w, method: $m, reference: "slip 42"}}) {{ payment {{ id amount withholdingAmount method paidOn
  receiptUrl }} invoice {{ status paidTotal withholdingTotal balanceDue balanceDueText }} {ERRORS} }} }}"""
JOB_STATUS = "query($j: ID!) { job(id: $j) { status invoicedAt timeline { kind toStatus actorLabel } } }"


async def test_scenario_continues_to_a_paid_invoice(gql, db, garage):
    w = await workshop(db, garage)
    job = await job_in_billing(db, garage, w)
    billing = garage.token(Role.BILLING)

    # billing staff turn the job into an invoice: labour from the completed task, parts at their issued price
    created = (await ok(gql, billing, FROM_JOB, {"j": str(job.id)}))["invoice"]
    assert created["status"] == "DRAFT" and created["number"] is None
    assert created["job"]["status"] == "INVOICED" and created["job"]["invoicedAt"]
    assert [(l["kind"], l["quantity"], l["unitPrice"], l["billedHours"]) for l in created["lines"]] == [
        ("LABOUR", "1.000", 50000, "1.50"), ("PART", "2.000", 120000, None)]
    # the parts' cost is kept for gross profit, for those who may read costs (not billing staff)
    costs = await gql("query($id: ID!) { invoice(id: $id) { lines { unitCost } } }", {"id": created["id"]},
                      token=garage.token())
    assert [l["unitCost"] for l in costs["data"]["invoice"]["lines"]] == [None, 85000]
    assert created["lines"][1]["description"] == f"Engine oil 5W-30 4L ({w.item.sku})"
    # VAT 7 % on top, per line: 500.00 + 35.00 and 2,400.00 + 168.00
    assert [(l["net"], l["tax"], l["total"]) for l in created["lines"]] == [(50000, 3500, 53500),
                                                                         (240000, 16800, 256800)]
    assert (created["subtotal"], created["taxTotal"], created["total"]) == (290000, 20300, 310300)
    timeline = (await gql(JOB_STATUS, {"j": str(job.id)}, token=billing))["data"]["job"]["timeline"]
    assert timeline[-1]["toStatus"] == "INVOICED" and timeline[-1]["actorLabel"] == garage.users[Role.BILLING].name

    # issued: numbered, seller and buyer snapshotted
    issued = (await ok(gql, billing, ISSUE, {"i": created["id"]}))["invoice"]
    year = issued["issueDate"][:4]
    assert issued["number"] == f"INV-{year}-000001" and issued["status"] == "ISSUED"
    assert issued["balanceDue"] == 310300 and issued["dueDate"] == issued["issueDate"]
    assert issued["sellerName"] == "Garage One" and issued["buyerName"] == "Siam Trading Co., Ltd."
    assert issued["buyerTaxId"] == "0105551234567" and issued["pdfUrl"].startswith("/documents/invoice/")

    # a corporate customer pays part, withholding 3 % of the pre-VAT service amount (฿500.00 -> ฿15.00)
    paid = await ok(gql, billing, PAY, {"i": created["id"], "a": 100000, "w": 1500, "m": "TRANSFER"})
    assert paid["invoice"] == {"status": "PARTIALLY_PAID", "paidTotal": 100000, "withholdingTotal": 1500,
                               "balanceDue": 208800, "balanceDueText": "THB2,088.00"}
    assert paid["payment"]["receiptUrl"].startswith("/documents/receipt/")

    # one satang too much is refused, in English and in Thai, and changes nothing
    en = await refused(gql, billing, PAY, {"i": created["id"], "a": 208801, "m": "CASH"})
    assert en == {"OVERPAYMENT": "This is more than the balance due of THB2,088.00."}
    th = await refused(gql, billing, PAY, {"i": created["id"], "a": 208801, "m": "CASH"}, lang="th")
    assert th == {"OVERPAYMENT": "ยอดนี้เกินยอดค้างชำระ ฿2,088.00"}

    # the exact balance makes it PAID at zero
    paid = await ok(gql, billing, PAY, {"i": created["id"], "a": 208800, "m": "CASH"})
    assert paid["invoice"]["status"] == "PAID" and paid["invoice"]["balanceDue"] == 0
    more = await refused(gql, billing, PAY, {"i": created["id"], "a": 1, "m": "CASH"})
    assert list(more) == ["INVALID_INVOICE_STATE"]


async def _issued_invoice(gql, db, garage, w=None):
    w = w or await workshop(db, garage)
    job = await job_in_billing(db, garage, w)
    token = garage.token(Role.BILLING)
    created = (await ok(gql, token, FROM_JOB, {"j": str(job.id)}))["invoice"]
    return (await ok(gql, token, ISSUE, {"i": created["id"]}))["invoice"], job


EDITS = {
    "updateInvoice": ('mutation($i: ID!) { updateInvoice(input: {id: $i, notes: "changed"}) { invoice { id } '
                      f'{ERRORS} }} }}', lambda inv: {"i": inv["id"]}),
    "addInvoiceLine": ('mutation($i: ID!) { addInvoiceLine(input: {invoiceId: $i, line: {kind: OTHER, '
                       f'description: "Towing", unitPrice: 100}}}}) {{ invoice {{ id }} {ERRORS} }} }}',
                       lambda inv: {"i": inv["id"]}),
    "updateInvoiceLine": (f'mutation($i: ID!) {{ updateInvoiceLine(input: {{id: $i, unitPrice: 1}}) {{ invoice {{ id }} '
                          f'{ERRORS} }} }}', lambda inv: {"i": inv["lines"][0]["id"]}),
    "removeInvoiceLine": (f'mutation($i: ID!) {{ removeInvoiceLine(input: {{id: $i}}) {{ invoice {{ id }} {ERRORS} }} }}',
                          lambda inv: {"i": inv["lines"][0]["id"]}),
    "deleteInvoice": (f'mutation($i: ID!) {{ deleteInvoice(input: {{id: $i}}) {{ deletedInvoiceId {ERRORS} }} }}',
                      lambda inv: {"i": inv["id"]}),
}
INVOICE = f"query($i: ID!) {{ invoice(id: $i) {{ {INVOICE_FIELDS} }} }}"


async def test_issued_and_paid_invoices_cannot_be_edited_or_deleted(gql, db, garage):
    invoice, _ = await _issued_invoice(gql, db, garage)
    token = garage.token(Role.BILLING)
    for state in ("ISSUED", "PAID"):
        if state == "PAID":
            await ok(gql, token, 'mutation($i: ID!) { markInvoicePaid(input: {invoiceId: $i, method: CASH}) '
                     f'{{ invoice {{ status }} {ERRORS} }} }}', {"i": invoice["id"]})
        before = (await gql(INVOICE, {"i": invoice["id"]}, token=token))["data"]["invoice"]
        assert before["status"] == state
        for name, (query, variables) in EDITS.items():
            en = await refused(gql, token, query, variables(invoice))
            assert list(en) == ["INVOICE_NOT_EDITABLE"], name
            status = "issued and unpaid" if state == "ISSUED" else "paid"
            assert en["INVOICE_NOT_EDITABLE"] == (f"An invoice that is {status} cannot be changed or deleted; "
                                                  "correct it with a credit note.")
            th = await refused(gql, token, query, variables(invoice), lang="th")
            assert th["INVOICE_NOT_EDITABLE"].startswith("ใบแจ้งหนี้ที่")
        after = (await gql(INVOICE, {"i": invoice["id"]}, token=token))["data"]["invoice"]
        assert after == before


async def test_draft_lines_change_and_totals_follow(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.BILLING)
    created = (await ok(gql, token, """mutation($s: ID!, $item: ID!) { createInvoice(input: {siteId: $s,
        lines: [{kind: PART, itemId: $item, quantity: "3"}]}) { invoice { id status version total
        lines { id description unitPrice total } } errors { field code message } } }""",
                        {"s": str(w.site.id), "item": str(w.item.id)}))["invoice"]
    assert created["status"] == "DRAFT" and created["total"] == 385200  # 3 x 1,200.00 + 7 %
    invoice = (await ok(gql, token, """mutation($i: ID!, $v: Int) { addInvoiceLine(input: {invoiceId: $i,
        expectedVersion: $v, line: {kind: OTHER, description: "Disposal fee", unitPrice: 5000, discount: 1000}})
        { invoice { id version total lines { id total } } errors { code } } }""",
                        {"i": created["id"], "v": created["version"]}))["invoice"]
    assert invoice["total"] == 385200 + 4280
    # a stale version is a CONFLICT that carries the current invoice
    stale = await gql("""mutation($i: ID!) { updateInvoiceLine(input: {id: $i, unitPrice: 1, expectedVersion: 1})
        { invoice { version } errors { code } } }""", {"i": invoice["lines"][0]["id"]}, token=token)
    assert stale["data"]["updateInvoiceLine"]["errors"] == [{"code": "CONFLICT"}]
    # a discount above the line is refused with its field, in Thai too
    th = await refused(gql, token, """mutation($i: ID!) { updateInvoiceLine(input: {id: $i, discount: 99999999})
        { invoice { id } errors { field code message } } }""", {"i": invoice["lines"][1]["id"]}, lang="th")
    assert th == {"DISCOUNT_TOO_LARGE": "ส่วนลดมากกว่ายอดของรายการนี้"}
    removed = (await ok(gql, token, """mutation($i: ID!) { removeInvoiceLine(input: {id: $i}) { invoice { total
        lines { id } } errors { code } } }""", {"i": invoice["lines"][1]["id"]}))["invoice"]
    assert removed["total"] == 385200 and len(removed["lines"]) == 1


async def test_credit_notes_partial_then_full_voids_with_refund(gql, db, garage):
    invoice, job = await _issued_invoice(gql, db, garage)
    token = garage.token(Role.BILLING)
    CREDIT = f"""mutation($i: ID!, $lines: [CreditNoteLineInput!], $m: PaymentMethod) {{ createCreditNote(input:
        {{invoiceId: $i, reason: "Returned one bottle", lines: $lines, refundMethod: $m}}) {{ creditNote {{ number
        total subtotal taxTotal refundAmount lines {{ quantity total }} pdfUrl }} invoice {{ status creditedTotal
        balanceDue }} {ERRORS} }} }}"""
    part_line = invoice["lines"][1]["id"]
    note = await ok(gql, token, CREDIT, {"i": invoice["id"], "lines": [{"invoiceLineId": part_line, "quantity": "1"}]})
    year = invoice["issueDate"][:4]
    assert note["creditNote"]["number"] == f"CN-{year}-000001"
    assert (note["creditNote"]["subtotal"], note["creditNote"]["taxTotal"], note["creditNote"]["total"]) == (
        120000, 8400, 128400)
    assert note["invoice"] == {"status": "ISSUED", "creditedTotal": 128400, "balanceDue": 310300 - 128400}
    # more than what is left of the line is refused
    too_much = await refused(gql, token, CREDIT, {"i": invoice["id"], "lines": [
        {"invoiceLineId": part_line, "amount": 128401}]})
    assert too_much == {"CREDIT_EXCEEDS_LINE": "Only THB1,284.00 of this line is left to credit."}
    # the customer pays the rest, then the whole invoice is credited: the money goes back, so say how
    await ok(gql, token, PAY, {"i": invoice["id"], "a": 310300 - 128400, "m": "CASH"})
    needs = await refused(gql, token, CREDIT, {"i": invoice["id"], "lines": None}, lang="th")
    assert list(needs) == ["REFUND_METHOD_REQUIRED"] and "฿1,819.00" in needs["REFUND_METHOD_REQUIRED"]
    full = await ok(gql, token, CREDIT, {"i": invoice["id"], "lines": None, "m": "TRANSFER"})
    assert full["creditNote"]["number"] == f"CN-{year}-000002" and full["creditNote"]["refundAmount"] == 181900
    assert full["invoice"] == {"status": "VOID", "creditedTotal": 310300, "balanceDue": 0}


async def test_create_from_job_refusals(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.BILLING)
    from tests.billing.helpers import job_in_progress

    job = await job_in_progress(db, garage, w)
    en = await refused(gql, token, FROM_JOB, {"j": str(job.id)})
    assert en == {"INVALID_TRANSITION": "A job that is in progress cannot do that."}
    done = await job_in_billing(db, garage, w)
    await ok(gql, token, FROM_JOB, {"j": str(done.id)})
    again = await refused(gql, token, FROM_JOB, {"j": str(done.id)}, lang="th")
    assert list(again) == ["INVOICE_EXISTS"] and again["INVOICE_EXISTS"] == "งานนี้ออกใบแจ้งหนี้แล้ว"
    missing = await refused(gql, token, FROM_JOB, {"j": str(uuid.uuid4())})
    assert list(missing) == ["NOT_FOUND"]


async def test_deleting_a_draft_gives_the_job_back_to_billing(gql, db, garage):
    w = await workshop(db, garage)
    job = await job_in_billing(db, garage, w)
    token = garage.token(Role.BILLING)
    created = (await ok(gql, token, FROM_JOB, {"j": str(job.id)}))["invoice"]
    deleted = await ok(gql, token, f'mutation($i: ID!) {{ deleteInvoice(input: {{id: $i}}) {{ deletedInvoiceId '
                       f'{ERRORS} }} }}', {"i": created["id"]})
    assert deleted["deletedInvoiceId"] == created["id"]
    status = (await gql(JOB_STATUS, {"j": str(job.id)}, token=token))["data"]["job"]
    assert status["status"] == "BILLING" and status["invoicedAt"] is None
    assert (await gql(INVOICE, {"i": created["id"]}, token=token))["data"]["invoice"] is None


async def test_invoice_numbers_are_consecutive_and_a_replay_changes_nothing(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.BILLING)
    numbers = []
    for _ in range(3):
        job = await job_in_billing(db, garage, w, parts=0)
        created = (await ok(gql, token, FROM_JOB, {"j": str(job.id)}))["invoice"]
        replayed = f'mutation($i: ID!) {{ issueInvoice(input: {{id: $i, clientMutationId: "k-{created["id"]}"}}) ' \
                   f'{{ invoice {{ number }} {ERRORS} }} }}'
        first = await ok(gql, token, replayed, {"i": created["id"]})
        second = await ok(gql, token, replayed, {"i": created["id"]})
        assert first == second
        numbers.append(first["invoice"]["number"])
    assert [int(n[-6:]) for n in numbers] == [1, 2, 3]
