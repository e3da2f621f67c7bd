"""Global search: jobs, vehicles, customers and invoices from one box, scoped by garage and role."""

from __future__ import annotations

import pytest

from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.customers import service as customers
from backend.workshop.service import jobs as jobs_service
from tests.billing.helpers import ERRORS, job_in_billing, ok, workshop
from tests.workshop.helpers import make_site

SEARCH = "query($q: String!, $n: Int) { search(query: $q, first: $n) { kind id title subtitle status } }"
FROM_JOB = f"mutation($j: ID!) {{ createInvoiceFromJob(input: {{jobId: $j}}) {{ invoice {{ id }} {ERRORS} }} }}"
ISSUE = f"mutation($i: ID!) {{ issueInvoice(input: {{id: $i}}) {{ invoice {{ id number }} {ERRORS} }} }}"


async def _search(gql, token, q, n=None, lang=None):
    body = await gql(SEARCH, {"q": q, "n": n}, token=token, lang=lang, expect_errors=True)
    assert not body.get("errors"), body["errors"]
    return body["data"]["search"]


async def _open_job(db, garage, site, registration, owner, phone=None, assign=False):
    sm = garage.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        customer = await customers.create_customer(session, sm, customers.CustomerInput(name=owner, phone=phone))
        vehicle = await customers.create_vehicle(session, sm, customers.VehicleInput(
            registration=registration, owner_id=customer.id, make="Toyota", model="Hilux Revo"))
        job = await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
            site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
            revenue_stream="WALK_IN"))
        if assign:
            await jobs_service.assign_job(session, sm, job.id, garage.users[Role.TECHNICIAN].id)
    return customer, vehicle, job


async def _issued_invoice(gql, db, garage):
    w = await workshop(db, garage, customer_name="Siam Trading Co., Ltd.")
    job = await job_in_billing(db, garage, w, parts=0)
    token = garage.token(Role.BILLING)
    created = await ok(gql, token, FROM_JOB, {"j": str(job.id)})
    issued = await ok(gql, token, ISSUE, {"i": created["invoice"]["id"]})
    return issued["invoice"]


async def test_finds_each_kind_by_what_people_remember(gql, db, garage):
    site = await make_site(db, garage)
    customer, vehicle, job = await _open_job(db, garage, site, "กข 4821", "Somchai Jaidee", phone="081 234 5678")
    invoice = await _issued_invoice(gql, db, garage)
    token = garage.token(Role.ADMIN)

    hits = await _search(gql, token, job.number)
    assert hits[0] == {"kind": "JOB", "id": str(job.id), "title": job.number,
                       "subtitle": "กข 4821 · Somchai Jaidee", "status": "RECEIVED"}

    # the registration however it is typed: the vehicle and its job
    hits = await _search(gql, token, "กข-4821")
    assert {(h["kind"], h["id"]) for h in hits} == {("VEHICLE", str(vehicle.id)), ("JOB", str(job.id))}
    assert hits[0]["kind"] == "VEHICLE" and hits[0]["subtitle"] == "Toyota Hilux Revo · Somchai Jaidee"

    for typed in ("somchai", "081-234-5678", "0812345678", "+66 81 234 5678"):
        hits = await _search(gql, token, typed)
        assert [(h["kind"], h["id"]) for h in hits] == [("CUSTOMER", str(customer.id))], typed
    assert hits[0]["title"] == "Somchai Jaidee" and hits[0]["subtitle"] == customer.phone

    hits = await _search(gql, token, invoice["number"].lower())
    assert [(h["kind"], h["id"], h["status"]) for h in hits] == [("INVOICE", invoice["id"], "ISSUED")]
    assert hits[0]["subtitle"] == "Siam Trading Co., Ltd."

    assert await _search(gql, token, "nothing like this") == []


async def test_exact_match_first_and_first_caps_the_hits(gql, db, garage):
    site = await make_site(db, garage)
    for i in range(4):
        await _open_job(db, garage, site, f"EX{i}1", f"Exact Owner {i}")
    _, _, wanted = await _open_job(db, garage, site, "EX1", "Exact Owner")
    hits = await _search(gql, garage.token(), "ex1", n=3)
    assert len(hits) == 3
    assert hits[0]["kind"] == "VEHICLE" and hits[0]["title"] == "EX1"
    hits = await _search(gql, garage.token(), "Exact Owner")
    assert hits[0]["title"] == "Exact Owner" and len(hits) == 5


async def test_one_garage_never_finds_another_garages_records(gql, db, garage, other_garage):
    mine = await make_site(db, garage)
    theirs = await make_site(db, other_garage)
    await _open_job(db, garage, mine, "SAME 1", "Shared Name")
    _, _, their_job = await _open_job(db, other_garage, theirs, "SAME 2", "Shared Name")
    hits = await _search(gql, garage.token(), "Shared Name")
    assert [h["title"] for h in hits] == ["Shared Name"]
    hits = await _search(gql, garage.token(), "SAME")
    assert {h["title"] for h in hits} == {"SAME 1", garage_job_number(hits)}
    assert str(their_job.id) not in {h["id"] for h in await _search(gql, garage.token(), their_job.number)}


