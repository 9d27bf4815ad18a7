"""The periodic time-limit job (时限预警, requirements §6.7): warning levels, overdue steps and overdue tolerated
gaps, each told once to the staff who answer for the case (and, for tolerated gaps, to the applicant).

Runs as the system over every hall; the thresholds are each hall's rules (``cases.yellow_within_workdays``,
``cases.acceptance_step_workdays``, ``cases.supplement_notice_workdays``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from smarthall.cases import flows, limits, notices, workflow
from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.core.clock import service_day
from smarthall.core.tenancy import SYSTEM


def raise_warnings(session: Session, *, now: datetime) -> dict[str, int]:
    """Move each running case's warning level; tell the responsible staff when it turns yellow or red."""
    today = service_day(now)
    counts = {"yellow": 0, "red": 0, "checked": 0}
    running = [s for s in workflow.STATES if s not in workflow.CLOCK_STOPPED]
    for case in CaseRepository(session).running(running):
        counts["checked"] += 1
        level = limits.warning(session, case, today)
        if level not in ("yellow", "red") or level == case.warned_level:
            continue
        counts[level] += 1
        case.warned_level = level
        level_zh, level_en = notices.warning_words(level)
        _warn(session, case, level_zh=level_zh, level_en=level_en, due=case.promised_due, now=now)
    counts["tolerated_overdue"] = tolerated_overdue(session, today=today, now=now)
    counts["step_overdue"] = step_overdue(session, today=today, now=now)
    return counts


def _warn(session: Session, case: Case, *, level_zh: str, level_en: str, due: date, now: datetime) -> None:
    params = {
        "case_no": case.case_no,
        "item": case.item_name,
        "level": level_en,
        "level_zh": level_zh,
        "due": due.isoformat(),
    }
    staff = flows.responsible_staff(session, case)
    flows.tell_staff(session, case, staff, template="case.warning", params=params, now=now)


def step_overdue(session: Session, *, today: date, now: datetime) -> int:
    """Cases whose current step passed its limit: tell the staff of that step, once per entry into the step."""
    repo = CaseRepository(session)
    flagged = 0
    for case in repo.running([s for s in workflow.STATES if s not in workflow.FINAL_STATES and s != "approved"]):
        if limits.step_limit(session, case) is None:  # no limit on this step (cheap: the steps are cached)
            continue
        due = limits.step_due(session, case)
        if due is None or today <= due or repo.last_action(case) == "step_overdue":
            continue
        flagged += 1
        on = limits.current_steps(session, case, today)
        name = on[0]["name"] if on and case.status != "submitted" else None
        level_zh, level_en = notices.step_overdue_words(case.status, limits.step_limit(session, case) or 0, name)
        _warn(session, case, level_zh=level_zh, level_en=level_en, due=due, now=now)
        repo.add_event(
            case,
            action="step_overdue",
            source=case.status,
            target=case.status,
            actor=SYSTEM,
            at=now,
            detail={"step_due": str(due)},
        )
    return flagged


def tolerated_overdue(session: Session, *, today: date, now: datetime) -> int:
    """Cases accepted with tolerated gaps whose deadline passed with gaps left: tell the clerk and the applicant."""
    repo = CaseRepository(session)
    flagged = 0
    for case in repo.tolerated_overdue(today):
        if not case.missing or repo.has_event(case, "tolerated_overdue"):
            continue
        flagged += 1
        params = {
            "case_no": case.case_no,
            "item": case.item_name,
            "deadline": str(case.tolerated_until),
            "missing": ";".join(str(m.get("label") or m.get("reason") or "") for m in case.missing),
        }
        recipients = [case.accepted_by] if case.accepted_by else flows.responsible_staff(session, case)
        flows.tell_staff(session, case, recipients, template="case.tolerated_overdue", params=params, now=now)
        flows.tell_applicant(session, case, template="case.tolerated_overdue", params=params, now=now)
        repo.add_event(
            case,
            action="tolerated_overdue",
            source=case.status,
            target=case.status,
            actor=SYSTEM,
            at=now,
            detail={"deadline": str(case.tolerated_until), "missing": len(case.missing)},
        )
    return flagged
