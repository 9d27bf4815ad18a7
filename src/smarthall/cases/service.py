"""The case use cases (办件, requirements §6.5–6.8): prefill and drafts, submission with validation, pre-check and
instant approval, loading a case in scope, reading it, acting on it, lists, documents and rule replay.

Every function is ``(session, actor, *, ..., now)``: no commit (the request's or task's unit of work commits), no
HTTP types. The work itself lives in the modules named in each docstring: ``prefill``, ``precheck``, ``actions``
(one function per workflow action), ``flows`` (documents, wallet, messages across domains), ``limits``, ``jobs``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from smarthall.cases import (
    actions,
    clients,
    filing,
    limits,
    ownership,
    prefill,
    threads,
    views,
    workflow,
)
from smarthall.cases import steps as on_steps
from smarthall.cases.agents import AGENT_ACTS, agent_check, agent_of, tell_entrustor
from smarthall.cases.errors import (
    ActionInvalid,
    ActionNotForRole,
    ApproverWithoutDepartment,
    CaseNotFound,
    CaseOutOfScope,
    CodeNotOwned,
    DepartmentAlreadyDecided,
    DraftNotFound,
    OutOfDepartment,
    RoleCannotReadCases,
    StepNotInWorkflow,
)
from smarthall.cases.files import store as store_file  # noqa: F401  (uploads, for the kiosk's self-service)
from smarthall.cases.flows import (  # noqa: F401  (the API; other domains: the locker, the wallet)
    document_for,
    require_result_paid,
    result_awaits_payment,
)
from smarthall.cases.handovers import case_by_number, case_locked, hand_to_hall  # noqa: F401  (other domains)
from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository, FinishedCase
from smarthall.cases.schemas import ActionIn, CaseCreate
from smarthall.catalog import service as catalog_service
from smarthall.catalog import steps as catalog_steps
from smarthall.core.clock import service_day
from smarthall.core.tenancy import Actor
from smarthall.licences.service import DocumentDesk

# The permission each part in a case needs to act on it.
ACTING_PERMISSION = {"clerk": "case.accept", "approver": "case.approve", "applicant": "case.submit"}


def item_form(
    session: Session, actor: Actor, *, item_code: str, now: datetime, applicant_id: int | None = None
) -> dict[str, Any]:
    """The item's form with values prefilled from the profile, the e-licence wallet, data sharing and the draft (a
    clerk at the counter: for ``applicant_id``)."""
    return prefill.item_form(session, actor, item_code=item_code, now=now, applicant_id=applicant_id)


def save_draft(
    session: Session, actor: Actor, *, item_code: str, form: dict[str, Any], hall_code: str | None, now: datetime
) -> dict[str, Any]:
    """Keep the citizen's unfinished form for an item (validated only on submission)."""
    return prefill.save_draft(session, actor, item_code=item_code, form=form, hall_code=hall_code, now=now)


def get_draft(session: Session, actor: Actor, *, item_code: str) -> dict[str, Any]:
    """The citizen's saved draft for an item, or 404."""
    draft = prefill.get_draft(session, actor, item_code=item_code)
    if draft is None:
        raise DraftNotFound()
    return draft


# --- submit -----------------------------------------------------------------------------------------------------


Submitted = filing.Submitted  # the filed case and its instant-approval outcome


def submit(session: Session, actor: Actor, *, data: CaseCreate, desk: DocumentDesk, now: datetime) -> Submitted:
    """File an application: validated, numbered, pre-checked; an instant-approval item decides and delivers at once.
    The reads and checks run before the write transaction, which holds only the writes (``cases.filing``)."""
    return filing.submit(session, actor, data=data, desk=desk, now=now)


def case_in_scope(
    session: Session, actor: Actor, *, case_no: str, to: Literal["read", "act"] = "read", now: datetime | None = None
) -> Case:
    """The case ``actor`` may see (owner, the owner's agent when ``now`` is given, or staff in scope), else 404 (403:
    another hall's staff, non-reading role)."""
    if to == "read" and actor.kind not in ("citizen", "system") and not (actor.is_staff and actor.has("case.read")):
        raise RoleCannotReadCases()
    repo = CaseRepository(session)
    case = repo.in_scope(actor, case_no)
    if case is not None:
        return case
    if now is not None and actor.kind == "citizen":
        case = repo.by_number(case_no)
        if agent_of(session, actor, case, now):
            assert case is not None
            return case
    if actor.kind in ("staff", "device") and repo.by_number(case_no) is not None:
        raise CaseOutOfScope(detail={"case_no": case_no})
    raise CaseNotFound(detail={"case_no": case_no})


def read_case(session: Session, actor: Actor, *, case: Case, now: datetime, with_form: bool = True) -> dict[str, Any]:
    """The case as its applicant or staff in scope see it; staff reading the form (personal data) is audited."""
    return views.case_view(session, actor, case, now=now, with_form=with_form)


