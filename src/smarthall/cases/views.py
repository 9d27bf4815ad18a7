"""The case as people see it: the detail an applicant or staff in scope read (timeline, due dates, warning level,
documents, the actions open to them) and the row of a work list. Staff reading the form (personal data) is
audited."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.cases import actions, flows, limits, notices, workflow
from smarthall.cases.models import Case, CaseEvent
from smarthall.cases.repository import CaseRepository
from smarthall.catalog import steps as catalog_steps
from smarthall.core.clock import format_local, service_day
from smarthall.core.masking import mask_name
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.licences import service as licence_service


def case_view(session: Session, actor: Actor, case: Case, *, now: datetime, with_form: bool = True) -> dict[str, Any]:
    """The case as its applicant or staff in scope see it; staff reading the form (personal data) is audited."""
    role = actions.role_of(actor, case)
    repo = CaseRepository(session)
    form: dict[str, Any] | None = None
    if with_form and (role == "applicant" or (actor.is_staff and actor.has("case.read"))):
        form = json.loads(case.form_json)
        if actor.is_staff:
            audit_service.record(
                session,
                actor,
                "personal_data.read",
                target_type="case",
                target_id=case.case_no,
                hall_code=case.hall_code,
                now=now,
            )
    today = service_day(now)
    on = limits.current_steps(session, case, today)
    dues = [date.fromisoformat(s["due_date"]) for s in on if s["due_date"]]
    due = min(dues) if dues else None
    delivery = case.delivery
    steps = limits.steps_of(session, case)
    reviewers = catalog_steps.review_departments(steps, case.department_code)
    return {
        "form": form,
        "case_no": case.case_no,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "item_version": case.item_version,
        "hall_code": case.hall_code,
        "department_code": case.department_code,
        "applicant": mask_name(case.applicant_name),
        "channel": case.channel,
        "status": case.status,
        "status_zh": notices.status_word(case.status),
        "status_en": notices.status_word(case.status, "en"),
        "version": case.version,
        "submitted_at": case.submitted_at.isoformat(),
        "finished_at": case.finished_at.isoformat() if case.finished_at else None,
        "promised_due_date": case.promised_due.isoformat(),
        "legal_due_date": case.legal_due.isoformat(),
        "stopped_workdays": case.stopped_workdays,
        "step_due_date": due.isoformat() if due else None,
        "clock_stopped": limits.clock_stopped(session, case),
        "warning_level": limits.warning(session, case, today),
        "precheck": case.precheck,
        "evidence": case.evidence,
        "missing": case.missing,
        "tolerated_until": case.tolerated_until.isoformat() if case.tolerated_until else None,
        "materials": case.materials,
        "delivery": {k: v for k, v in delivery.items() if k != "pickup_code" or role == "applicant"}
        if delivery
        else None,
        "auto_decided": case.auto_decided,
        "joint_review": list(reviewers) if len(reviewers) > 1 else [],
        "reviews": case.reviews or {},
        "steps": limits.step_progress(session, case),  # the item's workflow steps, each with its state
        "current_steps": on,  # the steps the case is on, each with its due date and warning
        "actions": [
            t.action for t in workflow.available(case.status, role) if t.action not in workflow.INTERNAL_ACTIONS
        ],
        "timeline": _timeline(session, actor, repo.timeline(case)),
        "documents": _documents(session, case),
    }


def _documents(session: Session, case: Case) -> list[dict[str, Any]]:
    """The case's documents; the result says ``awaiting_payment`` while the fee is owed (it is then not handed out:
    ``flows.require_result_paid``) and where to pay."""
    documents = licence_service.case_documents(session, case.case_no)
    owes = any(d.kind == flows.RESULT_KIND for d in documents) and flows.owes_fee(session, case)
    out = []
    for d in documents:
        row = {**licence_service.describe(d), "awaiting_payment": owes and d.kind == flows.RESULT_KIND}
        row["title_key"], row["title_params"] = notices.title_words(d.title, case.item_name) or ("", {})
        if row["awaiting_payment"]:
            row["pay_path"] = f"/cases/{case.case_no}#fee"
        out.append(row)
    return out


def _timeline(session: Session, actor: Actor, events: list[CaseEvent]) -> list[dict[str, Any]]:
    """The case's events in order. Each names its actor as stored (``staff:<username>``, for systems) and, for
    people, in words: the staff member's role, and their name for staff readers (an applicant sees the role only)."""
    staff = identity_service.staff_by_username(
        session, (e.actor_ref for e in events if e.actor_kind == "staff" and e.actor_ref)
    )
    rows = []
    for e in events:
        member = staff.get(e.actor_ref or "") if e.actor_kind == "staff" else None
        rows.append(
            {
                "at": e.at.isoformat(),
                "at_local": format_local(e.at),
                "action": e.action,
                "action_zh": notices.action_word(e.action),
                "action_en": notices.action_word(e.action, "en"),
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor_kind if e.actor_kind != "staff" else f"staff:{e.actor_ref}",
                "actor_role": member.role if member is not None else None,
                "actor_name": member.name if member is not None and actor.is_staff else None,
                "note": e.note,
                "detail": e.detail,
            }
        )
    return rows


def case_row(session: Session, case: Case, today: date) -> dict[str, Any]:
    """A work-list row; ``current_steps`` are the steps the case is on, with their department and deadline."""
    return {
        "case_no": case.case_no,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "status": case.status,
        "promised_due_date": case.promised_due.isoformat(),
        "warning_level": limits.warning(session, case, today),
        "precheck_passed": bool(case.precheck.get("passed")),
        "current_steps": limits.current_steps(session, case, today),
    }
