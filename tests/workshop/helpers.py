"""GraphQL documents and set-up shared by the workshop job tests."""

from __future__ import annotations

import uuid

from backend.accounts import service as accounts
from backend.accounts.models import User
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.customers import service as customers
from backend.workshop.service import jobs as jobs_service
from tests.conftest import password_hash

JOB_FIELDS = """id number status heldFromStatus operationsStream revenueStream issuesReported mileageIn promisedAt
  complaint cause correction workDoneNotes managerNotes cancelReason holdReason streamOverrideReason version
  createdAt assignedAt startedAt completedAt reviewedAt billingAt cancelledAt
  site { id name } technician { id name } clockedHours billedHours"""
PAYLOAD = f"job {{ {JOB_FIELDS} }} errors {{ field code message }}"


def mutation(name: str) -> str:
    cap = name[0].upper() + name[1:]
    return f"mutation($input: {cap}Input!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"


CREATE_JOB = f"""mutation($input: CreateJobInput!) {{ createJob(input: $input) {{
  job {{ {JOB_FIELDS} vehicle {{ id registration mileage owner {{ id name }} }} customer {{ id name }} }}
  errors {{ field code message }} }} }}"""
TIMELINE = """query($id: ID!) { job(id: $id) { id status version timeline { kind fromStatus toStatus note data actorLabel
  actor { id role } at } } }"""
JOB = f"query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"


async def make_site(db, garage, name: str = "Main site", active: bool = True):
    async with db.transaction() as session:
        return await accounts.create_site(session, garage.actor(), accounts.SiteInput(name=name, active=active))


async def make_vehicle(db, garage, registration: str | None = None, owner_name: str = "Somchai Jaidee"):
    registration = registration or f"KB{uuid.uuid4().hex[:6].upper()}"
    actor = garage.actor()
    async with db.transaction() as session:
        owner = await customers.create_customer(session, actor, customers.CustomerInput(name=owner_name))
        return await customers.create_vehicle(session, actor, customers.VehicleInput(
            registration=registration, owner_id=owner.id, mileage=10_000))


async def make_technician(db, garage, streams=(OperationsStream.MECHANICAL,), active: bool = True,
                          role: Role = Role.TECHNICIAN) -> User:
    async with db.transaction() as session:
        user = User(garage_id=garage.id, email=f"tech.{uuid.uuid4().hex[:8]}@test.example", name="Another Tech",
                    password_hash=password_hash(), role=role, streams=[s.value for s in streams], active=active)
        session.add(user)
        await session.flush()
        return user


async def token_for(app, user: User) -> str:
    services = app.state.services
    async with services.db.transaction() as session:
        tokens = await accounts._issue_tokens(session, services.settings, user, uuid.uuid4(), "127.0.0.1")
    return tokens.access_token


async def service_job(db, garage, site, vehicle, stream=OperationsStream.MECHANICAL, **extra):
    async with db.transaction() as session:
        return await jobs_service.create_job(session, garage.actor(Role.SITE_MANAGER), jobs_service.CreateJobData(
            site_id=site.id, vehicle_id=vehicle.id, operations_stream=stream, revenue_stream="WALK_IN", **extra))


async def call(gql, name: str, token: str, lang: str | None = None, **input_) -> dict:
    body = await gql(mutation(name), {"input": input_}, token=token, lang=lang)
    return body["data"][name]


def ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload["job"]
