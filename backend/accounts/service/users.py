"""Staff users: roles, technicians' streams and home site, preferences, deactivation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.service.auth import revoke_user_sessions
from backend.accounts.service.garages import get_site
from backend.core import audit, security
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.enums import Locale, OperationsStream
from backend.core.events import emit_auth_revoked
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.permissions import Permission, Role, permissions_for_role

MIN_PASSWORD = 10
USER_AUDIT = ("email", "name", "role", "streams", "home_site_id", "phone", "locale", "active")

_UNSET = object()

# Whoever holds one of these can hand out every other right, so only a person may create, promote, change or
# deactivate such a user: never an integrator's API key, whatever its scopes.
_GATEKEEPER_PERMISSIONS = frozenset({Permission.USERS_MANAGE, Permission.API_KEYS_MANAGE})


def is_gatekeeper(role: Role | None) -> bool:
    """A role that manages users or API keys (ADMIN today, and any role the table gives those rights later)."""
    return role is not None and bool(permissions_for_role(role) & _GATEKEEPER_PERMISSIONS)


def _refuse_key_on_gatekeeper(actor: Actor, role: object, field: str) -> None:
    if actor.api_key_id is not None and isinstance(role, Role) and is_gatekeeper(role):
        raise DomainError(ErrorCode.FORBIDDEN, field)


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
    if data.phone is not _UNSET:  # E.164, in the garage's country (as customers' phones)
        from backend.customers.service import phones

        region = await phones.country_of(session, actor.garage_id) if phones.needs_region(data.phone) else None
        out["phone"] = phones.normalize_phone(errors, "phone", data.phone, region)
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
    _refuse_key_on_gatekeeper(actor, data.role, "role")
    fields = await _check_user(session, actor, errors, data, None)
    errors.raise_if_any()
    fields.setdefault("streams", [])
    user = User(garage_id=actor.garage_id, **fields)
    await v.ensure_new_id(session, User, user_id)
    if user_id is not None:
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
    # neither the user as they are (their e-mail, password, anything) nor the role they would get
    _refuse_key_on_gatekeeper(actor, user.role, "id")
    _refuse_key_on_gatekeeper(actor, data.role, "role")
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
    reason = next((key for key in ("active", "password", "role", "home_site_id", "locale", "name")
                   if key in changes), None)
    if reason is not None:
        # what a cached actor carries changed: every API process reads this user again at their next request
        emit_auth_revoked(session, garage_id=user.garage_id, user_id=user.id, reason=reason)
    await session.flush()
    return user


async def update_my_preferences(session: AsyncSession, actor: Actor, locale: Locale | None) -> User:
    if actor.user_id is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    user = await get_user(session, actor, actor.user_id)
    before = audit.snapshot(user, USER_AUDIT)
    user.locale = locale
    audit.record(session, actor, "User", user.id, "preferences", audit.diff(before, audit.snapshot(user, USER_AUDIT)))
    emit_auth_revoked(session, garage_id=user.garage_id, user_id=user.id, reason="locale")
    await session.flush()
    return user


async def deactivate_user(session: AsyncSession, actor: Actor, user_id: object) -> User:
    user = await get_user(session, actor, user_id)
    if actor.user_id == user.id:
        raise DomainError(ErrorCode.CANNOT_DEACTIVATE_SELF, "id")
    _refuse_key_on_gatekeeper(actor, user.role, "id")
    if user.active:
        audit.record(session, actor, "User", user.id, "deactivate", {"active": {"before": True, "after": False}})
    user.active = False
    await revoke_user_sessions(session, user.id)
    emit_auth_revoked(session, garage_id=user.garage_id, user_id=user.id, reason="deactivated")
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
