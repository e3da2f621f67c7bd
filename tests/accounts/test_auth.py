"""Sign-in, refresh rotation with reuse detection, sign-out, rate limiting, deactivated users, API keys."""

import pytest

from backend.core.permissions import Role
from tests.conftest import PASSWORD, error_codes

LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    accessToken refreshToken expiresIn user { email role } errors { field code message }
  }
}"""
REFRESH = """mutation($t: String!) { refreshToken(input: {refreshToken: $t}) {
  accessToken refreshToken expiresIn errors { code message } } }"""
LOGOUT = """mutation($t: String!) { logout(input: {refreshToken: $t}) { ok errors { code } } }"""
ME = "{ me { email role } }"


async def login(gql, email, password=PASSWORD, lang=None):
    body = await gql(LOGIN, {"email": email, "password": password}, lang=lang)
    return body["data"]["login"]


async def test_login_returns_tokens_that_work(gql, garage):
    email = garage.users[Role.SITE_MANAGER].email
    result = await login(gql, email.upper())  # email is case-insensitive
    assert result["errors"] == []
    assert result["user"] == {"email": email, "role": "SITE_MANAGER"}
    assert result["expiresIn"] == 900
    me = await gql(ME, token=result["accessToken"])
    assert me["data"]["me"]["email"] == email


@pytest.mark.parametrize("lang,text", [("en", "The email or password is wrong."), ("th", "อีเมลหรือรหัสผ่านไม่ถูกต้อง")])
async def test_wrong_password_is_refused_in_the_callers_language(gql, garage, lang, text):
    result = await login(gql, garage.users[Role.ADMIN].email, "wrong password", lang=lang)
    assert result["accessToken"] is None
    assert result["errors"] == [{"field": "password", "code": "INVALID_CREDENTIALS", "message": text}]


async def test_unknown_email_gets_the_same_answer_as_a_wrong_password(gql, garage):
    result = await login(gql, "nobody@nowhere.example", "whatever")
    assert [e["code"] for e in result["errors"]] == ["INVALID_CREDENTIALS"]


async def test_refresh_rotates_and_the_old_token_stops_working(gql, garage):
    first = await login(gql, garage.users[Role.BILLING].email)
    second = (await gql(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert second["errors"] == [] and second["refreshToken"] != first["refreshToken"]
    assert (await gql(ME, token=second["accessToken"]))["data"]["me"]["role"] == "BILLING"
    third = (await gql(REFRESH, {"t": second["refreshToken"]}))["data"]["refreshToken"]
    assert third["errors"] == []


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(gql, garage):
    first = await login(gql, garage.users[Role.BILLING].email)
    second = (await gql(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    third = (await gql(REFRESH, {"t": second["refreshToken"]}))["data"]["refreshToken"]
    assert third["errors"] == []
    # an attacker replays an old token whose successor has been used: a reuse, not a lost answer
    replay = (await gql(REFRESH, {"t": first["refreshToken"]}, lang="th"))["data"]["refreshToken"]
    assert replay["accessToken"] is None
    assert replay["errors"][0]["code"] == "REFRESH_TOKEN_REUSED"
    assert "ใช้ซ้ำ" in replay["errors"][0]["message"]
    # the legitimate holder's newest token is dead too, and so is its access token
    after = (await gql(REFRESH, {"t": third["refreshToken"]}))["data"]["refreshToken"]
    assert after["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    body = await gql(ME, token=third["accessToken"], expect_errors=True)
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_a_refresh_whose_answer_was_lost_can_be_repeated_once(gql, garage):
    """A phone loses signal while refreshing: the server rotated the token but the phone never got the answer. Sent
    again within the grace period, the old token gets the very pair the lost answer held instead of ending the
    sign-in; once that pair is used, the old token is a reuse again."""
    first = await login(gql, garage.users[Role.TECHNICIAN].email)
    lost = (await gql(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    again = (await gql(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert again["errors"] == [] and again["refreshToken"] != first["refreshToken"]
    assert (again["accessToken"], again["refreshToken"]) == (lost["accessToken"], lost["refreshToken"])
    assert (await gql(ME, token=again["accessToken"]))["data"]["me"]["role"] == "TECHNICIAN"
    following = (await gql(REFRESH, {"t": again["refreshToken"]}))["data"]["refreshToken"]
    assert following["errors"] == []
    replay = (await gql(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert replay["errors"][0]["code"] == "REFRESH_TOKEN_REUSED"


async def test_a_repeated_refresh_after_the_grace_period_is_a_reuse(gql, garage, app, db):
    import datetime as dt

    from sqlalchemy import update

    from backend.accounts.models import RefreshToken
    from backend.core import security
    from backend.core.db import utcnow

    first = await login(gql, garage.users[Role.BILLING].email)
    second = (await gql(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    async with db.transaction() as session:  # the rotation happened a minute ago
        await session.execute(update(RefreshToken)
                               .where(RefreshToken.token_hash == security.token_digest(first["refreshToken"]))
                               .values(used_at=utcnow() - dt.timedelta(minutes=1)))
    replay = (await gql(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert replay["errors"][0]["code"] == "REFRESH_TOKEN_REUSED"
    after = (await gql(REFRESH, {"t": second["refreshToken"]}))["data"]["refreshToken"]
    assert after["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"


async def test_other_sign_ins_survive_a_revoked_family(gql, garage):
    email = garage.users[Role.BILLING].email
    phone = await login(gql, email)
    desk = await login(gql, email)
    second = (await gql(REFRESH, {"t": phone["refreshToken"]}))["data"]["refreshToken"]
    await gql(REFRESH, {"t": second["refreshToken"]})
    await gql(REFRESH, {"t": phone["refreshToken"]})  # reuse: kills the phone's family only
    assert (await gql(ME, token=desk["accessToken"]))["data"]["me"]["email"] == email


async def test_logout_revokes_refresh_and_access(gql, garage):
    result = await login(gql, garage.users[Role.TECHNICIAN].email)
    out = await gql(LOGOUT, {"t": result["refreshToken"]})
    assert out["data"]["logout"] == {"ok": True, "errors": []}
    again = (await gql(REFRESH, {"t": result["refreshToken"]}))["data"]["refreshToken"]
    assert again["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    assert error_codes(await gql(ME, token=result["accessToken"], expect_errors=True)) == ["UNAUTHENTICATED"]


async def test_garbage_tokens_are_unauthenticated(gql, garage):
    for token in ("not-a-jwt", garage.token() + "x", "mtk_unknownkey"):
        assert error_codes(await gql(ME, token=token, expect_errors=True)) == ["UNAUTHENTICATED"]


async def test_expired_access_token_is_refused(gql, garage, app):
    from backend.core.security import make_access_token

    user = garage.users[Role.ADMIN]
    token, _ = make_access_token(app.state.services.settings.secret_key, user_id=user.id, garage_id=garage.id,
                                 session_id=user.id, ttl=-10)
    assert error_codes(await gql(ME, token=token, expect_errors=True)) == ["UNAUTHENTICATED"]


async def test_sign_in_is_rate_limited_per_account(gql, garage):
    email = garage.users[Role.ADMIN].email
    for _ in range(5):
        assert (await login(gql, email, "bad guess"))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    blocked = await login(gql, email, PASSWORD, lang="th")  # even the right password waits now
    assert blocked["accessToken"] is None
    assert blocked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert "15 นาที" in blocked["errors"][0]["message"]
    # another account from the same address is not blocked yet
    assert (await login(gql, garage.users[Role.BILLING].email))["errors"] == []


async def test_sign_in_is_rate_limited_per_client_address(gql, garage, other_garage):
    emails = [u.email for u in list(garage.users.values()) + list(other_garage.users.values())]
    for i in range(20):
        await login(gql, emails[i % len(emails)], "bad guess")
    result = await login(gql, garage.users[Role.ADMIN].email)
    assert result["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


async def test_successful_sign_in_clears_the_account_counter(gql, garage):
    email = garage.users[Role.ADMIN].email
    for _ in range(4):
        await login(gql, email, "bad guess")
    assert (await login(gql, email))["errors"] == []
    for _ in range(4):
        await login(gql, email, "bad guess")
    assert (await login(gql, email))["errors"] == []


DEACTIVATE = "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { active } errors { code } } }"


async def test_deactivated_user_is_refused_at_once(gql, garage):
    tech = garage.users[Role.TECHNICIAN]
    session = await login(gql, tech.email)
    body = await gql(DEACTIVATE, {"id": str(tech.id)}, token=garage.token(Role.ADMIN))
    assert body["data"]["deactivateUser"] == {"user": {"active": False}, "errors": []}
    # the access token stops working, refresh fails, and signing in again is refused with a clear message
    assert error_codes(await gql(ME, token=session["accessToken"], expect_errors=True)) == ["UNAUTHENTICATED"]
    assert (await gql(REFRESH, {"t": session["refreshToken"]}))["data"]["refreshToken"]["errors"]
    again = await login(gql, tech.email)
    assert again["accessToken"] is None and again["errors"][0]["code"] == "ACCOUNT_DEACTIVATED"


async def test_admin_cannot_deactivate_themselves(gql, garage):
    admin = garage.users[Role.ADMIN]
    body = await gql(DEACTIVATE, {"id": str(admin.id)}, token=garage.token())
    assert body["data"]["deactivateUser"]["errors"] == [{"code": "CANNOT_DEACTIVATE_SELF"}]


async def test_password_change_ends_other_sessions(gql, garage):
    tech = garage.users[Role.TECHNICIAN]
    session = await login(gql, tech.email)
    body = await gql("""mutation($id: ID!) { updateUser(input: {id: $id, password: "a brand new password"}) {
        errors { code } } }""", {"id": str(tech.id)}, token=garage.token())
    assert body["data"]["updateUser"]["errors"] == []
    assert error_codes(await gql(ME, token=session["accessToken"], expect_errors=True)) == ["UNAUTHENTICATED"]
    assert (await login(gql, tech.email, "a brand new password"))["errors"] == []
