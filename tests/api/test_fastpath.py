"""The fast read path (backend/api/fastpath) answers the PWA's hot queries with the very bytes plain execution gives.

Every comparison runs the same request twice on the demo data, once with the fast path and once with it switched off
(`app.state.fastpath.enabled`), and compares the response bodies byte for byte; the fast path's counters prove which
of the two actually answered. The PWA's query documents come from the build's trusted-documents manifest when one is
there (E2E_PWA_DIST, else the repository's pwa/dist), and always from the hot documents below, copied from the PWA sources.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, print_ast
from sqlalchemy import select

from backend.accounts.models import Site
from backend.core.permissions import Role
from backend.demo import DEMO_PASSWORD, seed_demo
from backend.workshop.models import Job
from tests.conftest import make_garage
from tests.workshop.helpers import make_site
from tests.workshop.test_jobs_statements import _seed

# pwa/src/main/staff/Board.tsx
BOARD_JOB = """id number status operationsStream revenueStream version issuesReported updatedAt
  vehicle { id registrationDisplay make model } customer { id name } technician { id name }
  tasks { id status }"""
BOARD = f"query JobBoard($siteId: ID!) {{ jobBoard(siteId: $siteId) {{ status jobs {{ {BOARD_JOB} }} }} }}"
# the technician's board (no customer: a technician may not read customers)
TECH_BOARD = ("query JobBoard($siteId: ID!) { jobBoard(siteId: $siteId) { status jobs { id number status "
              "vehicle { id registrationDisplay make model } technician { id name } tasks { id status } } } }")
# pwa/src/shared/workshop.ts
JOB_FIELDS = """id number status version operationsStream issuesReported promisedAt workDoneNotes updatedAt
  vehicle { id registrationDisplay make model }
  tasks { id name nameTh status version position }
  partsRequests { id quantity status note item { id sku nameEn nameTh unit } }"""
MY_JOBS = f"query MyJobs {{ myJobs {{ {JOB_FIELDS} }} myClock {{ startedAt job {{ id }} }} }}"
JOB = f"query Job($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
# bench/jobboard.sh
BENCH = ("query($s: ID!) { jobBoard(siteId: $s) { status jobs { id number status operationsStream vehicle { "
         "registration make model owner { name phone } } technician { name } tasks { name status } partsRequests { "
         "quantity status item { sku } } } } }")
# pwa/src/main/jobcard/api.ts for the workshop manager (the planner does not know clockedHours: plain execution)
CARD = """query JobCard($id: ID!) { job(id: $id) { id number status heldFromStatus version operationsStream
  revenueStream issuesReported mileageIn promisedAt complaint cause correction workDoneNotes managerNotes holdReason
  cancelReason createdAt updatedAt clockedHours billedHours site { id name } technician { id name }
  vehicle { id registrationDisplay make model year colour vin mileage }
  customer { id name phone email vehicles { id registrationDisplay make model } }
  tasks { id name nameTh status billedHours completedAt }
  partsRequests { id quantity status note createdAt item { id sku nameEn nameTh unit } }
  timeline { id at kind actorLabel fromStatus toStatus note }
  clockEntries { id startedAt endedAt hours technician { id name } } quotes { id number status } } }"""

# pwa/src/shared/customers.ts (the first page is the fast path's; a search or a later page is Strawberry's)
CUSTOMERS = """query Customers($search: String, $first: Int, $after: String) {
  customers(search: $search, first: $first, after: $after) {
    edges { cursor node { id name phone email vehicles { id registration make model } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

ROLES = {
    Role.WORKSHOP_MANAGER: "workshop.manager@demo.test",
    Role.SITE_MANAGER: "site.manager@demo.test",
    Role.ADMIN: "admin@demo.test",
    Role.BILLING: "billing@demo.test",
    Role.WAREHOUSE_MANAGER: "warehouse.manager@demo.test",
    Role.TECHNICIAN: "technician@demo.test",
}
# which documents each role's screens send, and whether the fast path must answer them (else it must leave them)
FAST = {
    Role.WORKSHOP_MANAGER: [BOARD, BENCH, JOB, CUSTOMERS],
    Role.SITE_MANAGER: [BOARD, BENCH, JOB, CUSTOMERS],
    Role.ADMIN: [BOARD, BENCH, JOB, MY_JOBS, CUSTOMERS],
    Role.BILLING: [BOARD, BENCH, CUSTOMERS],
    Role.TECHNICIAN: [TECH_BOARD, MY_JOBS, JOB],
    Role.WAREHOUSE_MANAGER: [TECH_BOARD],
}
PLAIN = {  # answered with an error or with fields the planner does not know: plain execution, same bytes
    Role.WORKSHOP_MANAGER: [CARD],
    Role.TECHNICIAN: [BOARD, BENCH, CARD, CUSTOMERS],  # customers, owners: FORBIDDEN for a technician
    Role.WAREHOUSE_MANAGER: [BOARD, CUSTOMERS],
}
PAGES = [({}, True), ({"first": 2}, True), ({"first": 0}, True), ({"search": "ใจดี"}, False),
         ({"first": 1000}, False), ({"first": 2, "after": "bm90LWEtY3Vyc29y"}, False)]


def _manifest_queries() -> list[str]:
    """The query documents of the PWA build's trusted-documents manifest, when a build is there."""
    for dist in (os.environ.get("E2E_PWA_DIST"), Path(__file__).resolve().parents[2] / "pwa" / "dist"):
        path = Path(dist) / "trusted-documents.json" if dist else None
        if path and path.is_file():
            documents = json.loads(path.read_text())["documents"].values()
            return [d for d in documents if d.lstrip().startswith("query")]
    return []


async def _body(client, fastpath, enabled: bool, query: str, variables: dict, token: str, lang: str) -> bytes:
    fastpath.enabled = enabled
    try:
        response = await client.post("/graphql", json={"query": query, "variables": variables},
                                     headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})
    finally:
        fastpath.enabled = True
    assert response.status_code == 200, response.text
    return response.content


async def _same(client, fastpath, query: str, variables: dict, token: str, lang: str, *, fast: bool) -> dict:
    """The fast and the plain answer are the same bytes; `fast`: the fast path answered (else it left it)."""
    hits = fastpath.hits
    quick = await _body(client, fastpath, True, query, variables, token, lang)
    assert fastpath.hits == hits + (1 if fast else 0), (query[:60], "answered" if not fast else "left to plain")
    plain = await _body(client, fastpath, False, query, variables, token, lang)
    assert quick == plain, (query[:60], quick[:300], plain[:300])
    return json.loads(quick)


async def _login(gql, email: str) -> str:
    body = await gql("mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
                     {"e": email, "p": DEMO_PASSWORD})
    return body["data"]["login"]["accessToken"]


async def test_pwa_queries_same_bytes_on_the_demo(app, db, database_url, gql, client, monkeypatch):
    # signed document and file links carry an expiry counted from the current second: the clock stands still for
    # this test, or a fast and a plain answer either side of a second's turn would differ (CI saw it)
    import time as real_time
    import types

    from backend.billing.documents import signing

    frozen = real_time.time()
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: frozen))
    assert await seed_demo(database_url) is True
    fastpath = app.state.fastpath
    async with db.read() as s:
        sites = {site.code: site.id for site in (await s.execute(select(Site))).scalars()}
        jobs = list((await s.execute(select(Job).order_by(Job.created_at))).scalars())
    tokens = {role: await _login(gql, email) for role, email in ROLES.items()}
    tech_id = next(j.technician_id for j in jobs if j.technician_id is not None)
    own_job = next(j for j in jobs if j.technician_id == tech_id)
    others_job = next(j for j in jobs if j.technician_id != tech_id)
    main = next(site_id for code, site_id in sites.items() if any(j.site_id == site_id for j in jobs))
    variable_sets = [{"siteId": str(main), "s": str(main)}, {"siteId": "not-an-id", "s": "not-an-id"}]
    for role, token in tokens.items():
        # English and Thai readers: the demo's managers and billing read English, the others Thai (their own
        # preference, which wins over the header: sent the other way round, it must change nothing)
        for lang in ("th" if role in (Role.WORKSHOP_MANAGER, Role.BILLING) else "en",):
            for query in [*FAST.get(role, []), *PLAIN.get(role, [])]:
                fast = query in FAST.get(role, [])
                if "$id" in query:
                    for job in (own_job, others_job):
                        body = await _same(client, fastpath, query, {"id": str(job.id)}, token, lang, fast=fast)
                        if role == Role.TECHNICIAN and job is others_job:
                            assert body["data"]["job"] is None  # someone else's job: null, as plain
                    await _same(client, fastpath, query, {"id": "0" * 8}, token, lang, fast=fast)
                    continue
                if query is CUSTOMERS:
                    for variables, first_page in PAGES:
                        body = await _same(client, fastpath, query, variables, token, lang, fast=fast and first_page)
                        if fast and variables == {}:
                            assert body["data"]["customers"]["pageInfo"]["hasNextPage"] is True
                    continue
                for variables in variable_sets if "$s" in query else [{}]:
                    body = await _same(client, fastpath, query, variables, token, lang, fast=fast)
                    if query in PLAIN.get(role, []) and role == Role.TECHNICIAN and variables["s"] == str(main):
                        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
                        assert all(not e["message"].isascii() for e in body["errors"])  # in Thai
            # the masked case really is masked: the technician's board shows only their own jobs
    tech_board = await _same(client, fastpath, TECH_BOARD, {"siteId": str(main)}, tokens[Role.TECHNICIAN], "th",
                             fast=True)
    shown = [j for c in tech_board["data"]["jobBoard"] for j in c["jobs"]]
    assert shown and all(j["technician"] and j["technician"]["id"] == str(tech_id) for j in shown)
    manager_board = await _same(client, fastpath, BOARD, {"siteId": str(main)}, tokens[Role.WORKSHOP_MANAGER], "en",
                                fast=True)
    assert len([j for c in manager_board["data"]["jobBoard"] for j in c["jobs"]]) > len(shown)
    mine = await _same(client, fastpath, MY_JOBS, {}, tokens[Role.TECHNICIAN], "en", fast=True)
    assert mine["data"]["myJobs"] and mine["data"]["myJobs"][0]["vehicle"]["registrationDisplay"]

    # what the PWA build lists: a document with a root field the fast path does not know is left to Strawberry
    # (then nothing differs); each of the others gives the same bytes both ways for a manager and a technician
    from backend.customers.models import Vehicle

    async with db.read() as s:
        registration = (await s.execute(select(Vehicle.registration_display).where(
            Vehicle.id == own_job.vehicle_id))).scalar_one()
    fills = {"siteId": str(main), "id": str(own_job.id), "jobId": str(own_job.id), "locale": "TH",
             "registration": registration.lower(),
             # the calendar's week (pwa/src/main/staff/calendar/data.ts; tests/scheduling/test_calendar_fastpath.py
             # compares it on a booked week)
             "weekStart": "2026-12-07", "by": "BAY", "from": "2026-12-07", "to": "2026-12-13"}
    manifest, answered = _manifest_queries(), set()
    for query in manifest:
        operation = next(d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode))
        if {s.name.value for s in operation.selection_set.selections} - set(fastpath.roots):
            assert fastpath.plan(query, operation.name.value) is None, operation.name.value
            continue
        variables = {v.variable.name.value: fills.get(v.variable.name.value, True if "Boolean" in
                                                      print_ast(v.type) else None)
                     for v in operation.variable_definitions or ()}
        for role in (Role.WORKSHOP_MANAGER, Role.TECHNICIAN):
            hits = fastpath.hits
            quick = await _body(client, fastpath, True, query, variables, tokens[role], "en")
            if fastpath.hits > hits:
                answered.add(operation.name.value)
            plain = await _body(client, fastpath, False, query, variables, tokens[role], "en")
            assert quick == plain, (role, operation.name.value)
    if manifest:  # the board, the technician's jobs, a job, the customer list and the calendar are the fast path's
        calendar = {"CalendarWeek"} if any("CalendarWeek" in q for q in manifest) else set()
        assert {"JobBoard", "MyJobs", "Job", "Customers", "VehicleByRegistration", *calendar} <= answered, answered

    # another garage's token asking for this garage's board and jobs: exactly what plain execution gives (nothing)
    other = await make_garage(app, "Other Garage")
    for role in (Role.ADMIN, Role.TECHNICIAN):
        body = await _same(client, fastpath, TECH_BOARD, {"siteId": str(main)}, other.token(role), "en", fast=True)
        assert all(c["jobs"] == [] for c in body["data"]["jobBoard"])
        body = await _same(client, fastpath, JOB, {"id": str(own_job.id)}, other.token(role), "en", fast=True)
        assert body["data"]["job"] is None


