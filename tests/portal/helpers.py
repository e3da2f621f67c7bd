"""Set-up for the portal tests: a customer who takes SMS, their job in progress with a sent quote (a catalog labour
line and a stocked part), the local SMS provider, and the portal's own endpoint."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select, update

from backend.billing.service import quotes as quotes_service
from backend.billing.service.common import LineInput
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer
from tests.billing.helpers import Workshop, job_in_progress, workshop
from tests.notifications.test_delivery import drain
from tests.notifications.test_delivery import settings_for as delivery_settings

TOKEN_IN_TEXT = re.compile(r"/p/#([A-Za-z0-9_-]{22})")
CODE_IN_TEXT = re.compile(r"(?<![-\d])(\d{6})(?!\d)")  # not the quote number QT-2026-000001

PORTAL_QUERY = """query { portal { locale linkExpiresAt garage { name phone address promptPayId }
  job { number status statusLabel vehicle { registration make model } timeline { at status label } }
  inspections { id name counts { good advise urgent } items { title condition photos { url thumbnailUrl } } }
  quotes { id number version revision status statusLabel total linesHash locked
    lines { id description quantity unitPrice taxAmount total decision photos { url thumbnailUrl } }
    approvals { approved declined pending total } }
  invoices { number total balance pdfUrl } receipts { amount pdfUrl } documents { name url thumbnailUrl } } }"""

REQUEST_CODE = """mutation($input: RequestApprovalCodeInput!) { requestApprovalCode(input: $input) {
  sent channel expiresAt errors { field code message } } }"""

DECIDE = """mutation($input: DecideQuoteInput!) { decideQuote(input: $input) {
  quote { id status locked version approvals { approved declined pending total } lines { id decision } }
  errors { field code message } } }"""


@dataclass
class Visit:
    w: Workshop
    job: object
    quote: object


def settings_for(app, sms_base: str, **overrides):
    """The app's settings with the local SMS provider (webhook) and the customers' public address."""
    return delivery_settings(app, sms_provider="webhook", sms_url=f"{sms_base}/sms", **overrides)


def texts(sms) -> list[str]:
    return [json.loads(r["body"])["text"] for r in sms.requests]


async def visit(db, garage, *, locale=None, phone="+66812345678", email="ann@example.com") -> Visit:
    """A customer on SMS (with consent) whose job is in progress, with a sent quote of two lines."""
    w = await workshop(db, garage, customer_name="Ann Smith", tax_id=None)
    async with db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == w.customer.id).values(
            contact_channel=ContactChannel.SMS, consent_sms=True, consent_email=True, phone=phone, email=email,
            locale=locale))
    job = await job_in_progress(db, garage, w)
    sm = garage.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        quote = await quotes_service.create_quote(session, sm, quotes_service.QuoteData(job_id=job.id, lines=[
            LineInput(kind="LABOUR", task_action_id=w.action.id),
            LineInput(kind="PART", item_id=w.item.id, quantity=2)]))
        quote = await quotes_service.send_quote(session, sm, quote.id)
    return Visit(w=w, job=job, quote=quote)


async def token_from_sms(app, sms) -> str:
    await drain(app, settings_for(app, sms.base))
    found = [m.group(1) for t in texts(sms) for m in [TOKEN_IN_TEXT.search(t)] if m]
    assert found, texts(sms)
    return found[-1]


async def portal(client, token: str | None, query: str, variables: dict | None = None, *, lang: str | None = None,
                 headers: dict | None = None) -> dict:
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Portal {token}"
    if lang:
        h["Accept-Language"] = lang
    response = await client.post("/portal/graphql", json={"query": query, "variables": variables or {}}, headers=h)
    assert response.status_code == 200, response.text
    return response.json()


def payload(body: dict) -> dict:
    assert not body.get("errors"), body
    return next(iter(body["data"].values()))


async def code_from_sms(app, sms) -> str:
    before = len(sms.requests)
    await drain(app, settings_for(app, sms.base))
    assert len(sms.requests) > before, "no SMS with the code"
    return CODE_IN_TEXT.search(texts(sms)[-1]).group(1)


async def rows(db, model, *where):
    async with db.read() as session:
        return list((await session.execute(select(model).where(*where))).scalars())
