"""The portal's rules: a link per job, who a token is, what the customer sees, approval codes and decisions.

- A job gets its link when it is opened (workshop create_job calls `open_for_new_job`); a job opened before the
  portal existed gets one the first time a message needs it (`ensure_link`). One live link per job: `new_link`
  revokes the old one, `revoke_link` ends it. A link expires `link_days` (a garage setting, default 30) after the
  job is collected (invoiced, or cancelled); before that it does not expire.
- A token's actor holds only PORTAL_ACCESS and names its link, job, vehicle and customer (Actor.extra); every read
  is scoped by that job, so a token opens its own job and nothing else.
- Every portal operation writes an audit entry on the link (entity PortalLink, actor label "portal:<link id>"):
  never the token.
- A decision needs a one-time code (`request_code`, 6 digits, 10 minutes, 5 attempts) sent to the phone or mail on
  file, the quote's version and the hash of its lines as shown, and the customer's typed name. The lines are approved
  and declined through billing's own functions (tasks, parts requests, deferred work), the quote is locked, and an
  approval record keeps exactly what was decided.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.core.permissions import PORTAL_PERMISSIONS
from backend.portal import tokens
from backend.portal.models import DEFAULT_LINK_DAYS, ApprovalCode, PortalLink, PortalSettings, QuoteApproval

PORTAL_PATH = "/p/"
CODE_TTL = dt.timedelta(minutes=10)
CODE_ATTEMPTS = 5
MIN_LINK_DAYS, MAX_LINK_DAYS = 1, 365
MAX_NAME = 200
CHANNELS = ("SMS", "EMAIL")


# ------------------------------------------------------------------------------------------------ links


def portal_url(settings, link: PortalLink) -> str:
    """The customer's address of the portal: the token rides in the fragment (/p/#<token>), which a browser never
    sends, so it is in no access log, proxy log or Referer. Sets the link's token hash on first use (the caller's
    transaction keeps it)."""
    from backend.notifications.shortlinks import base_url

    token = tokens.token_for(link.nonce, settings.secret_key)
    if link.token_hash is None:
        link.token_hash = tokens.token_hash(token)
    return f"{base_url(settings)}{PORTAL_PATH}#{token}"


async def live_link(session: AsyncSession, garage_id: uuid.UUID, job_id: uuid.UUID) -> PortalLink | None:
    return (await session.execute(select(PortalLink).where(
        PortalLink.garage_id == garage_id, PortalLink.job_id == job_id, PortalLink.revoked_at.is_(None))
        .order_by(PortalLink.created_at.desc()).limit(1))).scalar_one_or_none()


def _make_link(session: AsyncSession, job, created_by_id: uuid.UUID | None) -> PortalLink:
    link = PortalLink(id=new_id(), garage_id=job.garage_id, job_id=job.id, customer_id=job.customer_id,
                      nonce=tokens.new_nonce(), created_at=utcnow(), created_by_id=created_by_id)
    session.add(link)
    return link


async def ensure_link(session: AsyncSession, job, created_by_id: uuid.UUID | None = None) -> PortalLink:
    link = await live_link(session, job.garage_id, job.id)
    if link is None:
        link = _make_link(session, job, created_by_id)
        await session.flush()
    return link


async def _send_link(session: AsyncSession, link: PortalLink, job) -> None:
    from backend.notifications import service as notifications

    context = await notifications._job_context(session, job)
    context.pop("url", None)
    context["portal_job_id"] = str(job.id)
    await notifications.notify_customer(session, garage_id=job.garage_id, customer_id=job.customer_id,
                                        event="portal_link", context=context, dedupe_key=f"portal_link:{link.id}")


async def open_for_new_job(session: AsyncSession, actor: Actor, job) -> PortalLink:
    """A job just opened: its link, sent to the customer on their channel (with their consent)."""
    link = await ensure_link(session, job, actor.user_id)
    await _send_link(session, link, job)
    return link


async def _job_for_staff(session: AsyncSession, actor: Actor, job_id: object):
    from backend.workshop.service.common import load_job

    return await load_job(session, actor, job_id, for_update=True)


async def _revoke(session: AsyncSession, actor: Actor, job) -> list[uuid.UUID]:
    now = utcnow()
    ids = list((await session.execute(select(PortalLink.id).where(
        PortalLink.garage_id == job.garage_id, PortalLink.job_id == job.id,
        PortalLink.revoked_at.is_(None)))).scalars())
    if ids:
        await session.execute(update(PortalLink).where(PortalLink.id.in_(ids)).values(
            revoked_at=now, revoked_by_id=actor.user_id).execution_options(synchronize_session=False))
        for lid in ids:
            audit.record(session, actor, "PortalLink", lid, "revoke", {"job_id": {"before": None,
                                                                                  "after": str(job.id)}})
    return ids


async def revoke_link(session: AsyncSession, actor: Actor, job_id: object):
    """End the job's live link (a lost phone, a wrong number): it opens nothing from now on."""
    job = await _job_for_staff(session, actor, job_id)
    await _revoke(session, actor, job)
    await session.flush()
    return job


