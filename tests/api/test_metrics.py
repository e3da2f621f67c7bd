"""GET /metrics: scraped after real operations and parsed with prometheus-client's own parser."""

from __future__ import annotations

import asyncio
import json

import httpx
from httpx import AsyncClient
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app
from backend.notifications.models import Channel
from backend.notifications.outbox import enqueue
from backend.notifications.runner import InProcessRunner
from tests.api.test_redis import redis  # noqa: F401 - the fixture
from tests.conftest import REDIS_URL, make_settings


async def scrape(client, **headers) -> dict:
    """{(sample name, sorted labels): value} of one scrape."""
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def per_operation(before: dict, after: dict, transport: str, *names: str) -> dict:
    """{operation: (operations counted, operations timed)} between two scrapes."""
    return {name: (moved(before, after, "mototrack_graphql_requests_total", operation=name, transport=transport),
                   moved(before, after, "mototrack_graphql_request_seconds_count", operation=name,
                         transport=transport))
            for name in names}


async def test_requests_latency_and_errors_by_operation_name(client, gql, garage):
    before = await scrape(client)
    for _ in range(3):
        await gql("query MetricsGarage { garage { name } }", token=garage.token())
    await gql("{ me { role } }", token=garage.token())
    body = await gql("query MetricsSignedOut { me { role } garage { name } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    after = await scrape(client)

    assert per_operation(before, after, "http", "MetricsGarage", "anonymous", "MetricsSignedOut") == {
        "MetricsGarage": (3, 3), "anonymous": (1, 1), "MetricsSignedOut": (1, 1)}
    assert moved(before, after, "mototrack_graphql_request_seconds_sum", operation="MetricsGarage",
                 transport="http") > 0
    assert moved(before, after, "mototrack_graphql_errors_total", code="UNAUTHENTICATED", transport="http") == \
        len(body["errors"])
    assert moved(before, after, "mototrack_graphql_errors_total", code="UNAUTHENTICATED", transport="ws") == 0
    # the pool of backend.core.db is there, nothing left checked out between requests
    assert ("mototrack_db_pool_size", (("engine", "write"),)) in after
    assert value(after, "mototrack_db_pool_checked_out", engine="write") == 0


async def test_operation_names_beyond_the_bound_read_other(app, client, gql, garage):
    names = app.state.metrics.names
    saved = names.limit
    names.limit = len(names.others) + 1  # room for one more name
    try:
        before = await scrape(client)
        await gql("query MetricsFirstNew { garage { name } }", token=garage.token())
        await gql("query MetricsSecondNew { garage { name } }", token=garage.token())
        await gql("query MetricsFirstNew { garage { name } }", token=garage.token())
        after = await scrape(client)
    finally:
        names.limit = saved
    assert moved(before, after, "mototrack_graphql_requests_total", operation="MetricsFirstNew", transport="http") == 2
    assert moved(before, after, "mototrack_graphql_requests_total", operation="other", transport="http") == 1
    assert not any(labels and dict(labels).get("operation") == "MetricsSecondNew" for _n, labels in after)


async def test_outbox_backlog_oldest_age_and_jobs_run(app, client, db, garage, count_statements, tmp_path):
    before = await scrape(client)
    assert value(before, "mototrack_outbox_backlog", status="QUEUED") == 0
    assert value(before, "mototrack_outbox_oldest_pending_seconds") == 0
    async with db.transaction() as session:
        for n in range(3):
            await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="en",
                          context={"registration": f"AB{n}"}, recipient=f"+6681234567{n}")
    await asyncio.sleep(0.05)
    with count_statements() as counter:
        queued = await scrape(client)
    assert counter.count == 1  # the outbox figures are one statement per scrape
    assert value(queued, "mototrack_outbox_backlog", status="QUEUED") == 3
    assert value(queued, "mototrack_outbox_backlog", status="SENDING") == 0
    assert 0 < value(queued, "mototrack_outbox_oldest_pending_seconds") < 60

    settings = make_settings(app.state.services.settings.database_url, sms_provider="file", data_dir=tmp_path,
                             public_url="http://testserver")
    runner = InProcessRunner(db, settings)
    try:
        attempts = await runner.drain()
    finally:
        await runner.senders.close()
    assert attempts == 3
    drained = await scrape(client)
    assert value(drained, "mototrack_outbox_backlog", status="QUEUED") == 0
    assert value(drained, "mototrack_outbox_oldest_pending_seconds") == 0
    assert moved(queued, drained, "mototrack_worker_jobs_total", job="send_notification", outcome="sent") == 3
    assert moved(queued, drained, "mototrack_worker_jobs_total", job="send_notification", outcome="failed") == 0


