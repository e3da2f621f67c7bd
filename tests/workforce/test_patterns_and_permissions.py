"""Shift patterns and exceptions through GraphQL (validation in en/th, expectedVersion, two garages), and the role
table for every workforce operation."""

from __future__ import annotations

import pytest

from backend.core.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.conftest import error_codes
from tests.workforce.helpers import (ADD_EXCEPTION, ALERTS, ATTENDANCE, CLOCK, CORRECT, EXCEPTIONS, MY_ATTENDANCE,
                                     PATTERN, REMOVE_EXCEPTION, SET_GRACE, SET_PATTERN, codes, payload)

WEEK = [{"weekday": d, "starts": "08:00", "ends": "17:00", "breaks": [{"start": "12:00", "end": "13:00"}]}
        for d in range(5)]


async def set_pattern(gql, garage, tech, shifts, role=Role.WORKSHOP_MANAGER, lang=None, **extra):
    body = await gql(SET_PATTERN, {"input": {"technicianId": str(tech), "shifts": shifts, **extra}},
                     token=garage.token(role), lang=lang)
    return payload(body, "setWorkPattern")


async def test_pattern_set_read_and_replaced_with_expected_version(gql, garage):
    tech = garage.users[Role.TECHNICIAN].id
    night = {"weekday": 5, "starts": "22:00", "ends": "06:00", "breaks": [{"start": "02:00", "end": "02:30"}]}
    first = await set_pattern(gql, garage, tech, [*WEEK, night], validFrom="2026-03-01", expectedVersion=0)
    assert first["errors"] == [] and first["pattern"]["version"] == 1
    assert first["pattern"]["shifts"][-1] == night
    read = await gql(PATTERN, {"id": str(tech), "on": "2026-03-10"}, token=garage.token(Role.SITE_MANAGER))
    assert read["data"]["workPattern"]["shifts"] == first["pattern"]["shifts"]
    stale = await set_pattern(gql, garage, tech, WEEK, validFrom="2026-04-01", expectedVersion=0)
    assert codes(stale) == ["CONFLICT"] and stale["pattern"]["version"] == 1
    second = await set_pattern(gql, garage, tech, WEEK[:2], validFrom="2026-04-01", expectedVersion=1)
    assert second["pattern"]["version"] == 2 and len(second["pattern"]["shifts"]) == 2
    march = await gql(PATTERN, {"id": str(tech), "on": "2026-03-31"}, token=garage.token(Role.SITE_MANAGER))
    assert len(march["data"]["workPattern"]["shifts"]) == 6  # the days before keep their pattern


@pytest.mark.parametrize("lang,messages", [
    ("en", ["Enter a time of day as HH:MM, from 00:00 to 23:59.",
            "A break must start after the shift starts and end before it ends.",
            "This shift overlaps another shift of the week."]),
    ("th", ["กรอกเวลาเป็น ชช:นน ตั้งแต่ 00:00 ถึง 23:59", "ช่วงพักต้องเริ่มหลังเริ่มกะ และจบก่อนหมดกะ",
            "กะนี้ทับกับกะอื่นในสัปดาห์"]),
])
async def test_bad_patterns_are_refused_with_every_error(gql, garage, lang, messages):
    tech = garage.users[Role.TECHNICIAN].id
    shifts = [{"weekday": 0, "starts": "25:00", "ends": "17:00"},
              {"weekday": 1, "starts": "08:00", "ends": "17:00", "breaks": [{"start": "07:00", "end": "09:00"}]},
              {"weekday": 6, "starts": "20:00", "ends": "09:00"},  # Sunday night into Monday morning
              {"weekday": 0, "starts": "08:00", "ends": "12:00"}]
    result = await set_pattern(gql, garage, tech, shifts, lang=lang)
    assert [e["message"] for e in result["errors"]] == messages
    assert [e["field"] for e in result["errors"]] == ["shifts.0.starts", "shifts.1.breaks.0", "shifts.3"]
    read = await gql(PATTERN, {"id": str(tech)}, token=garage.token(Role.SITE_MANAGER))
    assert read["data"]["workPattern"]["shifts"] == [] and read["data"]["workPattern"]["version"] == 0
    manager = await set_pattern(gql, garage, garage.users[Role.BILLING].id, WEEK, lang=lang)
    assert codes(manager) == ["NOT_A_TECHNICIAN_FOR_SHIFTS"]


