"""One read session per query operation: its resolvers and loader batches share one pool checkout (they take turns
statement by statement), while a mutation keeps its own transaction."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from tests.customers.test_statements import _seed

NESTED = """query($n: Int) { vehicles(first: $n) { edges { node { registration owner { name vehicles { id } }
    ownershipHistory { customer { name } } mileageLog { mileage } } } } }"""


@contextlib.contextmanager
def counting_checkouts(db):
    checkouts: list[int] = []

    def checkout(*_args) -> None:
        checkouts.append(1)

    for engine in db.engines:
        event.listen(engine.sync_engine, "checkout", checkout)
    try:
        yield checkouts
    finally:
        for engine in db.engines:
            event.remove(engine.sync_engine, "checkout", checkout)


async def test_a_query_reads_through_one_session(gql, db, garage, auth_cache, count_statements):
    await _seed(db, garage, 20)
    token = garage.token()
    await gql("{ __typename }", token=token)  # the sign-in is cached from here on
    with counting_checkouts(db) as checkouts, count_statements() as counter:
        body = await gql(NESTED, {"n": 20}, token=token)
    assert len(body["data"]["vehicles"]["edges"]) == 20
    assert all(e["node"]["owner"]["name"] for e in body["data"]["vehicles"]["edges"])
    # five statements (vehicles, owners, owners' vehicles, ownership history, mileage log), one checkout
    assert counter.count == 5, counter.statements
    assert len(checkouts) == 1
    # a mutation and the query after it each get theirs; nothing is left checked out
    body = await gql('mutation { createCustomer(input: {name: "After"}) { customer { id } errors { code } } }',
                     token=token)
    assert body["data"]["createCustomer"]["errors"] == []
    with counting_checkouts(db) as checkouts:
        body = await gql("{ customers(first: 50) { edges { node { name vehicles { id } } } } }", token=token)
    assert "After" in {e["node"]["name"] for e in body["data"]["customers"]["edges"]}
    assert len(checkouts) == 1
    for engine in db.engines:
        assert engine.sync_engine.pool.checkedout() == 0
