"""Sending one outbox row: the one task function both arq and the in-process runner call.

1. Claim in its own transaction: `UPDATE ... SET status=SENDING, attempts=attempts+1, lease_until=now+lease
   WHERE id=:id AND (status=QUEUED AND next_attempt_at<=now OR status=SENDING AND lease_until<now)`.
   Only one caller wins; a second run of the same task finds nothing to claim and sends nothing.
2. Check again that the customer still consents (an opt-out after enqueueing is honoured), render, send.
3. Record the outcome in a new transaction, fenced by the attempt number (a worker whose lease was taken over
   cannot overwrite its successor's result): SENT; or QUEUED again after a back-off; or FAILED after the last try or
   on a permanent error; or CANCELLED (consent withdrawn, no device).

How many times a message reaches the provider, by how the worker stops:
- graceful stop (SIGTERM/SIGINT to `mototrack worker`: a deploy, `docker compose stop`, Ctrl-C; the app's shutdown for
  the embedded runner): EXACTLY ONCE. The worker claims nothing new (`deliver(stopping=...)` is asked right before the
  claim; a stopping arq worker puts the job back on the queue, backend/worker.py), lets the sends under way finish and
  records them SENT (waiting at most backend.worker.JOB_COMPLETION_WAIT / runner.STOP_GRACE_SECONDS), then exits; the
  rest stays QUEUED, never attempted, for the next worker (tests/notifications/test_worker_stop.py). A send still
  running when that wait runs out is cancelled and becomes the hard-kill case below.
- hard kill (SIGKILL, out of memory, power loss; tests/notifications/test_worker_crash.py): AT LEAST ONCE. Every
  message is delivered: a claim abandoned by a dead worker expires after the lease and the row is claimed and sent
  again. A message in flight at the instant of the kill (handed to the provider, not yet marked SENT) may be handed
  over a second time, with the same identity: mail with the same Message-ID `<outbox-id@domain>` (the .eml adapter
  overwrites the one file), webhook SMS with the same Idempotency-Key and reference (the outbox id), push with the
  same Topic. No other message is ever sent twice: the claim lets one caller win, and the outcome is fenced by the
  attempt.
- hard kill, provider honouring the key (webhook SMS with its Idempotency-Key): EXACTLY ONCE kept by the provider,
  although possibly handed over twice. SMTP has no such key: a repeated mail is delivered again, with the same
  Message-ID (some mail clients show one copy). Twilio has no idempotency key: a duplicate SMS is possible there.
The window is kept small: the SENT mark is one UPDATE committed right after the provider's acknowledgement, with
nothing (no rendering, no other query) in between.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

from sqlalchemy import and_, delete, or_, select, update

from backend.core.db import Database, utcnow
from backend.core.settings import Settings
from backend.notifications.channels import Cancelled, Device, Outgoing, PermanentError, Senders
from backend.notifications.messages import money, salutation
from backend.notifications.models import Channel, Notification, NotificationStatus, PushSubscription
from backend.notifications.outbox import consent_ok
from backend.notifications.templates import render
from backend.notifications.unsubscribe import unsubscribe_url

log = logging.getLogger("mototrack.notifications")

BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600)  # after the 1st, 2nd, 3rd and 4th failed attempt
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1

S = NotificationStatus


def _claimable(now: dt.datetime):
    return or_(
        and_(Notification.status == S.QUEUED, Notification.next_attempt_at <= now),
        and_(Notification.status == S.SENDING, Notification.lease_until < now),
    )


async def due_ids(db: Database, *, limit: int = 500, now: dt.datetime | None = None) -> list[uuid.UUID]:
    """Rows ready for an attempt (and claims abandoned by a crashed worker), oldest first."""
    now = now or utcnow()
    async with db.read() as session:
        rows = await session.execute(select(Notification.id).where(_claimable(now))
                                     .order_by(Notification.next_attempt_at, Notification.id).limit(limit))
        return list(rows.scalars())


async def next_due_at(db: Database) -> dt.datetime | None:
    async with db.read() as session:
        queued = (await session.execute(select(Notification.next_attempt_at).where(Notification.status == S.QUEUED)
                                        .order_by(Notification.next_attempt_at).limit(1))).scalar_one_or_none()
        leased = (await session.execute(select(Notification.lease_until).where(Notification.status == S.SENDING)
                                        .order_by(Notification.lease_until).limit(1))).scalar_one_or_none()
    times = [t for t in (queued, leased) if t is not None]
    return min(times) if times else None


class _Stopping(Exception):
    """The caller is shutting down: the row was not claimed."""


async def _claim(db: Database, settings: Settings, notification_id: uuid.UUID,
                 stopping: Callable[[], bool] | None = None) -> Notification | None:
    """One statement: UPDATE ... RETURNING the claimed row (nothing when it is not due or another worker has it).
    `stopping` is asked once the connection is held, right before the UPDATE (waiting for a pooled connection can
    take a while under load): a stop asked meanwhile claims nothing."""
    async with db.transaction() as session:
        if stopping is not None:
            await session.connection()
            if stopping():
                raise _Stopping
        now = utcnow()
        result = await session.execute(
            update(Notification)
            .where(Notification.id == notification_id, _claimable(now))
            .values(status=S.SENDING, attempts=Notification.attempts + 1,
                    lease_until=now + dt.timedelta(seconds=settings.notification_lease_seconds), updated_at=now)
            .returning(Notification)
            .execution_options(synchronize_session=False)
        )
        return result.scalars().one_or_none()


async def _prepare(db: Database, settings: Settings, row: Notification) -> tuple[Outgoing, list[Device], str | None]:
    from backend.accounts.models import Garage
    from backend.customers.models import Customer, CustomerKind

    context = dict(row.context or {})
    context.setdefault("locale", row.locale)
    devices: list[Device] = []
    private_pem = None
    unsubscribe = None
    company = False
    async with db.read() as session:
        if "garage_name" not in context:  # notify_* put it in the context: no query for most messages
            garage = await session.get(Garage, row.garage_id)
            context["garage_name"] = garage.name if garage else ""
        if row.customer_id is not None:
            customer = await session.get(Customer, row.customer_id)
            if customer is None or not consent_ok(customer, row.channel):
                raise Cancelled("the customer has withdrawn consent for this channel")
            unsubscribe = unsubscribe_url(settings, row.customer_id, row.channel)
            context["unsubscribe_url"] = unsubscribe
            context["customer_name"] = customer.name  # as it is now (a name corrected since is used)
            company = customer.kind == CustomerKind.COMPANY
        if row.event == "quote_to_approve" and context.get("quote_id"):
            from backend.billing.documents.attachments import quote_link

            context["url"] = quote_link(settings, row.garage_id, uuid.UUID(context["quote_id"]), row.locale)
        recipient = row.recipient
        if row.channel == Channel.SMS and recipient and not recipient.startswith("+"):
            recipient = await _e164(session, row.garage_id, recipient)
    hidden: list[str] = []
    if context.get("portal_job_id") or context.get("approval_code_id"):
        from backend.portal.messages import add_portal_context

        hidden = await add_portal_context(db, settings, row, context)
    from backend.scheduling.booking.messages import add_booking_context, needs_context

    if needs_context(row):  # a reminder's or an appointment's booking link, a booking code (made now, never kept)
        hidden += await add_booking_context(db, settings, row, context)
    if row.event == "staff_invitation" and context.get("invitation_id"):
        from backend.accounts.invitations import mail_context

        hidden += await mail_context(db, settings, row, context)  # its link made now, from the row's nonce
    if row.channel != Channel.PUSH:
        words(context, row.locale, company)
    if row.channel == Channel.SMS:
        await _short_links(db, settings, row.garage_id, context)
    async with db.read() as session:
        if row.channel == Channel.PUSH:
            subs = (await session.execute(select(PushSubscription).where(
                PushSubscription.user_id == row.user_id, PushSubscription.garage_id == row.garage_id))).scalars()
            devices = [Device(s.id, s.endpoint, s.p256dh, s.auth) for s in subs]
        rendered = await render(session, row.garage_id, row.event, row.channel, row.locale, context)
    if row.channel == Channel.PUSH:
        from backend.notifications.vapid import vapid_keys

        private_pem, _public = await vapid_keys(db)
    out = Outgoing(id=row.id, recipient=recipient, subject=rendered.subject, text=rendered.text,
                   html=rendered.html, sender_name=context.get("garage_name") or None, unsubscribe_url=unsubscribe,
                   url=context.get("url"))
    if row.channel == Channel.EMAIL:
        out.attachments = await _attachments(db, row)
    out.hidden = hidden  # a portal token or code: sent, never kept in the stored copy
    return out, devices, private_pem


async def _e164(session, garage_id: uuid.UUID, phone: str) -> str:
    """A number queued before phones were stored in E.164, in E.164 for the provider (as it was if it does not
    parse: the provider's answer then says so on the row)."""
    from backend.customers.service.phones import country_of, to_e164

    return to_e164(phone, await country_of(session, garage_id)) or phone


def words(context: dict, locale: str, company: bool) -> None:
    """The salutation by kind of customer and the money in the message's language (messages.py)."""
    if context.get("customer_name") is not None or "salutation" not in context:
        context["salutation"] = salutation(locale, context.get("customer_name"), company)
    if isinstance(context.get("total_minor"), int) and context.get("currency"):
        context["total"] = money(context["total_minor"], context["currency"], locale)


async def _short_links(db: Database, settings: Settings, garage_id: uuid.UUID, context: dict) -> None:
    """An SMS carries short links (/s/<code> on the garage's host) to its long signed ones (shortlinks.py)."""
    from backend.notifications.shortlinks import shorten

    links = [key for key in ("url", "unsubscribe_url") if isinstance(context.get(key), str)
             and context[key].startswith(("http://", "https://"))]
    if not links:
        return
    async with db.transaction() as session:
        for key in links:
            context[key] = await shorten(session, settings, garage_id, context[key])


async def _attachments(db: Database, row: Notification) -> list[tuple[str, str, bytes]]:
    """The invoice PDF for invoice_issued (the purchase order's for purchase_order_sent), rendered now in the
    message's language."""
    if row.event == "purchase_order_sent" and (row.context or {}).get("order_id"):
        from backend.purchasing.documents import pdf_for_notification

        name, content = await pdf_for_notification(db, row.garage_id, uuid.UUID(row.context["order_id"]), row.locale)
        return [(name, "application/pdf", content)]
    if row.event != "invoice_issued" or not (row.context or {}).get("invoice_id"):
        return []
    from backend.billing.documents.attachments import invoice_pdf_for_notification

    filename, content = await invoice_pdf_for_notification(db, row.garage_id, uuid.UUID(row.context["invoice_id"]),
                                                           row.locale)
    return [(filename, "application/pdf", content)]


async def _finish(db: Database, row: Notification, attempt: int, **values) -> bool:
    values.setdefault("lease_until", None)
    values["updated_at"] = utcnow()
    async with db.transaction() as session:
        result = await session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.status == S.SENDING, Notification.attempts == attempt)
            .values(**values).execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