UNSUPPORTED = [
    # a directive other than @include/@skip
    ("query($s: ID!) { jobBoard(siteId: $s) { status jobs { id number @deprecated } } }", {}),
    # a condition variable with no value (graphql-core refuses it)
    ("query($s: ID!, $c: Boolean) { jobBoard(siteId: $s) { status jobs { id customer @include(if: $c) { name } } } }",
     {}),
    # a field with a resolver the planner does not know
    ("query($s: ID!) { jobBoard(siteId: $s) { status jobs { id clockedHours tasks { displayName } } } }", {}),
    # a fragment on an interface-less other type is fine, a named fragment is flattened: this one the planner answers
    ("fragment J on Job { id number vehicle { registration } } query($s: ID!) { jobBoard(siteId: $s) { jobs { ...J "
     "technician { name } } status } }", None),
    # a root field it does not know, beside one it does
    ("query($s: ID!) { jobBoard(siteId: $s) { status } sites { id name } }", {}),
    # variables graphql-core refuses
    ("query($s: ID!) { jobBoard(siteId: $s) { status } }", {"s": None}),
    # not signed in
    ("query($s: ID!) { jobBoard(siteId: $s) { status } }", "anonymous"),
]


async def test_unsupported_documents_answer_through_the_fallback(app, db, gql, client, garage):
    site = await make_site(db, garage)
    await _seed(db, garage, site, 3, 0)
    fastpath = app.state.fastpath
    for query, extra in UNSUPPORTED:
        variables = {"s": str(site.id), **(extra if isinstance(extra, dict) else {})}
        token = garage.token(Role.ADMIN)
        fast = extra is None
        if extra == "anonymous":
            response = [await client.post("/graphql", json={"query": query, "variables": variables}) for _ in "ab"]
            assert response[0].content == response[1].content and b"UNAUTHENTICATED" in response[0].content
            continue
        body = await _same(client, fastpath, query, variables, token, "en", fast=fast)
        if extra is not None and extra.get("s", "") is None:
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        elif "@" in query:  # refused by validation: plain execution's errors
            assert body["errors"] and body.get("data") is None


