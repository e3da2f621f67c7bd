"""Offline replays take effect once; job numbers are gapless under concurrency."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from backend.core.models import AuditEntry
from backend.core.permissions import Role
from backend.workshop.models import Job, JobEvent
from backend.workshop.service import jobs as jobs_service
from tests.workshop.helpers import (
    CREATE_JOB,
    call,
    make_site,
    make_vehicle,
    mutation,
    ok,
    service_job,
)


async def _count(db, model, *where) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar()


async def test_create_job_replay_takes_effect_once(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    input_ = {"clientMutationId": "phone-1:op-7", "siteId": str(site.id), "vehicleId": str(vehicle.id),
              "operationsStream": "MECHANICAL", "revenueStream": "WALK_IN", "mileage": 20_000}
    first = ok((await gql(CREATE_JOB, {"input": input_}, token=garage.token(Role.SITE_MANAGER)))["data"]["createJob"])
    again = ok((await gql(CREATE_JOB, {"input": input_}, token=garage.token(Role.SITE_MANAGER)))["data"]["createJob"])
    assert again["id"] == first["id"] and again["number"] == first["number"]
    assert await _count(db, Job) == 1
    assert await _count(db, AuditEntry, AuditEntry.action == "create", AuditEntry.entity_type == "Job") == 1


async def test_assign_job_replay_takes_effect_once(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    input_ = {"clientMutationId": "k-assign", "jobId": str(job.id), "technicianId": str(garage.users[Role.TECHNICIAN].id)}
    first = ok(await call(gql, "assignJob", garage.token(Role.SITE_MANAGER), **input_))
    again = ok(await call(gql, "assignJob", garage.token(Role.SITE_MANAGER), **input_))
    assert first["version"] == again["version"] == 2
    assert await _count(db, JobEvent, JobEvent.job_id == job.id) == 3  # created, assigned, status changed
    # a replayed failure answers with the stored error and changes nothing
    bad = {"clientMutationId": "k-start", "jobId": str(job.id), "expectedVersion": 1}
    for _ in range(2):
        payload = await call(gql, "startJob", garage.token(Role.TECHNICIAN), **bad)
        assert payload["errors"][0]["code"] == "CONFLICT"


async def test_concurrent_replays_take_effect_once(gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    token = garage.token(Role.SITE_MANAGER)
    create = {"clientMutationId": "same-moment-create", "siteId": str(site.id), "vehicleId": str(vehicle.id),
              "operationsStream": "MECHANICAL", "revenueStream": "WALK_IN"}
    assign = {"clientMutationId": "same-moment-assign", "jobId": str(job.id),
              "technicianId": str(garage.users[Role.TECHNICIAN].id)}
    created = await asyncio.gather(*[gql(CREATE_JOB, {"input": create}, token=token) for _ in range(2)])
    assigned = await asyncio.gather(*[gql(mutation("assignJob"), {"input": assign}, token=token) for _ in range(2)])
    ids = {ok(b["data"]["createJob"])["id"] for b in created}
    assert len(ids) == 1
    assert {ok(b["data"]["assignJob"])["version"] for b in assigned} == {2}
    assert await _count(db, Job) == 2
    assert await _count(db, JobEvent, JobEvent.job_id == job.id) == 3


@pytest.mark.postgresql_only  # concurrency of numbering: SQLite writers queue on the file lock
async def test_hundred_concurrent_create_jobs_gapless(db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    actor = garage.actor(Role.SITE_MANAGER)

    async def one():
        async with db.transaction() as session:
            job = await jobs_service.create_job(session, actor, jobs_service.CreateJobData(
                site_id=site.id, vehicle_id=vehicle.id, operations_stream="BODY", revenue_stream="WALK_IN"))
            return job.sequence, job.number

    results = await asyncio.gather(*[one() for _ in range(100)])
    assert sorted(s for s, _ in results) == list(range(1, 101))
    assert len({n for _, n in results}) == 100
    async with db.read() as session:
        numbers = sorted((await session.execute(select(Job.sequence))).scalars())
    assert numbers == list(range(1, 101))


async def test_number_of_rolled_back_transaction_is_reused(db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    actor = garage.actor(Role.SITE_MANAGER)
    first = await service_job(db, garage, site, vehicle)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction() as session:
            lost = await jobs_service.create_job(session, actor, jobs_service.CreateJobData(
                site_id=site.id, vehicle_id=vehicle.id, operations_stream="BODY", revenue_stream="WALK_IN"))
            assert lost.sequence == 2
            raise Boom
    second = await service_job(db, garage, site, vehicle)
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.number.endswith("-000002")


async def test_failed_create_in_a_mutation_gives_its_number_back(gql, db, garage):
    """A createJob refused after the number was taken (a client id already used) leaves no gap."""
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    chosen = str(uuid.uuid4())
    base = {"siteId": str(site.id), "vehicleId": str(vehicle.id), "operationsStream": "BODY",
            "revenueStream": "WALK_IN"}
    token = garage.token(Role.SITE_MANAGER)
    ok((await gql(CREATE_JOB, {"input": {**base, "id": chosen}}, token=token))["data"]["createJob"])
    payload = (await gql(CREATE_JOB, {"input": {**base, "id": chosen}}, token=token))["data"]["createJob"]
    assert payload["errors"][0]["code"] == "ALREADY_EXISTS"
    job = ok((await gql(CREATE_JOB, {"input": base}, token=token))["data"]["createJob"])
    assert job["number"].endswith("-000002")
