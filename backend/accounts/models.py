from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.enums import Locale
from backend.core.permissions import Role


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class Garage(IdMixin, TimestampMixin, Base):
    """The tenant: every tenant-owned row carries its garage_id."""

    __tablename__ = "garages"

    name: Mapped[str] = mapped_column(String(200))
    # ISO 3166-1 alpha-2; None: the country of its time zone (backend.customers.service.phones.garage_country)
    country: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="THB")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Bangkok")
    default_locale: Mapped[Locale] = mapped_column(_enum(Locale), default=Locale.EN)
    tax_label: Mapped[str] = mapped_column(String(20), default="VAT")
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal("7"))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_id: Mapped[str | None] = mapped_column(String(20))
    branch: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)  # the head office's registered address
    # PromptPay on invoices and receipts: a PromptPay ID (mobile number, 13-digit tax ID or 15-digit e-wallet ID,
    # Thai QR tag 29) or a biller ID (tax ID + 2-digit suffix, tag 30, with the invoice number as reference)
    promptpay_id: Mapped[str | None] = mapped_column(String(20))
    promptpay_biller_id: Mapped[str | None] = mapped_column(String(20))
    # a walk-in buyer without a tax ID gets an abbreviated tax invoice (ใบกำกับภาษีอย่างย่อ, §86/6)
    abbreviated_tax_invoices: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Site(IdMixin, TimestampMixin, Base):
    """A branch / service centre of a garage."""

    __tablename__ = "sites"
    __table_args__ = (Index("ix_sites_garage_name", "garage_id", "name"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(20))
    # The Revenue Department's branch code of this site: "00000" is the head office (สำนักงานใหญ่, whose registered
    # address is the garage's), "00001".. a branch (สาขาที่ 00001) whose registered address is the site's own.
    branch_code: Mapped[str] = mapped_column(String(5), default="00000", server_default="00000")
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_garage_role", "garage_id", "role"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case; sign-in is by email alone
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role))
    streams: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[Locale | None] = mapped_column(_enum(Locale))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None]
    # what an hour of this person's time costs the garage, minor units (labour gross profit); admins only
    hourly_cost: Mapped[int | None] = mapped_column(Integer)


class RefreshToken(IdMixin, Base):
    """One link of a rotation chain. A family is one sign-in; reusing a rotated token revokes the whole family."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    client_address: Mapped[str | None] = mapped_column(String(64))


class ApiKey(IdMixin, TimestampMixin, Base):
    __tablename__ = "api_keys"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise a key in a list
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class Installation(Base):
    """Facts of the installation itself, one row a key. "first-garage" is written in the transaction that sets up
    the first garage in the browser: of two set-ups racing on an empty installation, the second meets its primary
    key and is refused (backend/accounts/setup.py)."""

    __tablename__ = "installation"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    garage_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime]


class Invitation(IdMixin, Base):
    """A member of staff invited by mail (backend/accounts/invitations.py). The link's token is made from `nonce` and
    the application's secret when the mail is sent, and only its SHA-256 is kept: the database alone holds no working
    link. Single use (accepted_at), expiring (expires_at), revocable (revoked_at); a resend makes a new nonce, so the
    earlier mail's link stops working."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_garage_email", "garage_id", "email"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    streams: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    locale: Mapped[Locale | None] = mapped_column(_enum(Locale))
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    last_sent_at: Mapped[dt.datetime]
    sent_count: Mapped[int] = mapped_column(Integer, default=1)
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
