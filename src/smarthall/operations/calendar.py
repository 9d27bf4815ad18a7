"""What the official calendar says about a day, as the arrival process and the forecast see it (pure, no I/O).

A hall's traffic moves with the working-day calendar (法定节假日与调休): closed on public holidays, open on the
adjusted working weekends (调休上班) with weekday hours, busier on the first working days after a long closure
(节后高峰), on the last working day before one, and at the end of a month (月末: social insurance, tax and
housing-fund deadlines). ``day_info`` names those facts for one day; both the history generator
(``operations.arrivals``) and the forecast (``operations.forecast``) read them from here, so "calendar-aware" means
the same thing to both.

Opening hours use the catalog's format (``{"weekly": {"mon": [{"open": "08:30", "close": "12:00"}, ...]}}``).
A public holiday closes the hall even on a Saturday it would normally open (a Saturday inside the National Day
week), an adjusted working weekend opens it with Monday's hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache
from typing import Any

import chinese_calendar

from smarthall.core.workdays import WorkCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LONG_CLOSURE = 3  # closed days in a row that make the next working days "post-holiday"
POST_HOLIDAY_SPAN = 3  # working days after a long closure that count as post-holiday
MONTH_END_SPAN = 3  # the last working days of a month that count as month-end
_LOOKBACK = 15  # calendar days searched back for a closure


@dataclass(frozen=True)
class DayInfo:
    day: date
    workday: bool  # an official (or overridden) working day
    holiday: bool  # a public holiday (closed whatever the weekday)
    kind: str  # "mon" … "sun", or "adjusted" for a weekend made a working day
    post_holiday: int  # 1 … POST_HOLIDAY_SPAN: the n-th working day after a long closure; 0 otherwise
    closure_days: int  # length of that closure (0 when post_holiday is 0)
    pre_holiday: bool  # the last working day before a long closure
    month_end: bool  # among the last MONTH_END_SPAN working days of its month

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]


def _is_holiday(day: date) -> bool:
    try:
        return bool(chinese_calendar.get_holiday_detail(day)[1])
    except NotImplementedError:
        return False


def _closure_before(day: date, calendar: WorkCalendar) -> int:
    """Closed (non-working) days in a row right before ``day``."""
    n = 0
    probe = day - timedelta(days=1)
    while n < _LOOKBACK and not calendar.is_workday(probe):
        n += 1
        probe -= timedelta(days=1)
    return n


def _closure_after(day: date, calendar: WorkCalendar) -> int:
    n = 0
    probe = day + timedelta(days=1)
    while n < _LOOKBACK and not calendar.is_workday(probe):
        n += 1
        probe += timedelta(days=1)
    return n


def day_info(day: date, calendar: WorkCalendar | None = None) -> DayInfo:
    calendar = calendar or WorkCalendar()
    if not calendar.overrides:
        return _official_info(day)
    return _info(day, calendar)


@lru_cache(maxsize=8192)
def _official_info(day: date) -> DayInfo:
    return _info(day, WorkCalendar())


def _info(day: date, calendar: WorkCalendar) -> DayInfo:
    workday = calendar.is_workday(day)
    weekday = WEEKDAYS[day.weekday()]
    holiday = not workday and day.weekday() < 5 or (not workday and _is_holiday(day))
    kind = "adjusted" if workday and day.weekday() >= 5 else weekday
    post, closure = 0, 0
    pre = month_end = False
    if workday:
        probe, count = day, 0
        while count < POST_HOLIDAY_SPAN:
            gap = _closure_before(probe, calendar)
            if gap >= LONG_CLOSURE:
                post, closure = count + 1, gap
                break
            probe -= timedelta(days=gap + 1)
            count += 1
        pre = _closure_after(day, calendar) >= LONG_CLOSURE
        later, probe = 0, day + timedelta(days=1)
        while probe.month == day.month:
            later += calendar.is_workday(probe)
            probe += timedelta(days=1)
        month_end = later < MONTH_END_SPAN
    return DayInfo(day, workday, holiday, kind, post, closure, pre, month_end)


def open_periods(hours: Mapping[str, Any], info: DayInfo) -> list[tuple[time, time]]:
    """The day's opening periods: none on a public holiday, Monday's on an adjusted working weekend."""
    if info.holiday:
        return []
    key = "mon" if info.kind == "adjusted" else info.weekday
    weekly = hours.get("weekly") or {}
    return [(time.fromisoformat(p["open"]), time.fromisoformat(p["close"])) for p in weekly.get(key) or []]


def minute_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute
