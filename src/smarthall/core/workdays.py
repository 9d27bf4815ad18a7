"""Working-day arithmetic on the official calendar (法定节假日与调休), with local overrides. Pure: no I/O.

The official calendar comes from the maintained ``chinese-calendar`` package (State Council notices, a new
release each year); a province, city, county or hall may override single days (a local holiday, an extra
working Saturday), the most specific override winning. Years the package does not cover fall back to
Monday–Friday so that arithmetic never fails, and ``official_known`` tells the caller.

Convention (时限计算): a limit of N working days counts from the next working day after the start; the due date
is the N-th working day. N = 0 means the same day (即办).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from chinese_calendar.constants import holidays as _official_holidays
from chinese_calendar.constants import workdays as _official_workdays

# The package's own rule (``chinese_calendar.is_workday``) on its tables, read once: its function recomputes the
# covered years (min/max over every holiday) on each call, which made long spans cost seconds.
_HOLIDAYS = frozenset(_official_holidays)
_MAKEUP_WORKDAYS = frozenset(_official_workdays)
_KNOWN_YEARS = (min(_HOLIDAYS).year, max(_HOLIDAYS).year)


def official_workday(day: date) -> tuple[bool, bool]:
    """(is_workday, known): the official answer, or the weekday rule when the package has no data for the year."""
    if not _KNOWN_YEARS[0] <= day.year <= _KNOWN_YEARS[1]:
        return day.weekday() < 5, False
    return day in _MAKEUP_WORKDAYS or (day.weekday() < 5 and day not in _HOLIDAYS), True


@dataclass(frozen=True)
class WorkCalendar:
    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return official_workday(day)[0]

    def add_workdays(self, start: date, n: int) -> date:
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        remaining = n
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: date, end: date, *, at_most: int | None = None) -> int:
        """Working days in (start, end]; negative when end is before start. With ``at_most``, counting stops once
        the count passes it (the answer is then ``at_most + 1``): enough to compare with a threshold, however far
        away ``end`` is."""
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
                if at_most is not None and count > at_most:
                    break
        return count

    def next_workday(self, day: date) -> date:
        """``day`` itself when it is a working day, otherwise the next one."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day
