"""Parts requests over GraphQL: the whole life, each refusal, the job's automatic AWAITING_PARTS, the stock."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from httpx import AsyncClient
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy import func, select

from backend.core.errors import DomainError
from backend.core.models import AuditEntry
from backend.core.permissions import Role
from backend.workshop.models import JobEvent, PartsRequest
from backend.workshop.service import parts as parts_service
from tests.conftest import error_codes
from tests.inventory.helpers import assert_ledger_consistent, make_job
from tests.workshop.helpers import make_technician, token_for
from tests.workshop.test_tasks_helpers import (
    APPROVE,
    bay_site,
    COMPLETE_PARTS,
    ISSUE,
    PENDING,
    REJECT,
    REQUEST_PARTS,
    RETURN_PARTS,
    codes,
    job_status,
    make_item,
    mutate,
    ok,
    stock_of,
    working_job,
)

PARTS = "query($jobId: ID!) { partsRequests(jobId: $jobId) { id status quantity } }"


async def _request(gql, garage, job, item, quantity=2, **extra) -> dict:
    return ok(await mutate(gql, REQUEST_PARTS, garage.token(Role.TECHNICIAN), jobId=str(job.id),
                           itemId=str(item.id), quantity=quantity, **extra))


async def test_the_life_of_a_parts_request(gql, garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage, quantity=10, cost=12_000, price=18_000)
    client_id = str(uuid.uuid4())
    requested = await _request(gql, garage, job, item, quantity=3, id=client_id, note="Front axle")
    request = requested["partsRequest"]
    assert request["id"] == client_id and request["status"] == "PENDING" and request["note"] == "Front axle"
    assert request["requestedBy"]["id"] == str(garage.users[Role.TECHNICIAN].id)
    assert request["item"]["sku"] == item.sku and request["unitPrice"] is None
    assert requested["job"]["status"] == "AWAITING_PARTS"

    approved = ok(await mutate(gql, APPROVE, garage.token(Role.WORKSHOP_MANAGER), id=client_id, expectedVersion=1))
    assert approved["partsRequest"]["status"] == "APPROVED" and approved["partsRequest"]["decidedAt"]
    assert approved["partsRequest"]["decidedBy"]["id"] == str(garage.users[Role.WORKSHOP_MANAGER].id)
    assert approved["job"]["status"] == "AWAITING_PARTS"

    issued = ok(await mutate(gql, ISSUE, garage.token(Role.WAREHOUSE_MANAGER), id=client_id))
    pr = issued["partsRequest"]
    assert pr["status"] == "ISSUED" and pr["issuedAt"] and pr["unitPrice"] == 18_000
    costs = await gql("query($j: ID!) { partsRequests(jobId: $j) { unitCost } }", {"j": str(job.id)},
                      token=garage.token(Role.WAREHOUSE_MANAGER))
    assert [p["unitCost"] for p in costs["data"]["partsRequests"]] == [12_000]
    assert pr["item"]["quantityOnHand"] == 7 and await stock_of(db, item.id) == 7
    assert issued["job"]["status"] == "IN_PROGRESS"  # nothing pending any more

    fitted = ok(await mutate(gql, COMPLETE_PARTS, garage.token(Role.TECHNICIAN), id=client_id))
    assert fitted["partsRequest"]["status"] == "COMPLETED" and fitted["partsRequest"]["completedAt"]
    returned = ok(await mutate(gql, RETURN_PARTS, garage.token(Role.WAREHOUSE_MANAGER), id=client_id, quantity=1,
                               reason="One pad left over"))
    assert returned["partsRequest"]["returnedQuantity"] == 1 and await stock_of(db, item.id) == 8
    too_many = await mutate(gql, RETURN_PARTS, garage.token(Role.WAREHOUSE_MANAGER), id=client_id, quantity=3)
    assert codes(too_many) == ["INVALID_QUANTITY"] and await stock_of(db, item.id) == 8
    await assert_ledger_consistent(db, garage.id)

    async with db.read() as s:
        kinds = [k.value for k in (await s.execute(select(JobEvent.kind).where(JobEvent.job_id == job.id)
                                                   .order_by(JobEvent.at, JobEvent.id))).scalars()]
        audits = (await s.execute(select(AuditEntry.action).where(AuditEntry.entity_type == "PartsRequest")
                                  .order_by(AuditEntry.at, AuditEntry.id))).scalars().all()
    assert [k for k in kinds if k.startswith("PARTS_")] == ["PARTS_REQUESTED", "PARTS_APPROVED", "PARTS_ISSUED",
                                                           "PARTS_RETURNED"]
    assert kinds.count("STATUS_CHANGED") >= 3  # started, awaiting parts, back in progress
    assert audits == ["create", "approve", "issue", "complete", "return"]

    body = await gql(PARTS, {"jobId": str(job.id)}, token=garage.token(Role.BILLING))
    assert body["data"]["partsRequests"] == [{"id": client_id, "status": "COMPLETED", "quantity": 3}]


async def test_job_waits_until_every_request_is_issued_or_rejected(gql, garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage, quantity=5)
    first = (await _request(gql, garage, job, item, 1))["partsRequest"]
    second = (await _request(gql, garage, job, item, 1))["partsRequest"]
    manager, warehouse = garage.token(Role.WORKSHOP_MANAGER), garage.token(Role.WAREHOUSE_MANAGER)
    ok(await mutate(gql, APPROVE, manager, id=first["id"]))
    ok(await mutate(gql, APPROVE, manager, id=second["id"]))
    assert (ok(await mutate(gql, ISSUE, warehouse, id=first["id"])))["job"]["status"] == "AWAITING_PARTS"
    assert (ok(await mutate(gql, ISSUE, warehouse, id=second["id"])))["job"]["status"] == "IN_PROGRESS"
    third = (await _request(gql, garage, job, item, 1))["partsRequest"]
    assert await job_status(db, job.id) == "AWAITING_PARTS"
    rejected = ok(await mutate(gql, REJECT, manager, id=third["id"], reason="Not needed for this repair"))
    assert rejected["partsRequest"]["rejectReason"] == "Not needed for this repair"
    assert rejected["job"]["status"] == "IN_PROGRESS"


async def test_refusals(gql, garage, db, app):
    job = await working_job(db, garage)
    item = await make_item(db, garage, quantity=2)
    request = (await _request(gql, garage, job, item, 3))["partsRequest"]
    rid = request["id"]
    manager, warehouse = garage.token(Role.WORKSHOP_MANAGER), garage.token(Role.WAREHOUSE_MANAGER)

    # wrong role
    for document, input_, roles in (
            (REQUEST_PARTS, {"jobId": str(job.id), "itemId": str(item.id), "quantity": 1},
             (Role.WORKSHOP_MANAGER, Role.WAREHOUSE_MANAGER, Role.SITE_MANAGER, Role.BILLING)),
            (APPROVE, {"id": rid}, (Role.TECHNICIAN, Role.WAREHOUSE_MANAGER, Role.SITE_MANAGER, Role.BILLING)),
            (REJECT, {"id": rid, "reason": "x"}, (Role.TECHNICIAN, Role.WAREHOUSE_MANAGER)),
            (ISSUE, {"id": rid}, (Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.SITE_MANAGER, Role.BILLING)),
            (RETURN_PARTS, {"id": rid, "quantity": 1}, (Role.TECHNICIAN, Role.WORKSHOP_MANAGER))):
        for role in roles:
            body = await gql(document, {"input": input_}, token=garage.token(role), expect_errors=True)
            assert error_codes(body) == ["FORBIDDEN"], (document, role)

    # another technician's job
    other = await token_for(app, await make_technician(db, garage))
    refused = await mutate(gql, REQUEST_PARTS, other, jobId=str(job.id), itemId=str(item.id), quantity=1)
    assert codes(refused) == ["NOT_YOUR_JOB"]
    body = await gql(PARTS, {"jobId": str(job.id)}, token=other, expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_YOUR_JOB"

    # bad input
    bad = await mutate(gql, REQUEST_PARTS, garage.token(Role.TECHNICIAN), jobId=str(job.id), itemId=str(item.id),
                       quantity=0)
    assert codes(bad) == ["INVALID_QUANTITY"]
    assert codes(await mutate(gql, REQUEST_PARTS, garage.token(Role.TECHNICIAN), jobId=str(job.id),
                              itemId=str(uuid.uuid4()), quantity=1)) == ["NOT_FOUND"]
    assert codes(await mutate(gql, REJECT, manager, id=rid, reason="  ")) == ["REASON_REQUIRED"]

    # issuing a request that is not approved names its status
    unapproved = await mutate(gql, ISSUE, warehouse, id=rid)
    assert codes(unapproved) == ["INVALID_PARTS_REQUEST_STATE"]
    assert unapproved["errors"][0]["message"] == "A parts request that is pending cannot do that."
    assert unapproved["partsRequest"] is None
    assert codes(await mutate(gql, COMPLETE_PARTS, garage.token(Role.TECHNICIAN), id=rid)) == [
        "INVALID_PARTS_REQUEST_STATE"]
    assert codes(await mutate(gql, RETURN_PARTS, warehouse, id=rid, quantity=1)) == ["INVALID_PARTS_REQUEST_STATE"]

    # more than in stock: a localized error, and nothing changes
    ok(await mutate(gql, APPROVE, manager, id=rid))
    for lang, message in (("en", "Only 2 in stock; 3 asked for."), ("th", None)):
        short = await mutate(gql, ISSUE, warehouse, lang=lang, id=rid)
        assert codes(short) == ["INSUFFICIENT_STOCK"]
        if message:
            assert short["errors"][0]["message"] == message
        else:
            thai = short["errors"][0]["message"]
            assert "2" in thai and "3" in thai and thai != "Only 2 in stock; 3 asked for."
    assert await stock_of(db, item.id) == 2
    async with db.read() as s:
        still = await s.get(PartsRequest, uuid.UUID(rid))
    assert still.status.value == "APPROVED" and still.issued_at is None and still.version == 2
    assert await job_status(db, job.id) == "AWAITING_PARTS"
    await assert_ledger_consistent(db, garage.id)
    # approving twice is refused, naming the status
    again = await mutate(gql, APPROVE, manager, id=rid)
    assert again["errors"][0]["message"] == "A parts request that is approved cannot do that."


async def test_not_on_a_job_that_is_not_in_progress(gql, garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage)
    from backend.workshop.service import jobs as jobs_service

    async with db.transaction() as session:
        await jobs_service.hold_job(session, garage.actor(Role.SITE_MANAGER), job.id, "Waiting for the owner")
    refused = await mutate(gql, REQUEST_PARTS, garage.token(Role.TECHNICIAN), jobId=str(job.id),
                           itemId=str(item.id), quantity=1)
    assert codes(refused) == ["JOB_NOT_WORKABLE"] and "on hold" in refused["errors"][0]["message"]


async def test_stale_version_gets_conflict_with_the_current_record(gql, garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage)
    rid = (await _request(gql, garage, job, item))["partsRequest"]["id"]
    manager = garage.token(Role.WORKSHOP_MANAGER)
    stale = await mutate(gql, APPROVE, manager, id=rid, expectedVersion=7)
    assert codes(stale) == ["CONFLICT"]
    assert stale["partsRequest"]["status"] == "PENDING" and stale["partsRequest"]["version"] == 1
    ok(await mutate(gql, APPROVE, manager, id=rid, expectedVersion=1))
    stale = await mutate(gql, ISSUE, garage.token(Role.WAREHOUSE_MANAGER), id=rid, expectedVersion=1)
    assert codes(stale) == ["CONFLICT"] and stale["partsRequest"]["version"] == 2


async def test_replayed_request_and_issue_take_effect_once(gql, garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage, quantity=10)
    tech = garage.token(Role.TECHNICIAN)
    values = {"jobId": str(job.id), "itemId": str(item.id), "quantity": 2, "clientMutationId": "phone:req-1"}
    first = ok(await mutate(gql, REQUEST_PARTS, tech, **values))
    again = ok(await mutate(gql, REQUEST_PARTS, tech, **values))
    assert again["partsRequest"]["id"] == first["partsRequest"]["id"]
    # the same key twice at the same moment
    values["clientMutationId"] = "phone:req-2"
    both = await asyncio.gather(*(mutate(gql, REQUEST_PARTS, tech, **values) for _ in range(2)))
    assert all(p["errors"] == [] for p in both)
    assert both[0]["partsRequest"]["id"] == both[1]["partsRequest"]["id"]
    async with db.read() as s:
        count = (await s.execute(select(func.count()).select_from(PartsRequest).where(PartsRequest.job_id == job.id))
                 ).scalar_one()
    assert count == 2

    rid = first["partsRequest"]["id"]
    ok(await mutate(gql, APPROVE, garage.token(Role.WORKSHOP_MANAGER), id=rid))
    warehouse = garage.token(Role.WAREHOUSE_MANAGER)
    issues = await asyncio.gather(*(mutate(gql, ISSUE, warehouse, id=rid, clientMutationId="desk:issue-1")
                                    for _ in range(3)))
    assert all(p["errors"] == [] and p["partsRequest"]["status"] == "ISSUED" for p in issues)
    later = ok(await mutate(gql, ISSUE, warehouse, id=rid, clientMutationId="desk:issue-1"))
    assert later["partsRequest"]["id"] == rid
    assert await stock_of(db, item.id) == 8
    await assert_ledger_consistent(db, garage.id)


async def test_fifty_concurrent_issues_against_twenty_in_stock(db, garage):
    item = await make_item(db, garage, quantity=20)
    _job_id, request_ids = await make_job(db, garage.id, item.id, requests=50, quantity=1,
                                          site_id=(await bay_site(db, garage)).id)
    actor = garage.actor(Role.WAREHOUSE_MANAGER)

    async def issue(request_id):
        try:
            async with db.transaction() as session:
                await parts_service.issue_parts_request(session, actor, request_id)
            return "ok"
        except DomainError as exc:
            return exc.code.value

    results = await asyncio.gather(*(issue(r) for r in request_ids))
    assert results.count("ok") == 20 and results.count("INSUFFICIENT_STOCK") == 30
    assert await stock_of(db, item.id) == 0
    async with db.read() as s:
        statuses = (await s.execute(select(PartsRequest.status, func.count()).where(
            PartsRequest.item_id == item.id).group_by(PartsRequest.status))).all()
    assert {st.value: n for st, n in statuses} == {"ISSUED": 20, "APPROVED": 30}
    await assert_ledger_consistent(db, garage.id)


@pytest.mark.postgresql_only  # concurrency across connections is what PostgreSQL shows; SQLite runs writers one by one
async def test_fifty_concurrent_graphql_issues(gql, db, garage):
    item = await make_item(db, garage, quantity=20)
    _job_id, request_ids = await make_job(db, garage.id, item.id, requests=50, quantity=1,
                                          site_id=(await bay_site(db, garage)).id)
    warehouse = garage.token(Role.WAREHOUSE_MANAGER)
    payloads = await asyncio.gather(*(mutate(gql, ISSUE, warehouse, id=str(r)) for r in request_ids))
    assert sum(1 for p in payloads if p["errors"] == []) == 20
    assert sum(1 for p in payloads if codes(p) == ["INSUFFICIENT_STOCK"]) == 30
    assert await stock_of(db, item.id) == 0
    await assert_ledger_consistent(db, garage.id)


async def test_queues_oldest_first_and_technicians_see_their_own(gql, garage, db, app):
    job = await working_job(db, garage)
    other_tech = await make_technician(db, garage)
    other_job = await working_job(db, garage, technician_id=other_tech.id)
    item = await make_item(db, garage)
    ids = [(await _request(gql, garage, job, item, 1))["partsRequest"]["id"] for _ in range(3)]
    other_token = await token_for(app, other_tech)
    theirs = ok(await mutate(gql, REQUEST_PARTS, other_token, jobId=str(other_job.id), itemId=str(item.id),
                             quantity=1))["partsRequest"]["id"]
    ok(await mutate(gql, APPROVE, garage.token(Role.WORKSHOP_MANAGER), id=ids[1]))

    manager = garage.token(Role.WORKSHOP_MANAGER)
    page = (await gql(PENDING, {"queue": "APPROVAL", "first": 2}, token=manager))["data"]["pendingPartsRequests"]
    assert [e["node"]["id"] for e in page["edges"]] == [ids[0], ids[2]] and page["pageInfo"]["hasNextPage"]
    rest = (await gql(PENDING, {"queue": "APPROVAL", "first": 2, "after": page["pageInfo"]["endCursor"]},
                      token=manager))["data"]["pendingPartsRequests"]
    assert [e["node"]["id"] for e in rest["edges"]] == [theirs] and not rest["pageInfo"]["hasNextPage"]
    issue_queue = (await gql(PENDING, {"queue": "ISSUE"}, token=garage.token(Role.WAREHOUSE_MANAGER)))["data"]
    assert [e["node"]["id"] for e in issue_queue["pendingPartsRequests"]["edges"]] == [ids[1]]
    mine = (await gql(PENDING, {"queue": "APPROVAL"}, token=other_token))["data"]["pendingPartsRequests"]
    assert [e["node"]["id"] for e in mine["edges"]] == [theirs]


async def test_two_garages_share_nothing(gql, garage, other_garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage)
    rid = (await _request(gql, garage, job, item))["partsRequest"]["id"]
    their_item = await make_item(db, other_garage)
    assert codes(await mutate(gql, REQUEST_PARTS, garage.token(Role.TECHNICIAN), jobId=str(job.id),
                              itemId=str(their_item.id), quantity=1)) == ["NOT_FOUND"]
    for document in (APPROVE, REJECT, ISSUE):
        input_ = {"id": rid, "reason": "x"} if document is REJECT else {"id": rid}
        assert codes(await mutate(gql, document, other_garage.token(), **input_)) == ["NOT_FOUND"]
    queue = (await gql(PENDING, {"queue": "APPROVAL"}, token=other_garage.token()))["data"]
    assert queue["pendingPartsRequests"]["edges"] == []
    body = await gql(PARTS, {"jobId": str(job.id)}, token=other_garage.token(), expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_FOUND"
    async with db.read() as s:
        assert (await s.get(PartsRequest, uuid.UUID(rid))).status.value == "PENDING"


def _ws_client(app):
    return AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://testserver")


async def _subscribe(ws, token: str) -> None:
    await ws.send_text(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await ws.receive_text())["type"] == "connection_ack"
    await ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription { partsRequestsChanged { id status version job { id status } } }"}}))


async def test_managers_hear_of_approval(app, gql, garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage)
    rid = (await _request(gql, garage, job, item))["partsRequest"]["id"]
    async with _ws_client(app) as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await _subscribe(ws, garage.token(Role.WAREHOUSE_MANAGER))
        await asyncio.sleep(0.2)  # the subscription is listening
        ok(await mutate(gql, APPROVE, garage.token(Role.WORKSHOP_MANAGER), id=rid))
        message = json.loads(await asyncio.wait_for(ws.receive_text(), 5))
        assert message["type"] == "next"
        assert message["payload"]["data"]["partsRequestsChanged"] == {
            "id": rid, "status": "APPROVED", "version": 2, "job": {"id": str(job.id), "status": "AWAITING_PARTS"}}


async def test_technicians_cannot_listen_to_the_queues(app, garage):
    async with _ws_client(app) as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await _subscribe(ws, garage.token(Role.TECHNICIAN))
        message = json.loads(await asyncio.wait_for(ws.receive_text(), 5))
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
