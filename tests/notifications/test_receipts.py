"""Delivery receipts: the local SMS provider calls our status route back over real HTTP (uvicorn on 127.0.0.1) and the
message, and a reminder linked to it, becomes DELIVERED, or FAILED with the provider's error code. Forged receipts
change nothing."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import httpx
import pytest_asyncio
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette

from backend.core.enums import Locale
from backend.customers.models import ContactChannel
from backend.notifications.models import NotificationStatus
from backend.notifications.receipts import receipt_routes, twilio_signature, webhook_signature
from tests.notifications.sinks import free_port
from tests.notifications.test_delivery import drain, http, ready_job, rows, settings_for, to_billing  # noqa: F401

S = NotificationStatus


def test_twilio_signature_matches_twilios_documented_example():
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
              "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert twilio_signature("12345", url, {**params, "Digits": "1235"}) != "RSOYDt4T1cUTdK1PDd93/VVr8B8="


@pytest_asyncio.fixture
async def hooks(app):
    """Our receipt route served over real HTTP; yields a function making settings whose public URL points at it."""
    port = free_port()
    holder = SimpleNamespace(settings=None, db=app.state.services.db)

    def settings(**overrides):
        holder.settings = settings_for(app, public_url=f"http://127.0.0.1:{port}", **overrides)
        return holder.settings

    server = None

    async def start():
        nonlocal server
        routes = receipt_routes(holder)
        server = uvicorn.Server(uvicorn.Config(Starlette(routes=routes), host="127.0.0.1", port=port,
                                               lifespan="off", log_level="warning"))
        task = asyncio.get_running_loop().create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        return task

    holder.start = start
    yield settings, holder
    if server is not None:
        server.should_exit = True
        await asyncio.sleep(0.2)


async def _sms_row(db, garage, *, locale=Locale.EN):
    job, customer_id = await ready_job(db, garage, channel=ContactChannel.SMS, locale=locale)
    await to_billing(db, garage, job)
    [row] = await rows(db, customer_id=customer_id)
    return row


def _webhook(http) -> dict:
    return dict(sms_provider="webhook", sms_url=f"{http.base}/sms", sms_webhook_secret="s3cret")


def _twilio(http) -> dict:
    return dict(sms_provider="twilio", sms_url=http.base, sms_username="AC123", sms_password="tok",
                sms_from="+66200000000")


async def _waiting_sms(hooks, db, garage, provider: dict):
    """Our receipt route listening, settings for the SMS `provider`, one SMS waiting to go: (settings, its row)."""
    make, holder = hooks
    settings = make(**provider)
    await holder.start()
    return settings, await _sms_row(db, garage)


async def _send(app, http, settings, **receipt) -> None:
    """Send what waits; the provider (answering as `receipt` sets it) calls our route back."""
    for name, value in receipt.items():
        setattr(http, name, value)
    await drain(app, settings)
    await http.settle()


async def _answered(db, http, row, code: int):
    """Our route answered the provider's one callback with `code`; the row as it is now."""
    assert [status for _url, status in http.callbacks] == [code]
    [row] = await rows(db, id=row.id)
    return row


async def test_webhook_provider_reports_delivery(app, db, garage, http, hooks):
    settings, row = await _waiting_sms(hooks, db, garage, _webhook(http))
    await _send(app, http, settings, receipt="delivered", webhook_secret="s3cret")
    [request] = http.requests
    assert json.loads(request["body"])["status_url"] == f"{settings.public_url}/hooks/sms/webhook/status"
    row = await _answered(db, http, row, 204)
    assert row.status == S.DELIVERED and row.delivered_at is not None
    assert row.sent_at is not None and row.body.startswith("Garage One: AB12CDE is ready for collection: ")  # kept


async def test_webhook_receipt_with_a_bad_signature_changes_nothing(app, db, garage, http, hooks):
    settings, row = await _waiting_sms(hooks, db, garage, _webhook(http))
    await _send(app, http, settings, receipt="undelivered", webhook_secret="not-the-secret")
    row = await _answered(db, http, row, 403)
    assert row.status == S.SENT
    url = f"{settings.public_url}/hooks/sms/webhook/status"
    async with httpx.AsyncClient() as client:
        unreadable = b"not json"
        bad = await client.post(url, content=unreadable,
                                headers={"X-MotoTrack-Signature": webhook_signature("s3cret", unreadable)})
        assert bad.status_code == 400
        unknown = json.dumps({"reference": "5f0c6f5e-0000-4000-8000-000000000000", "status": "delivered"}).encode()
        missing = await client.post(url, content=unknown,
                                    headers={"X-MotoTrack-Signature": webhook_signature("s3cret", unknown)})
        assert missing.status_code == 404
    [row] = await rows(db, id=row.id)
    assert row.status == S.SENT


async def test_twilio_status_callback_failed_with_error_code(app, db, garage, http, hooks):
    settings, row = await _waiting_sms(hooks, db, garage, _twilio(http))
    await _send(app, http, settings, receipt="undelivered", receipt_error="30003", twilio_token="tok")
    row = await _answered(db, http, row, 204)
    assert row.status == S.FAILED and row.last_error == "provider: undelivered (error 30003)"
    assert row.provider_message_id.startswith("SM") and row.sent_at is not None


async def test_twilio_delivered_and_forged(app, db, garage, http, hooks):
    settings, row = await _waiting_sms(hooks, db, garage, _twilio(http))
    # a forger without our auth token
    await _send(app, http, settings, receipt="delivered", twilio_token="wrong-token")
    row = await _answered(db, http, row, 403)
    assert row.status == S.SENT
    # the real Twilio (right token) reports "sent" then "delivered": only the final state counts
    url = f"{settings.public_url}/hooks/sms/twilio/status?ref={row.id}"
    async with httpx.AsyncClient() as client:
        for state in ("sent", "delivered"):
            fields = {"MessageSid": row.provider_message_id, "MessageStatus": state}
            answer = await client.post(url, data=fields,
                                       headers={"X-Twilio-Signature": twilio_signature("tok", url, fields)})
            assert answer.status_code == 204
            [row] = await rows(db, id=row.id)
            assert row.status == (S.SENT if state == "sent" else S.DELIVERED)


async def test_a_reminder_follows_its_notification_to_delivered(app, db, garage, http, hooks):
    import datetime as dt

    from backend.notifications.reminders.models import Reminder, ReminderKind
    from backend.notifications.reminders.service import reminder_history

    settings, row = await _waiting_sms(hooks, db, garage, _webhook(http))
    async with db.transaction() as session:
        from backend.workshop.models import Job

        job = (await session.execute(select(Job).where(Job.garage_id == garage.id))).scalars().first()
        session.add(Reminder(garage_id=garage.id, vehicle_id=job.vehicle_id, customer_id=row.customer_id,
                             kind=ReminderKind.MOT, due_on=dt.date(2030, 1, 31), lead_days=30,
                             channel=row.channel, notification_id=row.id))
    await _send(app, http, settings, receipt="delivered", webhook_secret="s3cret")
    async with db.read() as session:
        [item] = await reminder_history(session, garage.actor(), job.vehicle_id)
    assert item.status == "DELIVERED"


async def test_the_app_serves_the_receipt_route(client):
    answer = await client.post("/hooks/sms/webhook/status", content=b"{}")
    assert answer.status_code == 404 and answer.text == "receipts are not enabled"  # no shared secret configured
    answer = await client.post("/hooks/sms/twilio/status", data={"MessageSid": "SM1", "MessageStatus": "delivered"})
    assert answer.status_code == 404  # no auth token configured
