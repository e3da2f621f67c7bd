"""GraphQL for staff invitations (backend/accounts/invitations.py): admins invite, resend, revoke and list; the
invitee looks the invitation up and accepts it with the token from the link's fragment (in the request's body,
never in a URL)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from backend.accounts import invitations
from backend.accounts.loaders import SiteLoader
from backend.accounts.schema import Locale, LoginPayload, OperationsStream, Role, Site
from backend.api.errors import UserError, user_errors
from backend.api.mutations import run
from backend.api.permissions import public, requires
from backend.core.actor import Actor
from backend.core.enums import OperationsStream as StreamEnum
from backend.core.errors import DomainError, DomainErrors
from backend.core.permissions import Permission as P
from backend.core.permissions import permissions_for_role

@strawberry.enum
class InvitationStatus(enum.Enum):
    PENDING = "PENDING"
    EXPIRED = "EXPIRED"  # may be sent again
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"


@strawberry.type(description="A member of staff invited by mail, who has not set their password yet.")
class Invitation:
    id: strawberry.ID
    email: str
    name: str | None
    role: Role
    created_at: dt.datetime
    expires_at: dt.datetime
    last_sent_at: dt.datetime
    sent_count: int

    @strawberry.field
    def streams(self) -> list[OperationsStream]:
        return [StreamEnum(s) for s in self.streams]  # type: ignore[attr-defined]

    @strawberry.field
    def status(self) -> InvitationStatus:
        return InvitationStatus(invitations.status_of(self))  # type: ignore[arg-type]

    @strawberry.field
    def home_site(self, info: strawberry.Info) -> Site | None:
        site_id = self.home_site_id  # type: ignore[attr-defined]
        return info.context.loader(SiteLoader).load(site_id) if site_id else None


@strawberry.type(description="What the invitee's screen shows before they set their password.")
class InvitationPreview:
    email: str
    name: str | None
    role: Role
    garage_name: str
    expires_at: dt.datetime


@strawberry.type
class InvitationLookupPayload:
    invitation: InvitationPreview | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class InviteUserInput:
    email: str
    role: Role
    name: str | None = None
    streams: list[OperationsStream] | None = None
    home_site_id: strawberry.ID | None = None
    locale: Locale | None = None


@strawberry.input
class InvitationIdInput:
    id: strawberry.ID


@strawberry.input
class InvitationTokenInput:
    token: str


@strawberry.input
class AcceptInvitationInput:
    token: str
    password: str
    name: str | None = None


@strawberry.type
class InvitationPayload:
    invitation: Invitation | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.USERS_MANAGE),
                      description="Invitations not accepted nor revoked (expired ones too), newest first.")
    async def invitations(self, info: strawberry.Info) -> list[Invitation]:
        async with info.context.read() as s:
            return await invitations.pending(s, info.context.actor)  # type: ignore[return-value]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.USERS_MANAGE))
    async def invite_user(self, info: strawberry.Info, input: InviteUserInput) -> InvitationPayload:
        settings = info.context.settings

        async def call(session, actor):
            return await invitations.invite(session, settings, actor, email=input.email, role=input.role,
                                            name=input.name, streams=input.streams, home_site_id=input.home_site_id,
                                            locale=input.locale)

        row, errors = await run(info, call)
        return InvitationPayload(invitation=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.USERS_MANAGE))
    async def resend_invitation(self, info: strawberry.Info, input: InvitationIdInput) -> InvitationPayload:
        settings = info.context.settings

        async def call(session, actor):
            return await invitations.resend(session, settings, actor, input.id)

        row, errors = await run(info, call)
        return InvitationPayload(invitation=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.USERS_MANAGE))
    async def revoke_invitation(self, info: strawberry.Info, input: InvitationIdInput) -> InvitationPayload:
        row, errors = await run(info, invitations.revoke, input.id)
        return InvitationPayload(invitation=row, errors=errors)

    @strawberry.mutation(extensions=public(), description="The invitation behind a link's token (sent in the body, "
                                                          "never in a URL). A mutation, so it is never a GET.")
    async def look_up_invitation(self, info: strawberry.Info, input: InvitationTokenInput) -> InvitationLookupPayload:
        ctx = info.context
        session = await ctx.session()
        try:
            row, garage = await invitations.look_up(session, input.token)
        except DomainError as exc:
            return InvitationLookupPayload(errors=user_errors(exc, ctx.locale))
        return InvitationLookupPayload(invitation=InvitationPreview(
            email=row.email, name=row.name, role=row.role, garage_name=garage.name, expires_at=row.expires_at))

    @strawberry.mutation(extensions=public())
    async def accept_invitation(self, info: strawberry.Info, input: AcceptInvitationInput) -> LoginPayload:
        ctx = info.context
        session = await ctx.session()
        try:
            async with session.begin_nested():
                tokens = await invitations.accept(session, ctx.settings, input.token, input.name, input.password,
                                                  ctx.client_address)
        except (DomainError, DomainErrors) as exc:
            return LoginPayload(errors=user_errors(exc, ctx.locale))
        user = tokens.user
        ctx.actor = Actor(garage_id=user.garage_id, permissions=permissions_for_role(user.role), user_id=user.id,
                          role=user.role, name=user.name)
        return LoginPayload(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                            expires_in=tokens.expires_in, user=user)
