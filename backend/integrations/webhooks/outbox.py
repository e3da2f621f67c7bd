"""The webhook outbox: `enqueue_event` (called by any domain's service inside its transaction) records the event in
the session; when that transaction commits, the same commit writes the event and one delivery row per endpoint of
the garage that listens to it (a `before_commit` hook: one SELECT of the garage's endpoints, then the inserts, in
the committing transaction). A rollback (or a savepoint rolled back by a refused mutation) writes nothing. After the
commit the delivery ids are handed to the relay (runner.py); a lost hand-over is picked up by the sweep.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import events as core_events
from backend.core.db import utcnow
from backend.core.ids import new_id
from backend.integrations.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

# Every event an endpoint may listen to (appointment.* are raised by scheduling once it has appointments).
EVENTS = (
    "job.status_changed",
    "quote.approved",
    "invoice.issued",
    "payment.recorded",
    "appointment.booked",
    "appointment.changed",
    "stock.low",
)
PING = "ping"  # testWebhookEndpoint: sent to one endpoint only, whatever it listens to

CHANNEL = "webhooks.event"  # in core.events' per-session list, so a rolled-back savepoint drops it with the rest
_PENDING = "webhooks.pending"  # delivery tokens "<id>:<attempts>" to hand over after the commit

_dispatcher: Callable[[list[str]], None] | None = None


def set_dispatcher(fn: Callable[[list[str]], None] | None) -> None:
    global _dispatcher
    _dispatcher = fn


def enqueue_event(session, garage_id: uuid.UUID, event: str, payload: dict) -> None:
    """Send `event` with `payload` (JSON-able: ids as strings, money in minor units) to every active endpoint of
    the garage that listens to it, once the caller's transaction commits. Costs nothing until then: no query."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    core_events.emit(session, CHANNEL, {"garage_id": str(garage_id), "type": event, "data": payload,
                                        "created_at": utcnow().isoformat()})


def after_commit_dispatch(session, delivery_id: uuid.UUID, attempts: int = 0) -> None:
    (session.info if isinstance(session, Session) else session.sync_session.info).setdefault(
        _PENDING, []).append(f"{delivery_id}:{attempts}")


@sa_event.listens_for(Session, "before_commit")
def _write_deliveries(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer commit writes them (or its rollback drops them)
        return
    events = session.info.get("events")
    if not events:
        return
    mine = [message for channel, message in events if channel == CHANNEL]
    if not mine:
        return
    events[:] = [(channel, message) for channel, message in events if channel != CHANNEL]  # not for pub/sub
    garages = {uuid.UUID(m["garage_id"]) for m in mine}
    endpoints = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.garage_id, WebhookEndpoint.events)
                                .where(WebhookEndpoint.garage_id.in_(garages),
                                       WebhookEndpoint.active.is_(True))).all()
    if not endpoints:
        return
    import datetime as dt

    now = utcnow()
    pending = session.info.setdefault(_PENDING, [])
    deliveries = []
    for message in mine:
        garage_id = uuid.UUID(message["garage_id"])
        listeners = [e for e in endpoints if e.garage_id == garage_id and message["type"] in (e.events or [])]
        if not listeners:
            continue
        created = dt.datetime.fromisoformat(message["created_at"])
        event = WebhookEvent(id=new_id(), garage_id=garage_id, type=message["type"], data=message["data"],
                             created_at=created)
        session.add(event)
        for endpoint in listeners:
            deliveries.append(WebhookDelivery(
                id=new_id(), garage_id=garage_id, endpoint_id=endpoint.id, event_id=event.id, event_type=event.type,
                status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now, created_at=now, updated_at=now))
    if deliveries:
        session.flush()  # the events first (no ORM relationship orders the inserts)
        session.add_all(deliveries)
        pending.extend(f"{d.id}:0" for d in deliveries)


@sa_event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    if session.in_nested_transaction():
        return
    tokens = session.info.pop(_PENDING, None)
    if tokens and _dispatcher is not None:
        try:
            _dispatcher(list(tokens))
        except Exception:  # noqa: BLE001 - the sweep picks the rows up
            pass


@sa_event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def stock_low_if_crossed(session, item, before: int, after: int) -> None:
    """stock.low when a movement takes an active item's garage total from above its reorder point to at or under
    it (called by the stock movement in its transaction; a further take below the point sends nothing more)."""
    if item.active and after <= item.reorder_point < before:
        enqueue_event(session, item.garage_id, "stock.low", {
            "itemId": str(item.id), "sku": item.sku, "name": item.name_en, "nameTh": item.name_th,
            "quantityOnHand": after, "reorderPoint": item.reorder_point, "unit": item.unit})
