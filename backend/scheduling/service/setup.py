"""A site's bays, weekly opening hours and closed days (entered, or imported from an ICS file of public holidays)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.core.validate import check_version, parse_id
from backend.scheduling.models import Bay, BayKind, ClosedDay, OpeningHours
from backend.scheduling.service.common import _UNSET, in_range, load_site, stream_of

MAX_ICS_BYTES = 512 * 1024
MAX_ICS_DAYS = 400
BAY_FIELDS = ("name", "kind", "streams", "active", "site_id")


# ---------------------------------------------------------------------------------------------------- bays


@dataclass
class BayInput:
    site_id: object = _UNSET
    name: object = _UNSET
    kind: object = _UNSET
    streams: object = _UNSET
    active: object = _UNSET


def _check_bay(errors: Collector, data: BayInput, *, creating: bool) -> dict:
    out: dict = {}
    if creating or data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name if isinstance(data.name, str) else None, required=True,
                             max_len=100)
    if creating or data.kind is not _UNSET:
        try:
            out["kind"] = BayKind(getattr(data.kind, "value", data.kind))
        except ValueError:
            errors.add(ErrorCode.REQUIRED if data.kind in (None, _UNSET) else ErrorCode.INVALID_VALUE, "kind")
    if creating or data.streams is not _UNSET:
        streams = data.streams if isinstance(data.streams, (list, tuple)) else []
        values = []
        for s in streams:
            stream = stream_of(errors, "streams", s)
            if stream is not None and stream.value not in values:
                values.append(stream.value)
        if not values and not errors.errors:
            errors.add(ErrorCode.REQUIRED, "streams")
        out["streams"] = sorted(values)
    if data.active is not _UNSET:
        if not isinstance(data.active, bool):
            errors.add(ErrorCode.INVALID_VALUE, "active")
        else:
            out["active"] = data.active
    return out


async def create_bay(session: AsyncSession, actor: Actor, data: BayInput, bay_id: uuid.UUID | None = None) -> Bay:
    errors = Collector()
    values = _check_bay(errors, data, creating=True)
    site = None
    if data.site_id in (None, _UNSET):
        errors.add(ErrorCode.REQUIRED, "siteId")
    else:
        try:
            site = await load_site(session, actor, data.site_id)
        except DomainError as exc:
            errors.errors.append(exc)
    errors.raise_if_any()
    await v.ensure_new_id(session, Bay, bay_id)
    bay = Bay(id=bay_id or new_id(), garage_id=actor.garage_id, site_id=site.id, active=values.pop("active", True),
              version=1, **values)
    session.add(bay)
    await session.flush()
    audit.record(session, actor, "Bay", bay.id, "create", audit.created(bay, BAY_FIELDS))
    return bay


async def load_bay(session: AsyncSession, actor: Actor, bay_id: object, *, for_update: bool = False,
                   field: str = "bayId") -> Bay:
    bid = parse_id(bay_id, field)
    query = select(Bay).where(Bay.id == bid, Bay.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    bay = (await session.execute(query)).scalar_one_or_none()
    if bay is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return bay


async def update_bay(session: AsyncSession, actor: Actor, bay_id: object, data: BayInput,
                     expected_version: int | None = None) -> Bay:
    bay = await load_bay(session, actor, bay_id, for_update=True, field="id")
    check_version(bay, expected_version)
    errors = Collector()
    values = _check_bay(errors, data, creating=False)
    errors.raise_if_any()
    before = audit.snapshot(bay, BAY_FIELDS)
    for key, value in values.items():
        setattr(bay, key, value)
    changes = audit.diff(before, audit.snapshot(bay, BAY_FIELDS))
    if changes:
        bay.version += 1
        audit.record(session, actor, "Bay", bay.id, "update", changes)
    await session.flush()
    return bay


async def list_bays(session: AsyncSession, actor: Actor, site_id: object, *, include_inactive: bool = True
                    ) -> list[Bay]:
    site = await load_site(session, actor, site_id)
    query = select(Bay).where(Bay.garage_id == actor.garage_id, Bay.site_id == site.id)
    if not include_inactive:
        query = query.where(Bay.active.is_(True))
    return list((await session.execute(query.order_by(Bay.name, Bay.id))).scalars())


# ---------------------------------------------------------------------------------------------------- opening hours


@dataclass
class OpeningRange:
    weekday: int  # 0 = Monday
    opens_minute: int
    closes_minute: int


def _check_ranges(ranges: list[OpeningRange]) -> list[OpeningRange]:
    clean: list[OpeningRange] = []
    for r in ranges:
        ok = all(isinstance(x, int) and not isinstance(x, bool) for x in (r.weekday, r.opens_minute, r.closes_minute))
        if not ok or not 0 <= r.weekday <= 6 or not 0 <= r.opens_minute < r.closes_minute <= 1440:
            raise DomainError(ErrorCode.INVALID_OPENING_HOURS, "ranges")
        clean.append(r)
    clean.sort(key=lambda r: (r.weekday, r.opens_minute))
    for a, b in zip(clean, clean[1:]):
        if a.weekday == b.weekday and b.opens_minute < a.closes_minute:
            raise DomainError(ErrorCode.INVALID_OPENING_HOURS, "ranges")
    if len(clean) > 7 * 6:
        raise DomainError(ErrorCode.INVALID_OPENING_HOURS, "ranges")
    return clean


async def set_opening_hours(session: AsyncSession, actor: Actor, site_id: object, ranges: list[OpeningRange]
                            ) -> list[OpeningHours]:
    """The site's whole week at once: a weekday not named is closed."""
    site = await load_site(session, actor, site_id)
    clean = _check_ranges(list(ranges))
    before = [[r.weekday, r.opens_minute, r.closes_minute] for r in await opening_hours(session, actor, site.id)]
    await session.execute(delete(OpeningHours).where(OpeningHours.garage_id == actor.garage_id,
                                                     OpeningHours.site_id == site.id))
    rows = [OpeningHours(garage_id=actor.garage_id, site_id=site.id, weekday=r.weekday, opens_minute=r.opens_minute,
                         closes_minute=r.closes_minute) for r in clean]
    session.add_all(rows)
    await session.flush()
    after = [[r.weekday, r.opens_minute, r.closes_minute] for r in clean]
    audit.record(session, actor, "Site", site.id, "opening_hours", {"openingHours": {"before": before, "after": after}})
    return rows


