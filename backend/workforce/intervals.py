"""Half-open UTC time intervals [start, end): merge, subtract, clip, and the local-time shifts of a pattern."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

Interval = tuple[dt.datetime, dt.datetime]


def merge(items: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined and empty ones dropped."""
    out: list[Interval] = []
    for start, end in sorted(i for i in items if i[1] > i[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(base: list[Interval], holes: list[Interval]) -> list[Interval]:
    """`base` minus `holes`; both sorted and merged."""
    out: list[Interval] = []
    j = 0
    for start, end in base:
        cursor = start
        while j < len(holes) and holes[j][1] <= cursor:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < end:
            if holes[k][0] > cursor:
                out.append((cursor, holes[k][0]))
            cursor = max(cursor, holes[k][1])
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def clip(items: list[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in items if e > start and s < end]


def seconds(items: Iterable[Interval]) -> int:
    return int(sum((e - s).total_seconds() for s, e in items))


def parse_hhmm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time of a day in the zone, as UTC. A time the clocks skip (spring forward) reads with the offset
    before the change, one that happens twice (fall back) as its first occurrence (zoneinfo's fold=0)."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def shift_window(day: dt.date, starts: dt.time, ends: dt.time, zone: ZoneInfo) -> Interval:
    """A shift starting on `day`: an end at or before its start is on the next day."""
    end_day = day if ends > starts else day + dt.timedelta(days=1)
    return local(day, starts, zone), local(end_day, ends, zone)


def break_window(day: dt.date, starts: dt.time, shift_starts: dt.time, start: dt.time, end: dt.time,
                 zone: ZoneInfo) -> Interval:
    """A break of a shift starting on `day` at `shift_starts`: a break time before the shift's start is on the next
    day (a night shift's break after midnight)."""
    start_day = day if start >= shift_starts else day + dt.timedelta(days=1)
    end_day = start_day if end > start else start_day + dt.timedelta(days=1)
    return local(start_day, start, zone), local(end_day, end, zone)
