"""The customer kind (a person or a company: how messages address them), the vehicle fields the Thai duties need
(kind car/motorcycle, compulsory insurance expiry) and the garage's country, over GraphQL; a bad value is refused in
the user's language and changes nothing."""

from __future__ import annotations

import pytest

from tests.customers.helpers import create_customer

KIND = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id kind }
  errors { field code } } }"""
UPDATE_KIND = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { kind }
  errors { field code } } }"""
VEHICLE = """mutation($input: CreateVehicleInput!) { createVehicle(input: $input) { vehicle { id kind insuranceExpiry }
  errors { field code message } } }"""
UPDATE_VEHICLE = """mutation($input: UpdateVehicleInput!) { updateVehicle(input: $input) { vehicle { kind
  insuranceExpiry } errors { field code message } } }"""
COUNTRY = """mutation($c: String) { updateGarageSettings(input: {country: $c}) { garage { country }
  errors { field code message } } }"""


async def test_a_customer_is_a_person_unless_said_to_be_a_company(gql, garage):
    person = (await gql(KIND, {"input": {"name": "Somchai"}}, token=garage.token()))["data"]["createCustomer"]
    assert person == {"customer": {"id": person["customer"]["id"], "kind": "PERSON"}, "errors": []}
    company = (await gql(KIND, {"input": {"name": "สยามมอเตอร์ จำกัด", "kind": "COMPANY"}},
                         token=garage.token()))["data"]["createCustomer"]
    assert company["customer"]["kind"] == "COMPANY"
    body = await gql(UPDATE_KIND, {"input": {"id": person["customer"]["id"], "kind": "COMPANY"}}, token=garage.token())
    assert body["data"]["updateCustomer"] == {"customer": {"kind": "COMPANY"}, "errors": []}
    body = await gql(UPDATE_KIND, {"input": {"id": person["customer"]["id"], "kind": None}}, token=garage.token())
    assert body["data"]["updateCustomer"] == {"customer": None, "errors": [{"field": "kind", "code": "REQUIRED"}]}


@pytest.mark.parametrize("lang,message", [("en", "This value is not valid."), ("th", "ค่านี้ไม่ถูกต้อง")])
async def test_vehicle_kind_and_insurance_expiry(gql, garage, lang, message):
    owner = await create_customer(gql, garage.token(), name="Owner")
    body = await gql(VEHICLE, {"input": {"registration": "1กข 1234", "ownerId": owner["id"], "kind": "MOTORCYCLE",
                                         "insuranceExpiry": "2026-08-31"}}, token=garage.token())
    vehicle = body["data"]["createVehicle"]["vehicle"]
    assert (vehicle["kind"], vehicle["insuranceExpiry"]) == ("MOTORCYCLE", "2026-08-31")
    body = await gql(UPDATE_VEHICLE, {"input": {"id": vehicle["id"], "kind": "CAR", "insuranceExpiry": None}},
                     token=garage.token())
    assert body["data"]["updateVehicle"] == {"vehicle": {"kind": "CAR", "insuranceExpiry": None}, "errors": []}
    body = await gql(UPDATE_VEHICLE, {"input": {"id": vehicle["id"], "insuranceExpiry": "1800-01-01"}},
                     token=garage.token(), lang=lang)
    assert body["data"]["updateVehicle"] == {"vehicle": None, "errors": [
        {"field": "insuranceExpiry", "code": "INVALID_VALUE", "message": message}]}


@pytest.mark.parametrize("lang,message", [("en", "This value is not valid."), ("th", "ค่านี้ไม่ถูกต้อง")])
async def test_the_garage_country(gql, garage, lang, message):
    body = await gql(COUNTRY, {"c": "gb"}, token=garage.token())
    assert body["data"]["updateGarageSettings"] == {"garage": {"country": "GB"}, "errors": []}
    for bad in ("Thailand", "ZZ", "1"):
        body = await gql(COUNTRY, {"c": bad}, token=garage.token(), lang=lang)
        assert body["data"]["updateGarageSettings"] == {"garage": None, "errors": [
            {"field": "country", "code": "INVALID_VALUE", "message": message}]}
    assert (await gql("{ garage { country } }", token=garage.token()))["data"]["garage"]["country"] == "GB"
    body = await gql(COUNTRY, {"c": None}, token=garage.token())
    assert body["data"]["updateGarageSettings"]["garage"] == {"country": None}  # back to the time zone's
