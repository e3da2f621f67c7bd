"""Self-booking tables: booking links, the garage's booking settings and one-time booking codes.

A booking link is the customer's key to book (and then confirm, move or cancel) a visit for one vehicle. Like a
portal link it keeps a random nonce and the SHA-256 of the token the customer holds, never the token itself (the
token is HMAC(application secret, nonce), made again when a message carrying it is sent: backend/portal/tokens.py).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow

DEFAULT_CUTOFF_HOURS = 2
DEFAULT_LINK_DAYS = 30


class BookingMode(enum.Enum):
    INSTANT = "INSTANT"  # the customer picks a free slot and the appointment is CONFIRMED at once
    REQUEST = "REQUEST"  # the customer asks for a time; the appointment is REQUESTED until reception confirms it


class BookingLink(IdMixin, Base):
    __tablename__ = "booking_links"
    __table_args__ = (Index("ix_booking_links_garage_vehicle", "garage_id", "vehicle_id", "revoked_at"),
                      Index("ix_booking_links_reminder", "reminder_id"),
                      Index("ix_booking_links_appointment", "appointment_id"))

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    # where it came from: the reminder whose message carried it, the job whose portal offered it
    reminder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reminders.id", ondelete="SET NULL"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    # the appointment booked through it (or the one its day-before message is about)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # set when first sent or shown
    nonce: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8))
    booked_name: Mapped[str | None] = mapped_column(String(200))  # the name typed to confirm the booking
    customer_confirmed_at: Mapped[dt.datetime | None]  # "I will be there", from the link
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_seen_at: Mapped[dt.datetime | None]


class BookingSettings(Base):
    """A garage's self-booking settings (a garage without a row: instant confirm, 2 h cut-off, nothing bookable)."""

    __tablename__ = "booking_settings"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[BookingMode] = mapped_column(Enum(BookingMode, native_enum=False, length=16, validate_strings=True),
                                              default=BookingMode.INSTANT)
    cutoff_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_CUTOFF_HOURS)
    link_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_LINK_DAYS)
    bookable_action_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # catalog task actions offered
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BookingCode(IdMixin, Base):
    """A one-time code confirming a booking: 10 minutes, 5 attempts, used once (as the portal's approval codes)."""

    __tablename__ = "booking_codes"
    __table_args__ = (Index("ix_booking_codes_link", "link_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booking_links.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    nonce: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
