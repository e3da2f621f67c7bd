"""GraphQL for setting a garage up in the browser (backend/accounts/setup.py): whether the installation needs its
first run, the first-run set-up, and the open sign-up. All three are public: no one is signed in yet."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from backend.accounts import setup
from backend.accounts.schema import Locale, LoginPayload
from backend.api.errors import user_errors
from backend.api.permissions import public
from backend.core.actor import Actor
from backend.core.errors import DomainError, DomainErrors
from backend.core.permissions import permissions_for_role


@strawberry.type(description="What the sign-in screen needs to know before anyone signs in.")
class SetupStatus:
    needs_setup: bool = strawberry.field(description="No garage exists yet: the app opens the first-run screen.")
    open_signup: bool = strawberry.field(description="New garages may sign up here (\"Create a garage\").")


@strawberry.input
class SetupSiteInput:
    name: str
    code: str | None = None
    branch_code: str | None = strawberry.field(
        default=None, description="Revenue Department branch code: 00000 the head office, 00001.. a branch.")
    address: str | None = None
    phone: str | None = None


@strawberry.input
class SetUpGarageInput:
    garage_name: str
    country: str | None = None
    currency: str | None = None
    time_zone: str | None = None
    default_locale: Locale | None = None
    vat_registered: bool = strawberry.field(default=False, description="False: no VAT (rate 0, no tax invoices).")
    tax_rate: Decimal | None = strawberry.field(default=None, description="Percent; 7 when VAT-registered and none.")
    prices_include_tax: bool = False
    tax_id: str | None = strawberry.field(default=None, description="13-digit tax ID (required in Thailand with VAT).")
    branch: str | None = strawberry.field(default=None, description="The head office's branch as on tax documents.")
    address: str | None = None
    sites: list[SetupSiteInput] = strawberry.field(default_factory=list)
    admin_name: str = ""
    admin_email: str = ""
    admin_password: str = ""


def _data(input: SetUpGarageInput) -> setup.SetupInput:
    return setup.SetupInput(
        garage_name=input.garage_name, country=input.country, currency=input.currency, time_zone=input.time_zone,
        default_locale=input.default_locale, vat_registered=input.vat_registered, tax_rate=input.tax_rate,
        prices_include_tax=input.prices_include_tax, tax_id=input.tax_id, branch=input.branch, address=input.address,
        sites=[setup.SetupSite(name=s.name, code=s.code, branch_code=s.branch_code, address=s.address, phone=s.phone)
               for s in input.sites],
        admin_name=input.admin_name, admin_email=input.admin_email, admin_password=input.admin_password)


async def _set_up(info: strawberry.Info, input: SetUpGarageInput, *, signup: bool) -> LoginPayload:
    ctx = info.context
    session = await ctx.session()
    try:
        async with session.begin_nested():
            tokens = await setup.set_up(session, ctx.settings, ctx.services.limiter, _data(input),
                                        ctx.client_address, signup=signup)
    except (DomainError, DomainErrors) as exc:
        return LoginPayload(errors=user_errors(exc, ctx.locale))
    user = tokens.user
    ctx.actor = Actor(garage_id=user.garage_id, permissions=permissions_for_role(user.role), user_id=user.id,
                      role=user.role, name=user.name)
    return LoginPayload(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                        expires_in=tokens.expires_in, user=user)


@strawberry.type
class Query:
    @strawberry.field(extensions=public())
    async def setup_status(self, info: strawberry.Info) -> SetupStatus:
        async with info.context.read() as s:
            exists = await setup.garage_exists(s)
        return SetupStatus(needs_setup=not exists, open_signup=bool(info.context.settings.open_signup))


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=public(), description="First run: the installation's first garage, its sites and "
                                                          "its first admin, signed in. Refused once a garage exists.")
    async def set_up_installation(self, info: strawberry.Info, input: SetUpGarageInput) -> LoginPayload:
        return await _set_up(info, input, signup=False)

    @strawberry.mutation(extensions=public(), description="Open sign-up of a new garage (an installation setting, "
                                                          "off by default; limited per address).")
    async def sign_up_garage(self, info: strawberry.Info, input: SetUpGarageInput) -> LoginPayload:
        return await _set_up(info, input, signup=True)