async def opening_hours(session: AsyncSession, actor: Actor, site_id: uuid.UUID) -> list[OpeningHours]:
    return list((await session.execute(select(OpeningHours).where(
        OpeningHours.garage_id == actor.garage_id, OpeningHours.site_id == site_id)
        .order_by(OpeningHours.weekday, OpeningHours.opens_minute))).scalars())


# ---------------------------------------------------------------------------------------------------- closed days


async def add_closed_day(session: AsyncSession, actor: Actor, site_id: object, day: object, name: object
                         ) -> ClosedDay:
    site = await load_site(session, actor, site_id)
    errors = Collector()
    label = v.text(errors, "name", name if isinstance(name, str) else None, required=True, max_len=200)
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime) or not in_range(day):
        errors.add(ErrorCode.INVALID_VALUE, "day")
    errors.raise_if_any()
    existing = (await session.execute(select(ClosedDay).where(ClosedDay.site_id == site.id, ClosedDay.day == day))
                ).scalar_one_or_none()
    if existing is not None:
        existing.name = label
        existing.imported = False
        await session.flush()
        return existing
    row = ClosedDay(garage_id=actor.garage_id, site_id=site.id, day=day, name=label, imported=False)
    session.add(row)
    await session.flush()
    audit.record(session, actor, "Site", site.id, "closed_day:add", {"day": {"before": None, "after": str(day)}})
    return row