async def test_websocket_subscriber_gauge_and_ws_operations(app, client, garage):
    before = await scrape(client)
    ws_app = AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://testserver")
    async with ws_app, aconnect_ws("/graphql", ws_app, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init",
                                       "payload": {"Authorization": f"Bearer {garage.token()}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "s", "type": "subscribe", "payload": {
            "query": "subscription MetricsParts { partsRequestsChanged { id } }",
            "operationName": "MetricsParts"}}))
        await ws.send_text(json.dumps({"id": "q", "type": "subscribe", "payload": {
            "query": "query MetricsOverWs { garage { name } nope }", "operationName": "MetricsOverWs"}}))
        answer = json.loads(await ws.receive_text())
        assert answer["id"] == "q" and answer["type"] == "error", answer
        assert "extensions" not in answer["payload"][0]  # a validation error over the WebSocket carries no code
        for _ in range(50):  # the subscription is live once the process counts it
            during = await scrape(client)
            if value(during, "mototrack_live_subscriptions") >= 1:
                break
            await asyncio.sleep(0.02)
        assert moved(before, during, "mototrack_websocket_connections") == 1
        assert value(during, "mototrack_live_subscriptions") == 1
        # a subscription is counted, not timed (its lifetime is no latency); a query over the socket is both
        assert per_operation(before, during, "ws", "MetricsParts", "MetricsOverWs") == {
            "MetricsParts": (1, 0), "MetricsOverWs": (1, 1)}
        assert moved(before, during, "mototrack_graphql_errors_total", code="NONE", transport="ws") == 1
    for _ in range(50):
        after = await scrape(client)
        if value(after, "mototrack_live_subscriptions") == 0 and \
                moved(before, after, "mototrack_websocket_connections") == 0:
            break
        await asyncio.sleep(0.02)
    assert moved(before, after, "mototrack_websocket_connections") == 0
    assert value(after, "mototrack_live_subscriptions") == 0


async def test_production_needs_the_metrics_token(database_url):
    for token, expected in (("", {None: 404, "Bearer anything": 404}),
                            ("s3cret-metrics-token", {None: 401, "Bearer wrong": 401, "Basic s3cret-metrics-token": 401,
                                                      "Bearer s3cret-metrics-token": 200})):
        app = create_app(make_settings(database_url, env="production", metrics_token=token))
        try:
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 12345))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                for header, status in expected.items():
                    response = await client.get("/metrics", headers={"Authorization": header} if header else {})
                    assert response.status_code == status, (token, header, response.text)
                    if status == 200:
                        assert "mototrack_graphql_requests_total" in response.text
                    else:
                        assert "mototrack_" not in response.text
        finally:
            await app.state.services.db.dispose()


async def test_arq_worker_jobs_are_counted_for_every_api_process(database_url, redis, monkeypatch, tmp_path):  # noqa: F811
    from backend import worker
    from backend.api.metrics import REDIS_JOBS_KEY
    from backend.notifications.channels import Senders
    from tests.conftest import make_garage

    await redis.delete(REDIS_JOBS_KEY)
    app = create_app(make_settings(database_url, redis_url=REDIS_URL))
    settings = make_settings(database_url, sms_provider="file", data_dir=tmp_path, public_url="http://testserver")
    monkeypatch.setattr(worker, "get_settings", lambda: settings)  # the worker process's own configuration
    db = app.state.services.db
    ctx = {"db": db, "notification_senders": Senders(settings), "redis": redis}
    try:
        garage = await make_garage(app, "Metrics Garage")
        async with db.transaction() as session:
            rows = [await enqueue(session, garage_id=garage.garage.id, event="job_ready", channel=Channel.SMS,
                                  locale="en", context={"registration": f"KB{n}"}, recipient=f"+6681234560{n}")
                    for n in range(2)]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            before = await scrape(client)
            assert value(before, "mototrack_arq_jobs", job="send_notification", outcome="sent") == 0
            assert [await worker.send_notification(ctx, str(row.id)) for row in rows] == ["sent", "sent"]
            after = await scrape(client)
        assert value(after, "mototrack_arq_jobs", job="send_notification", outcome="sent") == 2
        assert value(after, "mototrack_outbox_backlog", status="QUEUED") == 0
    finally:
        await ctx["notification_senders"].close()
        await redis.delete(REDIS_JOBS_KEY)
        await app.state.services.pubsub.close()
        await app.state.services.pubsub.redis.aclose()
        await db.dispose()



def test_worker_processes_are_summed_in_multiprocess_mode(tmp_path):
    """`serve --workers N` sets PROMETHEUS_MULTIPROC_DIR (backend/cli.py): a scrape answered by any process reports
    every process's operations. Two processes count operations, a third answers as /metrics does."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("import sys; from backend.api import metrics; names = metrics.OperationNames()\n"
             "for _ in range(int(sys.argv[1])): metrics.Timer(names, 'MpProbe', 'http').done([{'extensions': "
             "{'code': 'FORBIDDEN'}}])")
    workers = [subprocess.Popen([sys.executable, "-c", count, str(n)], env=env) for n in (3, 2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    scrape_code = ("import sys; from prometheus_client import generate_latest; "
                   "from backend.api.metrics import process_registry; "
                   "sys.stdout.write(generate_latest(process_registry()).decode())")
    out = subprocess.run([sys.executable, "-c", scrape_code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(out.stdout) for s in family.samples}
    assert per_operation({}, samples, "http", "MpProbe") == {"MpProbe": (5, 5)}
    assert value(samples, "mototrack_graphql_errors_total", code="FORBIDDEN", transport="http") == 5
