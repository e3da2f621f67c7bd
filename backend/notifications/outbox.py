"""The transactional outbox: `enqueue` writes a Notification row in the caller's transaction; once that transaction
commits, the row's id is handed to the relay (arq on Redis, or the in-process runner in embedded mode). A lost
hand-over is harmless: a periodic sweep picks up every due QUEUED row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.core.ids import new_id
from backend.notifications.models import Channel, Notification, NotificationStatus
from backend.notifications.templates import Rendered, render  # noqa: F401 - the renderer is part of this API

__all__ = ["enqueue", "render", "Rendered", "set_dispatcher", "after_commit_dispatch", "consent_ok"]

_PENDING = "notifications.outbox"
_LISTENING = "notifications.outbox.listening"

# (tokens "<id>:<attempts>") -> None, called after a commit that wrote outbox rows; set by the app lifespan / the worker.
_dispatcher: Callable[[list[str]], None] | None = None


def set_dispatcher(fn: Callable[[list[str]], None] | None) -> None:
    global _dispatcher
    _dispatcher = fn


def _on_commit(session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids and _dispatcher is not None:
        try:
            _dispatcher(list(ids))
        except Exception:  # noqa: BLE001 - the sweep will pick the rows up
            pass


def _on_rollback(session) -> None:
    session.info.pop(_PENDING, None)


def after_commit_dispatch(session: AsyncSession, notification_id: uuid.UUID, attempts: int = 0) -> None:
    """Hand the row to the relay once `session`'s transaction commits (dropped on rollback). The token
    "<id>:<attempts>" is the arq job id, so the same attempt of the same row is queued once however often it is
    handed over, while a later attempt (a retry) gets a fresh job."""
    session.info.setdefault(_PENDING, []).append(f"{notification_id}:{attempts}")
    sync = session.sync_session
    if not sync.info.get(_LISTENING):
        sync.info[_LISTENING] = True
        sa_event.listen(sync, "after_commit", _on_commit)
        sa_event.listen(sync, "after_rollback", _on_rollback)


def consent_ok(customer, channel: Channel) -> bool:
    """Whether a customer has said yes to messages on this channel (checked at enqueue and again at send)."""
    if channel == Channel.EMAIL:
        return bool(customer.consent_email and customer.email)
    if channel == Channel.SMS:
        return bool(customer.consent_sms and customer.phone)
    return False  # customers have no push devices


async def enqueue(session: AsyncSession, *, garage_id: uuid.UUID, event: str, channel: Channel, locale: str,
                  context: dict, customer_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None,
                  recipient: str | None = None, dedupe_key: str | None = None,
                  send_after: dt.datetime | None = None) -> Notification | None:
    """Write one outbox row in the caller's transaction and return it.

    Returns None and writes nothing when:
    - `dedupe_key` was already used in this garage (a unique constraint; a concurrent twin inserts nothing),
    - the customer has not consented to `channel` or has no address for it, or belongs to another garage,
    - there is no recipient at all (a mail or SMS without an address, a push without a user).
    For a customer the recipient defaults to their email or phone; for PUSH it is the user's registered devices.
    """
    from backend.customers.models import Customer

    if customer_id is not None:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.garage_id != garage_id or not consent_ok(customer, channel):
            return None
        if recipient is None:
            recipient = customer.email if channel == Channel.EMAIL else customer.phone
    if channel == Channel.PUSH:
        if user_id is None:
            return None
    elif not recipient:
        return None

    now = utcnow()
    values = dict(
        id=new_id(), garage_id=garage_id, event=event, channel=channel, recipient=recipient,
        locale=locale if locale in ("en", "th") else "en", context=dict(context or {}),
        status=NotificationStatus.QUEUED, attempts=0, next_attempt_at=send_after or now,
        customer_id=customer_id, user_id=user_id, dedupe_key=dedupe_key, created_at=now, updated_at=now,
    )
    if dedupe_key is not None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = insert(Notification).values(**values).on_conflict_do_nothing(
            index_elements=["garage_id", "dedupe_key"]).returning(Notification.id)
        inserted = (await session.execute(stmt)).scalar_one_or_none()
        if inserted is None:
            return None
        row = (await session.execute(select(Notification).where(Notification.id == inserted))).scalar_one()
    else:
        row = Notification(**values)
        session.add(row)
        await session.flush()
    after_commit_dispatch(session, row.id)
    return row
