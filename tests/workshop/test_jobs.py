"""The job card's life over GraphQL, each role signed in as itself, and every refusal on the way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.core.models import AuditEntry
from backend.core.permissions import Role
from backend.inventory.models import WarehouseItem
from backend.workshop.models import Job, JobStatus, JobTask, PartsRequest, PartsRequestStatus, TaskStatus
from backend.workshop.service import jobs as jobs_service
from tests.conftest import error_codes
from tests.workshop.helpers import (
    CREATE_JOB,
    JOB,
    TIMELINE,
    call,
    make_site,
    make_technician,
    make_vehicle,
    ok,
    service_job,
    token_for,
)

SM, TECH, WM, WH, BILL, ADMIN = (Role.SITE_MANAGER, Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.WAREHOUSE_MANAGER,
                                 Role.BILLING, Role.ADMIN)


async def test_whole_life_each_role_as_itself(gql, db, garage):
    site = await make_site(db, garage)
    t = garage.token
    body = await gql(CREATE_JOB, {"input": {
        "siteId": str(site.id), "newVehicle": {"registration": "กข 1234", "make": "Toyota"},
        "newOwner": {"name": "Somchai Jaidee", "phone": "+66 81 234 5678"},
        "operationsStream": "MECHANICAL", "revenueStream": "WALK_IN", "issuesReported": "Brakes squeal",
        "mileage": 42_000, "promisedAt": "2026-03-01T10:00:00+07:00"}}, token=t(SM))
    job = ok(body["data"]["createJob"])
    assert job["status"] == "RECEIVED" and job["version"] == 1
    assert job["number"].startswith("JC-") and job["number"].endswith("-000001")
    assert job["vehicle"]["mileage"] == 42_000 and job["mileageIn"] == 42_000
    assert job["customer"]["name"] == "Somchai Jaidee" == job["vehicle"]["owner"]["name"]
    assert job["promisedAt"] == "2026-03-01T03:00:00+00:00"
    jid = job["id"]
    tech = garage.users[TECH]

    job = ok(await call(gql, "assignJob", t(SM), jobId=jid, technicianId=str(tech.id), expectedVersion=1))
    assert job["status"] == "ASSIGNED" and job["technician"]["id"] == str(tech.id) and job["assignedAt"]
    job = ok(await call(gql, "startJob", t(TECH), jobId=jid))
    assert job["status"] == "IN_PROGRESS" and job["startedAt"]
    job = ok(await call(gql, "updateJobNotes", t(TECH), jobId=jid, complaint="Squeal when braking",
                        cause="Worn pads", correction="Replaced pads", workDoneNotes="Front pads replaced"))
    assert job["cause"] == "Worn pads" and job["workDoneNotes"] == "Front pads replaced"
    job = ok(await call(gql, "completeJob", t(TECH), jobId=jid))
    assert job["status"] == "COMPLETED" and job["completedAt"]
    job = ok(await call(gql, "reviewJob", t(WM), jobId=jid, managerNotes="Checked, good work"))
    assert job["status"] == "MANAGER_REVIEW" and job["managerNotes"] == "Checked, good work"
    job = ok(await call(gql, "moveJobToBilling", t(WM), jobId=jid))
    assert job["status"] == "BILLING" and job["billingAt"]

    timeline = (await gql(TIMELINE, {"id": jid}, token=t(ADMIN)))["data"]["job"]["timeline"]
    kinds = [(e["kind"], e["toStatus"], e["actor"]["role"] if e["actor"] else None) for e in timeline]
    assert kinds == [
        ("CREATED", "RECEIVED", "SITE_MANAGER"), ("ASSIGNED", None, "SITE_MANAGER"),
        ("STATUS_CHANGED", "ASSIGNED", "SITE_MANAGER"), ("STATUS_CHANGED", "IN_PROGRESS", "TECHNICIAN"),
        ("NOTE", None, "TECHNICIAN"), ("STATUS_CHANGED", "COMPLETED", "TECHNICIAN"),
        ("STATUS_CHANGED", "MANAGER_REVIEW", "WORKSHOP_MANAGER"), ("STATUS_CHANGED", "BILLING", "WORKSHOP_MANAGER"),
    ]
    assert all(e["at"] and e["actorLabel"] for e in timeline)
    assert timeline[1]["data"]["technicianId"] == str(tech.id)

    # billing invoices later (the billing domain); here: once invoiced, a job cannot be cancelled
    async with db.transaction() as session:
        row = await session.get(Job, jobs_service.v.parse_id(jid))
        row.status = JobStatus.INVOICED
    payload = await call(gql, "cancelJob", t(SM), jobId=jid, reason="Customer changed mind")
    assert [e["code"] for e in payload["errors"]] == ["INVALID_TRANSITION"]
    assert payload["errors"][0]["message"] == "A job that is invoiced cannot do that."
    assert payload["job"]["status"] == "INVOICED"

    async with db.read() as session:
        actions = list((await session.execute(select(AuditEntry.action).where(
            AuditEntry.entity_type == "Job").order_by(AuditEntry.at))).scalars())
    for action in ("create", "status:ASSIGNED", "status:IN_PROGRESS", "update_notes", "status:COMPLETED",
                   "status:MANAGER_REVIEW", "status:BILLING"):
        assert action in actions


async def test_hold_resume_cancel(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    t, jid = garage.token, str(job.id)
    payload = await call(gql, "holdJob", t(WM), jobId=jid, reason="x")
    assert [e["code"] for e in payload["errors"]] == ["INVALID_TRANSITION"]  # RECEIVED cannot be held
    ok(await call(gql, "assignJob", t(WM), jobId=jid, technicianId=str(garage.users[TECH].id)))
    ok(await call(gql, "startJob", t(TECH), jobId=jid))
    payload = await call(gql, "holdJob", t(SM), jobId=jid, reason="   ")
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("REASON_REQUIRED", "reason")]
    job = ok(await call(gql, "holdJob", t(SM), jobId=jid, reason="Customer approval needed"))
    assert job["status"] == "ON_HOLD" and job["heldFromStatus"] == "IN_PROGRESS"
    assert job["holdReason"] == "Customer approval needed"
    payload = await call(gql, "startJob", t(TECH), jobId=jid)
    assert payload["errors"][0]["code"] == "INVALID_TRANSITION" and "on hold" in payload["errors"][0]["message"]
    job = ok(await call(gql, "resumeJob", t(WM), jobId=jid))
    assert job["status"] == "IN_PROGRESS" and job["heldFromStatus"] is None
    payload = await call(gql, "resumeJob", t(WM), jobId=jid)
    assert payload["errors"][0]["code"] == "INVALID_TRANSITION"
    payload = await call(gql, "cancelJob", t(SM), jobId=jid, reason="")
    assert payload["errors"][0]["code"] == "REASON_REQUIRED"
    job = ok(await call(gql, "cancelJob", t(SM), jobId=jid, reason="Customer took the car away"))
    assert job["status"] == "CANCELLED" and job["cancelReason"] == "Customer took the car away"
    payload = await call(gql, "cancelJob", t(SM), jobId=jid, reason="again")
    assert payload["errors"][0]["code"] == "INVALID_TRANSITION"
    assert payload["errors"][0]["message"] == "A job that is cancelled cannot do that."


@pytest.mark.parametrize("lang,message", [("en", "A job that is received cannot do that."),
                                          ("th", "งานที่อยู่ในสถานะ รับรถแล้ว ไม่สามารถทำรายการนี้ได้")])
async def test_illegal_transition_names_the_status_localized(gql, db, garage, lang, message):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    for name, role, extra in (("startJob", ADMIN, {}), ("completeJob", ADMIN, {}), ("reviewJob", WM, {}),
                              ("moveJobToBilling", WM, {}), ("resumeJob", SM, {})):
        payload = await call(gql, name, garage.token(role), lang=lang, jobId=str(job.id), **extra)
        assert [e["code"] for e in payload["errors"]] == ["INVALID_TRANSITION"], (name, payload)
        assert payload["errors"][0]["message"] == message
        assert payload["job"]["status"] == "RECEIVED"


async def test_wrong_role_is_forbidden(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    jid, tech = str(job.id), str(garage.users[TECH].id)
    cases = [
        ("createJob", [TECH, WM, WH, BILL], {"siteId": str(site.id), "vehicleId": str(vehicle.id),
                                             "operationsStream": "MECHANICAL", "revenueStream": "WALK_IN"}),
        ("assignJob", [TECH, WH, BILL], {"jobId": jid, "technicianId": tech}),
        ("startJob", [SM, WM, WH, BILL], {"jobId": jid}),
        ("completeJob", [SM, WM, WH, BILL], {"jobId": jid}),
        ("reviewJob", [SM, TECH, WH, BILL], {"jobId": jid}),
        ("moveJobToBilling", [SM, TECH, WH, BILL], {"jobId": jid}),
        ("holdJob", [TECH, WH, BILL], {"jobId": jid, "reason": "x"}),
        ("cancelJob", [TECH, WH, BILL], {"jobId": jid, "reason": "x"}),
        ("updateJobNotes", [SM, WM, WH, BILL], {"jobId": jid, "cause": "x"}),
    ]
    from tests.workshop.helpers import mutation
    for name, roles, input_ in cases:
        for role in roles:
            body = await gql(mutation(name), {"input": input_}, token=garage.token(role), expect_errors=True)
            assert error_codes(body) == ["FORBIDDEN"], (name, role, body)
    async with db.read() as session:
        row = await session.get(Job, job.id)
        assert (row.status, row.version) == (JobStatus.RECEIVED, 1)


async def test_technician_sees_and_changes_only_own_jobs(app, gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    other = await make_technician(db, garage)
    other_token = await token_for(app, other)
    mine = await service_job(db, garage, site, vehicle)
    theirs = await service_job(db, garage, site, await make_vehicle(db, garage))
    ok(await call(gql, "assignJob", garage.token(SM), jobId=str(mine.id), technicianId=str(garage.users[TECH].id)))
    ok(await call(gql, "assignJob", garage.token(SM), jobId=str(theirs.id), technicianId=str(other.id)))
    t = garage.token(TECH)
    payload = await call(gql, "startJob", t, jobId=str(theirs.id))
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_YOUR_JOB", "jobId")]
    assert payload["job"] is None  # not even the current state leaks
    for name, extra in (("updateJobNotes", {"cause": "x"}), ("completeJob", {}), ("addJobNote", {"note": "hi"})):
        payload = await call(gql, name, t, jobId=str(theirs.id), **extra)
        assert payload["errors"][0]["code"] == "NOT_YOUR_JOB" and payload["job"] is None
    assert (await gql(JOB, {"id": str(theirs.id)}, token=t))["data"]["job"] is None
    assert (await gql(JOB, {"id": str(mine.id)}, token=t))["data"]["job"]["id"] == str(mine.id)
    listed = await gql("{ jobs { edges { node { id } } } myJobs { id } }", token=t)
    assert [e["node"]["id"] for e in listed["data"]["jobs"]["edges"]] == [str(mine.id)]
    assert [j["id"] for j in listed["data"]["myJobs"]] == [str(mine.id)]
    board = await gql("query($s: ID!) { jobBoard(siteId: $s) { status jobs { id } } }", {"s": str(site.id)},
                      token=other_token)
    assert [j["id"] for c in board["data"]["jobBoard"] for j in c["jobs"]] == [str(theirs.id)]
    # the other technician's job is untouched
    async with db.read() as session:
        assert (await session.get(Job, theirs.id)).status == JobStatus.ASSIGNED


async def test_assignment_rules(app, gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    jid, t = str(job.id), garage.token
    from backend.core.enums import OperationsStream
    body_tech = await make_technician(db, garage, streams=(OperationsStream.BODY,))
    inactive = await make_technician(db, garage, active=False)
    for tech_id, code in ((str(garage.users[WM].id), "NOT_A_TECHNICIAN"), (str(inactive.id), "TECHNICIAN_NOT_ACTIVE"),
                          (str(body_tech.id), "WRONG_STREAM")):
        payload = await call(gql, "assignJob", t(SM), jobId=jid, technicianId=tech_id)
        assert [e["code"] for e in payload["errors"]] == [code]
    payload = await call(gql, "assignJob", t(SM), jobId=jid, technicianId=str(body_tech.id))
    assert payload["errors"][0]["message"] == "This technician does not work in the mechanical stream."
    # a site manager cannot override the stream, even with a reason; a workshop manager can
    payload = await call(gql, "assignJob", t(SM), jobId=jid, technicianId=str(body_tech.id),
                         streamOverrideReason="Only one free")
    assert payload["errors"][0]["code"] == "WRONG_STREAM"
    job = ok(await call(gql, "assignJob", t(WM), jobId=jid, technicianId=str(body_tech.id),
                        streamOverrideReason="Only one free"))
    assert job["status"] == "ASSIGNED" and job["streamOverrideReason"] == "Only one free"
    # reassigning an assigned job keeps its status and moves it to the new technician
    job = ok(await call(gql, "assignJob", t(SM), jobId=jid, technicianId=str(garage.users[TECH].id)))
    assert job["status"] == "ASSIGNED" and job["technician"]["id"] == str(garage.users[TECH].id)
    assert job["streamOverrideReason"] is None
    timeline = (await gql(TIMELINE, {"id": jid}, token=t(ADMIN)))["data"]["job"]["timeline"]
    assigned = [e for e in timeline if e["kind"] == "ASSIGNED"]
    assert [e["data"]["technicianId"] for e in assigned] == [str(body_tech.id), str(garage.users[TECH].id)]
    assert assigned[0]["note"] == "Only one free"


async def _parts_and_tasks(db, garage, job):
    async with db.transaction() as session:
        item = WarehouseItem(garage_id=garage.id, sku="BRK-PAD-01", name_en="Brake pads", quantity_on_hand=5)
        session.add(item)
        await session.flush()
        request = PartsRequest(garage_id=garage.id, job_id=job.id, item_id=item.id, quantity=2)
        task = JobTask(garage_id=garage.id, job_id=job.id, name="Brake service", name_th="บริการเบรก")
        session.add_all([request, task])
    return request, task


async def test_complete_refused_with_pending_parts_and_open_tasks(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    jid, t = str(job.id), garage.token
    ok(await call(gql, "assignJob", t(SM), jobId=jid, technicianId=str(garage.users[TECH].id)))
    ok(await call(gql, "startJob", t(TECH), jobId=jid))
    request, task = await _parts_and_tasks(db, garage, job)
    async with db.transaction() as session:  # what the parts service does after requestParts
        row = await jobs_service.load_job(session, garage.actor(TECH), job.id, for_update=True)
        await jobs_service.refresh_parts_status(session, garage.actor(TECH), row)
    assert (await gql(JOB, {"id": jid}, token=t(TECH)))["data"]["job"]["status"] == "AWAITING_PARTS"
    payload = await call(gql, "completeJob", t(TECH), jobId=jid, workDoneNotes="Done")
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("PARTS_PENDING", "partsRequests"),
                                                                    ("TASKS_OPEN", "tasks")]
    assert payload["errors"][0]["message"] == "Parts requests are still pending: BRK-PAD-01 × 2."
    assert payload["errors"][1]["message"] == "Tasks are still open: Brake service."
    # in Thai, the open tasks are named as the catalog names them in Thai
    thai = await call(gql, "completeJob", t(TECH), lang="th", jobId=jid, workDoneNotes="Done")
    assert "บริการเบรก" in thai["errors"][1]["message"] and "Brake service" not in thai["errors"][1]["message"]
    assert payload["job"]["status"] == "AWAITING_PARTS" and payload["job"]["workDoneNotes"] is None
    async with db.transaction() as session:  # issued, task done
        (await session.get(PartsRequest, request.id)).status = PartsRequestStatus.ISSUED
        (await session.get(JobTask, task.id)).status = TaskStatus.COMPLETED
        row = await jobs_service.load_job(session, garage.actor(TECH), job.id, for_update=True)
        await jobs_service.refresh_parts_status(session, garage.actor(TECH), row)
    assert (await gql(JOB, {"id": jid}, token=t(TECH)))["data"]["job"]["status"] == "IN_PROGRESS"
    payload = await call(gql, "completeJob", t(TECH), jobId=jid)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("REQUIRED", "workDoneNotes")]
    job = ok(await call(gql, "completeJob", t(TECH), jobId=jid, workDoneNotes="Pads and service"))
    assert job["status"] == "COMPLETED" and job["workDoneNotes"] == "Pads and service"
    timeline = (await gql(TIMELINE, {"id": jid}, token=t(ADMIN)))["data"]["job"]["timeline"]
    assert [e["toStatus"] for e in timeline if e["kind"] == "STATUS_CHANGED"] == [
        "ASSIGNED", "IN_PROGRESS", "AWAITING_PARTS", "IN_PROGRESS", "COMPLETED"]


async def test_expected_version_conflict_returns_current_job(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    jid, t = str(job.id), garage.token
    ok(await call(gql, "assignJob", t(SM), jobId=jid, technicianId=str(garage.users[TECH].id), expectedVersion=1))
    payload = await call(gql, "startJob", t(TECH), jobId=jid, expectedVersion=1)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CONFLICT", "expectedVersion")]
    assert payload["job"]["version"] == 2 and payload["job"]["status"] == "ASSIGNED"
    assert ok(await call(gql, "startJob", t(TECH), jobId=jid, expectedVersion=2))["version"] == 3


async def test_notes_and_free_notes(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    jid, t = str(job.id), garage.token
    payload = await call(gql, "addJobNote", t(BILL), jobId=jid, note="Customer pays by transfer")
    assert payload["errors"] == [] and payload["job"]["version"] == 1
    payload = await call(gql, "addJobNote", t(WH), jobId=jid, note="  ")
    assert payload["errors"][0]["code"] == "REQUIRED"
    ok(await call(gql, "assignJob", t(SM), jobId=jid, technicianId=str(garage.users[TECH].id)))
    payload = await call(gql, "updateJobNotes", t(TECH), jobId=jid, cause="x" * 5001)
    assert payload["errors"][0]["code"] == "TOO_LONG"
    ok(await call(gql, "updateJobNotes", t(ADMIN), jobId=jid, complaint="Noise"))
    timeline = (await gql(TIMELINE, {"id": jid}, token=t(ADMIN)))["data"]["job"]["timeline"]
    notes = [(e["note"], e["actor"]["role"]) for e in timeline if e["kind"] == "NOTE"]
    assert notes == [("Customer pays by transfer", "BILLING"), (None, "ADMIN")]


async def test_create_job_input_rules(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    closed = await make_site(db, garage, "Closed", active=False)
    base = {"operationsStream": "BODY", "revenueStream": "SCHEDULED"}
    cases = [
        ({"siteId": str(closed.id), "vehicleId": str(vehicle.id)}, [("INVALID_VALUE", "siteId")]),
        ({"siteId": str(site.id)}, [("REQUIRED", "vehicleId")]),
        ({"siteId": str(site.id), "vehicleId": str(vehicle.id), "newVehicle": {"registration": "AB1"}},
         [("INVALID_VALUE", "vehicleId")]),
        ({"siteId": str(site.id), "newVehicle": {"registration": "!!"}, "newOwner": {"name": "A"}},
         [("INVALID_REGISTRATION", "newVehicle.registration")]),
        ({"siteId": str(site.id), "newVehicle": {"registration": vehicle.registration}},
         [("REGISTRATION_TAKEN", "newVehicle.registration")]),
        ({"siteId": str(site.id), "vehicleId": str(vehicle.id), "mileage": 5}, [("MILEAGE_DECREASE_NEEDS_REASON",
                                                                                  "mileageReason")]),
    ]
    for input_, expected in cases:
        payload = (await gql(CREATE_JOB, {"input": {**base, **input_}}, token=garage.token(SM)))["data"]["createJob"]
        assert [(e["code"], e["field"]) for e in payload["errors"]] == expected, input_
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Job))).scalar() == 0
    # a lower reading with a reason is accepted; the job remembers it, the vehicle's log too
    payload = (await gql(CREATE_JOB, {"input": {**base, "siteId": str(site.id), "vehicleId": str(vehicle.id),
                                                "mileage": 5, "mileageReason": "New cluster"}},
                         token=garage.token(SM)))["data"]["createJob"]
    job = ok(payload)
    assert job["mileageIn"] == 5 and job["vehicle"]["mileage"] == 5 and job["number"].endswith("000001")
    # an existing owner for a new vehicle; a client-chosen id
    import uuid
    chosen = str(uuid.uuid4())
    payload = (await gql(CREATE_JOB, {"input": {**base, "id": chosen, "siteId": str(site.id),
                                                "newVehicle": {"registration": "NEW 1"}, "ownerId": job["customer"]["id"]}},
                         token=garage.token(ADMIN)))["data"]["createJob"]
    job2 = ok(payload)
    assert job2["id"] == chosen and job2["customer"]["id"] == job["customer"]["id"]
    assert job2["number"].endswith("000002")


async def test_two_garages_nothing_crosses(app, gql, db, garage, other_garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    other_site, other_vehicle = await make_site(db, other_garage), await make_vehicle(db, other_garage)
    job = await service_job(db, garage, site, vehicle)
    other_job = await service_job(db, other_garage, other_site, other_vehicle)
    assert job.number == other_job.number  # each garage counts on its own
    t = garage.token
    assert (await gql(JOB, {"id": str(other_job.id)}, token=t(ADMIN)))["data"]["job"] is None
    listed = await gql("{ jobs { edges { node { id } } } }", token=t(ADMIN))
    assert [e["node"]["id"] for e in listed["data"]["jobs"]["edges"]] == [str(job.id)]
    board = await gql("query($s: ID!) { jobBoard(siteId: $s) { jobs { id } } }", {"s": str(other_site.id)},
                      token=t(ADMIN))
    assert all(c["jobs"] == [] for c in board["data"]["jobBoard"])
    for name, extra in (("assignJob", {"technicianId": str(garage.users[TECH].id)}), ("holdJob", {"reason": "x"}),
                        ("addJobNote", {"note": "x"})):
        payload = await call(gql, name, t(ADMIN), jobId=str(other_job.id), **extra)
        assert payload["errors"][0]["code"] == "NOT_FOUND" and payload["job"] is None
    # our technician cannot be given another garage's job, nor another garage's technician ours
    payload = await call(gql, "assignJob", t(SM), jobId=str(job.id), technicianId=str(other_garage.users[TECH].id))
    assert payload["errors"][0]["code"] == "NOT_FOUND"
    body = await gql(CREATE_JOB, {"input": {"siteId": str(other_site.id), "vehicleId": str(other_vehicle.id),
                                            "operationsStream": "BODY", "revenueStream": "WALK_IN"}}, token=t(SM))
    assert [e["field"] for e in body["data"]["createJob"]["errors"]] == ["siteId"]
    async with db.read() as session:
        other = await session.get(Job, other_job.id)
        assert (other.status, other.version) == (JobStatus.RECEIVED, 1)
