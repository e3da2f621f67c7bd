"""Events a service raises during a transaction; the request boundary publishes them after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


def emit(session: AsyncSession, channel: str, message: dict[str, Any]) -> None:
    session.info.setdefault("events", []).append((channel, message))


def mark(session: AsyncSession) -> int:
    return len(session.info.get("events", []))


def forget_since(session: AsyncSession, position: int) -> None:
    """A savepoint rolled back: drop the events raised inside it."""
    events = session.info.get("events")
    if events is not None:
        del events[position:]


def take(session: AsyncSession) -> list[tuple[str, dict[str, Any]]]:
    return session.info.pop("events", [])
