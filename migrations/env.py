"""Alembic environment. Runs on the async engine; tests pass an open connection in config.attributes."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from backend.core.db import Base
from backend.core.settings import get_settings

# every domain's models, so autogenerate sees the whole schema
import backend.models  # noqa: F401,E402

target_metadata = Base.metadata
config = context.config


def include_object(obj, name, type_, reflected, compare_to):
    # PostgreSQL-only search indexes (trigram) are managed by hand in the migrations
    if type_ == "index" and name and name.startswith("ix_trgm_"):
        return False
    return True


def do_run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    url = config.attributes.get("url") or get_settings().database_url
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()
    await engine.dispose()


def run_offline() -> None:
    context.configure(url=get_settings().database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif config.attributes.get("connection") is not None:
    do_run_migrations(config.attributes["connection"])
else:
    asyncio.run(run_async())
