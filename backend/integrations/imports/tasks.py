"""Running an import job in the background: the worker's task (`run_import`, arq on Redis, job id
"import:<job id>" so a job handed over twice is queued once) or, in embedded mode, an asyncio task of this process.
The job row is the outbox: it is committed QUEUED before it is handed over, and `run_job` claims it QUEUED ->
RUNNING, so it runs once however often it is handed over. A hand-over lost in a crash leaves it QUEUED; the
worker's sweep (`sweep_imports`) hands such jobs over again."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid

from sqlalchemy import select

from backend.core.db import utcnow
from backend.files.storage import storage_for
from backend.integrations.imports import service
from backend.integrations.imports.models import ImportJob

log = logging.getLogger("mototrack.imports")
_running: set[asyncio.Task] = set()  # in-process runs (embedded mode), kept referenced until they finish
STALE_QUEUED = dt.timedelta(minutes=2)


def job_key(job_id: uuid.UUID | str) -> str:
    return f"import:{job_id}"


async def dispatch(db, settings, job_id: uuid.UUID) -> None:
    if settings.redis_url:
        from arq import create_pool
        from arq.connections import RedisSettings

        pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        try:
            await pool.enqueue_job("run_import", str(job_id), _job_id=job_key(job_id))
        finally:
            await pool.aclose()
        return
    task = asyncio.get_running_loop().create_task(_in_process(db, settings, job_id))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _in_process(db, settings, job_id: uuid.UUID) -> None:
    try:
        await service.run_job(db, storage_for(settings), job_id)
    except Exception:  # noqa: BLE001 - the job is marked FAILED by run_job
        log.exception("import job %s failed", job_id)


async def wait_in_process() -> None:
    """Wait for this process's in-process runs (tests, and a graceful shutdown)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


async def run_import(ctx, job_id: str) -> str:
    from backend.core.settings import get_settings

    return await service.run_job(ctx["db"], storage_for(get_settings()), uuid.UUID(job_id))


async def sweep_imports(ctx) -> int:
    """Jobs still QUEUED a while after they were made (their hand-over was lost): hand them over again."""
    from backend.core.settings import get_settings

    async with ctx["db"].read() as session:
        ids = list((await session.execute(select(ImportJob.id).where(
            ImportJob.status == "QUEUED", ImportJob.created_at < utcnow() - STALE_QUEUED))).scalars())
    for ident in ids:
        await dispatch(ctx["db"], get_settings(), ident)
    return len(ids)