async def test_exceptions_added_listed_removed_and_kept_per_garage(gql, garage, other_garage):
    tech = garage.users[Role.TECHNICIAN].id
    start, end = "2026-03-04T00:00:00+07:00", "2026-03-05T00:00:00+07:00"
    added = payload(await gql(ADD_EXCEPTION, {"input": {"technicianId": str(tech), "kind": "LEAVE",
                                                        "startsAt": start, "endsAt": end, "note": "wedding",
                                                        "clientMutationId": "leave-1"}},
                              token=garage.token(Role.SITE_MANAGER)), "addWorkException")
    assert added["errors"] == [] and added["exception"]["note"] == "wedding"
    again = payload(await gql(ADD_EXCEPTION, {"input": {"technicianId": str(tech), "kind": "LEAVE",
                                                        "startsAt": start, "endsAt": end, "note": "wedding",
                                                        "clientMutationId": "leave-1"}},
                              token=garage.token(Role.SITE_MANAGER)), "addWorkException")
    assert again["exception"]["id"] == added["exception"]["id"]
    reversed_ = payload(await gql(ADD_EXCEPTION, {"input": {"technicianId": str(tech), "kind": "SICK",
                                                            "startsAt": end, "endsAt": start}},
                                  token=garage.token(Role.SITE_MANAGER), lang="th"), "addWorkException")
    assert codes(reversed_) == ["ENDS_BEFORE_START"] and reversed_["errors"][0]["message"] == "เวลาสิ้นสุดต้องอยู่หลังเวลาเริ่ม"
    window = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
    mine = await gql(EXCEPTIONS, window, token=garage.token(Role.WORKSHOP_MANAGER))
    assert [e["id"] for e in mine["data"]["workExceptions"]] == [added["exception"]["id"]]
    theirs = await gql(EXCEPTIONS, window, token=other_garage.token(Role.WORKSHOP_MANAGER))
    assert theirs["data"]["workExceptions"] == []
    # another garage can neither add to my technician nor remove my leave
    cross = payload(await gql(ADD_EXCEPTION, {"input": {"technicianId": str(tech), "kind": "EXTRA",
                                                        "startsAt": start, "endsAt": end}},
                              token=other_garage.token(Role.SITE_MANAGER)), "addWorkException")
    assert codes(cross) == ["NOT_FOUND"]
    steal = payload(await gql(REMOVE_EXCEPTION, {"input": {"id": added["exception"]["id"]}},
                              token=other_garage.token(Role.SITE_MANAGER)), "removeWorkException")
    assert codes(steal) == ["NOT_FOUND"]
    removed = payload(await gql(REMOVE_EXCEPTION, {"input": {"id": added["exception"]["id"]}},
                                token=garage.token(Role.SITE_MANAGER)), "removeWorkException")
    assert removed["errors"] == []
    assert (await gql(EXCEPTIONS, window, token=garage.token(Role.SITE_MANAGER)))["data"]["workExceptions"] == []


def test_the_role_table():
    managers = {Role.ADMIN, Role.SITE_MANAGER, Role.WORKSHOP_MANAGER}
    for role in Role:
        perms = ROLE_PERMISSIONS[role]
        assert (Permission.WORKFORCE_MANAGE in perms) == (role in managers), role
        assert (Permission.WORKFORCE_READ in perms) == (role in managers), role
        assert (Permission.TIME_CLOCK in perms) == (role in {Role.ADMIN, Role.TECHNICIAN}), role


async def test_every_workforce_operation_role_by_role(gql, garage):
    tech = str(garage.users[Role.TECHNICIAN].id)
    some_id = "01930000-0000-7000-8000-000000000000"
    ops = [
        (Permission.WORKFORCE_READ, PATTERN, {"id": tech}),
        (Permission.WORKFORCE_READ, EXCEPTIONS, {"start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"}),
        (Permission.WORKFORCE_READ, ATTENDANCE, {"siteId": some_id}),
        (Permission.WORKFORCE_READ, ALERTS, {}),
        (Permission.WORKFORCE_MANAGE, SET_PATTERN, {"input": {"technicianId": tech, "shifts": []}}),
        (Permission.WORKFORCE_MANAGE, ADD_EXCEPTION, {"input": {"technicianId": tech, "kind": "LEAVE",
                                                                "startsAt": "2026-03-01T00:00:00Z",
                                                                "endsAt": "2026-03-02T00:00:00Z"}}),
        (Permission.WORKFORCE_MANAGE, CORRECT, {"input": {"clock": "JOB", "entryId": some_id, "reason": "x",
                                                          "startedAt": "2026-03-01T00:00:00Z",
                                                          "endedAt": "2026-03-01T01:00:00Z"}}),
        (Permission.WORKFORCE_MANAGE, SET_GRACE, {"input": {"minutes": 30}}),
        (Permission.TIME_CLOCK, MY_ATTENDANCE, {}),
        (Permission.TIME_CLOCK, CLOCK["clockIn"], {"input": {}}),
        (Permission.TIME_CLOCK, CLOCK["clockOut"], {"input": {}}),
    ]
    for permission, text, variables in ops:
        for role in Role:
            body = await gql(text, variables, token=garage.token(role), expect_errors=True)
            if permission in ROLE_PERMISSIONS[role]:
                assert "FORBIDDEN" not in error_codes(body), (text[:40], role, body)
            else:
                assert error_codes(body) == ["FORBIDDEN"], (text[:40], role, body)
