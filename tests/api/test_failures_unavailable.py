"""The database cannot be reached: GraphQL answers 503 with a localized SERVICE_UNAVAILABLE error (a client retries
it later), /readyz says not ready, a WebSocket's connection_init is closed with 1013 (try again later) — never a
plain-text 500, a masked internal error or a 4403 that would make the app sign the user out (issue 11, item 4)."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from backend.app import create_app
from backend.core.permissions import Role
from tests.conftest import make_settings

EN = "MotoTrack cannot reach its database right now. Try again in a moment."
TH = "ขณะนี้ MotoTrack เชื่อมต่อฐานข้อมูลไม่ได้ กรุณาลองใหม่อีกครั้งในอีกสักครู่"
LOGIN = 'mutation { login(input: {email: "a@b.example", password: "whatever12"}) { accessToken errors { code } } }'


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens on it once the socket is closed


@pytest.fixture
async def dead_app(database_url, tmp_path):
    """The same application, pointed at a database it cannot reach: a PostgreSQL port nothing listens on, or for
    SQLite a database file that cannot be opened (a directory)."""
    if database_url.startswith("postgresql"):
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/mototrack"
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}"
    app = create_app(make_settings(url))
    yield app
    await app.state.services.db.dispose()


async def _post(app, query: str, token: str | None = None, lang: str = "en") -> httpx.Response:
    headers = {"Accept-Language": lang}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 12345))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        return await c.post("/graphql", json={"query": query}, headers=headers)


def _unavailable(response: httpx.Response, message: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers.get("retry-after")
    body = response.json()
    assert body.get("data") is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [(message, "SERVICE_UNAVAILABLE")]


async def test_signed_in_request_while_the_database_is_down(dead_app, garage):
    """The bearer token cannot be checked: 503 in the reader's language, not a plain-text 500."""
    _unavailable(await _post(dead_app, "{ me { id } }", garage.token(Role.SITE_MANAGER)), EN)
    _unavailable(await _post(dead_app, "{ me { id } }", garage.token(), lang="th"), TH)


async def test_sign_in_while_the_database_is_down(dead_app):
    """A resolver meets the outage: the answer is 503 SERVICE_UNAVAILABLE, not a masked internal error."""
    _unavailable(await _post(dead_app, LOGIN), EN)
    _unavailable(await _post(dead_app, LOGIN, lang="th"), TH)


async def test_readiness_says_not_ready(dead_app, app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dead_app), base_url="http://testserver") as c:
        response = await c.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        assert (await c.get("/readyz")).status_code == 200  # the same app on a reachable database is ready


async def test_websocket_sign_in_while_the_database_is_down(dead_app, garage):
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=dead_app), base_url="http://testserver") as c, \
            aconnect_ws("/graphql", c, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init",
                                       "payload": {"Authorization": f"Bearer {garage.token()}"}}))
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
    assert info.value.code == 1013  # try again later: not 4403, which would sign the user out