# @include/@skip with variables (as the PWA's job card sends the reader's role) and literals, on a field, an inline
# fragment and a fragment spread
CONDITIONAL = ("fragment Who on Job { technician { id name } } "
               "query Cond($s: ID!, $c: Boolean!, $n: Boolean!, $w: Boolean = true) { jobBoard(siteId: $s) { status "
               "jobs { id number @skip(if: $n) customer @include(if: $c) { name } ...Who @include(if: $w) "
               "... @skip(if: $c) { vehicle { registration } } tasks @include(if: true) { name status @skip(if: false) "
               "} } } }")


async def test_conditions_planned_per_combination_of_their_variables(app, db, gql, client, garage):
    site = await make_site(db, garage)
    await _seed(db, garage, site, 3, 0)
    fastpath = app.state.fastpath
    combinations = [{"c": c, "n": n, **({} if w is None else {"w": w})}
                    for c in (True, False) for n in (True, False) for w in (True, False, None)]
    for role in (Role.ADMIN, Role.TECHNICIAN):  # a technician's customer: FORBIDDEN, only when included
        for variables in combinations:
            for lang in ("en", "th"):
                body = await _same(client, fastpath, CONDITIONAL, {"s": str(site.id), **variables},
                                   garage.token(role), lang, fast=role == Role.ADMIN or not variables["c"])
                if role == Role.TECHNICIAN and variables["c"]:
                    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
                    continue
                jobs = [j for c in body["data"]["jobBoard"] for j in c["jobs"]]
                assert len(jobs) == 3 or role == Role.TECHNICIAN
                for job in jobs:
                    assert ("number" in job) is not variables["n"]
                    assert ("customer" in job) is variables["c"] and ("vehicle" in job) is not variables["c"]
                    assert ("technician" in job) is variables.get("w", True)
                    assert job["tasks"] and set(job["tasks"][0]) == {"name", "status"}
    # one plan per combination of (c, n, w) values (w's default is the same plan as w: true), each kept
    plans = {k for k in fastpath._plans if k[0] == CONDITIONAL}
    assert len(plans) == 8 and all(fastpath._plans[k] is not None for k in plans)
    # a bounded cache: the least recently used plans go
    fastpath.max_plans = 3
    for variables in combinations[:4]:  # another document text: new plans
        await _same(client, fastpath, CONDITIONAL + " ", {"s": str(site.id), **variables}, garage.token(Role.ADMIN), "en",
                    fast=True)
    assert len(fastpath._plans) <= 3 and len(fastpath._operations) <= 3


