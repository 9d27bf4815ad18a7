"""The time limits of one case in its hall (办理时限): the hall's working calendar, its rules, the warning level
and the current step's due date. Calendars are cached per hall (``cases.calendar``, emptied when an override or
a hall changes); rules come from ``rules.service.value`` (nearest override in the hall tree wins).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import deadlines, workflow
from smarthall.cases import steps as on_steps
from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.catalog import service as catalog_service
from smarthall.catalog import steps as catalog_steps
from smarthall.catalog.steps import Step
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


def plan_at_filing(session: Session, item_code: str, item_version: int, hall_id: int) -> list[Step]:
    """The step plan a case filed now keeps for good: the steps of the item version with the hall's own role and
    time limit of a step as they are set today (a copy, never the cached list)."""
    return [dict(s) for s in catalog_service.item_steps(session, item_code, item_version, hall_id=hall_id)]


def steps_of(session: Session, case: Case) -> list[Step]:
    """The workflow steps the case follows: the plan pinned when it was filed (``Case.step_plan``) — its item's
    steps as of the version it was filed under, with its hall's own role and time limit of a step then; a case
    filed before plans were kept reads the item version's steps with the hall's current settings."""
    if case.step_plan is not None:
        return list(case.step_plan)
    return catalog_service.item_steps(session, case.item_code, case.item_version, hall_id=case.hall_id)


def paused(session: Session, case: Case) -> frozenset[str]:
    """The states on which the case's clock stops (its steps' ``clock_paused``)."""
    return catalog_steps.paused_stages(steps_of(session, case))


def clock_stopped(session: Session, case: Case) -> bool:
    return case.status in workflow.FINISHED_STATES or case.status in paused(session, case)


def warning(session: Session, case: Case, today: date) -> str:
    """``none``, ``green``, ``yellow`` or ``red`` for the case on ``today``."""
    if clock_stopped(session, case):
        return "none"
    return deadlines.warning_level(
        calendar(session, case.hall_code),
        today,
        case.promised_due,
        clock_running=True,
        yellow_within=int(rule(session, case, "cases.yellow_within_workdays")),
    )


def _hall_step_limit(session: Session, case: Case) -> int | None:
    """The hall rule bounding a step that has no limit of its own (the acceptance decision), or None."""
    gaps = not case.precheck.get("passed", True)
    key = (workflow.STEP_LIMIT_RULES_WITH_GAPS if gaps else workflow.STEP_LIMIT_RULES).get(case.status)
    return int(rule(session, case, key)) if key else None


def _moves(session: Session, case: Case) -> list[on_steps.Move]:
    return [
        on_steps.Move(service_day(e.at), e.from_status, e.to_status) for e in CaseRepository(session).timeline(case)
    ]


def current_steps(session: Session, case: Case, today: date) -> list[dict[str, Any]]:
    """The steps the case is on now, each with its due date (None: no limit of its own) and warning level."""
    all_steps = steps_of(session, case)
    on = on_steps.current(all_steps, case.status, case.reviews or {}, case.department_code)
    if not on:
        return []
    cal, stopped = calendar(session, case.hall_code), catalog_steps.paused_stages(all_steps)
    hall_limit = _hall_step_limit(session, case)
    limited = any(s.get("limit_workdays") is not None for s in on) or hall_limit is not None
    moves = _moves(session, case) if limited else []  # the timeline is read only when a step has a limit
    yellow = int(rule(session, case, "cases.yellow_within_workdays")) if limited else 0
    out = []
    for s in on:
        due = on_steps.due(cal, moves, s, stopped, limit=hall_limit) if limited else None
        out.append(
            {
                **step_words(s, case.department_code),
                "due_date": due.isoformat() if due else None,
                "warning_level": deadlines.warning_level(cal, today, due, yellow_within=yellow),
            }
        )
    return out


def step_words(s: Step, item_department: str) -> dict[str, Any]:
    """A step as the API shows it."""
    return {
        "code": s["code"],
        "name": s["name"],
        "name_en": s.get("name_en") or s["name"],
        "stage": s["stage"],
        "role": s["role"],
        "department_code": catalog_steps.department_of(s, item_department),
        "limit_workdays": s.get("limit_workdays"),
        "clock_paused": bool(s.get("clock_paused")),
    }


def step_progress(session: Session, case: Case) -> list[dict[str, Any]]:
    """Every step of the case with its state (current, done, waiting, skipped, not_needed)."""
    rows = on_steps.progress(
        steps_of(session, case), case.status, case.reviews or {}, case.department_code, _moves(session, case)
    )
    return [{**step_words(s, case.department_code), "state": state} for s, state in rows]


def step_limit(session: Session, case: Case) -> int | None:
    """The working days the current step may take, or None when it has no limit of its own."""
    on = on_steps.current(steps_of(session, case), case.status, case.reviews or {}, case.department_code)
    own = next((s.get("limit_workdays") for s in on if s.get("limit_workdays") is not None), None)
    return int(own) if own is not None else _hall_step_limit(session, case)


def step_due(session: Session, case: Case) -> date | None:
    """When the current step (e.g. the acceptance decision) is due, from the day the case entered it; in a
    parallel review the earliest of the departments' steps still open."""
    dues = [date.fromisoformat(s["due_date"]) for s in current_steps(session, case, date.min) if s["due_date"]]
    return min(dues) if dues else None


def tolerated_deadline(session: Session, case: Case, today: date) -> date:
    """The deadline offered for tolerated gaps (容缺补齐): ``cases.tolerated_gap_workdays`` working days ahead."""
    days = int(rule(session, case, "cases.tolerated_gap_workdays"))
    return calendar(session, case.hall_code).add_workdays(today, days)
