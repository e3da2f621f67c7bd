"""Shared set-up for the workforce tests: technicians, their patterns and exceptions, times in a zone."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import update

from backend.accounts.models import Garage, User
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.workforce import service
from backend.workforce.models import ExceptionKind
from backend.workforce.service import BreakInput, ShiftInput
from tests.conftest import password_hash

UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def at(zone: str, *args) -> dt.datetime:
    """A wall-clock time in `zone`, as UTC."""
    return dt.datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def shift(weekday: int, starts: str, ends: str, *breaks: tuple[str, str]) -> ShiftInput:
    return ShiftInput(weekday=weekday, starts=starts, ends=ends, breaks=[BreakInput(a, b) for a, b in breaks])


async def set_zone(db, garage, zone: str) -> None:
    async with db.transaction() as session:
        await session.execute(update(Garage).where(Garage.id == garage.id).values(time_zone=zone))


async def add_technician(db, garage, name: str = "Tech") -> User:
    async with db.transaction() as session:
        user = User(garage_id=garage.id, email=f"{uuid.uuid4().hex[:10]}@test.example", name=name,
                    password_hash=password_hash(), role=Role.TECHNICIAN,
                    streams=[OperationsStream.MECHANICAL.value])
        session.add(user)
    return user


async def set_pattern(db, garage, technician_id, shifts, valid_from: dt.date | None = None):
    async with db.transaction() as session:
        return await service.set_work_pattern(session, garage.actor(Role.WORKSHOP_MANAGER), technician_id,
                                              shifts, valid_from=valid_from)


async def add_exception(db, garage, technician_id, kind: ExceptionKind, start, end, note=None):
    async with db.transaction() as session:
        return await service.add_work_exception(session, garage.actor(Role.WORKSHOP_MANAGER), technician_id, kind,
                                                start, end, note)


WEEKDAYS_8_TO_5 = [shift(d, "08:00", "17:00", ("12:00", "13:00")) for d in range(5)]
