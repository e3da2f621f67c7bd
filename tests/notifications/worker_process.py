"""The real `mototrack worker` in a subprocess, for the tests that stop or kill it mid-batch (test_worker_crash.py,
test_worker_stop.py): the services it needs, its environment, a batch of mails and SMS on the arq queue."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

from backend.notifications.models import Channel
from backend.notifications.outbox import enqueue
from tests.conftest import service_unavailable
from tests.notifications.sinks import HttpSink, SmtpSink

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


def start_worker(env: dict, log: Path | None = None) -> subprocess.Popen:
    """`mototrack worker` with `env`; its output goes to `log` (appended), else nowhere."""
    command = [str(ROOT / ".venv" / "bin" / "mototrack"), "worker"]
    if log is None:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def empty_redis(database_url: str):
    """The test's Redis, emptied (the worker tests are postgresql_only; without Redis they are skipped, and fail
    with MOTOTRACK_REQUIRE_SERVICES=1)."""
    if not REDIS_URL:
        service_unavailable("Redis (TEST_REDIS_URL is not set)")
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.flushdb()
    except Exception as exc:  # noqa: BLE001
        service_unavailable("Redis", exc)
    return redis


def worker_env(database_url: str, smtp: SmtpSink, sms: HttpSink, lease_seconds: int) -> dict:
    """The worker's settings: the sinks as SMTP server and webhook SMS provider, a lease of `lease_seconds`."""
    return {**os.environ, "MOTOTRACK_ENV": "test", "MOTOTRACK_DATABASE_URL": database_url,
            "MOTOTRACK_REDIS_URL": REDIS_URL, "MOTOTRACK_SMTP_HOST": "127.0.0.1", "MOTOTRACK_SMTP_PORT": str(smtp.port),
            "MOTOTRACK_SMTP_TLS": "none", "MOTOTRACK_MAIL_FROM": "Garage <garage@mototrack.test>",
            "MOTOTRACK_SMS_PROVIDER": "webhook", "MOTOTRACK_SMS_URL": f"{sms.base}/sms",
            "MOTOTRACK_NOTIFICATION_LEASE_SECONDS": str(lease_seconds),
            "MOTOTRACK_SECRET_KEY": "test-secret-" + "x" * 32}


async def queue_batch(db, garage, relay, n: int, context) -> tuple[list[str], list[str]]:
    """`n` mails and `n` SMS (`context(i)` each) written to the outbox and handed to arq as the API process does
    after the commit, mail and SMS alternating; their ids."""
    async with db.transaction() as session:
        mail_ids, sms_ids = [], []
        for i in range(n):
            row = await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.EMAIL, locale="en",
                                recipient=f"c{i}@example.com", context=context(i))
            mail_ids.append(str(row.id))
            row = await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="th",
                                recipient=f"+6681{i:07d}", context=context(i))
            sms_ids.append(str(row.id))
    await relay.enqueue([f"{i}:0" for pair in zip(mail_ids, sms_ids) for i in pair])
    return mail_ids, sms_ids


async def close(relay, smtp: SmtpSink, sms: HttpSink, redis) -> None:
    """Stop the relay and the sinks, and leave Redis empty."""
    await relay.stop()
    smtp.stop()
    await sms.stop()
    await redis.flushdb()
    await redis.aclose()
