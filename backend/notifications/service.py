"""Notification rules: what each business event sends to whom, the admin's outbox view and retry, and staff devices
for web push. Other domains' services call the `notify_*` functions inside their own transaction."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from urllib.parse import urlparse

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.core.validate import try_parse_id
from backend.notifications.messages import money
from backend.notifications.models import Channel, Notification, NotificationStatus, PushSubscription
from backend.notifications.outbox import after_commit_dispatch, enqueue

S = NotificationStatus


# ------------------------------------------------------------------------------------------------ who hears what


async def _garage(session: AsyncSession, garage_id: uuid.UUID):
    from backend.accounts.models import Garage

    return await session.get(Garage, garage_id)


async def _staff_locale(session: AsyncSession, user) -> str:
    if user.locale is not None:
        return user.locale.value
    garage = await _garage(session, user.garage_id)
    return garage.default_locale.value if garage else "en"


async def _job_context(session: AsyncSession, job) -> dict:
    from backend.customers.models import Vehicle

    vehicle = await session.get(Vehicle, job.vehicle_id)
    name = " ".join(x for x in (vehicle.make, vehicle.model) if x) if vehicle else ""
    return {"job_id": str(job.id), "job_number": job.number,
            "registration": vehicle.registration_display if vehicle else "", "vehicle": name,
            "url": f"/jobs/{job.id}"}


async def notify_technician_assigned(session: AsyncSession, job, technician) -> Notification | None:
    """Push to the technician a job was (re)assigned to."""
    context = await _job_context(session, job)
    return await enqueue(session, garage_id=job.garage_id, event="technician_assigned", channel=Channel.PUSH,
                         locale=await _staff_locale(session, technician), context=context, user_id=technician.id)


PARTS_EVENTS = {"APPROVED": "parts_request_approved", "REJECTED": "parts_request_rejected",
                "ISSUED": "parts_request_issued"}


async def notify_parts_request(session: AsyncSession, request, job) -> Notification | None:
    """Push to the technician who asked for the parts: approved, rejected (with the reason) or issued."""
    from backend.accounts.models import User
    from backend.inventory.models import WarehouseItem

    event = PARTS_EVENTS.get(request.status.value)
    if event is None or request.requested_by_id is None:
        return None
    user = await session.get(User, request.requested_by_id)
    if user is None or not user.active:
        return None
    item = await session.get(WarehouseItem, request.item_id)
    context = await _job_context(session, job)
    locale = await _staff_locale(session, user)
    name = ((item.name_th if locale == "th" and item.name_th else item.name_en) if item else "")
    context.update(item=name, quantity=request.quantity, reason=request.reject_reason or "",
                   parts_request_id=str(request.id))
    return await enqueue(session, garage_id=job.garage_id, event=event, channel=Channel.PUSH,
                         locale=locale, context=context, user_id=user.id,
                         dedupe_key=f"{event}:{request.id}")


async def notify_customer(session: AsyncSession, *, garage_id: uuid.UUID, customer_id: uuid.UUID | None, event: str,
                          context: dict, dedupe_key: str | None = None,
                          channel: Channel | None = None) -> Notification | None:
    """A message to a customer on their chosen channel (SMS or EMAIL; PHONE and NONE get nothing), in their language,
    only with their consent for that channel. `channel` forces one (an invoice goes by mail)."""
    from backend.customers.models import ContactChannel, Customer

    if customer_id is None:
        return None
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.garage_id != garage_id:
        return None
    if channel is None:
        channel = {ContactChannel.SMS: Channel.SMS, ContactChannel.EMAIL: Channel.EMAIL}.get(customer.contact_channel)
        if channel is None:
            return None
    garage = await _garage(session, garage_id)
    locale = customer.locale.value if customer.locale else (garage.default_locale.value if garage else "en")
    context = {"customer_name": customer.name, "garage_name": garage.name if garage else "", **context}
    return await enqueue(session, garage_id=garage_id, event=event, channel=channel, locale=locale, context=context,
                         customer_id=customer.id, dedupe_key=dedupe_key)


async def notify_job_ready(session: AsyncSession, job) -> Notification | None:
    """The customer hears their vehicle is ready when the job moves to BILLING (work reviewed and done); once per
    job, however often it goes back and forth."""
    context = await _job_context(session, job)
    context.pop("url", None)  # the staff app's link means nothing to a customer
    context["portal_job_id"] = str(job.id)  # the portal link, made at send time (backend/portal/messages.py)
    return await notify_customer(session, garage_id=job.garage_id, customer_id=job.customer_id, event="job_ready",
                                 context=context, dedupe_key=f"job_ready:{job.id}")


def _total(amount: int, currency: str) -> dict:
    """The amount in minor units; delivery writes it in the message's language ("1,605.00 บาท", "THB 1,605.00")."""
    return {"total_minor": amount, "currency": currency, "total": money(amount, currency, "en")}


