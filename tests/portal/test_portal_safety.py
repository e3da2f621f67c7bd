"""A token opens only its own job: tampered, revoked, expired and unknown tokens open nothing (a clear error in the
customer's language with the garage's phone); another job's quote or another garage's file through a valid link is
not found; the database holds no token; wrong codes lock; requests and code requests are rate limited."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select, text, update

from backend.accounts.models import Site
from backend.billing.models import Quote
from backend.core.db import utcnow
from backend.core.models import AuditEntry
from backend.core.permissions import Role
from backend.portal.models import ApprovalCode, PortalLink
from backend.portal.views import portal_file_url
from backend.workshop.models import Job, JobStatus
from tests.conftest import error_codes
from tests.portal.helpers import (DECIDE, PORTAL_QUERY, REQUEST_CODE, code_from_sms, payload, portal, rows,
                                  token_from_sms, visit)

NEW_LINK = """mutation($i: PortalLinkInput!) { newPortalLink(input: $i) { jobId url errors { code message } } }"""
REVOKE = """mutation($i: PortalLinkInput!) { revokePortalLink(input: $i) { jobId errors { code message } } }"""
JOB_ONLY = "{ portal { job { number } } }"


def portal_code(body: dict) -> str:
    [error] = body["errors"]
    return error["extensions"]["code"]


async def test_the_database_holds_no_token_and_the_token_is_long_and_random(app, client, db, garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    assert len(token) == 22 and all(c.isalnum() or c in "-_" for c in token)  # 132 bits in base64url
    [link] = await rows(db, PortalLink, PortalLink.job_id == v.job.id)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() and len(link.nonce) == 32  # 24 bytes
    # no column of any table holds the token (nor the message bodies, the short links, the audit log)
    async with db.read() as session:
        names = (await session.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if db.write_engine.dialect.name == "sqlite" else
            "SELECT tablename FROM pg_tables WHERE schemaname='public'"))).scalars().all()
        for name in names:
            for row in (await session.execute(text(f'SELECT * FROM "{name}"'))).all():
                assert token not in repr(tuple(row)), name
    # two jobs' tokens differ, and neither is derived from the other's row alone
    w2 = await visit(db, garage)
    links = await rows(db, PortalLink, PortalLink.job_id == w2.job.id)
    assert links[0].nonce != link.nonce


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_tampered_and_unknown_tokens_open_nothing(app, client, db, garage, sms, lang):
    await visit(db, garage)
    token = await token_from_sms(app, sms)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, "x" * 22, "", None):
        body = await portal(client, bad, JOB_ONLY, lang=lang)
        assert body["data"] is None and portal_code(body) == "PORTAL_LINK_INVALID"
        message = body["errors"][0]["message"]
        assert message == ("This link is not valid. Please check the message or call the garage." if lang == "en"
                           else "ลิงก์นี้ใช้ไม่ได้ กรุณาตรวจสอบข้อความ หรือโทรหาอู่")
    assert payload(await portal(client, token, JOB_ONLY))["job"]["number"]


async def _site_phone(db, v, phone="+6621234567"):
    async with db.transaction() as session:
        await session.execute(update(Site).where(Site.id == v.job.site_id).values(phone=phone))


@pytest.mark.parametrize("locale", ["en", "th"])
async def test_a_revoked_link_says_so_in_the_customers_language_with_the_garages_phone(app, client, db, gql,
                                                                                      garage, sms, locale):
    from backend.core.enums import Locale

    v = await visit(db, garage, locale=Locale(locale))
    await _site_phone(db, v)
    token = await token_from_sms(app, sms)
    # a technician may not; reception may
    body = await gql(REVOKE, {"i": {"jobId": str(v.job.id)}}, token=garage.token(Role.TECHNICIAN),
                     expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]
    assert payload(await portal(client, token, JOB_ONLY))
    revoked = (await gql(REVOKE, {"i": {"jobId": str(v.job.id)}}, token=garage.token(Role.SITE_MANAGER)))
    assert revoked["data"]["revokePortalLink"]["errors"] == []
    body = await portal(client, token, JOB_ONLY, lang="en")  # the customer's language wins over the browser's
    assert portal_code(body) == "PORTAL_LINK_REVOKED"
    error = body["errors"][0]
    assert error["extensions"]["garagePhone"] == "+6621234567" and error["extensions"]["garageName"] == "Garage One"
    assert error["message"] == ("This link has been withdrawn by the garage. Please call the garage for a new one."
                                if locale == "en" else "อู่ได้ยกเลิกลิงก์นี้แล้ว กรุณาโทรหาอู่เพื่อขอลิงก์ใหม่")
    page = await client.get("/portal/link", headers={"Authorization": f"Portal {token}"})
    assert page.status_code == 410 and "+6621234567" in page.text and f'lang="{locale}"' in page.text
    # a new link works, and is sent to the customer; the old one stays revoked
    made = (await gql(NEW_LINK, {"i": {"jobId": str(v.job.id)}}, token=garage.token(Role.WORKSHOP_MANAGER)))
    url = made["data"]["newPortalLink"]["url"]
    fresh = url.split("#", 1)[1]
    assert fresh != token and payload(await portal(client, fresh, JOB_ONLY))["job"]["number"] == v.job.number
    assert portal_code(await portal(client, token, JOB_ONLY)) == "PORTAL_LINK_REVOKED"
    assert (await client.get("/portal/link", headers={"Authorization": f"Portal {fresh}"})).status_code == 204
    # both staff actions are in the audit log, on the links
    audited = await rows(db, AuditEntry, AuditEntry.entity_type == "PortalLink")
    assert {"revoke", "create"} <= {a.action for a in audited}


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_a_link_expires_the_set_number_of_days_after_the_job_is_collected(app, client, db, gql, garage, sms,
                                                                                lang):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    settings = """mutation { updatePortalSettings(input: {linkDays: 10}) { settings { linkDays } errors { code } } }"""
    assert (await gql(settings, token=garage.token()))["data"]["updatePortalSettings"]["settings"] == {"linkDays": 10}
    bad = """mutation { updatePortalSettings(input: {linkDays: 0}) { settings { linkDays } errors { code message } } }"""
    refused = (await gql(bad, token=garage.token(), lang="th"))["data"]["updatePortalSettings"]
    assert refused["errors"][0]["code"] == "INVALID_LINK_DAYS" and "1" in refused["errors"][0]["message"]
    async with db.transaction() as session:  # collected 9 days ago: still open
        await session.execute(update(Job).where(Job.id == v.job.id).values(
            status=JobStatus.INVOICED, invoiced_at=utcnow() - dt.timedelta(days=9)))
    opened = payload(await portal(client, token, "{ portal { linkExpiresAt job { status } } }"))
    assert opened["job"]["status"] == "INVOICED" and opened["linkExpiresAt"]
    async with db.transaction() as session:  # 11 days ago: expired
        await session.execute(update(Job).where(Job.id == v.job.id).values(
            invoiced_at=utcnow() - dt.timedelta(days=11)))
    body = await portal(client, token, JOB_ONLY, lang=lang)
    assert portal_code(body) == "PORTAL_LINK_EXPIRED"
    assert body["errors"][0]["message"] == ("This link has expired. Please call the garage for a new one."
                                            if lang == "en" else "ลิงก์นี้หมดอายุแล้ว กรุณาโทรหาอู่เพื่อขอลิงก์ใหม่")


async def test_a_valid_link_reaches_no_other_job_and_no_other_garage(app, client, db, garage, other_garage, sms):
    mine = await visit(db, garage)
    token = await token_from_sms(app, sms)
    other = await visit(db, garage)  # the same garage, another customer's job and quote
    theirs = await visit(db, other_garage)
    view = payload(await portal(client, token, PORTAL_QUERY))
    assert [q["id"] for q in view["quotes"]] == [str(mine.quote.id)]
    for quote in (other.quote, theirs.quote):
        sent = payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": str(quote.id),
                                                                           "channel": "SMS"}}))
        assert sent["sent"] is False and [e["code"] for e in sent["errors"]] == ["NOT_FOUND"]
        decided = payload(await portal(client, token, DECIDE, {"input": {
            "quoteId": str(quote.id), "version": 1, "linesHash": "x", "approve": [], "decline": [],
            "name": "Ann", "code": "000000"}}))
        assert decided["quote"] is None and decided["errors"]
    async with db.read() as session:
        assert (await session.get(Quote, other.quote.id)).locked is False
        assert (await session.execute(select(ApprovalCode))).first() is None


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


async def _upload(client, world, owner_id, *, shared: bool) -> str:
    response = await client.post("/files/upload", headers={"Authorization": f"Bearer {world.token()}"}, data={
        "uploadId": uuid.uuid4().hex, "ownerType": "job", "ownerId": str(owner_id), "kind": "PHOTO",
        "sharedWithCustomer": "true" if shared else "false"}, files={"file": ("photo.jpg", _jpeg(), "image/jpeg")})
    assert response.status_code == 201, response.text
    return response.json()["attachment"]["id"]


async def test_portal_file_links_open_only_this_links_shared_files(app, client, db, garage, other_garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    shared = await _upload(client, garage, v.job.id, shared=True)
    private = await _upload(client, garage, v.job.id, shared=False)
    theirs = await visit(db, other_garage)
    foreign = await _upload(client, other_garage, theirs.job.id, shared=True)
    view = payload(await portal(client, token, PORTAL_QUERY))
    [document] = view["documents"]
    assert shared in document["url"] and private not in str(view)
    got = await client.get(document["url"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert (await client.get(document["thumbnailUrl"])).status_code == 200
    # a link signed for this portal link, naming the unshared file or another garage's file: nothing
    [link] = await rows(db, PortalLink, PortalLink.job_id == v.job.id)
    settings = app.state.services.settings

    class Row:  # what portal_file_url signs: the attachment's id and garage
        def __init__(self, ident, garage_id):
            self.id, self.garage_id = uuid.UUID(ident), garage_id

    from backend.core.actor import Actor
    actor = Actor(garage_id=garage.id, permissions=frozenset(), extra={"portal_link_id": link.id, "job_id": v.job.id})
    for ident, garage_id in ((private, garage.id), (foreign, garage.id), (foreign, other_garage.id)):
        url = portal_file_url(settings, Row(ident, garage_id), "file", actor)
        assert (await client.get(url)).status_code == 404, ident
    # a tampered link is refused; once the link is revoked its file links open nothing
    assert (await client.get(document["url"].replace("pj=", "pj=0"))).status_code == 403
    async with db.transaction() as session:
        await session.execute(update(PortalLink).where(PortalLink.id == link.id).values(revoked_at=utcnow()))
    assert (await client.get(document["url"])).status_code == 404


async def test_five_wrong_codes_lock_the_code_and_a_new_one_works(app, client, db, garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    [quote] = payload(await portal(client, token, PORTAL_QUERY))["quotes"]
    payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": quote["id"], "channel": "SMS"}}))
    code = await code_from_sms(app, sms)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    decision = {"quoteId": quote["id"], "version": quote["version"], "linesHash": quote["linesHash"],
                "approve": [quote["lines"][0]["id"]], "decline": [], "name": "Ann Smith"}
    seen = []
    for _ in range(5):
        result = payload(await portal(client, token, DECIDE, {"input": {**decision, "code": wrong}}, lang="th"))
        seen.append(result["errors"][0]["code"])
    assert seen == ["CODE_INVALID"] * 4 + ["CODE_LOCKED"]
    locked = payload(await portal(client, token, DECIDE, {"input": {**decision, "code": code}}, lang="th"))
    assert locked["errors"][0]["code"] == "CODE_LOCKED"
    assert locked["errors"][0]["message"] == "กรอกรหัสผิดหลายครั้งเกินไป กรุณาขอรหัสใหม่"
    async with db.read() as session:  # nothing was decided
        assert (await session.get(Quote, v.quote.id)).locked is False
    payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": quote["id"], "channel": "SMS"}}))
    fresh = await code_from_sms(app, sms)
    done = payload(await portal(client, token, DECIDE, {"input": {**decision, "code": fresh}}))
    assert done["errors"] == [] and done["quote"]["approvals"]["approved"] == 1


async def test_an_expired_code_and_a_stale_page_are_refused_and_change_nothing(app, client, db, garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    [quote] = payload(await portal(client, token, PORTAL_QUERY))["quotes"]
    payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": quote["id"], "channel": "SMS"}}))
    code = await code_from_sms(app, sms)
    decision = {"quoteId": quote["id"], "version": quote["version"], "linesHash": quote["linesHash"],
                "approve": [quote["lines"][0]["id"]], "decline": [], "name": "Ann Smith", "code": code}
    stale = payload(await portal(client, token, DECIDE, {"input": {**decision, "linesHash": "0" * 64}}))
    assert [e["code"] for e in stale["errors"]] == ["QUOTE_CHANGED"]
    nameless = payload(await portal(client, token, DECIDE, {"input": {**decision, "name": "  "}}))
    assert [e["code"] for e in nameless["errors"]] == ["REQUIRED"]
    [row] = await rows(db, ApprovalCode, ApprovalCode.quote_id == v.quote.id)
    assert row.attempts == 0  # a stale page or an empty name costs no attempt
    async with db.transaction() as session:
        await session.execute(update(ApprovalCode).where(ApprovalCode.id == row.id).values(
            expires_at=utcnow() - dt.timedelta(seconds=1)))
    expired = payload(await portal(client, token, DECIDE, {"input": decision}))
    assert [e["code"] for e in expired["errors"]] == ["CODE_EXPIRED"]
    async with db.read() as session:
        assert (await session.get(Quote, v.quote.id)).locked is False


async def test_code_requests_and_portal_requests_are_rate_limited(app, client, db, garage, sms):
    await visit(db, garage)
    token = await token_from_sms(app, sms)
    [quote] = payload(await portal(client, token, PORTAL_QUERY))["quotes"]
    settings = app.state.services.settings
    answers = []
    for _ in range(settings.portal_codes_per_hour + 1):
        sent = payload(await portal(client, token, REQUEST_CODE, {"input": {"quoteId": quote["id"],
                                                                           "channel": "SMS"}}))
        answers.append(sent["sent"] or sent["errors"][0]["code"])
    assert answers == [True] * settings.portal_codes_per_hour + ["RATE_LIMITED"]
    # guessing tokens from one address: after the allowance even a valid token is turned away for a while
    for _ in range(settings.portal_bad_tokens_per_window):
        assert portal_code(await portal(client, "y" * 22, JOB_ONLY)) == "PORTAL_LINK_INVALID"
    assert portal_code(await portal(client, token, JOB_ONLY)) == "RATE_LIMITED"


async def test_requests_per_minute_are_limited_per_link(app, client, db, garage, sms, monkeypatch):
    await visit(db, garage)
    token = await token_from_sms(app, sms)
    monkeypatch.setattr(app.state.services.settings, "portal_requests_per_minute", 3)
    answers = [await portal(client, token, JOB_ONLY, lang="th") for _ in range(4)]
    assert [bool(a["data"]) for a in answers] == [True, True, True, False]
    assert portal_code(answers[-1]) == "RATE_LIMITED"
    assert answers[-1]["errors"][0]["message"] == "มีคำขอมากเกินไป กรุณาลองใหม่ภายหลัง (อีก 1 นาที)"
