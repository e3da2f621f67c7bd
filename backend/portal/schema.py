"""The portal's own GraphQL schema (/portal/graphql, exported as portal.graphql): no staff type is reachable from it.

Authentication: the header `Authorization: Portal <token>` (WebSocket: connection parameter `portalToken`). A token
that opens nothing answers every field with an error whose extensions carry the code (PORTAL_LINK_INVALID,
PORTAL_LINK_EXPIRED, PORTAL_LINK_REVOKED, RATE_LIMITED) and, for an expired or revoked link, the garage's name and
phone; the message is in the customer's language.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncGenerator
from decimal import Decimal

import strawberry

from backend.api.errors import PublicError
from backend.core.errors import DomainError, DomainErrors, ErrorCode
from backend.core.i18n import label, translate
from backend.core.errors import MESSAGES
from backend.portal import service
from backend.portal import views


@strawberry.enum(description="What went wrong in the portal, for the page to act on.")
class PortalErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_VALUE = "INVALID_VALUE"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    QUOTE_CHANGED = "QUOTE_CHANGED"
    INVALID_QUOTE_STATE = "INVALID_QUOTE_STATE"
    LINE_ALREADY_DECIDED = "LINE_ALREADY_DECIDED"
    CODE_INVALID = "CODE_INVALID"
    CODE_EXPIRED = "CODE_EXPIRED"
    CODE_LOCKED = "CODE_LOCKED"
    NO_CONTACT = "NO_CONTACT"
    RATE_LIMITED = "RATE_LIMITED"
    PORTAL_LINK_INVALID = "PORTAL_LINK_INVALID"
    PORTAL_LINK_EXPIRED = "PORTAL_LINK_EXPIRED"
    PORTAL_LINK_REVOKED = "PORTAL_LINK_REVOKED"
    SLOT_TAKEN = "SLOT_TAKEN"
    BOOKING_CUT_OFF = "BOOKING_CUT_OFF"
    ALREADY_BOOKED = "ALREADY_BOOKED"
    SERVICES_MIXED = "SERVICES_MIXED"
    SITE_CLOSED = "SITE_CLOSED"  # a time asked for outside the site's opening hours
    SITE_CLOSED_DAY = "SITE_CLOSED_DAY"  # ... on a day the site is closed (a public holiday)
    OTHER = "OTHER"  # the garage's side refused (stock, the job's state): the message says what


@strawberry.type(description="An expected failure of a portal mutation; the message is in the customer's language.")
class PortalError:
    field: str | None
    code: PortalErrorCode
    message: str


def _errors(exc: DomainError | DomainErrors, locale: str) -> list[PortalError]:
    items = exc.errors if isinstance(exc, DomainErrors) else [exc]
    known = set(PortalErrorCode.__members__)
    return [PortalError(field=e.field, code=PortalErrorCode[e.code.value] if e.code.value in known
                        else PortalErrorCode.OTHER, message=e.message(locale)) for e in items]


# ------------------------------------------------------------------------------------------------ types


@strawberry.type
class PortalGarage:
    name: str
    phone: str | None
    email: str | None
    address: str | None
    prompt_pay_id: str | None


@strawberry.type
class PortalVehicle:
    registration: str
    make: str | None
    model: str | None


@strawberry.type
class PortalTimelineEntry:
    at: dt.datetime
    status: str
    label: str


@strawberry.type
class PortalJob:
    number: str
    status: str
    status_label: str
    promised_at: dt.datetime | None
    vehicle: PortalVehicle
    timeline: list[PortalTimelineEntry]


@strawberry.type(description="A photo or document: links valid for 5 minutes, for this portal link only.")
class PortalFile:
    name: str
    content_type: str
    url: str
    thumbnail_url: str | None


@strawberry.type
class PortalCounts:
    good: int
    advise: int
    urgent: int


@strawberry.type
class PortalInspectionItem:
    section_title: str
    title: str
    condition: str | None = strawberry.field(description="GOOD (green), ADVISE (amber), URGENT (red); null: not rated")
    value: Decimal | None
    unit: str | None
    note: str | None
    photos: list[PortalFile]


@strawberry.type
class PortalInspection:
    id: strawberry.ID
    name: str
    status: str
    completed_at: dt.datetime | None
    counts: PortalCounts
    items: list[PortalInspectionItem]


@strawberry.type
class PortalApprovalCounts:
    approved: int
    declined: int
    pending: int
    total: int


@strawberry.type
class PortalQuoteLine:
    id: strawberry.ID
    description: str
    quantity: Decimal
    unit_price: int = strawberry.field(description="Minor units of the quote's currency.")
    discount: int
    net_amount: int
    tax_amount: int
    total: int
    decision: str = strawberry.field(description="PENDING, APPROVED or DECLINED")
    photos: list[PortalFile]


@strawberry.type
class PortalQuote:
    id: strawberry.ID
    number: str
    version: int = strawberry.field(description="Send it back in decideQuote: a quote changed since is refused.")
    revision: int
    status: str
    status_label: str
    currency: str
    tax_label: str
    tax_rate: Decimal
    prices_include_tax: bool
    subtotal: int
    tax_total: int
    total: int
    locked: bool
    lines_hash: str = strawberry.field(description="The hash of the lines as shown; send it back in decideQuote.")
    valid_until: dt.date | None
    lines: list[PortalQuoteLine]
    approvals: PortalApprovalCounts


@strawberry.type(description="A PromptPay QR (Thai QR Payment, EMVCo) for an invoice's balance due.")
class PortalPromptPay:
    payload: str
    svg: str = strawberry.field(description="The QR as an SVG image, ready to show.")
    amount: int = strawberry.field(description="The balance due in the QR, in minor units.")


@strawberry.type
class PortalInvoice:
    number: str | None
    issue_date: dt.date | None
    currency: str
    total: int
    balance: int
    status: str
    pdf_url: str
    prompt_pay: PortalPromptPay | None = strawberry.field(
        description="Null when the garage has no PromptPay ID or biller ID, or nothing is due.")


def _prompt_pay(garage, invoice) -> PortalPromptPay | None:
    from backend.billing import promptpay

    qr = promptpay.for_balance(garage, invoice.currency, invoice.balance_due, invoice.number)
    return None if qr is None else PortalPromptPay(payload=qr.payload, svg=qr.svg(), amount=qr.amount)


@strawberry.type
class PortalReceipt:
    invoice_number: str | None
    amount: int
    currency: str
    paid_on: dt.date
    method: str
    pdf_url: str


@strawberry.type
class Portal:
    locale: str
    link_expires_at: dt.datetime | None = strawberry.field(description="Null while the job is not yet collected.")
    garage: PortalGarage
    job: PortalJob
    inspections: list[PortalInspection]
    quotes: list[PortalQuote]
    invoices: list[PortalInvoice]
    receipts: list[PortalReceipt]
    documents: list[PortalFile]


def _title(entry: dict, locale: str) -> str:
    return entry.get(f"title_{locale}") or entry.get("title_en") or entry.get("title") or entry.get("key") or ""


def _file(settings, actor, a) -> PortalFile:
    return PortalFile(name=a.name, content_type=a.content_type,
                      url=views.portal_file_url(settings, a, "file", actor),
                      thumbnail_url=views.portal_file_url(settings, a, "thumbnail", actor) if a.thumbnail_key else None)


def _inspection(settings, actor, locale, data, inspection) -> PortalInspection:
    by_key = {r.item_key: r for r in data.results.get(inspection.id, [])}
    items, counts = [], {"GOOD": 0, "ADVISE": 0, "URGENT": 0}
    for section in inspection.sections or []:
        for item in section.get("items", []):
            r = by_key.get(item.get("key"))
            if r is None:
                continue
            condition = r.condition.value if r.condition is not None else None
            if condition in counts:
                counts[condition] += 1
            items.append(PortalInspectionItem(
                section_title=_title(section, locale), title=_title(item, locale), condition=condition,
                value=r.value, unit=item.get("unit"), note=r.note,
                photos=[_file(settings, actor, a) for a in data.photos.get((inspection.id, r.item_key), [])]))
    name = (inspection.name_th if locale == "th" and inspection.name_th else inspection.name_en)
    return PortalInspection(id=strawberry.ID(str(inspection.id)), name=name, status=inspection.status.value,
                            completed_at=inspection.completed_at,
                            counts=PortalCounts(good=counts["GOOD"], advise=counts["ADVISE"],
                                                urgent=counts["URGENT"]), items=items)


def _quote(settings, actor, locale, data, q) -> PortalQuote:
    lines = data.lines.get(q.id, [])
    counts = {"approved": 0, "declined": 0, "pending": 0}
    for line in lines:
        counts[line.decision.value.lower()] += 1
    return PortalQuote(
        id=strawberry.ID(str(q.id)), number=q.number, version=q.version, revision=q.revision, status=q.status.value,
        status_label=label(locale, q.status), currency=q.currency, tax_label=q.tax_label, tax_rate=q.tax_rate,
        prices_include_tax=q.prices_include_tax, subtotal=q.subtotal, tax_total=q.tax_total, total=q.total,
        locked=q.locked, lines_hash=service.lines_hash(q, lines), valid_until=q.valid_until,
        lines=[PortalQuoteLine(id=strawberry.ID(str(line.id)), description=line.description, quantity=line.quantity,
                               unit_price=line.unit_price, discount=line.discount, net_amount=line.net,
                               tax_amount=line.tax, total=line.total, decision=line.decision.value,
                               photos=[_file(settings, actor, a) for a in data.line_photos.get(line.id, [])])
               for line in lines],
        approvals=PortalApprovalCounts(total=len(lines), **counts))


async def build_portal(ctx) -> Portal:
    from backend.billing.documents.signing import signed_pdf_url

    actor, settings, locale = ctx.actor, ctx.settings, ctx.locale
    async with ctx.read() as session:
        data = await views.load(session, actor)
        days = await service.link_days(session, actor.garage_id)
    job, garage, site, vehicle = data.job, data.garage, data.site, data.vehicle
    timeline = [PortalTimelineEntry(at=e.at, status=e.to_status.value, label=label(locale, e.to_status))
                for e in data.events if e.to_status is not None]
    invoice_numbers = {i.id: i.number for i in data.invoices}
    return Portal(
        locale=locale, link_expires_at=service.expires_at(job, days),
        garage=PortalGarage(name=garage.name, phone=site.phone if site else None, email=None,
                            address=(site.address if site and site.address else garage.address),
                            prompt_pay_id=garage.promptpay_id),
        job=PortalJob(number=job.number, status=job.status.value, status_label=label(locale, job.status),
                      promised_at=job.promised_at,
                      vehicle=PortalVehicle(registration=vehicle.registration_display, make=vehicle.make,
                                            model=vehicle.model), timeline=timeline),
        inspections=[_inspection(settings, actor, locale, data, i) for i in data.inspections],
        quotes=[_quote(settings, actor, locale, data, q) for q in data.quotes],
        invoices=[PortalInvoice(number=i.number, issue_date=i.issue_date, currency=i.currency, total=i.total,
                                balance=i.balance_due, status=i.status.value,
                                pdf_url=signed_pdf_url("invoice", i.id, i.garage_id, None, locale=locale,
                                                       secret=settings.secret_key, ttl_seconds=views.PDF_LINK_TTL),
                                prompt_pay=_prompt_pay(garage, i))
                  for i in data.invoices],
        receipts=[PortalReceipt(invoice_number=invoice_numbers.get(p.invoice_id), amount=p.amount,
                                currency=next(i.currency for i in data.invoices if i.id == p.invoice_id),
                                paid_on=p.paid_on, method=p.method.value,
                                pdf_url=signed_pdf_url("receipt", p.id, actor.garage_id, None, locale=locale,
                                                       secret=settings.secret_key, ttl_seconds=views.PDF_LINK_TTL))
                  for ps in data.payments.values() for p in ps],
        documents=[_file(settings, actor, a) for a in data.documents],
    )


# ------------------------------------------------------------------------------------------------ access


def portal_actor(info):
    """The token's actor, or the error that says why there is none (in the customer's language)."""
    ctx = info.context
    denied = getattr(ctx, "portal_denied", None)
    if denied is not None:
        raise denied_error(denied, ctx.locale)
    if ctx.actor is None or "portal_link_id" not in ctx.actor.extra:
        raise denied_error(service.Denied(ErrorCode.PORTAL_LINK_INVALID), ctx.locale)
    return ctx.actor


def denied_error(denied, locale: str) -> PublicError:
    if denied.code == ErrorCode.RATE_LIMITED:
        message = translate(locale, MESSAGES[ErrorCode.RATE_LIMITED], minutes=1)
    else:
        message = translate(locale, MESSAGES[denied.code])
    return PublicError(message, extensions={"code": denied.code.value, "garageName": denied.garage_name or None,
                                            "garagePhone": denied.garage_phone})


async def _audited(ctx, action: str) -> None:
    async with ctx.db.transaction() as session:
        service.record(session, ctx.actor, action)


@strawberry.type
class Query:
    @strawberry.field(description="Everything of this link's job the customer may see.")
    async def portal(self, info: strawberry.Info) -> Portal:
        portal_actor(info)
        result = await build_portal(info.context)
        await _audited(info.context, "view")
        return result


# ------------------------------------------------------------------------------------------------ mutations


@strawberry.enum
class CodeChannel(enum.Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"


@strawberry.input
class RequestApprovalCodeInput:
    quote_id: strawberry.ID
    channel: CodeChannel


@strawberry.input
class DecideQuoteInput:
    quote_id: strawberry.ID
    version: int
    lines_hash: str
    approve: list[strawberry.ID] = strawberry.field(default_factory=list)
    decline: list[strawberry.ID] = strawberry.field(default_factory=list)
    name: str
    code: str


@strawberry.type
class SetPortalLocalePayload:
    locale: str | None = None
    errors: list[PortalError] = strawberry.field(default_factory=list)


@strawberry.type
class RequestApprovalCodePayload:
    sent: bool = False
    channel: CodeChannel | None = None
    expires_at: dt.datetime | None = None
    errors: list[PortalError] = strawberry.field(default_factory=list)


@strawberry.type
class DecideQuotePayload:
    quote: PortalQuote | None = None
    errors: list[PortalError] = strawberry.field(default_factory=list)


async def _in_transaction(ctx, fn):
    """fn(session) in the operation's transaction; a DomainError rolls it back and comes back as errors."""
    session = await ctx.session()
    try:
        async with session.begin_nested():
            return await fn(session), []
    except (DomainError, DomainErrors) as exc:
        return None, _errors(exc, ctx.locale)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="The portal's language for this link (en or th).")
    async def set_portal_locale(self, info: strawberry.Info, locale: str) -> SetPortalLocalePayload:
        actor = portal_actor(info)
        value, errors = await _in_transaction(info.context, lambda s: service.set_locale(s, actor, locale))
        if value:
            info.context.locale = value
        return SetPortalLocalePayload(locale=value, errors=errors)

    @strawberry.mutation(description="Send a one-time code (6 digits, 10 minutes) to the phone or mail on file.")
    async def request_approval_code(self, info: strawberry.Info,
                                    input: RequestApprovalCodeInput) -> RequestApprovalCodePayload:
        actor = portal_actor(info)
        ctx = info.context
        row, errors = await _in_transaction(ctx, lambda s: service.request_code(
            s, ctx.settings, ctx.services.limiter, actor, input.quote_id, input.channel.value))
        if row is None:
            return RequestApprovalCodePayload(errors=errors)
        return RequestApprovalCodePayload(sent=True, channel=CodeChannel(row.channel), expires_at=row.expires_at)

    @strawberry.mutation(description="Approve and decline lines of a quote, confirmed by name and the code sent.")
    async def decide_quote(self, info: strawberry.Info, input: DecideQuoteInput) -> DecideQuotePayload:
        actor = portal_actor(info)
        ctx = info.context
        request = ctx.request
        d = service.Decision(quote_id=input.quote_id, version=input.version, lines_hash=input.lines_hash,
                             approve=list(input.approve), decline=list(input.decline), name=input.name,
                             code=input.code, ip_address=ctx.client_address,
                             user_agent=request.headers.get("user-agent") if request is not None else None)
        try:  # before the code counts an attempt: a stale page or a bad form costs none
            async with ctx.read() as session:
                checked, *_ = await service.check_decision(session, actor, d)
            code_id = await service.check_code(ctx.db, ctx.settings, actor, checked.id, d.code)
        except (DomainError, DomainErrors) as exc:
            return DecideQuotePayload(errors=_errors(exc, ctx.locale))
        quote, errors = await _in_transaction(ctx, lambda s: service.decide_quote(s, actor, d, code_id))
        if quote is None:
            return DecideQuotePayload(errors=errors)
        async with ctx.loader_session() as session:
            data = await views.load(session, actor)
        shown = next(q for q in data.quotes if q.id == quote.id)
        return DecideQuotePayload(quote=_quote(ctx.settings, actor, ctx.locale, data, shown))


