"""Query cost: priced before execution from the selections and page sizes, refused over the limit, and spent from a
budget per API key that refills over time; the cost and what is left come back in `extensions.cost`."""

import asyncio
import json
import uuid

from graphql import parse
from redis.asyncio import Redis
from sqlalchemy import func, select

from backend.accounts.models import Site
from backend.api.cost import RedisCostBudget, operation_cost
from backend.schema import schema
from tests.accounts.test_api_keys import create_key
from tests.api.test_redis import redis  # noqa: F401 - the fixture
from tests.conftest import REDIS_URL, error_codes

GRAPHQL = schema._schema


def cost(query: str, variables: dict | None = None, *, default_page: int = 20, max_page: int = 100) -> int:
    return operation_cost(GRAPHQL, parse(query), None, variables, default_page=default_page, max_page=max_page)


def test_cost_follows_fields_page_sizes_and_nested_lists():
    # customers(first: 5): 1, then per customer: edges 1 + node 1 + id 1 + name 1 + vehicles 1 + 10 × (id 1)
    assert cost("{ customers(first: 5) { edges { node { id name vehicles { id } } } } }") == 1 + 5 * (1 + 1 + 1 + 1 + 1 + 10)
    # no `first`: the default page; a variable counts with its value; beyond the largest page, the largest page
    assert cost("{ customers { edges { node { id } } } }") == 1 + 20 * 3
    assert cost("query($n: Int) { customers(first: $n) { edges { node { id } } } }", {"n": 7}) == 1 + 7 * 3
    assert cost("{ customers(first: 5000) { edges { node { id } } } }") == 1 + 100 * 3
    # pageInfo and totals inside a connection are counted once per page item, like any other field under it
    assert cost("{ customers(first: 2) { pageInfo { hasNextPage } } }") == 1 + 2 * 2


def test_fragments_and_skip_include_count_as_written_out():
    plain = cost("{ customers(first: 3) { edges { node { id name phone } } } }")
    spread = cost("query { customers(first: 3) { edges { node { ...C } } } } fragment C on Customer { id name phone }")
    assert spread == plain
    assert cost("query($s: Boolean!) { customers(first: 3) { edges { node { id name @skip(if: $s) } } } }",
                {"s": True}) == 1 + 3 * (1 + 1 + 1)
    assert cost("query($s: Boolean!) { customers(first: 3) { edges { node { id name @skip(if: $s) } } } }",
                {"s": False}) == 1 + 3 * (1 + 1 + 2)


def test_every_pwa_operation_fits_in_one_request():
    """The PWA's own documents (trusted at build) stay under the limit even at the largest page, so an integrator
    sending one of them is never refused for its size."""
    from pathlib import Path

    from backend.core.settings import Settings

    dist = Path(__file__).resolve().parents[2] / "pwa" / "dist" / "trusted-documents.json"
    documents = json.loads(dist.read_text())
    documents = documents.get("documents", documents)
    limit = Settings().max_query_cost
    assert len(documents) > 50
    for text in documents.values():
        assert cost(text, {"first": 100, "last": 100}, default_page=100) <= limit, text[:80]


HUGE = "{ customers(first: 100) { edges { node { id vehicles { id jobs { id tasks { id name } } } } } } }"


async def test_over_the_limit_is_refused_before_anything_runs(gql, garage):
    assert cost(HUGE) > 100_000
    body = await gql(HUGE, token=garage.token(), expect_errors=True)
    assert error_codes(body) == ["QUERY_COST_EXCEEDED"] and body["data"] is None
    assert body["errors"][0]["extensions"]["limit"] == 100_000
    assert "first" in body["errors"][0]["message"]
    thai = await gql(HUGE, token=garage.token(), lang="th", expect_errors=True)
    assert error_codes(thai) == ["QUERY_COST_EXCEEDED"] and "คะแนน" in thai["errors"][0]["message"]



async def test_a_refused_mutation_changes_nothing(gql, garage, db, app, monkeypatch):
    create = 'mutation { createSite(input: {name: "North"}) { site { id name } errors { code } } }'
    assert cost(create) == 1 + (1 + 2) + (1 + 10 * 1)  # createSite, site { id name }, errors: a list { code }
    monkeypatch.setattr(app.state.services.settings, "max_query_cost", 14)
    body = await gql(create, token=garage.token(), expect_errors=True)
    assert error_codes(body) == ["QUERY_COST_EXCEEDED"] and body["data"] is None
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Site).where(Site.name == "North")) == 0
    monkeypatch.setattr(app.state.services.settings, "max_query_cost", 15)
    body = await gql(create, token=garage.token())
    assert body["data"]["createSite"]["site"]["name"] == "North"


async def test_api_key_spends_its_budget_and_sees_what_is_left(gql, client, garage, app, monkeypatch):
    settings = app.state.services.settings
    monkeypatch.setattr(settings, "api_key_cost_capacity", 100)
    monkeypatch.setattr(settings, "api_key_cost_refill_per_second", 20.0)
    secret = (await create_key(gql, garage, ["CUSTOMERS_READ"]))["secret"]
    query = "{ customers(first: 10) { edges { node { id name } } } }"  # 1 + 10 × 4 = 41 points
    headers = {"Authorization": f"Bearer {secret}"}

    first = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
    assert first["data"]["customers"]["edges"] == []
    spent = first["extensions"]["cost"]
    assert spent["requested"] == 41 and spent["capacity"] == 100 and 58 <= spent["remaining"] <= 60
    second = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
    assert second["extensions"]["cost"]["remaining"] < spent["remaining"]

    refused = await client.post("/graphql", json={"query": query}, headers={**headers, "Accept-Language": "th"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert error_codes(body) == ["RATE_LIMITED"] and body.get("data") is None
    assert "วินาที" in body["errors"][0]["message"]
    wait = body["errors"][0]["extensions"]["retryAfter"]
    assert 1 <= wait <= 3

    await asyncio.sleep(wait + 0.1)  # the bucket refills over time
    again = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
    assert again.get("errors") is None and again["extensions"]["cost"]["requested"] == 41


async def test_staff_pwa_answers_carry_no_cost(gql, garage):
    body = await gql("{ customers(first: 2) { edges { node { id } } } }", token=garage.token())
    assert "extensions" not in body or "cost" not in (body.get("extensions") or {})


async def test_one_budget_for_every_process_through_redis(redis):  # noqa: F811
    key = f"test:{uuid.uuid4()}"
    one, two = RedisCostBudget(redis), RedisCostBudget(Redis.from_url(REDIS_URL))
    allowed, left = await one.take(key, 60, capacity=100, rate=0.001)
    assert allowed and 39 <= left <= 40
    allowed, left = await two.take(key, 60, capacity=100, rate=0.001)
    assert not allowed and 39 <= left <= 40.1  # the other process sees what the first one spent
    allowed, _ = await two.take(key, 30, capacity=100, rate=0.001)
    assert allowed
    await two.redis.aclose()


async def test_a_request_bigger_than_the_whole_budget_is_refused_for_its_size(gql, client, garage, app, monkeypatch):
    monkeypatch.setattr(app.state.services.settings, "api_key_cost_capacity", 30)
    secret = (await create_key(gql, garage, ["CUSTOMERS_READ"]))["secret"]
    response = await client.post("/graphql", json={"query": "{ customers(first: 10) { edges { node { id } } } }"},
                                 headers={"Authorization": f"Bearer {secret}"})
    body = response.json()
    assert response.status_code != 429 and error_codes(body) == ["QUERY_COST_EXCEEDED"]
    assert body["errors"][0]["extensions"]["limit"] == 30  # waiting would never help: the answer says how big
