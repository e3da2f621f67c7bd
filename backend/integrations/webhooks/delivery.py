"""Sending one webhook delivery: the task both the arq worker and the in-process runner call.

1. Claim in its own transaction (UPDATE ... SET status=SENDING, attempts+1, lease WHERE due): one caller wins.
2. Build the body ({"id", "type", "created", "garage", "data"}), sign it (HMAC-SHA256 over "<t>.<body>" with the
   endpoint's secret: header MotoTrack-Signature: t=<unix>,v1=<hex>), check every address the host resolves to
   (safety.py), POST it to the checked address with a connect/read timeout, no redirects, the answer read up to a cap.
3. Record in one transaction, fenced by the attempt: a log line (WebhookAttempt); the delivery SUCCEEDED on a 2xx,
   else QUEUED again after settings.webhook_backoff_seconds[attempt-1], or FAILED after the last attempt (or at once
   when the address is refused). A FAILED delivery counts against the endpoint; `webhook_disable_after` of them in a
   row switch it off, cancel its queued deliveries and mail the garage's admins (the notifications outbox, same
   transaction). A 2xx resets the count.
A delivery whose worker died mid-send is claimed again after its lease: a receiver may see an event twice, with the
same MotoTrack-Webhook-Id (the event id), and should ignore the repeat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import and_, or_, select, update

from backend.core.db import Database, utcnow
from backend.core.settings import Settings
from backend.integrations.webhooks.models import (DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint,
                                                  WebhookEvent)
from backend.integrations.webhooks.safety import RefusedAddress, Target, resolve

log = logging.getLogger("mototrack.webhooks")

S = DeliveryStatus
USER_AGENT = "MotoTrack-Webhooks/1"
SIGNATURE_HEADER = "MotoTrack-Signature"
ID_HEADER = "MotoTrack-Webhook-Id"
DELIVERY_HEADER = "MotoTrack-Delivery-Id"
EVENT_HEADER = "MotoTrack-Event"
TIMESTAMP_HEADER = "MotoTrack-Timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(endpoint: WebhookEndpoint, timestamp: int, body: bytes, now: dt.datetime) -> str:
    parts = [f"t={timestamp}", f"v1={sign(endpoint.secret, timestamp, body)}"]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None:
        if until.tzinfo is None:
            until = until.replace(tzinfo=dt.UTC)
        if until > now:
            parts.append(f"v1={sign(endpoint.previous_secret, timestamp, body)}")
    return ",".join(parts)


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _dump(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def body_of(event: WebhookEvent, max_bytes: int) -> bytes:
    """The JSON body; above `max_bytes` its data keeps only the ids and numbers (and "truncated": true)."""
    document = {"id": str(event.id), "type": event.type, "created": _iso(event.created_at),
                "garage": str(event.garage_id), "data": event.data or {}}
    body = _dump(document)
    if len(body) > max_bytes:
        data = {k: val for k, val in (event.data or {}).items()
                if (k.endswith("Id") or k in ("id", "number")) and isinstance(val, (str, int)) and len(str(val)) < 100}
        document["data"] = {**data, "truncated": True}
        body = _dump(document)
    return body


class Sender:
    """The HTTP client of a worker or runner: no proxies from the environment, no redirects, bounded waits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        timeout = settings.webhook_timeout_seconds
        self.client = httpx.AsyncClient(trust_env=False, follow_redirects=False, verify=True,
                                        timeout=httpx.Timeout(timeout, pool=timeout),
                                        limits=httpx.Limits(max_connections=50, max_keepalive_connections=0))

    async def close(self) -> None:
        await self.client.aclose()

    async def post(self, url: str, target: Target, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """POST to the checked address (the URL's host kept for Host and TLS); the answer's status and its first
        webhook_max_response_bytes bytes."""
        parts = urlsplit(url)
        address = f"[{target.address}]" if ":" in target.address else target.address
        direct = urlunsplit((parts.scheme, f"{address}:{target.port}", parts.path or "/", parts.query, ""))
        default_port = 443 if target.scheme == "https" else 80
        host = target.host if target.port == default_port else f"{target.host}:{target.port}"
        request = self.client.build_request("POST", direct, content=body, headers={**headers, "Host": host},
                                            extensions={"sni_hostname": target.host})
        cap = self.settings.webhook_max_response_bytes

        async def exchange() -> tuple[int, bytes]:
            response = await self.client.send(request, stream=True)
            try:
                read = bytearray()
                async for chunk in response.aiter_raw():
                    read.extend(chunk[: cap - len(read)])
                    if len(read) >= cap:
                        break
                return response.status_code, bytes(read)
            finally:
                await response.aclose()

        return await asyncio.wait_for(exchange(), self.settings.webhook_timeout_seconds * 3)


def _claimable(now: dt.datetime):
    return or_(and_(WebhookDelivery.status == S.QUEUED, WebhookDelivery.next_attempt_at <= now),
               and_(WebhookDelivery.status == S.SENDING, WebhookDelivery.lease_until < now))


async def due_ids(db: Database, *, limit: int = 200, now: dt.datetime | None = None) -> list[uuid.UUID]:
    now = now or utcnow()
    async with db.read() as session:
        rows = await session.execute(select(WebhookDelivery.id).where(_claimable(now))
                                     .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
        return list(rows.scalars())


async def _claim(db: Database, settings: Settings, delivery_id: uuid.UUID,
                 stopping: Callable[[], bool] | None) -> WebhookDelivery | None:
    async with db.transaction() as session:
        if stopping is not None:
            await session.connection()
            if stopping():
                return None
        now = utcnow()
        result = await session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, _claimable(now))
            .values(status=S.SENDING, attempts=WebhookDelivery.attempts + 1,
                    lease_until=now + dt.timedelta(seconds=settings.webhook_lease_seconds), updated_at=now)
            .returning(WebhookDelivery).execution_options(synchronize_session=False))
        return result.scalars().one_or_none()


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, RefusedAddress):
        return f"refused: {exc}"
    if isinstance(exc, (asyncio.TimeoutError, httpx.TimeoutException)):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"[:1000]


