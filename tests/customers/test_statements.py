"""The number of SQL statements of a nested read does not grow with the number of rows."""

from __future__ import annotations

import pytest

from backend.customers import service

NESTED = "query($n: Int) { customers(first: $n) { edges { node { vehicles { owner { name } } } } } }"
# 1 to authenticate the token, 1 for the page of customers, 1 for all their vehicles (the owners are the customers
# already loaded: the loader is primed with them).
EXPECTED = 3


async def _seed(db, garage, n: int) -> None:
    actor = garage.actor()
    async with db.transaction() as session:
        for i in range(n):
            customer = await service.create_customer(session, actor, service.CustomerInput(name=f"Customer {i:03d}"))
            for j in range(1 + i % 2):
                await service.create_vehicle(session, actor, service.VehicleInput(
                    registration=f"N{i:03d}V{j}", owner_id=customer.id, mileage=1000 * i))


async def test_nested_customers_vehicles_owner_statement_count(gql, db, garage, count_statements):
    await _seed(db, garage, 100)
    counts = {}
    for n in (1, 10, 100):
        with count_statements() as counter:
            body = await gql(NESTED, {"n": n}, token=garage.token())
        edges = body["data"]["customers"]["edges"]
        assert len(edges) == n
        assert all(v["owner"]["name"] == e["node"]["vehicles"][0]["owner"]["name"] and v["owner"]["name"]
                   for e in edges for v in e["node"]["vehicles"])
        assert sum(len(e["node"]["vehicles"]) for e in edges) == sum(1 + i % 2 for i in range(n))
        counts[n] = counter.count
    assert counts == {1: EXPECTED, 10: EXPECTED, 100: EXPECTED}


@pytest.mark.parametrize("n", [1, 10, 100])
async def test_vehicle_list_with_owner_history_and_mileage(gql, db, garage, count_statements, n):
    await _seed(db, garage, 100)
    query = """query($n: Int) { vehicles(first: $n) { edges { node { registration owner { name vehicles { id } }
        ownershipHistory { customer { name } } mileageLog { mileage } } } } }"""
    with count_statements() as counter:
        body = await gql(query, {"n": n}, token=garage.token())
    assert len(body["data"]["vehicles"]["edges"]) == n
    # auth, vehicles, owners, owners' vehicles, ownership history, mileage log (history's customers are cached)
    assert counter.count == 6, counter.statements
