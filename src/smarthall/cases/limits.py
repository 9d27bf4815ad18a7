"""The time limits of one case in its hall (办理时限): the hall's working calendar, its rules, the warning level
and the current step's due date. Calendars are cached per hall (``cases.calendar``, emptied when an override or
a hall changes); rules come from ``rules.service.value`` (nearest override in the hall tree wins).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import deadlines, workflow
from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.core.cache import cached
from smarthall.core.clock import service_day
from smarthall.core.workdays import WorkCalendar
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service

CALENDARS = "cases.calendar"


def calendar(session: Session, hall_code: str) -> WorkCalendar:
    """The hall's working calendar (official days with the overrides of its regions and itself), cached."""

    def load() -> WorkCalendar:
        return deadlines.cached(org_service.working_calendar(session, org_service.get_hall(session, hall_code)))

    return cached(session, CALENDARS, hall_code, load)


def rule(session: Session, case: Case, key: str) -> Any:
    """The value of a hall rule where the case is handled."""
    return rules_service.value(session, org_service.hall_facts_by_id(session, case.hall_id), key)


def warning(session: Session, case: Case, today: date) -> str:
    """``none``, ``green``, ``yellow`` or ``red`` for the case on ``today``."""
    running = case.status not in workflow.CLOCK_STOPPED
    if not running:
        return "none"
    return deadlines.warning_level(
        calendar(session, case.hall_code),
        today,
        case.promised_due,
        clock_running=running,
        yellow_within=int(rule(session, case, "cases.yellow_within_workdays")),
    )


def step_limit(session: Session, case: Case) -> int | None:
    """The working days the current step may take, or None when it has no limit of its own."""
    gaps = not case.precheck.get("passed", True)
    key = (workflow.STEP_LIMIT_RULES_WITH_GAPS if gaps else workflow.STEP_LIMIT_RULES).get(case.status)
    return int(rule(session, case, key)) if key else None


def step_due(session: Session, case: Case) -> date | None:
    """When the current step (e.g. the acceptance decision) is due, from the day the case entered it."""
    limit = step_limit(session, case)
    if limit is None:
        return None
    entered = CaseRepository(session).entered_current_status(case)
    if entered is None:
        return None
    return calendar(session, case.hall_code).add_workdays(service_day(entered), limit)


def tolerated_deadline(session: Session, case: Case, today: date) -> date:
    """The deadline offered for tolerated gaps (容缺补齐): ``cases.tolerated_gap_workdays`` working days ahead."""
    days = int(rule(session, case, "cases.tolerated_gap_workdays"))
    return calendar(session, case.hall_code).add_workdays(today, days)
