"""A case on its item's workflow steps (办理环节, ``catalog.steps``): which steps are done, which are current, and
when each current step is due. Pure: no I/O (the steps and the timeline are handed in).

A case follows the steps of the item version it was filed under. The current steps are those of the case's state;
in a parallel review (several review steps) a department that has decided is done with its step. A step's time
limit counts in working days on the hall's calendar from the day the case entered the step; days the case spends on
a step whose clock is paused (e.g. 中止) and then returns push the step's due date by those working days — except
the acceptance step, which starts again when the applicant resubmits after supplements (行政许可法 第三十二条).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from smarthall.cases import deadlines, workflow
from smarthall.cases.errors import ActionNotForRole
from smarthall.cases.models import Case
from smarthall.catalog.steps import Step, department_of
from smarthall.core.workdays import WorkCalendar

SIDE_STAGES = frozenset({"supplement", "suspended"})


@dataclass(frozen=True)
class Move:
    """One entry of the timeline as the step clock needs it."""

    day: date
    source: str | None
    target: str


def current(steps: Sequence[Step], status: str, reviews: dict[str, Any], item_department: str) -> list[Step]:
    """The steps the case is on now (none once it is final)."""
    here = [s for s in steps if s["stage"] == status]
    if status == "review":
        here = [s for s in here if department_of(s, item_department) not in reviews]
    return here


def entered(moves: Sequence[Move], stage: str, paused: frozenset[str]) -> date | None:
    """The day the case entered ``stage`` for the step clock: the last entry from another stage, or — when it
    came back from a paused stage (and is not the acceptance step) — the entry before the pause."""
    start: date | None = None
    for move in moves:
        if move.target != stage or move.source == stage:
            continue
        if start is None or stage == "submitted" or move.source not in paused:
            start = move.day
    return start


def paused_spans(moves: Sequence[Move], stage: str, since: date, paused: frozenset[str]) -> list[tuple[date, date]]:
    """The (from, until) spans after ``since`` in which the case left ``stage`` for a paused stage and came back."""
    spans: list[tuple[date, date]] = []
    left: date | None = None
    for move in moves:
        if move.day < since:
            continue
        if move.source == stage and move.target in paused:
            left = move.day
        elif left is not None and move.source in paused and move.target == stage:
            spans.append((left, move.day))
            left = None
    return spans


def due(
    calendar: WorkCalendar, moves: Sequence[Move], step: Step, paused: frozenset[str], *, limit: int | None = None
) -> date | None:
    """When ``step`` (a current step) is due: its own limit (or ``limit``, the hall's rule) in working days from
    the day the case entered it, pushed by paused spans; None when it has no limit."""
    days = step.get("limit_workdays")
    days = limit if days is None else days
    if days is None:
        return None
    start = entered(moves, step["stage"], paused)
    if start is None:
        return None
    result = calendar.add_workdays(start, int(days))
    if step["stage"] != "submitted":
        for left, back in paused_spans(moves, step["stage"], start, paused):
            result = deadlines.extend(calendar, result, left, back)
    return result


def progress(
    steps: Sequence[Step], status: str, reviews: dict[str, Any], item_department: str, moves: Sequence[Move]
) -> list[tuple[Step, str]]:
    """Every step with where the case is on it: ``current``, ``done`` (passed, or decided by its department),
    ``waiting`` (not reached yet), ``skipped`` (the case is final and never came to it) or ``not_needed`` (a
    supplement or suspension step the case has not had)."""
    visited = {m.target for m in moves} | {status}
    on = {s["code"] for s in current(steps, status, reviews, item_department)}
    final = status in ("delivered", "rejected", "refused", "withdrawn")
    out = []
    for s in steps:
        if s["code"] in on:
            state = "current"
        elif s["stage"] == "review" and department_of(s, item_department) in reviews:
            state = "done"
        elif s["stage"] in visited:
            state = "done"
        elif s["stage"] in SIDE_STAGES:
            state = "not_needed"  # supplements and suspension happen only when needed
        else:
            state = "skipped" if final else "waiting"
        out.append((s, state))
    return out


def check_role(steps: list[Step], case: Case, role: str, action: str) -> None:
    """Staff act on a case only in the role its current step names (the applicant and the system act as the state
    machine allows)."""
    if role not in ("clerk", "approver") or action not in {t.action for t in workflow.available(case.status)}:
        return  # an action the state does not have: the state machine answers (409)
    on = current(steps, case.status, case.reviews or {}, case.department_code)
    if case.status == "review" and not on:
        on = [s for s in steps if s["stage"] == "review"]  # every part decided: the state machine answers
    if any(s["role"] in ("clerk", "approver") for s in on) and all(s["role"] != role for s in on):
        raise ActionNotForRole(
            detail={"action": action, "role": role, "step": on[0]["code"], "step_role": on[0]["role"]}
        )
