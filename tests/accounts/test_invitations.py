"""Staff invitations: an admin invites, the mail's link (token in the fragment) lets the invitee set their password
and signs them in; the link works once, expires, can be revoked, and a resend replaces it; the token is in no table.
Refusals in en and th; only admins of the garage may invite, list, resend or revoke."""

import datetime as dt
import re

import pytest
from sqlalchemy import select, text, update

from backend.accounts.models import Invitation, User
from backend.core.db import Base
from backend.core.permissions import Role
from tests.conftest import error_codes
from tests.notifications.test_delivery import drain, settings_for, smtp  # noqa: F401 - fixtures

INVITE = """mutation($input: InviteUserInput!) { inviteUser(input: $input) {
  invitation { id email name role streams status homeSite { name } sentCount } errors { field code message } } }"""
LIST = "{ invitations { id email role status sentCount } }"
LOOK_UP = """mutation($token: String!) { lookUpInvitation(input: {token: $token}) {
  invitation { email name role garageName } errors { code message } } }"""
ACCEPT = """mutation($token: String!, $password: String!, $name: String) {
  acceptInvitation(input: {token: $token, password: $password, name: $name}) {
  accessToken refreshToken user { email name role streams homeSite { name } } errors { field code message } } }"""
RESEND = "mutation($id: ID!) { resendInvitation(input: {id: $id}) { invitation { id sentCount status } errors { code } } }"
REVOKE = "mutation($id: ID!) { revokeInvitation(input: {id: $id}) { invitation { id status } errors { code message } } }"
LINK = re.compile(r"http://testserver/invite#([A-Za-z0-9_-]+)")


async def a_site(gql, garage, name="Rama 9") -> str:
    body = await gql('mutation($n: String!) { createSite(input: {name: $n}) { site { id } } }', {"n": name},
                     token=garage.token())
    return body["data"]["createSite"]["site"]["id"]


async def invite(gql, garage, email="somchai@example.com", **extra) -> dict:
    values = {"email": email, "role": "TECHNICIAN", "streams": ["MECHANICAL"], "name": "Somchai", **extra}
    return (await gql(INVITE, {"input": values}, token=garage.token()))["data"]["inviteUser"]


async def mailed_tokens(app, smtp, count: int) -> list[tuple[str, str, str]]:  # noqa: F811
    """Drain the outbox to the local SMTP server: (to, subject, token of the link) of each mail."""
    await drain(app, settings_for(app, smtp_host="127.0.0.1", smtp_port=smtp.port))
    smtp.wait_for(count)
    out = []
    for mail in smtp.messages:
        body = mail.get_body(("plain",)).get_content()
        out.append((mail["To"], mail["Subject"], LINK.search(body).group(1), body))
    return out


async def every_stored_text(db) -> str:
    """Every row of every table, as text."""
    parts = []
    async with db.read() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


@pytest.mark.parametrize("locale", ["EN", "TH"])
async def test_an_invited_technician_sets_a_password_from_the_mail_and_is_signed_in(app, gql, db, garage, smtp,  # noqa: F811
                                                                                 locale):
    site_id = await a_site(gql, garage)
    made = await invite(gql, garage, name="Somchai", homeSiteId=site_id, locale=locale)
    assert made["errors"] == []
    assert made["invitation"] | {"id": None} == {
        "id": None, "email": "somchai@example.com", "name": "Somchai", "role": "TECHNICIAN",
        "streams": ["MECHANICAL"], "status": "PENDING", "homeSite": {"name": "Rama 9"}, "sentCount": 1}
    assert [i["email"] for i in (await gql(LIST, token=garage.token()))["data"]["invitations"]] == [
        "somchai@example.com"]
    [(to, subject, token, body)] = await mailed_tokens(app, smtp, 1)
    assert to == "somchai@example.com"
    if locale == "TH":
        assert subject == "Garage One เชิญคุณเข้าใช้ MotoTrack"
        assert body.startswith("เรียน คุณSomchai")
        assert "ในตำแหน่งช่างเทคนิค" in body and "ขอแสดงความนับถือ" in body
    else:
        assert subject == "Garage One invites you to MotoTrack"
        assert body.startswith("Dear Somchai,") and "on MotoTrack as technician." in body
        assert "The link works once, for 72 hours." in body and "Thank you," in body
    # neither the invitation, nor the outbox row, nor the stored copy of the mail holds the token
    assert token not in await every_stored_text(db)

    preview = (await gql(LOOK_UP, {"token": token}))["data"]["lookUpInvitation"]
    assert preview == {"invitation": {"email": "somchai@example.com", "name": "Somchai", "role": "TECHNICIAN",
                                      "garageName": "Garage One"}, "errors": []}
    accepted = (await gql(ACCEPT, {"token": token, "password": "my own password", "name": "Somchai K."}))
    accepted = accepted["data"]["acceptInvitation"]
    assert accepted["errors"] == []
    assert accepted["user"] == {"email": "somchai@example.com", "name": "Somchai K.", "role": "TECHNICIAN",
                                "streams": ["MECHANICAL"], "homeSite": {"name": "Rama 9"}}
    me = await gql("{ me { email role garage { name } } }", token=accepted["accessToken"])
    assert me["data"]["me"] == {"email": "somchai@example.com", "role": "TECHNICIAN", "garage": {"name": "Garage One"}}
    login = await gql('mutation { login(input: {email: "somchai@example.com", password: "my own password"}) '
                      '{ errors { code } } }')
    assert login["data"]["login"]["errors"] == []
    assert (await gql(LIST, token=garage.token()))["data"]["invitations"] == []


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_a_link_works_once(gql, db, garage, lang):
    await invite(gql, garage)
    token = await _token_of(db, garage)
    first = (await gql(ACCEPT, {"token": token, "password": "first password"}))["data"]["acceptInvitation"]
    assert first["errors"] == []
    again = (await gql(ACCEPT, {"token": token, "password": "second password"}, lang=lang))["data"]
    [error] = again["acceptInvitation"]["errors"]
    assert error["code"] == "INVITATION_USED" and again["acceptInvitation"]["accessToken"] is None
    assert error["message"] == ("คำเชิญนี้ถูกใช้ไปแล้ว เข้าสู่ระบบด้วยอีเมลและรหัสผ่านของคุณ" if lang == "th" else
                                "This invitation has already been used. Sign in with your email and password.")
    login = await gql('mutation { login(input: {email: "somchai@example.com", password: "second password"}) '
                      '{ errors { code } } }')
    assert [e["code"] for e in login["data"]["login"]["errors"]] == ["INVALID_CREDENTIALS"]


