"""Delivery receipts from SMS providers: POST /hooks/sms/<provider>/status turns a SENT message DELIVERED, or FAILED
with the provider's error code (a reminder linked to it reads the same: its status mirrors its notification's).

- webhook: a JSON body {"reference": "<outbox id>", "status": "delivered" | "undelivered" | "failed" | ...,
  "error_code": "..."} (the reference is the `reference` / `Idempotency-Key` the message was sent with), signed with
  the shared secret settings.sms_webhook_secret: header `X-MotoTrack-Signature: sha256=<hex HMAC-SHA256 of the raw
  body>`. Without a secret configured the route answers 404 (receipts are off).
- twilio: Twilio's StatusCallback, form fields MessageSid, MessageStatus, ErrorCode; `X-Twilio-Signature` checked
  with the auth token (settings.sms_password) by Twilio's documented algorithm: base64(HMAC-SHA1(token, the full URL
  Twilio requested + every POST field name and value, sorted by name, concatenated)). The URL is the one we gave
  Twilio: settings.public_url + the path + query (a proxy in front must not change it), else the request's URL.
  The message is found by the `ref` (outbox id) we put in the callback URL, else by MessageSid.

Only final states act (delivered / undelivered / failed); queued, sent, accepted and the like are acknowledged and
ignored. A receipt may overtake our own "SENT" commit (the provider is quick, the database slow): it then applies to
the SENDING row, and delivery.py keeps the DELIVERED/FAILED and only records what was sent.
Answers: 204 applied or ignored; 400 unreadable; 403 bad signature; 404 unknown message or receipts off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.core.db import utcnow
from backend.notifications.models import Channel, Notification, NotificationStatus

S = NotificationStatus
STATUS_PATH = "/hooks/sms/{provider}/status"
FINAL = {"delivered": S.DELIVERED, "undelivered": S.FAILED, "failed": S.FAILED, "rejected": S.FAILED,
         "expired": S.FAILED}


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the URL followed by each POST parameter's name and value, sorted by
    name, keyed with the auth token, base64-encoded."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def status_url(settings, provider: str, ref: uuid.UUID | None = None) -> str | None:
    """The callback address given to the provider with each message (None without a public URL)."""
    if not settings.public_url:
        return None
    url = settings.public_url.rstrip("/") + STATUS_PATH.format(provider=provider)
    return f"{url}?ref={ref}" if ref is not None else url


def _requested_url(settings, request: Request) -> str:
    if settings.public_url:
        base = urlsplit(settings.public_url.rstrip("/"))
        url = f"{base.scheme}://{base.netloc}{request.url.path}"
        return url + (f"?{request.url.query}" if request.url.query else "")
    return str(request.url)


async def apply_receipt(db, *, notification_id: uuid.UUID | None, provider_message_id: str | None,
                        status: str, error_code: str | None) -> bool:
    """DELIVERED or FAILED for a sent SMS; False when no such message (or already final)."""
    outcome = FINAL.get(status.lower())
    if outcome is None:
        return True  # an intermediate state: nothing to record
    if notification_id is None and not provider_message_id:
        return False
    now = utcnow()
    values: dict = {"status": outcome, "updated_at": now}
    if outcome == S.DELIVERED:
        values["delivered_at"] = now
    else:
        values["last_error"] = f"provider: {status.lower()}" + (f" (error {error_code})" if error_code else "")
    match = (Notification.id == notification_id) if notification_id is not None else \
        (Notification.provider_message_id == provider_message_id)
    async with db.transaction() as session:
        result = await session.execute(
            update(Notification).where(match, Notification.channel == Channel.SMS,
                                       or_(Notification.status == S.SENT, Notification.status == S.SENDING))
            .values(**values).execution_options(synchronize_session=False))
        if result.rowcount:
            return True
        # a repeat of a receipt already applied is fine; an unknown message is not
        known = (await session.execute(select(Notification.status).where(match, Notification.channel == Channel.SMS)
                                       .limit(1))).scalar_one_or_none()
    return known in (S.DELIVERED, S.FAILED)


def receipt_routes(services) -> list[Route]:
    settings = services.settings
    db = services.db

    async def sms_status(request: Request) -> Response:
        provider = request.path_params["provider"]
        body = await request.body()
        if provider == "webhook":
            secret = settings.sms_webhook_secret
            if not secret:
                return PlainTextResponse("receipts are not enabled", status_code=404)
            given = request.headers.get("X-MotoTrack-Signature", "")
            if not hmac.compare_digest(given.encode(), webhook_signature(secret, body).encode()):
                return PlainTextResponse("bad signature", status_code=403)
            try:
                data = json.loads(body)
                reference = data.get("reference") or request.headers.get("Idempotency-Key")
                ident = uuid.UUID(str(reference)) if reference else None
                status = str(data["status"])
            except (ValueError, KeyError, AttributeError, TypeError):
                return PlainTextResponse("unreadable receipt", status_code=400)
            error = data.get("error_code")
            found = await apply_receipt(db, notification_id=ident, provider_message_id=None if ident else
                                        data.get("id"), status=status,
                                        error_code=str(error) if error is not None else None)
        elif provider == "twilio":
            if not settings.sms_password:
                return PlainTextResponse("receipts are not enabled", status_code=404)
            form = await request.form()
            params = {key: str(value) for key, value in form.multi_items()}
            expected = twilio_signature(settings.sms_password, _requested_url(settings, request), params)
            if not hmac.compare_digest(request.headers.get("X-Twilio-Signature", "").encode(), expected.encode()):
                return PlainTextResponse("bad signature", status_code=403)
            if "MessageStatus" not in params or "MessageSid" not in params:
                return PlainTextResponse("unreadable receipt", status_code=400)
            try:
                ident = uuid.UUID(request.query_params["ref"]) if request.query_params.get("ref") else None
            except ValueError:
                return PlainTextResponse("unreadable receipt", status_code=400)
            found = await apply_receipt(db, notification_id=ident, provider_message_id=params["MessageSid"],
                                        status=params["MessageStatus"], error_code=params.get("ErrorCode") or None)
        else:
            return PlainTextResponse("unknown provider", status_code=404)
        return Response(status_code=204) if found else PlainTextResponse("unknown message", status_code=404)

    return [Route(STATUS_PATH, sms_status, methods=["POST"])]
