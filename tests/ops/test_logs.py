"""Structured logs: a request id per request (the client's when sane) on every line of the request and in the
X-Request-ID answer; the GraphQL operation's name on the request's line; JSON in production, readable lines in
development; secrets masked by key and by pattern."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re

import pytest

from backend.core.permissions import Role
from backend.ops.logs import REDACTED, configure_logging, redact
from tests.conftest import make_settings

ME = "query WhoAmI { me { id } }"


@contextlib.contextmanager
def captured(settings):
    """The app's own log configuration writing into a buffer for the test (the root logger put back after)."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging(settings, "api", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_request_id_taken_when_sane_else_made_and_sent_back(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:2.b_c"})
    assert given.headers["x-request-id"] == "lb-7f3a:2.b_c"
    made = [await client.get("/healthz") for _ in range(2)]
    ids = [r.headers["x-request-id"] for r in made]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and ids[0] != ids[1]
    for insane in ("has space", "x" * 129, "quote\"d", "", "line\nbreak"[:4] + "\u00e9"):
        response = await client.get("/healthz", headers={"X-Request-ID": insane.encode("utf-8")})
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"]), insane
    # errors and refusals carry it too
    missing = await client.get("/assets/none.js", headers={"X-Request-ID": "req-404"})
    assert missing.status_code == 404 and missing.headers["x-request-id"] == "req-404"
    assert len(missing.headers.get_list("x-request-id")) == 1


async def test_json_line_has_request_id_operation_and_no_secrets(app, client, garage):
    settings = make_settings(app.state.services.settings.database_url, env="production",
                             secret_key="p" * 40)
    token = garage.token(Role.ADMIN)
    with captured(settings) as stream:
        response = await client.post("/graphql?token=leaked-in-a-url-123", json={"query": ME},
                                     headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-json-1"})
        assert response.status_code == 200 and response.json()["data"]["me"]["id"]
        named = await client.post("/graphql", json={"query": "query A { me { id } } query B { me { id } }",
                                                    "operationName": "B"},
                                  headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-json-2"})
        assert named.status_code == 200
        # a line written while the request is handled carries its id too (the PWA's report, logged: no Sentry)
        report = await client.post("/client-errors", headers={"X-Request-ID": "req-json-3"}, json={
            "message": f"fetch failed: Bearer {token}", "path": "/jobs?token=abcdefghijklmnop", "type": "TypeError"})
        assert report.status_code == 204
    lines = json_lines(stream)
    [first] = [line for line in lines if line.get("event") == "request" and line["request_id"] == "req-json-1"]
    assert first["operation"] == "WhoAmI" and first["status"] == 200 and first["method"] == "POST"
    assert first["path"] == f"/graphql?token={REDACTED}" and first["level"] == "info"
    assert first["component"] == "api" and first["timestamp"].endswith("Z")
    [second] = [line for line in lines if line.get("event") == "request" and line["request_id"] == "req-json-2"]
    assert second["operation"] == "B"
    [pwa] = [line for line in lines if line.get("logger") == "mototrack.client_errors"]
    assert pwa["request_id"] == "req-json-3" and pwa["level"] == "warning" and "TypeError" in pwa["event"]
    assert pwa["pwa_path"] == f"/jobs?token={REDACTED}"
    text = stream.getvalue()
    assert token not in text and token.rsplit(".", 1)[-1] not in text and "leaked-in-a-url-123" not in text
    assert "abcdefghijklmnop" not in text


async def test_development_lines_are_for_people(app, client):
    settings = make_settings(app.state.services.settings.database_url, env="development")
    with captured(settings) as stream:
        await client.get("/healthz", headers={"X-Request-ID": "req-dev-1"})
    [line] = [line for line in stream.getvalue().splitlines() if "req-dev-1" in line]
    assert not line.startswith("{") and "request" in line and "request_id=req-dev-1" in line and "status=200" in line


def test_secrets_masked_by_key_and_by_pattern():
    settings = make_settings("sqlite+aiosqlite://", env="production", secret_key="p" * 40)
    with captured(settings) as stream:
        log = logging.getLogger("mototrack.test")
        log.warning("sign-in failed", extra={"password": "hunter2-hunter2", "refresh_token": "rt-abcdefgh",
                                             "Authorization": "Basic dXNlcjpwYXNz", "attempts": 3})
        log.warning("fetched %s", "https://x.example/files/1/file?exp=1&g=2&u=3&sig=0123456789abcdef")
        log.error("boom", exc_info=ValueError("(sqlite3.IntegrityError) [SQL: INSERT INTO customers VALUES (?)]\n"
                                              "[parameters: ('Somchai', '0812345678')]"))
    first, second, third = json_lines(stream)
    assert first["password"] == first["refresh_token"] == first["Authorization"] == REDACTED
    assert first["attempts"] == 3
    assert second["event"] == f"fetched https://x.example/files/1/file?exp=1&g=2&u=3&sig={REDACTED}"
    assert "Somchai" not in third["exception"] and "0812345678" not in third["exception"]
    assert "[SQL: INSERT INTO customers" in third["exception"]


@pytest.mark.parametrize("text, expected", [
    ("Authorization: Bearer abc.def-ghi", f"Authorization: Bearer {REDACTED}"),
    ("Portal Zx9_kq-1234567890", f"Portal {REDACTED}"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here", f"token {REDACTED} here"),
    ("key mtk_AbCdEfGhIjKlMnOp", f"key mtk_{REDACTED}"),
    ("secret whsec_AbCdEfGhIjKlMnOp", f"secret whsec_{REDACTED}"),
    ("GET /p/Zx9_kq-1234567890 HTTP/1.1", "GET /p/… HTTP/1.1"),
    ("GET /calendar/q1w2e3r4t5y6.ics", "GET /calendar/….ics"),
    ("GET /s/Ab12Cd34", "GET /s/…"),
    ("/unsubscribe?c=1&ch=EMAIL&s=deadbeefcafe", f"/unsubscribe?c=1&ch=EMAIL&s={REDACTED}"),
    ("/x?portal_token=aaa&access_token=bbb&page=2", f"/x?portal_token={REDACTED}&access_token={REDACTED}&page=2"),
    ("nothing secret: job 42 done", "nothing secret: job 42 done"),
])
def test_redact_patterns(text, expected):
    assert redact(text) == expected