async def _token_of(db, garage) -> str:
    """The token a mail would carry, made as delivery makes it (from the row's nonce and the secret)."""
    from backend.accounts.invitations import token_for
    from tests.conftest import make_settings

    async with db.read() as s:
        row = (await s.execute(select(Invitation).where(Invitation.garage_id == garage.id)
                               .order_by(Invitation.created_at.desc()))).scalars().first()
    return token_for(row.nonce, make_settings("sqlite://").secret_key)


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_an_expired_link_is_refused_and_a_resend_gives_a_new_one(gql, db, garage, lang):
    made = await invite(gql, garage)
    old = await _token_of(db, garage)
    async with db.transaction() as s:
        await s.execute(update(Invitation).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    assert (await gql(LIST, token=garage.token()))["data"]["invitations"][0]["status"] == "EXPIRED"
    body = (await gql(ACCEPT, {"token": old, "password": "a long password"}, lang=lang))["data"]["acceptInvitation"]
    [error] = body["errors"]
    assert error["code"] == "INVITATION_EXPIRED"
    assert error["message"] == ("คำเชิญนี้หมดอายุแล้ว โปรดขอให้ผู้ดูแลระบบส่งใหม่" if lang == "th" else
                                "This invitation has expired. Ask your administrator to send it again.")
    resent = (await gql(RESEND, {"id": made["invitation"]["id"]}, token=garage.token()))["data"]["resendInvitation"]
    assert resent["invitation"]["sentCount"] == 2 and resent["invitation"]["status"] == "PENDING"
    new = await _token_of(db, garage)
    assert new != old
    stale = (await gql(ACCEPT, {"token": old, "password": "a long password"}, lang=lang))["data"]
    assert [e["code"] for e in stale["acceptInvitation"]["errors"]] == ["INVITATION_INVALID"]
    ok = (await gql(ACCEPT, {"token": new, "password": "a long password"}))["data"]["acceptInvitation"]
    assert ok["errors"] == [] and ok["user"]["email"] == "somchai@example.com"


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_a_revoked_invitation_is_refused_and_its_mail_never_goes(app, gql, db, garage, smtp, lang):  # noqa: F811
    made = await invite(gql, garage)
    token = await _token_of(db, garage)
    revoked = (await gql(REVOKE, {"id": made["invitation"]["id"]}, token=garage.token()))["data"]["revokeInvitation"]
    assert revoked["invitation"]["status"] == "REVOKED"
    body = (await gql(LOOK_UP, {"token": token}, lang=lang))["data"]["lookUpInvitation"]
    [error] = body["errors"]
    assert error["code"] == "INVITATION_REVOKED" and body["invitation"] is None
    assert error["message"] == ("คำเชิญนี้ถูกยกเลิกแล้ว โปรดขอคำเชิญใหม่จากผู้ดูแลระบบ" if lang == "th" else
                                "This invitation was withdrawn. Ask your administrator for a new one.")
    accepted = (await gql(ACCEPT, {"token": token, "password": "a long password"}))["data"]["acceptInvitation"]
    assert [e["code"] for e in accepted["errors"]] == ["INVITATION_REVOKED"]
    await drain(app, settings_for(app, smtp_host="127.0.0.1", smtp_port=smtp.port))
    assert smtp.messages == []
    async with db.read() as s:
        assert (await s.execute(select(User).where(User.email == "somchai@example.com"))).first() is None
    assert (await gql(LIST, token=garage.token()))["data"]["invitations"] == []


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_an_unknown_or_malformed_token_is_refused(gql, garage, lang):
    for token in ("x" * 32, "", "y" * 500):
        body = (await gql(LOOK_UP, {"token": token}, lang=lang))["data"]["lookUpInvitation"]
        [error] = body["errors"]
        assert error["code"] == "INVITATION_INVALID"
        assert error["message"] == ("ลิงก์คำเชิญนี้ใช้ไม่ได้ โปรดขอลิงก์ใหม่จากผู้ดูแลระบบ" if lang == "th" else
                                    "This invitation link is not valid. Ask your administrator for a new one.")


async def test_a_short_password_keeps_the_invitation_usable(gql, db, garage):
    await invite(gql, garage)
    token = await _token_of(db, garage)
    bad = (await gql(ACCEPT, {"token": token, "password": "short"}, lang="th"))["data"]["acceptInvitation"]
    assert [(e["field"], e["code"], e["message"]) for e in bad["errors"]] == [
        ("password", "PASSWORD_TOO_SHORT", "รหัสผ่านต้องมีอย่างน้อย 10 ตัวอักษร")]
    assert (await gql(LIST, token=garage.token()))["data"]["invitations"][0]["status"] == "PENDING"
    good = (await gql(ACCEPT, {"token": token, "password": "long enough now"}))["data"]["acceptInvitation"]
    assert good["errors"] == []


async def test_bad_invitations_are_refused_and_store_nothing(gql, db, garage):
    taken = garage.users[Role.BILLING].email
    body = await invite(gql, garage, email=taken, streams=[])
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("email", "EMAIL_TAKEN"),
                                                                 ("streams", "TECHNICIAN_NEEDS_STREAM")}
    body = await invite(gql, garage, email="not an email")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("email", "INVALID_EMAIL")]
    assert (await invite(gql, garage))["errors"] == []
    twice = await invite(gql, garage)
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("email", "ALREADY_EXISTS")]
    async with db.read() as s:
        assert (await s.execute(text("SELECT count(*) FROM invitations"))).scalar() == 1


