"""Sign-in: access tokens, rotating refresh tokens with reuse detection, sign-in limits, API-key bearer tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import ApiKey, Garage, RefreshToken, User
from backend.core import security
from backend.core.events import emit_auth_revoked
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import ApiScope, permissions_for_role, permissions_for_scopes
from backend.core.settings import Settings


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


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite hands datetimes back naive


def _access_token(settings: Settings, user: User, row: RefreshToken) -> tuple[str, int]:
    """The access token that goes with a refresh token: its sign-in (family) is named, so signing out ends it at once
    too, and it is issued at the refresh token's creation, so the same pair can be handed out again."""
    return security.make_access_token(
        settings.secret_key, user_id=user.id, garage_id=user.garage_id, session_id=row.family_id,
        ttl=settings.access_token_ttl, issued_at=_aware(row.created_at),
    )


async def _issue_tokens(session: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID,
                        client_address: str | None, refresh: str | None = None) -> Tokens:
    refresh = refresh or security.new_opaque_token()
    now = utcnow()
    row = RefreshToken(
        user_id=user.id,
        garage_id=user.garage_id,
        family_id=family_id,
        token_hash=security.token_digest(refresh),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.refresh_token_ttl),
        client_address=client_address,
    )
    session.add(row)
    access, ttl = _access_token(settings, user, row)
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


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, reason: str) -> None:
    owner = (await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(RefreshToken.user_id, RefreshToken.garage_id)
        .execution_options(synchronize_session=False)
    )).first()
    if owner is not None:
        # the access tokens of this sign-in end at once, in every API process (their cached actor is dropped)
        emit_auth_revoked(session, garage_id=owner.garage_id, user_id=owner.user_id, token_id=family_id,
                          reason=reason)


async def _successor_within_grace(session: AsyncSession, settings: Settings, row: RefreshToken, token: str,
                                  now: dt.datetime) -> tuple[RefreshToken, str] | None:
    """A token presented again shortly after its rotation, while what it was rotated into has not been used yet, is
    the same client asking twice (two tabs or a tab and the service worker waking together, or an answer lost with
    the signal), not a thief replaying an old token: it gets the very successor the first rotation made. Anything
    else is a reuse."""
    grace = settings.refresh_reuse_grace_seconds
    # read again: a concurrent rotation may have committed since this request first looked
    used_at, revoked_at = (await session.execute(
        select(RefreshToken.used_at, RefreshToken.revoked_at).where(RefreshToken.id == row.id)
    )).one()
    if grace <= 0 or used_at is None or revoked_at is not None:
        return None
    if now - _aware(used_at) > dt.timedelta(seconds=grace):
        return None
    secret = security.successor_refresh_token(settings.secret_key, token)
    successor = (await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == security.token_digest(secret),
                                   RefreshToken.family_id == row.family_id)
        .execution_options(populate_existing=True)
    )).scalar_one_or_none()
    if successor is None or successor.used_at is not None or successor.revoked_at is not None \
            or _aware(successor.expires_at) <= now:
        return None
    return successor, secret


@dataclass
class RefreshOutcome:
    tokens: Tokens | None = None
    error: DomainError | None = None


async def refresh(session: AsyncSession, settings: Settings, token: str, client_address: str | None) -> RefreshOutcome:
    """Rotate a refresh token. Presenting one again within the grace window, before its successor is used, answers
    with the same successor pair; presenting it at any other time revokes its whole family.

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
    again = None
    if result.rowcount != 1:
        again = await _successor_within_grace(session, settings, row, token, now)
        if again is None:
            await _revoke_family(session, row.family_id, "refresh-token-reused")
            return RefreshOutcome(error=DomainError(ErrorCode.REFRESH_TOKEN_REUSED))
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        await _revoke_family(session, row.family_id, "deactivated")
        return RefreshOutcome(error=DomainError(ErrorCode.ACCOUNT_DEACTIVATED))
    if again is not None:
        successor, secret = again
        access, ttl = _access_token(settings, user, successor)
        remaining = ttl - int((now - _aware(successor.created_at)).total_seconds())
        return RefreshOutcome(tokens=Tokens(access, secret, max(1, remaining), user))
    secret = security.successor_refresh_token(settings.secret_key, token)
    return RefreshOutcome(tokens=await _issue_tokens(session, settings, user, row.family_id, client_address,
                                                     refresh=secret))


async def logout(session: AsyncSession, token: str) -> None:
    row = (
        await session.execute(
            select(RefreshToken.family_id).where(RefreshToken.token_hash == security.token_digest(token or ""))
        )
    ).scalar_one_or_none()
    if row is not None:
        await _revoke_family(session, row, "sign-out")


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
