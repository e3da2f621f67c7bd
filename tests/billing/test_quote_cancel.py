"""cancelQuote: a draft or sent quote is withdrawn with a reason and stays, CANCELLED, under its number (never
reused); it can no longer be sent, edited, decided or attached; a decided quote cannot be cancelled; a missing reason
is refused in English and Thai and changes nothing."""

from __future__ import annotations

from backend.core.permissions import Role
from tests.billing.helpers import ERRORS, job_in_progress, ok, refused, workshop

CREATE = f"""mutation($v: ID!, $s: ID!) {{ createQuote(input: {{vehicleId: $v, siteId: $s, lines: [
  {{kind: LABOUR, description: "Replace clutch", unitPrice: 450000, billedHours: "4"}}]}})
  {{ quote {{ id number status lines {{ id }} }} {ERRORS} }} }}"""
CANCEL = f"""mutation($q: ID!, $r: String!, $v: Int) {{ cancelQuote(input: {{id: $q, reason: $r, expectedVersion: $v}})
  {{ quote {{ id number status cancelReason cancelledAt version }} {ERRORS} }} }}"""
SEND = f"mutation($q: ID!) {{ sendQuote(input: {{id: $q}}) {{ quote {{ status }} {ERRORS} }} }}"
QUOTE = "query($q: ID!) { quote(id: $q) { number status cancelReason cancelledAt version } }"


async def test_withdrawn_quotes_stay_cancelled_under_their_numbers(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    ids = {"v": str(w.vehicle.id), "s": str(w.site.id)}
    draft = (await ok(gql, token, CREATE, ids))["quote"]
    sent = (await ok(gql, token, CREATE, ids))["quote"]
    await ok(gql, token, SEND, {"q": sent["id"]})

    # no reason: refused in English and Thai, the quote untouched
    before = (await gql(QUOTE, {"q": draft["id"]}, token=token))["data"]["quote"]
    assert await refused(gql, token, CANCEL, {"q": draft["id"], "r": "  "}) == {"REQUIRED": "This field is required."}
    assert await refused(gql, token, CANCEL, {"q": draft["id"], "r": ""}, lang="th") == {"REQUIRED": "ต้องกรอกช่องนี้"}
    assert (await gql(QUOTE, {"q": draft["id"]}, token=token))["data"]["quote"] == before

    cancelled = (await ok(gql, token, CANCEL, {"q": draft["id"], "r": "Customer sold the car",
                                               "v": before["version"]}))["quote"]
    assert (cancelled["status"], cancelled["number"], cancelled["cancelReason"]) == (
        "CANCELLED", draft["number"], "Customer sold the car")
    assert cancelled["cancelledAt"] and cancelled["version"] == before["version"] + 1
    withdrawn = (await ok(gql, token, CANCEL, {"q": sent["id"], "r": "Price agreed by phone instead"}))["quote"]
    assert withdrawn["status"] == "CANCELLED"

    # a cancelled quote is final: not sent, edited, decided, attached or cancelled again
    job = await job_in_progress(db, garage, w)
    for query, variables in (
        (SEND, {"q": draft["id"]}),
        (f'mutation($q: ID!) {{ approveQuoteLines(input: {{id: $q, lineIds: ["{sent["lines"][0]["id"]}"]}}) '
         f'{{ quote {{ id }} {ERRORS} }} }}', {"q": sent["id"]}),
        (f'mutation($q: ID!, $j: ID!) {{ attachQuoteToJob(input: {{id: $q, jobId: $j}}) {{ quote {{ id }} {ERRORS} }} }}',
         {"q": sent["id"], "j": str(job.id)}),
        (CANCEL, {"q": sent["id"], "r": "again"}),
    ):
        assert await refused(gql, token, query, variables) == {
            "INVALID_QUOTE_STATE": "A quote that is cancelled cannot do that."}
    th = await refused(gql, token, SEND, {"q": draft["id"]}, lang="th")
    assert th == {"INVALID_QUOTE_STATE": "ใบเสนอราคาที่มีสถานะ “ยกเลิกแล้ว” ทำรายการนี้ไม่ได้"}
    edit = await refused(gql, token, f'mutation($q: ID!) {{ updateQuote(input: {{id: $q, notes: "x"}}) '
                                     f'{{ quote {{ id }} {ERRORS} }} }}', {"q": draft["id"]})
    assert list(edit) == ["QUOTE_NOT_EDITABLE"]
    assert (await gql(QUOTE, {"q": sent["id"]}, token=token))["data"]["quote"]["status"] == "CANCELLED"

    # numbers are never reused: the next quote takes the next one
    third = (await ok(gql, token, CREATE, ids))["quote"]
    assert [q["number"][-6:] for q in (draft, sent, third)] == ["000001", "000002", "000003"]
    listed = (await gql('query { quotes(filter: {status: [CANCELLED]}) { edges { node { number } } } }',
                        token=token))["data"]["quotes"]["edges"]
    assert sorted(e["node"]["number"] for e in listed) == sorted([draft["number"], sent["number"]])


async def test_a_decided_quote_cannot_be_cancelled(gql, db, garage):
    w = await workshop(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    quote = (await ok(gql, token, CREATE, {"v": str(w.vehicle.id), "s": str(w.site.id)}))["quote"]
    await ok(gql, token, SEND, {"q": quote["id"]})
    await ok(gql, token, """mutation($q: ID!, $l: [ID!]!) { declineQuoteLines(input: {id: $q, lineIds: $l})
        { quote { status } errors { field code message } } }""", {"q": quote["id"], "l": [quote["lines"][0]["id"]]})
    assert await refused(gql, token, CANCEL, {"q": quote["id"], "r": "too late"}) == {
        "INVALID_QUOTE_STATE": "A quote that is declined cannot do that."}
    # the technician may not cancel quotes at all
    body = await gql(CANCEL, {"q": quote["id"], "r": "x"}, token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
