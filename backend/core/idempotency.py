"""clientMutationId: the first result of an offline phone's mutation is kept, so a replay changes nothing."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.models import IdempotencyKey


async def lookup(session: AsyncSession, garage_id: uuid.UUID, key: str) -> IdempotencyKey | None:
    return (
        await session.execute(
            select(IdempotencyKey).where(IdempotencyKey.garage_id == garage_id, IdempotencyKey.key == key)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def claim(session: AsyncSession, garage_id: uuid.UUID, key: str, operation: str) -> bool:
    """Insert the key. False when another transaction holds it (a concurrent duplicate: it waited, then lost)."""
    try:
        async with session.begin_nested():
            session.add(IdempotencyKey(garage_id=garage_id, key=key, operation=operation, result={}))
            await session.flush()
        return True
    except IntegrityError:
        return False


async def store(session: AsyncSession, garage_id: uuid.UUID, key: str, result: dict) -> None:
    await session.execute(
        update(IdempotencyKey).where(IdempotencyKey.garage_id == garage_id, IdempotencyKey.key == key)
        .values(result=result).execution_options(synchronize_session=False)
    )
