"""What the scheduling services share: the garage's time zone, a site of the actor's garage, local-time text."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Site
from backend.core.actor import Actor
from backend.core.enums import OperationsStream
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.events import emit
from backend.core.validate import parse_id

_UNSET = object()


async def garage_zone(session: AsyncSession, garage_id: uuid.UUID) -> ZoneInfo:
    name = (await session.execute(select(Garage.time_zone).where(Garage.id == garage_id))).scalar_one()
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - validated when set; a broken one reads as UTC rather than failing a booking
        return ZoneInfo("UTC")


async def load_site(session: AsyncSession, actor: Actor, site_id: object, field: str = "siteId") -> Site:
    sid = parse_id(site_id, field)
    site = (await session.execute(select(Site).where(Site.id == sid, Site.garage_id == actor.garage_id))
            ).scalar_one_or_none()
    if site is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return site


def local_day_text(day: dt.date) -> dict[str, str]:
    """A day in each language: 'Tue 23 Mar 2027' / 'อังคาร 23 มี.ค. 2570' (Buddhist era)."""
    from babel.dates import format_date

    from backend.core.i18n import buddhist_year

    return {"en": format_date(day, "EEE d MMM y", locale="en"),
            "th": f"{format_date(day, 'EEE d MMM', locale='th')} {buddhist_year(day)}"}


def local_text(when: dt.datetime, zone: ZoneInfo, *, same_day_as: dt.datetime | None = None) -> dict[str, str]:
    """A time as the garage reads it, in each language (a message parameter read in the message's language):
    'Mon 30 Mar 2026 09:00' / 'จันทร์ 30 มี.ค. 2569 09:00'; only '11:00' when it falls on the same local day as
    `same_day_as` (the end of a range whose start says the day)."""
    local = when.astimezone(zone)
    clock = local.strftime("%H:%M")
    if same_day_as is not None and same_day_as.astimezone(zone).date() == local.date():
        return {"en": clock, "th": clock}
    return {lang: f"{day} {clock}" for lang, day in local_day_text(local.date()).items()}


def stream_of(errors: Collector, field: str, value: object, *, required: bool = True) -> OperationsStream | None:
    if value is None or value is _UNSET:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    try:
        return OperationsStream(getattr(value, "value", value))
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None


def aware(errors: Collector, field: str, value: object, *, required: bool = False) -> dt.datetime | None:
    """A time from a client, in UTC (a naive one is read as UTC, as the job card's times are)."""
    if value is None or value is _UNSET:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    if not isinstance(value, dt.datetime):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    if not in_range(value.date()):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    return value


FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def in_range(day: dt.date) -> bool:
    """The days a diary may hold (far from the ends of the calendar, where arithmetic on times overflows)."""
    return FIRST_DAY <= day <= LAST_DAY


def site_channel(garage_id: uuid.UUID, site_id: uuid.UUID) -> str:
    """The site's appointment calendar: every change of one of its appointments."""
    return f"{garage_id}:appointments:{site_id}"


def appointment_changed(session: AsyncSession, appointment) -> None:
    emit(session, site_channel(appointment.garage_id, appointment.site_id), {
        "appointmentId": str(appointment.id), "siteId": str(appointment.site_id),
        "status": appointment.status.value, "version": appointment.version, "sequence": appointment.sequence})