async def test_only_the_garages_admins_invite_list_resend_and_revoke(gql, db, garage, other_garage):
    made = await invite(gql, garage)
    inv_id = made["invitation"]["id"]
    for role in (Role.SITE_MANAGER, Role.TECHNICIAN, Role.BILLING):
        token = garage.token(role)
        refused = await gql(INVITE, {"input": {"email": "x@example.com", "role": "BILLING"}}, token=token,
                            expect_errors=True)
        assert error_codes(refused) == ["FORBIDDEN"], role
        assert error_codes(await gql(LIST, token=token, expect_errors=True)) == ["FORBIDDEN"]
        assert error_codes(await gql(REVOKE, {"id": inv_id}, token=token, expect_errors=True)) == ["FORBIDDEN"]
    # another garage's admin neither sees nor touches it
    other = other_garage.token()
    assert (await gql(LIST, token=other))["data"]["invitations"] == []
    assert (await gql(REVOKE, {"id": inv_id}, token=other))["data"]["revokeInvitation"]["errors"] == [
        {"code": "NOT_FOUND", "message": "Not found."}]
    assert (await gql(RESEND, {"id": inv_id}, token=other))["data"]["resendInvitation"]["errors"] == [
        {"code": "NOT_FOUND"}]
    assert (await gql(RESEND, {"id": "not-a-uuid"}, token=garage.token()))["data"]["resendInvitation"]["errors"] == [
        {"code": "NOT_FOUND"}]
    # nobody signed in invites nobody
    assert error_codes(await gql(INVITE, {"input": {"email": "x@example.com", "role": "BILLING"}},
                                 expect_errors=True)) == ["UNAUTHENTICATED"]
    assert (await gql(LIST, token=garage.token()))["data"]["invitations"][0]["status"] == "PENDING"


async def test_the_invitations_list_is_three_statements_however_many(gql, garage, count_statements):
    """The sign-in check, the invitations, their home sites in one batch."""
    for n in range(3):
        site_id = await a_site(gql, garage, f"Site {n}")
        assert (await invite(gql, garage, email=f"tech{n}@example.com", homeSiteId=site_id))["errors"] == []
    query = "{ invitations { email status homeSite { name } } }"
    with count_statements() as counter:
        rows = (await gql(query, token=garage.token()))["data"]["invitations"]
    assert sorted(r["homeSite"]["name"] for r in rows) == ["Site 0", "Site 1", "Site 2"]
    assert counter.count == 3, counter.statements
