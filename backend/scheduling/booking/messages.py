"""What a message needs of self-booking at send time: the booking link (`booking_url`, made again from its nonce),
a booking code, and the appointment's time in the message's language; and the secrets to keep out of the stored
copy (the history shows "…" in their place, backend/portal/messages.hide).

- a reminder (reminder_*), when the garage takes bookings online (services marked bookable): the reminder's own
  booking link, made now if it has none (one per reminder). In the SMS it takes the opt-out link's place (two
  Thai parts hold one link only); the mail carries both;
- a booking message (booking_*): the link named in its context (`booking_link_id`);
- a booking code (booking_code): the code, from its nonce.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select


def appointment_text(starts_at: dt.datetime, zone: ZoneInfo, locale: str) -> str:
    """'Tuesday 23 March 2027 at 09:00' / 'วันอังคารที่ 23 มีนาคม 2570 เวลา 09:00 น.' in the garage's time zone."""
    from babel.dates import format_date

    from backend.core.i18n import buddhist_year

    local = starts_at.astimezone(zone)
    if locale == "th":
        return (f"{format_date(local.date(), 'EEEE', locale='th')}ที่ {format_date(local.date(), 'd MMMM', locale='th')} "
                f"{buddhist_year(local.date())} เวลา {local:%H:%M} น.")
    return f"{format_date(local.date(), 'EEEE d MMMM y', locale='en')} at {local:%H:%M}"


def appointment_short(starts_at: dt.datetime, zone: ZoneInfo, locale: str) -> str:
    """For an SMS: '23/3/70 09:00' (Buddhist era) / 'Tue 23 Mar 09:00'."""
    from babel.dates import format_date

    from backend.core.i18n import buddhist_year

    local = starts_at.astimezone(zone)
    if locale == "th":
        return f"{local.day}/{local.month}/{buddhist_year(local.date()) % 100:02d} {local:%H:%M}"
    return f"{format_date(local.date(), 'EEE d MMM', locale='en')} {local:%H:%M}"


def needs_context(row) -> bool:
    context = row.context or {}
    return row.event.startswith("reminder_") or bool(context.get("booking_link_id") or context.get("booking_code_id"))


async def add_booking_context(db, settings, row, context: dict) -> list[str]:
    from backend.notifications.reminders.models import Reminder
    from backend.portal import tokens
    from backend.scheduling.booking import service
    from backend.scheduling.booking.models import BookingCode, BookingLink
    from backend.scheduling.service.common import garage_zone

    hidden: list[str] = []
    async with db.transaction() as session:
        link = None
        if row.event.startswith("reminder_"):
            reminder = (await session.execute(select(Reminder).where(
                Reminder.notification_id == row.id, Reminder.garage_id == row.garage_id))).scalar_one_or_none()
            # only when the garage takes bookings online (something bookable): else the message stays as it was
            if reminder is not None and await service.bookable_services(session, row.garage_id):
                link = await service.for_reminder(session, reminder)
        elif context.get("booking_link_id"):
            link = await session.get(BookingLink, uuid.UUID(context["booking_link_id"]))
            if link is None or link.garage_id != row.garage_id:
                raise LookupError("booking link not found")
        if link is not None and link.revoked_at is None:
            context["booking_url"] = service.booking_url(settings, link)
            hidden.append(service.token_of(settings, link))
        if context.get("starts_at"):
            zone = await garage_zone(session, row.garage_id)
            starts = dt.datetime.fromisoformat(context["starts_at"])
            context["appointment_text"] = appointment_text(starts, zone, row.locale)
            context["appointment_short"] = appointment_short(starts, zone, row.locale)
        if "services_en" in context:
            context["services"] = context.get("services_th") if row.locale == "th" else context.get("services_en")
        context.setdefault("cutoff_hours", (await service.get_settings(session, row.garage_id)).cutoff_hours)
        if context.get("booking_code_id"):
            code = await session.get(BookingCode, uuid.UUID(context["booking_code_id"]))
            if code is None or code.garage_id != row.garage_id:
                raise LookupError("booking code not found")
            context["code"] = tokens.code_for(code.nonce, settings.secret_key)
            hidden.append(context["code"])
    return hidden
