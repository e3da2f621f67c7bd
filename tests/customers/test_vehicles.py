"""Vehicles over GraphQL: registration and VIN rules, ownership over time, the mileage log, search."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.customers.helpers import (
    CREATE_VEHICLE,
    RECORD_MILEAGE,
    TRANSFER_VEHICLE,
    UPDATE_VEHICLE,
    VEHICLES,
    create_customer,
    create_vehicle,
    snapshot,
)

BY_REG = "query($r: String!) { vehicleByRegistration(registration: $r) { id registration registrationDisplay } }"


async def test_create_vehicle_with_owner_and_mileage(gql, garage):
    token = garage.token()
    owner = await create_customer(gql, token, name="Emily Carter")
    vehicle = await create_vehicle(
        gql, token, registration=" ab12  cde ", vin="wvwzzz1kzaw000001", make="Volkswagen", model="Golf",
        year=2019, colour="Blue", fuel="DIESEL", firstRegistrationDate="2019-03-01", motExpiry="2026-02-28",
        mileage=42000, ownerId=owner["id"], notes="Spare key in office")
    assert vehicle["registration"] == "AB12CDE" and vehicle["registrationDisplay"] == "ab12 cde"
    assert vehicle["vin"] == "WVWZZZ1KZAW000001" and vehicle["fuel"] == "DIESEL" and vehicle["year"] == 2019
    assert vehicle["firstRegistrationDate"] == "2019-03-01" and vehicle["motExpiry"] == "2026-02-28"
    assert vehicle["mileage"] == 42000 and vehicle["mileageRecordedAt"] is not None
    assert vehicle["owner"] == {"id": owner["id"], "name": "Emily Carter"}
    # the payload shows the first ownership and reading the mutation has just written
    assert [o["customer"]["name"] for o in vehicle["ownershipHistory"]] == ["Emily Carter"]
    assert vehicle["ownershipHistory"][0]["endedAt"] is None
    assert [(m["mileage"], m["reason"]) for m in vehicle["mileageLog"]] == [(42000, None)]

    read = (await gql("query($id: ID!) { customer(id: $id) { vehicles { registration owner { name } } } }",
                      {"id": owner["id"]}, token=token))["data"]["customer"]
    assert read == {"vehicles": [{"registration": "AB12CDE", "owner": {"name": "Emily Carter"}}]}


async def test_vehicle_without_owner_or_mileage(gql, garage):
    vehicle = await create_vehicle(gql, garage.token(), registration="KX70 ABC")
    assert vehicle["owner"] is None and vehicle["ownershipHistory"] == [] and vehicle["mileageLog"] == []
    assert vehicle["mileage"] is None and vehicle["vin"] is None


@pytest.mark.parametrize("typed", ["ab12 cde", "AB-12-CDE", "ab.12.cde", " AB12CDE ", "a b 1 2 c d e"])
async def test_registration_lookup_however_it_is_typed(gql, garage, typed):
    token = garage.token()
    created = await create_vehicle(gql, token, registration="AB12 CDE")
    found = (await gql(BY_REG, {"r": typed}, token=token))["data"]["vehicleByRegistration"]
    assert found == {"id": created["id"], "registration": "AB12CDE", "registrationDisplay": "AB12 CDE"}


@pytest.mark.parametrize("typed", ["ZZ99 ZZZ", "", "!!!", "x" * 10_000])
async def test_unknown_registration_is_null(gql, garage, typed):
    await create_vehicle(gql, garage.token(), registration="AB12 CDE")
    assert (await gql(BY_REG, {"r": typed}, token=garage.token()))["data"]["vehicleByRegistration"] is None


async def test_thai_plate(gql, garage):
    token = garage.token()
    vehicle = await create_vehicle(gql, token, registration="1กข 1234")
    assert vehicle["registration"] == "1กข1234" and vehicle["registrationDisplay"] == "1กข 1234"
    assert (await gql(BY_REG, {"r": "1กข-1234"}, token=token))["data"]["vehicleByRegistration"]["id"] == vehicle["id"]
    # Thai digits are the same plate
    assert (await gql(BY_REG, {"r": "๑กข ๑๒๓๔"}, token=token))["data"]["vehicleByRegistration"]["id"] == vehicle["id"]


@pytest.mark.parametrize("registration, code", [
    ("", "REQUIRED"), ("   ", "REQUIRED"), ("AB12/CDE", "INVALID_REGISTRATION"), ("ABCDEFGHIJKLM", "INVALID_REGISTRATION"),
    ("--", "INVALID_REGISTRATION"), ("AB12 CDÉ", "INVALID_REGISTRATION"), ("x" * 10_000, "INVALID_REGISTRATION"),
])
async def test_bad_registration_is_refused(gql, garage, db, registration, code):
    before = await snapshot(db)
    body = await gql(CREATE_VEHICLE, {"input": {"registration": registration}}, token=garage.token())
    payload = body["data"]["createVehicle"]
    assert payload["vehicle"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("registration", code)]
    assert await snapshot(db) == before


@pytest.mark.parametrize("vin, ok", [
    ("1HGCM82633A004352", True), ("1hgcm82633a004352", True), ("1HGCM826-33A004352", True),
    ("1HGCM82633A00435", False), ("1HGCM82633A0043521", False), ("1HGCM82633A00435I", False),
    ("1HGCM82633A00435O", False), ("QHGCM82633A004352", False), ("1HGCM82633A00435!", False),
])
async def test_vin_rules(gql, garage, db, vin, ok):
    before = await snapshot(db)
    body = await gql(CREATE_VEHICLE, {"input": {"registration": "VIN 1", "vin": vin}}, token=garage.token())
    payload = body["data"]["createVehicle"]
    if ok:
        assert payload["errors"] == [] and payload["vehicle"]["vin"] == "1HGCM82633A004352"
    else:
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("vin", "INVALID_VIN")]
        assert await snapshot(db) == before


async def test_vin_is_optional_and_blank_means_none(gql, garage):
    vehicle = await create_vehicle(gql, garage.token(), registration="NOVIN1", vin="  ")
    assert vehicle["vin"] is None


async def test_duplicate_registration_and_vin_are_refused_and_nothing_changes(gql, garage, db):
    token = garage.token()
    owner = await create_customer(gql, token, name="First Owner")
    await create_vehicle(gql, token, registration="AB12 CDE", vin="1HGCM82633A004352", ownerId=owner["id"],
                         mileage=1000)
    before = await snapshot(db)
    body = await gql(CREATE_VEHICLE, {"input": {"registration": "ab-12-cde", "vin": "1hgcm82633a004352",
                                                "ownerId": owner["id"], "mileage": 5}}, token=token)
    payload = body["data"]["createVehicle"]
    assert payload["vehicle"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {("registration", "REGISTRATION_TAKEN"),
                                                                   ("vin", "VIN_TAKEN")}
    messages = {e["code"]: e["message"] for e in payload["errors"]}
    assert messages["REGISTRATION_TAKEN"] == "Registration ab-12-cde is already on file."
    assert await snapshot(db) == before


async def test_the_same_registration_in_another_garage_is_fine(gql, garage, other_garage):
    await create_vehicle(gql, garage.token(), registration="AB12CDE", vin="1HGCM82633A004352")
    other = await create_vehicle(gql, other_garage.token(), registration="AB12CDE", vin="1HGCM82633A004352")
    assert other["registration"] == "AB12CDE"


async def test_update_vehicle_rules_and_versions(gql, garage, db):
    token = garage.token()
    a = await create_vehicle(gql, token, registration="AAA111", year=2010)
    await create_vehicle(gql, token, registration="BBB222", vin="1HGCM82633A004352")
    body = await gql(UPDATE_VEHICLE, {"input": {"id": a["id"], "expectedVersion": 1, "registration": "aaa 112",
                                                "colour": "Red", "year": None, "fuel": "ELECTRIC"}}, token=token)
    updated = body["data"]["updateVehicle"]
    assert updated["errors"] == []
    v = updated["vehicle"]
    assert (v["registration"], v["registrationDisplay"], v["colour"], v["year"], v["fuel"], v["version"]) == (
        "AAA112", "aaa 112", "Red", None, "ELECTRIC", 2)

    before = await snapshot(db)
    clash = await gql(UPDATE_VEHICLE, {"input": {"id": a["id"], "registration": "BBB-222",
                                                 "vin": "1HGCM82633A004352", "year": 1899}}, token=token)
    assert {(e["field"], e["code"]) for e in clash["data"]["updateVehicle"]["errors"]} == {
        ("registration", "REGISTRATION_TAKEN"), ("vin", "VIN_TAKEN"), ("year", "INVALID_YEAR")}
    stale = await gql(UPDATE_VEHICLE, {"input": {"id": a["id"], "expectedVersion": 1, "colour": "Green"}},
                      token=token)
    payload = stale["data"]["updateVehicle"]
    assert [e["code"] for e in payload["errors"]] == ["CONFLICT"]
    assert payload["vehicle"]["colour"] == "Red" and payload["vehicle"]["version"] == 2
    assert await snapshot(db) == before
    # keeping its own registration is not a clash
    same = await gql(UPDATE_VEHICLE, {"input": {"id": a["id"], "registration": "AAA-112", "colour": "Black"}},
                     token=token)
    assert same["data"]["updateVehicle"]["errors"] == []
    assert same["data"]["updateVehicle"]["vehicle"]["registrationDisplay"] == "AAA-112"


@pytest.mark.parametrize("year, ok", [(1900, True), (dt.date.today().year + 1, True), (1899, False),
                                      (dt.date.today().year + 2, False), (-5, False)])
async def test_year_range(gql, garage, year, ok):
    body = await gql(CREATE_VEHICLE, {"input": {"registration": "YR1", "year": year}}, token=garage.token())
    errors = body["data"]["createVehicle"]["errors"]
    assert (errors == []) is ok
    if not ok:
        assert errors[0]["code"] == "INVALID_YEAR" and str(dt.date.today().year + 1) in errors[0]["message"]


async def test_transfer_keeps_past_owners(gql, garage, db):
    token = garage.token()
    alice = await create_customer(gql, token, name="Alice")
    bob = await create_customer(gql, token, name="Bob")
    carol = await create_customer(gql, token, name="Carol")
    vehicle = await create_vehicle(gql, token, registration="TR4NS", ownerId=alice["id"])

    body = await gql(TRANSFER_VEHICLE, {"input": {"vehicleId": vehicle["id"], "newOwnerId": bob["id"],
                                                  "note": "Sold privately"}}, token=token)
    moved = body["data"]["transferVehicle"]
    assert moved["errors"] == [] and moved["vehicle"]["owner"]["name"] == "Bob" and moved["vehicle"]["version"] == 2
    await gql(TRANSFER_VEHICLE, {"input": {"vehicleId": vehicle["id"], "newOwnerId": carol["id"]}}, token=token)

    history = (await gql("""query($id: ID!) { vehicle(id: $id) { owner { name }
        ownershipHistory { customer { name } startedAt endedAt note } } }""", {"id": vehicle["id"]},
                         token=token))["data"]["vehicle"]
    assert history["owner"]["name"] == "Carol"
    rows = history["ownershipHistory"]
    assert [r["customer"]["name"] for r in rows] == ["Alice", "Bob", "Carol"]
    assert [r["note"] for r in rows] == [None, "Sold privately", None]
    assert rows[0]["endedAt"] == rows[1]["startedAt"] and rows[1]["endedAt"] == rows[2]["startedAt"]
    assert rows[2]["endedAt"] is None
    # the vehicle moved between the customers' current vehicles
    lists = (await gql("""query($a: ID!, $c: ID!) { a: customer(id: $a) { vehicles { id } }
        c: customer(id: $c) { vehicles { id } } }""", {"a": alice["id"], "c": carol["id"]}, token=token))["data"]
    assert lists == {"a": {"vehicles": []}, "c": {"vehicles": [{"id": vehicle["id"]}]}}

    before = await snapshot(db)
    again = await gql(TRANSFER_VEHICLE, {"input": {"vehicleId": vehicle["id"], "newOwnerId": carol["id"]}},
                      token=token)
    assert [(e["field"], e["code"]) for e in again["data"]["transferVehicle"]["errors"]] == [
        ("newOwnerId", "ALREADY_OWNER")]
    unknown = await gql(TRANSFER_VEHICLE, {"input": {"vehicleId": vehicle["id"], "newOwnerId": "nope"}},
                        token=token)
    assert [(e["field"], e["code"]) for e in unknown["data"]["transferVehicle"]["errors"]] == [
        ("newOwnerId", "NOT_FOUND")]
    assert await snapshot(db) == before


async def test_transfer_of_a_vehicle_without_owner_opens_the_first_ownership(gql, garage):
    token = garage.token()
    dan = await create_customer(gql, token, name="Dan")
    vehicle = await create_vehicle(gql, token, registration="NOOWN1")
    body = await gql(TRANSFER_VEHICLE, {"input": {"vehicleId": vehicle["id"], "newOwnerId": dan["id"]}}, token=token)
    history = body["data"]["transferVehicle"]["vehicle"]["ownershipHistory"]
    assert [(h["customer"]["name"], h["endedAt"]) for h in history] == [("Dan", None)]


async def test_mileage_decrease_needs_a_reason(gql, garage, db):
    token = garage.token()
    vehicle = await create_vehicle(gql, token, registration="MILE1", mileage=50_000)
    up = await gql(RECORD_MILEAGE, {"input": {"vehicleId": vehicle["id"], "mileage": 52_000}}, token=token)
    assert up["data"]["recordMileage"]["vehicle"]["mileage"] == 52_000

    before = await snapshot(db)
    down = await gql(RECORD_MILEAGE, {"input": {"vehicleId": vehicle["id"], "mileage": 12_000}}, token=token,
                     lang="th")
    payload = down["data"]["recordMileage"]
    assert payload["vehicle"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("reason", "MILEAGE_DECREASE_NEEDS_REASON")]
    assert payload["errors"][0]["message"] == "เลขไมล์ 12000 ต่ำกว่าครั้งก่อน (52000) กรุณาระบุเหตุผล"
    blank = await gql(RECORD_MILEAGE, {"input": {"vehicleId": vehicle["id"], "mileage": 12_000, "reason": "  "}},
                      token=token)
    assert blank["data"]["recordMileage"]["errors"][0]["code"] == "MILEAGE_DECREASE_NEEDS_REASON"
    assert await snapshot(db) == before

    fixed = await gql(RECORD_MILEAGE, {"input": {"vehicleId": vehicle["id"], "mileage": 12_000,
                                                 "reason": "Instrument cluster replaced"}}, token=token)
    v = fixed["data"]["recordMileage"]["vehicle"]
    assert v["mileage"] == 12_000 and v["version"] == 3
    assert [(m["mileage"], m["reason"]) for m in v["mileageLog"]] == [
        (50_000, None), (52_000, None), (12_000, "Instrument cluster replaced")]
    # updateVehicle cannot lower the mileage behind the log's back (it has no mileage field at all)
    body = await gql(UPDATE_VEHICLE, {"input": {"id": vehicle["id"], "mileage": 1}}, token=token,
                     expect_errors=True)
    assert body["errors"] and body.get("data") is None


@pytest.mark.parametrize("mileage", [-1, 2_000_001])
async def test_mileage_out_of_range(gql, garage, db, mileage):
    token = garage.token()
    vehicle = await create_vehicle(gql, token, registration="MILE2")
    before = await snapshot(db)
    body = await gql(RECORD_MILEAGE, {"input": {"vehicleId": vehicle["id"], "mileage": mileage}}, token=token)
    assert [e["code"] for e in body["data"]["recordMileage"]["errors"]] == ["INVALID_MILEAGE"]
    created = await gql(CREATE_VEHICLE, {"input": {"registration": "MILE3", "mileage": mileage}}, token=token)
    assert [e["code"] for e in created["data"]["createVehicle"]["errors"]] == ["INVALID_MILEAGE"]
    assert await snapshot(db) == before


async def _regs(gql, token, search):
    body = await gql(VEHICLES, {"search": search, "first": 100}, token=token)
    return sorted(e["node"]["registration"] for e in body["data"]["vehicles"]["edges"])


async def test_vehicle_search(gql, garage):
    token = garage.token()
    somchai = await create_customer(gql, token, name="สมชาย ใจดี", phone="081-234-5678", email="somchai@mail.th")
    emily = await create_customer(gql, token, name="Emily Carter", email="emily@example.com")
    await create_vehicle(gql, token, registration="1กข 1234", ownerId=somchai["id"], vin="MR0FB8CD5H0123456")
    await create_vehicle(gql, token, registration="AB12 CDE", ownerId=emily["id"])
    await create_vehicle(gql, token, registration="KX70-ABC", vin="WVWZZZ1KZAW000001")

    assert await _regs(gql, token, "ab12 c") == ["AB12CDE"]
    assert await _regs(gql, token, "b-12") == ["AB12CDE"]
    assert await _regs(gql, token, "กข 12") == ["1กข1234"]
    assert await _regs(gql, token, "zaw0") == ["KX70ABC"]
    assert await _regs(gql, token, "ใจดี") == ["1กข1234"]               # the owner's name
    assert await _regs(gql, token, "CARTER") == ["AB12CDE"]
    assert await _regs(gql, token, "234-5678") == ["1กข1234"]           # the owner's phone
    assert await _regs(gql, token, "MAIL.TH") == ["1กข1234"]            # the owner's email
    assert await _regs(gql, token, "nothing") == []
    assert await _regs(gql, token, None) == ["1กข1234", "AB12CDE", "KX70ABC"]


async def test_vehicle_pagination_walks_every_vehicle_once(gql, garage):
    token = garage.token()
    regs = [f"PG{i:02d}X" for i in range(17)]
    for reg in reversed(regs):
        await create_vehicle(gql, token, registration=reg)
    seen = []
    after = None
    while True:
        conn = (await gql(VEHICLES, {"first": 4, "after": after}, token=token))["data"]["vehicles"]
        seen += [e["node"]["registration"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == regs
