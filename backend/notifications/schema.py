"""GraphQL for notifications: the outbox for admins (what was sent, what failed and why, retry), the VAPID key and
staff devices for web push, and the Customer.communications connection's node type."""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError, bad_input
from backend.api.mutations import run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.errors import ErrorCode
from backend.core.i18n import label
from backend.core.permissions import Permission as P
from backend.notifications import service
from backend.notifications.models import Channel as ChannelEnum
from backend.notifications.models import NotificationStatus as NotificationStatusEnum
from backend.notifications.vapid import vapid_keys

NotificationChannel = strawberry.enum(ChannelEnum, name="NotificationChannel", description="EMAIL, SMS or PUSH.")
NotificationStatus = strawberry.enum(
    NotificationStatusEnum, name="NotificationStatus",
    description="QUEUED (waiting for an attempt), SENDING, SENT (the provider accepted it), DELIVERED, FAILED "
                "(every attempt failed; lastError says why), CANCELLED (not sent on purpose: no consent, no device).")


@strawberry.type(description="One message to one person on one channel, and what became of it.")
class Notification:
    id: strawberry.ID
    event: str = strawberry.field(description="What it is about: job_ready, technician_assigned, ...")
    channel: NotificationChannel
    recipient: str | None = strawberry.field(description="The address or phone number; null for push.")
    locale: str
    status: NotificationStatus
    attempts: int
    subject: str | None = strawberry.field(description="As sent (rendered at send time); null before.")
    body: str | None
    last_error: str | None
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    provider_message_id: str | None
    created_at: dt.datetime

    @strawberry.field
    def customer_id(self) -> strawberry.ID | None:
        return self.customer_id  # type: ignore[attr-defined]

    @strawberry.field
    def user_id(self) -> strawberry.ID | None:
        return self.user_id  # type: ignore[attr-defined]

    @strawberry.field(description="The channel's name in the reader's language.")
    def channel_label(self, info: strawberry.Info) -> str:
        return label(info.context.locale, self.channel)


@strawberry.type
class NotificationPayload:
    notification: Notification | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PushSubscriptionPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RetryNotificationInput:
    id: strawberry.ID


@strawberry.input(description="The browser's PushSubscription: endpoint and keys.p256dh / keys.auth (base64url).")
class RegisterPushSubscriptionInput:
    endpoint: str
    p256dh: str
    auth: str


@strawberry.input
class UnregisterPushSubscriptionInput:
    endpoint: str


def _key(row) -> tuple:
    return (row.created_at.isoformat(), row.id)


def after_pair(info, after: str | None) -> tuple[str, str] | None:
    pair = connections.after_pair(info, after)
    if pair is not None:
        try:
            dt.datetime.fromisoformat(pair[0])
            import uuid

            uuid.UUID(pair[1])
        except ValueError:
            raise bad_input(info.context.locale, ErrorCode.INVALID_CURSOR, "after") from None
    return pair


def communications(info, customer_id, first: int | None, after: str | None):
    """The Customer.communications connection (called from the customers schema)."""
    from backend.notifications.loaders import CommunicationsLoader

    limit = connections.page_size(info, first)
    pair = after_pair(info, after)

    async def build():
        rows = await info.context.loader(CommunicationsLoader).load((customer_id, limit, pair))
        return connections.build(rows, limit, key=_key)

    return build()


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.NOTIFICATIONS_READ),
                      description="The garage's messages, newest first; status: FAILED shows what needs attention.")
    async def notifications(self, info: strawberry.Info, status: NotificationStatus | None = None,
                            first: int | None = None, after: str | None = None) -> Connection[Notification]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.list_notifications, status=status, limit=limit, after=after_pair(info, after))
        return connections.build(rows, limit, key=_key)

    @strawberry.field(extensions=requires(P.PUSH_SUBSCRIBE),
                      description="The applicationServerKey for PushManager.subscribe (base64url).")
    async def vapid_public_key(self, info: strawberry.Info) -> str:
        _private, public = await vapid_keys(info.context.db)
        return public


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.NOTIFICATIONS_MANAGE),
                         description="Send a FAILED or CANCELLED message again (one more attempt, now).")
    async def retry_notification(self, info: strawberry.Info, input: RetryNotificationInput) -> NotificationPayload:
        row, errors = await run(info, service.retry_notification, input.id)
        return NotificationPayload(notification=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.PUSH_SUBSCRIBE),
                         description="This browser receives the signed-in user's notifications.")
    async def register_push_subscription(self, info: strawberry.Info,
                                         input: RegisterPushSubscriptionInput) -> PushSubscriptionPayload:
        production = info.context.settings.is_production
        row, errors = await run(info, service.register_push_subscription, input.endpoint, input.p256dh, input.auth,
                                production=production)
        return PushSubscriptionPayload(ok=row is not None, errors=errors)

    @strawberry.mutation(extensions=requires(P.PUSH_SUBSCRIBE),
                         description="This browser no longer receives the signed-in user's notifications.")
    async def unregister_push_subscription(self, info: strawberry.Info,
                                           input: UnregisterPushSubscriptionInput) -> PushSubscriptionPayload:
        removed, errors = await run(info, service.unregister_push_subscription, input.endpoint)
        return PushSubscriptionPayload(ok=bool(removed), errors=errors)


Subscription = None
