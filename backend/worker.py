"""arq worker settings: gathers each domain's tasks and cron jobs."""

from __future__ import annotations

import datetime as dt

from arq import cron
from arq.connections import RedisSettings
from sqlalchemy import delete, or_

from backend.core.db import Database, utcnow
from backend.core.settings import get_settings


async def startup(ctx) -> None:
    ctx["db"] = Database(get_settings().database_url)


async def shutdown(ctx) -> None:
    await ctx["db"].dispose()


async def purge_expired_tokens(ctx) -> int:
    """Refresh tokens past expiry, or revoked a week ago, are no use to anyone: delete them."""
    from backend.accounts.models import RefreshToken

    cutoff = utcnow() - dt.timedelta(days=7)
    async with ctx["db"].transaction() as session:
        result = await session.execute(
            delete(RefreshToken).where(or_(RefreshToken.expires_at < utcnow(), RefreshToken.revoked_at < cutoff))
        )
    return result.rowcount or 0


class WorkerSettings:
    functions = [purge_expired_tokens]
    cron_jobs = [cron(purge_expired_tokens, hour={3}, minute={17}, run_at_startup=False)]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url or "redis://127.0.0.1:6379/0")
    max_tries = 5
