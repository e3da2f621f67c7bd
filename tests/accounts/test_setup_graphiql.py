"""GraphiQL in production: a signed-in admin's POST /graphiql gets the explorer, set to send their token to /graphql
with the schema built in (introspection stays refused on the wire); no one else gets a GraphiQL page."""

import json
import re

import httpx
import pytest

from backend.app import create_app
from backend.core.permissions import Role
from tests.conftest import make_garage, make_settings


@pytest.fixture
async def production(app, database_url):
    prod = create_app(make_settings(database_url, env="production"))
    transport = httpx.ASGITransport(app=prod, client=("127.0.0.1", 12345))
    async with httpx.AsyncClient(transport=transport, base_url="https://mototrack.example") as client:
        yield prod, client
    await prod.state.services.db.dispose()


def is_graphiql(response: httpx.Response) -> bool:
    return "graphiql" in response.text.lower() and "unpkg.com" in response.text


async def test_a_signed_in_admin_gets_graphiql_in_production(production):
    prod, client = production
    world = await make_garage(prod)
    token = world.token(Role.ADMIN)
    page = await client.post("/graphiql", data={"token": token})
    assert page.status_code == 200 and is_graphiql(page)
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "https://unpkg.com" in page.headers["content-security-policy"]  # its own policy, for its CDN scripts
    # it sends the admin's token to /graphql, and answers its own introspection from the schema built in
    assert 'defaultHeaders = {Authorization: "Bearer ' + token + '"}' in page.text
    assert 'new URL("/graphql", window.location.href)' in page.text
    built_in = json.loads(re.search(r"const builtInSchema = (\{.*?\});\n", page.text).group(1))
    types = {t["name"] for t in built_in["data"]["__schema"]["types"]}
    assert {"Garage", "Invitation", "SetUpGarageInput"} <= types
    assert "</script" not in re.search(r"const builtInSchema = (.*?);\n", page.text).group(1)
    # what it sends works in production; introspection on the wire does not (hence the built-in copy)
    asked = await client.post("/graphql", json={"query": "{ garage { name } }"},
                              headers={"Authorization": f"Bearer {token}"})
    assert asked.json() == {"data": {"garage": {"name": "Test Garage"}}}
    wire = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"},
                             headers={"Authorization": f"Bearer {token}"})
    assert wire.json().get("errors")


async def test_no_one_else_gets_a_graphiql_page_in_production(production):
    prod, client = production
    world = await make_garage(prod)
    for role in (Role.SITE_MANAGER, Role.TECHNICIAN, Role.BILLING, Role.WAREHOUSE_MANAGER):
        refused = await client.post("/graphiql", data={"token": world.token(role)})
        assert refused.status_code == 404 and not is_graphiql(refused), role
    for data in ({}, {"token": ""}, {"token": "not-a-token"}, {"token": "x" * 5000}):
        refused = await client.post("/graphiql", data=data)
        assert refused.status_code == 404 and not is_graphiql(refused)
    # no GET page for anyone, the admin's token in the URL included; /graphql has no IDE in production
    assert (await client.get("/graphiql", params={"token": world.token()})).status_code == 404
    ide = await client.get("/graphql", headers={"Accept": "text/html"})
    assert not is_graphiql(ide)
    # an admin's signed-out token no longer opens it
    await client.post("/graphql", json={"query": "mutation($t: String!) { logout(input: {refreshToken: $t}) { ok } }",
                                        "variables": {"t": world.refresh[Role.ADMIN]}})
    refused = await client.post("/graphiql", data={"token": world.token()})
    assert refused.status_code == 404 and not is_graphiql(refused)
