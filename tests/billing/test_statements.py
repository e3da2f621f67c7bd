"""The number of SQL statements of the invoice and quote lists does not grow with the number of documents."""

from __future__ import annotations

import uuid

from backend.billing.service import invoices as invoice_service
from backend.billing.service import payments
from backend.billing.service import quotes as quote_service
from backend.billing.service.common import LineInput
from backend.core.permissions import Role
from backend.customers import service as customers
from tests.workshop.helpers import make_site

INVOICES = """query($n: Int) { invoices(first: $n) { edges { node { id number status total balanceDueText
  lines { description total } payments { amount } creditNotes { number } customer { name }
  vehicle { registration } site { name } } } pageInfo { hasNextPage } } }"""
QUOTES = """query($n: Int) { quotes(first: $n) { edges { node { id number total lines { description decision }
  customer { name } vehicle { registration deferredWork { description } } } } } }"""


async def _seed(db, garage, site, n: int) -> None:
    actor = garage.actor(Role.BILLING)
    async with db.transaction() as session:
        for i in range(n):
            owner = await customers.create_customer(session, actor, customers.CustomerInput(name=f"Owner {i}"))
            vehicle = await customers.create_vehicle(session, actor, customers.VehicleInput(
                registration=f"ST{uuid.uuid4().hex[:6].upper()}", owner_id=owner.id))
            lines = [LineInput(kind="LABOUR", description="Service", unit_price=150000),
                     LineInput(kind="PART", description="Filter", unit_price=25000, quantity="2")]
            invoice = await invoice_service.create_invoice(session, actor, invoice_service.InvoiceData(
                site_id=site.id, vehicle_id=vehicle.id, lines=lines))
            await invoice_service.issue_invoice(session, actor, invoice.id)
            await payments.record_payment(session, actor, invoice.id, payments.PaymentData(
                amount=1000, method="CASH"))
            await quote_service.create_quote(session, actor, quote_service.QuoteData(
                site_id=site.id, vehicle_id=vehicle.id, lines=lines))


async def test_statement_count_constant(gql, db, garage, count_statements):
    site = await make_site(db, garage)
    token = garage.token(Role.BILLING)
    counts: dict[str, dict[int, int]] = {"invoices": {}, "quotes": {}}
    seeded = 0
    for n in (1, 10, 100):
        await _seed(db, garage, site, n - seeded)
        seeded = n
        with count_statements() as counter:
            body = await gql(INVOICES, {"n": n}, token=token)
        edges = body["data"]["invoices"]["edges"]
        assert len(edges) == n and all(len(e["node"]["lines"]) == 2 for e in edges)
        assert edges[0]["node"]["customer"]["name"].startswith("Owner") and edges[0]["node"]["payments"] == [
            {"amount": 1000}]
        counts["invoices"][n] = counter.count
        with count_statements() as counter:
            body = await gql(QUOTES, {"n": n}, token=token)
        assert len(body["data"]["quotes"]["edges"]) == n
        counts["quotes"][n] = counter.count
    for name, by_n in counts.items():
        assert len(set(by_n.values())) == 1, (name, by_n)
