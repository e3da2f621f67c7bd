"""Setting a garage up in the browser: the first garage of an empty installation (first run), and further garages
through the open sign-up when the installation allows it (settings.open_signup, off by default).

One call makes the garage with its tax settings, its sites (each with its warehouse) and its first admin, in the
caller's transaction, and signs that admin in. Every field error of the form is reported at once, named by where it
is ("garage.taxId", "sites.1.branchCode", "admin.password"), and nothing is written.

Race-safe first run: the transaction that sets up the first garage also writes the installation's "first-garage"
row; of two set-ups racing on an empty installation, the second meets that primary key (on PostgreSQL it waits for
the first to commit) and is refused with ALREADY_SET_UP, as is every set-up once any garage exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Installation
from backend.accounts.service import auth, garages, users
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.permissions import Role, permissions_for_role
from backend.core.settings import Settings

FIRST_GARAGE = "first-garage"
MAX_SITES = 20


@dataclass
class SetupSite:
    name: object = None
    code: object = None
    branch_code: object = None
    address: object = None
    phone: object = None


@dataclass
class SetupInput:
    """The form. `vat_registered` false: no VAT on documents (rate 0, no tax invoices); true: `tax_rate` (7 when
    not given) and, in Thailand, the 13-digit tax ID that a tax invoice must carry."""

    garage_name: object = None
    country: object = None
    currency: object = None
    time_zone: object = None
    default_locale: object = None
    vat_registered: bool = False
    tax_rate: object = None
    prices_include_tax: bool = False
    tax_id: object = None
    branch: object = None
    address: object = None
    sites: list[SetupSite] = field(default_factory=list)
    admin_name: object = None
    admin_email: object = None
    admin_password: object = None


async def garage_exists(session: AsyncSession) -> bool:
    return bool((await session.execute(select(exists().where(Garage.id.isnot(None))))).scalar())


def _prefixed(exc: DomainError | DomainErrors, prefix: str) -> list[DomainError]:
    items = exc.errors if isinstance(exc, DomainErrors) else [exc]
    for e in items:
        e.field = prefix + (e.field or "")
    return items


def _signup_key(address: str | None) -> str:
    return "signup:ip:" + (address or "unknown")


async def set_up(session: AsyncSession, settings: Settings, limiter, data: SetupInput, client_address: str | None,
                 *, signup: bool) -> auth.Tokens:
    """The garage, its sites and its first admin; the admin's tokens. `signup` False: only on an empty installation
    (first run); True: the open sign-up (refused while it is off, and limited per address)."""
    if signup:
        if not settings.open_signup:
            raise DomainError(ErrorCode.SIGNUP_CLOSED)
        window = settings.signup_window_seconds
        if await limiter.count(_signup_key(client_address), window) >= settings.signup_max_per_ip:
            raise DomainError(ErrorCode.TOO_MANY_SIGNUPS, minutes=max(1, window // 60))
    elif await garage_exists(session):
        raise DomainError(ErrorCode.ALREADY_SET_UP)

    errors = Collector()
    tax_fields = _tax_fields(errors, data)
    garage_input = garages.GarageSettingsInput(
        name=data.garage_name, currency=data.currency or "THB", time_zone=data.time_zone or "Asia/Bangkok",
        country=data.country, tax_id=data.tax_id, branch=data.branch, address=data.address,
        prices_include_tax=bool(data.prices_include_tax), **tax_fields)
    if data.default_locale is not None:
        garage_input.default_locale = data.default_locale
    checked = garages._check_garage_fields(errors, garage_input)
    for e in errors.errors:
        e.field = "garage." + ("name" if e.field == "name" else e.field or "")
    problems = list(errors.errors)
    if not data.sites:
        problems.append(DomainError(ErrorCode.SITE_REQUIRED, "sites"))
    elif len(data.sites) > MAX_SITES:
        problems.append(DomainError(ErrorCode.TOO_LONG, "sites", max=MAX_SITES))
    if problems and not checked.get("name"):
        # the garage cannot be made to check the rest against: report what is known (the admin's fields too)
        problems += await _admin_problems(session, data)
        raise DomainErrors(problems)

    garage = Garage(**checked)
    session.add(garage)
    await session.flush()
    actor = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN,
                  name="set-up in the browser")
    first_site = None
    for index, site in enumerate(data.sites[:MAX_SITES]):
        try:
            made = await garages.create_site(session, actor, garages.SiteInput(
                name=site.name, code=site.code, branch_code=site.branch_code, address=site.address,
                phone=site.phone))
            first_site = first_site or made
        except (DomainError, DomainErrors) as exc:
            problems += _prefixed(exc, f"sites.{index}.")
    try:
        user = await users.create_user(session, actor, users.UserInput(
            email=data.admin_email, name=data.admin_name, password=data.admin_password, role=Role.ADMIN,
            home_site_id=first_site.id if first_site is not None else users._UNSET))
    except (DomainError, DomainErrors) as exc:
        problems += _prefixed(exc, "admin.")
        user = None
    if problems:
        raise DomainErrors(problems)
    if not signup:
        session.add(Installation(key=FIRST_GARAGE, garage_id=garage.id, created_at=utcnow()))
        try:
            await session.flush()
        except IntegrityError:
            raise DomainError(ErrorCode.ALREADY_SET_UP) from None
    else:
        await limiter.hit(_signup_key(client_address), settings.signup_window_seconds)
    user.last_login_at = utcnow()
    return await auth._issue_tokens(session, settings, user, uuid.uuid4(), client_address)


def _tax_fields(errors: Collector, data: SetupInput) -> dict:
    if not data.vat_registered:
        return {"tax_rate": "0"}
    out = {"tax_rate": data.tax_rate if data.tax_rate not in (None, "") else "7"}
    country = (str(data.country or "TH")).strip().upper()
    if country == "TH" and not (isinstance(data.tax_id, str) and data.tax_id.strip()):
        errors.add(ErrorCode.REQUIRED, "taxId")  # a Thai tax invoice names the seller's 13-digit tax ID
    return out


async def _admin_problems(session: AsyncSession, data: SetupInput) -> list[DomainError]:
    """The admin's field errors without a garage to make them in (the email's uniqueness is installation-wide)."""
    errors = Collector()
    placeholder = Actor(garage_id=uuid.uuid4(), permissions=frozenset(), role=Role.ADMIN)
    await users._check_user(session, placeholder, errors, users.UserInput(
        email=data.admin_email, name=data.admin_name, password=data.admin_password, role=Role.ADMIN), None)
    if data.admin_password is None:
        errors.add(ErrorCode.REQUIRED, "password")
    return _prefixed(DomainErrors(errors.errors), "admin.") if errors.errors else []
