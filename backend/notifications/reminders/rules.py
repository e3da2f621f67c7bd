"""The date rules behind MOT and service reminders: pure functions, no database.

MOT (UK, see PRODUCT.md): the first test is due on the third anniversary of first registration, then every year.
A recorded MOT expiry wins over the computed date. A test passed from one month minus a day before expiry keeps the
renewal date; an earlier test (or one after expiry: there is no grace period) runs one year less a day from the pass.

Anniversaries of 29 February fall on 28 February in other years (the earlier day: a reminder and a legal deadline
are better early than late). "One month before" a day that the earlier month lacks (31 March) is that month's last
day (28 or 29 February).

Thai vehicle duties (a garage whose country is Thailand gets these instead of the MOT, see PRODUCT.md):
- annual vehicle tax (ต่อภาษีรถยนต์ประจำปี): due on each anniversary of first registration (the first one year after
  it); it may be paid up to 90 days early.
- private inspection (ตรอ.): needed before a renewal once the vehicle is 7 FULL years old on the renewal date (a
  motorcycle 5): first registered 10 June 2019, the 10 June 2026 renewal needs it (7 years that day), the June 2025
  one does not (6). A pass counts for a renewal up to 3 months later, so its window opens 3 months before.
- compulsory insurance (พ.ร.บ.): its recorded expiry; it must be valid on the day the tax is paid.

Service: due after `interval_months` or `interval_km` from the last service, whichever comes first. The mileage due
date is estimated from the vehicle's average km a day between the reading at the last service and its latest
reading; with no usable rate the mileage only counts once a reading has reached the threshold.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

MOT_FIRST_TEST_YEARS = 3
# a rate needs readings at least this far apart, or one odd reading would predict nonsense
MIN_RATE_DAYS = 14


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier); a day the target month lacks becomes its last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary `years` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def mot_first_due(first_registration: dt.date) -> dt.date:
    return add_years(first_registration, MOT_FIRST_TEST_YEARS)


def mot_due_date(first_registration: dt.date | None, mot_expiry: dt.date | None,
                 today: dt.date) -> dt.date | None:
    """When the vehicle's MOT is next due, as of `today`.

    A recorded expiry wins, even a past one (the vehicle is then overdue). Without one: the third anniversary of
    first registration, and after that the next anniversary on or after today (yearly tests). None when nothing is
    known."""
    if mot_expiry is not None:
        return mot_expiry
    if first_registration is None:
        return None
    first = mot_first_due(first_registration)
    if first >= today:
        return first
    years = today.year - first_registration.year
    due = add_years(first_registration, years)
    if due < today:
        due = add_years(first_registration, years + 1)
    return due


def mot_early_window_start(expiry: dt.date) -> dt.date:
    """The first day a pass keeps the current renewal date: one month minus a day before expiry."""
    return add_months(expiry, -1) + dt.timedelta(days=1)


def mot_expiry_after_pass(pass_date: dt.date, current_expiry: dt.date | None) -> dt.date:
    """The new MOT expiry after a pass on `pass_date`.

    Within the window (one month minus a day before expiry, up to the expiry day) the renewal date is kept: the
    new expiry is a year after the current one. Earlier, later (no grace period) or with no current expiry it is one
    year less a day from the pass."""
    if current_expiry is not None and mot_early_window_start(current_expiry) <= pass_date <= current_expiry:
        return add_years(current_expiry, 1)
    return add_years(pass_date, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class ServiceDue:
    due_on: dt.date
    by: str  # "DATE" or "MILEAGE": which interval comes first
    due_mileage: int | None


def km_per_day(from_mileage: int | None, from_day: dt.date | None, to_mileage: int | None,
               to_day: dt.date | None) -> float | None:
    """The average daily distance between two readings; None when they are too close or go backwards."""
    if None in (from_mileage, from_day, to_mileage, to_day):
        return None
    days = (to_day - from_day).days
    if days < MIN_RATE_DAYS or to_mileage <= from_mileage:
        return None
    return (to_mileage - from_mileage) / days


def service_due(last_service_on: dt.date, last_service_mileage: int | None, *, interval_months: int,
                interval_km: int | None, mileage: int | None, mileage_on: dt.date | None) -> ServiceDue:
    """When the next service is due: the earlier of the date interval and the (estimated) mileage interval."""
    by_date = add_months(last_service_on, interval_months)
    if not interval_km or last_service_mileage is None:
        return ServiceDue(by_date, "DATE", None)
    due_mileage = last_service_mileage + interval_km
    if mileage is not None and mileage_on is not None and mileage >= due_mileage:
        reached = max(mileage_on, last_service_on)
        return ServiceDue(reached, "MILEAGE", due_mileage) if reached < by_date else ServiceDue(by_date, "DATE",
                                                                                                 due_mileage)
    rate = km_per_day(last_service_mileage, last_service_on, mileage, mileage_on)
    if rate is None:
        return ServiceDue(by_date, "DATE", due_mileage)
    by_mileage = mileage_on + dt.timedelta(days=math.ceil((due_mileage - mileage) / rate))
    if by_mileage < by_date:
        return ServiceDue(by_mileage, "MILEAGE", due_mileage)
    return ServiceDue(by_date, "DATE", due_mileage)


def lead_for(due_on: dt.date, today: dt.date, leads: list[int]) -> int | None:
    """The reminder that is due now for a date `due_on`: the smallest lead whose day has come (due - lead <= today),
    or None when the due date has passed or no lead's day has come. A vehicle found late (added 5 days before its
    MOT) gets the 7-day reminder only, never a 30-day one after the fact."""
    if due_on < today:
        return None
    days = (due_on - today).days
    fitting = [lead for lead in leads if days <= lead]
    return min(fitting) if fitting else None


# ------------------------------------------------------------------------------------------------ Thai duties

TAX_EARLY_DAYS = 90
INSPECTION_AGE_YEARS = {"CAR": 7, "MOTORCYCLE": 5}
INSPECTION_VALID_MONTHS = 3


def full_years(first_registration: dt.date, on: dt.date) -> int:
    """Completed years from first registration to `on` (a 29 February registration completes a year on 28 February
    of a common year, as add_years counts anniversaries)."""
    years = on.year - first_registration.year
    if years > 0 and add_years(first_registration, years) > on:
        years -= 1
    return max(years, 0)


def tax_due_date(first_registration: dt.date | None, today: dt.date) -> dt.date | None:
    """The next annual vehicle tax renewal on or after `today`: an anniversary of first registration (at least the
    first)."""
    if first_registration is None:
        return None
    years = max(1, today.year - first_registration.year)
    due = add_years(first_registration, years)
    if due < today:
        due = add_years(first_registration, years + 1)
    return due


def tax_window_start(due: dt.date) -> dt.date:
    """The first day the tax due on `due` can be paid."""
    return due - dt.timedelta(days=TAX_EARLY_DAYS)


def inspection_required(first_registration: dt.date, kind: str | None, renewal: dt.date) -> bool:
    """Whether the renewal on `renewal` needs a private inspection first (7 full years for a car, 5 a motorcycle)."""
    return full_years(first_registration, renewal) >= INSPECTION_AGE_YEARS.get(kind or "CAR", 7)


def inspection_window_start(renewal: dt.date) -> dt.date:
    """The earliest pass that still counts for the renewal on `renewal` (at most 3 months before it)."""
    return add_months(renewal, -INSPECTION_VALID_MONTHS)


@dataclass(frozen=True)
class ThaiDuties:
    tax_on: dt.date | None
    inspection_on: dt.date | None  # the renewal date the inspection must be passed before; None: not needed
    insurance_on: dt.date | None


def thai_duties(first_registration: dt.date | None, kind: str | None, insurance_expiry: dt.date | None,
                today: dt.date) -> ThaiDuties:
    tax_on = tax_due_date(first_registration, today)
    inspection_on = tax_on if tax_on is not None and inspection_required(first_registration, kind, tax_on) else None
    return ThaiDuties(tax_on, inspection_on, insurance_expiry)


def window_leads(leads: list[int], due_on: dt.date, window_start: dt.date) -> list[int]:
    """The leads of a duty that can only be done from `window_start`: a lead earlier than that is sent on the day
    the window opens (a 120-day reminder for a tax payable 90 days early comes at 90 days)."""
    widest = (due_on - window_start).days
    return sorted({min(lead, widest) for lead in leads}, reverse=True)
