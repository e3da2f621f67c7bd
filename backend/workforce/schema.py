"""GraphQL for technicians' working time: shift patterns and exceptions (managers), the attendance clock (the
technician's own, replay-safe for the offline phone), the managers' attendance view, clock corrections and the
alerts of clocks left running."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.accounts.loaders import UserLoader
from backend.api.errors import UserError
from backend.api.mutations import client_id, given, run, run_input
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.workforce import alerts as alerts_service
from backend.workforce import attendance as attendance_service
from backend.workforce import corrections as corrections_service
from backend.workforce import service
from backend.workforce.models import AttendanceKind as AttendanceKindEnum
from backend.workforce.models import ClockKind as ClockKindEnum
from backend.workforce.models import ExceptionKind as ExceptionKindEnum

if TYPE_CHECKING:
    from backend.accounts.schema import User
    from backend.workshop.schema.tasks import TimeClockEntry

User_ = Annotated["User", strawberry.lazy("backend.accounts.schema")]
TimeClockEntry_ = Annotated["TimeClockEntry", strawberry.lazy("backend.workshop.schema.tasks")]

WorkExceptionKind = strawberry.enum(ExceptionKindEnum, name="WorkExceptionKind", description=(
    "LEAVE, SICK, TRAINING: away from the weekly pattern; EXTRA: overtime added to it."))
AttendanceKind = strawberry.enum(AttendanceKindEnum, name="AttendanceKind",
                                 description="SHIFT: clocked in to clocked out; BREAK: a break inside a shift.")
ClockKind = strawberry.enum(ClockKindEnum, name="ClockKind",
                            description="JOB: the job clock (TimeClockEntry); ATTENDANCE: the attendance clock.")
AttendanceStatus = strawberry.enum(attendance_service.AttendanceStatus, name="AttendanceStatus", description=(
    "IN: clocked in; ON_BREAK; OUT; ON_LEAVE: away (leave, sick, training) that day and not clocked in."))


def _technician(info: strawberry.Info, technician_id):
    return info.context.loader(UserLoader).load(technician_id)


@strawberry.type(description="An unpaid break of a shift, local times.")
class ShiftBreak:
    start: str
    end: str


@strawberry.type(description="One weekday's shift of a weekly pattern, in the garage's time zone.")
class WorkShift:
    weekday: int = strawberry.field(description="0 Monday .. 6 Sunday: the day the shift starts.")
    starts: str = strawberry.field(description="HH:MM, local.")
    ends: str = strawberry.field(description="HH:MM, local; at or before `starts`: the next day (a night shift).")
    breaks: list[ShiftBreak]


def _shift(row) -> WorkShift:
    return WorkShift(weekday=row.weekday, starts=row.starts.strftime("%H:%M"), ends=row.ends.strftime("%H:%M"),
                     breaks=[ShiftBreak(start=b["start"], end=b["end"]) for b in row.breaks or []])


@strawberry.type(description="A technician's weekly shift pattern valid on a day.")
class WorkPattern:
    technician_id: strawberry.ID
    version: int = strawberry.field(description="0 before a pattern is first set; send it as expectedVersion.")
    valid_from: dt.date | None = strawberry.field(description="The day this pattern took effect.")
    shifts: list[WorkShift]

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        return _technician(info, uuid.UUID(str(self.technician_id)))


def _pattern(view: service.PatternView | None) -> WorkPattern | None:
    if view is None:
        return None
    return WorkPattern(technician_id=strawberry.ID(str(view.technician_id)), version=view.version,
                       valid_from=view.valid_from, shifts=[_shift(s) for s in view.shifts])


@strawberry.type(description="Leave, sickness, training (away) or overtime (EXTRA) of a technician.")
class WorkException:
    id: strawberry.ID
    kind: WorkExceptionKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str | None

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        return _technician(info, self.technician_id)  # type: ignore[attr-defined]


@strawberry.type(description="An entry of the attendance clock; endedAt is null while it runs.")
class AttendanceEntry:
    id: strawberry.ID
    kind: AttendanceKind
    started_at: dt.datetime
    ended_at: dt.datetime | None

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        return _technician(info, self.technician_id)  # type: ignore[attr-defined]


@strawberry.type
class TimeInterval:
    start: dt.datetime
    end: dt.datetime


@strawberry.type(description="One technician's attendance on a local day.")
class TechnicianAttendance:
    technician: User_
    status: AttendanceStatus
    entries: list[AttendanceEntry] = strawberry.field(description="Attendance entries of the day, by start.")
    job_clock_entries: list[TimeClockEntry_] = strawberry.field(description="Job clock entries of the day.")
    scheduled: list[TimeInterval] = strawberry.field(description="Scheduled working time of the day.")
    absences: list[WorkException]
    attended_seconds: int = strawberry.field(description="Clocked in, breaks left out (an open entry to now).")
    scheduled_seconds: int
    clocked_in_at: dt.datetime | None
    on_break_since: dt.datetime | None


def _day(row: attendance_service.TechnicianDay | None) -> TechnicianAttendance | None:
    if row is None:
        return None
    return TechnicianAttendance(
        technician=row.technician, status=row.status, entries=row.entries, job_clock_entries=row.job_entries,
        scheduled=[TimeInterval(start=s, end=e) for s, e in row.scheduled], absences=row.absences,
        attended_seconds=row.attended_seconds, scheduled_seconds=row.scheduled_seconds,
        clocked_in_at=row.clocked_in_at, on_break_since=row.on_break_since)


@strawberry.type(description="A manager's correction of a clock entry; the original times are those first clocked.")
class ClockCorrection:
    id: strawberry.ID
    clock: ClockKind
    entry_id: strawberry.ID
    original_started_at: dt.datetime
    original_ended_at: dt.datetime | None
    previous_started_at: dt.datetime
    previous_ended_at: dt.datetime | None
    started_at: dt.datetime
    ended_at: dt.datetime
    reason: str
    corrected_at: dt.datetime

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        return _technician(info, self.technician_id)  # type: ignore[attr-defined]

    @strawberry.field
    def corrected_by(self, info: strawberry.Info) -> User_ | None:
        ident = self.corrected_by_id  # type: ignore[attr-defined]
        return _technician(info, ident) if ident is not None else None


@strawberry.type(description="A clock still running past the technician's shift end plus the grace time.")
class ClockAlert:
    id: strawberry.ID
    clock: ClockKind
    entry_id: strawberry.ID
    started_at: dt.datetime
    shift_ended_at: dt.datetime
    flagged_at: dt.datetime
    technician_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def technician(self, info: strawberry.Info) -> User_ | None:
        return _technician(info, self.technician_id)


@strawberry.type
class WorkforceSettings:
    clock_grace_minutes: int = strawberry.field(
        description="Minutes a clock may run past the shift's end before the managers are told.")


# ------------------------------------------------------------------------------------------------ inputs, payloads


@strawberry.input
class ShiftBreakInput:
    start: str
    end: str


@strawberry.input
class WorkShiftInput:
    weekday: int
    starts: str
    ends: str
    breaks: list[ShiftBreakInput] = strawberry.field(default_factory=list)


@strawberry.input
class SetWorkPatternInput:
    technician_id: strawberry.ID
    shifts: list[WorkShiftInput]
    valid_from: dt.date | None = strawberry.field(default=None, description="From this local day on; today if not given.")
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class WorkPatternPayload:
    pattern: WorkPattern | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddWorkExceptionInput:
    technician_id: strawberry.ID
    kind: WorkExceptionKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str | None = None
    id: strawberry.ID | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class RemoveWorkExceptionInput:
    id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class WorkExceptionPayload:
    exception: WorkException | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AttendanceClockInput:
    at: dt.datetime | None = strawberry.field(default=None, description=(
        "When it happened (the phone's time when queued offline); now if not given."))
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class AttendancePayload:
    entry: AttendanceEntry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(description="The technician's day after the change.")
    async def attendance(self, info: strawberry.Info) -> TechnicianAttendance | None:
        session = await info.context.session()  # the mutation's own: the change is not committed yet
        return _day(await attendance_service.my_attendance(session, info.context.actor))


@strawberry.input
class CorrectClockEntryInput:
    clock: ClockKind
    entry_id: strawberry.ID
    started_at: dt.datetime
    ended_at: dt.datetime
    reason: str
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class ClockCorrectionPayload:
    correction: ClockCorrection | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetClockGraceInput:
    minutes: int
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class WorkforceSettingsPayload:
    settings: WorkforceSettings | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _find_pattern(session, actor, technician_id):
    return await service.work_pattern(session, actor, technician_id)


async def _find_settings(session, actor, _ref=None):
    return await service.grace_minutes(session, actor.garage_id)


# ------------------------------------------------------------------------------------------------ operations


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.WORKFORCE_READ),
                      description="A technician's weekly pattern valid on a local day (today if not given).")
    async def work_pattern(self, info: strawberry.Info, technician_id: strawberry.ID,
                           on: dt.date | None = None) -> WorkPattern:
        return _pattern(await read(info, service.work_pattern, technician_id, on))

    @strawberry.field(extensions=requires(P.WORKFORCE_READ),
                      description="Leave, sickness, training and overtime overlapping [start, end), by start.")
    async def work_exceptions(self, info: strawberry.Info, start: dt.datetime, end: dt.datetime,
                              technician_id: strawberry.ID | None = None) -> list[WorkException]:
        return await read(info, service.work_exceptions, start, end, technician_id)

    @strawberry.field(extensions=requires(P.TIME_CLOCK),
                      description="The signed-in technician's attendance on a local day (today if not given).")
    async def my_attendance(self, info: strawberry.Info, day: dt.date | None = None) -> TechnicianAttendance | None:
        return _day(await read(info, attendance_service.my_attendance, day))

    @strawberry.field(extensions=requires(P.WORKFORCE_READ), description=(
        "Who is in, on a break, out or on leave: the technicians of a site on a local day (today if not given)."))
    async def attendance(self, info: strawberry.Info, site_id: strawberry.ID,
                         day: dt.date | None = None) -> list[TechnicianAttendance]:
        return [_day(r) for r in await read(info, attendance_service.attendance, site_id, day)]

    @strawberry.field(extensions=requires(P.WORKFORCE_READ), description="The corrections of a clock entry, oldest first.")
    async def clock_corrections(self, info: strawberry.Info, clock: ClockKind,
                                entry_id: strawberry.ID) -> list[ClockCorrection]:
        return await read(info, corrections_service.corrections_of, clock, entry_id)

    @strawberry.field(extensions=requires(P.WORKFORCE_READ),
                      description="Clocks still running past their shift's end plus the grace time, oldest first.")
    async def clock_alerts(self, info: strawberry.Info) -> list[ClockAlert]:
        rows = await read(info, alerts_service.clock_alerts)
        return [ClockAlert(id=strawberry.ID(str(a.id)), clock=a.clock, entry_id=strawberry.ID(str(a.entry_id)),
                           started_at=started, shift_ended_at=a.shift_ended_at, flagged_at=a.flagged_at,
                           technician_id=a.technician_id) for a, started in rows]

    @strawberry.field(extensions=requires(P.WORKFORCE_READ))
    async def workforce_settings(self, info: strawberry.Info) -> WorkforceSettings:
        return WorkforceSettings(clock_grace_minutes=await read(info, _find_settings))


async def _clock(info: strawberry.Info, input: AttendanceClockInput, fn) -> AttendancePayload:
    entry, errors = await run(info, fn, given(input.at), client_mutation_id=given(input.client_mutation_id),
                              replay=attendance_service.find_entry)
    return AttendancePayload(entry=entry, errors=errors)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.WORKFORCE_MANAGE), description=(
        "Replace a technician's weekly pattern from a local day on (the days before keep the pattern they had)."))
    async def set_work_pattern(self, info: strawberry.Info, input: SetWorkPatternInput) -> WorkPatternPayload:
        shifts = [service.ShiftInput(weekday=s.weekday, starts=s.starts, ends=s.ends,
                                     breaks=[service.BreakInput(start=b.start, end=b.end) for b in s.breaks])
                  for s in input.shifts]
        view, errors = await run_input(info, input, service.set_work_pattern, input.technician_id, shifts,
                                       input.valid_from, given(input.expected_version),
                                       find=lambda session, actor, _ref: _find_pattern(session, actor,
                                                                                       input.technician_id),
                                       current_id=input.technician_id)
        return WorkPatternPayload(pattern=_pattern(view), errors=errors)

    @strawberry.mutation(extensions=requires(P.WORKFORCE_MANAGE),
                         description="Record a technician's leave, sickness, training or overtime.")
    async def add_work_exception(self, info: strawberry.Info, input: AddWorkExceptionInput) -> WorkExceptionPayload:
        async def call(session, actor):
            return await service.add_work_exception(session, actor, input.technician_id, input.kind,
                                                    input.starts_at, input.ends_at, input.note,
                                                    record_id=client_id(given(input.id)))

        row, errors = await run_input(info, input, call, find=service.find_work_exception)
        return WorkExceptionPayload(exception=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.WORKFORCE_MANAGE), description="Delete a leave or overtime record.")
    async def remove_work_exception(self, info: strawberry.Info,
                                    input: RemoveWorkExceptionInput) -> WorkExceptionPayload:
        row, errors = await run_input(info, input, service.remove_work_exception, input.id)
        return WorkExceptionPayload(exception=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.TIME_CLOCK), description="Clock in to your shift.")
    async def clock_in(self, info: strawberry.Info, input: AttendanceClockInput) -> AttendancePayload:
        return await _clock(info, input, attendance_service.clock_in)

    @strawberry.mutation(extensions=requires(P.TIME_CLOCK), description="Start a break (clocked in).")
    async def start_break(self, info: strawberry.Info, input: AttendanceClockInput) -> AttendancePayload:
        return await _clock(info, input, attendance_service.start_break)

    @strawberry.mutation(extensions=requires(P.TIME_CLOCK), description="End your break.")
    async def end_break(self, info: strawberry.Info, input: AttendanceClockInput) -> AttendancePayload:
        return await _clock(info, input, attendance_service.end_break)

    @strawberry.mutation(extensions=requires(P.TIME_CLOCK), description=(
        "Clock out of your shift; a break under way ends and your job clock stops at the same moment."))
    async def clock_out(self, info: strawberry.Info, input: AttendanceClockInput) -> AttendancePayload:
        return await _clock(info, input, attendance_service.clock_out)

    @strawberry.mutation(extensions=requires(P.WORKFORCE_MANAGE), description=(
        "Set the start and end of a job or attendance clock entry, with a reason; audited, the original times kept."))
    async def correct_clock_entry(self, info: strawberry.Info,
                                  input: CorrectClockEntryInput) -> ClockCorrectionPayload:
        row, errors = await run_input(info, input, corrections_service.correct_clock_entry, input.clock,
                                      input.entry_id, input.started_at, input.ended_at, input.reason,
                                      find=corrections_service.find_correction)
        return ClockCorrectionPayload(correction=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.WORKFORCE_MANAGE),
                         description="The minutes a clock may run past the shift's end before managers are told.")
    async def set_clock_grace(self, info: strawberry.Info, input: SetClockGraceInput) -> WorkforceSettingsPayload:
        minutes, errors = await run_input(info, input, service.set_clock_grace, input.minutes)
        if minutes is None and not errors:  # a replay: the setting as it is now
            minutes = await read(info, _find_settings)
        return WorkforceSettingsPayload(
            settings=WorkforceSettings(clock_grace_minutes=minutes) if minutes is not None else None, errors=errors)