@pytest.mark.parametrize("role", [Role.WORKSHOP_MANAGER, Role.TECHNICIAN])
async def test_fast_statement_counts_do_not_grow_with_jobs(app, db, gql, garage, count_statements, role):
    site = await make_site(db, garage)
    token = garage.token(role)
    fastpath = app.state.fastpath
    documents = {"board": (TECH_BOARD.replace("tasks { id status }", "tasks { id status } partsRequests { quantity "
                                                                     "item { sku } }"), {"siteId": str(site.id)}),
                 "my": (MY_JOBS, {})}
    if role == Role.WORKSHOP_MANAGER:  # the manager's board has the owners too; the manager has no jobs of their own
        documents = {"board": (BENCH, {"s": str(site.id)})}
    counts: dict[str, dict[int, int]] = {name: {} for name in documents}
    seeded = 0
    for n in (5, 50):
        await _seed(db, garage, site, n - seeded, seeded)
        seeded = n
        async with db.read() as s:
            job_id = (await s.execute(select(Job.id).where(Job.garage_id == garage.id))).scalars().first()
        documents["card"] = (JOB, {"id": str(job_id)})
        await gql("{ __typename }", token=token)  # the sign-in is read (or cached) as for any request
        with count_statements() as counter:
            await gql("{ __typename }", token=token)
        baseline = counter.count
        for name, (query, variables) in documents.items():
            hits = fastpath.hits
            with count_statements() as counter:
                body = await gql(query, variables, token=token)
            assert fastpath.hits == hits + 1, name
            counts.setdefault(name, {})[n] = counter.count - baseline
            if name == "board":
                assert sum(len(c["jobs"]) for c in body["data"]["jobBoard"]) == n
            if name == "my" and role == Role.TECHNICIAN:
                assert len(body["data"]["myJobs"]) == n
    # the jobs with their vehicle, owner and technician joined, their tasks, their parts requests with the item
    # joined; my jobs then the clock (not running: no job to read)
    expected = {"board": 3, "my": 4, "card": 3} if role == Role.TECHNICIAN else {"board": 3, "card": 3}
    assert counts == {name: {5: expected[name], 50: expected[name]} for name in expected}, counts


