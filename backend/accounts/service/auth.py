"""Sign-in: access tokens, rotating refresh tokens with reuse detection, sign-in limits, API-key bearer tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import ApiKey, Garage, RefreshToken, User
from backend.core import security
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


async def _replace_lost_successor(session: AsyncSession, settings: Settings, row: RefreshToken,
                                  now: dt.datetime) -> bool:
    """A token presented again shortly after its rotation, while what it was rotated into has never been used, is a
    client that never received the answer (signal lost mid-request), not a thief replaying an old token: the unused
    successor is revoked and the caller gets a fresh pair. Anything else is a reuse."""
    grace = settings.refresh_reuse_grace_seconds
    if grace <= 0 or row.used_at is None or row.revoked_at is not None:
        return False
    used_at = row.used_at if row.used_at.tzinfo else row.used_at.replace(tzinfo=dt.UTC)
    if now - used_at > dt.timedelta(seconds=grace):
        return False
    successors = (await session.execute(
        select(RefreshToken).where(RefreshToken.family_id == row.family_id, RefreshToken.id != row.id,
                                   RefreshToken.created_at >= row.used_at)
    )).scalars().all()
    if not successors or any(s.used_at is not None or s.revoked_at is not None for s in successors):
        return False
    for successor in successors:
        successor.revoked_at = now
    await session.flush()
    return True


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
        if not await _replace_lost_successor(session, settings, row, now):
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
