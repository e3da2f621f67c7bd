"""Error tracking against a stand-in for Sentry on 127.0.0.1 (the DSN http://key@127.0.0.1:PORT/1), with the real
server (`mototrack serve`) in a subprocess: an unexpected error of a GraphQL operation and a PWA's reported error
arrive with the release, the operation's name and the request id, and without the password, tokens, cookie or
personal data that were in the requests. The server's JSON log lines carry the request id and operation too."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx

from backend.demo import DEMO_PASSWORD, DEMO_USERS
from backend.ops import app_version
from tests.ops.conftest import FakeSentry

LOGIN = "mutation Login($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken errors { code } } }"


async def _events(sentry: FakeSentry, count: int) -> list[dict]:
    async with asyncio.timeout(20):
        while len(sentry.events()) < count:
            await asyncio.sleep(0.1)
    return sentry.events()


async def test_unhandled_errors_reported_scrubbed_with_release_and_operation(served, sentry):
    host, database, log_path = served
    email = DEMO_USERS[0][0]
    async with httpx.AsyncClient(base_url=f"http://{host}", timeout=30) as http:
        signed_in = (await http.post("/graphql", json={"query": LOGIN, "variables": {"e": email, "p": DEMO_PASSWORD}}
                                     )).json()
        token = signed_in["data"]["login"]["accessToken"]
        assert token
        # a column the sign-in writes is gone: the next sign-in meets an error nobody expected
        connection = sqlite3.connect(database)
        connection.execute("ALTER TABLE users DROP COLUMN last_login_at")
        connection.commit()
        connection.close()
        failed = await http.post("/graphql", json={"query": LOGIN, "variables": {"e": email, "p": DEMO_PASSWORD}},
                                 headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-sentry-1",
                                          "Cookie": "session=cookie-value-123456"})
        assert failed.headers["x-request-id"] == "req-sentry-1"
        assert [e["extensions"]["code"] for e in failed.json()["errors"]] == ["INTERNAL_SERVER_ERROR"]
        reported = await http.post("/client-errors", headers={"X-Request-ID": "req-pwa-1"}, json={
            "type": "TypeError", "message": f"cannot read id of undefined (Bearer {token}) for somchai@example.com",
            "stack": f"at load (/assets/index.js:1:2) /graphql?token={token} call 0812345678",
            "path": "/jobs/1?token=abcdefghijklmnopq", "operation": "JobBoard", "release": "pwa-build-1"})
        assert reported.status_code == 204
        too_big = await http.post("/client-errors", content=b"{" + b" " * 20000 + b"}",
                                  headers={"content-type": "application/json"})
        assert too_big.status_code == 413
    from websockets.asyncio.client import connect

    async with connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"],
                       additional_headers={"X-Request-ID": "req-ws-1"}, open_timeout=10) as ws:
        assert ws.response.headers["X-Request-ID"] == "req-ws-1"  # the handshake's answer carries it

    events = await _events(sentry, 2)
    api = next(e for e in events if e.get("tags", {}).get("component") == "api")
    pwa = next(e for e in events if e.get("tags", {}).get("component") == "pwa")
    assert api["release"] == pwa["release"] == f"mototrack@{app_version()}"
    assert api["tags"]["graphql.operation"] == "Login" and api["tags"]["request_id"] == "req-sentry-1"
    assert "last_login_at" in json.dumps(api)  # the error itself is there
    assert pwa["tags"]["graphql.operation"] == "JobBoard" and pwa["tags"]["request_id"] == "req-pwa-1"
    assert pwa["exception"]["values"][0]["type"] == "TypeError"
    assert pwa["contexts"]["pwa"]["path"] == "/jobs/1?token=[redacted]"
    sent = b"".join(sentry.envelopes).decode("utf-8", "replace")
    for secret in (DEMO_PASSWORD, token, token.rsplit(".", 1)[-1], "cookie-value-123456", email,
                   "somchai@example.com", "0812345678", "abcdefghijklmnopq"):
        assert secret not in sent, secret

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    [line] = [x for x in lines if x.get("event") == "request" and x.get("request_id") == "req-sentry-1"]
    assert line["operation"] == "Login" and line["status"] == 200 and line["component"] == "api"
    [error] = [x for x in lines if x.get("level") == "error" and x.get("request_id") == "req-sentry-1"]
    assert error["operation"] == "Login" and "last_login_at" in error["exception"]
    logged = log_path.read_text()
    assert DEMO_PASSWORD not in logged and token.rsplit(".", 1)[-1] not in logged



WORKER_PROBE = """
import asyncio, sys
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from backend.core.settings import Settings
from backend.ops.logs import configure_logging
from backend.ops.sentry import init_sentry, report_job_errors

redis_url, dsn, queue = sys.argv[1:4]
settings = Settings(env="production", secret_key="w" * 40, redis_url=redis_url, sentry_dsn=dsn)
configure_logging(settings, "worker")
assert init_sentry(settings, "worker")


async def settle_invoice(ctx, customer_email, api_key):
    raise RuntimeError(f"settling failed: Authorization: Bearer {api_key} for {customer_email}")


async def main():
    redis = RedisSettings.from_dsn(redis_url)
    pool = await create_pool(redis, default_queue_name=queue)
    await pool.enqueue_job("settle_invoice", "somchai@example.com", "mtk_AbCdEfGhIjKlMnOpQrStUv", _queue_name=queue)
    await pool.aclose()
    # as backend/worker.py makes its worker
    worker = Worker(**report_job_errors({"functions": [settle_invoice], "redis_settings": redis, "queue_name": queue,
                                         "burst": True, "max_tries": 1, "poll_delay": 0.05, "handle_signals": False}))
    await worker.main()
    await worker.close()
    import sentry_sdk
    sentry_sdk.flush(10)


asyncio.run(main())
"""


async def test_a_failing_worker_job_is_reported_scrubbed(sentry, tmp_path):
    import os
    import subprocess
    import sys
    import uuid

    from tests.conftest import REDIS_URL, service_unavailable
    from tests.ops.conftest import ROOT

    if not REDIS_URL:
        service_unavailable("Redis (TEST_REDIS_URL is not set)")
    dsn = f"http://publickey@127.0.0.1:{sentry.server_address[1]}/1"
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", WORKER_PROBE, REDIS_URL, dsn, f"ops-probe-{uuid.uuid4().hex}"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    [event] = await _events(sentry, 1)
    assert event["release"] == f"mototrack@{app_version()}" and event["tags"]["component"] == "worker"
    assert event["tags"]["arq.job"] == "settle_invoice"
    assert "settling failed" in json.dumps(event) and "settle_invoice" in json.dumps(event)
    sent = b"".join(sentry.envelopes).decode("utf-8", "replace")
    assert "mtk_AbCdEfGhIjKlMnOpQrStUv" not in sent and "AbCdEfGhIjKlMnOp" not in sent
    assert "somchai@example.com" not in sent
    # the worker's own log line of the failure, in JSON and masked as well
    assert "settle_invoice" in done.stderr and "AbCdEfGhIjKlMnOp" not in done.stderr
