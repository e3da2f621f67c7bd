"""The task-action catalog and a job's tasks over GraphQL: who may, when, and what each change leaves behind."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from backend.core.models import AuditEntry as Audit
from backend.core.permissions import Role
from backend.workshop import demo
from backend.workshop.models import JobEvent, JobTask, TaskAction
from backend.workshop.service import jobs as jobs_service
from tests.conftest import error_codes
from tests.workshop.helpers import make_technician, token_for
from tests.workshop.test_tasks_helpers import (
    ADD_JOB_TASK,
    COMPLETE_JOB_TASK,
    CREATE_TASK_ACTION,
    REMOVE_JOB_TASK,
    REOPEN_JOB_TASK,
    UPDATE_JOB_TASK,
    UPDATE_TASK_ACTION,
    codes,
    mutate,
    ok,
    working_job,
)

CATALOG = "query($stream: OperationsStream, $active: Boolean) { taskActions(stream: $stream, active: $active) { id nameEn name } }"
JOB_TASKS = "query($jobId: ID!) { jobTasks(jobId: $jobId) { id name status labourCost billedHours } }"


async def _action(gql, garage, **fields) -> dict:
    values = {"stream": "MECHANICAL", "nameEn": "Oil change", "nameTh": "เปลี่ยนถ่ายน้ำมันเครื่อง",
              "defaultLabourCost": 40_000, "standardHours": "0.5", **fields}
    return ok(await mutate(gql, CREATE_TASK_ACTION, garage.token(), **values))["taskAction"]


async def test_catalog_create_update_filter_and_localized_name(gql, garage, db):
    client_id = str(uuid.uuid4())
    oil = await _action(gql, garage, id=client_id)
    assert oil["id"] == client_id and oil["standardHours"] == "0.50" and oil["defaultLabourCost"] == 40_000
    await _action(gql, garage, stream="BODY", nameEn="Dent removal", nameTh="ซ่อมรอยบุบ")
    updated = ok(await mutate(gql, UPDATE_TASK_ACTION, garage.token(), id=oil["id"], expectedVersion=1,
                              active=False, defaultLabourCost=45_000))["taskAction"]
    assert updated["active"] is False and updated["version"] == 2 and updated["defaultLabourCost"] == 45_000

    tech = garage.token(Role.TECHNICIAN)
    body = await gql(CATALOG, {"stream": "BODY"}, token=tech, lang="th")
    assert [a["name"] for a in body["data"]["taskActions"]] == ["ซ่อมรอยบุบ"]
    body = await gql(CATALOG, {"active": True}, token=tech, lang="en")
    assert [a["name"] for a in body["data"]["taskActions"]] == ["Dent removal"]
    body = await gql(CATALOG, {}, token=tech)
    assert len(body["data"]["taskActions"]) == 2

    stale = await mutate(gql, UPDATE_TASK_ACTION, garage.token(), id=oil["id"], expectedVersion=1, nameEn="X")
    assert codes(stale) == ["CONFLICT"] and stale["taskAction"]["nameEn"] == "Oil change"
    async with db.read() as s:
        actions = (await s.execute(select(Audit.action).where(Audit.entity_id == uuid.UUID(oil["id"])))).scalars().all()
    assert sorted(actions) == ["create", "update"]


async def test_catalog_refuses_bad_values_and_non_admins(gql, garage):
    bad = await mutate(gql, CREATE_TASK_ACTION, garage.token(), lang="th", stream="BODY", nameEn=" ",
                       defaultLabourCost=-1, standardHours="1000")
    assert sorted(codes(bad)) == ["INVALID_AMOUNT", "INVALID_VALUE", "REQUIRED"]
    assert all(e["message"] and e["message"].isascii() is False for e in bad["errors"])  # Thai messages
    for role in (Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.SITE_MANAGER):
        body = await gql(CREATE_TASK_ACTION, {"input": {"stream": "BODY", "nameEn": "X"}}, token=garage.token(role),
                         expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"]


async def test_job_task_life_from_catalog_and_custom(gql, garage, db):
    job = await working_job(db, garage)
    action = await _action(gql, garage)
    tech = garage.token(Role.TECHNICIAN)

    from_catalog = ok(await mutate(gql, ADD_JOB_TASK, tech, jobId=str(job.id), taskActionId=action["id"]))
    task = from_catalog["task"]
    assert (task["name"], task["nameTh"], task["labourCost"], task["billedHours"]) == (
        "Oil change", "เปลี่ยนถ่ายน้ำมันเครื่อง", 40_000, "0.50")
    assert task["taskAction"]["id"] == action["id"] and task["status"] == "OPEN" and task["position"] == 0
    assert from_catalog["job"]["version"] > job.version

    custom_id = str(uuid.uuid4())
    custom = ok(await mutate(gql, ADD_JOB_TASK, tech, id=custom_id, jobId=str(job.id), name="Check rattle",
                             labourCost=30_000, billedHours="1.25"))["task"]
    assert custom["id"] == custom_id and custom["taskAction"] is None and custom["position"] == 1

    # a later catalog change leaves the job's copy alone
    ok(await mutate(gql, UPDATE_TASK_ACTION, garage.token(), id=action["id"], defaultLabourCost=99_000))
    edited = ok(await mutate(gql, UPDATE_JOB_TASK, tech, id=task["id"], expectedVersion=1, labourCost=50_000,
                             billedHours="0.75"))["task"]
    assert edited["labourCost"] == 50_000 and edited["billedHours"] == "0.75" and edited["version"] == 2

    done = ok(await mutate(gql, COMPLETE_JOB_TASK, tech, id=task["id"]))["task"]
    assert done["status"] == "COMPLETED" and done["completedAt"] and done["completedBy"]["id"]
    again = await mutate(gql, COMPLETE_JOB_TASK, tech, id=task["id"])
    assert codes(again) == ["TASK_COMPLETED"]
    # completed: frozen (no edit, no removal) until reopened
    assert codes(await mutate(gql, UPDATE_JOB_TASK, tech, id=task["id"], labourCost=1)) == ["TASK_COMPLETED"]
    assert codes(await mutate(gql, REMOVE_JOB_TASK, tech, id=task["id"])) == ["TASK_COMPLETED"]
    assert codes(await mutate(gql, REOPEN_JOB_TASK, tech, id=custom["id"])) == ["TASK_NOT_COMPLETED"]
    reopened = ok(await mutate(gql, REOPEN_JOB_TASK, tech, id=task["id"]))["task"]
    assert reopened["status"] == "OPEN" and reopened["completedAt"] is None

    removed = ok(await mutate(gql, REMOVE_JOB_TASK, tech, id=custom["id"]))
    assert removed["task"]["id"] == custom["id"]
    body = await gql(JOB_TASKS, {"jobId": str(job.id)}, token=tech)
    assert [t["name"] for t in body["data"]["jobTasks"]] == ["Oil change"]
    # billed hours come from the tasks (clocked hours are separate: nobody clocked on)
    assert float(removed["job"]["billedHours"]) == 0.75 and float(removed["job"]["clockedHours"]) == 0

    async with db.read() as s:
        kinds = [k.value for k in (await s.execute(
            select(JobEvent.kind).where(JobEvent.job_id == job.id).order_by(JobEvent.at, JobEvent.id))).scalars()]
        audits = (await s.execute(select(func.count()).select_from(Audit).where(Audit.entity_type == "JobTask"))
                  ).scalar_one()
    assert [k for k in kinds if k.startswith("TASK_")] == ["TASK_ADDED", "TASK_ADDED", "TASK_COMPLETED",
                                                          "TASK_REOPENED", "TASK_REMOVED"]
    assert audits == 6  # two creates, update, complete, reopen, delete


async def test_refusals_roles_other_technician_and_job_state(gql, garage, db, app):
    job = await working_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    task = ok(await mutate(gql, ADD_JOB_TASK, tech, jobId=str(job.id), name="Wash"))["task"]

    for role in (Role.WORKSHOP_MANAGER, Role.WAREHOUSE_MANAGER, Role.SITE_MANAGER, Role.BILLING):
        body = await gql(ADD_JOB_TASK, {"input": {"jobId": str(job.id), "name": "X"}}, token=garage.token(role),
                         expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"], role

    other = await token_for(app, await make_technician(db, garage))
    for document, input_ in ((ADD_JOB_TASK, {"jobId": str(job.id), "name": "X"}),
                             (COMPLETE_JOB_TASK, {"id": task["id"]}), (REMOVE_JOB_TASK, {"id": task["id"]}),
                             (UPDATE_JOB_TASK, {"id": task["id"], "labourCost": 1})):
        assert codes(await mutate(gql, document, other, **input_)) == ["NOT_YOUR_JOB"]
    body = await gql(JOB_TASKS, {"jobId": str(job.id)}, token=other, expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_YOUR_JOB"

    # an admin may work on any job
    ok(await mutate(gql, ADD_JOB_TASK, garage.token(), jobId=str(job.id), name="Admin's"))

    async with db.transaction() as session:
        await jobs_service.hold_job(session, garage.actor(Role.SITE_MANAGER), job.id, "Customer away")
    for lang, text in (("en", "Work can be recorded only on a job in progress; this one is on hold."),
                       ("th", None)):
        refused = await mutate(gql, ADD_JOB_TASK, tech, lang=lang, jobId=str(job.id), name="Late")
        assert codes(refused) == ["JOB_NOT_WORKABLE"]
        if text:
            assert refused["errors"][0]["message"] == text
        else:
            assert refused["errors"][0]["message"] != "Work can be recorded only on a job in progress; this one is on hold."
    assert codes(await mutate(gql, COMPLETE_JOB_TASK, tech, id=task["id"])) == ["JOB_NOT_WORKABLE"]

    bad = await mutate(gql, ADD_JOB_TASK, tech, jobId=str(job.id))
    assert codes(bad) == ["REQUIRED"]
    missing = await mutate(gql, ADD_JOB_TASK, tech, jobId=str(uuid.uuid4()), name="X")
    assert codes(missing) == ["NOT_FOUND"]


async def test_stale_task_edit_and_replayed_add(gql, garage, db):
    job = await working_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    key = "phone-1:add-task"
    first = ok(await mutate(gql, ADD_JOB_TASK, tech, jobId=str(job.id), name="Once", clientMutationId=key))
    second = ok(await mutate(gql, ADD_JOB_TASK, tech, jobId=str(job.id), name="Once", clientMutationId=key))
    assert first["task"]["id"] == second["task"]["id"]
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(JobTask).where(JobTask.job_id == job.id))
                ).scalar_one() == 1
    task = first["task"]
    ok(await mutate(gql, UPDATE_JOB_TASK, tech, id=task["id"], expectedVersion=1, labourCost=100))
    stale = await mutate(gql, UPDATE_JOB_TASK, tech, id=task["id"], expectedVersion=1, labourCost=200)
    assert codes(stale) == ["CONFLICT"] and stale["task"]["labourCost"] == 100 and stale["task"]["version"] == 2


async def test_two_garages_share_nothing(gql, garage, other_garage, db):
    job = await working_job(db, garage)
    action = await _action(gql, garage)
    task = ok(await mutate(gql, ADD_JOB_TASK, garage.token(), jobId=str(job.id), name="Mine"))["task"]
    theirs = other_garage.token()
    assert codes(await mutate(gql, ADD_JOB_TASK, theirs, jobId=str(job.id), name="X")) == ["NOT_FOUND"]
    assert codes(await mutate(gql, COMPLETE_JOB_TASK, theirs, id=task["id"])) == ["NOT_FOUND"]
    assert codes(await mutate(gql, UPDATE_TASK_ACTION, theirs, id=action["id"], nameEn="X")) == ["NOT_FOUND"]
    body = await gql(CATALOG, {}, token=theirs)
    assert body["data"]["taskActions"] == []


async def test_demo_catalog_has_every_streams_examples(db, garage):
    async with db.transaction() as session:
        await demo.seed(session, garage.actor())
        await demo.seed(session, garage.actor())  # twice: once
    async with db.read() as s:
        rows = list((await s.execute(select(TaskAction).where(TaskAction.garage_id == garage.id))).scalars())
    assert len(rows) == len(demo.CATALOG) == 15
    assert {r.stream.value for r in rows} == {"BODY", "MECHANICAL", "ELECTRICAL", "INTERIOR"}
    names = {r.name_en for r in rows}
    assert {"Dent removal", "Oil change", "Battery replacement", "Upholstery repair"} <= names
    assert all(r.name_th and r.default_labour_cost > 0 and r.standard_hours > 0 for r in rows)
