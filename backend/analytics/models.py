"""Analytics: facts kept from the workshop and billing tables, goals and their breaches.

The facts are derived data: `mototrack rebuild-facts` makes them again from the source tables and gives the same
figures (backend.analytics.facts). They are kept right by `analytics_dirty`: every flush that touches a job, an
invoice, a clock entry, a quote, an inspection or a technician's hourly cost writes a row naming what changed, in
the same transaction; the worker (and any KPI read, before it reads) recomputes what those rows name.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, Enum, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin, utcnow

Money = BigInteger


class JobFact(Base):
    """One invoiced job: its live (issued, not void) invoice net of credit notes, its clocked time and costs.
    `day` is the invoice's issue date, a local date in the garage's time zone. Derived rows: only the garage and
    the source row (job, quote, technician) are foreign keys, so writing a chunk of facts checks no more."""

    __tablename__ = "analytics_job_facts"
    __table_args__ = (
        Index("ix_analytics_job_facts_garage_day", "garage_id", "day"),
        Index("ix_analytics_job_facts_site_day", "garage_id", "site_id", "day"),
        Index("ix_analytics_job_facts_technician_day", "garage_id", "technician_id", "day"),
        Index("ix_analytics_job_facts_advisor_day", "garage_id", "advisor_id", "day"),
        Index("ix_analytics_job_facts_customer", "garage_id", "customer_id", "day"),
        Index("ix_analytics_job_facts_vehicle", "vehicle_id"),
    )

    # the job, or for an imported repair order (imported=True) its service_history row: no foreign key, as it
    # names either (a fact is derived: rebuild-facts makes them all again)
    job_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID | None]
    technician_id: Mapped[uuid.UUID | None]
    advisor_id: Mapped[uuid.UUID | None]
    vehicle_id: Mapped[uuid.UUID | None]
    customer_id: Mapped[uuid.UUID | None]
    operations_stream: Mapped[str | None] = mapped_column(String(32))
    revenue_stream: Mapped[str | None] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date)
    billed_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    clocked_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    labour_sales: Mapped[int] = mapped_column(Money, default=0)  # net of tax and of credit notes, minor units
    parts_sales: Mapped[int] = mapped_column(Money, default=0)
    other_sales: Mapped[int] = mapped_column(Money, default=0)
    parts_cost: Mapped[int] = mapped_column(Money, default=0)
    labour_cost: Mapped[int] = mapped_column(Money, default=0)  # clocked seconds x the technician's hourly cost
    has_inspection: Mapped[bool] = mapped_column(Boolean, default=False)
    # a later job for the same vehicle and operations stream was opened within 30 days of this one's invoice
    came_back: Mapped[bool] = mapped_column(Boolean, default=False)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)


class CustomerVisit(Base):
    """A job fact's visit of its customer (imported repair orders too), for retention: with the day of the
    customer's next visit, garage-wide and at the same site, technician and advisor (the visits of one customer in
    the order of their day, then job id; a second visit on the same day is "next" on that day). The last visit of a
    window is the one whose next is past it, so "customers served in a window" and "who came back by a day" are
    counts of one pass over the window's visits, without a look-up per customer. Made again for a customer
    whenever one of their job facts is (backend.analytics.facts.recompute_visits)."""

    __tablename__ = "analytics_customer_visits"
    __table_args__ = (
        Index("ix_analytics_customer_visits_garage_day", "garage_id", "day"),
        Index("ix_analytics_customer_visits_customer", "garage_id", "customer_id", "day"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the job fact's job_id
    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID]
    day: Mapped[dt.date] = mapped_column(Date)
    site_id: Mapped[uuid.UUID]
    technician_id: Mapped[uuid.UUID | None]
    advisor_id: Mapped[uuid.UUID | None]
    next_day: Mapped[dt.date | None] = mapped_column(Date)
    next_site_day: Mapped[dt.date | None] = mapped_column(Date)
    next_technician_day: Mapped[dt.date | None] = mapped_column(Date)
    next_advisor_day: Mapped[dt.date | None] = mapped_column(Date)


class ClockDay(Base):
    """Seconds a technician was clocked on jobs of a site on one local day (an entry over midnight is split)."""

    __tablename__ = "analytics_clock_days"
    __table_args__ = (Index("ix_analytics_clock_days_garage_day", "garage_id", "day"),)

    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    site_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    clocked_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class QuoteFact(Base):
    """A quote presented to the customer (sent), on the local day it was sent: its value and what was approved."""

    __tablename__ = "analytics_quote_facts"
    __table_args__ = (Index("ix_analytics_quote_facts_garage_day", "garage_id", "day"),)

    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True)
    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID]
    advisor_id: Mapped[uuid.UUID | None]
    technician_id: Mapped[uuid.UUID | None]
    day: Mapped[dt.date] = mapped_column(Date)
    presented: Mapped[int] = mapped_column(Money, default=0)  # total of its lines, with tax
    approved: Mapped[int] = mapped_column(Money, default=0)  # total of its approved lines
    any_approved: Mapped[bool] = mapped_column(Boolean, default=False)


class DirtyMark(IdMixin, Base):
    """Something the facts depend on changed (written in the same transaction as the change)."""

    __tablename__ = "analytics_dirty"
    __table_args__ = (Index("ix_analytics_dirty_garage", "garage_id", "created_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # job | invoice | vehicle | clock | quote | technician
    ref_id: Mapped[uuid.UUID]
    at_from: Mapped[dt.datetime | None]  # clock: the span of local days to recount
    at_to: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Goal(IdMixin, TimestampMixin, Base):
    """A monthly goal for one KPI at one site or for one technician; an alert when it is missed `alert_days` days
    running (once per breach). The breach state lives on the row."""

    __tablename__ = "analytics_goals"
    __table_args__ = (UniqueConstraint("garage_id", "kpi", "subject_id", "month"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    kpi: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))  # SITE | TECHNICIAN
    subject_id: Mapped[uuid.UUID]  # the site or the technician
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the month
    target: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    alert_days: Mapped[int] = mapped_column(Integer, default=3)
    # the breach state: the first local day of the current run of days off goal, the last day checked, and the
    # first day of the run that was alerted (None: no alert sent for the current run)
    off_since: Mapped[dt.date | None] = mapped_column(Date)
    checked_through: Mapped[dt.date | None] = mapped_column(Date)
    alerted_run: Mapped[dt.date | None] = mapped_column(Date)
    alerts_sent: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class ExpenseCategory(enum.Enum):
    RENT = "RENT"
    WAGES = "WAGES"
    UTILITIES = "UTILITIES"
    OTHER = "OTHER"


class Expense(IdMixin, TimestampMixin, Base):
    """Money the garage pays out, entered by an admin: once on `spent_on`, or every month from that month on
    (on the same day, the month's last day when shorter) until `ends_on` when `recurring`."""

    __tablename__ = "analytics_expenses"
    __table_args__ = (Index("ix_analytics_expenses_garage_day", "garage_id", "spent_on"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    category: Mapped[ExpenseCategory] = mapped_column(Enum(ExpenseCategory, native_enum=False, length=16))
    description: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[int] = mapped_column(Money)  # minor units, > 0
    spent_on: Mapped[dt.date] = mapped_column(Date)
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class CashOpening(Base):
    """The cash the garage had at the start of a month, as an admin set it (the projection starts from it)."""

    __tablename__ = "analytics_cash_openings"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # the first day of the month
    amount: Mapped[int] = mapped_column(Money)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ImportSync(Base):
    """When the imported repair orders (service_history) were last turned into facts, per garage."""

    __tablename__ = "analytics_import_sync"

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"), primary_key=True)
    synced_at: Mapped[dt.datetime]
