"""Quotes over GraphQL: lines from the catalog, stock and custom; send; approval line by line becomes tasks and
parts requests on the job; declined work stays on the vehicle; only a draft can be edited."""

from __future__ import annotations

from backend.core.permissions import Role
from tests.billing.helpers import ERRORS, job_in_progress, ok, refused, workshop

QUOTE = """id number status version total subtotal taxTotal
  lines { id kind description quantity unitPrice discount net tax total billedHours decision jobTaskId
           partsRequestId }"""
CREATE = f"""mutation($j: ID!, $a: ID!, $i: ID!) {{ createQuote(input: {{jobId: $j, lines: [
  {{kind: LABOUR, taskActionId: $a}},
  {{kind: PART, itemId: $i, quantity: "2", discount: 10000}},
  {{kind: LABOUR, description: "Replace rear brake pads", unitPrice: 80000, billedHours: "1.25"}}]}})
  {{ quote {{ {QUOTE} }} {ERRORS} }} }}"""
DECIDE = """mutation($q: ID!, $l: [ID!]!) { %s(input: {id: $q, lineIds: $l}) { quote { status
  lines { decision jobTaskId partsRequestId } } errors { field code message } } }"""
JOB = """query($j: ID!) { job(id: $j) { status tasks { name labourCost billedHours } partsRequests { quantity status }
  vehicle { deferredWork { description amount currency } } } }"""


async def test_quote_approved_line_by_line(gql, db, garage):
    w = await workshop(db, garage)
    job = await job_in_progress(db, garage, w)
    token = garage.token(Role.SITE_MANAGER)
    quote = (await ok(gql, token, CREATE, {"j": str(job.id), "a": str(w.action.id), "i": str(w.item.id)}))["quote"]
    assert quote["status"] == "DRAFT" and quote["number"].endswith("-000001") and quote["number"].startswith("QT-")
    assert [(l["kind"], l["unitPrice"], l["discount"], l["net"], l["tax"], l["billedHours"]) for l in quote["lines"]] == [
        ("LABOUR", 50000, 0, 50000, 3500, "1.50"), ("PART", 120000, 10000, 230000, 16100, None),
        ("LABOUR", 80000, 0, 80000, 5600, "1.25")]
    assert (quote["subtotal"], quote["taxTotal"], quote["total"]) == (360000, 25200, 385200)

    # deciding before it is sent is refused; so is editing once sent
    early = await refused(gql, token, DECIDE % "approveQuoteLines", {"q": quote["id"], "l": [quote["lines"][0]["id"]]})
    assert early == {"INVALID_QUOTE_STATE": "A quote that is draft cannot do that."}
    await ok(gql, token, f'mutation($q: ID!) {{ sendQuote(input: {{id: $q}}) {{ quote {{ status }} {ERRORS} }} }}',
             {"q": quote["id"]})
    edit = f'mutation($q: ID!) {{ updateQuote(input: {{id: $q, notes: "x"}}) {{ quote {{ id }} {ERRORS} }} }}'
    assert await refused(gql, token, edit, {"q": quote["id"]}, lang="th") == {
        "QUOTE_NOT_EDITABLE": "ใบเสนอราคาที่มีสถานะ “ส่งแล้ว” แก้ไขไม่ได้ แก้ไขได้เฉพาะฉบับร่างเท่านั้น"}

    # the customer approves the oil change and the oil: a task and a parts request appear on the job
    approved = await ok(gql, token, DECIDE % "approveQuoteLines",
                        {"q": quote["id"], "l": [quote["lines"][0]["id"], quote["lines"][1]["id"]]})
    assert approved["quote"]["status"] == "PARTIALLY_APPROVED"
    lines = approved["quote"]["lines"]
    assert lines[0]["jobTaskId"] and lines[1]["partsRequestId"] and lines[2]["decision"] == "PENDING"
    # ... declines the brake pads: they stay on the vehicle for its next visit
    declined = await ok(gql, token, DECIDE % "declineQuoteLines", {"q": quote["id"], "l": [quote["lines"][2]["id"]]})
    assert declined["quote"]["status"] == "PARTIALLY_APPROVED"
    again = await refused(gql, token, DECIDE % "declineQuoteLines", {"q": quote["id"], "l": [quote["lines"][2]["id"]]})
    assert again == {"LINE_ALREADY_DECIDED": "The customer has already decided on this line."}

    seen = (await gql(JOB, {"j": str(job.id)}, token=token))["data"]["job"]
    assert seen["status"] == "AWAITING_PARTS"
    assert seen["tasks"] == [{"name": "Oil change", "labourCost": 50000, "billedHours": "1.50"}]
    assert seen["partsRequests"] == [{"quantity": 2, "status": "PENDING"}]
    assert seen["vehicle"]["deferredWork"] == [{"description": "Replace rear brake pads", "amount": 85600,
                                                "currency": "THB"}]


async def test_quote_before_a_job_waits_then_attaches(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    created = (await ok(gql, token, f"""mutation($v: ID!, $s: ID!, $a: ID!) {{ createQuote(input: {{vehicleId: $v,
        siteId: $s, lines: [{{kind: LABOUR, taskActionId: $a}}]}}) {{ quote {{ {QUOTE} }} {ERRORS} }} }}""",
                        {"v": str(w.vehicle.id), "s": str(w.site.id), "a": str(w.action.id)}))["quote"]
    await ok(gql, token, f'mutation($q: ID!) {{ sendQuote(input: {{id: $q}}) {{ quote {{ status }} {ERRORS} }} }}',
             {"q": created["id"]})
    approved = await ok(gql, token, DECIDE % "approveQuoteLines", {"q": created["id"], "l": [created["lines"][0]["id"]]})
    assert approved["quote"]["status"] == "APPROVED" and approved["quote"]["lines"][0]["jobTaskId"] is None
    job = await job_in_progress(db, garage, w)
    attached = await ok(gql, token, """mutation($q: ID!, $j: ID!) { attachQuoteToJob(input: {id: $q, jobId: $j})
        { quote { job { id } lines { jobTaskId } } errors { field code message } } }""",
                        {"q": created["id"], "j": str(job.id)})
    assert attached["quote"]["job"]["id"] == str(job.id) and attached["quote"]["lines"][0]["jobTaskId"]
    seen = (await gql(JOB, {"j": str(job.id)}, token=token))["data"]["job"]
    assert [t["name"] for t in seen["tasks"]] == ["Oil change"]


async def test_bad_lines_are_refused_with_their_fields(gql, db, garage):
    w = await workshop(db, garage)
    job = await job_in_progress(db, garage, w)
    body = await gql(f"""mutation($j: ID!) {{ createQuote(input: {{jobId: $j, lines: [
        {{kind: OTHER, description: "x", unitPrice: 1}}, {{kind: LABOUR, unitPrice: -5}},
        {{kind: PART, description: "Wiper", unitPrice: 100, quantity: "0"}}]}}) {{ quote {{ id }} {ERRORS} }} }}""",
                     {"j": str(job.id)}, token=garage.token(Role.SITE_MANAGER), lang="th")
    errors = {(e["field"], e["code"]) for e in body["data"]["createQuote"]["errors"]}
    assert {("lines.0.kind", "INVALID_VALUE"), ("lines.1.unitPrice", "INVALID_AMOUNT"),
            ("lines.1.description", "REQUIRED"), ("lines.2.quantity", "INVALID_QUANTITY")} <= errors
    assert body["data"]["createQuote"]["quote"] is None
    listed = await gql("{ quotes { edges { node { id } } } }", token=garage.token(Role.SITE_MANAGER))
    assert listed["data"]["quotes"]["edges"] == []
