"""GraphQL for outbound webhooks (admins: permission webhooks:manage): endpoints, their delivery log, redelivery and
a test ping. The signing secret is in the payload of create and rotate only."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError, bad_input
from backend.api.mutations import client_id, fields_of, given, run, run_input
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.errors import ErrorCode
from backend.core.permissions import Permission as P
from backend.integrations.webhooks import service
from backend.integrations.webhooks.loaders import AttemptsLoader
from backend.integrations.webhooks.models import DeliveryStatus as DeliveryStatusEnum

WebhookDeliveryStatus = strawberry.enum(
    DeliveryStatusEnum, name="WebhookDeliveryStatus",
    description="QUEUED (waiting for an attempt), SENDING, SUCCEEDED (the endpoint answered 2xx), FAILED (every "
                "attempt failed, or the address was refused; redeliverWebhook sends it again), CANCELLED (the "
                "endpoint was switched off first).")


@strawberry.type(description="A URL of the garage's that hears the events it chose, signed with its secret.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    description: str | None
    events: list[str] = strawberry.field(description="The event names it hears (webhookEventTypes).")
    active: bool = strawberry.field(description="False when switched off (by an admin, or by MotoTrack after "
                                                "repeated failed deliveries: then disabledAt is set).")
    disabled_at: dt.datetime | None = strawberry.field(
        description="When MotoTrack switched it off after webhookDisableAfter failed deliveries in a row.")
    consecutive_failures: int = strawberry.field(description="Deliveries that ended FAILED in a row.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(description="The secret's last four characters, to tell which one a receiver holds.")
    def secret_hint(self) -> str:
        return "…" + self.secret[-4:]  # type: ignore[attr-defined]


@strawberry.type(description="One try of one delivery.")
class WebhookAttempt:
    attempt: int
    at: dt.datetime
    succeeded: bool
    status_code: int | None = strawberry.field(description="The endpoint's HTTP status; null when none came back.")
    duration_ms: int
    error: str | None = strawberry.field(description="Why it failed: HTTP status and the answer's start, a "
                                                     "timeout, a refused address...")


@strawberry.type(description="One event to one endpoint, and how its attempts went.")
class WebhookDelivery:
    id: strawberry.ID
    event_type: str
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_duration_ms: int | None
    last_error: str | None
    last_attempt_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field(description="The event's id: the MotoTrack-Webhook-Id header and the body's id (the same on "
                                  "every retry and redelivery).")
    def event_id(self) -> strawberry.ID:
        return self.event_id  # type: ignore[attr-defined]

    @strawberry.field
    def endpoint_id(self) -> strawberry.ID:
        return self.endpoint_id  # type: ignore[attr-defined]

    @strawberry.field(description="The delivery this one sends again, for a redelivery.")
    def redelivery_of_id(self) -> strawberry.ID | None:
        return self.redelivery_of_id  # type: ignore[attr-defined]

    @strawberry.field(description="Every attempt, first to last.")
    def attempt_log(self, info: strawberry.Info) -> list[WebhookAttempt]:
        return info.context.loader(AttemptsLoader).load(self.id)  # type: ignore[return-value]


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(default=None, description=(
        "The signing secret, shown in the answer to createWebhookEndpoint and rotateWebhookSecret only: keep it now."))
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    events: list[str]
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="A UUID the client chose.")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    events: list[str] | None = strawberry.UNSET
    active: bool | None = strawberry.field(default=strawberry.UNSET, description=(
        "true switches it on again (its failure count starts over)."))
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class RotateWebhookSecretInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET


@strawberry.input
class WebhookEndpointIdInput:
    id: strawberry.ID


@strawberry.input
class RedeliverWebhookInput:
    id: strawberry.ID = strawberry.field(description="The delivery to send again.")


def _key(row) -> tuple:
    return (row.created_at.isoformat(), row.id)


def _after(info, after: str | None) -> tuple[str, str] | None:
    pair = connections.after_pair(info, after)
    if pair is not None:
        try:
            dt.datetime.fromisoformat(pair[0])
            uuid.UUID(pair[1])
        except ValueError:
            raise bad_input(info.context.locale, ErrorCode.INVALID_CURSOR, "after") from None
    return pair


def _allowed(info) -> str:
    return info.context.settings.webhook_allowed_hosts


async def _endpoint_ref(session, actor, ref):
    return await service.get_endpoint(session, actor, ref)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.WEBHOOKS_MANAGE), description="The event names an endpoint can hear.")
    def webhook_event_types(self) -> list[str]:
        return list(service.EVENTS)

    @strawberry.field(extensions=requires(P.WEBHOOKS_MANAGE), description="The garage's endpoints, oldest first.")
    async def webhook_endpoints(self, info: strawberry.Info) -> list[WebhookEndpoint]:
        return await read(info, service.list_endpoints)

    @strawberry.field(extensions=requires(P.WEBHOOKS_MANAGE),
                      description="An endpoint's deliveries, newest first (status: FAILED shows what needs a look).")
    async def webhook_deliveries(self, info: strawberry.Info, endpoint_id: strawberry.ID,
                                 status: WebhookDeliveryStatus | None = None, first: int | None = None,
                                 after: str | None = None) -> Connection[WebhookDelivery]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.list_deliveries, endpoint_id, status=status, limit=limit,
                          after=_after(info, after))
        return connections.build(rows, limit, key=_key)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.WEBHOOKS_MANAGE),
                         description="Subscribe a URL to events; the answer holds its signing secret, this once.")
    async def create_webhook_endpoint(self, info: strawberry.Info,
                                      input: CreateWebhookEndpointInput) -> WebhookEndpointPayload:
        data = fields_of(input, service.EndpointInput)

        async def create(session, actor):
            return await service.create_endpoint(session, actor, data, client_id(input.id),
                                                 allowed_hosts=_allowed(info))

        result, errors = await run_input(info, input, create, find=_endpoint_ref)
        if isinstance(result, service.Created):
            return WebhookEndpointPayload(endpoint=result.endpoint, secret=result.secret, errors=errors)
        return WebhookEndpointPayload(endpoint=result, errors=errors)  # a replay: the endpoint, not its secret

    @strawberry.mutation(extensions=requires(P.WEBHOOKS_MANAGE),
                         description="Change an endpoint's URL, description, events, or switch it on or off.")
    async def update_webhook_endpoint(self, info: strawberry.Info,
                                      input: UpdateWebhookEndpointInput) -> WebhookEndpointPayload:
        data = fields_of(input, service.EndpointInput)
        if data.events is None:
            data.events = []  # null events: the REQUIRED error, as for an empty list
        row, errors = await run_input(info, input, service.update_endpoint, input.id, data,
                                      given(input.expected_version), allowed_hosts=_allowed(info),
                                      find=_endpoint_ref, current_id=input.id)
        return WebhookEndpointPayload(endpoint=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.WEBHOOKS_MANAGE), description=(
        "A new signing secret, shown this once; the old one still signs (a second v1=) for 24 hours."))
    async def rotate_webhook_secret(self, info: strawberry.Info,
                                    input: RotateWebhookSecretInput) -> WebhookEndpointPayload:
        result, errors = await run(info, service.rotate_secret, input.id, given(input.expected_version))
        if result is None:
            return WebhookEndpointPayload(errors=errors)
        return WebhookEndpointPayload(endpoint=result.endpoint, secret=result.secret, errors=errors)

    @strawberry.mutation(extensions=requires(P.WEBHOOKS_MANAGE),
                         description="Remove an endpoint with its delivery log.")
    async def delete_webhook_endpoint(self, info: strawberry.Info,
                                      input: WebhookEndpointIdInput) -> DeleteWebhookEndpointPayload:
        row, errors = await run(info, service.delete_endpoint, input.id)
        return DeleteWebhookEndpointPayload(deleted_id=row.id if row is not None else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.WEBHOOKS_MANAGE),
                         description="Send a `ping` event to this endpoint now; its result shows in its deliveries.")
    async def test_webhook_endpoint(self, info: strawberry.Info,
                                    input: WebhookEndpointIdInput) -> WebhookDeliveryPayload:
        row, errors = await run(info, service.send_test, input.id)
        return WebhookDeliveryPayload(delivery=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.WEBHOOKS_MANAGE), description=(
        "Send a delivery's event again (same event id) to its endpoint, as a new delivery."))
    async def redeliver_webhook(self, info: strawberry.Info, input: RedeliverWebhookInput) -> WebhookDeliveryPayload:
        row, errors = await run(info, service.redeliver, input.id)
        return WebhookDeliveryPayload(delivery=row, errors=errors)


Subscription = None
