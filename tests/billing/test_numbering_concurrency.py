"""On PostgreSQL, 200 invoices issued at once in separate transactions, a random third of them rolled back after
taking their number, leave the issued numbers consecutive: no gap, no duplicate."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select

from backend.billing.models import Invoice, InvoiceStatus
from backend.billing.service import invoices as service
from backend.billing.service.common import LineInput
from backend.core.permissions import Role
from tests.workshop.helpers import make_site

N = 200


class Abandon(Exception):
    """Raised inside a transaction after the number was taken: the transaction rolls back."""


@pytest.mark.postgresql_only  # row locks under real concurrency
async def test_concurrent_issue_leaves_no_gap(db, garage):
    site = await make_site(db, garage)
    actor = garage.actor(Role.BILLING)
    ids = []
    async with db.transaction() as session:
        for i in range(N):
            invoice = await service.create_invoice(session, actor, service.InvoiceData(
                site_id=site.id, lines=[LineInput(kind="OTHER", description=f"Counter sale {i}", unit_price=1000)]))
            ids.append(invoice.id)
    rng = random.Random(20261121)
    abandon = {invoice_id for invoice_id in ids if rng.random() < 0.33}

    async def issue(invoice_id):
        try:
            async with db.transaction() as session:
                issued = await service.issue_invoice(session, actor, invoice_id)
                assert issued.number is not None
                await asyncio.sleep(rng.random() / 100)  # hold the counter row a moment, as a real request would
                if invoice_id in abandon:
                    raise Abandon
        except Abandon:
            return None
        return invoice_id

    results = await asyncio.gather(*(issue(i) for i in ids))
    committed = {r for r in results if r is not None}
    assert committed == set(ids) - abandon

    async with db.read() as session:
        rows = (await session.execute(select(Invoice).where(Invoice.garage_id == garage.id))).scalars().all()
    issued = [r for r in rows if r.status == InvoiceStatus.ISSUED]
    assert {r.id for r in issued} == committed
    assert all(r.number is None and r.status == InvoiceStatus.DRAFT for r in rows if r.id in abandon)
    sequences = sorted(r.sequence for r in issued)
    assert sequences == list(range(1, len(committed) + 1))  # consecutive from 1: no gap
    assert len({r.number for r in issued}) == len(issued)  # no duplicate