async def new_link(session: AsyncSession, actor: Actor, job_id: object, send: bool = True):
    """A fresh link for the job (the old one revoked), sent to the customer."""
    job = await _job_for_staff(session, actor, job_id)
    await _revoke(session, actor, job)
    link = _make_link(session, job, actor.user_id)
    await session.flush()
    audit.record(session, actor, "PortalLink", link.id, "create", {"job_id": {"before": None, "after": str(job.id)}})
    if send:
        await _send_link(session, link, job)
    return job


async def link_days(session: AsyncSession, garage_id: uuid.UUID) -> int:
    days = (await session.execute(select(PortalSettings.link_days).where(
        PortalSettings.garage_id == garage_id))).scalar_one_or_none()
    return days or DEFAULT_LINK_DAYS


async def set_link_days(session: AsyncSession, actor: Actor, days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_LINK_DAYS <= days <= MAX_LINK_DAYS:
        raise DomainError(ErrorCode.INVALID_LINK_DAYS, "linkDays", min=MIN_LINK_DAYS, max=MAX_LINK_DAYS)
    row = await session.get(PortalSettings, actor.garage_id, with_for_update=True)
    before = row.link_days if row else DEFAULT_LINK_DAYS
    if row is None:
        session.add(PortalSettings(garage_id=actor.garage_id, link_days=days))
    else:
        row.link_days = days
    audit.record(session, actor, "PortalSettings", actor.garage_id, "update",
                 {"link_days": {"before": before, "after": days}})
    await session.flush()
    return days


def collected_at(job) -> dt.datetime | None:
    from backend.workshop.models import JobStatus

    if job.status == JobStatus.INVOICED:
        return job.invoiced_at or job.updated_at
    if job.status == JobStatus.CANCELLED:
        return job.cancelled_at or job.updated_at
    return None


def expires_at(job, days: int) -> dt.datetime | None:
    at = collected_at(job)
    return None if at is None else at + dt.timedelta(days=days)


# ------------------------------------------------------------------------------------------------ who a token is


class Denied(Exception):
    """A token that opens nothing: the code (PORTAL_LINK_INVALID / _EXPIRED / _REVOKED), and where known the
    garage's name and phone and the customer's language for the page that says so."""

    def __init__(self, code: ErrorCode, *, locale: str | None = None, garage_name: str = "",
                 garage_phone: str | None = None, garage_locale: str | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.locale = locale
        self.garage_locale = garage_locale
        self.garage_name = garage_name
        self.garage_phone = garage_phone


@dataclasses.dataclass
class PortalSession:
    link: PortalLink
    job: object
    actor: Actor


async def _contact(session: AsyncSession, job) -> tuple[str, str | None, str]:
    from backend.accounts.models import Garage, Site

    garage = await session.get(Garage, job.garage_id)
    site = await session.get(Site, job.site_id)
    return (garage.name if garage else ""), (site.phone if site else None), \
        (garage.default_locale.value if garage and garage.default_locale else "en")


async def _customer_locale(session: AsyncSession, customer_id: uuid.UUID | None) -> str | None:
    from backend.customers.models import Customer

    if customer_id is None:
        return None
    value = (await session.execute(select(Customer.locale).where(Customer.id == customer_id))).scalar_one_or_none()
    return value.value if value is not None else None


async def authenticate(session: AsyncSession, settings, token: str | None) -> PortalSession:
    """The portal session a token opens; Denied when it opens nothing."""
    from backend.workshop.models import Job

    if not tokens.looks_like_token(token):
        raise Denied(ErrorCode.PORTAL_LINK_INVALID)
    link = (await session.execute(select(PortalLink).where(
        PortalLink.token_hash == tokens.token_hash(token)))).scalar_one_or_none()
    if link is None:
        raise Denied(ErrorCode.PORTAL_LINK_INVALID)
    job = await session.get(Job, link.job_id)
    if job is None or job.garage_id != link.garage_id:
        raise Denied(ErrorCode.PORTAL_LINK_INVALID)
    # the customer's choice in the portal, else their language on file; None: the browser's, else the garage's
    locale = link.locale or await _customer_locale(session, link.customer_id)
    refusal = None
    if link.revoked_at is not None:
        refusal = ErrorCode.PORTAL_LINK_REVOKED
    elif collected_at(job) is not None:  # the garage's setting is read only once the job is collected
        ends = expires_at(job, await link_days(session, job.garage_id))
        if ends <= utcnow():
            refusal = ErrorCode.PORTAL_LINK_EXPIRED
    name, phone, garage_locale = await _contact(session, job)
    if refusal is not None:
        raise Denied(refusal, locale=locale, garage_name=name, garage_phone=phone, garage_locale=garage_locale)
    actor = Actor(garage_id=job.garage_id, permissions=PORTAL_PERMISSIONS, locale=locale, name=f"portal:{link.id}",
                  extra={"portal_link_id": link.id, "job_id": job.id, "vehicle_id": job.vehicle_id,
                         "customer_id": job.customer_id, "site_id": job.site_id, "garage_locale": garage_locale})
    return PortalSession(link=link, job=job, actor=actor)


def link_id_of(actor: Actor) -> uuid.UUID:
    return actor.extra["portal_link_id"]


def record(session: AsyncSession, actor: Actor, action: str, changes: dict | None = None) -> None:
    """An audit entry for a portal operation, on the link (the token's id, never the token)."""
    audit.record(session, actor, "PortalLink", link_id_of(actor), action, changes or {})


async def set_locale(session: AsyncSession, actor: Actor, locale: object) -> str:
    from backend.core.i18n import normalize_locale

    value = normalize_locale(locale) if isinstance(locale, str) else None
    if value not in ("en", "th"):
        raise DomainError(ErrorCode.INVALID_VALUE, "locale")
    link = await session.get(PortalLink, link_id_of(actor), with_for_update=True)
    before = link.locale
    link.locale = value
    record(session, actor, "set_locale", {"locale": {"before": before, "after": value}})
    await session.flush()
    return value


# ------------------------------------------------------------------------------------------------ quotes


def lines_hash(quote, lines) -> str:
    """SHA-256 over what the customer is shown of a quote: its revision and each line's words and amounts."""
    rows = [[str(line.id), line.description, str(line.quantity), line.unit_price, line.discount, line.net, line.tax,
             line.total] for line in sorted(lines, key=lambda x: (x.position, str(x.id)))]
    text = json.dumps({"quote": str(quote.id), "revision": quote.revision, "currency": quote.currency,
                       "lines": rows}, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


VISIBLE_QUOTE_STATES = ("SENT", "APPROVED", "PARTIALLY_APPROVED", "DECLINED")


async def _portal_quote(session: AsyncSession, actor: Actor, quote_id: object, *, for_update: bool = False):
    """A quote of this link's job the customer may see; NOT_FOUND for anything else (another job's, a draft)."""
    from backend.billing.models import Quote

    qid = v.try_parse_id(quote_id)
    query = select(Quote).where(Quote.id == qid, Quote.garage_id == actor.garage_id,
                                Quote.job_id == actor.extra["job_id"])
    if for_update:
        query = query.with_for_update()
    quote = None if qid is None else (await session.execute(query)).scalar_one_or_none()
    if quote is None or quote.status.value not in VISIBLE_QUOTE_STATES:
        raise DomainError(ErrorCode.NOT_FOUND, "quoteId")
    return quote


async def request_code(session: AsyncSession, settings, limiter, actor: Actor, quote_id: object,
                       channel: object) -> ApprovalCode:
    """A one-time code for deciding on this quote, to the customer's phone (SMS) or mail on file."""
    from backend.billing.models import QuoteStatus
    from backend.customers.models import Customer
    from backend.notifications import service as notifications
    from backend.notifications.models import Channel

    if channel not in CHANNELS:
        raise DomainError(ErrorCode.INVALID_VALUE, "channel")
    quote = await _portal_quote(session, actor, quote_id)
    if quote.status not in (QuoteStatus.SENT, QuoteStatus.PARTIALLY_APPROVED):
        raise DomainError(ErrorCode.INVALID_QUOTE_STATE, "quoteId", status=quote.status)
    customer = await session.get(Customer, actor.extra["customer_id"]) if actor.extra["customer_id"] else None
    address = None if customer is None else (customer.phone if channel == "SMS" else customer.email)
    label = {"SMS": "phone number", "EMAIL": "email address"}[channel]
    if not address:
        raise DomainError(ErrorCode.NO_CONTACT, "channel", channel={"en": label, "th": _TH_LABELS[label]})
    link_id = link_id_of(actor)
    if await limiter.hit(f"portal:code:{link_id}", 3600) > settings.portal_codes_per_hour:
        raise DomainError(ErrorCode.RATE_LIMITED, "quoteId", minutes=60)
    now = utcnow()
    code_id = new_id()
    nonce = tokens.new_nonce()
    row = ApprovalCode(id=code_id, garage_id=actor.garage_id, link_id=link_id, quote_id=quote.id, channel=channel,
                       nonce=nonce, code_hash=tokens.code_hash(code_id, tokens.code_for(nonce, settings.secret_key),
                                                               settings.secret_key),
                       attempts=0, created_at=now, expires_at=now + CODE_TTL)
    session.add(row)
    await session.flush()
    sent = await notifications.notify_customer(
        session, garage_id=actor.garage_id, customer_id=customer.id, event="portal_code",
        channel=Channel.SMS if channel == "SMS" else Channel.EMAIL, dedupe_key=f"portal_code:{code_id}",
        context={"approval_code_id": str(code_id), "quote_number": quote.number, "minutes": 10})
    if sent is None:  # no consent for that channel: nothing may be sent there
        raise DomainError(ErrorCode.NO_CONTACT, "channel", channel={"en": label, "th": _TH_LABELS[label]})
    record(session, actor, "request_code", {"quote_id": {"before": None, "after": str(quote.id)},
                                            "channel": {"before": None, "after": channel}})
    return row


_TH_LABELS = {"phone number": "เบอร์โทรศัพท์", "email address": "อีเมล"}


async def check_code(db, settings, actor: Actor, quote_id: uuid.UUID, code: object) -> uuid.UUID:
    """The latest code for (link, quote) matches: its id. A wrong one counts an attempt in its own transaction (so
    the count stays when the mutation's own work is rolled back); the fifth wrong one locks it."""
    async with db.transaction() as session:
        row = (await session.execute(select(ApprovalCode).where(
            ApprovalCode.link_id == link_id_of(actor), ApprovalCode.quote_id == quote_id,
            ApprovalCode.garage_id == actor.garage_id, ApprovalCode.used_at.is_(None))
            .order_by(ApprovalCode.created_at.desc()).limit(1).with_for_update())).scalar_one_or_none()
        return await check_code_row(session, settings, actor, row, code, "PortalLink", link_id_of(actor))


async def check_code_row(session: AsyncSession, settings, actor: Actor, row, code: object, entity: str,
                         entity_id: uuid.UUID) -> uuid.UUID:
    """A one-time code row (the latest unused one, locked) against what the customer typed: its id when it matches;
    a wrong one counts an attempt, audited on `entity` and committed here; the fifth wrong one locks it. Shared by
    the quote decisions and the booking page (backend/scheduling/booking)."""
    given = code.strip() if isinstance(code, str) else ""
    if row is None:
        raise DomainError(ErrorCode.CODE_INVALID, "code")
    if row.attempts >= CODE_ATTEMPTS:
        raise DomainError(ErrorCode.CODE_LOCKED, "code")
    if row.expires_at <= utcnow():
        raise DomainError(ErrorCode.CODE_EXPIRED, "code")
    if not given or not tokens.code_matches(row.id, given, row.code_hash, settings.secret_key):
        row.attempts += 1
        locked = row.attempts >= CODE_ATTEMPTS
        audit.record(session, actor, entity, entity_id, "code_refused",
                     {"attempts": {"before": row.attempts - 1, "after": row.attempts}})
        await session.commit()
        raise DomainError(ErrorCode.CODE_LOCKED if locked else ErrorCode.CODE_INVALID, "code")
    return row.id


@dataclasses.dataclass
class Decision:
    quote_id: object
    version: object
    lines_hash: object
    approve: list
    decline: list
    name: object
    code: object
    ip_address: str | None = None
    user_agent: str | None = None


async def check_decision(session: AsyncSession, actor: Actor, d: Decision, *, for_update: bool = False):
    """(quote, lines, approve ids, decline ids, name) when the decision may be made; else the DomainError. Read
    only: the portal runs it once before the code is checked (a stale page costs no attempt) and again locked."""
    from backend.billing.models import LineDecision
    from backend.billing.service import quotes as billing

    errors = Collector()
    name = v.text(errors, "name", d.name if isinstance(d.name, str) else None, required=True, max_len=MAX_NAME)
    approve = _ids(errors, "approve", d.approve)
    decline = _ids(errors, "decline", d.decline)
    if not approve and not decline and not errors.errors:
        errors.add(ErrorCode.REQUIRED, "approve")
    if set(approve) & set(decline):
        errors.add(ErrorCode.INVALID_VALUE, "decline")
    errors.raise_if_any()
    quote = await _portal_quote(session, actor, d.quote_id, for_update=for_update)
    lines = await billing.quote_lines(session, quote)
    if d.version != quote.version:
        raise DomainError(ErrorCode.CONFLICT, "version")
    if d.lines_hash != lines_hash(quote, lines):
        raise DomainError(ErrorCode.QUOTE_CHANGED, "linesHash")
    known = {line.id: line for line in lines}
    for field, ids in (("approve", approve), ("decline", decline)):
        for index, lid in enumerate(ids):
            if lid not in known:
                raise DomainError(ErrorCode.NOT_FOUND, f"{field}.{index}")
            if known[lid].decision != LineDecision.PENDING:
                raise DomainError(ErrorCode.LINE_ALREADY_DECIDED, f"{field}.{index}")
    return quote, lines, approve, decline, name


async def decide_quote(session: AsyncSession, actor: Actor, d: Decision, code_id: uuid.UUID):
    """The customer's decision, its code already checked (check_code, `code_id`): billing's own approve and
    decline (tasks, parts requests, deferred work), the quote locked, the approval recorded, the code used, the
    job's live event sent."""
    from backend.billing.service import quotes as billing
    from backend.workshop.models import Job
    from backend.workshop.service.common import job_changed

    quote, lines, approve, decline, name = await check_decision(session, actor, d, for_update=True)
    code = await session.get(ApprovalCode, code_id, with_for_update=True)
    if code is None or code.used_at is not None or code.quote_id != quote.id:
        raise DomainError(ErrorCode.CODE_INVALID, "code")
    code.used_at = utcnow()
    known = {line.id: line for line in lines}
    revision, version, digest = quote.revision, quote.version, lines_hash(quote, lines)
    if approve:
        quote = await billing.approve_quote_lines(session, actor, quote.id, [str(i) for i in approve])
    if decline:
        quote = await billing.decline_quote_lines(session, actor, quote.id, [str(i) for i in decline])
    quote.locked = True
    approval = QuoteApproval(
        id=new_id(), garage_id=actor.garage_id, quote_id=quote.id, link_id=link_id_of(actor), revision=revision,
        quote_version=version, lines_hash=digest, approved_line_ids=[str(i) for i in approve],
        declined_line_ids=[str(i) for i in decline], approved_total=sum(known[i].total for i in approve),
        name=name, method=code.channel, ip_address=(d.ip_address or "")[:64] or None,
        user_agent=(d.user_agent or "")[:500] or None, created_at=utcnow())
    session.add(approval)
    record(session, actor, "decide_quote", {
        "quote_id": {"before": None, "after": str(quote.id)}, "approved": {"before": None, "after": len(approve)},
        "declined": {"before": None, "after": len(decline)},
        "approval_id": {"before": None, "after": str(approval.id)}})
    await session.flush()
    job = await session.get(Job, actor.extra["job_id"])
    job_changed(session, job)  # the job card and the board hear it after the commit
    return quote


def _ids(errors: Collector, field: str, values: object) -> list[uuid.UUID]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)) or len(values) > 200:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return []
    out = []
    for index, value in enumerate(values):
        ident = v.try_parse_id(value)
        if ident is None:
            errors.add(ErrorCode.NOT_FOUND, f"{field}.{index}")
        elif ident not in out:
            out.append(ident)
    return out

