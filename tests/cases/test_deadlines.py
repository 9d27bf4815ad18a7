"""Time limits on the official calendar: National Day 2026, suspension extends, warning levels."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.cases import deadlines
from smarthall.core.workdays import WorkCalendar

CAL = WorkCalendar()


def test_submitted_just_before_national_day_is_due_after_it() -> None:
    promised, legal = deadlines.due_dates(CAL, date(2026, 9, 30), 1, 3)
    assert promised > date(2026, 10, 7) and legal > promised
    assert all(not CAL.is_workday(date(2026, 10, d)) for d in range(1, 8))


def test_suspension_pushes_the_due_date_by_the_working_days_stopped() -> None:
    due = date(2026, 12, 10)
    assert deadlines.extend(CAL, due, date(2026, 11, 30), date(2026, 12, 2)) == CAL.add_workdays(due, 2)


def test_warning_levels() -> None:
    due = date(2026, 12, 4)  # Friday
    assert deadlines.warning_level(CAL, date(2026, 11, 23), due) == "green"
    assert deadlines.warning_level(CAL, date(2026, 12, 1), due) == "yellow"
    assert deadlines.warning_level(CAL, date(2026, 12, 7), due) == "red"
    assert deadlines.warning_level(CAL, date(2026, 12, 7), due, clock_running=False) == "none"


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 60))
def test_due_date_is_a_working_day_n_working_days_later(start: date, n: int) -> None:
    due = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, due) == n
    if n:
        assert CAL.is_workday(due)


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2015, 1, 1), date(2035, 12, 31)), st.integers(0, 40))
def test_memoised_calendar_agrees_with_the_plain_one(start: date, n: int) -> None:
    overrides = {date(2026, 10, 10): False, date(2026, 12, 5): True}
    assert deadlines.cached(WorkCalendar(overrides)).add_workdays(start, n) == WorkCalendar(overrides).add_workdays(
        start, n
    )
