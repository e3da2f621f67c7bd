"""Gapless consecutive numbers per garage, kind and year.

One statement increments (or creates) the counter row and returns the new value; the row stays locked until the
transaction ends, so concurrent callers queue, and a rollback returns the number.
"""

from __future__ import annotations

import uuid

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.models import Counter


async def next_number(session: AsyncSession, garage_id: uuid.UUID, kind: str, year: int) -> int:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Counter).values(garage_id=garage_id, kind=kind, year=year, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Counter.garage_id, Counter.kind, Counter.year],
        set_={"value": Counter.__table__.c.value + 1},
    ).returning(Counter.__table__.c.value)
    return int((await session.execute(stmt)).scalar_one())


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"
