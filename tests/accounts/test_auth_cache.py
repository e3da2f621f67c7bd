"""The signed-in user cached per token for a few seconds, dropped at once on sign-out, deactivation, a role change,
a revoked API key, in this process and (through Redis) in another one."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid

import httpx
import pytest
import uvicorn

from backend.app import create_app
from backend.core.actor import Actor
from backend.core.auth_cache import AuthCache
from backend.core.events import AUTH_REVOKED
from backend.core.permissions import Role
from tests.conftest import REDIS_URL, error_codes, make_garage, make_settings, service_unavailable

ME = "{ me { id role } }"

pytestmark = pytest.mark.usefixtures("auth_cache")


def user_selects(counter) -> list[str]:
    return [s for s in counter.statements if "FROM users" in s]


async def test_a_cached_user_runs_no_user_select(gql, garage, count_statements):
    token = garage.token(Role.TECHNICIAN)
    with count_statements() as first:
        assert (await gql("{ __typename }", token=token))["data"] == {"__typename": "Query"}
    assert len(user_selects(first)) == 1  # the first request reads the user
    with count_statements() as again:
        for _ in range(3):
            await gql("{ __typename }", token=token)
    assert again.count == 0, again.statements


async def test_sign_out_ends_the_cached_access_token_at_once(gql, garage):
    token, refresh = garage.token(Role.TECHNICIAN), garage.refresh[Role.TECHNICIAN]
    assert (await gql(ME, token=token))["data"]["me"]["role"] == "TECHNICIAN"  # now cached
    body = await gql("mutation($r: String!) { logout(input: {refreshToken: $r}) { ok errors { code } } }",
                     {"r": refresh}, token=token)
    assert body["data"]["logout"]["ok"] is True
    assert error_codes(await gql(ME, token=token, expect_errors=True)) == ["UNAUTHENTICATED"]
    # another user's sign-in of the same garage is untouched
    assert (await gql(ME, token=garage.token(Role.BILLING)))["data"]["me"]["role"] == "BILLING"


async def test_deactivation_and_role_change_apply_at_once(gql, garage):
    technician, advisor = garage.token(Role.TECHNICIAN), garage.token(Role.SITE_MANAGER)
    for token in (technician, advisor):
        await gql(ME, token=token)
    admin = garage.token(Role.ADMIN)
    body = await gql("mutation($id: ID!) { deactivateUser(input: {id: $id}) { errors { code } } }",
                     {"id": str(garage.users[Role.TECHNICIAN].id)}, token=admin)
    assert body["data"]["deactivateUser"]["errors"] == []
    assert error_codes(await gql(ME, token=technician, expect_errors=True)) == ["UNAUTHENTICATED"]
    body = await gql("mutation($id: ID!) { updateUser(input: {id: $id, role: BILLING}) { errors { code } } }",
                     {"id": str(garage.users[Role.SITE_MANAGER].id)}, token=admin)
    assert body["data"]["updateUser"]["errors"] == []
    assert error_codes(await gql(ME, token=advisor, expect_errors=True)) == ["UNAUTHENTICATED"]


async def test_a_language_change_answers_in_the_new_language_at_once(gql, garage):
    token = garage.token(Role.TECHNICIAN)
    forbidden = "{ apiKeys { id } }"
    english = (await gql(forbidden, token=token, expect_errors=True))["errors"][0]["message"]
    await gql("mutation { updateMyPreferences(input: {locale: TH}) { errors { code } } }", token=token)
    thai = (await gql(forbidden, token=token, expect_errors=True))["errors"][0]["message"]
    assert thai != english and any("\u0e00" <= ch <= "\u0e7f" for ch in thai)


async def test_a_revoked_api_key_is_refused_at_once(gql, garage):
    created = (await gql('mutation { createApiKey(input: {name: "Books", scopes: [ACCOUNTS_READ]}) '
                         '{ secret apiKey { id } } }', token=garage.token()))["data"]["createApiKey"]
    key = created["secret"]
    assert (await gql("{ garage { name } }", token=key))["data"]["garage"]["name"] == "Garage One"
    await gql("mutation($id: ID!) { revokeApiKey(input: {id: $id}) { errors { code } } }",
              {"id": created["apiKey"]["id"]}, token=garage.token())
    assert error_codes(await gql("{ garage { name } }", token=key, expect_errors=True)) == ["UNAUTHENTICATED"]


# ------------------------------------------------------------------------------------------ the cache on its own


def _actor(user_id=None, garage_id=None) -> Actor:
    return Actor(garage_id=garage_id or uuid.uuid4(), permissions=frozenset(), api_key_id=user_id or uuid.uuid4())


async def test_entries_expire_are_bounded_and_a_straddling_load_is_not_kept():
    now = [100.0]
    cache = AuthCache(5, max_entries=2, clock=lambda: now[0])
    loads: list[str] = []

    async def load(token):
        loads.append(token)
        return _actor()

    for token in ("a", "a", "b", "c", "a"):
        await cache.actor(token, load)
    assert loads == ["a", "b", "c", "a"] and len(cache) == 2  # "a" was pushed out by "c"
    now[0] += 5.1
    await cache.actor("c", load)
    assert loads[-1] == "c"  # expired

    async def slow_load(token):
        cache.revoke({"garageId": None, "userId": None, "tokenId": None, "reason": "test"})
        return _actor()

    await cache.actor("d", slow_load)
    assert "d" not in cache._entries  # read before a revocation finished: its answer is not kept


async def test_revocation_names_a_sign_in_a_user_or_a_garage():
    cache = AuthCache(5)
    garage, other = uuid.uuid4(), uuid.uuid4()
    keys = [uuid.uuid4() for _ in range(3)]
    actors = {"k0": _actor(keys[0], garage), "k1": _actor(keys[1], garage), "k2": _actor(keys[2], other)}

    async def load(token):
        return actors[token]

    for token in actors:
        await cache.actor(token, load)
    assert cache.revoke({"garageId": str(garage), "userId": None, "tokenId": str(keys[0]), "reason": "x"}) == 1
    assert cache.revoke({"garageId": str(garage), "userId": None, "tokenId": None, "reason": "x"}) == 1
    assert list(cache._entries) == ["k2"]


# --------------------------------------------------------------------------- two API processes sharing Redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def _serving(app):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.mark.postgresql_only
async def test_another_process_refuses_a_deactivated_or_demoted_user_at_once(app, database_url):
    if not REDIS_URL:
        service_unavailable("Redis (TEST_REDIS_URL is not set)")
    garage = await make_garage(app, "Shared Garage")
    one, two = (create_app(make_settings(database_url, redis_url=REDIS_URL, auth_cache_seconds=60))
                for _ in range(2))
    async with _serving(one) as url_one, _serving(two) as url_two, httpx.AsyncClient(timeout=10) as http:
        async def ask(url, query, token, variables=None):
            response = await http.post(url + "/graphql", json={"query": query, "variables": variables or {}},
                                       headers={"Authorization": f"Bearer {token}"})
            return response.json()

        async with asyncio.timeout(5):
            while not (one.state.auth_cache.following and two.state.auth_cache.following):
                await asyncio.sleep(0.02)
        technician, advisor = garage.token(Role.TECHNICIAN), garage.token(Role.SITE_MANAGER)
        for token in (technician, advisor):
            assert (await ask(url_two, ME, token))["data"]["me"] is not None
        assert two.state.auth_cache.hits == 0 and len(two.state.auth_cache) == 2
        assert (await ask(url_two, ME, technician))["data"]["me"]["role"] == "TECHNICIAN"
        assert two.state.auth_cache.hits == 1  # served from the cache in process two

        admin = garage.token(Role.ADMIN)
        body = await ask(url_one, "mutation($id: ID!) { deactivateUser(input: {id: $id}) { errors { code } } }",
                         admin, {"id": str(garage.users[Role.TECHNICIAN].id)})
        assert body["data"]["deactivateUser"]["errors"] == []
        assert error_codes(await ask(url_two, ME, technician)) == ["UNAUTHENTICATED"]

        body = await ask(url_one, "mutation($id: ID!) { updateUser(input: {id: $id, role: BILLING}) "
                                  "{ errors { code } } }", admin, {"id": str(garage.users[Role.SITE_MANAGER].id)})
        assert body["data"]["updateUser"]["errors"] == []
        assert error_codes(await ask(url_two, ME, advisor)) == ["UNAUTHENTICATED"]
        assert two.state.auth_cache.revocations >= 2
    for other in (one, two):
        await other.state.services.db.dispose()


async def test_the_revocation_message_keeps_its_contract(app, garage, gql):
    """Live subscribers (backend/api/events.py) follow the same channel: the message names user, garage, sign-in."""
    pubsub = app.state.services.pubsub
    async with pubsub.subscribe(AUTH_REVOKED) as messages:
        await gql("mutation($r: String!) { logout(input: {refreshToken: $r}) { ok } }",
                  {"r": garage.refresh[Role.TECHNICIAN]}, token=garage.token(Role.TECHNICIAN))
        message = await asyncio.wait_for(anext(messages), 5)
    assert set(message) == {"userId", "garageId", "tokenId", "reason"}
    assert message["userId"] == str(garage.users[Role.TECHNICIAN].id) and message["garageId"] == str(garage.id)
    assert message["tokenId"] and message["reason"] == "sign-out"
