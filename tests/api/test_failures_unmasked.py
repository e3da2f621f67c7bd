"""Failures that reached the client as masked internal errors or plain-text 500s (issue 11, item 4)."""

from __future__ import annotations

from backend.core.permissions import Role
from backend.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import PASSWORD, error_codes

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  accessToken errors { code } user { id name email role garage { id name } homeSite { name } } } }"""


async def sign_in(gql, email: str) -> str:
    body = await gql("mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
                     {"e": email, "p": DEMO_PASSWORD})
    return body["data"]["login"]["accessToken"]


async def test_credit_notes_are_listed(gql, database_url):
    assert await seed_demo(database_url)
    token = await sign_in(gql, "billing@demo.test")
    body = await gql("""{ creditNotes(first: 10) { edges { node { number invoice { number status } } } } }""",
                     token=token, expect_errors=True)
    assert body.get("errors") is None, body["errors"]
    notes = [e["node"] for e in body["data"]["creditNotes"]["edges"]]
    assert len(notes) == 1 and notes[0]["number"].startswith("CN-") and notes[0]["invoice"]["status"] == "VOID"


async def test_login_payload_shows_the_users_garage_and_the_sign_in_is_kept(gql, garage):
    user = garage.users[Role.TECHNICIAN]
    body = await gql(LOGIN, {"e": user.email, "p": PASSWORD},
                     expect_errors=True)
    assert body.get("errors") is None, body["errors"]
    login = body["data"]["login"]
    assert login["errors"] == []
    assert login["user"]["garage"] == {"id": str(garage.id), "name": "Garage One"}
    assert login["user"]["email"] == user.email
    me = await gql("{ me { id } }", token=login["accessToken"])  # the session was committed, not rolled back
    assert me["data"]["me"]["id"] == str(user.id)


async def test_forbidden_non_null_field_beside_a_shared_loader_is_a_graphql_answer(client, gql, database_url):
    """A technician may read vehicles but not customers: an ownership's `customer: Customer!` is FORBIDDEN, which
    nulls the vehicle and cancels its pending siblings (mileageLog). The mileage log's DataLoader future is shared
    with the same vehicle's second selection: it must not be cancelled with them (a CancelledError escaped as a
    plain-text HTTP 500)."""
    assert await seed_demo(database_url)
    token = await sign_in(gql, "technician@demo.test")
    query = """{ myJobs { number
                 v1: vehicle { registration ownershipHistory { startedAt customer { name } } mileageLog { mileage } }
                 v2: vehicle { registration mileageLog { mileage } } } }"""
    response = await client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errors"] and set(error_codes(body)) == {"FORBIDDEN"}, body["errors"]
    jobs = body["data"]["myJobs"]
    assert jobs and all(j["v1"] is None for j in jobs)  # the FORBIDDEN non-null field nulls its nullable parent
    assert all(j["v2"]["registration"] and j["v2"]["mileageLog"] for j in jobs)  # the rest is answered