async def _after_receipt(db: Database, row: Notification, attempt: int, **values) -> None:
    """The provider's delivery receipt (receipts.py) overtook our SENT: keep its DELIVERED/FAILED, record what went
    out. Fenced like _finish: only this attempt's row, and only once."""
    async with db.transaction() as session:
        await session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.attempts == attempt, Notification.sent_at.is_(None),
                   Notification.status.in_([S.DELIVERED, S.FAILED]))
            .values(lease_until=None, updated_at=utcnow(), **values).execution_options(synchronize_session=False)
        )


async def _forget_devices(db: Database, ids: list[uuid.UUID]) -> None:
    if ids:
        async with db.transaction() as session:
            await session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))


async def deliver(db: Database, settings: Settings, senders: Senders, notification_id: uuid.UUID | str, *,
                  stopping: Callable[[], bool] | None = None) -> str:
    """Attempt one message; returns what happened ('skipped' when it was not due or another worker has it,
    'stopping' when `stopping()` said the caller is shutting down before the claim: the row is left as it was)."""
    notification_id = uuid.UUID(str(notification_id))
    if stopping is not None and stopping():
        return "stopping"
    try:
        row = await _claim(db, settings, notification_id, stopping)
    except _Stopping:
        return "stopping"
    if row is None:
        return "skipped"
    attempt = row.attempts
    subject = body = None
    try:
        out, devices, private_pem = await _prepare(db, settings, row)
        from backend.portal.messages import hide

        subject, body = hide(out.subject, out.hidden), hide(out.text, out.hidden)
        if row.channel == Channel.EMAIL:
            provider_id = await senders.mail.send(out)
        elif row.channel == Channel.SMS:
            provider_id = await senders.sms.send(out)
        else:
            provider_id, gone = await senders.push.send(out, devices, private_pem)
            await _forget_devices(db, gone)
    except Cancelled as exc:
        if len(exc.args) > 1:
            await _forget_devices(db, exc.args[1])
        await _finish(db, row, attempt, status=S.CANCELLED, last_error=str(exc.args[0]), subject=subject, body=body)
        return "cancelled"
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        error = f"{type(exc).__name__}: {exc}"[:2000]
        permanent = isinstance(exc, (PermanentError, LookupError))
        if permanent or attempt >= MAX_ATTEMPTS:
            await _finish(db, row, attempt, status=S.FAILED, last_error=error, subject=subject, body=body)
            log.warning("notification %s failed for good after %s attempt(s): %s", row.id, attempt, error)
            return "failed"
        delay = BACKOFF_SECONDS[attempt - 1]
        await _finish(db, row, attempt, status=S.QUEUED, last_error=error,
                      next_attempt_at=utcnow() + dt.timedelta(seconds=delay))
        return "retry"
    now = utcnow()
    if not await _finish(db, row, attempt, status=S.SENT, sent_at=now, provider_message_id=provider_id[:200],
                         subject=subject, body=body, last_error=None):
        await _after_receipt(db, row, attempt, sent_at=now, provider_message_id=provider_id[:200], subject=subject,
                             body=body)
    return "sent"
