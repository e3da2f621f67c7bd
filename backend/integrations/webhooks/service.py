"""Webhook rules: an admin's endpoints (URL, description, events, a secret shown once, on/off), the delivery log,
redelivery and a test ping. Other domains call `enqueue_event` (outbox.py) inside their own transaction."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.integrations.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from backend.integrations.webhooks.outbox import EVENTS, PING, after_commit_dispatch, enqueue_event
from backend.integrations.webhooks.safety import check_url

__all__ = ["EVENTS", "enqueue_event", "create_endpoint", "update_endpoint", "delete_endpoint", "rotate_secret",
           "list_endpoints", "get_endpoint", "list_deliveries", "redeliver", "send_test"]

MAX_ENDPOINTS = 20  # per garage
MAX_DESCRIPTION = 500
ROTATION_OVERLAP = dt.timedelta(hours=24)  # the old secret still signs this long after a rotation
ENTITY = "WebhookEndpoint"
_UNSET = object()


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@dataclass
class EndpointInput:
    url: object = _UNSET
    description: object = _UNSET
    events: object = _UNSET
    active: object = _UNSET


@dataclass
class Created:
    """An endpoint and its secret, which the API shows this once."""

    endpoint: WebhookEndpoint
    secret: str

    @property
    def id(self) -> uuid.UUID:  # what a clientMutationId's replay finds again (without the secret)
        return self.endpoint.id


def _events(errors: Collector, value: object) -> list[str] | None:
    if not isinstance(value, (list, tuple)) or not value:
        errors.add(ErrorCode.REQUIRED, "events")
        return None
    out: list[str] = []
    for index, name in enumerate(value):
        name = name.strip() if isinstance(name, str) else ""
        if name not in EVENTS:
            errors.add(ErrorCode.UNKNOWN_WEBHOOK_EVENT, f"events.{index}", event=name or "?",
                       events=", ".join(EVENTS))
        elif name not in out:
            out.append(name)
    return out


async def _check(errors: Collector, data: EndpointInput, allowed: str, *, creating: bool) -> dict:
    out: dict = {}
    if data.url is not _UNSET or creating:
        try:
            out["url"] = await check_url(data.url if isinstance(data.url, str) else None, allowed)
        except DomainError as exc:
            errors.errors.append(exc)
    if data.description is not _UNSET:
        out["description"] = v.text(errors, "description", data.description if isinstance(
            data.description, str) else None, max_len=MAX_DESCRIPTION)
    if data.events is not _UNSET or creating:
        out["events"] = _events(errors, None if data.events is _UNSET else data.events)
    if data.active is not _UNSET and data.active is not None:
        out["active"] = bool(data.active)
    return out


_AUDIT = ("url", "description", "events", "active")


async def create_endpoint(session: AsyncSession, actor: Actor, data: EndpointInput, endpoint_id: uuid.UUID | None = None,
                          *, allowed_hosts: str = "") -> Created:
    errors = Collector()
    values = await _check(errors, data, allowed_hosts, creating=True)
    errors.raise_if_any()
    await v.ensure_new_id(session, WebhookEndpoint, endpoint_id)
    count = len((await session.execute(select(WebhookEndpoint.id).where(
        WebhookEndpoint.garage_id == actor.garage_id))).all())
    if count >= MAX_ENDPOINTS:
        raise DomainError(ErrorCode.INVALID_VALUE, "url")
    secret = new_secret()
    now = utcnow()
    endpoint = WebhookEndpoint(id=endpoint_id or new_id(), garage_id=actor.garage_id, url=values["url"],
                               description=values.get("description"), events=values["events"], secret=secret,
                               active=values.get("active", True), consecutive_failures=0, version=1,
                               created_by_id=actor.user_id, created_at=now, updated_at=now)
    session.add(endpoint)
    await session.flush()
    audit.record(session, actor, ENTITY, endpoint.id, "create", audit.created(endpoint, _AUDIT))
    return Created(endpoint, secret)


async def get_endpoint(session: AsyncSession, actor: Actor, endpoint_id: object, field: str = "id", *,
                       for_update: bool = False) -> WebhookEndpoint:
    ident = v.try_parse_id(endpoint_id)
    endpoint = None
    if ident is not None:
        query = select(WebhookEndpoint).where(WebhookEndpoint.id == ident, WebhookEndpoint.garage_id == actor.garage_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        endpoint = (await session.execute(query)).scalar_one_or_none()
    if endpoint is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return endpoint


async def update_endpoint(session: AsyncSession, actor: Actor, endpoint_id: object, data: EndpointInput,
                          expected_version: int | None = None, *, allowed_hosts: str = "") -> WebhookEndpoint:
    errors = Collector()
    values = await _check(errors, data, allowed_hosts, creating=False)
    errors.raise_if_any()
    endpoint = await get_endpoint(session, actor, endpoint_id, for_update=True)
    v.check_version(endpoint, expected_version)
    before = audit.snapshot(endpoint, _AUDIT)
    for key, value in values.items():
        setattr(endpoint, key, value)
    if values.get("active") is True:  # switched back on: a fresh count, and no longer "disabled by MotoTrack"
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
    endpoint.version += 1
    endpoint.updated_at = utcnow()
    await session.flush()
    audit.record(session, actor, ENTITY, endpoint.id, "update", audit.diff(before, audit.snapshot(endpoint, _AUDIT)))
    return endpoint


async def rotate_secret(session: AsyncSession, actor: Actor, endpoint_id: object,
                        expected_version: int | None = None) -> Created:
    """A new secret; the old one keeps signing (as a second v1=) for ROTATION_OVERLAP, so the receiver can switch."""
    endpoint = await get_endpoint(session, actor, endpoint_id, for_update=True)
    v.check_version(endpoint, expected_version)
    secret = new_secret()
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, utcnow() + ROTATION_OVERLAP
    endpoint.secret = secret
    endpoint.version += 1
    endpoint.updated_at = utcnow()
    await session.flush()
    audit.record(session, actor, ENTITY, endpoint.id, "rotate_secret", {})
    return Created(endpoint, secret)


async def delete_endpoint(session: AsyncSession, actor: Actor, endpoint_id: object) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, actor, endpoint_id, for_update=True)
    audit.record(session, actor, ENTITY, endpoint.id, "delete",
                 {k: {"before": val, "after": None} for k, val in audit.snapshot(endpoint, _AUDIT).items()})
    await session.delete(endpoint)
    await session.flush()
    return endpoint


async def list_endpoints(session: AsyncSession, actor: Actor) -> list[WebhookEndpoint]:
    return list((await session.execute(select(WebhookEndpoint).where(WebhookEndpoint.garage_id == actor.garage_id)
                                       .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))).scalars())


def _parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def list_deliveries(session: AsyncSession, actor: Actor, endpoint_id: object, *,
                          status: DeliveryStatus | None = None, limit: int,
                          after: tuple[str, str] | None = None) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first, `limit + 1` rows."""
    endpoint = await get_endpoint(session, actor, endpoint_id, "endpointId")
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id,
                                          WebhookDelivery.garage_id == actor.garage_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if after is not None:
        at, ident = _parse_time(after[0]), v.try_parse_id(after[1])
        if at is None or ident is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(tuple_(WebhookDelivery.created_at, WebhookDelivery.id) < tuple_(at, ident))
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit + 1)
    return list((await session.execute(query)).scalars())


