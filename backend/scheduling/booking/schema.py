"""Staff GraphQL for self-booking: the garage's booking settings (mode, cut-off, link lifetime, the services
customers may book) and a vehicle's booking links (listed, revoked)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from backend.api.errors import UserError
from backend.api.mutations import run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.scheduling.booking import service


@strawberry.enum(name="BookingMode", description="INSTANT: a free slot picked is CONFIRMED at once; REQUEST: the "
                                                  "customer asks for a time and reception confirms it.")
class BookingModeEnum(enum.Enum):
    INSTANT = "INSTANT"
    REQUEST = "REQUEST"


@strawberry.type
class BookingSettings:
    mode: BookingModeEnum
    cutoff_hours: int = strawberry.field(description="Moving or cancelling online ends this many hours before.")
    link_days: int = strawberry.field(description="A booking link works this many days (or a day past its visit).")
    bookable_service_ids: list[strawberry.ID]
    version: int


def _settings(s: service.Settings) -> BookingSettings:
    return BookingSettings(mode=BookingModeEnum(s.mode.value), cutoff_hours=s.cutoff_hours, link_days=s.link_days,
                           bookable_service_ids=[strawberry.ID(str(i)) for i in s.bookable_action_ids],
                           version=s.version)


@strawberry.type
class BookingLinkInfo:
    id: strawberry.ID
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    from_reminder: bool
    appointment_id: strawberry.ID | None


def _link(link) -> BookingLinkInfo:
    return BookingLinkInfo(id=strawberry.ID(str(link.id)), created_at=link.created_at, expires_at=link.expires_at,
                           revoked_at=link.revoked_at, from_reminder=link.reminder_id is not None,
                           appointment_id=strawberry.ID(str(link.appointment_id)) if link.appointment_id else None)


@strawberry.input
class UpdateBookingSettingsInput:
    mode: BookingModeEnum | None = None
    cutoff_hours: int | None = None
    link_days: int | None = None
    bookable_service_ids: list[strawberry.ID] | None = None
    expected_version: int | None = None
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class BookingSettingsPayload:
    settings: BookingSettings | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeBookingLinkInput:
    id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class BookingLinkPayload:
    link: BookingLinkInfo | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _key(input) -> str | None:
    key = input.client_mutation_id
    return None if key in (None, strawberry.UNSET) else key


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.APPOINTMENTS_READ), description="The garage's self-booking settings.")
    async def booking_settings(self, info: strawberry.Info) -> BookingSettings:
        async def call(session, actor):
            return await service.get_settings(session, actor.garage_id)

        return _settings(await read(info, call))

    @strawberry.field(extensions=requires(P.APPOINTMENTS_MANAGE), description="A vehicle's booking links, newest first.")
    async def booking_links(self, info: strawberry.Info, vehicle_id: strawberry.ID) -> list[BookingLinkInfo]:
        async def call(session, actor):
            return await service.links_of_vehicle(session, actor, vehicle_id)

        return [_link(x) for x in await read(info, call)]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.SCHEDULING_MANAGE), description="The garage's self-booking settings.")
    async def update_booking_settings(self, info: strawberry.Info,
                                      input: UpdateBookingSettingsInput) -> BookingSettingsPayload:
        async def call(session, actor):
            return await service.update_settings(
                session, actor, mode=input.mode.value if input.mode else None, cutoff_hours=input.cutoff_hours,
                link_days=input.link_days,
                bookable_service_ids=list(input.bookable_service_ids) if input.bookable_service_ids is not None
                else None, expected_version=input.expected_version)

        result, errors = await run(info, call, client_mutation_id=_key(input))
        return BookingSettingsPayload(settings=_settings(result) if result else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.APPOINTMENTS_MANAGE),
                         description="Stop a booking link from working (a wrong number, a lost phone).")
    async def revoke_booking_link(self, info: strawberry.Info, input: RevokeBookingLinkInput) -> BookingLinkPayload:
        link, errors = await run(info, service.revoke_link, input.id, client_mutation_id=_key(input))
        return BookingLinkPayload(link=_link(link) if link else None, errors=errors)
