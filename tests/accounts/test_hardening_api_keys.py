"""An API key, whatever its scopes, never creates, promotes, changes or deactivates a user who manages users or API
keys (an ADMIN today): it could otherwise make itself an administrator, or take the administrator's account over.
Each refusal is a localized FORBIDDEN error on the payload, and nothing changes. Real keys, over the GraphQL
endpoint."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.accounts.models import RefreshToken, User
from backend.accounts.service.users import is_gatekeeper
from backend.core.permissions import Role
from tests.accounts.test_api_keys import create_key

ERRORS = "errors { field code message }"
CREATE_USER = f"""mutation($input: CreateUserInput!) {{ createUser(input: $input) {{ user {{ id role }} {ERRORS} }} }}"""
UPDATE_USER = f"""mutation($input: UpdateUserInput!) {{ updateUser(input: $input) {{ user {{ id role email }} {ERRORS} }} }}"""
DEACTIVATE = f"""mutation($id: ID!) {{ deactivateUser(input: {{id: $id}}) {{ user {{ id active }} {ERRORS} }} }}"""
LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken errors { code } } }"""
NEW_PASSWORD = "taken-over-by-a-key-123"


@pytest.fixture
async def key(gql, garage):
    return (await create_key(gql, garage, ["ACCOUNTS_WRITE"]))["secret"]


def _refused(payload: dict, field: str, thai: bool = False) -> None:
    assert payload["user"] is None
    [error] = payload["errors"]
    assert error["code"] == "FORBIDDEN" and error["field"] == field
    assert ("API" in error["message"]) and (("ผู้ดูแล" in error["message"]) if thai else ("administrator" in error["message"]))


async def _admin_row(db, garage) -> User:
    async with db.read() as s:
        return (await s.execute(select(User).where(User.id == garage.users[Role.ADMIN].id))).scalar_one()


def test_the_rule_follows_the_permission_table():
    assert [r for r in Role if is_gatekeeper(r)] == [Role.ADMIN]


async def test_a_key_cannot_create_an_admin(gql, db, garage, key):
    email = f"new.admin.{uuid.uuid4().hex[:6]}@test.example"
    for lang in (None, "th"):
        body = await gql(CREATE_USER, {"input": {"email": email, "name": "Climber", "password": NEW_PASSWORD,
                                                 "role": "ADMIN"}}, token=key, lang=lang)
        _refused(body["data"]["createUser"], "role", thai=lang == "th")
    async with db.read() as s:
        assert (await s.execute(select(User).where(User.email == email))).first() is None
    # the key still creates the users it is meant to
    body = await gql(CREATE_USER, {"input": {"email": email, "name": "Counter clerk", "password": NEW_PASSWORD,
                                             "role": "BILLING"}}, token=key)
    assert body["data"]["createUser"]["errors"] == [] and body["data"]["createUser"]["user"]["role"] == "BILLING"


async def test_a_key_cannot_promote_anyone_to_admin(gql, db, garage, key):
    billing = garage.users[Role.BILLING]
    body = await gql(UPDATE_USER, {"input": {"id": str(billing.id), "role": "ADMIN"}}, token=key)
    _refused(body["data"]["updateUser"], "role")
    async with db.read() as s:
        assert (await s.get(User, billing.id)).role == Role.BILLING
    # an admin can
    body = await gql(UPDATE_USER, {"input": {"id": str(billing.id), "role": "ADMIN"}}, token=garage.token())
    assert body["data"]["updateUser"]["user"]["role"] == "ADMIN"


@pytest.mark.parametrize("change", [
    {"password": NEW_PASSWORD},
    {"email": "owner.taken.over@test.example"},
    {"name": "Renamed by a key"},
    {"role": "BILLING"},
])
async def test_a_key_cannot_change_an_admin(gql, db, garage, key, change):
    admin = garage.users[Role.ADMIN]
    before = await _admin_row(db, garage)
    body = await gql(UPDATE_USER, {"input": {"id": str(admin.id), **change}}, token=key)
    _refused(body["data"]["updateUser"], "id")
    after = await _admin_row(db, garage)
    assert (after.email, after.name, after.role, after.password_hash) == \
        (before.email, before.name, before.role, before.password_hash)
    if "password" in change:
        # the key's password does not sign in; the admin's sessions were not ended
        login = await gql(LOGIN, {"e": admin.email, "p": NEW_PASSWORD})
        assert login["data"]["login"]["accessToken"] is None
        async with db.read() as s:
            live = (await s.execute(select(RefreshToken).where(RefreshToken.user_id == admin.id,
                                                               RefreshToken.revoked_at.is_(None)))).scalars().all()
        assert live
        assert (await gql("{ me { id } }", token=garage.token()))["data"]["me"]["id"] == str(admin.id)


async def test_a_key_cannot_deactivate_an_admin_but_can_a_technician(gql, db, garage, key):
    admin, tech = garage.users[Role.ADMIN], garage.users[Role.TECHNICIAN]
    _refused((await gql(DEACTIVATE, {"id": str(admin.id)}, token=key))["data"]["deactivateUser"], "id")
    assert (await _admin_row(db, garage)).active is True
    body = await gql(DEACTIVATE, {"id": str(tech.id)}, token=key)
    assert body["data"]["deactivateUser"]["user"]["active"] is False


async def test_a_key_still_changes_a_non_admin_password(gql, garage, key):
    tech = garage.users[Role.TECHNICIAN]
    body = await gql(UPDATE_USER, {"input": {"id": str(tech.id), "password": NEW_PASSWORD}}, token=key)
    assert body["data"]["updateUser"]["errors"] == []
    login = await gql(LOGIN, {"e": tech.email, "p": NEW_PASSWORD})
    assert login["data"]["login"]["accessToken"]
