"""End to end: a business change -> outbox row -> the runner -> a real SMTP server, SMS provider or push service."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import re
from urllib.parse import parse_qs, urlparse

import http_ece
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, update

from backend.core.enums import Locale
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer
from backend.notifications import service as notifications
from backend.notifications.channels import Senders
from backend.notifications.delivery import BACKOFF_SECONDS, MAX_ATTEMPTS, deliver
from backend.notifications.models import Channel, Notification, NotificationStatus, PushSubscription
from backend.notifications.runner import InProcessRunner
from backend.workshop.models import JobStatus, Job
from backend.workshop.service import jobs as jobs_service
from tests.conftest import error_codes, make_settings
from tests.notifications.sinks import HttpSink, SmtpSink, basic_auth
from tests.workshop.helpers import make_site, make_vehicle, service_job

S = NotificationStatus


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest_asyncio.fixture
async def http():
    sink = await HttpSink().start()
    yield sink
    await sink.stop()


def settings_for(app, **overrides):
    base = app.state.services.settings
    values = dict(public_url="http://testserver", smtp_tls="none", mail_from="Garage <garage@mototrack.test>")
    values.update(overrides)
    return make_settings(base.database_url, **values)


async def drain(app, settings) -> None:
    runner = InProcessRunner(app.state.services.db, settings)
    try:
        await runner.drain()
    finally:
        await runner.senders.close()


async def ready_job(db, garage, *, channel: ContactChannel, locale: Locale | None, email="ann@example.com",
                    phone="+66812345678", registration="AB12CDE"):
    """A job at MANAGER_REVIEW whose owner wants messages on `channel`; returns (job, customer id)."""
    site = await make_site(db, garage)
    vehicle = await make_vehicle(db, garage, registration=registration)
    job = await service_job(db, garage, site, vehicle)
    async with db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == vehicle.owner_id).values(
            contact_channel=channel, locale=locale, email=email, phone=phone, consent_email=True, consent_sms=True,
            name="Ann Smith"))
        await session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.MANAGER_REVIEW))
    return job, vehicle.owner_id


async def to_billing(db, garage, job):
    async with db.transaction() as session:
        await jobs_service.move_job_to_billing(session, garage.actor(Role.WORKSHOP_MANAGER), job.id)


async def rows(db, **where):
    async with db.read() as session:
        query = select(Notification).order_by(Notification.created_at)
        for key, value in where.items():
            query = query.where(getattr(Notification, key) == value)
        return list((await session.execute(query)).scalars())


@pytest.mark.parametrize("locale", [Locale.EN, Locale.TH])
async def test_job_ready_mail_reaches_the_smtp_server_in_the_customers_language(app, client, db, garage, smtp,
                                                                               locale):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.EMAIL, locale=locale)
    await to_billing(db, garage, job)
    await drain(app, settings_for(app, smtp_host="127.0.0.1", smtp_port=smtp.port))
    smtp.wait_for(1)
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    [row] = await rows(db, customer_id=customer_id)
    assert row.status == S.SENT and row.attempts == 1
    assert mail["To"] == "ann@example.com"
    assert mail["Message-ID"] == f"<{row.id}@mototrack.test>"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    if locale == Locale.EN:
        assert mail["Subject"] == "Your vehicle AB12CDE is ready for collection"
        assert text.startswith("Dear Ann,\n\nGood news: the work on AB12CDE is finished and your vehicle is "
                               "ready for collection at Garage One.")
        assert "Stop these messages" in html
    else:
        assert mail["Subject"] == "รถทะเบียน AB12CDE ของคุณพร้อมให้รับแล้ว"
        assert text.startswith("เรียน คุณAnn\n\nงานซ่อมรถทะเบียน AB12CDE เสร็จเรียบร้อยแล้ว")
        assert "ready for collection" not in text and "ยกเลิกรับข้อความ" in html
    # the mail carries the customer's portal link; the stored copy keeps it without its token
    token = re.search(r"/p/#([A-Za-z0-9_-]{22})", text).group(1)
    assert row.subject == mail["Subject"] and row.body == text.strip().replace(token, "…")
    assert token not in row.body
    # the unsubscribe link: in the body and in List-Unsubscribe; following it turns consent off at once
    link = mail["List-Unsubscribe"].strip("<>")
    assert link in text
    parsed = urlparse(link)
    page = await client.get(f"{parsed.path}?{parsed.query}")
    assert page.status_code == 200
    assert ("ท่านจะไม่ได้รับอีเมลจาก Garage One อีก" if locale == Locale.TH
            else "You will receive no more emails from Garage One.") in page.text
    async with db.read() as session:
        customer = await session.get(Customer, customer_id)
    assert customer.consent_email is False and customer.consent_sms is True
    # a forged link changes nothing
    forged = parse_qs(parsed.query)
    bad = await client.get("/unsubscribe", params={"c": forged["c"][0], "ch": "SMS", "s": forged["s"][0]})
    assert bad.status_code == 400
    async with db.read() as session:
        assert (await session.get(Customer, customer_id)).consent_sms is True


async def test_embedded_mail_is_written_as_an_eml_file(app, db, garage, tmp_path):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.EMAIL, locale=Locale.EN)
    await to_billing(db, garage, job)
    await drain(app, settings_for(app, data_dir=tmp_path))
    [row] = await rows(db, customer_id=customer_id)
    files = list((tmp_path / "mail").glob("*.eml"))
    assert [f.name for f in files] == [f"{row.id}.eml"]
    assert b"Subject: Your vehicle AB12CDE is ready for collection" in files[0].read_bytes()


@pytest.mark.parametrize("locale", [Locale.EN, Locale.TH])
async def test_job_ready_sms_through_the_webhook_provider(app, client, db, garage, http, locale):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=locale)
    await to_billing(db, garage, job)
    await drain(app, settings_for(app, sms_provider="webhook", sms_url=f"{http.base}/sms", sms_username="k3y"))
    [request] = http.requests
    [row] = await rows(db, customer_id=customer_id)
    payload = json.loads(request["body"])
    assert request["headers"]["Idempotency-Key"] == str(row.id) and payload["reference"] == str(row.id)
    assert request["headers"]["Authorization"] == "Bearer k3y"
    assert payload["to"] == "+66812345678"
    expected = ("Garage One: AB12CDE is ready for collection: " if locale == Locale.EN
                else "Garage One: รถ AB12CDE ซ่อมเสร็จ พร้อมให้รับ ")
    assert payload["text"].startswith(expected)
    # the customer's portal link (a service message about their own repair, like the quote's: no opt-out link,
    # which would take a Thai SMS past two parts); the token rides in the fragment and is not in the stored copy
    link = urlparse(payload["text"][len(expected):])
    assert (link.scheme, link.netloc, link.path, len(link.fragment)) == ("http", "testserver", "/p/", 22)
    opened = await client.post("/portal/graphql", json={"query": "{ portal { job { number status } } }"},
                               headers={"Authorization": f"Portal {link.fragment}"})
    assert opened.json()["data"]["portal"]["job"] == {"number": job.number, "status": "BILLING"}
    assert link.fragment not in row.body
    assert row.status == S.SENT and row.provider_message_id == "msg-1"


async def test_job_ready_sms_through_the_twilio_compatible_provider(app, db, garage, http):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=Locale.TH)
    await to_billing(db, garage, job)
    await drain(app, settings_for(app, sms_provider="twilio", sms_url=http.base, sms_username="AC123",
                                  sms_password="tok", sms_from="+66200000000"))
    [request] = http.requests
    assert request["method"] == "POST" and request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert basic_auth(request["headers"]["Authorization"]) == ("AC123", "tok")
    form = parse_qs(request["body"].decode())
    assert form["To"] == ["+66812345678"] and form["From"] == ["+66200000000"]
    assert form["Body"][0].startswith("Garage One: รถ AB12CDE ซ่อมเสร็จ พร้อมให้รับ http://testserver/p/#")
    [row] = await rows(db, customer_id=customer_id)
    assert row.status == S.SENT and row.provider_message_id.startswith("SM")


async def test_a_job_that_goes_to_billing_twice_tells_the_customer_once(app, db, garage, http):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=None)
    await to_billing(db, garage, job)
    async with db.transaction() as session:
        await session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.MANAGER_REVIEW))
    await to_billing(db, garage, job)
    assert len(await rows(db, customer_id=customer_id)) == 1


async def test_opted_out_customers_get_nothing_even_when_already_queued(app, db, garage, http, smtp):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=Locale.EN)
    await to_billing(db, garage, job)
    async with db.transaction() as session:  # the customer says no after the message was queued
        await session.execute(update(Customer).where(Customer.id == customer_id).values(consent_sms=False))
    await drain(app, settings_for(app, sms_provider="webhook", sms_url=f"{http.base}/sms"))
    [row] = await rows(db, customer_id=customer_id)
    assert http.requests == [] and row.status == S.CANCELLED
    # and nothing new is queued for a customer without consent
    job2, other = await ready_job(db, garage, channel=ContactChannel.EMAIL, locale=Locale.EN,
                                  registration="CD34EFG")
    async with db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == other).values(consent_email=False))
    await to_billing(db, garage, job2)
    assert await rows(db, customer_id=other) == []


def _subscription_keys():
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")  # noqa: E731
    return private, auth, b64(public), b64(auth)


REGISTER = """mutation($input: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $input) {
  ok errors { field code message } } }"""


@pytest.mark.parametrize("locale", [Locale.EN, Locale.TH])
async def test_technician_assigned_push_is_encrypted_for_the_device(app, db, gql, garage, http, locale):
    tech = garage.users[Role.TECHNICIAN]
    async with db.transaction() as session:
        await session.execute(update(type(tech)).where(type(tech).id == tech.id).values(locale=locale))
    private, auth, p256dh, auth_b64 = _subscription_keys()
    token = garage.token(Role.TECHNICIAN)
    body = await gql("{ vapidPublicKey }", token=token)
    vapid_public = body["data"]["vapidPublicKey"]
    assert (await gql("{ vapidPublicKey }", token=token))["data"]["vapidPublicKey"] == vapid_public  # never remade
    for endpoint in (f"{http.base}/push/device-1", f"{http.base}/push/gone"):
        result = await gql(REGISTER, {"input": {"endpoint": endpoint, "p256dh": p256dh, "auth": auth_b64}},
                           token=token)
        assert result["data"]["registerPushSubscription"] == {"ok": True, "errors": []}
    bad = await gql(REGISTER, {"input": {"endpoint": "ftp://x", "p256dh": p256dh, "auth": auth_b64}}, token=token)
    [error] = bad["data"]["registerPushSubscription"]["errors"]
    assert error["code"] == "INVALID_PUSH_SUBSCRIPTION" and error["field"] == "endpoint"
    assert ("ลงทะเบียน" if locale == Locale.TH else "push subscription is not valid") in error["message"]

    site = await make_site(db, garage)
    vehicle = await make_vehicle(db, garage, registration="KB1234")
    job = await service_job(db, garage, site, vehicle)
    async with db.transaction() as session:
        await jobs_service.assign_job(session, garage.actor(Role.SITE_MANAGER), job.id, tech.id)
    await drain(app, settings_for(app))

    [request] = http.requests
    assert request["path"] == "/push/device-1"
    assert request["headers"]["Content-Encoding"] == "aes128gcm"
    vapid_header = request["headers"]["Authorization"]
    assert vapid_header.startswith("vapid t=") and f"k={vapid_public}" in vapid_header
    plain = http_ece.decrypt(request["body"], private_key=private, auth_secret=auth, version="aes128gcm")
    message = json.loads(plain)
    if locale == Locale.EN:
        assert message["title"] == f"New job {job.number}"
        assert message["body"] == "You have been assigned KB1234 ."  # the demo vehicle has no make or model
    else:
        assert message["title"] == f"งานใหม่ {job.number}"
        assert message["body"].startswith("คุณได้รับมอบหมายงานรถ KB1234")
    assert message["url"] == f"/jobs/{job.id}"
    [row] = await rows(db, user_id=tech.id)
    assert row.status == S.SENT and row.channel == Channel.PUSH
    async with db.read() as session:  # the expired device (410) is forgotten
        endpoints = (await session.execute(select(PushSubscription.endpoint))).scalars().all()
    assert endpoints == [f"{http.base}/push/device-1"]


FAILED = """query($status: NotificationStatus) { notifications(status: $status, first: 10) {
  edges { node { id event channel status attempts lastError recipient } } } }"""
RETRY = """mutation($input: RetryNotificationInput!) { retryNotification(input: $input) {
  notification { id status } errors { code message } } }"""


async def test_failures_back_off_then_fail_visibly_and_an_admin_retries(app, db, gql, garage, other_garage, http):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=Locale.EN)
    await to_billing(db, garage, job)
    settings = settings_for(app, sms_provider="webhook", sms_url=f"{http.base}/sms")
    senders = Senders(settings)
    http.fail = [503] * MAX_ATTEMPTS
    [row] = await rows(db, customer_id=customer_id)
    try:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            before = dt.datetime.now(dt.UTC)
            outcome = await deliver(db, settings, senders, row.id)
            [row] = await rows(db, id=row.id)
            assert row.attempts == attempt and "503" in row.last_error
            if attempt < MAX_ATTEMPTS:
                assert outcome == "retry" and row.status == S.QUEUED
                wait = (row.next_attempt_at - before).total_seconds()
                assert BACKOFF_SECONDS[attempt - 1] - 1 <= wait <= BACKOFF_SECONDS[attempt - 1] + 5
                assert await deliver(db, settings, senders, row.id) == "skipped"  # not due yet: nothing sent
                async with db.transaction() as session:  # time passes
                    await session.execute(update(Notification).where(Notification.id == row.id)
                                          .values(next_attempt_at=dt.datetime.now(dt.UTC)))
            else:
                assert outcome == "failed" and row.status == S.FAILED
    finally:
        await senders.close()
    assert http.requests == []
    admin = await gql(FAILED, {"status": "FAILED"}, token=garage.token(Role.ADMIN))
    [edge] = admin["data"]["notifications"]["edges"]
    assert edge["node"]["id"] == str(row.id) and edge["node"]["status"] == "FAILED"
    assert "503" in edge["node"]["lastError"] and edge["node"]["attempts"] == MAX_ATTEMPTS
    assert (await gql(FAILED, {"status": "FAILED"}, token=other_garage.token(Role.ADMIN))
            )["data"]["notifications"]["edges"] == []
    denied = await gql(FAILED, {"status": "FAILED"}, token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert error_codes(denied) == ["FORBIDDEN"]
    denied = await gql(RETRY, {"input": {"id": str(row.id)}}, token=garage.token(Role.SITE_MANAGER),
                       expect_errors=True)
    assert error_codes(denied) == ["FORBIDDEN"]
    foreign = await gql(RETRY, {"input": {"id": str(row.id)}}, token=other_garage.token(Role.ADMIN))
    assert foreign["data"]["retryNotification"]["errors"][0]["code"] == "NOT_FOUND"
    retried = await gql(RETRY, {"input": {"id": str(row.id)}}, token=garage.token(Role.ADMIN))
    assert retried["data"]["retryNotification"] == {"notification": {"id": str(row.id), "status": "QUEUED"},
                                                    "errors": []}
    again = await gql(RETRY, {"input": {"id": str(row.id)}}, token=garage.token(Role.ADMIN), lang="th")
    [error] = again["data"]["retryNotification"]["errors"]
    assert error["code"] == "NOTIFICATION_NOT_RETRYABLE" and "ส่งซ้ำไม่ได้" in error["message"]
    await drain(app, settings)
    assert len(http.requests) == 1
    [row] = await rows(db, id=row.id)
    assert row.status == S.SENT


async def test_a_task_that_runs_twice_sends_once(app, db, garage, http):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=Locale.EN)
    await to_billing(db, garage, job)
    [row] = await rows(db, customer_id=customer_id)
    settings = settings_for(app, sms_provider="webhook", sms_url=f"{http.base}/sms")
    senders = Senders(settings)
    try:
        outcomes = await asyncio.gather(*(deliver(db, settings, senders, row.id) for _ in range(3)))
        assert sorted(outcomes) == ["sent", "skipped", "skipped"]
        assert await deliver(db, settings, senders, row.id) == "skipped"
    finally:
        await senders.close()
    assert len(http.requests) == 1


COMMS = """query($id: ID!) { customer(id: $id) { communications(first: 5) { edges { node { event channel status
  subject } } pageInfo { hasNextPage } } } }"""


async def test_customer_communications_list_what_was_sent(app, db, gql, garage, other_garage, http):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=Locale.EN)
    await to_billing(db, garage, job)
    await drain(app, settings_for(app, sms_provider="webhook", sms_url=f"{http.base}/sms"))
    body = await gql(COMMS, {"id": str(customer_id)}, token=garage.token(Role.SITE_MANAGER))
    edges = body["data"]["customer"]["communications"]["edges"]
    assert [e["node"]["event"] for e in edges] == ["job_ready"]
    assert edges[0]["node"]["channel"] == "SMS" and edges[0]["node"]["status"] == "SENT"
    other = await gql(COMMS, {"id": str(customer_id)}, token=other_garage.token(Role.SITE_MANAGER))
    assert other["data"]["customer"] is None
