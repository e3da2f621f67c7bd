"""The visit's messages are in the customer's communications as staff see them, with the link's token and the
code hidden; the customer's language choice in the portal holds for the link."""

from __future__ import annotations

import pytest

from backend.core.permissions import Role
from tests.portal.helpers import PORTAL_QUERY, REQUEST_CODE, code_from_sms, payload, portal, token_from_sms, visit

COMMUNICATIONS = """query($id: ID!) { customer(id: $id) { communications(first: 20) { edges { node {
  event channel status body } } } } }"""
SET_LOCALE = """mutation($l: String!) { setPortalLocale(locale: $l) { locale errors { field code message } } }"""


async def test_the_visits_messages_are_in_the_customers_communications_without_secrets(app, client, db, gql,
                                                                                       garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    [quote] = payload(await portal(client, token, PORTAL_QUERY))["quotes"]
    payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": quote["id"], "channel": "SMS"}}))
    code = await code_from_sms(app, sms)
    body = await gql(COMMUNICATIONS, {"id": str(v.w.customer.id)}, token=garage.token(Role.SITE_MANAGER))
    nodes = [e["node"] for e in body["data"]["customer"]["communications"]["edges"]]
    assert {"portal_link", "quote_to_approve", "portal_code"} <= {n["event"] for n in nodes}
    assert all(n["status"] == "SENT" for n in nodes if n["event"].startswith("portal"))
    [code_message] = [n for n in nodes if n["event"] == "portal_code"]
    assert code not in code_message["body"] and "…" in code_message["body"]
    assert not any(token in (n["body"] or "") for n in nodes)
    assert all("/p/#…" in n["body"] for n in nodes if n["event"] in ("portal_link", "quote_to_approve"))


@pytest.mark.parametrize("choice", ["th", "en"])
async def test_the_customer_switches_the_portals_language_for_their_link(app, client, db, garage, sms, choice):
    await visit(db, garage)
    token = await token_from_sms(app, sms)
    first = payload(await portal(client, token, "{ portal { locale job { statusLabel } } }"))
    assert first["locale"] == "en"  # nothing chosen: the garage's (the browser sent no language)
    done = payload(await portal(client, token, SET_LOCALE, {"l": choice}))
    assert done == {"locale": choice, "errors": []}
    view = payload(await portal(client, token, "{ portal { locale job { statusLabel } } }",
                                lang="en" if choice == "th" else "th"))  # the choice wins over the browser's
    assert view["locale"] == choice
    assert view["job"]["statusLabel"] == ("กำลังซ่อม" if choice == "th" else "in progress")
    bad = payload(await portal(client, token, SET_LOCALE, {"l": "fr"}, lang="th"))
    assert bad["locale"] is None and bad["errors"][0]["code"] == "INVALID_VALUE"
