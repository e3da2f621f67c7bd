"""The webhooks API as an admin's screen or an integrator uses it: the secret shown once, errors in en and th that
change nothing, the delivery log with its attempts and redelivery, admins only, one garage at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.core.permissions import Role
from backend.integrations.webhooks import service
from backend.integrations.webhooks.models import WebhookEndpoint
from backend.integrations.webhooks.outbox import enqueue_event
from tests.conftest import error_codes, make_garage
from tests.integrations.webhooks.conftest import until
from tests.integrations.webhooks.test_delivery import LOCAL, deliveries, finished

ERRORS = "errors { field code message }"
ENDPOINT = "endpoint { id url description events active secretHint consecutiveFailures disabledAt version }"
CREATE = f"""mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{ {ENDPOINT} secret {ERRORS} }} }}"""
UPDATE = f"""mutation($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{ {ENDPOINT} {ERRORS} }} }}"""
ROTATE = f"""mutation($input: RotateWebhookSecretInput!) {{
  rotateWebhookSecret(input: $input) {{ {ENDPOINT} secret {ERRORS} }} }}"""
DELIVERIES = """query($id: ID!, $first: Int) { webhookDeliveries(endpointId: $id, first: $first) {
  edges { node { id eventId eventType status attempts lastStatusCode lastError redeliveryOfId
                 attemptLog { attempt succeeded statusCode durationMs error } } }
  pageInfo { hasNextPage } } }"""
REDELIVER = """mutation($id: ID!) { redeliverWebhook(input: {id: $id}) {
  delivery { id status redeliveryOfId eventId } errors { field code message } } }"""
PUBLIC = "https://93.184.216.34/hooks/mototrack"


async def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(gql, garage):
    body = await gql(CREATE, {"input": {"url": PUBLIC, "events": ["invoice.issued", "payment.recorded"],
                                        "description": "Accounting"}}, token=garage.token())
    payload = body["data"]["createWebhookEndpoint"]
    assert payload["errors"] == []
    secret = payload["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    endpoint = payload["endpoint"]
    assert endpoint["events"] == ["invoice.issued", "payment.recorded"] and endpoint["active"]
    assert endpoint["secretHint"] == "…" + secret[-4:]
    listed = (await gql("{ webhookEndpoints { id url secretHint } webhookEventTypes }",
                        token=garage.token()))["data"]
    assert listed["webhookEndpoints"] == [{"id": endpoint["id"], "url": PUBLIC, "secretHint": "…" + secret[-4:]}]
    assert "stock.low" in listed["webhookEventTypes"] and "appointment.booked" in listed["webhookEventTypes"]
    rotated = (await gql(ROTATE, {"input": {"id": endpoint["id"], "expectedVersion": 1}},
                         token=garage.token()))["data"]["rotateWebhookSecret"]
    assert rotated["errors"] == [] and rotated["secret"] not in (None, secret)
    stale = (await gql(ROTATE, {"input": {"id": endpoint["id"], "expectedVersion": 1}},
                       token=garage.token()))["data"]["rotateWebhookSecret"]
    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"] and stale["secret"] is None


@pytest.mark.parametrize("lang,refused,unknown,invalid", [
    ("en", "10.0.0.5 is a private or local address; webhooks are sent only to public addresses.",
     "Unknown event job.deleted. Choose from: job.status_changed, quote.approved, invoice.issued, payment.recorded, "
     "appointment.booked, appointment.changed, stock.low.",
     "Enter a full web address starting with https:// (or http://), without a user name or password."),
    ("th", "10.0.0.5 เป็นที่อยู่ในเครือข่ายภายในหรือเครื่องนี้เอง ระบบส่งเว็บฮุกได้เฉพาะที่อยู่สาธารณะเท่านั้น",
     "ไม่รู้จักเหตุการณ์ job.deleted เลือกได้จาก: job.status_changed, quote.approved, invoice.issued, "
     "payment.recorded, appointment.booked, appointment.changed, stock.low",
     "กรอกที่อยู่เว็บแบบเต็มที่ขึ้นต้นด้วย https:// (หรือ http://) โดยไม่ใส่ชื่อผู้ใช้หรือรหัสผ่าน"),
])
async def test_bad_input_is_refused_in_the_readers_language_and_changes_nothing(gql, garage, db, lang, refused,
                                                                                unknown, invalid):
    body = await gql(CREATE, {"input": {"url": "http://10.0.0.5/hook", "events": ["stock.low", "job.deleted"]}},
                     token=garage.token(), lang=lang)
    payload = body["data"]["createWebhookEndpoint"]
    assert payload["endpoint"] is None and payload["secret"] is None
    assert {(e["field"], e["code"]): e["message"] for e in payload["errors"]} == {
        ("url", "WEBHOOK_ADDRESS_REFUSED"): refused, ("events.1", "UNKNOWN_WEBHOOK_EVENT"): unknown}
    body = await gql(CREATE, {"input": {"url": "file:///etc/passwd", "events": ["stock.low"]}},
                     token=garage.token(), lang=lang)
    [error] = body["data"]["createWebhookEndpoint"]["errors"]
    assert (error["field"], error["code"], error["message"]) == ("url", "INVALID_WEBHOOK_URL", invalid)
    created = (await gql(CREATE, {"input": {"url": PUBLIC, "events": ["stock.low"]}},
                         token=garage.token()))["data"]["createWebhookEndpoint"]["endpoint"]
    body = await gql(UPDATE, {"input": {"id": created["id"], "url": "http://[::1]:8080/"}}, token=garage.token(),
                     lang=lang)
    assert [e["code"] for e in body["data"]["updateWebhookEndpoint"]["errors"]] == ["WEBHOOK_ADDRESS_REFUSED"]
    async with db.read() as session:
        rows = list((await session.execute(select(WebhookEndpoint))).scalars())
    assert [(r.url, r.version) for r in rows] == [(PUBLIC, 1)]


async def test_the_delivery_log_shows_attempts_and_redelivers(gql, app, db, garage, hook, runner):
    async with db.transaction() as session:
        created = await service.create_endpoint(session, garage.actor(), service.EndpointInput(
            url=hook.url(), events=["stock.low"]), allowed_hosts=LOCAL)
    hook.statuses = [503, 500, 500]
    async with db.transaction() as session:
        enqueue_event(session, garage.id, "stock.low", {"itemId": "i-1"})
    await until(finished(db, created.endpoint.id, 1))
    log = (await gql(DELIVERIES, {"id": str(created.endpoint.id)}, token=garage.token()))["data"]
    [node] = [e["node"] for e in log["webhookDeliveries"]["edges"]]
    assert (node["eventType"], node["status"], node["attempts"], node["lastStatusCode"]) == (
        "stock.low", "FAILED", 3, 500)
    assert [(a["attempt"], a["succeeded"], a["statusCode"]) for a in node["attemptLog"]] == [
        (1, False, 503), (2, False, 500), (3, False, 500)]
    again = (await gql(REDELIVER, {"id": node["id"]}, token=garage.token()))["data"]["redeliverWebhook"]
    assert again["errors"] == [] and again["delivery"]["redeliveryOfId"] == node["id"]
    assert again["delivery"]["eventId"] == node["eventId"]
    await until(finished(db, created.endpoint.id, 2))
    log = (await gql(DELIVERIES, {"id": str(created.endpoint.id)}, token=garage.token()))["data"]
    newest = log["webhookDeliveries"]["edges"][0]["node"]
    assert (newest["status"], newest["attemptLog"][0]["statusCode"]) == ("SUCCEEDED", 200)
    ping = (await gql("mutation($id: ID!) { testWebhookEndpoint(input: {id: $id}) { delivery { eventType status } "
                      "errors { code } } }", {"id": str(created.endpoint.id)}, token=garage.token()))
    assert ping["data"]["testWebhookEndpoint"]["delivery"] == {"eventType": "ping", "status": "QUEUED"}
    await until(finished(db, created.endpoint.id, 3))
    assert hook.requests[-1].headers["mototrack-event"] == "ping"


async def test_the_delivery_log_reads_in_constant_statements(gql, db, garage, count_statements):
    async with db.transaction() as session:
        created = await service.create_endpoint(session, garage.actor(), service.EndpointInput(
            url=PUBLIC, events=["stock.low"]), allowed_hosts="")
    counts = []
    for total in (1, 10, 60):
        async with db.transaction() as session:
            for n in range(total - len(await deliveries(db, created.endpoint.id))):
                enqueue_event(session, garage.id, "stock.low", {"itemId": f"i-{n}"})
        with count_statements() as counter:
            body = await gql(DELIVERIES, {"id": str(created.endpoint.id), "first": 100}, token=garage.token())
        assert len(body["data"]["webhookDeliveries"]["edges"]) == total
        counts.append(counter.count)
    assert counts[0] == counts[1] == counts[2]


async def test_only_admins_manage_webhooks(gql, garage):
    for role in Role:
        body = await gql("{ webhookEndpoints { id } }", token=garage.token(role), expect_errors=True)
        created = await gql(CREATE, {"input": {"url": PUBLIC, "events": ["stock.low"]}}, token=garage.token(role),
                            expect_errors=True)
        if role == Role.ADMIN:
            assert body["data"]["webhookEndpoints"] is not None and "errors" not in body
            assert created["data"]["createWebhookEndpoint"]["errors"] == []
        else:
            assert error_codes(body) == ["FORBIDDEN"] and error_codes(created) == ["FORBIDDEN"], role
    anonymous = await gql("{ webhookEndpoints { id } }", expect_errors=True)
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


async def test_another_garages_admin_cannot_see_or_touch_them(gql, app, garage):
    other = await make_garage(app, "Garage Two")
    mine = (await gql(CREATE, {"input": {"url": PUBLIC, "events": ["stock.low"]}},
                      token=garage.token()))["data"]["createWebhookEndpoint"]["endpoint"]
    assert (await gql("{ webhookEndpoints { id } }", token=other.token()))["data"]["webhookEndpoints"] == []
    body = await gql(DELIVERIES, {"id": mine["id"]}, token=other.token(), expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_FOUND"
    for text, variables in ((UPDATE, {"input": {"id": mine["id"], "active": False}}),
                            (ROTATE, {"input": {"id": mine["id"]}})):
        payload = next(iter((await gql(text, variables, token=other.token()))["data"].values()))
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"] and payload["endpoint"] is None
    deleted = (await gql("mutation($id: ID!) { deleteWebhookEndpoint(input: {id: $id}) { deletedId errors { code } } }",
                         {"id": mine["id"]}, token=other.token()))["data"]["deleteWebhookEndpoint"]
    assert deleted == {"deletedId": None, "errors": [{"code": "NOT_FOUND"}]}
    still = (await gql("{ webhookEndpoints { id active } }", token=garage.token()))["data"]["webhookEndpoints"]
    assert still == [{"id": mine["id"], "active": True}]
