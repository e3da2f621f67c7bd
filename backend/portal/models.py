"""Portal links (one live link per job), the garage's portal settings, one-time approval codes and approval records.

Neither a link's token nor a code is stored: a row keeps a random nonce (from `secrets`) and the SHA-256 of what the
customer holds; the token or code itself is HMAC(application secret, nonce), made again only when a message carrying
it is sent (tokens.py). So the database alone never yields a working link or code.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow

DEFAULT_LINK_DAYS = 30


class PortalLink(IdMixin, Base):
    __tablename__ = "portal_links"
    __table_args__ = (Index("ix_portal_links_job", "garage_id", "job_id", "revoked_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    # sha256 hex of the token, set when the link is first written into a message or shown (the token needs the
    # application's secret, which the services do not hold); until then the link opens nothing
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))  # the token is HMAC(secret, nonce); never the token itself
    locale: Mapped[str | None] = mapped_column(String(8))  # the language the customer chose in the portal
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_seen_at: Mapped[dt.datetime | None]


class PortalSettings(Base):
    """A garage's portal settings (a garage without a row has the defaults)."""

    __tablename__ = "portal_settings"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    link_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_LINK_DAYS)  # after the job is collected


class ApprovalCode(IdMixin, Base):
    """A one-time code sent to confirm a decision on one quote: 10 minutes, 5 attempts, used once."""

    __tablename__ = "portal_approval_codes"
    __table_args__ = (Index("ix_portal_approval_codes_link", "link_id", "quote_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("portal_links.id", ondelete="CASCADE"))
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # SMS | EMAIL
    nonce: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 of (id, code): useless without the secret
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class QuoteApproval(IdMixin, Base):
    """What the customer decided, exactly: the quote's revision and version, a hash of its lines as shown, the lines
    approved and declined, the typed name, how it was confirmed, from where and when, and through which link."""

    __tablename__ = "quote_approvals"
    __table_args__ = (Index("ix_quote_approvals_quote", "quote_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    link_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("portal_links.id", ondelete="SET NULL"))
    revision: Mapped[int] = mapped_column(Integer)
    quote_version: Mapped[int] = mapped_column(Integer)
    lines_hash: Mapped[str] = mapped_column(String(64))
    approved_line_ids: Mapped[list] = mapped_column(JSON, default=list)
    declined_line_ids: Mapped[list] = mapped_column(JSON, default=list)
    approved_total: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))  # SMS | EMAIL: where the one-time code went
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
