"""Notifications: the transactional outbox, garages' template overrides, web-push subscriptions, the VAPID key.

A business change that must tell someone writes a `Notification` row in its own transaction (see outbox.enqueue).
The subject and body are rendered at SEND time (so a template fixed after enqueueing is used, and a retry shows
what really went out) and stored on the row once sent, for the customer's communication history.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin, utcnow
from backend.core.i18n import N_, register_labels


class Channel(enum.Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"


class NotificationStatus(enum.Enum):
    QUEUED = "QUEUED"  # waiting for its (next) attempt at next_attempt_at
    SENDING = "SENDING"  # claimed by a worker until lease_until; a crashed worker's claim expires
    SENT = "SENT"  # the provider accepted it
    DELIVERED = "DELIVERED"  # the provider reported delivery (push: the push service accepted it for the device)
    FAILED = "FAILED"  # every attempt failed, or a permanent error; last_error says why; retryNotification re-queues
    CANCELLED = "CANCELLED"  # never sent on purpose: consent withdrawn, no address, no device


CHANNEL_LABELS = register_labels({
    Channel.EMAIL: N_("email"),
    Channel.SMS: N_("SMS"),
    Channel.PUSH: N_("push notification"),
})


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class Notification(IdMixin, TimestampMixin, Base):
    """One message to one recipient on one channel: the outbox row and, once sent, its record."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("garage_id", "dedupe_key"),  # NULL keys never clash
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_garage_list", "garage_id", "created_at", "id"),
        Index("ix_notifications_customer", "customer_id", "created_at", "id"),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    recipient: Mapped[str | None] = mapped_column(String(320))  # address or phone; push: None (the user's devices)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str | None] = mapped_column(Text)  # rendered at send time, kept for the history
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(_enum(NotificationStatus), default=NotificationStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))


class NotificationTemplate(IdMixin, TimestampMixin, Base):
    """A garage's own wording for one (event, channel, locale); without one the file template is used.

    `subject`, `body` (plain text) and `html` are Jinja2 sources rendered in a sandbox with the message's context.
    """

    __tablename__ = "notification_templates"
    __table_args__ = (UniqueConstraint("garage_id", "event", "channel", "locale"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)


class PushSubscription(IdMixin, TimestampMixin, Base):
    """One browser's push endpoint for one member of staff (a device re-registered by someone else moves to them)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_user", "user_id"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    last_used_at: Mapped[dt.datetime | None]


class VapidKey(Base):
    """The installation's one VAPID key pair, made on first use and never regenerated (every subscription a browser
    holds is bound to the public key). Kept in the database so every API process and worker shares it."""

    __tablename__ = "vapid_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    private_key: Mapped[str] = mapped_column(Text)  # PEM, PKCS#8
    public_key: Mapped[str] = mapped_column(String(200))  # uncompressed point, base64url: applicationServerKey
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ShortLink(Base):
    """A short path on the garage's own host (/s/<code>) that redirects to a longer signed link, so a Thai SMS (UCS-2,
    67 characters a part) stays within two parts. It expires when its target does (None: never, like unsubscribe)."""

    __tablename__ = "short_links"
    __table_args__ = (Index("ix_short_links_target", "garage_id", "target_hash"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(Text)
    target_hash: Mapped[str] = mapped_column(String(64))  # sha256 of target: the same link gets the same code
    expires_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