async def deliver(db: Database, settings: Settings, sender: Sender, delivery_id: uuid.UUID | str, *,
                  stopping: Callable[[], bool] | None = None) -> str:
    """One attempt of one delivery; returns 'succeeded', 'retry', 'failed', 'cancelled', 'skipped' (not due or
    another worker has it) or 'stopping' (the caller is shutting down: nothing claimed)."""
    delivery_id = uuid.UUID(str(delivery_id))
    if stopping is not None and stopping():
        return "stopping"
    row = await _claim(db, settings, delivery_id, stopping)
    if row is None:
        return "stopping" if stopping is not None and stopping() else "skipped"
    attempt = row.attempts
    async with db.read() as session:
        endpoint = await session.get(WebhookEndpoint, row.endpoint_id)
        event = await session.get(WebhookEvent, row.event_id)
    if endpoint is None or event is None:
        return "skipped"  # deleted meanwhile (its deliveries go with it)
    if not endpoint.active:
        await _record(db, settings, row, attempt, status=S.CANCELLED, error="the endpoint is switched off")
        return "cancelled"
    body = body_of(event, settings.webhook_max_payload_bytes)
    now = utcnow()
    timestamp = int(now.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, ID_HEADER: str(event.id),
               DELIVERY_HEADER: str(row.id), EVENT_HEADER: event.type, TIMESTAMP_HEADER: str(timestamp),
               SIGNATURE_HEADER: signature_header(endpoint, timestamp, body, now)}
    started = time.monotonic()
    code: int | None = None
    error: str | None = None
    permanent = False
    try:
        target = await resolve(endpoint.url, settings.webhook_allowed_hosts)
        code, answer = await sender.post(endpoint.url, target, headers, body)
        if not 200 <= code < 300:
            snippet = answer[:300].decode("utf-8", "replace").strip()
            error = f"HTTP {code}" + (f": {snippet}" if snippet else "")
    except RefusedAddress as exc:
        error, permanent = _error_text(exc), True
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the delivery
        error = _error_text(exc)
    duration = int((time.monotonic() - started) * 1000)
    if error is None:
        await _record(db, settings, row, attempt, status=S.SUCCEEDED, code=code, duration=duration)
        return "succeeded"
    backoff = settings.webhook_backoff_seconds
    if permanent or attempt > len(backoff):
        await _record(db, settings, row, attempt, status=S.FAILED, code=code, duration=duration, error=error)
        log.warning("webhook delivery %s failed for good after %s attempt(s): %s", row.id, attempt, error)
        return "failed"
    await _record(db, settings, row, attempt, status=S.QUEUED, code=code, duration=duration, error=error,
                  next_attempt_at=utcnow() + dt.timedelta(seconds=backoff[attempt - 1]))
    return "retry"