async def notify_quote_sent(session: AsyncSession, quote) -> Notification | None:
    """The customer is asked to approve a quote (SMS or mail per their channel and consent). The link to the quote's
    PDF is made at send time (backend.billing.documents.attachments.quote_link); once per quote."""
    from backend.customers.models import Vehicle

    vehicle = await session.get(Vehicle, quote.vehicle_id) if quote.vehicle_id else None
    context = {"quote_id": str(quote.id), "quote_number": quote.number,
               "portal_job_id": str(quote.job_id) if quote.job_id else None,
               "registration": vehicle.registration_display if vehicle else "",
               **_total(quote.total, quote.currency)}
    return await notify_customer(session, garage_id=quote.garage_id, customer_id=quote.customer_id,
                                 event="quote_to_approve", context=context,
                                 dedupe_key=f"quote_to_approve:{quote.id}" + (
                                     f":r{quote.revision}" if (quote.revision or 1) > 1 else ""))


async def notify_invoice_issued(session: AsyncSession, invoice) -> Notification | None:
    """The customer gets the issued invoice by mail (when they have an address and consent), its PDF attached in
    their language, rendered at send time (backend.billing.documents.attachments); once per invoice."""
    context = {"invoice_id": str(invoice.id), "invoice_number": invoice.number,
               **_total(invoice.total, invoice.currency)}
    return await notify_customer(session, garage_id=invoice.garage_id, customer_id=invoice.customer_id,
                                 event="invoice_issued", context=context, channel=Channel.EMAIL,
                                 dedupe_key=f"invoice_issued:{invoice.id}")


# ------------------------------------------------------------------------------------------------ the outbox view


async def list_notifications(session: AsyncSession, actor: Actor, *, status: NotificationStatus | None,
                             limit: int, after: tuple[str, str] | None) -> list[Notification]:
    """Newest first, `limit + 1` rows (the connection tells whether another page follows)."""
    query = select(Notification).where(Notification.garage_id == actor.garage_id)
    if status is not None:
        query = query.where(Notification.status == status)
    if after is not None:
        at = _parse_time(after[0])
        ident = try_parse_id(after[1])
        if at is None or ident is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(tuple_(Notification.created_at, Notification.id) < tuple_(at, ident))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit + 1)
    return list((await session.execute(query)).scalars())


def _parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def retry_notification(session: AsyncSession, actor: Actor, notification_id: object) -> Notification:
    """A FAILED (or CANCELLED) message goes back to the queue for one more attempt, now."""
    ident = try_parse_id(notification_id)
    row = None if ident is None else (await session.execute(
        select(Notification).where(Notification.id == ident, Notification.garage_id == actor.garage_id)
        .with_for_update())).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if row.status not in (S.FAILED, S.CANCELLED):
        raise DomainError(ErrorCode.NOTIFICATION_NOT_RETRYABLE, "id", status=row.status)
    now = utcnow()
    await session.execute(update(Notification).where(Notification.id == row.id).values(
        status=S.QUEUED, next_attempt_at=now, lease_until=None, updated_at=now))
    await session.refresh(row)
    after_commit_dispatch(session, row.id, row.attempts)
    return row


# ------------------------------------------------------------------------------------------------ web push devices


def _b64url(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        return None


def _check_subscription(endpoint: object, p256dh: object, auth: object, *, production: bool) -> tuple[str, str, str]:
    endpoint = (endpoint or "").strip() if isinstance(endpoint, str) else ""
    url = urlparse(endpoint)
    local = url.hostname in ("127.0.0.1", "localhost", "::1")
    if len(endpoint) > 1000 or not url.netloc or not (url.scheme == "https" or (url.scheme == "http" and local
                                                                                and not production)):
        raise DomainError(ErrorCode.INVALID_PUSH_SUBSCRIPTION, "endpoint")
    key = _b64url(p256dh) if isinstance(p256dh, str) and len(p256dh) <= 200 else None
    if key is None or len(key) != 65 or key[0] != 4:
        raise DomainError(ErrorCode.INVALID_PUSH_SUBSCRIPTION, "p256dh")
    secret = _b64url(auth) if isinstance(auth, str) and len(auth) <= 100 else None
    if secret is None or len(secret) < 16:
        raise DomainError(ErrorCode.INVALID_PUSH_SUBSCRIPTION, "auth")
    return endpoint, p256dh, auth


async def register_push_subscription(session: AsyncSession, actor: Actor, endpoint: object, p256dh: object,
                                     auth: object, *, production: bool = False) -> PushSubscription:
    """This browser now gets the signed-in user's pushes (an endpoint someone else registered moves to them)."""
    if actor.user_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "endpoint")
    endpoint, p256dh, auth = _check_subscription(endpoint, p256dh, auth, production=production)
    row = (await session.execute(select(PushSubscription).where(PushSubscription.endpoint == endpoint)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        row = PushSubscription(garage_id=actor.garage_id, user_id=actor.user_id, endpoint=endpoint, p256dh=p256dh,
                               auth=auth)
        session.add(row)
    else:
        row.garage_id, row.user_id, row.p256dh, row.auth = actor.garage_id, actor.user_id, p256dh, auth
    await session.flush()
    return row


async def unregister_push_subscription(session: AsyncSession, actor: Actor, endpoint: object) -> bool:
    """Forget this browser for the signed-in user; False when it was not theirs (nothing changes)."""
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise DomainError(ErrorCode.REQUIRED, "endpoint")
    row = (await session.execute(select(PushSubscription).where(
        PushSubscription.endpoint == endpoint.strip(), PushSubscription.user_id == actor.user_id,
        PushSubscription.garage_id == actor.garage_id))).scalar_one_or_none()
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True
