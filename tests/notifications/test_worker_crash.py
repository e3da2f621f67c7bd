"""The real `mototrack worker` (arq on Redis + PostgreSQL) killed with SIGKILL in the middle of a batch of mails and
webhook SMS, then started again.

The guarantee this test holds the code to (delivery.py says the same): every message is delivered; a message whose
send was in flight at the instant of the kill (handed to the provider, not yet marked SENT) may be handed to the
provider a second time after its lease expires, with the same Message-ID / Idempotency-Key; a provider honouring the
key keeps exactly one. So:
- every mail and every SMS arrives;
- the webhook SMS provider (the local one honours Idempotency-Key, as real providers do) keeps each SMS exactly once;
- a mail arrives twice only if it was in flight at the kill, and both copies carry the same Message-ID."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.notifications.models import Channel, Notification, NotificationStatus
from backend.notifications.outbox import enqueue
from backend.notifications.runner import ArqRelay
from tests.conftest import service_unavailable
from tests.notifications.sinks import HttpSink, SmtpSink

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
N = 40


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "mototrack"), "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _wait(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_worker_killed_mid_batch_sends_every_message(app, db, garage, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the worker runs against PostgreSQL and Redis")
    if not REDIS_URL:
        service_unavailable("Redis (TEST_REDIS_URL is not set)")
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.flushdb()
    except Exception as exc:  # noqa: BLE001
        service_unavailable("Redis", exc)
    smtp = SmtpSink(delay=0.15).start()
    sms = await HttpSink().start()
    env = {**os.environ, "MOTOTRACK_ENV": "test", "MOTOTRACK_DATABASE_URL": database_url,
           "MOTOTRACK_REDIS_URL": REDIS_URL, "MOTOTRACK_SMTP_HOST": "127.0.0.1", "MOTOTRACK_SMTP_PORT": str(smtp.port),
           "MOTOTRACK_SMTP_TLS": "none", "MOTOTRACK_MAIL_FROM": "Garage <garage@mototrack.test>",
           "MOTOTRACK_SMS_PROVIDER": "webhook", "MOTOTRACK_SMS_URL": f"{sms.base}/sms",
           "MOTOTRACK_NOTIFICATION_LEASE_SECONDS": "3", "MOTOTRACK_SECRET_KEY": "test-secret-" + "x" * 32}
    relay = ArqRelay(REDIS_URL)
    worker = None
    try:
        async with db.transaction() as session:
            ids, sms_ids = [], []
            for i in range(N):
                row = await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.EMAIL,
                                    locale="en", recipient=f"c{i}@example.com",
                                    context={"customer_name": f"C{i}", "registration": f"R{i}", "job_number": "J"})
                ids.append(row.id)
                row = await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS,
                                    locale="th", recipient=f"+6681{i:07d}",
                                    context={"customer_name": f"C{i}", "registration": f"R{i}", "job_number": "J"})
                sms_ids.append(row.id)
        # what the API process does after the commit
        await relay.enqueue([f"{i}:0" for pair in zip(ids, sms_ids) for i in pair])

        worker = _worker(env)
        await _wait(lambda: asyncio.sleep(0, len(smtp.messages) >= N // 4), 60, "the first mails")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        arrived_at_kill = len(smtp.messages)
        assert arrived_at_kill < N, "the batch finished before the kill; make the sink slower"
        async with db.read() as session:
            in_flight = set((await session.execute(select(Notification.id).where(
                Notification.status == NotificationStatus.SENDING))).scalars())

        worker = _worker(env)

        async def all_sent() -> bool:
            async with db.read() as session:
                return (await session.execute(select(func.count()).select_from(Notification).where(
                    Notification.status == NotificationStatus.SENT))).scalar_one() == 2 * N

        await _wait(all_sent, 90, "every message to be SENT after the restart")
        await asyncio.sleep(1)
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        await relay.stop()
        smtp.stop()
        await sms.stop()
        await redis.flushdb()
        await redis.aclose()

    in_flight = {str(i) for i in in_flight}
    received = [m["X-MotoTrack-Notification"] for m in smtp.messages]
    assert set(received) == {str(i) for i in ids}  # every mail arrived
    repeats = {r for r in received if received.count(r) > 1}
    assert repeats <= in_flight, "only a mail in flight at the kill may arrive twice"
    for m in smtp.messages:  # ... and every copy carries the one Message-ID of its outbox row
        assert m["Message-ID"] == f"<{m['X-MotoTrack-Notification']}@mototrack.test>"
    kept = [json.loads(r["body"])["reference"] for r in sms.requests]
    assert sorted(kept) == sorted(str(i) for i in sms_ids)  # every SMS kept exactly once by the provider
    print(f"\nkilled after {arrived_at_kill}/{N} mails; in flight at the kill: {len(in_flight)}; "
          f"mail repeats: {len(repeats)}; SMS handed over again (dropped by the provider): "
          f"{sms.repeats}", file=sys.stderr)
