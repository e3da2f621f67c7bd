"""'Testing the System' (seeds/02-operations-workflow.md), step by step over GraphQL, each role signed in as itself:
users and garage, warehouse items, task actions per stream, then a job from arrival to the billing queue."""

import uuid

from backend.accounts import service as accounts
from backend.accounts.models import User
from backend.core.permissions import Role
from backend.core.security import hash_password
from tests.inventory.helpers import assert_ledger_consistent

PASSWORD = "scenario password 1"

JOB_FIELDS = "id number status version technician { name } vehicle { registration owner { name } }"


async def sign_in(gql, email):
    body = await gql('mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) '
                     '{ accessToken errors { code } } }', {"e": email, "p": PASSWORD})
    assert body["data"]["login"]["errors"] == []
    return body["data"]["login"]["accessToken"]


async def ok(gql, token, query, variables=None, key=None):
    body = await gql(query, variables or {}, token=token)
    payload = next(iter(body["data"].values()))
    assert payload["errors"] == [], payload
    return payload if key is None else payload[key]


async def test_the_whole_workflow(app, gql, db):
    # 2. a garage, with its first admin (as `mototrack create-user --new-garage` does)
    async with db.transaction() as s:
        garage = await accounts.create_garage(s, accounts.GarageSettingsInput(
            name="Scenario Motors", currency="THB", time_zone="Asia/Bangkok", tax_rate="7"))
        s.add(User(garage_id=garage.id, email="owner@scenario.example", name="Owner", role=Role.ADMIN,
                   password_hash=hash_password(PASSWORD), streams=[]))
    admin = await sign_in(gql, "owner@scenario.example")
    site = await ok(gql, admin, 'mutation { createSite(input: {name: "Main workshop"}) { site { id } errors { code } } }',
                    key="site")

    # 1. users with different roles, each signing in as themselves
    people = {"site": ("SITE_MANAGER", None), "tech": ("TECHNICIAN", ["MECHANICAL"]),
              "other_tech": ("TECHNICIAN", ["MECHANICAL"]), "workshop": ("WORKSHOP_MANAGER", None),
              "warehouse": ("WAREHOUSE_MANAGER", None), "billing": ("BILLING", None)}
    tokens, ids = {}, {}
    for key, (role, streams) in people.items():
        user = await ok(gql, admin, """mutation($i: CreateUserInput!) { createUser(input: $i) { user { id }
            errors { code } } }""", {"i": {"email": f"{key}@scenario.example", "name": key.title(),
                                           "password": PASSWORD, "role": role, "streams": streams}}, key="user")
        ids[key] = user["id"]
        tokens[key] = await sign_in(gql, f"{key}@scenario.example")

    # 3. warehouse items (the warehouse manager), the opening stock on the shelf of the site's own warehouse (a
    # job's parts come from its site's warehouse)
    body = await gql("{ warehouses { id kind siteId } }", token=tokens["warehouse"])
    site_warehouse = next(w["id"] for w in body["data"]["warehouses"] if w["siteId"] == site["id"])
    item = await ok(gql, tokens["warehouse"], """mutation($w: ID!) { createWarehouseItem(input: {sku: "OIL-5W30-4L",
        nameEn: "Engine oil 5W-30 4L", nameTh: "น้ำมันเครื่อง 5W-30 4 ลิตร", unit: "bottle", costPrice: 85000,
        salePrice: 120000, reorderPoint: 2, initialQuantity: 10, warehouseId: $w}) {
        warehouseItem { id quantityOnHand } errors { code } } }""", {"w": site_warehouse}, key="warehouseItem")
    assert item["quantityOnHand"] == 10

    # 4. task actions for each operations stream (the admin)
    actions = {}
    for stream, name in (("BODY", "Dent removal"), ("MECHANICAL", "Oil change"), ("ELECTRICAL", "Battery replacement"),
                         ("INTERIOR", "Upholstery repair")):
        action = await ok(gql, admin, """mutation($s: OperationsStream!, $n: String!) { createTaskAction(input:
            {stream: $s, nameEn: $n, defaultLabourCost: 50000, standardHours: "1.5"}) { taskAction { id }
            errors { code } } }""", {"s": stream, "n": name}, key="taskAction")
        actions[stream] = action["id"]

    # 5. the workflow. The site manager receives the vehicle and opens the job card.
    job = await ok(gql, tokens["site"], """mutation($site: ID!) { createJob(input: {siteId: $site,
        newVehicle: {registration: "ab12 cde", make: "Toyota", model: "Hilux Revo"},
        newOwner: {name: "Somchai Jaidee", phone: "081-234-5678"}, operationsStream: MECHANICAL,
        revenueStream: WALK_IN, issuesReported: "Engine noise, oil warning light", mileage: 84000}) {
        job { %s } errors { code message } } }""" % JOB_FIELDS, {"site": site["id"]}, key="job")
    assert job["status"] == "RECEIVED" and job["number"].startswith("JC-") and job["number"].endswith("-000001")
    assert job["vehicle"] == {"registration": "AB12CDE", "owner": {"name": "Somchai Jaidee"}}
    jid = job["id"]

    # ... and assigns it to a mechanical technician
    job = await ok(gql, tokens["site"], """mutation($j: ID!, $t: ID!) { assignJob(input: {jobId: $j, technicianId: $t})
        { job { %s } errors { code } } }""" % JOB_FIELDS, {"j": jid, "t": ids["tech"]}, key="job")
    assert job["status"] == "ASSIGNED" and job["technician"]["name"] == "Tech"

    # the technician sees it, starts, clocks on, adds a task from the catalog
    mine = await gql("{ myJobs { id } }", token=tokens["tech"])
    assert [j["id"] for j in mine["data"]["myJobs"]] == [jid]
    assert (await gql("{ myJobs { id } }", token=tokens["other_tech"]))["data"]["myJobs"] == []
    job = await ok(gql, tokens["tech"], "mutation($j: ID!) { startJob(input: {jobId: $j}) { job { status } "
                   "errors { code } } }", {"j": jid}, key="job")
    assert job["status"] == "IN_PROGRESS"
    await ok(gql, tokens["tech"], "mutation($j: ID!) { clockOnJob(input: {jobId: $j}) { errors { code } } }", {"j": jid})
    task = await ok(gql, tokens["tech"], """mutation($j: ID!, $a: ID!) { addJobTask(input: {jobId: $j, taskActionId: $a})
        { task { id name labourCost billedHours status } errors { code } } }""",
                    {"j": jid, "a": actions["MECHANICAL"]}, key="task")
    assert task["name"] == "Oil change" and task["labourCost"] == 50000 and task["status"] == "OPEN"

    # ... requests parts: the job waits for them
    request = await ok(gql, tokens["tech"], """mutation($j: ID!, $i: ID!) { requestParts(input: {jobId: $j, itemId: $i,
        quantity: 2}) { partsRequest { id status } job { status } errors { code } } }""", {"j": jid, "i": item["id"]})
    assert request["partsRequest"]["status"] == "PENDING" and request["job"]["status"] == "AWAITING_PARTS"
    rid = request["partsRequest"]["id"]

    # completing now is refused: parts are pending
    refused = await gql("mutation($j: ID!) { completeJob(input: {jobId: $j}) { errors { code message } } }",
                        {"j": jid}, token=tokens["tech"])
    reasons = {e["code"]: e["message"] for e in refused["data"]["completeJob"]["errors"]}
    assert "OIL-5W30-4L" in reasons["PARTS_PENDING"] and "Oil change" in reasons["TASKS_OPEN"]

    # the workshop manager approves; the warehouse manager issues: stock goes down, the job is back in progress
    approved = await ok(gql, tokens["workshop"], "mutation($r: ID!) { approvePartsRequest(input: {id: $r}) "
                        "{ partsRequest { status } errors { code } } }", {"r": rid})
    assert approved["partsRequest"]["status"] == "APPROVED"
    issued = await ok(gql, tokens["warehouse"], "mutation($r: ID!) { issuePartsRequest(input: {id: $r}) "
                      "{ partsRequest { status item { quantityOnHand } } job { status } errors { code } } }", {"r": rid})
    assert issued["partsRequest"]["status"] == "ISSUED" and issued["partsRequest"]["item"]["quantityOnHand"] == 8
    assert issued["job"]["status"] == "IN_PROGRESS"

    # the technician completes the task and the job, with the work-done notes
    await ok(gql, tokens["tech"], "mutation($t: ID!) { completeJobTask(input: {id: $t}) { errors { code } } }",
             {"t": task["id"]})
    await ok(gql, tokens["tech"], "mutation($j: ID!) { clockOffJob(input: {jobId: $j}) { errors { code } } }",
             {"j": jid})
    job = await ok(gql, tokens["tech"], """mutation($j: ID!) { completeJob(input: {jobId: $j,
        workDoneNotes: "Changed oil and filter; noise was a loose heat shield, refitted."}) { job { status } errors
        { code } } }""", {"j": jid}, key="job")
    assert job["status"] == "COMPLETED"

    # the workshop manager reviews and moves it to billing
    job = await ok(gql, tokens["workshop"], """mutation($j: ID!) { reviewJob(input: {jobId: $j,
        managerNotes: "Checked, road-tested."}) { job { status } errors { code } } }""", {"j": jid}, key="job")
    assert job["status"] == "MANAGER_REVIEW"
    job = await ok(gql, tokens["workshop"], "mutation($j: ID!) { moveJobToBilling(input: {jobId: $j}) "
                   "{ job { status } errors { code } } }", {"j": jid}, key="job")
    assert job["status"] == "BILLING"

    # billing staff find it in their queue, with what the invoice will need (issue 4 turns it into an invoice)
    queue = await gql("""{ jobs(filter: {status: [BILLING]}) { edges { node { id number billedHours clockedHours
        tasks { name status labourCost } partsRequests { quantity status unitPrice item { sku } }
        timeline { kind toStatus actorLabel } } } } }""", token=tokens["billing"])
    [node] = [e["node"] for e in queue["data"]["jobs"]["edges"]]
    assert node["id"] == jid and node["billedHours"] == 1.5
    assert node["tasks"] == [{"name": "Oil change", "status": "COMPLETED", "labourCost": 50000}]
    assert node["partsRequests"] == [{"quantity": 2, "status": "ISSUED", "unitPrice": 120000,
                                      "item": {"sku": "OIL-5W30-4L"}}]
    transitions = [(e["toStatus"], e["actorLabel"]) for e in node["timeline"] if e["kind"] == "STATUS_CHANGED"]
    assert transitions == [("ASSIGNED", "Site"), ("IN_PROGRESS", "Tech"), ("AWAITING_PARTS", "Tech"),
                           ("IN_PROGRESS", "Warehouse"), ("COMPLETED", "Tech"), ("MANAGER_REVIEW", "Workshop"),
                           ("BILLING", "Workshop")]
    await assert_ledger_consistent(db, garage.id)
    # and every change left an audit row
    audit = await gql('query($j: ID!) { auditLog(entityType: "Job", entityId: $j) { action actorLabel } }',
                      {"j": jid}, token=admin)
    assert len(audit["data"]["auditLog"]) >= 7
    assert uuid.UUID(jid)
