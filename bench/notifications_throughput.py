"""Messages per second through the notification runner: N mails to a local aiosmtpd sink and N SMS to a local HTTP
sink (webhook adapter), enqueued first, then drained by the in-process runner (the same `deliver` arq runs).

    .venv/bin/python bench/notifications_throughput.py                       # embedded: SQLite file, in-process
    .venv/bin/python bench/notifications_throughput.py --database-url postgresql+asyncpg://postgres@127.0.0.1/db
    ... --arq --redis-url redis://127.0.0.1:6379/4 --database-url postgresql+...   # the real `mototrack worker`
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from backend.accounts.models import Garage  # noqa: E402
from backend.core.db import Database  # noqa: E402
from backend.core.settings import Settings  # noqa: E402
from backend.notifications.models import Channel, Notification, NotificationStatus  # noqa: E402
from backend.notifications.outbox import enqueue  # noqa: E402
from backend.notifications.runner import ArqRelay, InProcessRunner  # noqa: E402
from tests.notifications.sinks import HttpSink, SmtpSink  # noqa: E402
from tests.fresh_db import fresh_schema  # noqa: E402


async def prepare(db: Database) -> None:
    await fresh_schema(db)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000, help="mails, and as many SMS")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--arq", action="store_true")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    smtp = SmtpSink().start()
    http = await HttpSink().start()
    settings = Settings(env="test", database_url=url, redis_url=args.redis_url, data_dir=Path(tmp),
                        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none", sms_provider="webhook",
                        sms_url=f"{http.base}/sms", public_url="http://127.0.0.1")
    db = Database(url)
    await prepare(db)
    async with db.transaction() as session:
        garage = Garage(name="Bench Garage")
        session.add(garage)
        await session.flush()
        for i in range(args.n):
            await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.EMAIL, locale="en",
                          recipient=f"c{i}@example.com", context={"customer_name": f"C{i}", "registration": "AB12"})
            await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="th",
                          recipient=f"+6681{i:07d}", context={"customer_name": f"C{i}", "registration": "AB12"})
    total = 2 * args.n
    start = time.perf_counter()
    worker = None
    if args.arq:
        async with db.read() as session:
            ids = (await session.execute(select(Notification.id))).scalars().all()
        relay = ArqRelay(args.redis_url)
        env = {**os.environ, "MOTOTRACK_ENV": "test", "MOTOTRACK_DATABASE_URL": url,
               "MOTOTRACK_REDIS_URL": args.redis_url, "MOTOTRACK_SMTP_HOST": "127.0.0.1",
               "MOTOTRACK_SMTP_PORT": str(smtp.port), "MOTOTRACK_SMTP_TLS": "none",
               "MOTOTRACK_SMS_PROVIDER": "webhook", "MOTOTRACK_SMS_URL": f"{http.base}/sms"}
        worker = subprocess.Popen([str(ROOT / ".venv/bin/mototrack"), "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await relay.enqueue([f"{i}:0" for i in ids])
        await relay.stop()
        while True:
            async with db.read() as session:
                done = (await session.execute(select(func.count()).select_from(Notification).where(
                    Notification.status == NotificationStatus.SENT))).scalar_one()
            if done >= total:
                break
            await asyncio.sleep(0.2)
    else:
        runner = InProcessRunner(db, settings, concurrency=args.concurrency)
        await runner.drain()
        await runner.senders.close()
    elapsed = time.perf_counter() - start
    if worker is not None:
        worker.terminate()
        worker.wait(15)
    async with db.read() as session:
        sent = (await session.execute(select(func.count()).select_from(Notification).where(
            Notification.status == NotificationStatus.SENT))).scalar_one()
    mode = "arq worker" if args.arq else "in-process runner"
    print(f"{mode} on {db.write_engine.dialect.name}: {sent}/{total} sent in {elapsed:.1f} s = "
          f"{sent / elapsed:.0f} messages/s (mails received {len(smtp.messages)}, SMS received {len(http.requests)})")
    smtp.stop()
    await http.stop()
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
