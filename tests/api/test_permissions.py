"""The role table, operation by operation: every root field names its permission, and every role gets exactly
what the table gives it (FORBIDDEN otherwise); without a token everything but sign-in is UNAUTHENTICATED."""

import pytest

from backend.core.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.api.walker import operations
from tests.conftest import error_codes


def test_every_operation_names_its_permission(app):
    unmarked = [name for _k, name, marker, _t, _v in operations(app.state.schema) if marker == "UNMARKED"
                and name != "Placeholder"]
    assert unmarked == []


def test_public_operations_are_only_sign_in_ones(app):
    public = {name for _k, name, marker, _t, _v in operations(app.state.schema) if marker == "public"}
    assert public == {"login", "refreshToken", "logout",
                      # before anyone is signed in: the first run, the open sign-up, an invitee's link (issue 19)
                      "setupStatus", "setUpInstallation", "signUpGarage", "lookUpInvitation", "acceptInvitation"}


def test_the_table_gives_every_permission_to_someone():
    granted = set().union(*ROLE_PERMISSIONS.values())
    assert granted == set(Permission)


def test_technician_cannot_manage_anything():
    tech = ROLE_PERMISSIONS[Role.TECHNICIAN]
    assert not {p for p in tech if p.value.endswith(":manage")}


async def test_every_operation_for_every_role(app, gql, garage):
    checked = 0
    for _kind, name, marker, text, variables in operations(app.state.schema):
        if marker == "public" or name == "Placeholder":
            continue
        for role in Role:
            body = await gql(text, variables(), token=garage.token(role), expect_errors=True)
            codes = error_codes(body)
            allowed = marker == "authenticated" or marker in ROLE_PERMISSIONS[role]
            if allowed:
                assert "FORBIDDEN" not in codes and "UNAUTHENTICATED" not in codes, (name, role, body)
            else:
                assert codes == ["FORBIDDEN"], (name, role, body)
                assert body["data"] is None or body["data"].get(name) is None
            checked += 1
        anonymous = await gql(text, variables(), expect_errors=True)
        assert error_codes(anonymous) == ["UNAUTHENTICATED"], (name, anonymous)
    assert checked >= 25 * len(Role)


@pytest.mark.parametrize("lang,text", [("en", "You do not have permission to do this."),
                                       ("th", "คุณไม่มีสิทธิ์ทำรายการนี้")])
async def test_forbidden_is_localized(gql, garage, lang, text):
    body = await gql("{ apiKeys { id } }", token=garage.token(Role.TECHNICIAN), lang=lang, expect_errors=True)
    assert body["errors"][0]["message"] == text