# pwa/src/main/staff/Intake.tsx (the reception's lookup; bench/mixed_load.sh sends the same)
VEHICLE = """query VehicleByRegistration($registration: String!) {
  vehicleByRegistration(registration: $registration) {
    id registrationDisplay make model year colour mileage owner { id name phone email }
    deferredWork { id description amount currency }
    jobs { id number status operationsStream createdAt }
  }
}"""
# without the owner (a technician may not read customers): the jobs are only the technician's own
VEHICLE_JOBS = ("query($registration: String!) { vehicleByRegistration(registration: $registration) { id "
                "registration deferredWork { id amount createdAt quoteLineId } jobs { id number technician { id } } } }")


async def _vehicle_history(db, garage, site) -> None:
    """ST0000 (of _seed) gets two more jobs nobody is assigned to, two open deferred items and a resolved one."""
    from backend.billing.models import DeferredWork
    from backend.core.db import utcnow
    from backend.customers.models import Vehicle
    from backend.workshop.models import OperationsStream
    from backend.workshop.service import jobs as jobs_service

    sm = garage.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        vehicle = (await session.execute(select(Vehicle).where(Vehicle.garage_id == garage.id,
                                                               Vehicle.registration == "ST0000"))).scalar_one()
        for _ in range(2):
            await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
                site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
                revenue_stream="WALK_IN"))
        session.add_all([DeferredWork(garage_id=garage.id, vehicle_id=vehicle.id, description=d, amount=a,
                                      currency="THB", resolved_at=r)
                         for d, a, r in (("Rear pads", 1250_00, None), ("Wiper blades", 450_00, utcnow()),
                                         ("ผ้าเบรกหลัง", 99, None))])


