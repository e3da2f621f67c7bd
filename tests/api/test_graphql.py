"""The GraphQL endpoint itself: caches that hit, limits, masked errors, GET, production mode, the schema file."""

from pathlib import Path

import httpx
import pytest

from backend.api import extensions
from backend.app import create_app
from backend.core.permissions import Role
from tests.conftest import error_codes, make_settings

ROOT = Path(__file__).resolve().parents[2]


async def test_second_identical_request_skips_parsing_and_validation(app, gql, garage):
    cache = app.state.document_cache
    query = "{ garage { name currency } sites { id name } }"
    await gql(query, token=garage.token())
    parses, validations, hits = cache.parses, cache.validations, cache.hits
    await gql(query, token=garage.token(Role.BILLING))
    assert (cache.parses, cache.validations) == (parses, validations)
    assert cache.hits == hits + 1
    await gql(query + " ", token=garage.token())  # a different text is parsed and validated once
    assert cache.validations == validations + 1


async def test_an_invalid_document_is_refused_the_same_way_every_time(app, gql, garage):
    query = "{ garage { nope } }"
    first = await gql(query, token=garage.token(), expect_errors=True)
    second = await gql(query, token=garage.token(), expect_errors=True)
    assert first["errors"][0]["message"] == second["errors"][0]["message"]
    assert "Did you mean" not in first["errors"][0]["message"]


async def test_too_deep_is_refused(app, gql, garage):
    app_deep = create_app(make_settings(app.state.services.settings.database_url, max_query_depth=2))
    transport = httpx.ASGITransport(app=app_deep)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/graphql", json={"query": "{ me { garage { name } } }"},
                         headers={"Authorization": f"Bearer {garage.token()}"})
        assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        hidden = "query { me { ...A } } fragment A on User { garage { name } }"
        r = await c.post("/graphql", json={"query": hidden}, headers={"Authorization": f"Bearer {garage.token()}"})
        assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        r = await c.post("/graphql", json={"query": "{ me { name } }"},
                         headers={"Authorization": f"Bearer {garage.token()}"})
        assert "errors" not in r.json()
    await app_deep.state.services.db.dispose()


async def test_alias_limit(gql, garage):
    many = "{ " + " ".join(f"a{i}: garage {{ name }}" for i in range(31)) + " }"
    body = await gql(many, token=garage.token(), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    ok = "{ " + " ".join(f"a{i}: garage {{ name }}" for i in range(30)) + " }"
    assert "errors" not in await gql(ok, token=garage.token())


async def test_token_limit(gql, garage):
    huge = "{ garage { " + " ".join("name" for _ in range(3000)) + " } }"
    body = await gql(huge, token=garage.token(), expect_errors=True)
    assert body["errors"] and "data" not in body or body.get("data") is None


async def test_unexpected_errors_are_masked(gql, garage, monkeypatch):
    from backend.accounts import service

    async def broken(*_a, **_k):
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(service, "list_sites", broken)
    body = await gql("{ sites { id } }", token=garage.token(), expect_errors=True)
    assert body["errors"][0]["message"] == "Something went wrong on our side. Try again."
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret" not in str(body)
    body = await gql("{ sites { id } }", token=garage.token(), lang="th", expect_errors=True)
    assert body["errors"][0]["message"] == "เกิดข้อผิดพลาดในระบบ กรุณาลองอีกครั้ง"


async def test_request_errors_have_codes_and_are_localized(gql, garage):
    body = await gql("{ garage { nope } }", token=garage.token(), lang="th", expect_errors=True)
    assert body["errors"][0]["message"] == "คำขอไม่ตรงกับรูปแบบของ API"
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    body = await gql("{ garage { ", token=garage.token(), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert body["errors"][0]["message"].startswith("The request could not be read.")
    body = await gql("query($v: Boolean) { sites(includeInactive: $v) { id } }", {"v": "yes"},
                     token=garage.token(), lang="th", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"] == "ค่าของ v มีชนิดข้อมูลไม่ถูกต้อง"


async def test_queries_over_get_and_mutations_not(client, garage):
    headers = {"Authorization": f"Bearer {garage.token()}"}
    r = await client.get("/graphql", params={"query": "{ garage { name } }"}, headers=headers)
    assert r.status_code == 200 and r.json()["data"]["garage"]["name"] == "Garage One"
    r = await client.get("/graphql", params={"query": 'mutation { createSite(input: {name: "x"}) { site { id } } }'},
                         headers=headers)
    assert r.status_code in (400, 405)


async def test_typename_needs_no_sign_in(client):
    r = await client.post("/graphql", json={"query": "{ __typename }"})
    assert r.json() == {"data": {"__typename": "Query"}}


async def test_introspection_and_graphiql_are_off_in_production(app, client):
    r = await client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "graphiql" in r.text.lower()
    prod = create_app(make_settings(app.state.services.settings.database_url, env="production",
                                    secret_key="a-real-production-secret-of-enough-length-123"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=prod), base_url="http://t") as c:
        r = await c.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert r.json()["errors"] and not r.json().get("data")
        r = await c.get("/graphql", headers={"Accept": "text/html"})
        assert r.status_code == 404
    await prod.state.services.db.dispose()


def test_production_refuses_the_default_secret():
    from backend.core.settings import Settings

    with pytest.raises(SystemExit, match="MOTOTRACK_SECRET_KEY"):
        Settings(env="production").check()
    with pytest.raises(SystemExit):
        Settings(env="production", secret_key="short").check()
    Settings(env="production", secret_key="x" * 40).check()


def test_committed_schema_matches_the_code():
    from backend.schema import schema

    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema.as_str().rstrip() + "\n", "run `make schema` and commit schema.graphql"


def test_suggestions_are_off():
    import sys

    assert sys.modules["graphql.pyutils.did_you_mean"].MAX_LENGTH == 0
    assert extensions is not None


async def test_graphql_response_media_type(client, garage):
    accept = {"Accept": "application/graphql-response+json", "Authorization": f"Bearer {garage.token()}"}
    r = await client.post("/graphql", json={"query": "{ garage { name } }"}, headers=accept)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/graphql-response+json")
    assert r.json() == {"data": {"garage": {"name": "Garage One"}}}
    r = await client.post("/graphql", json={"query": "{ garage { nope } }"}, headers=accept)
    assert r.status_code == 400 and "data" not in r.json()
    # an error during execution is still a 200 with data (the request itself was fine)
    r = await client.post("/graphql", json={"query": "{ apiKeys { id } }"},
                          headers={**accept, "Authorization": f"Bearer {garage.token(Role.TECHNICIAN)}"})
    assert r.status_code == 200 and r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # plain application/json keeps 200 for request errors, as the spec asks
    r = await client.post("/graphql", json={"query": "{ garage { nope } }"}, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
