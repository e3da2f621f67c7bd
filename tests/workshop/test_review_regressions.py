"""What a review of issues 2 and 3 found, held in place: each test failed before its fix."""

from __future__ import annotations

from sqlalchemy import select

from backend.core.permissions import Role
from backend.workshop.models import Job, JobStatus, PartsRequest, PartsRequestStatus
from tests.conftest import error_codes
from tests.workshop.helpers import make_technician, token_for
from tests.workshop.test_tasks_helpers import (
    ADD_JOB_TASK,
    APPROVE,
    CLOCK_ON,
    PENDING,
    REQUEST_PARTS,
    make_item,
    mutate,
    ok,
    working_job,
)


async def _status(db, job_id) -> JobStatus:
    async with db.read() as s:
        return (await s.execute(select(Job.status).where(Job.id == job_id))).scalar_one()


async def test_a_forbidden_nested_field_does_not_undo_the_mutation(gql, garage, db):
    """A technician may not read the customer: the job is still completed, and the payload says so truthfully."""
    job = await working_job(db, garage)
    body = await gql("""mutation($j: ID!) { completeJob(input: {jobId: $j, workDoneNotes: "Changed the oil"})
        { job { status customer { name } } errors { code } } }""", {"j": str(job.id)},
                     token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]  # on completeJob.job.customer only
    assert body["data"]["completeJob"]["job"]["status"] == "COMPLETED"
    assert await _status(db, job.id) == JobStatus.COMPLETED


async def test_a_failed_root_field_rolls_back_everything_and_returns_no_data(gql, garage, db, app):
    """Two mutations in one document: the second is refused, so the first is undone and nothing claims success."""
    job = await working_job(db, garage)
    events = []
    pubsub = app.state.services.pubsub
    original = pubsub.publish

    async def spy(channel, message):
        events.append(channel)
        await original(channel, message)

    pubsub.publish = spy
    try:
        body = await gql("""mutation($j: ID!) { a: holdJob(input: {jobId: $j, reason: "Customer away"}) { job { status } }
            b: createApiKey(input: {name: "x", scopes: [ACCOUNTS_READ]}) { secret } }""",
                         {"j": str(job.id)}, token=garage.token(Role.WORKSHOP_MANAGER), expect_errors=True)
    finally:
        pubsub.publish = original
    assert body.get("data") is None and error_codes(body) == ["FORBIDDEN"]
    assert await _status(db, job.id) == JobStatus.IN_PROGRESS
    assert events == []  # the hold's events were dropped with it


async def test_second_mutation_in_a_document_shows_fresh_state(gql, garage, db):
    job = await working_job(db, garage)
    doc = """mutation($j: ID!) {
      a: addJobTask(input: {jobId: $j, name: "A", labourCost: 100, billedHours: "1.5"}) { job { billedHours } }
      b: addJobTask(input: {jobId: $j, name: "B", labourCost: 100, billedHours: "2"}) { job { billedHours tasks { name } } }
    }"""
    body = await gql(doc, {"j": str(job.id)}, token=garage.token(Role.TECHNICIAN))
    assert body["data"]["a"]["job"]["billedHours"] == 1.5
    assert body["data"]["b"]["job"] == {"billedHours": 3.5, "tasks": [{"name": "A"}, {"name": "B"}]}


