"""Set-up in the browser: the first run of an empty installation, refused once a garage exists (also when two race),
and the open sign-up of further garages (off by default, limited per address). Refusals in en and th."""

import asyncio

import pytest
from sqlalchemy import func, select

from backend.accounts.models import Garage, Site, User

SET_UP = """mutation($input: SetUpGarageInput!) { setUpInstallation(input: $input) {
  accessToken refreshToken user { email name role homeSite { name } garage { name } } errors { field code message } } }"""
SIGN_UP = SET_UP.replace("setUpInstallation", "signUpGarage")
STATUS = "{ setupStatus { needsSetup openSignup } }"


def form(**overrides) -> dict:
    values = {"garageName": "Sukhumvit Motors Co., Ltd.", "country": "TH", "currency": "THB",
              "timeZone": "Asia/Bangkok", "defaultLocale": "TH", "vatRegistered": True, "taxRate": "7",
              "taxId": "0105556123453", "branch": "00000", "address": "99 Sukhumvit Rd, Bangkok",
              "sites": [{"name": "Head office", "branchCode": "00000"},
                        {"name": "Rama 9", "branchCode": "00001", "phone": "02-000-1111"}],
              "adminName": "Anong Admin", "adminEmail": "Anong@Example.com", "adminPassword": "a long password"}
    values.update(overrides)
    return values


async def counts(db) -> tuple[int, int, int]:
    async with db.read() as s:
        return tuple([(await s.execute(select(func.count()).select_from(m))).scalar() for m in (Garage, Site, User)])


async def test_an_empty_installation_is_set_up_once_and_its_admin_is_signed_in(gql, db):
    assert (await gql(STATUS))["data"]["setupStatus"] == {"needsSetup": True, "openSignup": False}
    body = (await gql(SET_UP, {"input": form()}))["data"]["setUpInstallation"]
    assert body["errors"] == []
    assert body["user"] == {"email": "anong@example.com", "name": "Anong Admin", "role": "ADMIN",
                            "homeSite": {"name": "Head office"}, "garage": {"name": "Sukhumvit Motors Co., Ltd."}}
    token = body["accessToken"]
    me = await gql("""{ me { email } garage { name country currency timeZone defaultLocale taxLabel taxRate taxId
                       branch address } sites { name branchCode phone } }""", token=token)
    assert me["data"]["me"] == {"email": "anong@example.com"}
    garage = me["data"]["garage"]
    assert garage["taxRate"] in ("7", "7.000") and garage["taxId"] == "0105556123453"
    assert (garage["country"], garage["currency"], garage["timeZone"], garage["defaultLocale"]) == (
        "TH", "THB", "Asia/Bangkok", "TH")
    assert {(s["name"], s["branchCode"], s["phone"]) for s in me["data"]["sites"]} == {
        ("Head office", "00000", None), ("Rama 9", "00001", "+6620001111")}
    login = await gql('mutation { login(input: {email: "anong@example.com", password: "a long password"}) '
                      '{ errors { code } } }')
    assert login["data"]["login"]["errors"] == []
    assert (await gql(STATUS))["data"]["setupStatus"]["needsSetup"] is False


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_once_a_garage_exists_the_first_run_is_refused_and_changes_nothing(gql, db, garage, lang):
    before = await counts(db)
    body = (await gql(SET_UP, {"input": form(adminEmail="intruder@example.com")}, lang=lang))["data"]
    assert body["setUpInstallation"]["accessToken"] is None
    [error] = body["setUpInstallation"]["errors"]
    assert error["code"] == "ALREADY_SET_UP"
    assert error["message"] == ("ระบบนี้ตั้งค่าไว้แล้ว เข้าสู่ระบบ หรือขอคำเชิญจากผู้ดูแลระบบ" if lang == "th" else
                                "This installation is already set up. Sign in, or ask your administrator for an "
                                "invitation.")
    assert await counts(db) == before


