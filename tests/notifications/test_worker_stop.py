"""A graceful stop in the middle of a batch: the real `mototrack worker` (arq on Redis + PostgreSQL) stopped with
SIGTERM, and the embedded in-process runner stopped with the app (lifespan exit); each started again.

The guarantee (delivery.py, "graceful stop"): the sends under way at the stop finish and are recorded SENT, nothing
new is claimed (the rest stays QUEUED, never attempted), and the restarted worker sends the rest. So every message
arrives EXACTLY once: counted raw at the sinks (every SMTP DATA and every HTTP request on arrival, repeats included),
not as distinct Message-IDs or as the SMS the provider kept. tests/notifications/test_worker_crash.py holds the
SIGKILL case, where a message in flight may be handed over twice."""

from __future__ import annotations

import asyncio
import collections
import json
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from backend.notifications.models import Channel, Notification, NotificationStatus
from backend.notifications.outbox import enqueue
from backend.notifications.runner import ArqRelay, InProcessRunner
from tests.conftest import make_settings
from tests.notifications import worker_process as wp
from tests.notifications.sinks import HttpSink, SmtpSink

N = 40
S = NotificationStatus
CONTEXT = {"registration": "R", "job_number": "J"}


async def _exited(process: subprocess.Popen, timeout: float) -> int:
    """Wait for the process without blocking the loop (the SMS sink answers on it)."""
    end = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > end:
            raise AssertionError(f"the worker did not exit within {timeout}s of SIGTERM")
        await asyncio.sleep(0.05)
    return process.returncode


async def _rows(db) -> list[Notification]:
    async with db.read() as session:
        return list((await session.execute(select(Notification))).scalars())


async def _with_status(db, *statuses) -> set[str]:
    async with db.read() as session:
        return {str(i) for i in (await session.execute(
            select(Notification.id).where(Notification.status.in_(statuses)))).scalars()}


def _mid_data(smtp: SmtpSink, accepted: int) -> bool:
    """`accepted` mails accepted, and at least 4 more handed over and not yet answered (in the sink's delay)."""
    return len(smtp.messages) >= accepted and smtp.received - len(smtp.messages) >= 4


def _check_stopped(rows: list[Notification], in_flight: set[str], claimed: set[str]) -> tuple[set[str], set[str]]:
    """After a graceful stop: nothing left SENDING, what was under way is SENT, nothing claimed after the stop began
    (`claimed`: SENT or SENDING a moment after it), the rest QUEUED and never tried."""
    by_status = collections.defaultdict(set)
    for row in rows:
        by_status[row.status].add(str(row.id))
    assert set(by_status) <= {S.SENT, S.QUEUED}, {k: len(v) for k, v in by_status.items()}
    assert in_flight <= by_status[S.SENT], "a send under way at the stop was not finished and recorded"
    assert by_status[S.SENT] == claimed, "a message was claimed after the stop began"
    assert all(row.attempts == 0 for row in rows if row.status == S.QUEUED), "a message was claimed after the stop"
    assert by_status[S.QUEUED], "the batch finished before the stop; make the sinks slower"
    return by_status[S.SENT], by_status[S.QUEUED]


