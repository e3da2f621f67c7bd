"""Service rules called directly, as the CLI and other domains do."""

from __future__ import annotations

import asyncio

import pytest

from backend.core.errors import DomainError, ErrorCode
from backend.customers import service
from tests.customers.helpers import row_counts


@pytest.mark.parametrize("typed, stored", [("ab12 cde", "AB12CDE"), ("AB-12-CDE", "AB12CDE"), ("a.b 1-2", "AB12"),
                                           ("1กข 1234", "1กข1234"), ("๑กข ๑๒๓๔", "1กข1234"), ("", "")])
def test_normalize_registration(typed, stored):
    assert service.normalize_registration(typed) == stored


@pytest.mark.parametrize("field", ["registration", "vin"])
async def test_two_people_entering_the_same_vehicle_at_once(db, garage, field):
    """The check before insert cannot see an uncommitted row; the unique constraint is the backstop."""
    actor = garage.actor()

    def data(n: int) -> service.VehicleInput:
        if field == "registration":
            return service.VehicleInput(registration="RACE 1")
        return service.VehicleInput(registration=f"RACE{n}", vin="1HGCM82633A004352")

    async def second():
        async with db.transaction() as session:
            return await service.create_vehicle(session, actor, data(2))

    async with db.transaction() as session:
        await service.create_vehicle(session, actor, data(1))
        racer = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # the second writer is now waiting on us (row lock or SQLite write lock)
        assert not racer.done()
    with pytest.raises(DomainError) as caught:
        await racer
    expected = ErrorCode.REGISTRATION_TAKEN if field == "registration" else ErrorCode.VIN_TAKEN
    assert caught.value.code == expected and caught.value.field == field
    assert (await row_counts(db))["vehicles"] == 1


async def test_update_vehicle_owner_goes_through_the_history(db, garage):
    actor = garage.actor()
    async with db.transaction() as session:
        a = await service.create_customer(session, actor, service.CustomerInput(name="A"))
        b = await service.create_customer(session, actor, service.CustomerInput(name="B"))
        vehicle = await service.create_vehicle(session, actor, service.VehicleInput(registration="OWN1",
                                                                                    owner_id=a.id))
        await service.update_vehicle(session, actor, vehicle.id, service.VehicleInput(owner_id=b.id))
        await service.update_vehicle(session, actor, vehicle.id, service.VehicleInput(owner_id=None))
        assert vehicle.owner_id is None and vehicle.version == 3
    assert (await row_counts(db))["vehicle_ownerships"] == 2
    from sqlalchemy import select

    from backend.customers.models import VehicleOwnership

    async with db.read() as s:
        rows = list((await s.execute(select(VehicleOwnership).order_by(VehicleOwnership.started_at))).scalars())
    assert [r.customer_id for r in rows] == [a.id, b.id] and all(r.ended_at is not None for r in rows)


async def test_update_vehicle_mileage_cannot_go_down_without_recordmileage(db, garage):
    actor = garage.actor()
    async with db.transaction() as session:
        vehicle = await service.create_vehicle(session, actor, service.VehicleInput(registration="M1", mileage=100))
        await service.update_vehicle(session, actor, vehicle.id, service.VehicleInput(mileage=150))
        with pytest.raises(DomainError) as caught:
            await service.update_vehicle(session, actor, vehicle.id, service.VehicleInput(mileage=90))
        assert caught.value.code == ErrorCode.MILEAGE_DECREASE_NEEDS_REASON
        assert vehicle.mileage == 150
    assert (await row_counts(db))["mileage_readings"] == 2
