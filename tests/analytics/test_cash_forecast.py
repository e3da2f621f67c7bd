"""The garage's cash, the forecasts and the imported repair orders, each equal to the figure worked out by hand.

On the hand-made month (tests/analytics/helpers.py) the live invoices owe, tax 7 % on top:
  j0 (c1) 42,800 = 400.00 + 7 %      j7 (c4) 53,500      j1 (c1) 417,300 = (1,500.00 + 2 x 1,200.00) + 7 %
  j2 (c2) 64,200 = 856.00 less its credit note of 214.00      j3 (c1) 53,500      j4 (c3) 235,400
  j5 is voided: it owes nothing. Due dates are set so that as of 31 July 2026 they are 30, 31, 60, 61, 90 and 91
  days past due (j0, j7, j1, j2, j3, j4): the edges of every age bucket; a month earlier (1 July), 0 to 61.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from backend.analytics import cash
from backend.analytics import facts
from backend.analytics import kpis as k
from backend.analytics.models import Expense
from backend.billing.models import Invoice
from backend.billing.service import payments
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from tests.analytics.helpers import hand_month, local, move_dates
from tests.conftest import error_codes

AGING = """query($d: Date) { cashReceivables(asOf: $d) { asOf currency
  total { invoices current days1To30 days31To60 days61To90 over90 total }
  customers { customerId customerName invoices current days1To30 days31To60 days61To90 over90 total } } }"""
MONTH = """query($d: Date) { cashMonth(asOf: $d) { month asOf openingBalance received expectedIncoming
  expectedInvoices expenses { day expense { id category amount recurring } } expensesTotal supplierDeliveries
  projected method } }"""
CREATE = """mutation($i: CreateExpenseInput!) { createExpense(input: $i) { expense { id amount version }
  errors { field code message } } }"""
UPDATE = """mutation($i: UpdateExpenseInput!) { updateExpense(input: $i) { expense { id amount version }
  errors { field code message } } }"""
OPENING = """mutation($i: SetCashOpeningInput!) { setCashOpening(input: $i) { month amount errors { code } } }"""

JULY_31 = dt.date(2026, 7, 31)


def buckets(row) -> tuple:
    return (row["current"], row["days1To30"], row["days31To60"], row["days61To90"], row["over90"], row["total"])


async def due_at_the_edges(db, m) -> None:
    ages = {"j0": 30, "j7": 31, "j1": 60, "j2": 61, "j3": 90, "j4": 91}
    async with db.transaction() as session:
        for key, age in ages.items():
            (await session.get(Invoice, m.invoices[key].id)).due_date = JULY_31 - dt.timedelta(days=age)


async def test_receivables_by_age_and_the_month_end(app, db, gql, garage, other_garage, count_statements):
    m = await hand_month(db, garage)
    await due_at_the_edges(db, m)
    admin = garage.token(Role.ADMIN)
    body = (await gql(AGING, {"d": "2026-07-31"}, token=admin))["data"]["cashReceivables"]
    assert body["asOf"] == "2026-07-31" and body["currency"] == "THB"
    # day 30 is 1-30, 31 and 60 are 31-60, 61 and 90 are 61-90, 91 is over 90; the voided j5 is nowhere
    assert body["total"]["invoices"] == 6
    assert buckets(body["total"]) == (0, 42800, 53500 + 417300, 64200 + 53500, 235400, 866700)
    by_customer = {r["customerName"]: r for r in body["customers"]}
    assert [r["customerName"] for r in body["customers"]] == ["Customer c1", "Customer c3", "Customer c2",
                                                               "Customer c4"]  # largest balance first
    assert buckets(by_customer["Customer c1"]) == (0, 42800, 417300, 53500, 0, 513600)
    assert by_customer["Customer c1"]["invoices"] == 3
    assert buckets(by_customer["Customer c2"]) == (0, 0, 0, 64200, 0, 64200)  # 85,600 less the credit note
    assert buckets(by_customer["Customer c3"]) == (0, 0, 0, 0, 235400, 235400)  # j5 (c3) voided: not counted
    assert buckets(by_customer["Customer c4"]) == (0, 0, 53500, 0, 0, 53500)
    # a month earlier the same invoices are 0, 1, 30, 31, 60 and 61 days past due
    earlier = (await gql(AGING, {"d": "2026-07-01"}, token=admin))["data"]["cashReceivables"]
    assert buckets(earlier["total"]) == (42800, 53500 + 417300, 64200 + 53500, 235400, 0, 866700)

    # July: 35.00 received on j7 on the 1st; j0 (due 1 July) is the one invoice falling due in the rest of it
    async with db.transaction() as session:
        await payments.record_payment(session, garage.actor(Role.BILLING), m.invoices["j7"].id, payments.PaymentData(
            amount=3500, method="CASH", paid_on=dt.date(2026, 7, 1)))
    site = str(m.site.id)
    expenses = [
        {"category": "RENT", "amount": 2000000, "spentOn": "2026-01-31", "recurring": True,
         "description": "Shop rent"},  # monthly on the 31st: 31 July (30 June in June)
        {"category": "WAGES", "amount": 5000000, "spentOn": "2026-07-05", "siteId": site},
        {"category": "UTILITIES", "amount": 300000, "spentOn": "2026-06-15"},  # June: not July's
        {"category": "OTHER", "amount": 100000, "spentOn": "2026-02-10", "recurring": True,
         "endsOn": "2026-06-30"},  # ended before July
    ]
    ids = []
    for e in expenses:
        made = (await gql(CREATE, {"i": e}, token=admin))["data"]["createExpense"]
        assert made["errors"] == [] and made["expense"]["amount"] == e["amount"]
        ids.append(made["expense"]["id"])
    assert (await gql(OPENING, {"i": {"month": "2026-07-09", "amount": 1000000}}, token=admin)
            )["data"]["setCashOpening"] == {"month": "2026-07-01", "amount": 1000000, "errors": []}
    july = (await gql(MONTH, {"d": "2026-07-01"}, token=admin))["data"]["cashMonth"]
    assert (july["month"], july["openingBalance"], july["received"]) == ("2026-07-01", 1000000, 3500)
    assert (july["expectedIncoming"], july["expectedInvoices"]) == (42800, 1)
    assert [(x["day"], x["expense"]["category"]) for x in july["expenses"]] == [("2026-07-05", "WAGES"),
                                                                                ("2026-07-31", "RENT")]
    assert july["expensesTotal"] == 7000000 and july["supplierDeliveries"] == 0
    assert july["projected"] == 1000000 + 3500 + 42800 - 7000000  # -5,953,700
    th = (await gql(MONTH, {"d": "2026-07-01"}, token=admin, lang="th"))["data"]["cashMonth"]
    assert th["method"] != july["method"] and "ยอดเงินต้นเดือน" in th["method"]
    # June: the rent on the 30th, the utilities and the other monthly expense (until 30 June); no opening set
    async with db.read() as session:
        june = await cash.cash_month(session, garage.actor(Role.ADMIN), as_of=dt.date(2026, 6, 30))
    assert [(d, e.category.value) for e, d in june.expenses] == [
        (dt.date(2026, 6, 10), "OTHER"), (dt.date(2026, 6, 15), "UTILITIES"), (dt.date(2026, 6, 30), "RENT")]
    assert june.opening_balance is None and june.expenses_total == 100000 + 300000 + 2000000
    # after the payment j7 owes 50,000: the aging moves with it
    after = (await gql(AGING, {"d": "2026-07-31"}, token=admin))["data"]["cashReceivables"]
    assert buckets(after["total"])[2] == 50000 + 417300

    # bad input: refused in the reader's language, nothing stored
    bad = (await gql(CREATE, {"i": {"category": "RENT", "amount": 0, "spentOn": "2026-07-01"}}, token=admin,
                     lang="th"))["data"]["createExpense"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("amount", "INVALID_VALUE")]
    assert bad["errors"][0]["message"] and bad["errors"][0]["message"].isascii() is False  # in Thai
    ends = (await gql(CREATE, {"i": {"category": "RENT", "amount": 5, "spentOn": "2026-07-01",
                                     "endsOn": "2026-08-01"}}, token=admin))["data"]["createExpense"]
    assert [e["code"] for e in ends["errors"]] == ["INVALID_VALUE"]  # an end only for a monthly expense
    changed = (await gql(UPDATE, {"i": {"id": ids[1], "category": "WAGES", "amount": 4500000,
                                        "spentOn": "2026-07-05", "expectedVersion": 1}}, token=admin)
               )["data"]["updateExpense"]
    assert changed["expense"] == {"id": ids[1], "amount": 4500000, "version": 2}
    stale = (await gql(UPDATE, {"i": {"id": ids[1], "category": "WAGES", "amount": 1, "spentOn": "2026-07-05",
                                      "expectedVersion": 1}}, token=admin))["data"]["updateExpense"]
    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"] and stale["expense"]["amount"] == 4500000
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Expense).where(
            Expense.garage_id == garage.id))).scalar_one() == 4

    # the garage's money is for admins only
    for role in (Role.SITE_MANAGER, Role.BILLING, Role.WORKSHOP_MANAGER, Role.TECHNICIAN, Role.WAREHOUSE_MANAGER):
        for query, variables in ((AGING, {"d": "2026-07-31"}), (MONTH, {"d": "2026-07-01"}),
                                 (CREATE, {"i": expenses[1]}), (OPENING, {"i": {"month": "2026-07-01",
                                                                               "amount": 1}})):
            refused = await gql(query, variables, token=garage.token(role), expect_errors=True)
            assert error_codes(refused) == ["FORBIDDEN"], (role, query[:30])
    # another garage sees none of it and cannot touch this garage's expense
    theirs = (await gql(AGING, {"d": "2026-07-31"}, token=other_garage.token(Role.ADMIN)))["data"]
    assert theirs["cashReceivables"]["customers"] == [] and theirs["cashReceivables"]["total"]["total"] == 0
    their_month = (await gql(MONTH, {"d": "2026-07-01"}, token=other_garage.token(Role.ADMIN)))["data"]["cashMonth"]
    assert (their_month["openingBalance"], their_month["expenses"], their_month["received"]) == (None, [], 0)
    cross = (await gql(UPDATE, {"i": {"id": ids[1], "category": "OTHER", "amount": 1, "spentOn": "2026-07-05"}},
                       token=other_garage.token(Role.ADMIN)))["data"]["updateExpense"]
    assert [(e["field"], e["code"]) for e in cross["errors"]] == [("id", "NOT_FOUND")]
    async with db.read() as session:
        assert (await session.get(Expense, uuid.UUID(ids[1]))).amount == 4500000

    # statements: the same for six invoices and four expenses as for a garage with none
    async def counted(token, query, variables) -> int:
        with count_statements() as counter:
            await gql(query, variables, token=token)
        return counter.count

    for query, variables in ((AGING, {"d": "2026-07-31"}), (MONTH, {"d": "2026-07-01"})):
        assert await counted(admin, query, variables) == await counted(other_garage.token(Role.ADMIN), query,
                                                                       variables)


SEASONAL = """query($d: Date) { kpiSeasonalForecast(asOf: $d) { asOf recentSales recentSalesYearBefore trend
  months { month sameMonthLastYear forecast } method } }"""
CAPACITY = """query($d: Date, $t: ID) { kpiCapacity(asOf: $d, technicianId: $t) { method
  weeks { from to availableHours bookedHours freeHours load } } }"""


async def test_next_three_months_and_capacity(app, db, gql, garage, count_statements):
    from backend.scheduling.models import Allocation, Appointment, AppointmentStatus, Bay, BayKind

    m = await hand_month(db, garage)
    # j0 (400.00) moves to May 2025, so the same month a year before May 2026 has sales
    await move_dates(db, m.jobs["j0"].id, created=local(dt.date(2025, 5, 10), 9), invoiced=dt.date(2025, 5, 15),
                     clocked=None)
    async with db.transaction() as session:
        await facts.refresh_dirty(session, garage.id)
    admin = garage.token(Role.ADMIN)
    body = (await gql(SEASONAL, {"d": "2026-04-15"}, token=admin))["data"]["kpiSeasonalForecast"]
    # the last three full months (Jan-Mar 2026): March's 720,000; the same months of 2025: j7's 50,000
    assert (body["recentSales"], body["recentSalesYearBefore"], body["trend"]) == (720000, 50000, 14.4)
    assert body["months"] == [
        {"month": "2026-05-01", "sameMonthLastYear": 40000, "forecast": 576000},  # 40,000 x 14.4
        {"month": "2026-06-01", "sameMonthLastYear": 0, "forecast": None},
        {"month": "2026-07-01", "sameMonthLastYear": 0, "forecast": None}]
    th = (await gql(SEASONAL, {"d": "2026-04-15"}, token=admin, lang="th"))["data"]["kpiSeasonalForecast"]
    assert th["method"] != body["method"] and "ปีที่แล้ว" in th["method"]

    # capacity from Monday 2 March 2026: T1 and T2 work Mon-Fri 08:00-17:00 less an hour: 40 h a week each.
    # Booked: 2 h on 3 March (T2, confirmed), 3 h on 10 March (T1, requested); a cancelled 2 h does not count
    async with db.transaction() as session:
        bay = Bay(garage_id=garage.id, site_id=m.site.id, name="Lift 1", kind=list(BayKind)[0],
                  streams=["MECHANICAL"])
        session.add(bay)
        await session.flush()
        for status, tech, day, hours in ((AppointmentStatus.CONFIRMED, m.t2, 3, 2),
                                         (AppointmentStatus.REQUESTED, m.t1, 10, 3),
                                         (AppointmentStatus.CANCELLED, m.t2, 4, 2)):
            booking = Appointment(garage_id=garage.id, site_id=m.site.id, vehicle_id=m.vehicles["v2"].id,
                                  stream=OperationsStream.MECHANICAL, status=status)
            session.add(booking)
            await session.flush()
            session.add(Allocation(garage_id=garage.id, site_id=m.site.id, appointment_id=booking.id, bay_id=bay.id,
                                   technician_id=tech.id, starts_at=local(dt.date(2026, 3, day), 9),
                                   ends_at=local(dt.date(2026, 3, day), 9 + hours)))
    weeks = (await gql(CAPACITY, {"d": "2026-03-02"}, token=admin))["data"]["kpiCapacity"]["weeks"]
    assert [(w["from"], w["to"]) for w in weeks] == [("2026-03-02", "2026-03-08"), ("2026-03-09", "2026-03-15"),
                                                     ("2026-03-16", "2026-03-22"), ("2026-03-23", "2026-03-29")]
    assert [(w["availableHours"], w["bookedHours"], w["freeHours"], w["load"]) for w in weeks] == [
        (80.0, 2.0, 78.0, 0.025), (80.0, 3.0, 77.0, 0.0375), (80.0, 0.0, 80.0, 0.0), (80.0, 0.0, 80.0, 0.0)]
    t2 = (await gql(CAPACITY, {"d": "2026-03-02", "t": str(m.t2.id)}, token=admin))["data"]["kpiCapacity"]
    assert [(w["availableHours"], w["bookedHours"]) for w in t2["weeks"]][:2] == [(40.0, 2.0), (40.0, 0.0)]
    assert t2["method"]
    # a technician does not read the garage's figures
    assert error_codes(await gql(CAPACITY, {"d": "2026-03-02"}, token=garage.token(Role.TECHNICIAN),
                                 expect_errors=True)) == ["FORBIDDEN"]
    # statements: the same four weeks ahead with bookings and shifts as a quiet month without any
    with count_statements() as busy:
        await gql(CAPACITY, {"d": "2026-03-02"}, token=admin)
    with count_statements() as quiet:
        await gql(CAPACITY, {"d": "2027-09-06"}, token=admin)
    assert busy.count == quiet.count


async def test_imported_repair_orders_count_and_are_labelled(app, db, gql, garage):
    from tests.integrations.imports.helpers import csv_bytes, run

    m = await hand_month(db, garage)
    rows = [["Visit", "Plate", "Date", "Mechanic", "Hours", "Labour", "Parts"],
            ["H1", m.vehicles["v2"].registration, "2026-03-18", "Tech Two", "2", "1,000.00", "500.00"],
            ["H2", m.vehicles["v5"].registration, "2026-03-19", "Nobody Here", "1.5", "600.00", ""],
            ["H3", m.vehicles["v5"].registration, "2025-12-01", "Tech Two", "1", "100.00", ""],  # not March
            ["H4", m.vehicles["v3"].registration, "2026-03-20", "", "", "400.00", ""]]  # no hours in the file
    _, outcome = await run(db, garage, "service_history", csv_bytes(rows), mapping={
        "Visit": "source_id", "Plate": "registration", "Date": "visited_on", "Mechanic": "technician",
        "Hours": "billed_hours", "Labour": "labour_amount", "Parts": "parts_amount"})
    assert outcome.created == 4
    async with db.read() as session:
        assert await facts.has_dirty(session, garage.id)  # the finished import waits to become facts

    async def report(group):
        async with db.transaction() as session:
            await facts.refresh_dirty(session, garage.id)
        async with db.read() as session:
            return await k.kpi_report(session, garage.actor(Role.ADMIN), group=group, kind=k.PeriodKind.MONTH,
                                      date=dt.date(2026, 3, 1))

    whole = await report(k.Group.GARAGE)
    [row] = whole.rows
    values = {v.kpi: v.current.value for v in row.values}
    # the four invoiced jobs of March (j1-j4: 5.5 h billed, 6.0 h clocked, labour 360,000, parts 360,000 at a cost
    # of 255,000, labour cost 165,000, j1 inspected and came back) and three imported visits: H1 2 h, labour
    # 100,000 + parts 50,000; H2 1.5 h, labour 60,000; H4 labour 40,000 and no hours
    assert (row.jobs, row.imported_jobs) == (7, 3)
    assert values[k.Kpi.INVOICED_JOBS] == 7
    assert values[k.Kpi.SALES] == Decimal(720000 + 100000 + 50000 + 60000 + 40000)
    assert values[k.Kpi.AVERAGE_REPAIR_ORDER] == Decimal(138571)  # 970,000 / 7 = 138,571.4
    assert values[k.Kpi.CAR_COUNT] == 4  # v1, v2, v3 and v5 (v2 and v3 imported too)
    assert values[k.Kpi.HOURS_PER_REPAIR_ORDER] == Decimal("1.50")  # (5.5 + 2 + 1.5) / 6: H4 has no hours
    # labour (360,000 + 100,000 + 60,000) / (5.5 + 2 + 1.5) h = 57,777.8: H4's labour has no hours to divide
    assert values[k.Kpi.EFFECTIVE_LABOUR_RATE] == Decimal(57778)
    # what divides by clocked or scheduled time, or needs costs, inspections or comebacks: the native jobs alone
    # (the hand month's own figures, as if nothing had been imported)
    assert values[k.Kpi.EFFICIENCY] == Decimal("0.9167")  # 5.5 / 6.0 (imported: 9.0 / 6.0 = 1.5)
    assert values[k.Kpi.PROFICIENCY] == Decimal("0.0156")  # 5.5 / 352 (imported: 9.0 / 352)
    assert values[k.Kpi.PRODUCTIVITY] == Decimal("0.0185")  # 6.5 / 352
    assert values[k.Kpi.PARTS_GROSS_PROFIT] == Decimal("0.2917")  # (360,000 - 255,000) / 360,000
    assert values[k.Kpi.LABOUR_GROSS_PROFIT] == Decimal("0.5417")  # (360,000 - 165,000) / 360,000
    assert values[k.Kpi.INSPECTION_RATE] == Decimal("0.25")  # 1 of 4 (not of 7)
    assert values[k.Kpi.COMEBACK_RATE] == Decimal("0.25")
    by_tech = await report(k.Group.TECHNICIAN)
    t2 = next(r for r in by_tech.rows if r.key == m.t2.id)
    assert (t2.jobs, t2.imported_jobs) == (3, 1)  # j2, j4 and H1 (Tech Two); H2's name matches no one
    t2v = {v.kpi: v.current.value for v in t2.values}
    assert t2v[k.Kpi.EFFICIENCY] == Decimal("1")  # j2 + j4: 2.5 / 2.5 (with H1's 2 h: 1.8)
    assert t2v[k.Kpi.HOURS_PER_REPAIR_ORDER] == Decimal("1.50")  # (1.0 + 1.5 + 2) / 3
    unassigned = next(r for r in by_tech.rows if r.key is None)
    assert (unassigned.jobs, unassigned.imported_jobs) == (2, 2)  # H2 and H4
    uv = {v.kpi: v.current.value for v in unassigned.values}
    assert uv[k.Kpi.EFFICIENCY] is None and uv[k.Kpi.INSPECTION_RATE] is None  # nothing to divide
    body = await gql("""query { kpis(period: {kind: MONTH, date: "2026-03-01"}) { rows { jobs importedJobs } } }""",
                     token=garage.token(Role.ADMIN))
    assert body["data"]["kpis"]["rows"] == [{"jobs": 7, "importedJobs": 3}]
    async with db.read() as session:
        assert not await facts.has_dirty(session, garage.id)  # synced: reads no longer recount

    # from scratch: the same figures, imported ones included
    before = [await report(g) for g in (k.Group.GARAGE, k.Group.TECHNICIAN, k.Group.SITE)]
    async with db.transaction() as session:
        counts = await facts.rebuild(session, garage.id)
    assert counts["imported"] == 4 and counts["jobs"] == 6
    assert [await report(g) for g in (k.Group.GARAGE, k.Group.TECHNICIAN, k.Group.SITE)] == before

    # the service advisor of a job is on the Job type: j4's is the admin (set in the hand month)
    body = await gql("query($id: ID!) { job(id: $id) { advisor { id } } }", {"id": str(m.jobs["j4"].id)},
                     token=garage.token(Role.SITE_MANAGER))
    assert body["data"]["job"]["advisor"]["id"] == str(garage.users[Role.ADMIN].id)
    body = await gql("query($id: ID!) { job(id: $id) { advisor { id } } }", {"id": str(m.jobs["j1"].id)},
                     token=garage.token(Role.SITE_MANAGER))
    assert body["data"]["job"]["advisor"]["id"] == str(garage.users[Role.SITE_MANAGER].id)


async def test_supplier_deliveries_are_the_months_payables(app, db, gql, garage):
    from backend.inventory import service as inventory
    from backend.purchasing import service as purchasing

    wm = garage.actor(Role.WAREHOUSE_MANAGER)
    async with db.transaction() as s:
        item = await inventory.create_item(s, wm, inventory.ItemInput(
            sku="BRK-" + uuid.uuid4().hex[:6], name_en="Brake pads", cost_price=100, sale_price=200))
        supplier = await purchasing.create_supplier(s, wm, purchasing.SupplierInput(name="Siam Auto Parts"))
        order = await purchasing.create_order(s, wm, supplier.id, [purchasing.OrderLineInput(item.id, 20, 130)])
        await purchasing.submit_order(s, wm, order.id)
        await purchasing.send_order(s, wm, order.id)
        (line,) = await purchasing.order_lines(s, wm, order.id)
    async with db.transaction() as s:  # 5 at 1.30, then 7 more at 1.51 received by mistake and undone
        await purchasing.receive_order(s, wm, order.id, [purchasing.ReceiptLineInput(line.id, 5)])
        (wrong,) = await purchasing.receive_order(s, wm, order.id, [purchasing.ReceiptLineInput(line.id, 7, 151)])
        await purchasing.reverse_receipt(s, wm, wrong.id, "Counted twice")
    month = (await gql(MONTH, {}, token=garage.token(Role.ADMIN)))["data"]["cashMonth"]  # this month, today
    assert month["supplierDeliveries"] == 5 * 130  # 7 x 151 received and reversed: nothing
    assert month["projected"] == -650 and month["openingBalance"] is None


async def test_supplier_deliveries_per_site_are_those_of_its_warehouse(app, db, gql, garage):
    """A site's month counts the deliveries of the orders sent to its own warehouse; the garage's counts them all
    (the central warehouse's included)."""
    from backend.inventory import service as inventory
    from backend.inventory import stock
    from backend.purchasing import service as purchasing
    from tests.workshop.test_tasks_helpers import make_site

    north, south = await make_site(db, garage, "North"), await make_site(db, garage, "South")
    wm = garage.actor(Role.WAREHOUSE_MANAGER)
    async with db.transaction() as s:
        item = await inventory.create_item(s, wm, inventory.ItemInput(
            sku="FLT-" + uuid.uuid4().hex[:6], name_en="Oil filter", cost_price=100, sale_price=200))
        supplier = await purchasing.create_supplier(s, wm, purchasing.SupplierInput(name="Bangkok Filters"))
        north_wh = (await stock.site_warehouse(s, garage.id, north.id)).id
        await stock.site_warehouse(s, garage.id, south.id)
    received = {}
    for name, warehouse, qty, cost in (("north", north_wh, 4, 250), ("central", None, 3, 1000)):
        async with db.transaction() as s:
            order = await purchasing.create_order(s, wm, supplier.id, [purchasing.OrderLineInput(item.id, 10, cost)],
                                                  warehouse_id=warehouse)
            await purchasing.submit_order(s, wm, order.id)
            await purchasing.send_order(s, wm, order.id)
            (line,) = await purchasing.order_lines(s, wm, order.id)
        async with db.transaction() as s:
            await purchasing.receive_order(s, wm, order.id, [purchasing.ReceiptLineInput(line.id, qty)])
        received[name] = qty * cost
    query = """query($s: ID) { cashMonth(siteId: $s) { supplierDeliveries projected } }"""
    admin = garage.token(Role.ADMIN)
    whole = (await gql(query, {}, token=admin))["data"]["cashMonth"]
    assert whole["supplierDeliveries"] == 4 * 250 + 3 * 1000
    at_north = (await gql(query, {"s": str(north.id)}, token=admin))["data"]["cashMonth"]
    assert at_north == {"supplierDeliveries": 1000, "projected": -1000}
    at_south = (await gql(query, {"s": str(south.id)}, token=admin))["data"]["cashMonth"]
    assert at_south == {"supplierDeliveries": 0, "projected": 0}
