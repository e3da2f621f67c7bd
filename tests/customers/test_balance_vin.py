"""Customer.balance from the server (what the customer owes on issued, unpaid invoices, in the garage's currency,
for those who read invoices, in a constant number of statements) and the VIN check digit enforced by the API for
North American and Chinese VINs only, as the app's vin.ts decides."""

from __future__ import annotations

import pytest

from backend.billing.service import invoices as invoice_service
from backend.billing.service import payments as payment_service
from backend.billing.service.common import LineInput
from backend.billing.service.credit_notes import void_invoice
from backend.core.permissions import Permission as P
from backend.core.permissions import Role, permissions_for_role
from backend.customers import service
from backend.customers.vin import check_digit_applies, check_digit_ok, expected_check_digit
from tests.customers.helpers import CREATE_VEHICLE, UPDATE_VEHICLE, create_vehicle, snapshot
from tests.workshop.helpers import make_site

BALANCE = "query($id: ID!) { customer(id: $id) { name balance } }"
BALANCES = "query($n: Int) { customers(first: $n) { edges { node { name balance } } } }"


async def _invoice(db, garage, site, customer_id, price: int, *, issue: bool = True, paid: int = 0,
                   void: bool = False):
    actor = garage.actor()
    async with db.transaction() as session:
        invoice = await invoice_service.create_invoice(session, actor, invoice_service.InvoiceData(
            site_id=site.id, customer_id=customer_id, lines=[LineInput(kind="OTHER", description="Work",
                                                                       quantity="1", unit_price=price)]))
        if issue:
            invoice = await invoice_service.issue_invoice(session, actor, invoice.id)
        if paid:
            await payment_service.record_payment(session, actor, invoice.id, payment_service.PaymentData(
                amount=paid, method="CASH"))
        if void:
            await void_invoice(session, actor, invoice.id, "Billed by mistake")
    async with db.read() as s:
        from backend.billing.models import Invoice

        return await s.get(Invoice, invoice.id)


async def _customer(db, garage, name: str):
    async with db.transaction() as session:
        return await service.create_customer(session, garage.actor(), service.CustomerInput(name=name))


async def test_balance_sums_issued_unpaid_invoices_only(gql, db, garage, other_garage):
    site = await make_site(db, garage)
    somchai = await _customer(db, garage, "Somchai Jaidee")
    issued = await _invoice(db, garage, site, somchai.id, 107000)
    part_paid = await _invoice(db, garage, site, somchai.id, 53500, paid=20000)
    await _invoice(db, garage, site, somchai.id, 99900, issue=False)  # a draft owes nothing yet
    await _invoice(db, garage, site, somchai.id, 10000, void=True)  # voided
    full = await _invoice(db, garage, site, somchai.id, 32100)
    async with db.transaction() as session:  # paid in full
        await payment_service.record_payment(session, garage.actor(), full.id, payment_service.PaymentData(
            amount=full.total, method="TRANSFER"))
    expected = issued.balance_due + part_paid.balance_due
    assert part_paid.balance_due == part_paid.total - 20000 and expected > 0
    for role in (Role.ADMIN, Role.BILLING, Role.SITE_MANAGER):
        body = await gql(BALANCE, {"id": str(somchai.id)}, token=garage.token(role))
        assert body["data"]["customer"]["balance"] == expected, (role, body)
    # a customer who owes nothing: 0, not null
    nobody = await _customer(db, garage, "Nobody Owes")
    body = await gql(BALANCE, {"id": str(nobody.id)}, token=garage.token())
    assert body["data"]["customer"]["balance"] == 0
    # another garage never sees it (the customer is unknown there)
    body = await gql(BALANCE, {"id": str(somchai.id)}, token=other_garage.token())
    assert body["data"]["customer"] is None


NOT_BILLING_READERS = [r for r in Role if P.CUSTOMERS_READ in permissions_for_role(r)
                       and P.INVOICES_READ not in permissions_for_role(r)]