def _queue(session: AsyncSession, endpoint: WebhookEndpoint, event: WebhookEvent,
           redelivery_of: uuid.UUID | None = None) -> WebhookDelivery:
    now = utcnow()
    delivery = WebhookDelivery(id=new_id(), garage_id=endpoint.garage_id, endpoint_id=endpoint.id,
                               event_id=event.id, event_type=event.type, status=DeliveryStatus.QUEUED, attempts=0,
                               next_attempt_at=now, created_at=now, updated_at=now, redelivery_of_id=redelivery_of)
    session.add(delivery)
    after_commit_dispatch(session, delivery.id, 0)
    return delivery


async def redeliver(session: AsyncSession, actor: Actor, delivery_id: object) -> WebhookDelivery:
    """The same event (same id: the receiver can tell it has seen it) to the same endpoint once more, now, as a new
    delivery with attempts of its own."""
    ident = v.try_parse_id(delivery_id)
    original = None if ident is None else (await session.execute(select(WebhookDelivery).where(
        WebhookDelivery.id == ident, WebhookDelivery.garage_id == actor.garage_id))).scalar_one_or_none()
    if original is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if original.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING):
        raise DomainError(ErrorCode.WEBHOOK_DELIVERY_PENDING, "id")
    endpoint = await get_endpoint(session, actor, original.endpoint_id)
    if not endpoint.active:
        raise DomainError(ErrorCode.WEBHOOK_ENDPOINT_INACTIVE, "id")
    event = await session.get(WebhookEvent, original.event_id)
    delivery = _queue(session, endpoint, event, redelivery_of=original.id)
    await session.flush()
    return delivery


async def send_test(session: AsyncSession, actor: Actor, endpoint_id: object) -> WebhookDelivery:
    """A `ping` event to this endpoint alone (its result shows in the endpoint's deliveries)."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    if not endpoint.active:
        raise DomainError(ErrorCode.WEBHOOK_ENDPOINT_INACTIVE, "id")
    event = WebhookEvent(id=new_id(), garage_id=actor.garage_id, type=PING,
                         data={"endpointId": str(endpoint.id), "message": "MotoTrack webhook test"},
                         created_at=utcnow())
    session.add(event)
    await session.flush()
    delivery = _queue(session, endpoint, event)
    await session.flush()
    return delivery
