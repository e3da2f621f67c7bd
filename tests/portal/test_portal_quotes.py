"""Quote revisions after the customer's decision, staff's approval counts, and the portal's read cost."""

from __future__ import annotations

from backend.billing.service import quotes as quotes_service
from backend.billing.service.common import LineInput
from backend.core.permissions import Role
from backend.notifications.models import Notification
from backend.workshop.models import JobTask
from tests.portal.helpers import DECIDE, PORTAL_QUERY, REQUEST_CODE, code_from_sms, payload, portal, rows, \
    token_from_sms, visit

UPDATE = """mutation($i: UpdateQuoteInput!) { updateQuote(input: $i) { quote { id status revision locked total
  approvalSummary { approved declined pending total } lines { description decision } } errors { code message } } }"""
SUMMARY = """query($id: ID!) { quote(id: $id) { revision locked approvalSummary { approved declined pending total } } }"""


async def _decide_all(app, client, sms, token):
    [quote] = payload(await portal(client, token, PORTAL_QUERY))["quotes"]
    payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": quote["id"], "channel": "SMS"}}))
    code = await code_from_sms(app, sms)
    labour, part = quote["lines"]
    done = payload(await portal(client, token, DECIDE, {"input": {
        "quoteId": quote["id"], "version": quote["version"], "linesHash": quote["linesHash"],
        "approve": [labour["id"]], "decline": [part["id"]], "name": "Ann Smith", "code": code}}))
    assert done["errors"] == []
    return quote


async def test_a_decided_quote_changed_with_a_higher_total_needs_a_new_approval(app, client, db, gql, garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    await _decide_all(app, client, sms, token)
    sm = garage.token(Role.SITE_MANAGER)
    summary = (await gql(SUMMARY, {"id": str(v.quote.id)}, token=sm))["data"]["quote"]
    assert summary == {"revision": 1, "locked": True,
                       "approvalSummary": {"approved": 1, "declined": 1, "pending": 0, "total": 2}}
    # the advisor adds a line: the total goes up, so revision 2 goes back to the customer
    lines = [{"kind": "LABOUR", "taskActionId": str(v.w.action.id)},
             {"kind": "PART", "itemId": str(v.w.item.id), "quantity": "2"},
             {"kind": "LABOUR", "description": "Brake fluid flush", "unitPrice": 90000}]
    revised = (await gql(UPDATE, {"i": {"id": str(v.quote.id), "lines": lines}}, token=sm))["data"]["updateQuote"]
    assert revised["errors"] == []
    quote = revised["quote"]
    assert (quote["revision"], quote["locked"], quote["status"]) == (2, False, "PARTIALLY_APPROVED")
    # the kept lines keep their decisions; the new one waits for the customer
    assert [line["decision"] for line in quote["lines"]] == ["APPROVED", "DECLINED", "PENDING"]
    assert quote["approvalSummary"] == {"approved": 1, "declined": 1, "pending": 1, "total": 3}
    asks = await rows(db, Notification, Notification.event == "quote_to_approve")
    assert len(asks) == 2  # the customer is asked again, for revision 2
    # the portal shows revision 2; its old hash no longer decides anything
    [shown] = payload(await portal(client, token, PORTAL_QUERY))["quotes"]
    assert shown["revision"] == 2 and shown["locked"] is False
    assert len(await rows(db, JobTask, JobTask.job_id == v.job.id)) == 1  # the approved work stays, once


async def test_a_decided_quote_changed_without_a_higher_total_stays_approved(app, client, db, gql, garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    await _decide_all(app, client, sms, token)
    sm = garage.token(Role.SITE_MANAGER)
    # the approved labour at a lower price, the declined part left out: the total goes down
    lines = [{"kind": "LABOUR", "taskActionId": str(v.w.action.id), "unitPrice": 40000}]
    revised = (await gql(UPDATE, {"i": {"id": str(v.quote.id), "lines": lines}}, token=sm))["data"]["updateQuote"]
    assert revised["errors"] == []
    quote = revised["quote"]
    assert (quote["revision"], quote["locked"], quote["status"]) == (2, True, "APPROVED")
    assert quote["approvalSummary"] == {"approved": 1, "declined": 0, "pending": 0, "total": 1}
    assert len(await rows(db, Notification, Notification.event == "quote_to_approve")) == 1  # not asked again
    # a sent quote nobody decided on is still not editable (withdraw it instead)
    async with db.transaction() as session:
        other = await quotes_service.create_quote(session, garage.actor(Role.SITE_MANAGER), quotes_service.QuoteData(
            job_id=v.job.id, lines=[LineInput(kind="LABOUR", description="Wash", unit_price=10000)]))
        await quotes_service.send_quote(session, garage.actor(Role.SITE_MANAGER), other.id)
    refused = (await gql(UPDATE, {"i": {"id": str(other.id), "lines": lines}}, token=sm))["data"]["updateQuote"]
    assert [e["code"] for e in refused["errors"]] == ["QUOTE_NOT_EDITABLE"]


async def test_the_portal_reads_in_a_fixed_number_of_statements(app, client, db, garage, sms, count_statements):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    counts = []
    for extra in (0, 4):
        async with db.transaction() as session:
            sm = garage.actor(Role.SITE_MANAGER)
            for _ in range(extra):
                q = await quotes_service.create_quote(session, sm, quotes_service.QuoteData(job_id=v.job.id, lines=[
                    LineInput(kind="LABOUR", task_action_id=v.w.action.id),
                    LineInput(kind="PART", item_id=v.w.item.id, quantity=1),
                    LineInput(kind="LABOUR", description="Check", unit_price=5000)]))
                await quotes_service.send_quote(session, sm, q.id)
        with count_statements() as counter:
            view = payload(await portal(client, token, PORTAL_QUERY))
        counts.append(counter.count)
        assert len(view["quotes"]) == 1 + extra
    assert counts[0] == counts[1], counts
