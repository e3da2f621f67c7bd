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


# ------------------------------------------------------------------------------------------------ GraphQL

ENTRY = "id kind startedAt endedAt technician { id }"
DAY = f"""technician {{ id name }} status clockedInAt onBreakSince attendedSeconds scheduledSeconds
  entries {{ {ENTRY} }} jobClockEntries {{ id startedAt endedAt seconds }} scheduled {{ start end }}
  absences {{ id kind }}"""
CLOCK_PAYLOAD = f"entry {{ {ENTRY} }} attendance {{ {DAY} }} errors {{ field code message }}"
CLOCK = {name: f"""mutation($input: AttendanceClockInput!) {{ {name}(input: $input) {{ {CLOCK_PAYLOAD} }} }}"""
         for name in ("clockIn", "startBreak", "endBreak", "clockOut")}
MY_ATTENDANCE = f"query($day: Date) {{ myAttendance(day: $day) {{ {DAY} }} }}"
ATTENDANCE = f"query($siteId: ID!, $day: Date) {{ attendance(siteId: $siteId, day: $day) {{ {DAY} }} }}"
CORRECT = """mutation($input: CorrectClockEntryInput!) { correctClockEntry(input: $input) {
  correction { id clock entryId originalStartedAt originalEndedAt previousStartedAt previousEndedAt startedAt endedAt
  reason correctedBy { id } technician { id } } errors { field code message } } }"""
CORRECTIONS = """query($clock: ClockKind!, $entryId: ID!) { clockCorrections(clock: $clock, entryId: $entryId) {
  id originalStartedAt startedAt endedAt reason } }"""
ALERTS = "{ clockAlerts { id clock entryId startedAt shiftEndedAt technician { id name } } }"
SET_PATTERN = """mutation($input: SetWorkPatternInput!) { setWorkPattern(input: $input) {
  pattern { technicianId version validFrom shifts { weekday starts ends breaks { start end } } }
  errors { field code message } } }"""
PATTERN = """query($id: ID!, $on: Date) { workPattern(technicianId: $id, on: $on) { technicianId version validFrom
  shifts { weekday starts ends breaks { start end } } } }"""
ADD_EXCEPTION = """mutation($input: AddWorkExceptionInput!) { addWorkException(input: $input) {
  exception { id kind startsAt endsAt note technician { id } } errors { field code message } } }"""
REMOVE_EXCEPTION = """mutation($input: RemoveWorkExceptionInput!) { removeWorkException(input: $input) {
  exception { id } errors { field code message } } }"""
EXCEPTIONS = """query($start: DateTime!, $end: DateTime!, $tech: ID) { workExceptions(start: $start, end: $end,
  technicianId: $tech) { id kind startsAt endsAt note } }"""
SET_GRACE = """mutation($input: SetClockGraceInput!) { setClockGrace(input: $input) { settings { clockGraceMinutes }
  errors { field code message } } }"""


def payload(body: dict, name: str) -> dict:
    return body["data"][name]


def codes(result: dict) -> list[str]:
    return [e["code"] for e in result["errors"]]
