"""Staff GraphQL for the portal: a job's link made anew or revoked, and the garage's portal settings."""

from __future__ import annotations

import strawberry

from backend.api.errors import UserError
from backend.api.mutations import run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.portal import service


@strawberry.input
class PortalLinkInput:
    job_id: strawberry.ID
    send: bool = strawberry.field(default=True, description="Send the new link to the customer (newPortalLink).")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class PortalLinkPayload:
    job_id: strawberry.ID | None = None
    url: str | None = strawberry.field(default=None, description="The new link (/p/#<token>), to read out or copy.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PortalSettingsType:
    link_days: int = strawberry.field(description="A portal link works until this many days after collection.")


@strawberry.input
class UpdatePortalSettingsInput:
    link_days: int
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class PortalSettingsPayload:
    settings: PortalSettingsType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _key(input) -> str | None:
    key = input.client_mutation_id
    return None if key in (None, strawberry.UNSET) else key


@strawberry.type
class Query:
    @strawberry.field(name="portalSettings", extensions=requires(P.GARAGE_READ))
    async def portal_settings(self, info: strawberry.Info) -> PortalSettingsType:
        async def call(session, actor):
            return await service.link_days(session, actor.garage_id)

        return PortalSettingsType(link_days=await read(info, call))


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.PORTAL_LINKS_MANAGE),
                         description="A new portal link for the job (the old one stops working), sent to the "
                                     "customer unless send is false.")
    async def new_portal_link(self, info: strawberry.Info, input: PortalLinkInput) -> PortalLinkPayload:
        settings = info.context.settings

        async def call(session, actor):
            job = await service.new_link(session, actor, input.job_id, send=input.send)
            return job, service.portal_url(settings, await service.live_link(session, actor.garage_id, job.id))

        result, errors = await run(info, call, client_mutation_id=_key(input))
        if result is None:
            return PortalLinkPayload(errors=errors)
        return PortalLinkPayload(job_id=strawberry.ID(str(result[0].id)), url=result[1])

    @strawberry.mutation(extensions=requires(P.PORTAL_LINKS_MANAGE),
                         description="Stop the job's portal link from working (a lost phone, a wrong number).")
    async def revoke_portal_link(self, info: strawberry.Info, input: PortalLinkInput) -> PortalLinkPayload:
        job, errors = await run(info, service.revoke_link, input.job_id, client_mutation_id=_key(input))
        return PortalLinkPayload(job_id=strawberry.ID(str(job.id)) if job else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.GARAGE_MANAGE), description="The garage's portal settings.")
    async def update_portal_settings(self, info: strawberry.Info,
                                     input: UpdatePortalSettingsInput) -> PortalSettingsPayload:
        days, errors = await run(info, service.set_link_days, input.link_days, client_mutation_id=_key(input))
        return PortalSettingsPayload(settings=PortalSettingsType(link_days=days) if days else None, errors=errors)