async def remove_closed_day(session: AsyncSession, actor: Actor, closed_day_id: object) -> ClosedDay:
    cid = parse_id(closed_day_id, "id")
    row = (await session.execute(select(ClosedDay).where(ClosedDay.id == cid, ClosedDay.garage_id == actor.garage_id))
           ).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    await session.delete(row)
    await session.flush()
    audit.record(session, actor, "Site", row.site_id, "closed_day:remove",
                 {"day": {"before": str(row.day), "after": None}})
    return row


async def closed_days(session: AsyncSession, actor: Actor, site_id: uuid.UUID, start: dt.date | None = None,
                      end: dt.date | None = None) -> list[ClosedDay]:
    query = select(ClosedDay).where(ClosedDay.garage_id == actor.garage_id, ClosedDay.site_id == site_id)
    if start is not None:
        query = query.where(ClosedDay.day >= start)
    if end is not None:
        query = query.where(ClosedDay.day <= end)
    return list((await session.execute(query.order_by(ClosedDay.day))).scalars())


def parse_holidays(content: bytes) -> list[tuple[dt.date, str]]:
    """The all-day events of an ICS file as (day, name), one per day (a multi-day event gives each of its days).
    Anything unreadable is INVALID_ICS; a calendar without an all-day event is ICS_NO_HOLIDAYS."""
    import icalendar

    if not content or len(content) > MAX_ICS_BYTES:
        raise DomainError(ErrorCode.INVALID_ICS, "file")
    try:
        calendar = icalendar.Calendar.from_ical(content)
    except Exception:  # noqa: BLE001 - the library raises ValueError and others for malformed input
        raise DomainError(ErrorCode.INVALID_ICS, "file") from None
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise DomainError(ErrorCode.INVALID_ICS, "file")
    days: dict[dt.date, str] = {}
    try:
        for event in calendar.walk("VEVENT"):
            start = event.get("DTSTART")
            start = getattr(start, "dt", None)
            if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
                continue  # a timed event is not a closed day
            if not in_range(start):
                raise ValueError("out of range")
            end = getattr(event.get("DTEND"), "dt", None)
            last = end - dt.timedelta(days=1) if isinstance(end, dt.date) and not isinstance(end, dt.datetime) \
                and end > start else start
            name = v.clean(str(event.get("SUMMARY") or "")) or "-"
            day = start
            while day <= last and len(days) <= MAX_ICS_DAYS:
                days.setdefault(day, name[:200])
                day += dt.timedelta(days=1)
    except Exception:  # noqa: BLE001 - a broken property inside an event
        raise DomainError(ErrorCode.INVALID_ICS, "file") from None
    if len(days) > MAX_ICS_DAYS:
        raise DomainError(ErrorCode.INVALID_ICS, "file")
    if not days:
        raise DomainError(ErrorCode.ICS_NO_HOLIDAYS, "file")
    return sorted(days.items())


async def import_closed_days(session: AsyncSession, actor: Actor, site_id: object, content: bytes
                             ) -> list[ClosedDay]:
    """Public holidays from an ICS file: each all-day event a closed day of the site (a day already closed keeps its
    row and takes the file's name). A file that cannot be read imports nothing."""
    site = await load_site(session, actor, site_id)
    holidays = parse_holidays(content)
    existing = {row.day: row for row in await closed_days(session, actor, site.id, holidays[0][0], holidays[-1][0])}
    out = []
    for day, name in holidays:
        row = existing.get(day)
        if row is None:
            row = ClosedDay(garage_id=actor.garage_id, site_id=site.id, day=day, name=name, imported=True)
            session.add(row)
        else:
            row.name = name
        out.append(row)
    await session.flush()
    audit.record(session, actor, "Site", site.id, "closed_days:import",
                 {"days": {"before": None, "after": [str(d) for d, _ in holidays]}})
    return out