async def test_vehicle_by_registration_same_bytes_per_role(app, db, gql, client, garage):
    from backend.core.permissions import ROLE_PERMISSIONS, Permission

    site = await make_site(db, garage)
    await _seed(db, garage, site, 3, 0)
    await _vehicle_history(db, garage, site)
    fastpath = app.state.fastpath
    other = await make_garage(app, "Other Garage")
    needs = {VEHICLE: {Permission.VEHICLES_READ, Permission.CUSTOMERS_READ, Permission.JOBS_READ},
             VEHICLE_JOBS: {Permission.VEHICLES_READ, Permission.JOBS_READ}}
    seen = {}
    for role in Role:
        for query, permissions in needs.items():
            fast = permissions <= ROLE_PERMISSIONS[role]
            for registration in ("st 0000", "ST-0001", "zz9999", "!!", ""):
                for lang in ("en", "th"):
                    body = await _same(client, fastpath, query, {"registration": registration}, garage.token(role),
                                       lang, fast=fast)
                    if not fast and (registration == "st 0000" or "errors" in body):  # (no vehicle: no error)
                        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
                        assert body["errors"][0]["message"].isascii() is (lang == "en")
                    seen[role, query, registration] = body
            # another garage's reader: no vehicle of this garage
            body = await _same(client, fastpath, query, {"registration": "ST0000"}, other.token(role), "en", fast=fast)
            assert not fast or body["data"]["vehicleByRegistration"] is None
    vehicle = seen[Role.WORKSHOP_MANAGER, VEHICLE, "st 0000"]["data"]["vehicleByRegistration"]
    assert vehicle["registrationDisplay"] == "ST0000" and vehicle["owner"]["name"] == "Owner 000"
    assert [d["description"] for d in vehicle["deferredWork"]] == ["Rear pads", "ผ้าเบรกหลัง"]  # open ones, oldest first
    assert len(vehicle["jobs"]) == 3 and vehicle["jobs"] == sorted(vehicle["jobs"], key=lambda j: j["createdAt"],
                                                                   reverse=True)
    assert seen[Role.WORKSHOP_MANAGER, VEHICLE, "zz9999"]["data"]["vehicleByRegistration"] is None
    assert seen[Role.WORKSHOP_MANAGER, VEHICLE, "!!"]["data"]["vehicleByRegistration"] is None
    own = seen[Role.TECHNICIAN, VEHICLE_JOBS, "st 0000"]["data"]["vehicleByRegistration"]
    tech_id = str(garage.users[Role.TECHNICIAN].id)
    assert len(own["jobs"]) == 1 and own["jobs"][0]["technician"]["id"] == tech_id
    assert own["deferredWork"] == ([] if Permission.QUOTES_READ not in ROLE_PERMISSIONS[Role.TECHNICIAN] else
                                   own["deferredWork"])


@pytest.mark.parametrize("role", [Role.WORKSHOP_MANAGER, Role.TECHNICIAN])
async def test_vehicle_by_registration_statements(app, db, gql, garage, count_statements, role):
    from backend.core.permissions import ROLE_PERMISSIONS, Permission

    site = await make_site(db, garage)
    await _seed(db, garage, site, 2, 0)
    await _vehicle_history(db, garage, site)
    token, fastpath = garage.token(role), app.state.fastpath
    query = VEHICLE if role == Role.WORKSHOP_MANAGER else VEHICLE_JOBS
    await gql("{ __typename }", token=token)
    with count_statements() as counter:
        await gql("{ __typename }", token=token)
    baseline, counts = counter.count, {}
    for registration, jobs in (("ST0001", 1), ("ST0000", 3)):
        hits = fastpath.hits
        with count_statements() as counter:
            body = await gql(query, {"registration": registration}, token=token)
        assert fastpath.hits == hits + 1
        assert len(body["data"]["vehicleByRegistration"]["jobs"]) == (jobs if role != Role.TECHNICIAN else 1)
        counts[registration] = counter.count - baseline
    # the vehicle with its owner joined, its open deferred work (none read without QUOTES_READ), its jobs
    expected = 2 + (Permission.QUOTES_READ in ROLE_PERMISSIONS[role])
    assert counts == {"ST0001": expected, "ST0000": expected}, counts


async def test_vehicle_jobs_cut_at_the_loaders_latest(app, db, gql, client, garage):
    """More than VISITS_SHOWN jobs: both paths give the latest VISITS_SHOWN, newest first."""
    from backend.customers.loaders import VISITS_SHOWN
    from backend.customers.models import Vehicle
    from backend.workshop.models import OperationsStream
    from backend.workshop.service import jobs as jobs_service

    site = await make_site(db, garage)
    await _seed(db, garage, site, 1, 0)
    sm = garage.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        vehicle_id = (await session.execute(select(Vehicle.id).where(Vehicle.garage_id == garage.id))).scalar_one()
        for _ in range(VISITS_SHOWN):
            await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
                site_id=site.id, vehicle_id=vehicle_id, operations_stream=OperationsStream.MECHANICAL,
                revenue_stream="WALK_IN"))
    body = await _same(client, app.state.fastpath, VEHICLE, {"registration": "ST0000"},
                       garage.token(Role.WORKSHOP_MANAGER), "en", fast=True)
    numbers = [j["number"] for j in body["data"]["vehicleByRegistration"]["jobs"]]
    assert len(numbers) == VISITS_SHOWN and numbers == sorted(numbers, reverse=True)
