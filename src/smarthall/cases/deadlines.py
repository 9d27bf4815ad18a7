"""Time limits (办理时限) in working days on the official calendar; warning levels. Pure: no I/O.

Due dates count from the submission day (the N-th working day after it, ``WorkCalendar`` convention). Time the
case spends with the clock stopped (supplements, suspension) pushes the due dates by the working days it lasted.
Warning: ``yellow`` within N working days of the promised due date (the hall rule ``cases.yellow_within_workdays``,
3 by default, requirements §6.7), ``red`` once past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from smarthall.core.workdays import WorkCalendar, official_workday

YELLOW_WITHIN = 3


@lru_cache(maxsize=1 << 16)
def _official(day: date) -> bool:
    return official_workday(day)[0]


@dataclass(frozen=True)
class CachedCalendar(WorkCalendar):
    """The same calendar with the official answer memoised per day (the package lookup dominates)."""

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _official(day)


def cached(calendar: WorkCalendar) -> CachedCalendar:
    return calendar if isinstance(calendar, CachedCalendar) else CachedCalendar(calendar.overrides)


def due_dates(calendar: WorkCalendar, submitted: date, promised: int, legal: int) -> tuple[date, date]:
    return calendar.add_workdays(submitted, promised), calendar.add_workdays(submitted, legal)


def extend(calendar: WorkCalendar, due: date, stopped_from: date, stopped_until: date) -> date:
    """``due`` pushed by the working days of the stop (stopped_from, stopped_until]."""
    days = max(calendar.workdays_between(stopped_from, stopped_until), 0)
    return calendar.add_workdays(due, days)


def warning_level(
    calendar: WorkCalendar,
    today: date,
    due: date | None,
    *,
    clock_running: bool = True,
    yellow_within: int = YELLOW_WITHIN,
) -> str:
    """``none`` (stopped or no limit), ``green``, ``yellow`` (≤ ``yellow_within`` working days left), ``red``
    (overdue)."""
    if due is None or not clock_running:
        return "none"
    if today > due:
        return "red"
    if calendar.workdays_between(today, due, at_most=yellow_within) <= yellow_within:
        return "yellow"
    return "green"