async def test_bad_inputs_get_localized_errors_not_internal_ones(gql, garage, db):
    token = garage.token()
    body = await gql('{ jobs(filter: {siteId: "x", technicianId: "y"}) { edges { cursor } } }', token=token,
                     lang="th", expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"] and len(body["errors"][0]["extensions"]["errors"]) == 2
    body = await gql('{ jobs(filter: {createdFrom: "0001-01-01T00:00:00+14:00"}) { edges { cursor } } }',
                     token=token, expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    job = await working_job(db, garage)
    item = await make_item(db, garage)
    payload = await mutate(gql, REQUEST_PARTS, garage.token(Role.TECHNICIAN), id="not-a-uuid", jobId=str(job.id),
                           itemId=str(item.id), quantity=1)
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    body = await gql('mutation($tz: String!) { updateGarageSettings(input: {timeZone: $tz}) { errors { code } } }',
                     {"tz": "x" * 300}, token=token)
    assert body["data"]["updateGarageSettings"]["errors"] == [{"code": "INVALID_TIME_ZONE"}]


async def test_cancelling_a_job_withdraws_its_unissued_parts_requests(gql, garage, db):
    job = await working_job(db, garage)
    item = await make_item(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    first = ok(await mutate(gql, REQUEST_PARTS, tech, jobId=str(job.id), itemId=str(item.id), quantity=1))
    ok(await mutate(gql, REQUEST_PARTS, tech, jobId=str(job.id), itemId=str(item.id), quantity=2))
    ok(await mutate(gql, APPROVE, garage.token(Role.WORKSHOP_MANAGER), id=first["partsRequest"]["id"]))
    body = await gql('mutation($j: ID!) { cancelJob(input: {jobId: $j, reason: "Customer took the car"}) '
                     '{ job { status } errors { code } } }', {"j": str(job.id)}, token=garage.token(Role.SITE_MANAGER))
    assert body["data"]["cancelJob"]["job"]["status"] == "CANCELLED"
    for queue, role in (("APPROVAL", Role.WORKSHOP_MANAGER), ("ISSUE", Role.WAREHOUSE_MANAGER)):
        pending = await gql(PENDING, {"queue": queue}, token=garage.token(role))
        assert pending["data"]["pendingPartsRequests"]["edges"] == []
    async with db.read() as s:
        rows = (await s.execute(select(PartsRequest.status, PartsRequest.reject_reason))).all()
    assert rows == [(PartsRequestStatus.REJECTED, "Customer took the car")] * 2


async def test_an_old_technician_sees_nothing_of_a_reassigned_job(gql, garage, db, app):
    job = await working_job(db, garage)
    old = garage.token(Role.TECHNICIAN)
    ok(await mutate(gql, CLOCK_ON, old, jobId=str(job.id)))
    ok(await mutate(gql, ADD_JOB_TASK, old, jobId=str(job.id), name="Diagnose", labourCost=0, billedHours="0.5"))
    other = await make_technician(db, garage)
    body = await gql("mutation($j: ID!, $t: ID!) { assignJob(input: {jobId: $j, technicianId: $t}) "
                     "{ errors { code } } }", {"j": str(job.id), "t": str(other.id)},
                     token=garage.token(Role.WORKSHOP_MANAGER))
    assert body["data"]["assignJob"]["errors"] == []
    # the handover ended the old technician's clock, and no nested field shows them the job any more
    assert (await gql("{ myClock { id job { workDoneNotes } } }", token=old))["data"]["myClock"] is None
    assert (await gql("query($j: ID!) { job(id: $j) { id } }", {"j": str(job.id)}, token=old))["data"]["job"] is None
    new = await token_for(app, other)
    assert (await gql("query($j: ID!) { job(id: $j) { id } }", {"j": str(job.id)}, token=new))["data"]["job"]


async def test_a_read_only_key_cannot_write_notes_and_colleagues_show_no_contacts(gql, garage, db):
    job = await working_job(db, garage)
    key = await gql('mutation { createApiKey(input: {name: "ro", scopes: [WORKSHOP_READ]}) { secret } }',
                    token=garage.token())
    secret = key["data"]["createApiKey"]["secret"]
    body = await gql('mutation($j: ID!) { addJobNote(input: {jobId: $j, note: "hi"}) { errors { code } } }',
                     {"j": str(job.id)}, token=secret, expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]
    seen = await gql("query($j: ID!) { job(id: $j) { vehicle { registration } technician { name email phone } } }",
                     {"j": str(job.id)}, token=garage.token(Role.WAREHOUSE_MANAGER))
    tech = seen["data"]["job"]["technician"]
    assert tech["email"] is None and tech["phone"] is None and tech["name"]
    assert seen["data"]["job"]["vehicle"]["registration"]
    me = await gql("{ me { email } }", token=garage.token(Role.WAREHOUSE_MANAGER))
    assert me["data"]["me"]["email"] == garage.users[Role.WAREHOUSE_MANAGER].email


async def test_clocked_hours_agree_everywhere(gql, garage, db):
    import datetime as dt

    from backend.workshop.models import TimeClockEntry

    job = await working_job(db, garage)
    async with db.transaction() as s:
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        s.add(TimeClockEntry(garage_id=garage.id, job_id=job.id, technician_id=garage.users[Role.TECHNICIAN].id,
                             started_at=start, ended_at=start + dt.timedelta(seconds=450), seconds=450))
    body = await gql("query($j: ID!) { job(id: $j) { clockedHours } clockedHours(jobId: $j) { hours } }",
                     {"j": str(job.id)}, token=garage.token())
    assert body["data"]["job"]["clockedHours"] == 0.13
    assert [str(x["hours"]) for x in body["data"]["clockedHours"]] == ["0.13"]


async def test_a_deactivated_users_subscription_goes_quiet(gql, garage, db, app):
    import asyncio
    import json

    import httpx
    from httpx_ws import aconnect_ws
    from httpx_ws.transport import ASGIWebSocketTransport

    job = await working_job(db, garage)
    manager = garage.users[Role.WORKSHOP_MANAGER]
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://t") as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init",
                                       "payload": {"Authorization": f"Bearer {garage.token(Role.WORKSHOP_MANAGER)}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($j: ID!) { jobUpdated(jobId: $j) { status } }", "variables": {"j": str(job.id)}}}))
        for _ in range(200):
            if any(k.endswith(str(job.id)) for k in app.state.services.pubsub._queues):
                break
            await asyncio.sleep(0.01)
        await gql("mutation($id: ID!) { deactivateUser(input: {id: $id}) { errors { code } } }",
                  {"id": str(manager.id)}, token=garage.token())
        await gql('mutation($j: ID!) { holdJob(input: {jobId: $j, reason: "Waiting"}) { errors { code } } }',
                  {"j": str(job.id)}, token=garage.token(Role.SITE_MANAGER))
        message = json.loads(await asyncio.wait_for(ws.receive_text(), 2))
        assert "ON_HOLD" not in json.dumps(message)
        assert message["type"] == "error" or message["payload"].get("errors"), message
