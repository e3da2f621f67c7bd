"""The per-address sign-in limit believes X-Forwarded-For / Forwarded only from a configured trusted proxy.

Served over real HTTP by uvicorn with the options `mototrack serve` gives it, the client connecting from 127.0.0.1:
without MOTOTRACK_TRUSTED_PROXIES a client rotating X-Forwarded-For gets no more tries (uvicorn's own default used to
believe 127.0.0.1); with 127.0.0.1 trusted (a reverse proxy on the same host) each real client behind it is limited
on its own address, and one client locked out does not lock out the others."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import httpx
import pytest
import pytest_asyncio
import uvicorn

from backend.cli import proxy_options
from backend.core.permissions import Role
from backend.core.ratelimit import client_address, trusted_networks
from tests.accounts.test_auth import PASSWORD
from tests.notifications.sinks import free_port

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  accessToken errors { code message } } }"""
LIMIT = 6


@contextlib.asynccontextmanager
async def serve(app):
    """The app served by uvicorn on a free 127.0.0.1 port with the options `mototrack serve` gives it; yields an
    httpx client talking to it over real HTTP."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           **proxy_options(app.state.services.settings)))
    task = asyncio.get_running_loop().create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as http:
            yield http
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest_asyncio.fixture
async def served(app, monkeypatch):
    """Start the app with a given MOTOTRACK_TRUSTED_PROXIES; yields a function posting a sign-in with the given
    forwarded headers."""
    settings = app.state.services.settings
    monkeypatch.setattr(settings, "login_max_attempts_per_ip", LIMIT)
    async with contextlib.AsyncExitStack() as stack:
        async def start(trusted: str):
            monkeypatch.setattr(settings, "trusted_proxies", trusted)
            http = await stack.enter_async_context(serve(app))

            async def login(email: str, password: str, headers: dict | None = None) -> dict:
                response = await http.post("/graphql", json={"query": LOGIN, "variables": {"e": email,
                                                                                         "p": password}},
                                           headers=headers or {})
                return response.json()["data"]["login"]

            return login

        yield start


def _stranger() -> str:
    return f"nobody.{uuid.uuid4().hex[:8]}@test.example"


async def _fail_from(login, headers_for) -> None:
    for i in range(LIMIT):
        result = await login(_stranger(), "bad guess", headers_for(i))
        assert result["errors"][0]["code"] == "INVALID_CREDENTIALS", (i, result)


async def test_rotating_forwarded_headers_from_an_untrusted_peer_gives_no_more_tries(served, garage):
    login = await served("")
    await _fail_from(login, lambda i: {"X-Forwarded-For": f"198.51.100.{i + 1}"})
    # a fresh forwarded address, in either header, is still the same client: it waits
    for headers in ({"X-Forwarded-For": "203.0.113.77"}, {"Forwarded": "for=203.0.113.78"}, {}):
        blocked = await login(garage.users[Role.ADMIN].email, PASSWORD, headers)
        assert blocked["accessToken"] is None and blocked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS", headers


async def test_behind_a_trusted_proxy_the_real_client_is_limited(served, garage):
    login = await served("127.0.0.1")
    attacker = {"X-Forwarded-For": "203.0.113.5"}
    # the attacker writes its own X-Forwarded-For in front of the proxy's: the proxy's entry (the rightmost) counts
    await _fail_from(login, lambda i: {"X-Forwarded-For": f"10.{i}.0.1, 203.0.113.5"})
    blocked = await login(garage.users[Role.ADMIN].email, PASSWORD, attacker)
    assert blocked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    blocked = await login(garage.users[Role.ADMIN].email, PASSWORD, {"Forwarded": 'for="203.0.113.5:4711"'})
    assert blocked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    # another customer of the same proxy signs in
    ok = await login(garage.users[Role.ADMIN].email, PASSWORD, {"X-Forwarded-For": "192.0.2.44"})
    assert ok["errors"] == [] and ok["accessToken"]


@pytest.mark.parametrize(("peer", "headers", "trusted", "expected"), [
    ("198.51.100.7", {"x-forwarded-for": "1.2.3.4"}, "", "198.51.100.7"),
    ("198.51.100.7", {"x-forwarded-for": "1.2.3.4"}, "127.0.0.1", "198.51.100.7"),
    ("127.0.0.1", {"x-forwarded-for": "1.2.3.4"}, "127.0.0.1", "1.2.3.4"),
    ("10.0.0.2", {"x-forwarded-for": "9.9.9.9, 1.2.3.4, 10.0.0.9"}, "10.0.0.0/8", "1.2.3.4"),
    ("10.0.0.2", {"x-forwarded-for": "10.0.0.3"}, "10.0.0.0/8", "10.0.0.2"),
    ("::1", {"forwarded": 'for="[2001:db8::7]:80";proto=https, for=10.1.1.1'}, "::1,10.0.0.0/8", "2001:db8::7"),
    ("127.0.0.1", {"x-forwarded-for": "unknown"}, "127.0.0.1", "127.0.0.1"),
    ("127.0.0.1", {}, "127.0.0.1", "127.0.0.1"),
])
def test_which_address_counts(peer, headers, trusted, expected):
    assert client_address(peer, headers, trusted_networks(trusted)) == expected