@pytest.mark.postgresql_only  # the real worker runs on PostgreSQL and Redis
async def test_worker_stopped_with_sigterm_mid_batch_sends_every_message_exactly_once(app, db, garage, database_url,
                                                                                      tmp_path):
    redis = await wp.empty_redis(database_url)
    smtp = SmtpSink(delay=0.4).start()  # 8 pooled SMTP sessions: ~20 mails a second
    sms = await HttpSink(delay=0.6).start()
    # a lease far longer than any send here: a repeat could only come from the stop, not from a lease running out
    env = wp.worker_env(database_url, smtp, sms, lease_seconds=60)
    log = tmp_path / "worker.log"
    relay = ArqRelay(wp.REDIS_URL)
    worker = None
    try:
        mail_ids, sms_ids = await wp.queue_batch(db, garage, relay, N, lambda i: {**CONTEXT, "customer_name": f"C{i}"})

        worker = wp.start_worker(env, log)
        await wp.wait_for(lambda: asyncio.sleep(0, _mid_data(smtp, 4)), 60, "the first mails, more in the SMTP DATA")
        at_stop = (len(smtp.messages), len(sms.raw), smtp.received - len(smtp.messages))
        in_flight = await _with_status(db, S.SENDING)
        worker.send_signal(signal.SIGTERM)
        started = time.monotonic()
        await asyncio.sleep(0.2)  # a claim racing the signal has landed by now; none may follow
        claimed = await _with_status(db, S.SENDING, S.SENT)
        assert await _exited(worker, 30) == 0
        stop_seconds = time.monotonic() - started
        assert len(in_flight) >= 2 and at_stop[2] >= 2, "too few sends under way at the stop; make the sinks slower"

        sent, queued = _check_stopped(await _rows(db), in_flight, claimed)
        # what the sinks got so far is exactly what is SENT, each once
        mails = [m["X-MotoTrack-Notification"] for m in smtp.messages]
        texts = [json.loads(r["body"])["reference"] for r in sms.raw]
        assert smtp.received == len(mails) and len(mails) == len(set(mails))
        assert len(texts) == len(set(texts)) and sms.repeats == 0
        assert set(mails) | set(texts) == sent
        first_mails, first_sms = len(mails), len(texts)

        worker = wp.start_worker(env, log)

        async def all_sent() -> bool:
            return all(row.status == S.SENT for row in await _rows(db))

        await wp.wait_for(all_sent, 90, "every message to be SENT after the restart")
        await asyncio.sleep(1)  # anything more would arrive now
        worker.send_signal(signal.SIGTERM)
        assert await _exited(worker, 30) == 0
    except BaseException:
        print(log.read_text(errors="replace")[-5000:] if log.exists() else "(no worker log)", file=sys.stderr)
        raise
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(10)
        await wp.close(relay, smtp, sms, redis)

    # exactly once, counted raw: every SMTP DATA handed over, every HTTP request (a repeat included)
    mails = collections.Counter(m["X-MotoTrack-Notification"] for m in smtp.messages)
    assert smtp.received == N and sum(mails.values()) == N and set(mails) == set(mail_ids)
    texts = collections.Counter(json.loads(r["body"])["reference"] for r in sms.raw)
    assert len(sms.raw) == N and sms.repeats == 0 and set(texts) == set(sms_ids)
    rows = await _rows(db)
    assert all(row.status == S.SENT and row.attempts == 1 for row in rows) and len(rows) == 2 * N
    print(f"\nSIGTERM after {at_stop[0]} mails accepted and {at_stop[1]} SMS requests; in flight at the stop: "
          f"{len(in_flight)} ({at_stop[2]} mails in the middle of their SMTP DATA); the stopping worker finished and recorded them in {stop_seconds:.1f}s "
          f"({first_mails} mails and {first_sms} SMS sent by it, {len(queued)} left QUEUED, none tried); after the "
          f"restart: {smtp.received} SMTP deliveries for {N} mails, {len(sms.raw)} SMS requests for {N} SMS",
          file=sys.stderr)


async def test_embedded_runner_stopped_with_the_app_mid_batch_sends_every_mail_exactly_once(app, db, garage):
    from backend.app import create_app

    smtp = SmtpSink(delay=0.5).start()
    settings = make_settings(app.state.services.settings.database_url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                             smtp_tls="none", mail_from="Garage <garage@mototrack.test>", sms_provider="none",
                             notification_poll_seconds=0.2)
    try:
        embedded = create_app(settings)
        lifespan = embedded.router.lifespan_context(embedded)
        await lifespan.__aenter__()
        shutdown = None
        try:
            assert isinstance(embedded.state.notification_relay, InProcessRunner)
            async with db.transaction() as session:  # the commit wakes the runner
                ids = [str((await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.EMAIL,
                                          locale="en", recipient=f"c{i}@example.com",
                                          context={**CONTEXT, "customer_name": f"C{i}"})).id) for i in range(N)]
            end = time.monotonic() + 30
            while not _mid_data(smtp, 4) and time.monotonic() < end:
                await asyncio.sleep(0.01)
            accepted_at_stop, mid_data = len(smtp.messages), smtp.received - len(smtp.messages)
            in_flight = await _with_status(db, S.SENDING)
            started = time.monotonic()
            # the app's shutdown, run beside this check: a moment after it began nothing more is claimed
            shutdown = asyncio.ensure_future(lifespan.__aexit__(None, None, None))
            await asyncio.sleep(0.1)
            claimed = await _with_status(db, S.SENDING, S.SENT)
        finally:
            if shutdown is None:
                await lifespan.__aexit__(None, None, None)
            else:
                await shutdown
        # the lifespan has exited: the runner has stopped
        stop_seconds = time.monotonic() - started
        assert len(in_flight) >= 2 and mid_data >= 2, "too few sends under way at the stop; make the sink slower"
        sent, queued = _check_stopped(await _rows(db), in_flight, claimed)
        mails = [m["X-MotoTrack-Notification"] for m in smtp.messages]
        assert smtp.received == len(mails) and len(mails) == len(set(mails)) and set(mails) == sent
        first = len(mails)

        embedded = create_app(settings)  # started again
        async with embedded.router.lifespan_context(embedded):
            end = time.monotonic() + 60
            while time.monotonic() < end:
                if all(row.status == S.SENT for row in await _rows(db)):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
    finally:
        smtp.stop()

    counts = collections.Counter(m["X-MotoTrack-Notification"] for m in smtp.messages)
    assert smtp.received == N and sum(counts.values()) == N and set(counts) == set(ids)
    rows = await _rows(db)
    assert all(row.status == S.SENT and row.attempts == 1 for row in rows) and len(rows) == N
    print(f"\napp stopped after {accepted_at_stop} mails accepted; in flight at the stop: {len(in_flight)} ({mid_data} "
          f"in the middle of their SMTP DATA), finished "
          f"and recorded in {stop_seconds:.1f}s ({first} sent before the restart, {len(queued)} left QUEUED, none "
          f"tried); in all {smtp.received} SMTP deliveries for {N} mails", file=sys.stderr)
