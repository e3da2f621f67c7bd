"""working_intervals / available_seconds on hand-made weeks: the pattern, leave, a night shift, overtime, and a
Europe/London garage across the change to summer time."""

from __future__ import annotations

import datetime as dt

from backend.core.permissions import Role
from backend.workforce import service
from backend.workforce.models import ExceptionKind
from tests.workforce.helpers import (WEEKDAYS_8_TO_5, add_exception, add_technician, at, set_pattern, set_zone,
                                     shift, utc)

BKK = "Asia/Bangkok"  # UTC+7 all year


async def test_hand_made_week(db, garage):
    tech = garage.users[Role.TECHNICIAN].id
    # Mon-Fri 08:00-17:00 with lunch 12-13; Saturday night 22:00-06:00 with a break 02:00-02:30 after midnight
    await set_pattern(db, garage, tech, [*WEEKDAYS_8_TO_5, shift(5, "22:00", "06:00", ("02:00", "02:30"))],
                      valid_from=dt.date(2026, 1, 1))
    # Wednesday 4 March on leave all day; Thursday evening overtime 17:00-20:00
    await add_exception(db, garage, tech, ExceptionKind.LEAVE, at(BKK, 2026, 3, 4), at(BKK, 2026, 3, 5), "dentist")
    await add_exception(db, garage, tech, ExceptionKind.EXTRA, at(BKK, 2026, 3, 5, 17), at(BKK, 2026, 3, 5, 20))
    start, end = at(BKK, 2026, 3, 2), at(BKK, 2026, 3, 9)  # Monday 00:00 to the next Monday, local
    async with db.read() as session:
        found = await service.working_intervals(session, garage.id, [tech], start, end)
        seconds = await service.available_seconds(session, garage.id, [tech], start, end)
    expected = [
        (utc(2026, 3, 2, 1), utc(2026, 3, 2, 5)), (utc(2026, 3, 2, 6), utc(2026, 3, 2, 10)),  # Monday
        (utc(2026, 3, 3, 1), utc(2026, 3, 3, 5)), (utc(2026, 3, 3, 6), utc(2026, 3, 3, 10)),  # Tuesday
        # Wednesday: leave
        (utc(2026, 3, 5, 1), utc(2026, 3, 5, 5)), (utc(2026, 3, 5, 6), utc(2026, 3, 5, 13)),  # Thursday + overtime
        (utc(2026, 3, 6, 1), utc(2026, 3, 6, 5)), (utc(2026, 3, 6, 6), utc(2026, 3, 6, 10)),  # Friday
        # Saturday 22:00 (15:00 UTC) to Sunday 06:00 (23:00 UTC Saturday), break 02:00-02:30 local
        (utc(2026, 3, 7, 15), utc(2026, 3, 7, 19)), (utc(2026, 3, 7, 19, 30), utc(2026, 3, 7, 23)),
    ]
    assert found == {tech: expected}
    assert seconds == {tech: (8 + 8 + 11 + 8) * 3600 + 7 * 3600 + 1800}
    assert all(s.tzinfo is not None for s, _ in found[tech])


async def test_range_clips_a_night_shift_that_began_before_it(db, garage):
    tech = garage.users[Role.TECHNICIAN].id
    await set_pattern(db, garage, tech, [shift(5, "22:00", "06:00")], valid_from=dt.date(2026, 1, 1))
    async with db.read() as session:
        # from Sunday 03:00 local: the Saturday night shift still runs to 06:00
        found = await service.working_intervals(session, garage.id, [tech], at(BKK, 2026, 3, 8, 3),
                                                at(BKK, 2026, 3, 8, 12))
        empty = await service.working_intervals(session, garage.id, [tech], at(BKK, 2026, 3, 8, 12),
                                                at(BKK, 2026, 3, 8, 3))
    assert found == {tech: [(at(BKK, 2026, 3, 8, 3), at(BKK, 2026, 3, 8, 6))]}
    assert empty == {tech: []}


