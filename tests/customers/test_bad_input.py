"""Bad input gets a localized error (en and th) and changes nothing."""

from __future__ import annotations

import re
import uuid

import pytest

from backend.core.errors import MESSAGES, ErrorCode
from backend.core.i18n import translate
from tests.conftest import error_codes
from tests.customers.helpers import (
    CREATE_CUSTOMER,
    CREATE_VEHICLE,
    CUSTOMERS,
    RECORD_MILEAGE,
    TRANSFER_VEHICLE,
    UPDATE_CUSTOMER,
    UPDATE_VEHICLE,
    VEHICLES,
    create_customer,
    create_vehicle,
    snapshot,
)

THAI = re.compile(r"[\u0e00-\u0e7f]")
LANGS = pytest.mark.parametrize("lang", ["en", "th"])


def expected(lang: str, code: ErrorCode, **params) -> str:
    message = translate(lang, MESSAGES[code], **params)
    if lang == "th":
        assert THAI.search(message), f"no Thai translation for {MESSAGES[code]!r}"
    return message


@pytest.fixture
async def world(gql, garage):
    token = garage.token()
    owner = await create_customer(gql, token, name="Existing Owner", phone="081-111-2222")
    vehicle = await create_vehicle(gql, token, registration="AB12 CDE", vin="1HGCM82633A004352",
                                   ownerId=owner["id"], mileage=1000)
    return {"token": token, "owner": owner, "vehicle": vehicle}


@LANGS
async def test_empty_name_and_bad_fields(gql, db, world, lang):
    before = await snapshot(db)
    body = await gql(CREATE_CUSTOMER, {"input": {"name": "   ", "email": "not-an-email", "phone": "abc",
                                                 "taxId": "123"}}, token=world["token"], lang=lang)
    errors = body["data"]["createCustomer"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("name", "REQUIRED"), ("email", "INVALID_EMAIL"), ("phone", "INVALID_PHONE"), ("taxId", "INVALID_TAX_ID")}
    by_code = {e["code"]: e["message"] for e in errors}
    assert by_code["REQUIRED"] == expected(lang, ErrorCode.REQUIRED)
    assert by_code["INVALID_EMAIL"] == expected(lang, ErrorCode.INVALID_EMAIL)
    update = await gql(UPDATE_CUSTOMER, {"input": {"id": world["owner"]["id"], "name": ""}}, token=world["token"],
                       lang=lang)
    assert [(e["field"], e["message"]) for e in update["data"]["updateCustomer"]["errors"]] == [
        ("name", expected(lang, ErrorCode.REQUIRED))]
    assert await snapshot(db) == before


@LANGS
async def test_malformed_vin(gql, db, world, lang):
    before = await snapshot(db)
    body = await gql(CREATE_VEHICLE, {"input": {"registration": "NEW1", "vin": "IOQ12345678901234"}},
                     token=world["token"], lang=lang)
    assert [(e["field"], e["code"], e["message"]) for e in body["data"]["createVehicle"]["errors"]] == [
        ("vin", "INVALID_VIN", expected(lang, ErrorCode.INVALID_VIN))]
    assert await snapshot(db) == before


@LANGS
async def test_duplicate_registration(gql, db, world, lang):
    before = await snapshot(db)
    body = await gql(CREATE_VEHICLE, {"input": {"registration": "ab12cde", "ownerId": world["owner"]["id"],
                                                "mileage": 20}}, token=world["token"], lang=lang)
    assert [(e["field"], e["code"], e["message"]) for e in body["data"]["createVehicle"]["errors"]] == [
        ("registration", "REGISTRATION_TAKEN",
         expected(lang, ErrorCode.REGISTRATION_TAKEN, registration="ab12cde"))]
    assert await snapshot(db) == before


