"""The schema walk (issue 11, item 4): on the demo garage, every role and an API key holding every scope select
every field of every root query at full depth (tests/api/walker.py), then (as a technician, the administrator and
the key) every mutation with made-up input (real ids where known) and its payload at full depth; nothing may answer
5xx or carry an internal (masked) error. FORBIDDEN, NOT_FOUND and bad made-up arguments are answers, not failures."""

from __future__ import annotations

import httpx
import pytest

from backend.accounts import service as accounts
from backend.accounts.models import User
from backend.app import create_app
from backend.core.actor import Actor
from backend.core.permissions import ApiScope, Role, permissions_for_role
from backend.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from tests.api.walker import deep_mutations, deep_queries
from tests.conftest import GQL, make_settings

# the walk's documents are far bigger than any client's: the limits are raised for it (they have tests of their own)
WALK_LIMITS = dict(max_tokens=500_000, max_query_depth=100, max_query_length=1_000_000, max_fields=100_000,
                   max_aliases=1000, max_request_bytes=8 * 1024 * 1024, max_query_cost=10**12,
                   api_key_cost_capacity=10**12,
                   # every walk document stays parsed and validated (~130 of them, ~600 KB each as the cache counts):
                   # with the default 16 MB they evict each other and each of the ~1,000 requests is checked again
                   document_cache_bytes=512 * 1024 * 1024)
EXPECTED = {"FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "UNAUTHENTICATED"}


@pytest.fixture
async def walk_app(app, database_url):
    instance = create_app(make_settings(database_url, **WALK_LIMITS))
    yield instance
    await instance.state.services.db.dispose()


async def _tokens(gql, db) -> dict[str, str]:
    tokens = {}
    for email, _name, role, _streams, _locale in DEMO_USERS:
        body = await gql("mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
                         "{ accessToken errors { code } } }", {"e": email, "p": DEMO_PASSWORD})
        tokens[f"{role.value} {email}"] = body["data"]["login"]["accessToken"]
    async with db.transaction() as session:
        from sqlalchemy import select

        admin = (await session.execute(select(User).where(User.email == DEMO_USERS[0][0]))).scalar_one()
        actor = Actor(garage_id=admin.garage_id, permissions=permissions_for_role(Role.ADMIN), user_id=admin.id,
                      role=Role.ADMIN)
        _key, secret = await accounts.create_api_key(session, actor, "walk", list(ApiScope))
    tokens["api key (every scope)"] = secret
    return tokens


def _collect_ids(value, into: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        if "__typename" in value and isinstance(value.get("id"), str):
            into.setdefault(value["__typename"], []).append(value["id"])
        for child in value.values():
            _collect_ids(child, into)
    elif isinstance(value, list):
        for child in value:
            _collect_ids(child, into)


async def test_every_field_at_full_depth_for_every_role(walk_app, database_url):
    assert await seed_demo(database_url)
    services = walk_app.state.services
    failures, answered, seen = [], 0, {}
    transport = httpx.ASGITransport(app=walk_app, client=("127.0.0.1", 12345))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        gql = GQL(client)
        tokens = await _tokens(gql, services.db)

        async def walk(who: str, token: str, documents) -> None:
            nonlocal answered
            for name, text, variables in documents:
                response = await client.post("/graphql", json={"query": text, "variables": variables},
                                             headers={"Authorization": f"Bearer {token}"})
                answered += 1
                if response.status_code >= 500 or "json" not in response.headers.get("content-type", ""):
                    failures.append((who, name, response.status_code, response.text[:300]))
                    continue
                body = response.json()
                _collect_ids(body.get("data"), ids[who])
                for error in body.get("errors") or []:
                    code = (error.get("extensions") or {}).get("code")
                    if code not in EXPECTED:
                        failures.append((who, name, code, error.get("path"), error.get("message")))

        ids: dict[str, dict[str, list[str]]] = {}
        second_pass: dict[str, int] = {}
        for who, token in tokens.items():
            ids[who] = {}
            taken: list[str] = []  # the real ids the document being made was given

            def real(t, _who=who, _taken=taken):
                found = (ids[_who].get(t) or [None])[0]
                if found is not None:
                    _taken.append(found)
                return found

            first: dict[str, list[str]] = {}

            def queries(again: bool, _taken=taken, _first=first):
                """Every root query; `again`: only those given other real ids than in the first pass (one whose
                variables are the same, or made up both times, would ask the same thing of the same data twice)."""
                for name, text, variables in deep_queries(walk_app.state.schema, real):
                    given, _taken[:] = list(_taken), []
                    if not again:
                        _first[name] = given
                    elif given != _first.get(name):
                        second_pass[who] = second_pass.get(who, 0) + 1
                    else:
                        continue
                    yield name, text, variables

            # twice: the second pass gives `job(id:)`, `invoice(id:)` ... real ids seen in the lists of the first
            for again in (False, True):
                await walk(who, token, queries(again))
            assert ids[who], f"{who} saw no data at all"
            seen[who] = sum(len(v) for v in ids[who].values())
        # then every mutation, made-up input with real ids, the payload at full depth, for the three kinds of actor
        # whose code paths differ (a technician's own-jobs scoping, the administrator, a key without a user); the
        # administrator and the key last (a mutation that works may sign someone out or change the demo data)
        for who in ("TECHNICIAN technician@demo.test", "ADMIN admin@demo.test", "api key (every scope)"):
            real = lambda t, _who=who: (ids[_who].get(t) or [None])[-1]  # noqa: E731
            await walk(who, tokens[who], deep_mutations(walk_app.state.schema, real))
    assert failures == [], "\n".join(map(str, failures[:40])) + f"\n... {len(failures)} in all"
    assert answered >= len(tokens) * 40 + 3 * 50
    # the second pass reached queries by id with real ids (of types the first pass had not seen yet when it got there)
    assert second_pass, "the second pass asked nothing again with real ids"
    print(f"schema walk: {answered} full-depth queries and mutations over {len(tokens)} identities, no internal error;"
          f" objects with an id seen per identity: {seen}; queries asked again with real ids: {second_pass}")
