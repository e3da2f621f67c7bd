"""The outbox view and customers' communication history answer in a constant number of SQL statements: the same for
1 and 10 rows (and 1 and 10 customers, each with their messages)."""

from __future__ import annotations

from sqlalchemy import update

from backend.core.permissions import Role
from backend.customers import service as customers
from backend.notifications.models import Channel, Notification, NotificationStatus
from backend.notifications.outbox import enqueue

NOTIFICATIONS = """query($n: Int!) { notifications(status: SENT, first: $n) { edges { node { id event channel
  channelLabel status attempts subject body lastError recipient customerId userId sentAt createdAt } }
  pageInfo { hasNextPage endCursor } } }"""
COMMUNICATIONS = """query($n: Int!) { customers(first: $n) { edges { node { name communications(first: 3) {
  edges { node { event channel channelLabel status subject sentAt } } pageInfo { hasNextPage } } } } } }"""


async def _seed(db, garage, customers_count: int) -> None:
    """`customers_count` customers, each with 4 sent mails."""
    async with db.transaction() as session:
        for i in range(customers_count):
            customer = await customers.create_customer(session, garage.actor(), customers.CustomerInput(
                name=f"Customer {i:03d}", email=f"c{i}@example.com", consent_email=True))
            for k in range(4):
                await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.EMAIL, locale="en",
                              context={"registration": f"R{k}"}, customer_id=customer.id)
        await session.execute(update(Notification).values(status=NotificationStatus.SENT, subject="Ready"))


async def test_statement_counts_do_not_grow_with_rows(app, db, gql, garage, count_statements):
    token = garage.token(Role.ADMIN)
    counts: dict[str, dict[int, int]] = {"notifications": {}, "communications": {}}
    seeded = 0
    for n in (1, 10):
        await _seed(db, garage, n - seeded)
        seeded = n
        with count_statements() as counter:
            body = await gql(NOTIFICATIONS, {"n": n}, token=token)
        edges = body["data"]["notifications"]["edges"]
        assert len(edges) == n and {e["node"]["status"] for e in edges} == {"SENT"}
        assert body["data"]["notifications"]["pageInfo"]["hasNextPage"] is True
        counts["notifications"][n] = counter.count
        with count_statements() as counter:
            body = await gql(COMMUNICATIONS, {"n": n}, token=token)
        nodes = [e["node"] for e in body["data"]["customers"]["edges"]]
        assert len(nodes) == n
        assert all(len(c["communications"]["edges"]) == 3 and c["communications"]["pageInfo"]["hasNextPage"]
                   for c in nodes)
        assert nodes[0]["communications"]["edges"][0]["node"]["channelLabel"] == "email"
        counts["communications"][n] = counter.count
    for name, by_n in counts.items():
        assert len(set(by_n.values())) == 1, (name, by_n)