@LANGS
@pytest.mark.parametrize("query", [CUSTOMERS, VEHICLES])
async def test_page_size_over_the_limit(gql, db, world, lang, query):
    body = await gql(query, {"first": 101}, token=world["token"], lang=lang, expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"] and body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["reason"] == "PAGE_SIZE_TOO_LARGE"
    assert error["message"] == expected(lang, ErrorCode.PAGE_SIZE_TOO_LARGE, max=100)
    negative = await gql(query, {"first": -1}, token=world["token"], lang=lang, expect_errors=True)
    assert error_codes(negative) == ["BAD_USER_INPUT"]
    ok = await gql(query, {"first": 100}, token=world["token"])
    assert len(ok["data"][query.split("{")[1].split("(")[0].strip()]["edges"]) == 1


@LANGS
async def test_ten_thousand_characters(gql, db, world, lang):
    huge = "ก" * 10_000
    before = await snapshot(db)
    too_long = expected(lang, ErrorCode.TOO_LONG, max=200)
    body = await gql(CREATE_CUSTOMER, {"input": {"name": huge, "notes": huge}}, token=world["token"], lang=lang)
    errors = body["data"]["createCustomer"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {("name", "TOO_LONG"), ("notes", "TOO_LONG")}
    assert {e["field"]: e["message"] for e in errors}["name"] == too_long
    body = await gql(CREATE_VEHICLE, {"input": {"registration": huge, "make": huge, "vin": huge}},
                     token=world["token"], lang=lang)
    assert {(e["field"], e["code"]) for e in body["data"]["createVehicle"]["errors"]} == {
        ("registration", "INVALID_REGISTRATION"), ("make", "TOO_LONG"), ("vin", "INVALID_VIN")}
    body = await gql(UPDATE_VEHICLE, {"input": {"id": world["vehicle"]["id"], "notes": huge * 2}},
                     token=world["token"], lang=lang)
    assert [e["code"] for e in body["data"]["updateVehicle"]["errors"]] == ["TOO_LONG"]
    body = await gql(RECORD_MILEAGE, {"input": {"vehicleId": world["vehicle"]["id"], "mileage": 1, "reason": huge}},
                     token=world["token"], lang=lang)
    assert [e["code"] for e in body["data"]["recordMileage"]["errors"]] == ["TOO_LONG"]
    for query in (CUSTOMERS, VEHICLES):
        search = await gql(query, {"search": huge}, token=world["token"], lang=lang, expect_errors=True)
        assert error_codes(search) == ["BAD_USER_INPUT"]
        assert search["errors"][0]["extensions"]["reason"] == "TOO_LONG"
        assert search["errors"][0]["message"] == too_long
    assert await snapshot(db) == before


@LANGS
async def test_wrong_graphql_types_are_refused_before_anything_runs(gql, db, world, lang):
    before = await snapshot(db)
    cases = [
        (CREATE_VEHICLE, {"input": {"registration": "TYPE1", "year": "nineteen"}}),
        (CREATE_VEHICLE, {"input": {"registration": 12345, "mileage": 1.5}}),
        (CREATE_VEHICLE, {"input": {"registration": "TYPE1", "fuel": "STEAM"}}),
        (CREATE_VEHICLE, {"input": {"registration": "TYPE1", "motExpiry": "31/02/2026"}}),
        (CREATE_CUSTOMER, {"input": {"name": ["a"], "consentSms": "yes"}}),
        (CREATE_CUSTOMER, {"input": {}}),
        (RECORD_MILEAGE, {"input": {"vehicleId": world["vehicle"]["id"], "mileage": "lots"}}),
        (RECORD_MILEAGE, {"input": {"vehicleId": world["vehicle"]["id"], "mileage": 2**40}}),
        (CUSTOMERS, {"first": "ten"}),
    ]
    for query, variables in cases:
        body = await gql(query, variables, token=world["token"], lang=lang, expect_errors=True)
        assert body["errors"] and body.get("data") is None, variables
    assert await snapshot(db) == before


@LANGS
async def test_unknown_ids(gql, db, world, lang):
    token = world["token"]
    before = await snapshot(db)
    not_found = expected(lang, ErrorCode.NOT_FOUND)
    for unknown in (str(uuid.uuid4()), "not-a-uuid", ""):
        reads = await gql("query($id: ID!) { customer(id: $id) { id } vehicle(id: $id) { id } }", {"id": unknown},
                          token=token, lang=lang)
        assert reads["data"] == {"customer": None, "vehicle": None}
        cases = [
            (UPDATE_CUSTOMER, "updateCustomer", {"id": unknown, "name": "X"}, "id"),
            (UPDATE_VEHICLE, "updateVehicle", {"id": unknown, "colour": "Red"}, "id"),
            (TRANSFER_VEHICLE, "transferVehicle", {"vehicleId": unknown, "newOwnerId": world["owner"]["id"]},
             "vehicleId"),
            (TRANSFER_VEHICLE, "transferVehicle", {"vehicleId": world["vehicle"]["id"], "newOwnerId": unknown},
             "newOwnerId"),
            (RECORD_MILEAGE, "recordMileage", {"vehicleId": unknown, "mileage": 5}, "vehicleId"),
            (CREATE_VEHICLE, "createVehicle", {"registration": "NEW2", "ownerId": unknown}, "ownerId"),
        ]
        for query, name, variables, field in cases:
            body = await gql(query, {"input": variables}, token=token, lang=lang)
            assert [(e["field"], e["code"], e["message"]) for e in body["data"][name]["errors"]] == [
                (field, "NOT_FOUND", not_found)], (name, variables)
    assert await snapshot(db) == before


@LANGS
async def test_wrong_variable_types_are_reported_as_localized_bad_input(gql, world, lang):
    body = await gql(CREATE_VEHICLE, {"input": {"registration": "TYPE1", "year": "nineteen"}}, token=world["token"],
                     lang=lang, expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    if lang == "th":
        assert THAI.search(body["errors"][0]["message"])
