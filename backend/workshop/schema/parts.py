"""GraphQL for parts requests: request, approve / reject, issue (stock), complete (fitted), return; the managers'
queues and their live feed."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.accounts.loaders import UserLoader
from backend.accounts.schema import User
from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError, forbidden
from backend.api.events import subscribe
from backend.api.mutations import client_id, given, run_input
from backend.api.permissions import check, requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.core.validate import try_parse_id
from backend.inventory.loaders import SiteStockForRequestLoader, WarehouseItemLoader
from backend.workshop.loaders import JobLoader, PartsRequestLoader
from backend.workshop.models import PartsRequestStatus as PartsRequestStatusEnum
from backend.workshop.service import parts as service
from backend.workshop.service.common import parts_channel

if TYPE_CHECKING:
    from backend.inventory.schema import WarehouseItem
    from backend.workshop.schema.jobs import Job

JobRef = Annotated["Job", strawberry.lazy("backend.workshop.schema.jobs")]
ItemRef = Annotated["WarehouseItem", strawberry.lazy("backend.inventory.schema")]

PartsRequestStatus = strawberry.enum(PartsRequestStatusEnum, name="PartsRequestStatus")


@strawberry.enum(description="The managers' queues: requests to approve (PENDING) and approved ones to issue.")
class PartsQueue(enum.Enum):
    APPROVAL = "APPROVAL"
    ISSUE = "ISSUE"


async def _user(info: strawberry.Info, user_id) -> User | None:
    return await info.context.loader(UserLoader).load(user_id) if user_id else None


@strawberry.type(description="The item's stock at the warehouse a parts request is issued from: its job's site's.")
class PartsRequestSiteStock:
    warehouse_id: strawberry.ID | None = strawberry.field(description="Null while the site has no warehouse yet.")
    warehouse_name: str
    on_hand: int
    available: int = strawberry.field(description="On hand less what is reserved for approved requests.")
    held: int = strawberry.field(description="Of what is reserved, held for this request.")
    can_issue: int = strawberry.field(description="What issuing may take now: available plus held.")


@strawberry.type(description="Parts asked for a job: PENDING -> APPROVED | REJECTED -> ISSUED (stock deducted) -> "
                             "COMPLETED (fitted). unitCost and unitPrice are the item's prices when issued.")
class PartsRequest:
    id: strawberry.ID
    quantity: int
    returned_quantity: int = strawberry.field(description="Returned to the shelf after issue.")
    status: PartsRequestStatus
    note: str | None
    reject_reason: str | None
    unit_price: int | None = strawberry.field(description="Minor units; set when issued.")
    decided_at: dt.datetime | None
    issued_at: dt.datetime | None
    completed_at: dt.datetime | None
    version: int
    created_at: dt.datetime

    @strawberry.field(extensions=requires(P.COSTS_READ),
                      description="Minor units; set when issued. Null with a FORBIDDEN error unless you may read "
                                  "costs (costs:read).")
    def unit_cost(self) -> int | None:
        return self.unit_cost  # type: ignore[attr-defined]

    @strawberry.field
    def job(self, info: strawberry.Info) -> JobRef | None:
        return info.context.loader(JobLoader).load(self.job_id)  # type: ignore[attr-defined]

    @strawberry.field
    def item(self, info: strawberry.Info) -> ItemRef | None:
        return info.context.loader(WarehouseItemLoader).load(self.item_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The item's stock at the job's site warehouse, where it is issued from (the "
                                  "item's quantityOnHand is the garage's total).")
    async def site_stock(self, info: strawberry.Info) -> PartsRequestSiteStock | None:
        row = await info.context.loader(SiteStockForRequestLoader).load(self.id)  # type: ignore[attr-defined]
        if row is None:
            return None
        return PartsRequestSiteStock(warehouse_id=row.warehouse_id, warehouse_name=row.warehouse_name,
                                     on_hand=row.on_hand, available=row.available, held=row.held,
                                     can_issue=row.available + row.held)

    @strawberry.field
    async def requested_by(self, info: strawberry.Info) -> User | None:
        return await _user(info, self.requested_by_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Who approved or rejected it.")
    async def decided_by(self, info: strawberry.Info) -> User | None:
        return await _user(info, self.decided_by_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def issued_by(self, info: strawberry.Info) -> User | None:
        return await _user(info, self.issued_by_id)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------ inputs / payloads


@strawberry.input
class RequestPartsInput:
    id: strawberry.ID | None = strawberry.UNSET
    job_id: strawberry.ID
    quantity: int
    item_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A part of the catalog; without it, `description` names a part that is "
                                              "not in the catalog (ordered for the job by the warehouse manager).")
    description: str | None = strawberry.UNSET
    note: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class PartsRequestActionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class RejectPartsRequestInput:
    id: strawberry.ID
    reason: str
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ReturnPartsInput:
    id: strawberry.ID = strawberry.field(description="The parts request the parts were issued against.")
    quantity: int
    reason: str | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class PartsRequestPayload:
    parts_request: PartsRequest | None = None
    job: JobRef | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)






async def _parts_mutation(info: strawberry.Info, input, fn, *args, current: bool = True) -> PartsRequestPayload:
    """One parts request service call; a stale one (CONFLICT) answers with the request as it is now."""
    request, errors = await run_input(info, input, fn, *args, find=service.find_parts_request,
                                      current_id=input.id if current else None)
    job = await info.context.loader(JobLoader).load(request.job_id) if request is not None else None
    return PartsRequestPayload(parts_request=request, job=job, errors=errors)




# ------------------------------------------------------------------------------------------------ operations


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.PARTS_READ), description="A job's parts requests, oldest first.")
    async def parts_requests(self, info: strawberry.Info, job_id: strawberry.ID) -> list[PartsRequest]:
        return await read(info, service.list_parts_requests, job_id)

    @strawberry.field(extensions=requires(P.PARTS_READ), description="A parts request; null when unknown.")
    async def parts_request(self, info: strawberry.Info, id: strawberry.ID) -> PartsRequest | None:
        return await read(info, service.find_parts_request, id)

    @strawberry.field(extensions=requires(P.PARTS_READ),
                      description="A managers' queue, garage-wide, oldest first: APPROVAL (pending requests) or "
                                  "ISSUE (approved ones). A technician sees their own jobs' requests only.")
    async def pending_parts_requests(self, info: strawberry.Info, queue: PartsQueue, first: int | None = None,
                                     after: str | None = None) -> Connection[PartsRequest]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.pending_parts_requests, queue.value, limit=limit,
                         after=connections.after_pair(info, after))
        return connections.build(rows, limit, key=lambda r: (r.created_at.isoformat(), r.id))


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.PARTS_REQUEST),
                         description="Ask for parts on your job in progress; the job waits for them (AWAITING_PARTS).")
    async def request_parts(self, info: strawberry.Info, input: RequestPartsInput) -> PartsRequestPayload:
        async def call(session, actor):  # the client's id is parsed inside the transaction: a bad one is data
            return await service.request_parts(session, actor, input.job_id, given(input.item_id), input.quantity,
                                               given(input.note), client_id(input.id),
                                               description=given(input.description))

        return await _parts_mutation(info, input, call, current=False)

    @strawberry.mutation(extensions=requires(P.PARTS_APPROVE))
    async def approve_parts_request(self, info: strawberry.Info, input: PartsRequestActionInput) -> PartsRequestPayload:
        return await _parts_mutation(info, input, service.approve_parts_request, input.id,
                                     given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.PARTS_APPROVE), description="Refuse a pending request, with a reason.")
    async def reject_parts_request(self, info: strawberry.Info, input: RejectPartsRequestInput) -> PartsRequestPayload:
        return await _parts_mutation(info, input, service.reject_parts_request, input.id, input.reason,
                                     given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.PARTS_ISSUE),
                         description="Hand approved parts over: the stock is deducted at once, or INSUFFICIENT_STOCK "
                                     "and nothing changes.")
    async def issue_parts_request(self, info: strawberry.Info, input: PartsRequestActionInput) -> PartsRequestPayload:
        return await _parts_mutation(info, input, service.issue_parts_request, input.id, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.PARTS_REQUEST), description="The issued parts are fitted.")
    async def complete_parts_request(self, info: strawberry.Info,
                                     input: PartsRequestActionInput) -> PartsRequestPayload:
        return await _parts_mutation(info, input, service.complete_parts_request, input.id,
                                     given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.PARTS_ISSUE),
                         description="Unused parts back on the shelf (at most what was issued and not returned).")
    async def return_parts(self, info: strawberry.Info, input: ReturnPartsInput) -> PartsRequestPayload:
        return await _parts_mutation(info, input, service.return_parts, input.id, input.quantity, given(input.reason),
                                     given(input.expected_version))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every change of a parts request of the garage (the managers' queues), "
                                         "with its new state. For those who approve or issue parts.")
    async def parts_requests_changed(self, info: strawberry.Info) -> AsyncGenerator[PartsRequest, None]:
        check(info, None)
        actor = info.context.actor
        if not (actor.can(P.PARTS_APPROVE) or actor.can(P.PARTS_ISSUE)):
            raise forbidden(info.context.locale)
        async for message in subscribe(info, None, parts_channel(actor.garage_id)):
            request_id = try_parse_id(message.get("partsRequestId"))
            request = await info.context.loader(PartsRequestLoader).load(request_id) if request_id else None
            if request is not None:
                yield request