async def test_two_set_ups_racing_on_an_empty_installation_make_one_garage(gql, db):
    first, second = await asyncio.gather(
        gql(SET_UP, {"input": form(garageName="First", adminEmail="one@example.com")}),
        gql(SET_UP, {"input": form(garageName="Second", adminEmail="two@example.com")}))
    outcomes = sorted([first["data"]["setUpInstallation"], second["data"]["setUpInstallation"]],
                      key=lambda p: bool(p["errors"]))
    assert outcomes[0]["errors"] == [] and outcomes[0]["accessToken"]
    assert [e["code"] for e in outcomes[1]["errors"]] == ["ALREADY_SET_UP"] and outcomes[1]["accessToken"] is None
    assert await counts(db) == (1, 2, 1)


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_bad_input_gets_every_error_named_by_its_place_and_sets_nothing_up(gql, db, lang):
    body = (await gql(SET_UP, {"input": form(
        currency="XXQ", timeZone="Mars/Base", taxRate="107", taxId="12345",
        sites=[{"name": "Head office"}, {"name": " ", "branchCode": "12"}],
        adminEmail="not an email", adminPassword="short")}, lang=lang))["data"]["setUpInstallation"]
    assert body["accessToken"] is None
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("garage.currency", "INVALID_CURRENCY"), ("garage.timeZone", "INVALID_TIME_ZONE"),
        ("garage.taxRate", "INVALID_TAX_RATE"), ("garage.taxId", "INVALID_TAX_ID"),
        ("sites.1.name", "REQUIRED"), ("sites.1.branchCode", "INVALID_BRANCH_CODE"),
        ("admin.email", "INVALID_EMAIL"), ("admin.password", "PASSWORD_TOO_SHORT")}
    message = {e["field"]: e["message"] for e in body["errors"]}["admin.password"]
    assert message == ("รหัสผ่านต้องมีอย่างน้อย 10 ตัวอักษร" if lang == "th"
                       else "The password must have at least 10 characters.")
    assert await counts(db) == (0, 0, 0)
    assert (await gql(STATUS))["data"]["setupStatus"]["needsSetup"] is True


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_a_garage_needs_a_site_and_a_vat_registered_thai_garage_its_tax_id(gql, db, lang):
    body = (await gql(SET_UP, {"input": form(sites=[], taxId=None)}, lang=lang))["data"]["setUpInstallation"]
    errors = {e["field"]: (e["code"], e["message"]) for e in body["errors"]}
    assert errors["sites"] == ("SITE_REQUIRED", "เพิ่มสาขาอย่างน้อยหนึ่งแห่ง" if lang == "th" else "Add at least one site.")
    assert errors["garage.taxId"][0] == "REQUIRED"
    assert await counts(db) == (0, 0, 0)


async def test_a_garage_not_registered_for_vat_charges_none(gql, db):
    body = (await gql(SET_UP, {"input": form(vatRegistered=False, taxRate="7", taxId=None)}))["data"]
    token = body["setUpInstallation"]["accessToken"]
    garage = (await gql("{ garage { taxRate taxId } }", token=token))["data"]["garage"]
    assert garage["taxRate"] in ("0", "0.000") and garage["taxId"] is None


@pytest.fixture
def open_signup(app):
    settings = app.state.services.settings
    settings.open_signup = True
    yield settings
    settings.open_signup = False


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_open_sign_up_is_refused_while_it_is_off(gql, db, garage, lang):
    before = await counts(db)
    body = (await gql(SIGN_UP, {"input": form(adminEmail="new@example.com")}, lang=lang))["data"]["signUpGarage"]
    [error] = body["errors"]
    assert error["code"] == "SIGNUP_CLOSED" and body["accessToken"] is None
    assert error["message"] == ("ไม่เปิดให้อู่ใหม่สมัครที่นี่ โปรดติดต่อผู้ดูแลระบบนี้" if lang == "th" else
                                "New garages cannot sign up here. Ask the operator of this installation.")
    assert await counts(db) == before


async def test_open_sign_up_makes_a_separate_garage_and_is_limited_per_address(gql, db, garage, open_signup):
    assert (await gql(STATUS))["data"]["setupStatus"] == {"needsSetup": False, "openSignup": True}
    limit = open_signup.signup_max_per_ip
    tokens = []
    for n in range(limit):
        body = (await gql(SIGN_UP, {"input": form(garageName=f"New {n}", adminEmail=f"owner{n}@example.com")}))
        assert body["data"]["signUpGarage"]["errors"] == []
        tokens.append(body["data"]["signUpGarage"]["accessToken"])
    # the new admin sees their own garage only, not the one that was there
    mine = (await gql("{ garage { name } users { email } }", token=tokens[0]))["data"]
    assert mine == {"garage": {"name": "New 0"}, "users": [{"email": "owner0@example.com"}]}
    before = await counts(db)
    refused = (await gql(SIGN_UP, {"input": form(garageName="One too many", adminEmail="late@example.com")},
                         lang="th"))["data"]["signUpGarage"]
    assert [e["code"] for e in refused["errors"]] == ["TOO_MANY_SIGNUPS"]
    assert refused["errors"][0]["message"] == "สร้างอู่จากที่นี่มากเกินไป ลองใหม่ในอีก 60 นาที"
    assert await counts(db) == before


async def test_the_setup_status_is_one_statement(gql, garage, count_statements):
    with count_statements() as counter:
        assert (await gql(STATUS))["data"]["setupStatus"]["needsSetup"] is False
    assert counter.count == 1, counter.statements
