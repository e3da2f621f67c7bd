"""Production mode: deliveries handed to arq on a real Redis after the commit, sent by an arq worker (burst), a
failed attempt queued again by the sweep once its back-off has passed."""

from __future__ import annotations

import asyncio
import uuid

from arq import func
from arq.connections import RedisSettings
from arq.worker import Worker

from backend.integrations.webhooks.delivery import Sender
from backend.integrations.webhooks.models import DeliveryStatus
from backend.integrations.webhooks.runner import WebhookArqRelay, send_webhook, sweep_webhooks
from tests.conftest import REDIS_URL, service_unavailable
from tests.integrations.webhooks.conftest import documented_verify, hook_settings
from tests.integrations.webhooks.test_delivery import deliveries, emit, make_endpoint


async def _burst(ctx: dict, queue: str) -> None:
    worker = Worker(functions=[func(send_webhook, name="send_webhook", keep_result=0)],
                    redis_settings=RedisSettings.from_dsn(REDIS_URL), queue_name=queue, burst=True, ctx=ctx,
                    poll_delay=0.05, handle_signals=False)
    try:
        await asyncio.wait_for(worker.main(), 20)
    finally:
        await worker.close()


async def test_the_worker_sends_through_arq_and_the_sweep_queues_the_retry(app, db, garage, hook, database_url):
    if not REDIS_URL:
        service_unavailable("Redis (TEST_REDIS_URL is not set)")
    queue = f"arq:queue:webhooks-test-{uuid.uuid4().hex[:8]}"
    settings = hook_settings(database_url)
    relay = WebhookArqRelay(REDIS_URL, queue_name=queue)
    try:
        await relay.pool()
    except Exception as exc:  # noqa: BLE001
        service_unavailable("Redis", exc)
    sender = Sender(settings)
    ctx = {"db": db, "webhook_sender": sender, "webhook_relay": relay, "webhook_settings": settings}
    created = await make_endpoint(db, garage, hook.url(), events=["stock.low"])
    relay.start()  # what the API process does: hand the delivery to arq once the change commits
    try:
        hook.statuses = [500]
        await emit(db, garage, data={"itemId": "i-9"})
        for _ in range(100):  # the hand-over runs as a task after the commit
            if await (await relay.pool()).zcard(queue):
                break
            await asyncio.sleep(0.02)
        assert await (await relay.pool()).zcard(queue) == 1
        await _burst(ctx, queue)
        [row] = await deliveries(db, created.endpoint.id)
        assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.QUEUED, 1, 500)
        assert await sweep_webhooks(ctx) == 0  # not due yet (back-off)
        await asyncio.sleep(0.35)
        assert await sweep_webhooks(ctx) == 1
        assert await sweep_webhooks(ctx) == 1  # swept twice: still one job (one id per attempt)
        assert await (await relay.pool()).zcard(queue) == 1
        await _burst(ctx, queue)
        [row] = await deliveries(db, created.endpoint.id)
        assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.SUCCEEDED, 2, 200)
        assert len(hook.requests) == 2
        verify = documented_verify()
        assert all(verify(created.secret, r.headers["mototrack-signature"], r.body) for r in hook.requests)
    finally:
        await relay.stop()
        await sender.close()