async def test_london_across_the_change_to_summer_time(db, garage):
    await set_zone(db, garage, "Europe/London")  # clocks go forward at 01:00 UTC on Sunday 29 March 2026
    tech = garage.users[Role.TECHNICIAN].id
    await set_pattern(db, garage, tech, [shift(4, "08:00", "16:00"), shift(5, "22:00", "06:00"),
                                         shift(0, "08:00", "16:00", ("12:00", "12:30"))],
                      valid_from=dt.date(2026, 1, 1))
    async with db.read() as session:
        found = await service.working_intervals(session, garage.id, None, utc(2026, 3, 27), utc(2026, 3, 31))
        seconds = await service.available_seconds(session, garage.id, None, utc(2026, 3, 27), utc(2026, 3, 31))
    assert found[tech] == [
        (utc(2026, 3, 27, 8), utc(2026, 3, 27, 16)),  # Friday, GMT
        (utc(2026, 3, 28, 22), utc(2026, 3, 29, 5)),  # Saturday night: 22:00 GMT to 06:00 BST is 7 hours
        (utc(2026, 3, 30, 7), utc(2026, 3, 30, 11)), (utc(2026, 3, 30, 11, 30), utc(2026, 3, 30, 15)),  # BST
    ]
    assert seconds[tech] == (8 + 7 + 7.5) * 3600


async def test_pattern_replaced_from_a_day_keeps_the_past(db, garage):
    tech = garage.users[Role.TECHNICIAN].id
    await set_pattern(db, garage, tech, [shift(0, "08:00", "12:00")], valid_from=dt.date(2026, 3, 1))
    await set_pattern(db, garage, tech, [shift(0, "13:00", "15:00")], valid_from=dt.date(2026, 3, 9))
    async with db.read() as session:
        found = await service.working_intervals(session, garage.id, [tech], at(BKK, 2026, 3, 2),
                                                at(BKK, 2026, 3, 17))
    assert found[tech] == [(at(BKK, 2026, 3, 2, 8), at(BKK, 2026, 3, 2, 12)),
                           (at(BKK, 2026, 3, 9, 13), at(BKK, 2026, 3, 9, 15)),
                           (at(BKK, 2026, 3, 16, 13), at(BKK, 2026, 3, 16, 15))]


async def test_all_active_technicians_and_other_garages(db, garage, other_garage):
    mine = garage.users[Role.TECHNICIAN].id
    second = (await add_technician(db, garage, "Second")).id
    theirs = other_garage.users[Role.TECHNICIAN].id
    for tech in (mine, second):
        await set_pattern(db, garage, tech, WEEKDAYS_8_TO_5, valid_from=dt.date(2026, 1, 1))
    await set_pattern(db, other_garage, theirs, WEEKDAYS_8_TO_5, valid_from=dt.date(2026, 1, 1))
    start, end = at(BKK, 2026, 3, 2), at(BKK, 2026, 3, 3)
    async with db.read() as session:
        every = await service.available_seconds(session, garage.id, None, start, end)
        asked = await service.available_seconds(session, garage.id, [mine, theirs], start, end)
    assert every == {mine: 8 * 3600, second: 8 * 3600}  # not the manager, not the other garage's technician
    assert asked == {mine: 8 * 3600, theirs: 0}


async def test_statement_count_does_not_grow(db, garage, count_statements):
    counts = {}
    techs = []
    for n in (1, 10, 30):
        while len(techs) < n:
            tech = (await add_technician(db, garage, f"T{len(techs)}")).id
            techs.append(tech)
            await set_pattern(db, garage, tech, [*WEEKDAYS_8_TO_5, shift(5, "22:00", "06:00")],
                              valid_from=dt.date(2026, 1, 1))
            await add_exception(db, garage, tech, ExceptionKind.SICK, at(BKK, 2026, 3, 3), at(BKK, 2026, 3, 4))
        async with db.read() as session:
            with count_statements() as counter:
                every = await service.working_intervals(session, garage.id, None, at(BKK, 2026, 3, 1),
                                                        at(BKK, 2026, 5, 1))
                attended = await service.attended_seconds(session, garage.id, techs, at(BKK, 2026, 3, 1),
                                                          at(BKK, 2026, 5, 1))
        assert len(attended) == n and len([t for t in every if every[t]]) == n  # + the one without a pattern
        counts[n] = counter.count
    assert counts[1] == counts[10] == counts[30], counts
