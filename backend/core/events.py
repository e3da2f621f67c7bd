"""Events a service raises during a transaction; the request boundary publishes them after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


def emit(session: AsyncSession, channel: str, message: dict[str, Any]) -> None:
    session.info.setdefault("events", []).append((channel, message))


# Someone's sign-in ended or changed (sign-out, deactivation, a role, site, password or language change, a revoked
# API key): {"userId": str | None, "garageId": str, "tokenId": str | None, "reason": str}. The API's user cache
# (backend.core.auth_cache) drops what it names; live subscribers re-check their token.
AUTH_REVOKED = "auth.revoked"


def emit_auth_revoked(session: AsyncSession, *, garage_id, reason: str, user_id=None, token_id=None) -> None:
    emit(session, AUTH_REVOKED, {"userId": str(user_id) if user_id else None, "garageId": str(garage_id),
                                 "tokenId": str(token_id) if token_id else None, "reason": reason})


def mark(session: AsyncSession) -> int:
    return len(session.info.get("events", []))


def forget_since(session: AsyncSession, position: int) -> None:
    """A savepoint rolled back: drop the events raised inside it."""
    events = session.info.get("events")
    if events is not None:
        del events[position:]


def take(session: AsyncSession) -> list[tuple[str, dict[str, Any]]]:
    return session.info.pop("events", [])
