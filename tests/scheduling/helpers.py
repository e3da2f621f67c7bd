"""Set-up shared by the scheduling tests: a site open Monday to Saturday 08:00-18:00, bays, technicians with a
weekly pattern, vehicles and catalog services."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update

from backend.accounts.models import Garage, User
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.scheduling.service import appointments as appts
from backend.scheduling.service import setup
from backend.workforce import service as workforce
from backend.workshop.service import tasks as tasks_service
from tests.conftest import password_hash
from tests.workshop.helpers import make_site, make_vehicle  # noqa: F401 (re-exported)

MONDAY = dt.date(2027, 3, 22)  # the week before Europe/London's change to summer time (Sunday 28 March 2027)


async def set_zone(db, garage, zone: str) -> None:
    async with db.transaction() as session:
        await session.execute(update(Garage).where(Garage.id == garage.id).values(time_zone=zone))


async def open_site(db, garage, name: str = "Main site", days=range(6), opens="08:00", closes="18:00"):
    site = await make_site(db, garage, name)
    o, c = (int(x[:2]) * 60 + int(x[3:]) for x in (opens, closes))
    async with db.transaction() as session:
        await setup.set_opening_hours(session, garage.actor(), site.id, [setup.OpeningRange(d, o, c) for d in days])
    return site


async def add_bay(db, garage, site, name: str, streams=("MECHANICAL",), kind: str = "LIFT"):
    async with db.transaction() as session:
        return await setup.create_bay(session, garage.actor(), setup.BayInput(site_id=site.id, name=name, kind=kind,
                                                                              streams=list(streams)))


async def technician(db, garage, name: str, streams=(OperationsStream.MECHANICAL,), starts="08:00", ends="17:00",
                     days=range(5), valid_from: dt.date = MONDAY - dt.timedelta(days=7)):
    async with db.transaction() as session:
        tech = User(garage_id=garage.id, email=f"{uuid.uuid4().hex[:10]}@test.example", name=name,
                    password_hash=password_hash(), role=Role.TECHNICIAN, streams=[s.value for s in streams])
        session.add(tech)
        await session.flush()
        await workforce.set_work_pattern(session, garage.actor(), tech.id, [
            workforce.ShiftInput(weekday=d, starts=starts, ends=ends) for d in days], valid_from=valid_from)
    return tech


async def service(db, garage, name: str = "Brake pads", hours: str = "2", stream=OperationsStream.MECHANICAL):
    async with db.transaction() as session:
        return await tasks_service.create_task_action(session, garage.actor(), tasks_service.TaskActionInput(
            stream=stream, name_en=name, name_th="เปลี่ยนผ้าเบรก", default_labour_cost=150000,
            standard_hours=Decimal(hours)))


def at(day: dt.date, hhmm: str, zone: str = "Asia/Bangkok") -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def alloc(bay, tech, starts: dt.datetime, ends: dt.datetime) -> appts.AllocationInput:
    return appts.AllocationInput(bay_id=bay.id, technician_id=tech.id, starts_at=starts, ends_at=ends)


async def book(db, garage, site, vehicle, allocations, services=(), role: Role = Role.SITE_MANAGER, **extra):
    async with db.transaction() as session:
        return await appts.create_appointment(session, garage.actor(role), appts.AppointmentInput(
            site_id=site.id, vehicle_id=vehicle.id, service_ids=[s.id for s in services],
            stream=extra.pop("stream", "MECHANICAL"), allocations=list(allocations), confirm=bool(allocations),
            **extra))
