"""clientMutationId on the reception's mutations: a replay (an offline tablet sending again) changes nothing."""

import asyncio

from sqlalchemy import func, select

from backend.customers.models import Customer, MileageReading

CREATE = """mutation($k: String) { createCustomer(input: {name: "Replay Customer", phone: "0812345678",
  clientMutationId: $k}) { customer { id name } errors { code } } }"""
MILEAGE = """mutation($v: ID!, $k: String) { recordMileage(input: {vehicleId: $v, mileage: 52000, clientMutationId: $k})
  { vehicle { id mileage } errors { code } } }"""


async def _count(db, model):
    async with db.read() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_replayed_create_returns_the_first_customer(gql, garage, db):
    first = await gql(CREATE, {"k": "tablet-1:op-1"}, token=garage.token())
    again = await gql(CREATE, {"k": "tablet-1:op-1"}, token=garage.token())
    assert again["data"]["createCustomer"] == first["data"]["createCustomer"]
    assert await _count(db, Customer) == 1
    other = await gql(CREATE, {"k": "tablet-1:op-2"}, token=garage.token())
    assert other["data"]["createCustomer"]["customer"]["id"] != first["data"]["createCustomer"]["customer"]["id"]


async def test_concurrent_replays_take_effect_once(gql, garage, db):
    bodies = await asyncio.gather(*(gql(CREATE, {"k": "tablet-2:op-9"}, token=garage.token()) for _ in range(4)))
    ids = {b["data"]["createCustomer"]["customer"]["id"] for b in bodies}
    assert len(ids) == 1 and await _count(db, Customer) == 1


async def test_replayed_mileage_is_logged_once(gql, garage, db):
    customer = (await gql(CREATE, {"k": None}, token=garage.token()))["data"]["createCustomer"]["customer"]
    vehicle = await gql('mutation($o: ID!) { createVehicle(input: {registration: "RP1", ownerId: $o, mileage: 50000}) '
                        '{ vehicle { id } } }', {"o": customer["id"]}, token=garage.token())
    vid = vehicle["data"]["createVehicle"]["vehicle"]["id"]
    for _ in range(3):
        body = await gql(MILEAGE, {"v": vid, "k": "phone-7:op-3"}, token=garage.token())
        assert body["data"]["recordMileage"] == {"vehicle": {"id": vid, "mileage": 52000}, "errors": []}
    assert await _count(db, MileageReading) == 2  # the first reading at creation, then one
