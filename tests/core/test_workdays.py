from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from smarthall.core.workdays import WorkCalendar


def test_national_day_2026_is_skipped():
    calendar = WorkCalendar()
    # Wednesday 30 September 2026, the last working day before the National Day holiday (1–7 October).
    assert calendar.add_workdays(date(2026, 9, 30), 1) > date(2026, 10, 7)


def test_adjusted_working_saturday_counts():
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2026, 10, 10))  # 调休上班
    assert not calendar.is_workday(date(2026, 10, 3))


def test_zero_days_is_the_same_day_and_local_override_wins():
    calendar = WorkCalendar({date(2026, 12, 1): False})
    assert calendar.add_workdays(date(2026, 11, 30), 0) == date(2026, 11, 30)
    assert calendar.add_workdays(date(2026, 11, 30), 1) == date(2026, 12, 2)


def test_years_beyond_the_package_fall_back_to_weekdays():
    calendar = WorkCalendar()
    assert calendar.add_workdays(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Friday → Monday


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 40))
def test_due_date_is_a_workday_and_counts_back(start, n):
    calendar = WorkCalendar()
    due = calendar.add_workdays(start, n)
    assert calendar.workdays_between(start, due) == n
    if n:
        assert calendar.is_workday(due)
        assert calendar.workdays_between(start, due - timedelta(days=1)) == n - 1


def test_official_rule_read_from_the_package_tables_matches_the_package_on_every_covered_day():
    import chinese_calendar

    from smarthall.core.workdays import official_workday

    day, last = date(2004, 1, 1), date(2026, 12, 31)
    while day <= last:
        assert official_workday(day) == (chinese_calendar.is_workday(day), True), day
        day += timedelta(days=1)
    assert official_workday(date(2300, 1, 2)) == (date(2300, 1, 2).weekday() < 5, False)


def test_a_warning_against_a_far_due_date_counts_only_as_far_as_the_threshold():
    from dataclasses import dataclass, field

    from smarthall.cases.deadlines import warning_level
    from smarthall.core.workdays import WorkCalendar

    @dataclass(frozen=True)
    class Counting(WorkCalendar):
        seen: list[date] = field(default_factory=list)

        def is_workday(self, day: date) -> bool:
            self.seen.append(day)
            return super().is_workday(day)

    calendar = Counting()
    assert warning_level(calendar, date(2026, 11, 30), date(2999, 1, 1), yellow_within=3) == "green"
    assert len(calendar.seen) < 14  # four working days are enough to know, not 355,000 days
    assert warning_level(calendar, date(2026, 11, 30), date(2026, 12, 2), yellow_within=3) == "yellow"
    assert calendar.workdays_between(date(2026, 11, 30), date(2026, 12, 31), at_most=2) == 3
    assert calendar.workdays_between(date(2026, 11, 30), date(2026, 12, 31)) == 23
