"""A year of billing for a busy garage, inserted in bulk (executemany batches, not through the API).

    .venv/bin/python bench/seed_invoices.py --database-url URL [--invoices 10000] [--year 2025]

Three sites, 2,000 customers (a tenth of them companies that withhold 3 % of the pre-VAT amount), invoices spread
over the year's days with 2-8 lines each (labour with billed hours, parts with a cost, the odd discount), amounts
worked out with core.money like billing does; most invoices paid (one or two payments, by every method), some
part-paid, some open, a few voided, about one in a hundred with a credit note. Deterministic for a given --seed.
A second, small garage gets the same treatment so that every query must filter by garage.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

import backend.models  # noqa: E402,F401 - every table known (foreign keys across domains)
from backend.accounts.models import Garage, Site, User  # noqa: E402
from backend.billing.models import (  # noqa: E402
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Payment,
    PaymentMethod,
)
from backend.core.db import Database  # noqa: E402
from backend.core.enums import Locale, OperationsStream, RevenueStream  # noqa: E402
from backend.core.ids import new_id  # noqa: E402
from backend.core.money import line_amounts  # noqa: E402
from backend.core.permissions import Role  # noqa: E402
from backend.core.security import hash_password  # noqa: E402
from backend.customers.models import Customer  # noqa: E402
from tests.fresh_db import fresh_schema  # noqa: E402

BATCH = 2000
BENCH_EMAIL = "bench.billing@bench.example"
BENCH_PASSWORD = "bench-password"
LABOUR = ["Brake pads replaced", "Full service", "Clutch replacement", "Diagnostics", "Wheel alignment",
          "Panel beating", "Respray bumper", "Alternator fitted", "Headlight wiring", "Seat upholstery repair"]
PARTS = ["Oil filter", "Engine oil 5W-30 (1 L)", "Brake pads (set)", "Spark plug", "Air filter", "Battery 60Ah",
         "Wiper blade", "Timing belt", "Coolant (1 L)", "Tyre 205/55R16"]
METHODS = [PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER, PaymentMethod.QR, PaymentMethod.OTHER]
METHOD_WEIGHTS = [30, 25, 25, 18, 2]


async def reset(db: Database) -> None:
    await fresh_schema(db)


async def _insert(conn, table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        await conn.execute(table.insert(), rows[i:i + BATCH])


def _book(rng: random.Random, garage_id, sites, customers, companies, invoices: int, year: int):
    """Rows for invoices, lines, payments and credit notes (dicts for executemany)."""
    start = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - start).days
    inv_rows, line_rows, pay_rows, cn_rows = [], [], [], []
    today = dt.date(year + 1, 1, 15)
    per_day = sorted(rng.randrange(days) for _ in range(invoices))
    for seq, offset in enumerate(per_day, start=1):
        issue = start + dt.timedelta(days=offset)
        invoice_id = new_id()
        customer = rng.choice(customers)
        company = customer in companies
        revenue = rng.choices(list(RevenueStream), [45, 40, 15])[0]
        ops = None if revenue is RevenueStream.SPARE_PARTS else rng.choice(list(OperationsStream))
        subtotal = tax_total = total = 0
        labour_net = 0
        for pos in range(rng.randint(2, 8)):
            labour = ops is not None and (pos == 0 or rng.random() < 0.4)
            if labour:
                hours = Decimal(rng.choice(["0.5", "1", "1.5", "2", "3", "4.25"]))
                price, qty, cost, billed = 80000, hours, None, hours
            else:
                qty = Decimal(rng.choice([1, 1, 1, 2, 4]))
                price = rng.randrange(5000, 600000, 25)
                cost, billed = int(price * 0.6), None
            discount = rng.choice([0] * 9 + [int(price * qty) // 20])
            a = line_amounts(qty, price, discount, Decimal(7), False)
            subtotal, tax_total, total = subtotal + a.net, tax_total + a.tax, total + a.total
            if labour:
                labour_net += a.net
            line_rows.append(dict(
                id=new_id(), garage_id=garage_id, invoice_id=invoice_id, position=pos,
                kind=LineKind.LABOUR if labour else LineKind.PART,
                description=rng.choice(LABOUR if labour else PARTS), quantity=qty, unit_price=price,
                discount=discount, net=a.net, tax=a.tax, total=a.total, billed_hours=billed, unit_cost=cost))
        due = issue + dt.timedelta(days=30 if company else 0)
        roll = rng.random()
        status = InvoiceStatus.PAID
        paid = withheld = credited = refunded = 0
        paid_at = None
        if roll < 0.02:
            status = InvoiceStatus.VOID
        else:
            withholding = round(labour_net * 0.03) if company else 0
            if roll < 0.85 or issue < today - dt.timedelta(days=120):
                parts = [total - withholding] if rng.random() < 0.8 else [(total - withholding) // 2,
                                                                          total - withholding - (total - withholding) // 2]
            elif roll < 0.93:
                parts = [(total - withholding) // 3]
            else:
                parts, withholding = [], 0
            pay_day = issue
            for n, amount in enumerate(parts):
                pay_day = min(pay_day + dt.timedelta(days=rng.randint(0, 40 if company else 3)), today)
                w = withholding if n == 0 else 0
                pay_rows.append(dict(id=new_id(), garage_id=garage_id, invoice_id=invoice_id, amount=amount,
                                     withholding_amount=w, method=rng.choices(METHODS, METHOD_WEIGHTS)[0],
                                     paid_on=pay_day, reference=f"REF{seq}-{n}" if rng.random() < 0.3 else None,
                                     created_at=dt.datetime.combine(pay_day, dt.time(5), dt.UTC)))
                paid += amount
                withheld += w
            if rng.random() < 0.01:
                cn_net = subtotal // 4
                cn_tax = line_amounts(1, cn_net, 0, Decimal(7), False).tax
                refund = cn_net + cn_tax if paid + withheld >= total else 0
                cn_day = min(issue + dt.timedelta(days=rng.randint(1, 20)), today)
                cn_rows.append(dict(id=new_id(), garage_id=garage_id, invoice_id=invoice_id, number=f"CN-{year}-{seq:06d}",
                                    year=year, sequence=seq, issue_date=cn_day, reason="Goodwill", currency="THB",
                                    subtotal=cn_net, tax_total=cn_tax, total=cn_net + cn_tax, refund_amount=refund,
                                    refund_method=PaymentMethod.TRANSFER if refund else None,
                                    created_at=dt.datetime.combine(cn_day, dt.time(6), dt.UTC)))
                credited, refunded = cn_net + cn_tax, refund
            balance = total - paid - withheld - credited + refunded
            if balance <= 0:
                status, paid_at = InvoiceStatus.PAID, dt.datetime.combine(pay_day, dt.time(5), dt.UTC)
            elif paid:
                status = InvoiceStatus.PARTIALLY_PAID
            else:
                status = InvoiceStatus.ISSUED
        inv_rows.append(dict(
            id=invoice_id, garage_id=garage_id, site_id=rng.choice(sites), customer_id=customer,
            status=status, number=f"INV-{year}-{seq:06d}", year=year, sequence=seq, issue_date=issue, due_date=due,
            revenue_stream=revenue, operations_stream=ops, locale=Locale.TH, currency="THB", tax_label="VAT",
            tax_rate=Decimal(7), prices_include_tax=False, subtotal=subtotal, tax_total=tax_total, total=total,
            paid_total=paid, withholding_total=withheld, credited_total=credited, refunded_total=refunded,
            balance_due=max(balance, 0) if status is not InvoiceStatus.VOID else 0,
            buyer_name=None, paid_at=paid_at, version=1,
            issued_at=dt.datetime.combine(issue, dt.time(4), dt.UTC),
            created_at=dt.datetime.combine(issue, dt.time(3), dt.UTC),
            updated_at=dt.datetime.combine(issue, dt.time(3), dt.UTC)))
    return inv_rows, line_rows, pay_rows, cn_rows


async def seed(url: str, invoices: int = 10000, year: int = 2025, rng_seed: int = 7) -> dict:
    """Reset the database, load the book; returns the bench garage's id, the sign-in and row counts."""
    db = Database(url)
    await reset(db)
    rng = random.Random(rng_seed)
    counts = {}
    t0 = time.perf_counter()
    try:
        async with db.write_engine.begin() as conn:
            result = None
            for name, n, email in (("Bench Garage", invoices, BENCH_EMAIL), ("Other Garage", invoices // 20, None)):
                garage_id = new_id()
                now = dt.datetime.now(dt.UTC)
                await conn.execute(Garage.__table__.insert(), [dict(
                    id=garage_id, name=name, currency="THB", time_zone="Asia/Bangkok", default_locale=Locale.TH,
                    tax_label="VAT", tax_rate=Decimal(7), prices_include_tax=False, version=1, created_at=now,
                    updated_at=now)])
                sites = [new_id() for _ in range(3)]
                await _insert(conn, Site.__table__, [dict(id=s, garage_id=garage_id, name=f"Site {i}", active=True,
                                                          created_at=now, updated_at=now)
                                                     for i, s in enumerate(sites)])
                customers = [new_id() for _ in range(max(50, invoices // 5))]
                await _insert(conn, Customer.__table__, [dict(
                    id=c, garage_id=garage_id, name=f"Customer {i:05d}", email=f"c{i}@example.com", version=1,
                    created_at=now, updated_at=now) for i, c in enumerate(customers)])
                companies = set(customers[: len(customers) // 10])
                inv, lines, pays, cns = _book(rng, garage_id, sites, customers, companies, n, year)
                await _insert(conn, Invoice.__table__, inv)
                await _insert(conn, InvoiceLine.__table__, lines)
                await _insert(conn, Payment.__table__, pays)
                await _insert(conn, CreditNote.__table__, cns)
                if email:
                    await conn.execute(User.__table__.insert(), [dict(
                        id=new_id(), garage_id=garage_id, email=email, name="Bench billing",
                        password_hash=hash_password(BENCH_PASSWORD), role=Role.BILLING, streams=[], active=True,
                        created_at=now, updated_at=now)])
                    result = {"garage_id": garage_id, "email": email, "sites": sites}
                    counts = {"invoices": len(inv), "lines": len(lines), "payments": len(pays),
                              "credit_notes": len(cns)}
        if url.startswith("postgresql"):
            async with db.write_engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
    finally:
        await db.dispose()
    result["counts"] = counts
    result["seconds"] = time.perf_counter() - t0
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--invoices", type=int, default=10000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out = await seed(args.database_url, args.invoices, args.year, args.seed)
    print(f"seeded {out['counts']} in {out['seconds']:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
