"""The customer's loop through the portal's own endpoint: the link from the SMS, the quote, a code from the SMS the
local provider received, approve one line and decline one; the lines become a task and deferred work exactly as
when staff record it; the approval is recorded and the quote locked; every step is audited with the link's id."""

from __future__ import annotations

import json

from sqlalchemy import select

from backend.billing.models import DeferredWork, Quote, QuoteLine
from backend.core.models import AuditEntry
from backend.portal.models import ApprovalCode, PortalLink, QuoteApproval
from backend.workshop.models import JobEvent, JobTask, PartsRequest
from tests.portal.helpers import (DECIDE, PORTAL_QUERY, REQUEST_CODE, code_from_sms, payload, portal, rows,
                                  texts, token_from_sms, visit)


async def test_customer_approves_one_line_and_declines_one_with_the_code_from_the_sms(app, client, db, garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    # the job-opened SMS and the quote SMS both carry the portal link, the same one
    assert sum("/p/#" + token in t for t in texts(sms)) == 2, texts(sms)
    view = payload(await portal(client, token, PORTAL_QUERY))
    assert view["job"]["number"] == v.job.number and view["job"]["status"] == "IN_PROGRESS"
    assert view["job"]["vehicle"]["registration"] == v.w.vehicle.registration_display
    [quote] = view["quotes"]
    labour, part = quote["lines"]
    assert quote["approvals"] == {"approved": 0, "declined": 0, "pending": 2, "total": 2}

    sent = payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": quote["id"], "channel": "SMS"}}))
    assert sent["sent"] is True and sent["errors"] == []
    code = await code_from_sms(app, sms)
    assert json.loads(sms.requests[-1]["body"])["to"] == "+66812345678"

    decided = payload(await portal(client, token, DECIDE, {"input": {
        "quoteId": quote["id"], "version": quote["version"], "linesHash": quote["linesHash"],
        "approve": [labour["id"]], "decline": [part["id"]], "name": "Ann Smith", "code": code}},
        headers={"User-Agent": "PortalTest/1.0"}))
    assert decided["errors"] == []
    assert decided["quote"]["status"] == "PARTIALLY_APPROVED" and decided["quote"]["locked"] is True
    assert decided["quote"]["approvals"] == {"approved": 1, "declined": 1, "pending": 0, "total": 2}

    # exactly what staff's approve/decline make: a task for the labour line, deferred work for the declined part
    [line_l, line_p] = sorted(await rows(db, QuoteLine, QuoteLine.quote_id == v.quote.id), key=lambda x: x.position)
    [task] = await rows(db, JobTask, JobTask.job_id == v.job.id)
    assert line_l.job_task_id == task.id and task.name == labour["description"]
    assert await rows(db, PartsRequest, PartsRequest.job_id == v.job.id) == []
    [deferred] = await rows(db, DeferredWork, DeferredWork.vehicle_id == v.w.vehicle.id)
    assert deferred.quote_line_id == line_p.id and deferred.amount == line_p.total
    [approval] = await rows(db, QuoteApproval, QuoteApproval.quote_id == v.quote.id)
    [link] = await rows(db, PortalLink, PortalLink.job_id == v.job.id)
    assert (approval.name, approval.method, approval.link_id, approval.revision) == ("Ann Smith", "SMS", link.id, 1)
    assert approval.approved_line_ids == [labour["id"]] and approval.declined_line_ids == [part["id"]]
    assert approval.lines_hash == quote["linesHash"] and approval.quote_version == quote["version"]
    assert approval.user_agent == "PortalTest/1.0" and approval.ip_address
    [stored] = await rows(db, Quote, Quote.id == v.quote.id)
    assert stored.locked is True
    # the task on the job's timeline names the portal link, never a member of staff
    events = await rows(db, JobEvent, JobEvent.job_id == v.job.id, JobEvent.actor_label == f"portal:{link.id}")
    assert events
    # every portal operation is in the audit log with the link's id, never the token
    audited = await rows(db, AuditEntry, AuditEntry.entity_type == "PortalLink", AuditEntry.entity_id == link.id)
    assert {"view", "request_code", "decide_quote"} <= {a.action for a in audited}
    async with db.read() as session:
        everything = [str(a.changes) + a.actor_label for a in (await session.execute(select(AuditEntry))).scalars()]
    assert not any(token in text for text in everything)
    # the code is used: the same code again is refused
    again = payload(await portal(client, token, DECIDE, {"input": {
        "quoteId": quote["id"], "version": decided["quote"]["version"], "linesHash": quote["linesHash"],
        "approve": [], "decline": [labour["id"]], "name": "Ann Smith", "code": code}}))
    assert again["errors"] and again["quote"] is None
    [code_row] = await rows(db, ApprovalCode, ApprovalCode.quote_id == v.quote.id)
    assert code_row.used_at is not None
