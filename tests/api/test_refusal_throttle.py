"""An address that keeps sending documents the server refuses waits before its next request is read; every other
address, and a client sending valid documents, is answered at once (backend/api/throttle.py). How much this keeps a
simple query's latency during an attack is measured by bench/hostile_documents.py."""

from __future__ import annotations

import httpx
import pytest

from backend.api.throttle import RefusalThrottle
from backend.app import create_app
from tests.api.test_hostile_documents import fragment_bomb, many_aliases
from tests.conftest import make_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_refusals_then_the_rate():
    clock = Clock()
    throttle = RefusalThrottle(3, 2.0, clock=clock)
    for _ in range(3):
        assert throttle.delay("10.0.0.1") == 0.0
        throttle.strike("10.0.0.1")
    assert throttle.delay("10.0.0.1") == pytest.approx(0.5)  # one refusal comes back every half second
    assert throttle.delay("10.0.0.2") == 0.0  # another address is not touched
    clock.now += 0.5
    assert throttle.delay("10.0.0.1") == 0.0
    for _ in range(100):  # a flood: its debt is bounded, so it is forgiven within burst / rate seconds
        throttle.strike("10.0.0.1")
    assert throttle.delay("10.0.0.1") == pytest.approx(2.0)
    clock.now += 2.0
    assert throttle.delay("10.0.0.1") == 0.0


def test_off_when_configured_so():
    throttle = RefusalThrottle(0, 10.0)
    for _ in range(10):
        throttle.strike("10.0.0.1")
    assert throttle.delay("10.0.0.1") == 0.0


@pytest.fixture
async def strict_app(app):
    strict = create_app(make_settings(app.state.services.settings.database_url, refusal_burst=3, refusal_rate=20.0))
    # the throttle's clock stands still: on a loaded machine 50 ms between two requests would refill a refusal and
    # the test would see no debt (the wait itself is real: 1/20 s)
    strict.state.refusal_throttle.clock = Clock()
    yield strict
    await strict.state.services.db.dispose()


def _client(app, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://t")


async def test_the_sender_of_refused_documents_waits_and_no_one_else_does(strict_app):
    throttle = strict_app.state.refusal_throttle
    async with _client(strict_app, "10.0.0.1") as attacker, _client(strict_app, "10.0.0.2") as user:
        for query in (fragment_bomb(), many_aliases(), fragment_bomb()):
            r = await attacker.post("/graphql", json={"query": query})
            assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert throttle.waits == 0 and throttle.delay("10.0.0.1") > 0
        # the attacker's next request waits before it is read, and is then answered as before
        r = await attacker.post("/graphql", json={"query": fragment_bomb()})
        assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert throttle.waits == 1
        # someone else is answered at once
        r = await user.post("/graphql", json={"query": "{ __typename }"})
        assert r.json() == {"data": {"__typename": "Query"}}
        assert throttle.waits == 1 and throttle.delay("10.0.0.2") == 0.0


async def test_valid_documents_never_count(strict_app):
    throttle = strict_app.state.refusal_throttle
    async with _client(strict_app, "10.0.0.3") as c:
        for i in range(30):
            r = await c.post("/graphql", json={"query": f"query Q{i} {{ __typename }}"})
            assert r.json() == {"data": {"__typename": "Query"}}
        # a signed-out query of a protected field is answered with its error, not refused as a document
        r = await c.post("/graphql", json={"query": "{ me { id } }"})
        assert r.status_code == 200
    assert throttle.waits == 0 and throttle.delay("10.0.0.3") == 0.0


async def test_forwarded_addresses_count_only_behind_a_trusted_proxy(app):
    proxied = create_app(make_settings(app.state.services.settings.database_url, refusal_burst=2, refusal_rate=20.0,
                                       trusted_proxies="10.9.9.9"))
    throttle = proxied.state.refusal_throttle
    throttle.clock = Clock()  # as above: no refill between the requests, however slow the machine
    try:
        async with _client(proxied, "10.9.9.9") as proxy, _client(proxied, "10.0.0.4") as direct:
            for _ in range(2):
                await proxy.post("/graphql", json={"query": fragment_bomb()},
                                 headers={"X-Forwarded-For": "203.0.113.7"})
            assert throttle.delay("203.0.113.7") > 0 and throttle.delay("10.9.9.9") == 0.0
            # a client that is not a trusted proxy cannot blame someone else
            for _ in range(2):
                await direct.post("/graphql", json={"query": fragment_bomb()},
                                  headers={"X-Forwarded-For": "198.51.100.1"})
            assert throttle.delay("198.51.100.1") == 0.0 and throttle.delay("10.0.0.4") > 0
    finally:
        await proxied.state.services.db.dispose()
