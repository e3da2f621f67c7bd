"""Two garages never see each other's customers and vehicles; roles get exactly their share."""

from __future__ import annotations

from backend.core.permissions import Role
from tests.conftest import error_codes
from tests.customers.helpers import (
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


async def test_another_garage_is_invisible_to_every_query_and_mutation(gql, db, garage, other_garage):
    theirs_token = other_garage.token()
    their_customer = await create_customer(gql, theirs_token, name="Their Customer", phone="099-999-9999",
                                           email="their@example.com")
    their_vehicle = await create_vehicle(gql, theirs_token, registration="TH31 RRR", vin="1HGCM82633A004352",
                                         ownerId=their_customer["id"], mileage=10)
    token = garage.token()
    mine = await create_customer(gql, token, name="My Customer")
    my_vehicle = await create_vehicle(gql, token, registration="MY12 AAA", ownerId=mine["id"])
    before = await snapshot(db)

    # queries: null or absent
    ids = {"c": their_customer["id"], "v": their_vehicle["id"]}
    reads = await gql("query($c: ID!, $v: ID!) { customer(id: $c) { id } vehicle(id: $v) { id } "
                      "vehicleByRegistration(registration: \"TH31RRR\") { id } }", ids, token=token)
    assert reads["data"] == {"customer": None, "vehicle": None, "vehicleByRegistration": None}
    for search in (None, "Their", "099-999", "their@", "TH31", "1HGCM"):
        customers = (await gql(CUSTOMERS, {"search": search, "first": 100}, token=token))["data"]["customers"]
        vehicles = (await gql(VEHICLES, {"search": search, "first": 100}, token=token))["data"]["vehicles"]
        assert their_customer["id"] not in {e["node"]["id"] for e in customers["edges"]}
        assert their_vehicle["id"] not in {e["node"]["id"] for e in vehicles["edges"]}
    # mutations: NOT_FOUND, and nothing changes
    attempts = [
        (UPDATE_CUSTOMER, "updateCustomer", {"id": their_customer["id"], "name": "Hijacked"}, "id"),
        (UPDATE_VEHICLE, "updateVehicle", {"id": their_vehicle["id"], "colour": "Pink"}, "id"),
        (TRANSFER_VEHICLE, "transferVehicle", {"vehicleId": their_vehicle["id"], "newOwnerId": mine["id"]},
         "vehicleId"),
        (TRANSFER_VEHICLE, "transferVehicle", {"vehicleId": my_vehicle["id"], "newOwnerId": their_customer["id"]},
         "newOwnerId"),
        (RECORD_MILEAGE, "recordMileage", {"vehicleId": their_vehicle["id"], "mileage": 5, "reason": "x"},
         "vehicleId"),
        (CREATE_VEHICLE, "createVehicle", {"registration": "NEW9", "ownerId": their_customer["id"]}, "ownerId"),
    ]
    for query, name, variables, field in attempts:
        body = await gql(query, {"input": variables}, token=token)
        assert [(e["field"], e["code"]) for e in body["data"][name]["errors"]] == [(field, "NOT_FOUND")], name
    assert await snapshot(db) == before
    # and they still see their own
    theirs = await gql("query($c: ID!) { customer(id: $c) { name vehicles { registration mileage } } }",
                       {"c": their_customer["id"]}, token=theirs_token)
    assert theirs["data"]["customer"] == {"name": "Their Customer",
                                          "vehicles": [{"registration": "TH31RRR", "mileage": 10}]}


async def test_technician_finds_the_vehicle_but_not_its_owner(gql, garage):
    owner = await create_customer(gql, garage.token(), name="Private Person", phone="081-000-0000")
    vehicle = await create_vehicle(gql, garage.token(), registration="AB12 CDE", ownerId=owner["id"], mileage=100)
    tech = garage.token(Role.TECHNICIAN)

    body = await gql('{ vehicleByRegistration(registration: "ab12 cde") { id registration mileage '
                     'mileageLog { mileage } } }', token=tech)
    assert body["data"]["vehicleByRegistration"] == {"id": vehicle["id"], "registration": "AB12CDE", "mileage": 100,
                                                     "mileageLog": [{"mileage": 100}]}
    body = await gql('{ vehicleByRegistration(registration: "ab12 cde") { registration owner { name phone } } }',
                     token=tech, lang="th", expect_errors=True)
    assert body["data"]["vehicleByRegistration"] == {"registration": "AB12CDE", "owner": None}
    assert error_codes(body) == ["FORBIDDEN"] and body["errors"][0]["path"] == ["vehicleByRegistration", "owner"]
    assert body["errors"][0]["message"] == "คุณไม่มีสิทธิ์ทำรายการนี้"
    # nor through the ownership history
    body = await gql('{ vehicleByRegistration(registration: "AB12CDE") { ownershipHistory { customer { name } } } }',
                     token=tech, expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]
    assert "Private Person" not in str(body)
    # the technician records mileage but cannot browse or change customers
    body = await gql(RECORD_MILEAGE, {"input": {"vehicleId": vehicle["id"], "mileage": 150}}, token=tech)
    assert body["data"]["recordMileage"]["vehicle"]["mileage"] == 150
    for query in ("{ customers { edges { node { name } } } }",
                  'mutation { createCustomer(input: {name: "X"}) { errors { code } } }',
                  f'mutation {{ updateVehicle(input: {{id: "{vehicle["id"]}", colour: "Red"}}) {{ errors {{ code }} }} }}'):
        assert error_codes(await gql(query, token=tech, expect_errors=True)) == ["FORBIDDEN"]


async def test_roles_and_anonymous(gql, garage):
    await create_customer(gql, garage.token(), name="Someone")
    query = "{ customers { edges { node { name } } } vehicles { edges { node { id } } } }"
    for role, allowed in [(Role.SITE_MANAGER, True), (Role.WORKSHOP_MANAGER, True), (Role.BILLING, True),
                          (Role.WAREHOUSE_MANAGER, False)]:
        body = await gql(query, token=garage.token(role), expect_errors=True)
        assert (body.get("errors") is None) is allowed, role
    assert error_codes(await gql(query, expect_errors=True)) == ["UNAUTHENTICATED"]
    # billing keeps customers' tax details but does not edit vehicles
    body = await gql('mutation { createVehicle(input: {registration: "B1"}) { errors { code } } }',
                     token=garage.token(Role.BILLING), expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]