# ------------------------------------------------------------------------------------------------ live


@strawberry.type(description="The job changed: its status and each quote's approval counts now.")
class PortalJobEvent:
    status: str
    status_label: str
    quotes: list[PortalQuote]


@strawberry.type
class Subscription:
    @strawberry.subscription(description="This link's job, live: an event each time the job or its quotes change.")
    async def portal_job(self, info: strawberry.Info) -> AsyncGenerator[PortalJobEvent, None]:
        from backend.workshop.service.common import job_channel

        actor = portal_actor(info)
        ctx = info.context
        channel = job_channel(actor.garage_id, actor.extra["job_id"])
        await _audited(ctx, "subscribe")
        async with ctx.services.pubsub.subscribe(channel) as messages:
            async for _message in messages:
                async with ctx.read() as session:  # a link revoked or expired since hears no more
                    link = await session.get(service.PortalLink, actor.extra["portal_link_id"])
                    if link is None or link.revoked_at is not None:
                        raise denied_error(service.Denied(ErrorCode.PORTAL_LINK_REVOKED), ctx.locale)
                    data = await views.load(session, actor)
                yield PortalJobEvent(status=data.job.status.value, status_label=label(ctx.locale, data.job.status),
                                     quotes=[_quote(ctx.settings, actor, ctx.locale, data, q) for q in data.quotes])


class PortalSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Expected errors (a link that opens nothing) are not logged; unexpected ones are by the extension."""


def build_portal_schema(extensions: list | None = None) -> strawberry.Schema:
    from backend.api.extensions import OperationScope, ShapeErrors

    from strawberry.tools import merge_types

    from backend.portal.booking_schema import BookingMutation, BookingQuery

    return PortalSchema(query=merge_types("Query", (Query, BookingQuery)),
                        mutation=merge_types("Mutation", (Mutation, BookingMutation)), subscription=Subscription,
                        extensions=[OperationScope, *(extensions or []), ShapeErrors])


def portal_extensions(settings) -> list:
    """The staff API's limits on a document (depth, aliases, tokens) and no introspection in production."""
    from graphql.validation import NoSchemaIntrospectionCustomRule
    from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

    depth, aliases, tokens = settings.max_query_depth, settings.max_aliases, settings.max_tokens
    out = [lambda: QueryDepthLimiter(max_depth=depth), lambda: MaxAliasesLimiter(max_alias_count=aliases),
           lambda: MaxTokensLimiter(max_token_count=tokens)]
    if settings.is_production:
        out.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return out