def act(session: Session, actor: Actor, *, case: Case, data: ActionIn, desk: DocumentDesk, now: datetime) -> Case:
    """Take a workflow action on a case loaded with ``case_in_scope(..., to="act")`` (the state moves, or 409)."""
    if data.action not in workflow.ACTIONS or data.action in workflow.INTERNAL_ACTIONS:
        raise ActionInvalid(detail={"faults": [{"field": "action", "code": "unknown_action"}]})
    case = CaseRepository(session).lock(case)
    role = actions.role_of(actor, case)
    if actor.kind == "client":  # a department system acting through the open platform (scope ``cases.act``)
        role, actor = clients.client_part(session, actor, case, data.action)
    if role == "none" and actor.kind == "citizen" and case.citizen_id is not None:  # the applicant's agent (代办)
        if data.action not in AGENT_ACTS:
            raise ActionNotForRole(detail={"action": data.action, "role": "agent"})
        agent_check(session, actor, case.citizen_id, item_code=case.item_code, hall_id=case.hall_id,
                    act=AGENT_ACTS[data.action], now=now)  # fmt: skip
        role = "applicant"
    needed = ACTING_PERMISSION.get(role)
    if needed is None or not actor.has(needed):
        raise ActionNotForRole(detail={"action": data.action, "role": actor.role})
    item = catalog_service.get_item(session, case.item_code)
    steps = limits.steps_of(session, case)  # the workflow of the item version the case was filed under
    reviewers = catalog_steps.review_departments(steps, case.department_code)
    joint = reviewers if len(reviewers) > 1 else ()
    if role == "approver":
        # An approver is bound to a department and decides only its department's items (or its part of a joint
        # review, one review step per department); an approver with no department decides nothing.
        if not actor.department_code:
            raise ApproverWithoutDepartment()
        if actor.department_code not in reviewers:
            raise OutOfDepartment()
    on_steps.check_role(steps, case, role, data.action)
    action = data.action
    if joint and action == "approve" and case.status == "review":
        reviews = dict(case.reviews or {})
        if actor.department_code in reviews:
            raise DepartmentAlreadyDecided(detail={"department": actor.department_code})
        reviews[str(actor.department_code)] = {"decision": "approved", "by": actor.username, "at": now.isoformat()}
        case.reviews = reviews
        action = "approve" if set(joint) <= set(reviews) else "approve_part"
    if action in ("accept", "accept_tolerated") and ownership.blocking(case.precheck):
        raise CodeNotOwned(detail={"findings": ownership.blocking(case.precheck)})
    step = actions.transition_for(actor, case, action, role=role)
    if step.target not in workflow.FINAL_STATES and step.target not in {s["stage"] for s in steps}:
        raise StepNotInWorkflow(detail={"action": action, "stage": step.target})
    calendar = limits.calendar(session, case.hall_code)
    paused = catalog_steps.paused_stages(steps)
    ctx = actions.ActionContext(session, actor, case, item, data, step, desk, calendar, now, paused=paused,
                                reviewers=reviewers)  # fmt: skip
    actions.apply(ctx)
    if actor.kind == "client":
        clients.record_action(session, actor, case, step.action, now=now)
    if actor.kind == "citizen" and actor.id != case.citizen_id:  # the agent acted: the entrustor is told
        tell_entrustor(session, actor, case, step.action, now=now)
    return case


# --- lists and documents ------------------------------------------------------------------------------------------


def list_cases(
    session: Session, actor: Actor, *, status: list[str] | None = None, limit: int = 200, offset: int = 0
) -> list[Case]:
    """Cases in scope by due date: a citizen's own, a hall's for staff (an approver's department's, joint reviews)."""
    repo = CaseRepository(session)
    if actor.kind == "citizen":
        return repo.listing(actor, status=status, limit=limit, offset=offset)
    if actor.kind != "staff":
        return []
    if not actor.has("case.read"):
        raise RoleCannotReadCases()
    if actor.role == "approver":
        if not actor.department_code:
            return []  # an approver bound to no department has no work list
        department = actor.department_code
        # Items with a step of this department besides their own (joint reviews, cross-department steps).
        joint = [code for code, depts in catalog_service.step_departments(session).items() if department in depts]
        return repo.listing(
            actor, status=status, department_code=department, joint_items=joint, limit=limit, offset=offset
        )
    return repo.listing(actor, status=status, limit=limit, offset=offset)


def case_rows(
    session: Session,
    actor: Actor,
    *,
    status: list[str] | None = None,
    limit: int = 200,
    offset: int = 0,
    now: datetime,
) -> list[dict[str, Any]]:
    """The list as the API shows it: one row per case in scope with its warning level."""
    today = service_day(now)
    return [
        views.case_row(session, c, today) for c in list_cases(session, actor, status=status, limit=limit, offset=offset)
    ]


def warning(session: Session, case: Case, *, now: datetime) -> str:
    """The case's warning level today (none, green, yellow, red)."""
    return limits.warning(session, case, service_day(now))


def current_steps(session: Session, case: Case, *, now: datetime) -> list[dict[str, Any]]:
    """The workflow steps the case is on now, each with its department, due date and warning level."""
    return limits.current_steps(session, case, service_day(now))


def tolerated_deadline(session: Session, case: Case, *, now: datetime) -> date:
    """The deadline a clerk is offered for tolerated gaps, by the hall's rule."""
    return limits.tolerated_deadline(session, case, service_day(now))


def case_thread(session: Session, case_no: str) -> list[dict[str, Any]]:
    """The case's steps for its errand page (一件一码): action, new status, time."""
    return threads.case_thread(session, case_no)


def case_status(session: Session, case_no: str) -> str | None:
    return threads.case_status(session, case_no)


# The counter declaration as its applicant confirms it on the window pad (errands: 窗口代录确认).
counter_declaration, confirm_counter = threads.counter_declaration, threads.confirm_counter


def finished_cases(
    session: Session, actor: Actor, *, hall_id: int, start: datetime, end: datetime
) -> list[FinishedCase]:
    """The hall's accepted cases finished in [start, end), in scope (staff performance: on-time rate per acceptor)."""
    return CaseRepository(session).finished_between(actor, hall_id, start, end)
