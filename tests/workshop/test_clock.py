"""The technician's time clock: on / off, one open clock per technician, clocked hours apart from billed hours."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update

from backend.core.errors import DomainError
from backend.core.permissions import Role
from backend.workshop.models import JobEvent, JobEventKind, TimeClockEntry
from backend.workshop.service import clock
from tests.conftest import error_codes
from tests.workshop.helpers import make_technician, token_for
from tests.workshop.test_tasks_helpers import ADD_JOB_TASK, CLOCK_OFF, CLOCK_ON, codes, mutate, ok, working_job

MY_CLOCK = "{ myClock { id job { id } endedAt } }"
CLOCKED = """query($jobId: ID!) { clockedHours(jobId: $jobId) { seconds hours open technician { id } }
  clockEntries(jobId: $jobId) { id seconds hours endedAt } }"""


async def _entries(db, technician_id):
    async with db.read() as s:
        return list((await s.execute(select(TimeClockEntry).where(TimeClockEntry.technician_id == technician_id)
                                     .order_by(TimeClockEntry.started_at, TimeClockEntry.id))).scalars())


async def test_clock_on_off_and_switching_jobs(gql, garage, db):
    tech = garage.token(Role.TECHNICIAN)
    tech_id = garage.users[Role.TECHNICIAN].id
    first = await working_job(db, garage)
    second = await working_job(db, garage)

    on = ok(await mutate(gql, CLOCK_ON, tech, jobId=str(first.id)))
    assert on["entry"]["endedAt"] is None and on["entry"]["technician"]["id"] == str(tech_id)
    assert on["job"]["version"] > first.version
    again = ok(await mutate(gql, CLOCK_ON, tech, jobId=str(first.id)))  # already on it: unchanged
    assert again["entry"]["id"] == on["entry"]["id"]
    assert (await gql(MY_CLOCK, token=tech))["data"]["myClock"]["job"]["id"] == str(first.id)

    # clocking on to the second job clocks off the first, in the same transaction
    switched = ok(await mutate(gql, CLOCK_ON, tech, jobId=str(second.id)))
    entries = await _entries(db, tech_id)
    assert len(entries) == 2 and entries[0].ended_at is not None and entries[0].seconds is not None
    assert entries[1].ended_at is None and str(entries[1].id) == switched["entry"]["id"]
    assert (await gql(MY_CLOCK, token=tech))["data"]["myClock"]["job"]["id"] == str(second.id)

    assert codes(await mutate(gql, CLOCK_OFF, tech, jobId=str(first.id))) == ["NOT_CLOCKED_ON"]
    off = ok(await mutate(gql, CLOCK_OFF, tech, jobId=str(second.id)))
    assert off["entry"]["endedAt"] is not None and off["entry"]["seconds"] >= 0
    assert (await gql(MY_CLOCK, token=tech))["data"]["myClock"] is None
    refused = await mutate(gql, CLOCK_OFF, tech, lang="th", jobId=str(second.id))
    assert codes(refused) == ["NOT_CLOCKED_ON"] and refused["errors"][0]["message"] != \
        "You are not clocked on to this job."

    async with db.read() as s:
        kinds = [(e.job_id, e.kind) for e in (await s.execute(
            select(JobEvent).where(JobEvent.kind.in_([JobEventKind.CLOCKED_ON, JobEventKind.CLOCKED_OFF]))
            .order_by(JobEvent.at, JobEvent.id))).scalars()]
    assert kinds == [(first.id, JobEventKind.CLOCKED_ON), (first.id, JobEventKind.CLOCKED_OFF),
                     (second.id, JobEventKind.CLOCKED_ON), (second.id, JobEventKind.CLOCKED_OFF)]


async def test_clock_refusals(gql, garage, db, app):
    job = await working_job(db, garage)
    for role in (Role.WORKSHOP_MANAGER, Role.SITE_MANAGER, Role.WAREHOUSE_MANAGER, Role.BILLING):
        body = await gql(CLOCK_ON, {"input": {"jobId": str(job.id)}}, token=garage.token(role), expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"]
    other = await token_for(app, await make_technician(db, garage))
    assert codes(await mutate(gql, CLOCK_ON, other, jobId=str(job.id))) == ["NOT_YOUR_JOB"]
    assert codes(await mutate(gql, CLOCK_OFF, other, jobId=str(job.id))) == ["NOT_CLOCKED_ON"]
    assert codes(await mutate(gql, CLOCK_ON, garage.token(Role.TECHNICIAN), jobId="nonsense")) == ["NOT_FOUND"]


async def test_clocked_hours_kept_apart_from_billed_hours(gql, garage, db):
    tech = garage.token(Role.TECHNICIAN)
    job = await working_job(db, garage)
    ok(await mutate(gql, ADD_JOB_TASK, tech, jobId=str(job.id), name="Brakes", billedHours="1.50"))
    ok(await mutate(gql, CLOCK_ON, tech, jobId=str(job.id)))
    # two and a half hours ago, as far as the clock is concerned
    async with db.transaction() as s:
        await s.execute(update(TimeClockEntry).where(TimeClockEntry.job_id == job.id)
                        .values(started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2, minutes=30)))
    running = (await gql(CLOCKED, {"jobId": str(job.id)}, token=tech))["data"]
    assert running["clockedHours"][0]["open"] is True and running["clockedHours"][0]["hours"] == "2.50"
    off = ok(await mutate(gql, CLOCK_OFF, tech, jobId=str(job.id)))
    assert 9000 <= off["entry"]["seconds"] < 9060 and off["entry"]["hours"] == "2.50"
    assert float(off["job"]["clockedHours"]) == 2.5 and float(off["job"]["billedHours"]) == 1.5
    done = (await gql(CLOCKED, {"jobId": str(job.id)}, token=garage.token(Role.WORKSHOP_MANAGER)))["data"]
    assert done["clockedHours"] == [{"seconds": off["entry"]["seconds"], "hours": "2.50", "open": False,
                                     "technician": {"id": str(garage.users[Role.TECHNICIAN].id)}}]
    assert len(done["clockEntries"]) == 1


async def test_one_open_clock_even_when_two_clock_ons_race(app, garage, db):
    tech = garage.actor(Role.TECHNICIAN)
    jobs = [await working_job(db, garage) for _ in range(4)]

    async def clock_on(job):
        try:
            async with db.transaction() as session:
                return await clock.clock_on_job(session, tech, job.id)
        except DomainError as exc:
            return exc.code.value

    results = await asyncio.gather(*(clock_on(j) for j in jobs))
    open_entries = [e for e in await _entries(db, tech.user_id) if e.ended_at is None]
    assert len(open_entries) == 1
    assert all(not isinstance(r, str) or r == "CONFLICT" for r in results)


async def test_two_garages_clock_apart(gql, garage, other_garage, db):
    job = await working_job(db, garage)
    ok(await mutate(gql, CLOCK_ON, garage.token(Role.TECHNICIAN), jobId=str(job.id)))
    theirs = other_garage.token(Role.TECHNICIAN)
    assert codes(await mutate(gql, CLOCK_ON, theirs, jobId=str(job.id))) == ["NOT_FOUND"]
    assert codes(await mutate(gql, CLOCK_OFF, theirs, jobId=str(job.id))) == ["NOT_CLOCKED_ON"]
    assert (await gql(MY_CLOCK, token=theirs))["data"]["myClock"] is None
    body = await gql(CLOCKED, {"jobId": str(job.id)}, token=other_garage.token(), expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_FOUND"


async def test_holding_a_job_clocks_everyone_off_it(gql, garage, db):
    tech = garage.token(Role.TECHNICIAN)
    job = await working_job(db, garage)
    ok(await mutate(gql, CLOCK_ON, tech, jobId=str(job.id)))
    held = await gql('mutation($j: ID!) { holdJob(input: {jobId: $j, reason: "Waiting for the customer"}) '
                     '{ job { status } errors { code } } }', {"j": str(job.id)},
                     token=garage.token(Role.WORKSHOP_MANAGER))
    assert held["data"]["holdJob"]["job"]["status"] == "ON_HOLD"
    assert (await gql(MY_CLOCK, token=tech))["data"]["myClock"] is None
    [entry] = await _entries(db, garage.users[Role.TECHNICIAN].id)
    assert entry.ended_at is not None and entry.seconds is not None


async def test_a_clock_change_replayed_from_the_outbox_answers_with_its_entry_and_changes_nothing(gql, garage, db):
    """A phone sends clockOn, loses the answer and sends it again with the same clientMutationId: the same entry comes
    back, as it is now, and no second clock is opened; a replayed clockOff likewise."""
    tech = garage.token(Role.TECHNICIAN)
    tech_id = garage.users[Role.TECHNICIAN].id
    job = await working_job(db, garage)
    first = ok(await mutate(gql, CLOCK_ON, tech, jobId=str(job.id), clientMutationId="phone-1:clock-on"))
    replay = ok(await mutate(gql, CLOCK_ON, tech, jobId=str(job.id), clientMutationId="phone-1:clock-on"))
    assert replay["entry"]["id"] == first["entry"]["id"] and replay["entry"]["endedAt"] is None
    off = ok(await mutate(gql, CLOCK_OFF, tech, jobId=str(job.id), clientMutationId="phone-1:clock-off"))
    # the clock-on replayed after the clock-off shows the entry as it is now (ended), and opens nothing
    late = ok(await mutate(gql, CLOCK_ON, tech, jobId=str(job.id), clientMutationId="phone-1:clock-on"))
    assert late["entry"]["id"] == first["entry"]["id"] and late["entry"]["endedAt"] == off["entry"]["endedAt"]
    again = ok(await mutate(gql, CLOCK_OFF, tech, jobId=str(job.id), clientMutationId="phone-1:clock-off"))
    assert again["entry"] == off["entry"]
    entries = await _entries(db, tech_id)
    assert len(entries) == 1 and entries[0].ended_at is not None
