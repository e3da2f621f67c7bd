"""MOT and service due-date rules (pure functions): a table of cases a tester at the counter would check, leap days
and month ends included, and hypothesis properties of the renewal rule."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from backend.notifications.reminders.rules import (
    add_years,
    lead_for,
    mot_due_date,
    mot_early_window_start,
    mot_expiry_after_pass,
    service_due,
)

D = dt.date


@pytest.mark.parametrize("first_reg,expiry,today,due", [
    (D(2021, 5, 15), None, D(2024, 1, 1), D(2024, 5, 15)),  # first test: third anniversary
    (D(2021, 5, 15), None, D(2024, 5, 15), D(2024, 5, 15)),  # due today
    (D(2021, 5, 15), None, D(2024, 5, 16), D(2025, 5, 15)),  # then yearly
    (D(2015, 12, 31), None, D(2024, 12, 31), D(2024, 12, 31)),
    (D(2015, 12, 31), None, D(2025, 1, 1), D(2025, 12, 31)),
    (D(2020, 2, 29), None, D(2023, 1, 1), D(2023, 2, 28)),  # leap-day registration: 28 Feb in a common year
    (D(2020, 2, 29), None, D(2023, 3, 1), D(2024, 2, 29)),  # ... and 29 Feb in a leap year
    (D(2020, 2, 29), None, D(2024, 3, 1), D(2025, 2, 28)),
    (D(2023, 6, 1), None, D(2024, 1, 1), D(2026, 6, 1)),  # a new car: nothing before its third anniversary
    (D(2021, 5, 15), D(2024, 9, 1), D(2024, 1, 1), D(2024, 9, 1)),  # the recorded expiry wins
    (D(2010, 5, 15), D(2023, 9, 1), D(2024, 1, 1), D(2023, 9, 1)),  # even a past one: overdue
    (None, D(2024, 9, 1), D(2024, 1, 1), D(2024, 9, 1)),
    (None, None, D(2024, 1, 1), None),
])
def test_mot_due_date(first_reg, expiry, today, due):
    assert mot_due_date(first_reg, expiry, today) == due


@pytest.mark.parametrize("pass_date,expiry,new_expiry", [
    (D(2024, 4, 16), D(2024, 5, 15), D(2025, 5, 15)),  # PRODUCT.md: tested from 16 April keeps 15 May
    (D(2024, 5, 15), D(2024, 5, 15), D(2025, 5, 15)),  # on the expiry day
    (D(2024, 4, 15), D(2024, 5, 15), D(2025, 4, 14)),  # a day too early: a year less a day from the pass
    (D(2024, 1, 10), D(2024, 5, 15), D(2025, 1, 9)),
    (D(2024, 5, 16), D(2024, 5, 15), D(2025, 5, 15)),  # a day late: no grace, a year less a day from the pass
    (D(2024, 6, 30), D(2024, 5, 15), D(2025, 6, 29)),
    (D(2024, 3, 1), D(2024, 3, 31), D(2025, 3, 31)),  # month end: window opens 1 March (29 Feb + 1 day)
    (D(2024, 2, 29), D(2024, 3, 31), D(2025, 2, 27)),  # 29 Feb 2024 is one day too early
    (D(2023, 3, 1), D(2023, 3, 31), D(2024, 3, 31)),  # common year: 28 Feb + 1 day
    (D(2023, 2, 28), D(2023, 3, 31), D(2024, 2, 27)),
    (D(2024, 1, 30), D(2024, 2, 29), D(2025, 2, 28)),  # leap-day expiry: window from 30 January, next 28 Feb
    (D(2024, 1, 29), D(2024, 2, 29), D(2025, 1, 28)),
    (D(2024, 2, 29), None, D(2025, 2, 27)),  # first test on a leap day: 28 Feb less a day
    (D(2024, 2, 29), D(2024, 2, 29), D(2025, 2, 28)),
    (D(2024, 12, 31), D(2025, 1, 1), D(2026, 1, 1)),  # across the year end
    (D(2024, 12, 1), D(2024, 12, 31), D(2025, 12, 31)),
    (D(2024, 11, 30), D(2024, 12, 31), D(2025, 11, 29)),
])
def test_mot_expiry_after_pass(pass_date, expiry, new_expiry):
    assert mot_expiry_after_pass(pass_date, expiry) == new_expiry


days = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))


@given(pass_date=days, expiry=st.one_of(st.none(), days))
def test_renewal_never_shortens_a_year_and_never_gives_more_than_a_month_extra(pass_date, expiry):
    new = mot_expiry_after_pass(pass_date, expiry)
    floor = add_years(pass_date, 1) - dt.timedelta(days=1)
    assert new >= floor  # at least a year less a day of cover from the pass
    assert (new - pass_date).days <= 366 + 31  # at most the old renewal date a year on
    if expiry is not None and mot_early_window_start(expiry) <= pass_date <= expiry:
        assert new == add_years(expiry, 1)
    else:
        assert new == floor


@given(expiry=days, offset=st.integers(min_value=0, max_value=40))
def test_testing_inside_the_window_is_never_worse_than_testing_before_it(expiry, offset):
    start = mot_early_window_start(expiry)
    early = start - dt.timedelta(days=offset + 1)
    assert mot_expiry_after_pass(early, expiry) < mot_expiry_after_pass(start, expiry)
    assert (expiry - start).days in (27, 28, 29, 30)  # one month less a day


@given(first_reg=days, today=days)
def test_computed_due_date_is_an_anniversary_in_the_future_or_today(first_reg, today):
    due = mot_due_date(first_reg, None, today)
    assert (due.month, due.day) in {(first_reg.month, first_reg.day), (2, 28)}
    assert due >= add_years(first_reg, 3)
    assert due >= today
    assert (due - today).days <= 366 or due == add_years(first_reg, 3)


@pytest.mark.parametrize("due,today,leads,lead", [
    (D(2024, 5, 31), D(2024, 5, 1), [30, 7], 30),
    (D(2024, 6, 1), D(2024, 5, 1), [30, 7], None),
    (D(2024, 5, 8), D(2024, 5, 1), [30, 7], 7),
    (D(2024, 5, 1), D(2024, 5, 1), [30, 7], 7),  # due today: the last reminder still goes
    (D(2024, 4, 30), D(2024, 5, 1), [30, 7], None),  # past: nothing
    (D(2024, 5, 20), D(2024, 5, 1), [60, 14, 30], 30),
])
def test_the_lead_that_applies_today(due, today, leads, lead):
    assert lead_for(due, today, leads) == lead


@pytest.mark.parametrize("last_on,last_km,mileage,mileage_on,due,by", [
    (D(2024, 1, 15), 50_000, None, None, D(2025, 1, 15), "DATE"),  # no reading since: the date
    (D(2024, 1, 15), 50_000, 52_000, D(2024, 7, 15), D(2025, 1, 15), "DATE"),  # 11 km/day: the date first
    # 40 km/day: 10,000 km in 250 days; the reading on 15 Mar 2024 (60 days, 2,400 km) predicts 21 Sep 2024
    (D(2024, 1, 15), 50_000, 52_400, D(2024, 3, 15), D(2024, 9, 21), "MILEAGE"),
    (D(2024, 1, 15), 50_000, 60_500, D(2024, 8, 1), D(2024, 8, 1), "MILEAGE"),  # already past the km
    (D(2024, 1, 15), 50_000, 51_000, D(2024, 1, 20), D(2025, 1, 15), "DATE"),  # readings too close for a rate
    (D(2024, 1, 31), None, 51_000, D(2024, 6, 20), D(2025, 1, 31), "DATE"),  # no mileage at the service
])
def test_service_due(last_on, last_km, mileage, mileage_on, due, by):
    result = service_due(last_on, last_km, interval_months=12, interval_km=10_000, mileage=mileage,
                         mileage_on=mileage_on)
    assert (result.due_on, result.by) == (due, by)
