"""The customer and vehicle screens' reads (visits, service history) and reception's assign dead end.

Customer.jobs and Vehicle.jobs: newest first, garage-scoped, a technician sees only their own jobs, and the number
of SQL statements does not grow with the number of customers or vehicles listed. assignJob names the dead end when no
technician works the job's stream, in the reader's language; the override with a reason stays with the roles that
hold jobs:override_stream.
"""

from __future__ import annotations

import pytest

from backend.core.enums import OperationsStream
from backend.core.permissions import Role, permissions_for_role, Permission
from backend.workshop.service import jobs as jobs_service
from tests.workshop.helpers import JOB, call, make_site, make_technician, make_vehicle, ok, service_job

SM, TECH, WM, BILL, ADMIN = Role.SITE_MANAGER, Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.BILLING, Role.ADMIN

CUSTOMER_VISITS = """query($id: ID!) { customer(id: $id) { id jobs { id number status vehicle { id } } } }"""
VEHICLE_HISTORY = """query($id: ID!) { vehicle(id: $id) { id jobs { id number status complaint workDoneNotes
  tasks { id } } } }"""


async def _assign(db, garage, job, technician_id):
    async with db.transaction() as session:
        return await jobs_service.assign_job(session, garage.actor(WM), job.id, technician_id)


async def test_visits_and_service_history_newest_first_and_scoped(gql, db, garage, other_garage):
    site = await make_site(db, garage)
    vehicle = await make_vehicle(db, garage)
    first = await service_job(db, garage, site, vehicle, issues_reported="Brakes squeal")
    await _assign(db, garage, first, garage.users[TECH].id)
    second = await service_job(db, garage, site, vehicle, stream=OperationsStream.BODY)
    other_vehicle = await make_vehicle(db, garage, owner_name="Another owner")
    await service_job(db, garage, site, other_vehicle)

    body = await gql(VEHICLE_HISTORY, {"id": str(vehicle.id)}, token=garage.token(SM))
    assert [j["id"] for j in body["data"]["vehicle"]["jobs"]] == [str(second.id), str(first.id)]
    body = await gql(CUSTOMER_VISITS, {"id": str(vehicle.owner_id)}, token=garage.token(BILL))
    visits = body["data"]["customer"]["jobs"]
    assert [j["id"] for j in visits] == [str(second.id), str(first.id)]
    assert {j["vehicle"]["id"] for j in visits} == {str(vehicle.id)}

    # a technician sees only the jobs given to them in a vehicle's history
    body = await gql(VEHICLE_HISTORY, {"id": str(vehicle.id)}, token=garage.token(TECH))
    assert [j["id"] for j in body["data"]["vehicle"]["jobs"]] == [str(first.id)]

    # another garage sees neither the customer nor the vehicle, so none of their jobs
    for query, key in ((VEHICLE_HISTORY, "vehicle"), (CUSTOMER_VISITS, "customer")):
        target = str(vehicle.id) if key == "vehicle" else str(vehicle.owner_id)
        body = await gql(query, {"id": target}, token=other_garage.token(ADMIN))
        assert body["data"][key] is None


async def test_visits_need_jobs_read(gql, db, garage):
    # every staff role holds jobs:read today; the field names it, so a role without it would get FORBIDDEN
    assert all(Permission.JOBS_READ in permissions_for_role(r) for r in Role)
    vehicle = await make_vehicle(db, garage)
    body = await gql(CUSTOMER_VISITS, {"id": str(vehicle.owner_id)}, token=garage.token(SM))
    assert body["data"]["customer"]["jobs"] == []


@pytest.mark.parametrize("n", [1, 10])
async def test_history_statement_count_is_constant_in_rows(gql, db, garage, count_statements, n):
    site = await make_site(db, garage)
    for i in range(10):
        vehicle = await make_vehicle(db, garage, owner_name=f"Owner {i:02d}")
        for _ in range(1 + i % 2):
            await service_job(db, garage, site, vehicle)
    query = """query($n: Int) { customers(first: $n) { edges { node { id jobs { id number }
      vehicles { id jobs { id tasks { id } } } } } } }"""
    with count_statements() as counter:
        body = await gql(query, {"n": n}, token=garage.token(SM))
    edges = body["data"]["customers"]["edges"]
    assert len(edges) == n
    assert all(e["node"]["jobs"] and e["node"]["vehicles"][0]["jobs"] for e in edges)
    # auth, customers, their jobs, their vehicles, the vehicles' jobs, the jobs' tasks
    assert counter.count == 6, counter.statements


async def test_assigning_with_no_technician_in_the_stream_says_so(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle, stream=OperationsStream.ELECTRICAL)
    jid, mech = str(job.id), str(garage.users[TECH].id)

    payload = await call(gql, "assignJob", garage.token(SM), jobId=jid, technicianId=mech)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("technicianId", "NO_TECHNICIAN_IN_STREAM")]
    assert payload["errors"][0]["message"] == ("No technician works in the electrical stream. A workshop manager "
                                               "can assign another technician and give the reason.")
    payload = await call(gql, "assignJob", garage.token(SM), lang="th", jobId=jid, technicianId=mech)
    assert payload["errors"][0]["message"] == ("ยังไม่มีช่างในสายงาน ระบบไฟฟ้า ผู้จัดการฝ่ายซ่อมมอบหมายให้ช่างคนอื่นได้ "
                                               "โดยระบุเหตุผล")
    # a site manager may not take the override, even with a reason; nothing changed
    payload = await call(gql, "assignJob", garage.token(SM), jobId=jid, technicianId=mech,
                         streamOverrideReason="The electrician is away")
    assert payload["errors"][0]["code"] == "NO_TECHNICIAN_IN_STREAM"
    assert (await gql(JOB, {"id": jid}, token=garage.token(SM)))["data"]["job"]["technician"] is None
    # the workshop manager's override with a reason assigns and records the reason
    done = ok(await call(gql, "assignJob", garage.token(WM), jobId=jid, technicianId=mech,
                         streamOverrideReason="The electrician is away"))
    assert done["status"] == "ASSIGNED" and done["technician"]["id"] == mech
    assert done["streamOverrideReason"] == "The electrician is away"


async def test_a_stream_with_a_technician_keeps_the_wrong_stream_error(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    await make_technician(db, garage, streams=(OperationsStream.ELECTRICAL,))
    await make_technician(db, garage, streams=(OperationsStream.BODY,), active=False)
    job = await service_job(db, garage, site, vehicle, stream=OperationsStream.ELECTRICAL)
    payload = await call(gql, "assignJob", garage.token(SM), jobId=str(job.id), technicianId=str(garage.users[TECH].id))
    assert [e["code"] for e in payload["errors"]] == ["WRONG_STREAM"]
    # an inactive technician does not count as working the stream
    body_job = await service_job(db, garage, site, vehicle, stream=OperationsStream.BODY)
    payload = await call(gql, "assignJob", garage.token(SM), jobId=str(body_job.id),
                         technicianId=str(garage.users[TECH].id))
    assert [e["code"] for e in payload["errors"]] == ["NO_TECHNICIAN_IN_STREAM"]
