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
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from backend.notifications.models import Notification, NotificationStatus
from backend.notifications.runner import ArqRelay
from tests.notifications import worker_process as wp
from tests.notifications.sinks import HttpSink, SmtpSink

N = 40


@pytest.mark.postgresql_only  # the real worker runs on PostgreSQL and Redis
async def test_worker_killed_mid_batch_sends_every_message(app, db, garage, database_url):
    redis = await wp.empty_redis(database_url)
    smtp = SmtpSink(delay=0.15).start()
    sms = await HttpSink().start()
    env = wp.worker_env(database_url, smtp, sms, lease_seconds=3)
    relay = ArqRelay(wp.REDIS_URL)
    worker = None
    try:
        ids, sms_ids = await wp.queue_batch(db, garage, relay, N, lambda i: {
            "customer_name": f"C{i}", "registration": f"R{i}", "job_number": "J"})

        worker = wp.start_worker(env)
        await wp.wait_for(lambda: asyncio.sleep(0, len(smtp.messages) >= N // 4), 60, "the first mails")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        arrived_at_kill = len(smtp.messages)
        assert arrived_at_kill < N, "the batch finished before the kill; make the sink slower"
        async with db.read() as session:
            in_flight = set((await session.execute(select(Notification.id).where(
                Notification.status == NotificationStatus.SENDING))).scalars())

        worker = wp.start_worker(env)

        async def all_sent() -> bool:
            async with db.read() as session:
                return (await session.execute(select(func.count()).select_from(Notification).where(
                    Notification.status == NotificationStatus.SENT))).scalar_one() == 2 * N

        await wp.wait_for(all_sent, 90, "every message to be SENT after the restart")
        await asyncio.sleep(1)
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        await wp.close(relay, smtp, sms, redis)

    in_flight = {str(i) for i in in_flight}
    received = [m["X-MotoTrack-Notification"] for m in smtp.messages]
    assert set(received) == set(ids)  # every mail arrived
    repeats = {r for r in received if received.count(r) > 1}
    assert repeats <= in_flight, "only a mail in flight at the kill may arrive twice"
    for m in smtp.messages:  # ... and every copy carries the one Message-ID of its outbox row
        assert m["Message-ID"] == f"<{m['X-MotoTrack-Notification']}@mototrack.test>"
    kept = [json.loads(r["body"])["reference"] for r in sms.requests]
    assert sorted(kept) == sorted(sms_ids)  # every SMS kept exactly once by the provider
    print(f"\nkilled after {arrived_at_kill}/{N} mails; in flight at the kill: {len(in_flight)}; "
          f"mail repeats: {len(repeats)}; SMS handed over again (dropped by the provider): "
          f"{sms.repeats}", file=sys.stderr)