@pytest.mark.parametrize("role", NOT_BILLING_READERS)
async def test_balance_is_forbidden_without_invoices_read(gql, db, garage, role):
    site = await make_site(db, garage)
    somchai = await _customer(db, garage, "Somchai Jaidee")
    await _invoice(db, garage, site, somchai.id, 107000)
    body = await gql(BALANCE, {"id": str(somchai.id)}, token=garage.token(role), expect_errors=True)
    assert body["data"]["customer"] == {"name": "Somchai Jaidee", "balance": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_balance_statement_count_is_the_same_for_1_and_10_customers(gql, db, garage, count_statements):
    site = await make_site(db, garage)
    owed = {}
    for i in range(10):
        customer = await _customer(db, garage, f"Customer {i:02d}")
        owed[customer.name] = 0
        for j in range(i % 3):
            owed[customer.name] += (await _invoice(db, garage, site, customer.id, 10000 * (i + j + 1))).balance_due
    counts = {}
    for n in (1, 10):
        with count_statements() as counter:
            body = await gql(BALANCES, {"n": n}, token=garage.token(Role.BILLING))
        nodes = [e["node"] for e in body["data"]["customers"]["edges"]]
        assert len(nodes) == n and {x["name"]: x["balance"] for x in nodes} == {
            x["name"]: owed[x["name"]] for x in nodes}
        counts[n] = counter.count
    # auth, the page of customers, one for every balance
    assert counts == {1: 3, 10: 3}, counts


# ------------------------------------------------------------------------------------------------ VIN check digit

# VINs as printed on vehicles: a 2003 Honda Accord built in the USA, the NHTSA's sample VIN (check digit X), two
# Tesla Model 3s built in Shanghai (2021, check digit 9; 2024, check digit X); a Volkswagen from Germany and a Toyota
# from Thailand, whose 9th character is the maker's own.
NORTH_AMERICAN = ["1HGCM82633A004352", "1M8GDM9AXKP042788"]
CHINESE = ["LRW3E7FA9MC239068", "LRW3E7EKXRC152510"]
ELSEWHERE = ["WVWZZZ1KZAW000001", "MR0FB8CD5H0123456"]


def _wrong(vin: str) -> str:
    right = expected_check_digit(vin)
    return vin[:8] + ("1" if right == "0" else "0") + vin[9:]


def test_the_rule_matches_known_vins():
    assert expected_check_digit("1HGCM82633A004352") == "3"
    assert expected_check_digit("1M8GDM9AXKP042788") == "X"
    assert [expected_check_digit(v) for v in CHINESE] == ["9", "X"]
    assert all(check_digit_applies(v) for v in NORTH_AMERICAN + CHINESE)
    assert not any(check_digit_applies(v) for v in ELSEWHERE)
    assert check_digit_ok(_wrong("WVWZZZ1KZAW000001"))  # never refused outside North America and China


@pytest.mark.parametrize("vin", NORTH_AMERICAN + CHINESE)
@pytest.mark.parametrize("lang, text", [
    ("en", "VIN {vin}: its check digit (the 9th character) does not match; look for a mistyped character."),
    ("th", "เลขตัวถัง (VIN) {vin}: เลขตรวจสอบ (ตัวที่ 9) ไม่ตรง โปรดตรวจดูว่าพิมพ์ผิดตัวใด"),
])
async def test_a_wrong_check_digit_is_refused_in_the_readers_language_and_nothing_saved(gql, db, garage, vin,
                                                                                       lang, text):
    wrong = _wrong(vin)
    before = await snapshot(db)
    body = await gql(CREATE_VEHICLE, {"input": {"registration": "CHK 1", "vin": wrong.lower()}},
                     token=garage.token(Role.SITE_MANAGER), lang=lang)
    payload = body["data"]["createVehicle"]
    assert payload["vehicle"] is None
    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
        ("vin", "VIN_CHECK_DIGIT", text.format(vin=wrong))]
    assert await snapshot(db) == before
    # the right one is saved
    saved = await create_vehicle(gql, garage.token(Role.SITE_MANAGER), registration="CHK 1", vin=vin)
    assert saved["vin"] == vin
    # and an edit to a wrong one is refused too, leaving the VIN as it was
    before = await snapshot(db)
    body = await gql(UPDATE_VEHICLE, {"input": {"id": saved["id"], "vin": wrong}}, token=garage.token(), lang=lang)
    assert [e["code"] for e in body["data"]["updateVehicle"]["errors"]] == ["VIN_CHECK_DIGIT"]
    assert await snapshot(db) == before


@pytest.mark.parametrize("vin", ELSEWHERE)
async def test_other_regions_are_never_refused_for_the_check_digit(gql, garage, vin):
    for i, candidate in enumerate((vin, _wrong(vin))):
        saved = await create_vehicle(gql, garage.token(), registration=f"EU {i}", vin=candidate)
        assert saved["vin"] == candidate


# ------------------------------------------------------------------------------------------------ the demo garage


async def test_demo_companies_are_companies_and_every_demo_vin_passes(app, db, database_url):
    from sqlalchemy import select

    from backend.customers.models import Customer, CustomerKind, Vehicle
    from backend.demo import CORPORATE_ADDRESSES, seed_demo
    from backend.notifications.messages import salutation

    assert await seed_demo(database_url) is True
    async with db.read() as s:
        kinds = {c.name: c.kind for c in (await s.execute(select(Customer))).scalars()}
        vins = [x.vin for x in (await s.execute(select(Vehicle))).scalars() if x.vin]
    companies = {name for name, kind in kinds.items() if kind == CustomerKind.COMPANY}
    assert companies == set(CORPORATE_ADDRESSES) and "Bangkok Fleet Services Co., Ltd." in companies
    assert kinds["สมชาย ใจดี"] == CustomerKind.PERSON
    # so a message addresses them as a company, not as คุณ + a first name
    assert salutation("en", "Bangkok Fleet Services Co., Ltd.", kinds["Bangkok Fleet Services Co., Ltd."]
                      == CustomerKind.COMPANY) == "Dear Bangkok Fleet Services Co., Ltd.,"
    assert salutation("th", "บริษัท สยามขนส่ง จำกัด", kinds["บริษัท สยามขนส่ง จำกัด"] == CustomerKind.COMPANY
                      ) == "เรียน บริษัท สยามขนส่ง จำกัด"
    # the demo's VINs are saved through the same rule, so each one that carries a check digit carries the right one
    assert vins and all(check_digit_ok(v) for v in vins)
    assert any(check_digit_applies(v) for v in vins)


async def test_intake_with_a_wrong_check_digit_names_the_new_vehicles_vin_and_opens_nothing(gql, db, garage):
    from sqlalchemy import func, select

    from backend.workshop.models import Job

    site = await make_site(db, garage)
    before = await snapshot(db)
    body = await gql("""mutation($i: CreateJobInput!) { createJob(input: $i) { job { id } errors { field code } } }""",
                     {"i": {"siteId": str(site.id), "newVehicle": {"registration": "INT 1", "vin": _wrong(CHINESE[0])},
                            "newOwner": {"name": "Walk-in Customer"}, "operationsStream": "MECHANICAL",
                            "revenueStream": "WALK_IN"}}, token=garage.token(Role.SITE_MANAGER), lang="th")
    payload = body["data"]["createJob"]
    assert payload["job"] is None and payload["errors"] == [{"field": "newVehicle.vin", "code": "VIN_CHECK_DIGIT"}]
    assert await snapshot(db) == before
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Job))).scalar_one() == 0
