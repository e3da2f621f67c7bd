"""An empty database for a test session or a benchmark: on PostgreSQL the public schema dropped and made again,
then every migration."""

from __future__ import annotations

from sqlalchemy import text

from backend.core.db import Database
from backend.core.migrate import upgrade_on_connection


async def fresh_schema(db: Database) -> None:
    async with db.write_engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
            await conn.commit()
    async with db.write_engine.connect() as conn:
        await conn.run_sync(upgrade_on_connection)
        await conn.commit()
