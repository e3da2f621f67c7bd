"""Customer.balance: the customer screen's invoices card (balance + the latest 50 invoices) for one customer, and a
page of customers with their balances, for `--customers` customers of `--invoices` issued invoices each, through
the real ASGI app as billing.

    .venv/bin/python bench/customer_balance.py [--customers 50] [--invoices 40] [--rounds 30] [--database-url URL]

Prints, per read, the SQL statements of one request and the mean / median / max milliseconds of `--rounds`
requests after one warm-up. Default database: a fresh SQLite file in a temporary directory (a PostgreSQL URL is
emptied first: never point it at data you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCREEN = """query CustomerInvoices($id: ID!) { customer(id: $id) { id balance }
  invoices(filter: { customerId: $id }, first: 50) {
  edges { node { id number status total balanceDue currency issueDate } } pageInfo { hasNextPage } } }"""
PAGE = "query($n: Int) { customers(first: $n) { edges { node { id name balance } } } }"


async def seed(db, world, site, customers: int, invoices: int):
    """Invoices written as rows (the bench times reads): ISSUED, PARTIALLY_PAID and PAID in turn."""
    import datetime as dt
    from decimal import Decimal

    from backend.billing.models import Invoice, InvoiceStatus
    from backend.core.enums import RevenueStream
    from backend.customers import service as customer_service

    statuses = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
    first = None
    async with db.transaction() as session:
        for c in range(customers):
            customer = await customer_service.create_customer(
                session, world.actor(), customer_service.CustomerInput(name=f"Customer {c:04d}"))
            first = first or customer
            for i in range(invoices):
                status = statuses[i % 3]
                total = 10_000 + 100 * i
                session.add(Invoice(
                    garage_id=world.id, site_id=site.id, customer_id=customer.id, status=status,
                    number=f"INV-B-{c:04d}-{i:04d}", issue_date=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                    revenue_stream=RevenueStream.SPARE_PARTS, currency="THB", tax_label="VAT",
                    tax_rate=Decimal("7"), total=total, paid_total=total if status == InvoiceStatus.PAID else 0,
                    balance_due={InvoiceStatus.ISSUED: total, InvoiceStatus.PARTIALLY_PAID: total // 2}.get(
                        status, 0)))
    return first


async def main(customers: int, invoices: int, rounds: int, database_url: str | None) -> None:
    import httpx
    from sqlalchemy import event

    from backend.app import create_app
    from backend.core.permissions import Role
    from tests.conftest import make_garage, make_settings
    from tests.fresh_db import fresh_schema
    from tests.workshop.helpers import make_site

    app = create_app(make_settings(database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"))
    db = app.state.services.db
    await fresh_schema(db)
    world = await make_garage(app, "Bench Garage")
    customer = await seed(db, world, await make_site(db, world), customers, invoices)
    seen: list[int] = [0]
    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *_: seen.__setitem__(0, seen[0] + 1))
    auth = {"Authorization": f"Bearer {world.token(Role.BILLING)}"}
    reads = {"invoices card (1 customer)": (SCREEN, {"id": str(customer.id)}),
             f"customers(first: {min(customers, 50)}) balance": (PAGE, {"n": min(customers, 50)})}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1)),
                                 base_url="http://bench") as client:
        for label, (query, variables) in reads.items():
            warm = (await client.post("/graphql", json={"query": query, "variables": variables}, headers=auth)).json()
            assert not warm.get("errors"), warm["errors"]
            seen[0] = 0
            ms = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                await client.post("/graphql", json={"query": query, "variables": variables}, headers=auth)
                ms.append((time.perf_counter() - t0) * 1000)
            print(f"{label:34} invoices/customer={invoices:4} statements={seen[0] // rounds:3}  "
                  f"mean {statistics.mean(ms):7.2f} ms  median {statistics.median(ms):7.2f} ms  max {max(ms):7.2f} ms")
    await db.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, default in (("--customers", 50), ("--invoices", 40), ("--rounds", 30)):
        parser.add_argument(flag, type=int, default=default)
    parser.add_argument("--database-url", default=None)
    a = parser.parse_args()
    asyncio.run(main(a.customers, a.invoices, a.rounds, a.database_url))


if __name__ == "__main__":
    cli()
