"""``operations.calendar``: what the official calendar says about a day, on known 2026 dates and as properties."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.core.workdays import WorkCalendar
from smarthall.operations.calendar import LONG_CLOSURE, day_info, open_periods

COUNTY = {
    "weekly": {
        **{
            d: [{"open": "08:30", "close": "12:00"}, {"open": "14:00", "close": "17:30"}]
            for d in ("mon", "tue", "wed", "thu", "fri")
        },
        "sat": [{"open": "09:00", "close": "12:00"}],
        "sun": [],
    }
}


class TestNationalDay2026:
    def test_the_holiday_closes_the_hall_even_on_its_saturday(self):
        for d in (date(2026, 10, 1), date(2026, 10, 3), date(2026, 10, 7)):
            info = day_info(d)
            assert info.holiday and not info.workday
            assert open_periods(COUNTY, info) == []

    def test_the_first_working_days_after_it_are_post_holiday(self):
        first, second, third = (day_info(date(2026, 10, d)) for d in (8, 9, 10))
        assert (first.post_holiday, first.closure_days) == (1, 7)
        assert (second.post_holiday, third.post_holiday) == (2, 3)
        assert day_info(date(2026, 10, 12)).post_holiday == 0

    def test_the_adjusted_saturday_opens_with_monday_hours(self):
        info = day_info(date(2026, 10, 10))
        assert info.kind == "adjusted" and info.workday and not info.holiday
        assert open_periods(COUNTY, info) == open_periods(COUNTY, day_info(date(2026, 10, 12)))

    def test_the_day_before_is_pre_holiday_and_month_end(self):
        info = day_info(date(2026, 9, 30))
        assert info.pre_holiday and info.month_end
        # the last three working days of September 2026 (the 25th is Mid-Autumn)
        assert [d for d in range(21, 31) if day_info(date(2026, 9, d)).month_end] == [28, 29, 30]


def test_an_ordinary_saturday_opens_in_the_morning_only():
    info = day_info(date(2026, 11, 28))
    assert info.kind == "sat" and not info.holiday
    assert [(a.isoformat(), b.isoformat()) for a, b in open_periods(COUNTY, info)] == [("09:00:00", "12:00:00")]


def test_a_local_override_is_honoured():
    tuesday = date(2026, 12, 1)
    calendar = WorkCalendar({tuesday: False})
    assert day_info(tuesday, calendar).holiday
    assert not day_info(tuesday).holiday


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_post_holiday_days_are_working_days_after_a_long_closure(day):
    info = day_info(day)
    if info.post_holiday:
        assert info.workday and info.closure_days >= LONG_CLOSURE
    if info.holiday or not info.workday:
        assert info.post_holiday == 0 and not info.month_end and not info.pre_holiday
    if info.post_holiday == 1:
        assert not day_info(day - timedelta(days=1)).workday