def garage_job_number(hits):
    return next(h["title"] for h in hits if h["kind"] == "JOB")


@pytest.mark.parametrize(("role", "kinds"), [
    (Role.ADMIN, {"JOB", "VEHICLE", "CUSTOMER", "INVOICE"}),
    (Role.SITE_MANAGER, {"JOB", "VEHICLE", "CUSTOMER", "INVOICE"}),
    (Role.BILLING, {"JOB", "VEHICLE", "CUSTOMER", "INVOICE"}),
    (Role.WORKSHOP_MANAGER, {"JOB", "VEHICLE", "CUSTOMER"}),
    (Role.WAREHOUSE_MANAGER, {"JOB", "VEHICLE"}),
    (Role.TECHNICIAN, {"JOB", "VEHICLE"}),
])
async def test_each_role_finds_only_what_it_may_read(gql, db, garage, role, kinds):
    site = await make_site(db, garage)
    # one name, plate prefix and number pattern reach every kind: "Siam" is the invoiced customer and a job's owner
    await _issued_invoice(gql, db, garage)
    _, _, mine = await _open_job(db, garage, site, "SIAM 1", "Siam Motors", assign=True)
    _, _, other = await _open_job(db, garage, site, "SIAM 2", "Siam Motors Two")
    token = garage.token(role)
    found = await _search(gql, token, "siam", n=25)
    inv = await _search(gql, token, "INV-", n=25)
    jobs = await _search(gql, token, "JC-", n=25)
    assert {h["kind"] for h in found + inv + jobs} == kinds
    job_ids = {h["id"] for h in jobs if h["kind"] == "JOB"}
    if role == Role.TECHNICIAN:
        assert str(mine.id) in job_ids and str(other.id) not in job_ids  # their own jobs only
    else:
        assert {str(mine.id), str(other.id)} <= job_ids
    if "CUSTOMER" not in kinds:  # no owner's name through a job or a vehicle either
        assert all("Siam Motors" not in (h["subtitle"] or "") for h in found + jobs)


async def test_bad_input_is_refused_in_the_users_language(gql, garage):
    cases = [("a", None, "Must be at least 2 characters.", "ต้องมีอย่างน้อย 2 ตัวอักษร"),
             ("x" * 101, None, "Must be at most 100 characters.", None),
             ("ab", 26, "Ask for at most 25 items at a time.", None),
             ("ab", 0, None, None)]
    for q, n, english, thai in cases:
        for lang, expected in (("en", english), ("th", thai)):
            body = await gql(SEARCH, {"q": q, "n": n}, token=garage.token(), lang=lang, expect_errors=True)
            error = body["errors"][0]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert error["extensions"]["field"] == ("first" if n is not None else "query")
            if expected:
                assert error["message"] == expected
            if lang == "th":
                assert error["message"] != english and not error["message"].isascii()
    body = await gql(SEARCH, {"q": "abc"}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TECHNICIAN])
async def test_statement_count_constant_in_the_number_of_hits(gql, db, garage, count_statements, role):
    site = await make_site(db, garage)
    counts = {}
    made = 0
    for n in (1, 5, 12):
        for i in range(made, n):
            await _open_job(db, garage, site, f"CNT {i:03d}", f"Count Owner {i:03d}", assign=True)
        made = n
        with count_statements() as counter:
            jobs = await _search(gql, garage.token(role), "CNT", n=25)
        assert sorted(h["kind"] for h in jobs) == ["JOB"] * n + ["VEHICLE"] * n  # each job and its vehicle
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts


async def test_a_technician_finds_their_own_jobs_behind_many_newer_ones_of_others(gql, db, garage):
    """Each kind's matches are cut at `first` per index before they are joined back: the technician's own jobs
    still come back when more than `first` newer jobs of others match the same registration."""
    site = await make_site(db, garage)
    own = [(await _open_job(db, garage, site, f"TQ {i:03d}", f"Tech Owner {i}", assign=True))[2] for i in range(2)]
    for i in range(2, 14):
        await _open_job(db, garage, site, f"TQ {i:03d}", f"Other Owner {i}")
    hits = await _search(gql, garage.token(Role.TECHNICIAN), "TQ", n=10)
    assert sorted(h["id"] for h in hits if h["kind"] == "JOB") == sorted(str(job.id) for job in own)
    hits = await _search(gql, garage.token(Role.SITE_MANAGER), "TQ", n=10)
    jobs = [h for h in hits if h["kind"] == "JOB"]
    assert len(jobs) == 10 and str(own[0].id) not in {h["id"] for h in jobs}  # the ten newest
