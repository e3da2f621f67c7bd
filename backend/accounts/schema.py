"""GraphQL for accounts: sign-in, the garage and its settings, sites, users, API keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from backend.accounts import service
from backend.accounts.loaders import GarageLoader, SiteLoader
from backend.api.errors import UserError
from backend.api.mutations import client_id, fields_of, run
from backend.api.permissions import public, requires
from backend.core.actor import Actor
from backend.core.enums import Locale as LocaleEnum
from backend.core.enums import OperationsStream as StreamEnum
from backend.core.errors import DomainError
from backend.core.permissions import ApiScope as ApiScopeEnum
from backend.core.permissions import Permission as P
from backend.core.permissions import Role as RoleEnum
from backend.core.permissions import permissions_for_role

Locale = strawberry.enum(LocaleEnum, name="Locale")
Role = strawberry.enum(RoleEnum, name="Role")
OperationsStream = strawberry.enum(StreamEnum, name="OperationsStream")
ApiScope = strawberry.enum(ApiScopeEnum, name="ApiScope")


@strawberry.type(description="The garage (tenant) and its settings.")
class Garage:
    id: strawberry.ID
    name: str
    country: str | None = strawberry.field(
        description="ISO 3166-1 alpha-2 (TH, GB); null: its time zone's. TH gives the Thai vehicle duties "
                    "reminders instead of the MOT; it is the default region of the phone numbers typed.")
    currency: str
    time_zone: str
    default_locale: Locale
    tax_label: str
    tax_rate: Decimal
    prices_include_tax: bool
    tax_id: str | None
    branch: str | None
    address: str | None = strawberry.field(description="The head office's registered address.")
    promptpay_id: str | None = strawberry.field(
        description="PromptPay ID for QR payments: mobile number, 13-digit tax ID or 15-digit e-wallet ID.")
    promptpay_biller_id: str | None = strawberry.field(
        description="Bill-payment biller ID (tax ID + 2-digit suffix); the invoice number is the reference.")
    abbreviated_tax_invoices: bool = strawberry.field(
        description="Walk-in buyers without a tax ID get an abbreviated tax invoice (ใบกำกับภาษีอย่างย่อ).")
    version: int


@strawberry.type(description="A branch or service centre of the garage.")
class Site:
    id: strawberry.ID
    name: str
    code: str | None
    branch_code: str = strawberry.field(
        description="Revenue Department branch code: 00000 is the head office, 00001.. a branch.")
    address: str | None
    phone: str | None
    active: bool


def _may_see_contact(info, user) -> bool:
    actor = info.context.actor
    if actor is None:
        return True  # only the login payload reaches a User without a token: the user who just signed in
    return actor.user_id == user.id or actor.can(P.USERS_READ)


@strawberry.type(description="A member of staff.")
class User:
    id: strawberry.ID
    name: str
    role: Role
    locale: Locale | None
    active: bool
    created_at: dt.datetime

    # Contact details and sign-in times are for the user themselves and for those who manage or read users;
    # a colleague met through a job (its technician, a timeline entry) shows name and role only.
    @strawberry.field(description="Null unless it is you or you may read users.")
    def email(self, info: strawberry.Info) -> str | None:
        return self.email if _may_see_contact(info, self) else None  # type: ignore[attr-defined]

    @strawberry.field(description="Null unless it is you or you may read users.")
    def phone(self, info: strawberry.Info) -> str | None:
        return self.phone if _may_see_contact(info, self) else None  # type: ignore[attr-defined]

    @strawberry.field(description="Null unless it is you or you may read users.")
    def last_login_at(self, info: strawberry.Info) -> dt.datetime | None:
        return self.last_login_at if _may_see_contact(info, self) else None  # type: ignore[attr-defined]

    @strawberry.field(description="What an hour of this person's time costs, minor units (labour gross profit). "
                                  "Null unless you may read labour costs (admins).")
    def hourly_cost(self, info: strawberry.Info) -> int | None:
        actor = info.context.actor
        return self.hourly_cost if actor is not None and actor.can(P.LABOUR_COSTS) else None  # type: ignore

    @strawberry.field
    def streams(self) -> list[OperationsStream]:
        return [StreamEnum(s) for s in self.streams]  # type: ignore[attr-defined]

    @strawberry.field
    def home_site(self, info: strawberry.Info) -> Site | None:
        site_id = self.home_site_id  # type: ignore[attr-defined]
        return info.context.loader(SiteLoader).load(site_id) if site_id else None

    @strawberry.field
    def garage(self, info: strawberry.Info) -> Garage:
        return info.context.loader(GarageLoader).load(self.garage_id)  # type: ignore[attr-defined]


@strawberry.type(description="An integrator's API key. The secret itself is shown only once, on creation.")
class ApiKey:
    id: strawberry.ID
    name: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @strawberry.field
    def scopes(self) -> list[ApiScope]:
        return [ApiScopeEnum(s) for s in self.scopes]  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------ inputs / payloads


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.type
class LoginPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    expires_in: int | None = None
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RefreshTokenInput:
    refresh_token: str


@strawberry.type
class RefreshTokenPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    expires_in: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class LogoutInput:
    refresh_token: str


@strawberry.type
class LogoutPayload:
    ok: bool
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateMyPreferencesInput:
    locale: Locale | None


@strawberry.type
class UserPayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateUserInput:
    id: strawberry.ID | None = strawberry.UNSET
    email: str
    name: str
    password: str
    role: Role
    streams: list[OperationsStream] | None = strawberry.UNSET
    home_site_id: strawberry.ID | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    locale: Locale | None = strawberry.UNSET


@strawberry.input
class UpdateUserInput:
    id: strawberry.ID
    email: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    password: str | None = strawberry.UNSET
    role: Role | None = strawberry.UNSET
    streams: list[OperationsStream] | None = strawberry.UNSET
    home_site_id: strawberry.ID | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    locale: Locale | None = strawberry.UNSET


@strawberry.input
class DeactivateUserInput:
    id: strawberry.ID


@strawberry.input
class CreateSiteInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str
    code: str | None = strawberry.UNSET
    branch_code: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET


@strawberry.input
class UpdateSiteInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    code: str | None = strawberry.UNSET
    branch_code: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type
class SitePayload:
    site: Site | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateGarageSettingsInput:
    name: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    default_locale: Locale | None = strawberry.UNSET
    tax_label: str | None = strawberry.UNSET
    tax_rate: Decimal | None = strawberry.UNSET
    prices_include_tax: bool | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    branch: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    promptpay_id: str | None = strawberry.UNSET
    promptpay_biller_id: str | None = strawberry.UNSET
    abbreviated_tax_invoices: bool | None = strawberry.UNSET


@strawberry.type
class GaragePayload:
    garage: Garage | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateApiKeyInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str
    scopes: list[ApiScope]


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(default=None, description="The key itself. Shown only this once.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiKeyInput:
    id: strawberry.ID


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)




# ------------------------------------------------------------------------------------------------ operations


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(None), description="The signed-in user; null for an API key.")
    async def me(self, info: strawberry.Info) -> User | None:
        actor = info.context.actor
        if actor.user_id is None:
            return None
        async with info.context.read() as s:
            return await service.get_user(s, actor, actor.user_id)

    @strawberry.field(extensions=requires(P.GARAGE_READ))
    async def garage(self, info: strawberry.Info) -> Garage:
        async with info.context.read() as s:
            return await service.get_garage(s, info.context.actor)

    @strawberry.field(extensions=requires(P.SITES_READ))
    async def sites(self, info: strawberry.Info, include_inactive: bool = False) -> list[Site]:
        async with info.context.read() as s:
            return await service.list_sites(s, info.context.actor, include_inactive=include_inactive)

    @strawberry.field(extensions=requires(P.USERS_READ))
    async def users(self, info: strawberry.Info, role: Role | None = None, active: bool | None = True) -> list[User]:
        async with info.context.read() as s:
            return await service.list_users(s, info.context.actor, role=role, active=active)

    @strawberry.field(extensions=requires(P.API_KEYS_MANAGE))
    async def api_keys(self, info: strawberry.Info) -> list[ApiKey]:
        async with info.context.read() as s:
            return await service.list_api_keys(s, info.context.actor)


def _client_address(info) -> str | None:
    return info.context.client_address


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=public())
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        session = await ctx.session()
        try:
            async with session.begin_nested():
                tokens = await service.login(session, ctx.settings, ctx.services.limiter, input.email,
                                             input.password, _client_address(info))
        except DomainError as exc:
            return LoginPayload(errors=[UserError(field=exc.field, code=exc.code, message=exc.message(ctx.locale))])
        user = tokens.user
        # the payload is read as the user who just signed in (their garage, sites, own contact details); the
        # request's language stays the one the sign-in screen was shown in
        ctx.actor = Actor(garage_id=user.garage_id, permissions=permissions_for_role(user.role), user_id=user.id,
                          role=user.role, name=user.name)
        return LoginPayload(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                            expires_in=tokens.expires_in, user=user)

    @strawberry.mutation(extensions=public())
    async def refresh_token(self, info: strawberry.Info, input: RefreshTokenInput) -> RefreshTokenPayload:
        ctx = info.context
        session = await ctx.session()
        outcome = await service.refresh(session, ctx.settings, input.refresh_token, _client_address(info))
        if outcome.error is not None:
            # a detected reuse has revoked the family: that must be committed, so no exception here
            e = outcome.error
            return RefreshTokenPayload(errors=[UserError(field=e.field, code=e.code, message=e.message(ctx.locale))])
        t = outcome.tokens
        return RefreshTokenPayload(access_token=t.access_token, refresh_token=t.refresh_token,
                                   expires_in=t.expires_in)

    @strawberry.mutation(extensions=public())
    async def logout(self, info: strawberry.Info, input: LogoutInput) -> LogoutPayload:
        session = await info.context.session()
        await service.logout(session, input.refresh_token)
        return LogoutPayload(ok=True)

    @strawberry.mutation(extensions=requires(None))
    async def update_my_preferences(self, info: strawberry.Info, input: UpdateMyPreferencesInput) -> UserPayload:
        user, errors = await run(info, service.update_my_preferences, input.locale)
        return UserPayload(user=user, errors=errors)

    @strawberry.mutation(extensions=requires(P.USERS_MANAGE))
    async def create_user(self, info: strawberry.Info, input: CreateUserInput) -> UserPayload:
        async def call(session, actor):
            return await service.create_user(session, actor, fields_of(input, service.UserInput), client_id(input.id))

        user, errors = await run(info, call)
        return UserPayload(user=user, errors=errors)

    @strawberry.mutation(extensions=requires(P.USERS_MANAGE))
    async def update_user(self, info: strawberry.Info, input: UpdateUserInput) -> UserPayload:
        user, errors = await run(info, service.update_user, input.id, fields_of(input, service.UserInput))
        return UserPayload(user=user, errors=errors)

    @strawberry.mutation(extensions=requires(P.USERS_MANAGE))
    async def deactivate_user(self, info: strawberry.Info, input: DeactivateUserInput) -> UserPayload:
        user, errors = await run(info, service.deactivate_user, input.id)
        return UserPayload(user=user, errors=errors)

    @strawberry.mutation(extensions=requires(P.SITES_MANAGE))
    async def create_site(self, info: strawberry.Info, input: CreateSiteInput) -> SitePayload:
        async def call(session, actor):
            return await service.create_site(session, actor, fields_of(input, service.SiteInput), client_id(input.id))

        site, errors = await run(info, call)
        return SitePayload(site=site, errors=errors)

    @strawberry.mutation(extensions=requires(P.SITES_MANAGE))
    async def update_site(self, info: strawberry.Info, input: UpdateSiteInput) -> SitePayload:
        site, errors = await run(info, service.update_site, input.id, fields_of(input, service.SiteInput))
        return SitePayload(site=site, errors=errors)

    @strawberry.mutation(extensions=requires(P.GARAGE_MANAGE))
    async def update_garage_settings(self, info: strawberry.Info, input: UpdateGarageSettingsInput) -> GaragePayload:
        garage, errors = await run(info, service.update_garage_settings,
                                   fields_of(input, service.GarageSettingsInput))
        return GaragePayload(garage=garage, errors=errors)

    @strawberry.mutation(extensions=requires(P.API_KEYS_MANAGE))
    async def create_api_key(self, info: strawberry.Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        async def call(session, actor):
            return await service.create_api_key(session, actor, input.name, list(input.scopes), client_id(input.id))

        result, errors = await run(info, call)
        if errors:
            return CreateApiKeyPayload(errors=errors)
        key, secret = result
        return CreateApiKeyPayload(api_key=key, secret=secret)

    @strawberry.mutation(extensions=requires(P.API_KEYS_MANAGE))
    async def revoke_api_key(self, info: strawberry.Info, input: RevokeApiKeyInput) -> ApiKeyPayload:
        key, errors = await run(info, service.revoke_api_key, input.id)
        return ApiKeyPayload(api_key=key, errors=errors)