async def _record(db: Database, settings: Settings, row: WebhookDelivery, attempt: int, *, status: DeliveryStatus,
                  code: int | None = None, duration: int = 0, error: str | None = None,
                  next_attempt_at: dt.datetime | None = None) -> None:
    now = utcnow()
    values = dict(status=status, lease_until=None, updated_at=now, last_status_code=code, last_duration_ms=duration,
                  last_error=error, last_attempt_at=now)
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    async with db.transaction() as session:
        result = await session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == row.id, WebhookDelivery.status == S.SENDING,
                                          WebhookDelivery.attempts == attempt)
            .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            return  # the lease was taken over: the successor records its own outcome
        session.add(WebhookAttempt(garage_id=row.garage_id, delivery_id=row.id, attempt=attempt, at=now,
                                   succeeded=status == S.SUCCEEDED, status_code=code, duration_ms=duration,
                                   error=error))
        if status == S.SUCCEEDED:
            await session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == row.endpoint_id,
                                                                WebhookEndpoint.consecutive_failures != 0)
                                  .values(consecutive_failures=0).execution_options(synchronize_session=False))
        elif status == S.FAILED:
            failures = (await session.execute(
                update(WebhookEndpoint).where(WebhookEndpoint.id == row.endpoint_id)
                .values(consecutive_failures=WebhookEndpoint.consecutive_failures + 1)
                .returning(WebhookEndpoint.consecutive_failures, WebhookEndpoint.active)
                .execution_options(synchronize_session=False))).first()
            if failures is not None and failures[1] and failures[0] >= settings.webhook_disable_after:
                await _disable(session, row.garage_id, row.endpoint_id, failures[0], now)


async def _disable(session, garage_id: uuid.UUID, endpoint_id: uuid.UUID, failures: int, now: dt.datetime) -> None:
    """Switch the endpoint off, cancel what it still had queued, and mail the garage's admins."""
    from backend.accounts.models import Garage, User
    from backend.core.permissions import Role
    from backend.notifications.models import Channel
    from backend.notifications.outbox import enqueue

    await session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                          .values(active=False, disabled_at=now, updated_at=now, version=WebhookEndpoint.version + 1)
                          .execution_options(synchronize_session=False))
    await session.execute(update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id,
                                                        WebhookDelivery.status == S.QUEUED)
                          .values(status=S.CANCELLED, last_error="the endpoint was disabled", updated_at=now)
                          .execution_options(synchronize_session=False))
    endpoint = (await session.execute(select(WebhookEndpoint.url).where(WebhookEndpoint.id == endpoint_id))).scalar_one()
    garage = await session.get(Garage, garage_id)
    admins = (await session.execute(select(User).where(User.garage_id == garage_id, User.role == Role.ADMIN,
                                                       User.active.is_(True)))).scalars()
    default = garage.default_locale.value if garage is not None else "en"
    for admin in admins:
        await enqueue(session, garage_id=garage_id, event="webhook_disabled", channel=Channel.EMAIL,
                      locale=admin.locale.value if admin.locale else default, recipient=admin.email,
                      user_id=admin.id, dedupe_key=f"webhook_disabled:{endpoint_id}:{int(now.timestamp())}:{admin.id}",
                      context={"endpoint_url": endpoint, "failures": failures, "garage_name": garage.name if garage else "",
                               "link": "/admin/webhooks"})
    log.warning("webhook endpoint %s disabled after %s failed deliveries in a row", endpoint_id, failures)
