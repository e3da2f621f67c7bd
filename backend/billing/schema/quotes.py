"""GraphQL for quotes: create / update (drafts), send, the customer's decision line by line, attach to a job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.mutations import client_id, given, run_input
from backend.api.permissions import requires
from backend.api.queries import read
from backend.billing.schema.types import BillingLineInput, Quote, QuoteStatus
from backend.billing.service import quotes as service
from backend.billing.service.common import _UNSET, LineInput
from backend.core.permissions import Permission as P

_ = Decimal


def line_inputs(lines) -> list[LineInput] | object:
    if lines is strawberry.UNSET or lines is None:
        return _UNSET
    out = []
    for line in lines:
        out.append(LineInput(**{name: (_UNSET if getattr(line, name) is strawberry.UNSET else getattr(line, name))
                                for name in ("kind", "description", "quantity", "unit_price", "discount",
                                             "billed_hours", "task_action_id", "item_id")}))
    return out


def _opt(value):
    return _UNSET if value is strawberry.UNSET else value


@strawberry.input
class CreateQuoteInput:
    id: strawberry.ID | None = strawberry.UNSET
    job_id: strawberry.ID | None = strawberry.UNSET
    vehicle_id: strawberry.ID | None = strawberry.UNSET
    site_id: strawberry.ID | None = strawberry.UNSET
    valid_until: dt.date | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    lines: list[BillingLineInput]
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateQuoteInput:
    id: strawberry.ID
    valid_until: dt.date | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    lines: list[BillingLineInput] | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class SendQuoteInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="The customer's decision on some lines of a sent quote.")
class QuoteLinesDecisionInput:
    id: strawberry.ID = strawberry.field(description="The quote.")
    line_ids: list[strawberry.ID]
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Withdraw a draft or sent quote; it stays, CANCELLED, with its number.")
class CancelQuoteInput:
    id: strawberry.ID
    reason: str
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class AttachQuoteToJobInput:
    id: strawberry.ID
    job_id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class QuoteFilter:
    status: list[QuoteStatus] | None = None
    customer_id: strawberry.ID | None = None
    vehicle_id: strawberry.ID | None = None
    job_id: strawberry.ID | None = None
    site_id: strawberry.ID | None = None


@strawberry.type
class QuotePayload:
    quote: Quote | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _quote_mutation(info, input, fn, *args, current: bool = True) -> QuotePayload:
    """One quote service call; a stale one (CONFLICT) answers with the quote as it is now."""
    quote, errors = await run_input(info, input, fn, *args, find=service.find_quote,
                                    current_id=input.id if current else None)
    return QuotePayload(quote=quote, errors=errors)


def _data(input_) -> service.QuoteData:
    return service.QuoteData(
        site_id=_opt(getattr(input_, "site_id", strawberry.UNSET)),
        vehicle_id=_opt(getattr(input_, "vehicle_id", strawberry.UNSET)),
        job_id=_opt(getattr(input_, "job_id", strawberry.UNSET)), valid_until=_opt(input_.valid_until),
        notes=_opt(input_.notes), lines=line_inputs(input_.lines))


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.QUOTES_READ), description="A quote; null when unknown.")
    async def quote(self, info: strawberry.Info, id: strawberry.ID) -> Quote | None:
        return await read(info, service.find_quote, id)

    @strawberry.field(extensions=requires(P.QUOTES_READ), description="Quotes, newest first.")
    async def quotes(self, info: strawberry.Info, filter: QuoteFilter | None = None, first: int | None = None,
                     after: str | None = None) -> Connection[Quote]:
        limit = connections.page_size(info, first)
        f = filter or QuoteFilter()
        rows = await read(info, service.list_quotes, service.QuoteFilter(
            status=f.status, customer_id=f.customer_id, vehicle_id=f.vehicle_id, job_id=f.job_id,
            site_id=f.site_id), limit=limit, after=connections.after_pair(info, after))
        return connections.build(rows, limit, key=lambda q: (q.created_at.isoformat(), q.id))


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE),
                         description="A quote for a job, or for a vehicle (and a site) before any job; numbered now.")
    async def create_quote(self, info: strawberry.Info, input: CreateQuoteInput) -> QuotePayload:
        async def call(session, actor):
            return await service.create_quote(session, actor, _data(input), client_id(input.id))

        return await _quote_mutation(info, input, call, current=False)

    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE), description="Change a draft (lines replace all).")
    async def update_quote(self, info: strawberry.Info, input: UpdateQuoteInput) -> QuotePayload:
        return await _quote_mutation(info, input, service.update_quote, input.id, _data(input),
                                     given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE), description="DRAFT -> SENT.")
    async def send_quote(self, info: strawberry.Info, input: SendQuoteInput) -> QuotePayload:
        return await _quote_mutation(info, input, service.send_quote, input.id, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE),
                         description="DRAFT or SENT -> CANCELLED, with the reason (quotes are never deleted and "
                                     "their numbers never reused).")
    async def cancel_quote(self, info: strawberry.Info, input: CancelQuoteInput) -> QuotePayload:
        return await _quote_mutation(info, input, service.cancel_quote, input.id, input.reason,
                                     given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE),
                         description="The customer approves lines: they become tasks and parts requests on the "
                                     "quote's job when it is being worked, else they wait (attachQuoteToJob).")
    async def approve_quote_lines(self, info: strawberry.Info, input: QuoteLinesDecisionInput) -> QuotePayload:
        return await _quote_mutation(info, input, service.approve_quote_lines, input.id, input.line_ids,
                                     given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE),
                         description="The customer declines lines: they stay on the vehicle as deferred work.")
    async def decline_quote_lines(self, info: strawberry.Info, input: QuoteLinesDecisionInput) -> QuotePayload:
        return await _quote_mutation(info, input, service.decline_quote_lines, input.id, input.line_ids,
                                     given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE),
                         description="Link a quote to its vehicle's job and put its approved lines on the job.")
    async def attach_quote_to_job(self, info: strawberry.Info, input: AttachQuoteToJobInput) -> QuotePayload:
        return await _quote_mutation(info, input, service.attach_quote_to_job, input.id, input.job_id,
                                     given(input.expected_version))
