"""invoiceChanged over graphql-transport-ws: billing staff see an invoice created, issued, paid and voided as it
happens; a refused change sends nothing; another garage hears nothing; a role without invoices:read cannot subscribe;
a user deactivated meanwhile hears no more."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from backend.accounts.service import users as users_service
from backend.billing.service.common import billing_channel
from backend.core import events as core_events
from backend.core.actor import Actor
from backend.core.permissions import Role, permissions_for_role
from tests.billing.helpers import ERRORS, job_in_billing, ok, refused, workshop
from tests.billing.test_invoices import FROM_JOB, ISSUE, PAY
from tests.billing.test_void_rebill import VOID
from tests.workshop.test_jobs_live import subscription

CHANGED = """subscription($i: ID) { invoiceChanged(invoiceId: $i) { id number status total paidTotal balanceDue
  version job { status } } }"""


async def test_billing_staff_see_an_invoice_change_live(app, gql, db, garage):
    w = await workshop(db, garage)
    job = await job_in_billing(db, garage, w)
    token = garage.token(Role.BILLING)
    async with subscription(app, garage.token(Role.ADMIN), CHANGED, {}, billing_channel(garage.id)) as receive:
        created = (await ok(gql, token, FROM_JOB, {"j": str(job.id)}))["invoice"]
        data, _ = await receive(1.0)
        seen = data["invoiceChanged"]
        assert (seen["id"], seen["status"], seen["number"], seen["total"]) == (created["id"], "DRAFT", None, 310300)
        assert seen["job"] == {"status": "INVOICED"}

        await ok(gql, token, ISSUE, {"i": created["id"]})
        data, _ = await receive(1.0)
        assert data["invoiceChanged"]["status"] == "ISSUED" and data["invoiceChanged"]["number"].startswith("INV-")

        # a refused payment changes nothing and sends nothing
        await refused(gql, token, PAY, {"i": created["id"], "a": 310301, "m": "CASH"})
        with pytest.raises(asyncio.TimeoutError):
            await receive(0.3)

        await ok(gql, token, PAY, {"i": created["id"], "a": 100000, "m": "CASH"})
        data, _ = await receive(1.0)
        assert (data["invoiceChanged"]["status"], data["invoiceChanged"]["paidTotal"],
                data["invoiceChanged"]["balanceDue"]) == ("PARTIALLY_PAID", 100000, 210300)

        await ok(gql, token, VOID, {"i": created["id"], "r": "Wrong customer", "m": "CASH"})
        data, _ = await receive(1.0)
        assert data["invoiceChanged"]["status"] == "VOID"
        assert data["invoiceChanged"]["job"] == {"status": "BILLING"}  # loaded after the commit, job included

        # quotes share the channel, but are not invoices
        await ok(gql, token, f"""mutation($v: ID!, $s: ID!) {{ createQuote(input: {{vehicleId: $v, siteId: $s,
            lines: [{{kind: LABOUR, description: "Check", unitPrice: 100}}]}}) {{ quote {{ id }} {ERRORS} }} }}""",
                 {"v": str(w.vehicle.id), "s": str(w.site.id)})
        with pytest.raises(asyncio.TimeoutError):
            await receive(0.3)


async def test_one_invoice_only_and_other_garages_hear_nothing(app, gql, db, garage, other_garage):
    w = await workshop(db, garage)
    first, second = await job_in_billing(db, garage, w), await job_in_billing(db, garage, w)
    token = garage.token(Role.BILLING)
    a = (await ok(gql, token, FROM_JOB, {"j": str(first.id)}))["invoice"]
    async with subscription(app, token, CHANGED, {"i": a["id"]}, billing_channel(garage.id)) as only_a, \
            subscription(app, other_garage.token(Role.BILLING), CHANGED, {},
                         billing_channel(other_garage.id)) as other:
        await ok(gql, token, FROM_JOB, {"j": str(second.id)})
        with pytest.raises(asyncio.TimeoutError):
            await only_a(0.3)
        await ok(gql, token, ISSUE, {"i": a["id"]})
        data, _ = await only_a(1.0)
        assert data["invoiceChanged"]["id"] == a["id"] and data["invoiceChanged"]["status"] == "ISSUED"
        with pytest.raises(asyncio.TimeoutError):
            await other(0.3)


async def _first_message(app, token: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://testserver") as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe",
                                       "payload": {"query": CHANGED, "variables": variables or {}}}))
        return json.loads(await asyncio.wait_for(ws.receive_text(), 2))


async def test_roles_without_invoices_read_cannot_subscribe(app, garage):
    for role in (Role.TECHNICIAN, Role.WAREHOUSE_MANAGER):
        message = await _first_message(app, garage.token(role))
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"], message
    bad = await _first_message(app, garage.token(Role.BILLING), {"i": "not-an-id"})
    errors = bad["payload"] if bad["type"] == "error" else bad["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], bad


async def test_a_user_deactivated_meanwhile_hears_no_more(app, gql, db, garage):
    w = await workshop(db, garage)
    job = await job_in_billing(db, garage, w)
    token = garage.token(Role.BILLING)
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://testserver") as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init",
                                       "payload": {"Authorization": f"Bearer {garage.token(Role.ADMIN)}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": CHANGED}}))
        channel = billing_channel(garage.id)
        for _ in range(200):
            if channel in app.state.services.pubsub._queues:
                break
            await asyncio.sleep(0.01)
        created = (await ok(gql, token, FROM_JOB, {"j": str(job.id)}))["invoice"]
        first = json.loads(await asyncio.wait_for(ws.receive_text(), 1))
        assert first["type"] == "next" and first["payload"]["data"]["invoiceChanged"]["id"] == created["id"]
        # the admin who subscribed is deactivated by the owner
        owner = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN,
                      name="owner")
        async with db.transaction() as session:
            await users_service.deactivate_user(session, owner, garage.users[Role.ADMIN].id)
            revoked = core_events.take(session)
        # published after the commit as the API does (its auth.revoked ends the live subscription at once)
        for name, message in revoked:
            await app.state.services.pubsub.publish(name, message)
        await ok(gql, token, ISSUE, {"i": created["id"]})
        message = json.loads(await asyncio.wait_for(ws.receive_text(), 1))
        errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors")
        assert errors and errors[0]["extensions"]["code"] == "UNAUTHENTICATED", message
        assert "data" not in message["payload"] or not message["payload"]["data"]
