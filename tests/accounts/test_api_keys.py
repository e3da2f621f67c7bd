"""Integrators' API keys: created by an admin with scopes, shown once, stored hashed, revocable."""

from sqlalchemy import select

from backend.accounts.models import ApiKey
from backend.core.permissions import Role
from tests.conftest import error_codes

CREATE = """mutation($name: String!, $scopes: [ApiScope!]!) {
  createApiKey(input: {name: $name, scopes: $scopes}) {
    secret apiKey { id name prefix scopes revokedAt } errors { field code message }
  }
}"""


async def create_key(gql, garage, scopes, name="Accounting link"):
    body = await gql(CREATE, {"name": name, "scopes": scopes}, token=garage.token())
    return body["data"]["createApiKey"]


async def test_key_is_shown_once_and_stored_hashed(gql, garage, db):
    result = await create_key(gql, garage, ["ACCOUNTS_READ"])
    assert result["errors"] == []
    secret = result["secret"]
    assert secret.startswith("mtk_") and len(secret) > 30
    assert result["apiKey"]["prefix"] == secret[:10]
    listed = await gql("{ apiKeys { id name prefix scopes } }", token=garage.token())
    assert "secret" not in str(listed) and secret not in str(listed)
    async with db.read() as s:
        stored = (await s.execute(select(ApiKey))).scalar_one()
    assert secret not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


async def test_read_scope_reads_but_cannot_write(gql, garage):
    secret = (await create_key(gql, garage, ["ACCOUNTS_READ"]))["secret"]
    body = await gql("{ garage { name } sites { id } users { id } }", token=secret)
    assert body["data"]["garage"]["name"] == "Garage One"
    body = await gql('mutation { createSite(input: {name: "X"}) { errors { code } } }', token=secret,
                     expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_scopes_are_per_domain(gql, garage):
    secret = (await create_key(gql, garage, ["ACCOUNTS_WRITE"]))["secret"]
    body = await gql('mutation { createSite(input: {name: "Integrator site"}) { site { name } errors { code } } }',
                     token=secret)
    assert body["data"]["createSite"]["site"]["name"] == "Integrator site"
    # accounts scope gives nothing in the customers domain
    body = await gql("{ customers(first: 1) { edges { cursor } } }", token=secret, expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_a_key_never_manages_keys_and_has_no_me(gql, garage):
    secret = (await create_key(gql, garage, ["ACCOUNTS_WRITE", "CUSTOMERS_WRITE"]))["secret"]
    assert error_codes(await gql("{ apiKeys { id } }", token=secret, expect_errors=True)) == ["FORBIDDEN"]
    body = await gql(CREATE, {"name": "escalate", "scopes": ["ACCOUNTS_WRITE"]}, token=secret, expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]
    assert (await gql("{ me { id } }", token=secret))["data"]["me"] is None


async def test_revoked_key_stops_working(gql, garage):
    result = await create_key(gql, garage, ["ACCOUNTS_READ"])
    secret = result["secret"]
    assert (await gql("{ garage { name } }", token=secret))["data"]
    body = await gql("mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } errors { code } } }",
                     {"id": result["apiKey"]["id"]}, token=garage.token())
    assert body["data"]["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    assert error_codes(await gql("{ garage { name } }", token=secret, expect_errors=True)) == ["UNAUTHENTICATED"]


async def test_a_key_sees_only_its_own_garage(gql, garage, other_garage):
    secret = (await create_key(gql, garage, ["ACCOUNTS_READ"]))["secret"]
    body = await gql("{ garage { id } users { id } }", token=secret)
    assert body["data"]["garage"]["id"] == str(garage.id)
    ids = {u["id"] for u in body["data"]["users"]}
    assert ids == {str(u.id) for u in garage.users.values()}


async def test_key_needs_a_name_and_a_scope(gql, garage):
    result = await create_key(gql, garage, [], name="  ")
    assert {(e["field"], e["code"]) for e in result["errors"]} == {("name", "REQUIRED"), ("scopes", "REQUIRED")}
    assert (await gql("{ apiKeys { id } }", token=garage.token()))["data"]["apiKeys"] == []


async def test_non_admin_cannot_create_keys(gql, garage):
    for role in Role:
        if role is Role.ADMIN:
            continue
        body = await gql(CREATE, {"name": "x", "scopes": ["ACCOUNTS_READ"]}, token=garage.token(role),
                         expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"], role
