"""Accounts: garages, sites, users, sign-in with rotating refresh tokens, API keys."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.core import get_global
from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import ApiKey, Garage, RefreshToken, Site, User
from backend.core import audit, security
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import Locale, OperationsStream
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.permissions import ApiScope, Role, permissions_for_role, permissions_for_scopes
from backend.core.settings import Settings

MIN_PASSWORD = 10

GARAGE_AUDIT = ("name", "currency", "time_zone", "default_locale", "tax_label", "tax_rate", "prices_include_tax", "tax_id",
                "branch", "address")
SITE_AUDIT = ("name", "code", "address", "phone", "active")
USER_AUDIT = ("email", "name", "role", "streams", "home_site_id", "phone", "locale", "active")

_UNSET = object()


# ---------------------------------------------------------------------------------------------------- authentication


async def actor_from_token(session: AsyncSession, settings: Settings, token: str) -> Actor | None:
    """The actor behind a bearer token (access JWT or API key), or None when it is not valid any more."""
    if security.looks_like_api_key(token):
        row = (
            await session.execute(
                select(ApiKey, Garage.default_locale)
                .join(Garage, Garage.id == ApiKey.garage_id)
                .where(ApiKey.key_hash == security.token_digest(token), ApiKey.revoked_at.is_(None))
            )
        ).first()
        if row is None:
            return None
        key, garage_locale = row
        scopes = {ApiScope(s) for s in key.scopes if s in {x.value for x in ApiScope}}
        return Actor(
            garage_id=key.garage_id,
            permissions=permissions_for_scopes(scopes),
            api_key_id=key.id,
            name=key.name,
            extra={"garage_locale": garage_locale.value},
        )
    claims = security.read_access_token(settings.secret_key, token)
    if claims is None:
        return None
    try:
        user_id = uuid.UUID(claims["sub"])
        garage_id = uuid.UUID(claims["gid"])
        family_id = uuid.UUID(claims["sid"]) if claims.get("sid") else None
    except (ValueError, KeyError):
        return None
    query = (
        select(User.id, User.role, User.locale, User.name, Garage.default_locale)
        .join(Garage, Garage.id == User.garage_id)
        .where(User.id == user_id, User.garage_id == garage_id, User.active.is_(True))
    )
    if family_id is not None:
        # Signing out revokes the family, which ends its access tokens at once too.
        query = query.where(
            exists().where(
                and_(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None),
                     RefreshToken.user_id == user_id)
            )
        )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return Actor(
        garage_id=garage_id,
        permissions=permissions_for_role(row.role),
        user_id=row.id,
        role=row.role,
        locale=row.locale.value if row.locale else None,
        name=row.name,
        extra={"garage_locale": row.default_locale.value},
    )


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def _account_key(email: str) -> str:
    return "login:account:" + email.strip().lower()


def _address_key(address: str | None) -> str:
    return "login:ip:" + (address or "unknown")


async def _issue_tokens(session: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID,
                        client_address: str | None) -> Tokens:
    refresh = security.new_opaque_token()
    now = utcnow()
    session.add(
        RefreshToken(
            user_id=user.id,
            garage_id=user.garage_id,
            family_id=family_id,
            token_hash=security.token_digest(refresh),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.refresh_token_ttl),
            client_address=client_address,
        )
    )
    # The access token names its sign-in (family), so signing out ends the access token at once too.
    access, ttl = security.make_access_token(
        settings.secret_key, user_id=user.id, garage_id=user.garage_id, session_id=family_id,
        ttl=settings.access_token_ttl,
    )
    await session.flush()
    return Tokens(access, refresh, ttl, user)


async def login(session: AsyncSession, settings: Settings, limiter, email: str, password: str,
                client_address: str | None) -> Tokens:
    window = settings.login_window_seconds
    account_key, address_key = _account_key(email or ""), _address_key(client_address)
    if (await limiter.count(account_key, window) >= settings.login_max_attempts_per_account
            or await limiter.count(address_key, window) >= settings.login_max_attempts_per_ip):
        raise DomainError(ErrorCode.TOO_MANY_ATTEMPTS, minutes=max(1, window // 60))
    normalized = (email or "").strip().lower()[:254]
    user = (await session.execute(select(User).where(User.email == normalized))).scalar_one_or_none()
    if not security.verify_password(user.password_hash if user else None, password or ""):
        await limiter.hit(account_key, window)
        await limiter.hit(address_key, window)
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "password")
    if not user.active:
        raise DomainError(ErrorCode.ACCOUNT_DEACTIVATED)
    await limiter.reset(account_key)
    user.last_login_at = utcnow()
    return await _issue_tokens(session, settings, user, uuid.uuid4(), client_address)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@dataclass
class RefreshOutcome:
    tokens: Tokens | None = None
    error: DomainError | None = None


async def refresh(session: AsyncSession, settings: Settings, token: str, client_address: str | None) -> RefreshOutcome:
    """Rotate a refresh token. Presenting one that was already rotated revokes its whole family.

    Returns the failure instead of raising it, because a detected reuse must be committed.
    """
    row = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == security.token_digest(token or "")))
    ).scalar_one_or_none()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return RefreshOutcome(error=DomainError(ErrorCode.INVALID_REFRESH_TOKEN))
    # Mark it used only if nobody else did first: of two racing refreshes exactly one wins.
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await _revoke_family(session, row.family_id)
        return RefreshOutcome(error=DomainError(ErrorCode.REFRESH_TOKEN_REUSED))
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        await _revoke_family(session, row.family_id)
        return RefreshOutcome(error=DomainError(ErrorCode.ACCOUNT_DEACTIVATED))
    return RefreshOutcome(tokens=await _issue_tokens(session, settings, user, row.family_id, client_address))


async def logout(session: AsyncSession, token: str) -> None:
    row = (
        await session.execute(
            select(RefreshToken.family_id).where(RefreshToken.token_hash == security.token_digest(token or ""))
        )
    ).scalar_one_or_none()
    if row is not None:
        await _revoke_family(session, row)


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# ---------------------------------------------------------------------------------------------------- garages


@dataclass
class GarageSettingsInput:
    name: object = _UNSET
    currency: object = _UNSET
    time_zone: object = _UNSET
    default_locale: object = _UNSET
    tax_label: object = _UNSET
    tax_rate: object = _UNSET
    prices_include_tax: object = _UNSET
    tax_id: object = _UNSET
    branch: object = _UNSET
    address: object = _UNSET


def _check_garage_fields(errors: Collector, data: GarageSettingsInput) -> dict:
    out: dict = {}
    if data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name, required=True)
    if data.currency is not _UNSET:
        code = (v.clean(data.currency) or "").upper()
        if len(code) == 3 and code in get_global("all_currencies"):
            out["currency"] = code
        else:
            errors.add(ErrorCode.INVALID_CURRENCY, "currency")
    if data.time_zone is not _UNSET:
        tz = v.clean(data.time_zone) or ""
        try:
            zoneinfo.ZoneInfo(tz)
            out["time_zone"] = tz
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.add(ErrorCode.INVALID_TIME_ZONE, "timeZone")
    if data.default_locale is not _UNSET:
        if data.default_locale is None:
            errors.add(ErrorCode.REQUIRED, "defaultLocale")
        else:
            out["default_locale"] = data.default_locale
    if data.tax_label is not _UNSET:
        out["tax_label"] = v.text(errors, "taxLabel", data.tax_label, required=True, max_len=20)
    if data.tax_rate is not _UNSET:
        try:
            rate = Decimal(str(data.tax_rate))
            if not (Decimal(0) <= rate <= Decimal(100)) or rate.as_tuple().exponent < -3:
                raise InvalidOperation
            out["tax_rate"] = rate
        except (InvalidOperation, ValueError):
            errors.add(ErrorCode.INVALID_TAX_RATE, "taxRate")
    if data.prices_include_tax is not _UNSET:
        out["prices_include_tax"] = bool(data.prices_include_tax)
    if data.tax_id is not _UNSET:
        out["tax_id"] = v.tax_id(errors, "taxId", data.tax_id)
    if data.branch is not _UNSET:
        out["branch"] = v.text(errors, "branch", data.branch, max_len=40)
    if data.address is not _UNSET:
        out["address"] = v.text(errors, "address", data.address, max_len=1000)
    return out


async def create_garage(session: AsyncSession, data: GarageSettingsInput) -> Garage:
    errors = Collector()
    fields = _check_garage_fields(errors, data)
    if data.name is _UNSET:
        errors.add(ErrorCode.REQUIRED, "name")
    errors.raise_if_any()
    garage = Garage(**fields)
    session.add(garage)
    await session.flush()
    return garage


async def get_garage(session: AsyncSession, actor: Actor) -> Garage:
    garage = await session.get(Garage, actor.garage_id)
    if garage is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return garage


async def update_garage_settings(session: AsyncSession, actor: Actor, data: GarageSettingsInput) -> Garage:
    errors = Collector()
    fields = _check_garage_fields(errors, data)
    errors.raise_if_any()
    garage = await get_garage(session, actor)
    before = audit.snapshot(garage, GARAGE_AUDIT)
    for key, value in fields.items():
        setattr(garage, key, value)
    garage.version += 1
    audit.record(session, actor, "Garage", garage.id, "update", audit.diff(before, audit.snapshot(garage, GARAGE_AUDIT)))
    await session.flush()
    return garage


# ---------------------------------------------------------------------------------------------------- sites


@dataclass
class SiteInput:
    name: object = _UNSET
    code: object = _UNSET
    address: object = _UNSET
    phone: object = _UNSET
    active: object = _UNSET


def _check_site(errors: Collector, data: SiteInput) -> dict:
    out: dict = {}
    if data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name, required=True)
    if data.code is not _UNSET:
        out["code"] = v.text(errors, "code", data.code, max_len=20)
    if data.address is not _UNSET:
        out["address"] = v.text(errors, "address", data.address, max_len=1000)
    if data.phone is not _UNSET:
        out["phone"] = v.phone(errors, "phone", data.phone)
    if data.active is not _UNSET and data.active is not None:
        out["active"] = bool(data.active)
    return out


async def create_site(session: AsyncSession, actor: Actor, data: SiteInput, site_id: uuid.UUID | None = None) -> Site:
    errors = Collector()
    if data.name is _UNSET:
        data.name = None
    fields = _check_site(errors, data)
    errors.raise_if_any()
    site = Site(garage_id=actor.garage_id, **fields)
    if site_id is not None:
        if await session.get(Site, site_id) is not None:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "id")
        site.id = site_id
    session.add(site)
    await session.flush()
    audit.record(session, actor, "Site", site.id, "create", audit.created(site, SITE_AUDIT))
    return site


async def get_site(session: AsyncSession, actor: Actor, site_id: object, field: str = "id") -> Site:
    sid = v.parse_id(site_id, field)
    site = (
        await session.execute(select(Site).where(Site.id == sid, Site.garage_id == actor.garage_id))
    ).scalar_one_or_none()
    if site is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return site


async def update_site(session: AsyncSession, actor: Actor, site_id: object, data: SiteInput) -> Site:
    errors = Collector()
    fields = _check_site(errors, data)
    errors.raise_if_any()
    site = await get_site(session, actor, site_id)
    before = audit.snapshot(site, SITE_AUDIT)
    for key, value in fields.items():
        setattr(site, key, value)
    audit.record(session, actor, "Site", site.id, "update", audit.diff(before, audit.snapshot(site, SITE_AUDIT)))
    await session.flush()
    return site


async def list_sites(session: AsyncSession, actor: Actor, include_inactive: bool = True) -> list[Site]:
    query = select(Site).where(Site.garage_id == actor.garage_id).order_by(Site.name, Site.id)
    if not include_inactive:
        query = query.where(Site.active.is_(True))
    return list((await session.execute(query)).scalars())


# ---------------------------------------------------------------------------------------------------- users


@dataclass
class UserInput:
    email: object = _UNSET
    name: object = _UNSET
    password: object = _UNSET
    role: object = _UNSET
    streams: object = _UNSET
    home_site_id: object = _UNSET
    phone: object = _UNSET
    locale: object = _UNSET


async def _check_user(session: AsyncSession, actor: Actor, errors: Collector, data: UserInput,
                      current: User | None) -> dict:
    out: dict = {}
    if data.email is not _UNSET:
        email = v.email(errors, "email", data.email, required=True)
        if email:
            clash = (await session.execute(select(User.id).where(User.email == email))).scalar_one_or_none()
            if clash is not None and (current is None or clash != current.id):
                errors.add(ErrorCode.EMAIL_TAKEN, "email")
            out["email"] = email
    if data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name, required=True)
    if data.password is not _UNSET and data.password is not None:
        password = str(data.password)
        if len(password) < MIN_PASSWORD:
            errors.add(ErrorCode.PASSWORD_TOO_SHORT, "password", min=MIN_PASSWORD)
        elif len(password) > 256:
            errors.add(ErrorCode.TOO_LONG, "password", max=256)
        else:
            out["password_hash"] = security.hash_password(password)
    if data.role is not _UNSET:
        if data.role is None:
            errors.add(ErrorCode.REQUIRED, "role")
        else:
            out["role"] = data.role
    if data.streams is not _UNSET:
        streams = sorted({OperationsStream(s).value if not isinstance(s, OperationsStream) else s.value
                          for s in (data.streams or [])})
        out["streams"] = streams
    if data.home_site_id is not _UNSET:
        if data.home_site_id is None:
            out["home_site_id"] = None
        else:
            try:
                out["home_site_id"] = (await get_site(session, actor, data.home_site_id, "homeSiteId")).id
            except DomainError as exc:
                errors.errors.append(exc)
    if data.phone is not _UNSET:
        out["phone"] = v.phone(errors, "phone", data.phone)
    if data.locale is not _UNSET:
        out["locale"] = data.locale
    role = out.get("role", current.role if current else None)
    streams = out.get("streams", current.streams if current else [])
    if role == Role.TECHNICIAN and not streams:
        errors.add(ErrorCode.TECHNICIAN_NEEDS_STREAM, "streams")
    if role is not None and role != Role.TECHNICIAN and streams:
        errors.add(ErrorCode.STREAMS_ONLY_FOR_TECHNICIANS, "streams")
    return out


async def create_user(session: AsyncSession, actor: Actor, data: UserInput, user_id: uuid.UUID | None = None) -> User:
    errors = Collector()
    for name in ("email", "name", "password", "role"):
        if getattr(data, name) is _UNSET:
            setattr(data, name, None)
    if data.password is None:
        errors.add(ErrorCode.REQUIRED, "password")
    fields = await _check_user(session, actor, errors, data, None)
    errors.raise_if_any()
    fields.setdefault("streams", [])
    user = User(garage_id=actor.garage_id, **fields)
    if user_id is not None:
        if await session.get(User, user_id) is not None:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "id")
        user.id = user_id
    session.add(user)
    await session.flush()
    audit.record(session, actor, "User", user.id, "create", audit.created(user, USER_AUDIT))
    return user


async def get_user(session: AsyncSession, actor: Actor, user_id: object, field: str = "id") -> User:
    uid = v.parse_id(user_id, field)
    user = (
        await session.execute(select(User).where(User.id == uid, User.garage_id == actor.garage_id))
    ).scalar_one_or_none()
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return user


async def update_user(session: AsyncSession, actor: Actor, user_id: object, data: UserInput) -> User:
    user = await get_user(session, actor, user_id)
    errors = Collector()
    fields = await _check_user(session, actor, errors, data, user)
    errors.raise_if_any()
    before = audit.snapshot(user, USER_AUDIT)
    for key, value in fields.items():
        setattr(user, key, value)
    changes = audit.diff(before, audit.snapshot(user, USER_AUDIT))
    if "password_hash" in fields:
        changes["password"] = {"before": None, "after": "changed"}  # never the hash itself
    audit.record(session, actor, "User", user.id, "update", changes)
    if "password_hash" in fields or "role" in fields:
        await revoke_user_sessions(session, user.id)
    await session.flush()
    return user


async def update_my_preferences(session: AsyncSession, actor: Actor, locale: Locale | None) -> User:
    if actor.user_id is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    user = await get_user(session, actor, actor.user_id)
    before = audit.snapshot(user, USER_AUDIT)
    user.locale = locale
    audit.record(session, actor, "User", user.id, "preferences", audit.diff(before, audit.snapshot(user, USER_AUDIT)))
    await session.flush()
    return user


async def deactivate_user(session: AsyncSession, actor: Actor, user_id: object) -> User:
    user = await get_user(session, actor, user_id)
    if actor.user_id == user.id:
        raise DomainError(ErrorCode.CANNOT_DEACTIVATE_SELF, "id")
    if user.active:
        audit.record(session, actor, "User", user.id, "deactivate", {"active": {"before": True, "after": False}})
    user.active = False
    await revoke_user_sessions(session, user.id)
    await session.flush()
    return user


async def list_users(session: AsyncSession, actor: Actor, role: Role | None = None,
                     active: bool | None = None) -> list[User]:
    query = select(User).where(User.garage_id == actor.garage_id).order_by(User.name, User.id)
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    return list((await session.execute(query)).scalars())


# ---------------------------------------------------------------------------------------------------- API keys


async def create_api_key(session: AsyncSession, actor: Actor, name: str | None, scopes: list[ApiScope],
                         key_id: uuid.UUID | None = None) -> tuple[ApiKey, str]:
    errors = Collector()
    clean_name = v.text(errors, "name", name, required=True)
    if not scopes:
        errors.add(ErrorCode.REQUIRED, "scopes")
    errors.raise_if_any()
    secret = security.new_api_key()
    key = ApiKey(
        garage_id=actor.garage_id,
        name=clean_name,
        prefix=secret[:10],
        key_hash=security.token_digest(secret),
        scopes=sorted({s.value for s in scopes}),
        created_by_id=actor.user_id,
    )
    if key_id is not None:
        if await session.get(ApiKey, key_id) is not None:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "id")
        key.id = key_id
    session.add(key)
    await session.flush()
    audit.record(session, actor, "ApiKey", key.id, "create",
                 {"name": {"before": None, "after": key.name}, "scopes": {"before": None, "after": key.scopes}})
    return key, secret


async def revoke_api_key(session: AsyncSession, actor: Actor, key_id: object) -> ApiKey:
    kid = v.parse_id(key_id)
    key = (
        await session.execute(select(ApiKey).where(ApiKey.id == kid, ApiKey.garage_id == actor.garage_id))
    ).scalar_one_or_none()
    if key is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(session, actor, "ApiKey", key.id, "revoke", {"revoked_at": {"before": None,
                                                                                   "after": key.revoked_at.isoformat()}})
    await session.flush()
    return key


async def list_api_keys(session: AsyncSession, actor: Actor) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.garage_id == actor.garage_id).order_by(ApiKey.created_at.desc(), ApiKey.id)
    return list((await session.execute(query)).scalars())
