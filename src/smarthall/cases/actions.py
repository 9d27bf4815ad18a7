"""What each workflow action does beyond moving the state: one function per action, in ``EFFECTS`` beside
``workflow.TRANSITIONS`` (which says who may fire what from where), and the checks of its parameters in ``CHECKS``.

``apply`` is the one path every action takes: the transition (pure, ``workflow.transition``), the checks, one
conditional UPDATE (409 when someone else moved the case first), the clock (a stopped state records the day,
leaving it pushes the due dates by the working days stopped), the action's effect, ``case.finished`` on a
decision, the timeline entry and the applicant's message. Cross-domain work (documents, the wallet, messages)
goes through ``flows``; texts come from ``notices``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.cases import deadlines, flows, forms, notices, ownership, workflow
from smarthall.cases.errors import ActionInvalid, ActionNotForRole, ActionOutOfOrder
from smarthall.cases.models import Case
from smarthall.cases.precheck import Finding, check_materials, material_findings
from smarthall.cases.prefill import field_specs
from smarthall.cases.repository import CaseRepository
from smarthall.cases.schemas import ActionIn, DeliveryIn
from smarthall.cases.shapes import ItemSpec
from smarthall.core.clock import service_day
from smarthall.core.crypto import blind_index
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_name
from smarthall.core.tenancy import Actor
from smarthall.core.workdays import WorkCalendar
from smarthall.identity import service as identity_service
from smarthall.licences.service import DocumentDesk

# Actions the applicant takes: they are not told about their own step.
QUIET = frozenset({"resubmit", "withdraw", "supply"})


class Fault(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


@dataclass
class ActionContext:
    session: Session
    actor: Actor
    case: Case
    item: ItemSpec
    data: ActionIn
    step: workflow.Transition
    desk: DocumentDesk
    calendar: WorkCalendar
    now: datetime
    detail: dict[str, Any] = field(default_factory=dict)
    told: str = ""  # the line added to the applicant's status message
    # The case's workflow (its item's steps): the states whose clock is paused, the departments deciding it.
    paused: frozenset[str] = workflow.STOPPED_STEPS
    reviewers: tuple[str, ...] = ()

    @property
    def today(self) -> date:
        return service_day(self.now)

    @property
    def staff_id(self) -> int | None:
        return self.actor.id if self.actor.kind == "staff" else None

    def form(self) -> dict[str, Any]:
        return json.loads(self.case.form_json)  # type: ignore[no-any-return]

    def notice(self, kind: str, title: str, paragraphs: list[str]) -> None:
        document = flows.issue_notice(
            self.session, self.desk, case=self.case, item=self.item, kind=kind, title=title, paragraphs=paragraphs,
            now=self.now,
        )  # fmt: skip
        self.detail["document_id"] = document.id


def role_of(actor: Actor, case: Case) -> str:
    """The actor's part in this case: applicant, clerk, approver, system — or none."""
    if actor.kind == "system":
        return "system"
    if actor.kind == "citizen":
        return "applicant" if case.citizen_id == actor.id else "none"
    if actor.kind == "staff" and actor.role in ("clerk", "approver"):
        return actor.role
    return "none"


# --- effects ------------------------------------------------------------------------------------------------------


def on_accept(ctx: ActionContext) -> None:
    case, data = ctx.case, ctx.data
    tolerated = ctx.step.action == "accept_tolerated"
    case.accepted_at, case.accepted_by = ctx.now, ctx.staff_id
    if tolerated:
        case.tolerated_until = data.tolerated_until
        case.missing = [m.model_dump() for m in data.missing or []]
        ctx.detail["tolerated_until"] = str(data.tolerated_until)
    gaps = [m.reason for m in data.missing or []]
    title, paragraphs = notices.acceptance(case, tolerated=tolerated, tolerated_until=data.tolerated_until, gaps=gaps)
    ctx.notice("acceptance", title, paragraphs)
    ctx.told = notices.told("accepted", due=case.promised_due.isoformat())


def supplement_list(case: Case, item: ItemSpec, data: ActionIn) -> list[dict[str, Any]]:
    """The one-time list: everything the clerk names plus every automatic pre-check gap, without repeats."""
    names = {m.code: m.name for m in item.materials}
    labels = {f.name: f.label for f in item.form_fields}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str | None]] = set()
    for m in data.missing or []:
        seen.add((m.material_code, m.field))
        label = m.label or notices.supplement_label(names, labels, m.material_code, m.field)
        out.append({"material_code": m.material_code, "field": m.field, "label": label, "reason": m.reason})
    for f in case.precheck.get("findings", []):
        if f["code"] in ("material_missing", "licence_expired") and (f["target"], None) not in seen:
            seen.add((f["target"], None))
            label = names.get(f["target"], f["target"])
            out.append({"material_code": f["target"], "field": None, "label": label, "reason": f["message_zh"]})
    return out


def on_supplement(ctx: ActionContext) -> None:
    listed = supplement_list(ctx.case, ctx.item, ctx.data)
    ctx.case.missing = listed
    title, paragraphs = notices.supplement(listed, ctx.data.note)
    ctx.notice("supplement", title, paragraphs)
    ctx.detail["missing"] = len(listed)
    ctx.told = notices.told("supplement", missing=";".join(m["label"] for m in listed))


def _replace_materials(ctx: ActionContext) -> set[str]:
    new, _ = check_materials(ctx.session, ctx.actor, ctx.item, ctx.data.materials or [])
    replaced = {m["material_code"] for m in new}
    ctx.case.materials = [m for m in ctx.case.materials if m["material_code"] not in replaced] + new
    return replaced


def on_resubmit(ctx: ActionContext) -> None:
    case = ctx.case
    if ctx.data.form is not None:
        cleaned, _ = forms.validate_form(field_specs(ctx.item), {**ctx.form(), **ctx.data.form}, ctx.today)
        case.form_json = json.dumps(cleaned, ensure_ascii=False)
    if ctx.data.materials:
        _replace_materials(ctx)
    findings = material_findings(ctx.item, case.materials, ctx.today, online=case.channel == "online")
    applicant = identity_service.get_citizen(ctx.session, case.citizen_id) if case.citizen_id else None
    if applicant is not None:
        findings += ownership.findings(ctx.session, ctx.actor, applicant, ctx.item, ctx.form(), now=ctx.now)
    case.precheck = {"passed": not findings, "findings": [f.as_dict() for f in findings]}
    case.missing = []
    ctx.detail["findings"] = len(findings)


def on_refuse(ctx: ActionContext) -> None:
    ctx.case.decided_at, ctx.case.decided_by = ctx.now, ctx.staff_id
    at_acceptance = ctx.step.action == "refuse"
    title, paragraphs = notices.refusal(ctx.data.note, at_acceptance=at_acceptance)
    ctx.notice("refusal" if at_acceptance else "decision", title, paragraphs)
    ctx.told = notices.told("reason", note=ctx.data.note)


def on_approve(ctx: ActionContext) -> None:
    case = ctx.case
    case.decided_at, case.decided_by = ctx.now, ctx.staff_id
    case.auto_decided = ctx.step.action == "auto_approve"
    form, note = ctx.form(), ctx.data.note
    issued = flows.issue_result(ctx.session, ctx.desk, case=case, item=ctx.item, form=form, now=ctx.now, opinion=note)
    ctx.detail.update(issued)
    ctx.told = notices.told("result_issued")


def on_supply(ctx: ActionContext) -> None:
    case = ctx.case
    supplied = _replace_materials(ctx)
    case.missing = [m for m in case.missing if m.get("material_code") not in supplied]
    if not case.missing:
        case.tolerated_until = None
    ctx.detail.update(supplied=sorted(supplied), still_missing=len(case.missing))
    ctx.told = notices.told("gaps_closed" if not case.missing else "gaps_left")


def on_approve_part(ctx: ActionContext) -> None:
    ctx.detail["department"] = ctx.actor.department_code
    reviewers = ctx.reviewers or tuple(ctx.item.joint_review)
    ctx.detail["pending"] = [d for d in reviewers if d not in ctx.case.reviews]
    ctx.told = notices.told("part_approved")


def on_suspend(ctx: ActionContext) -> None:
    ctx.detail["reason"] = ctx.data.note


def delivery_record(delivery: DeliveryIn, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"mode": delivery.mode, "at": now.isoformat()}
    if delivery.mode == "window":
        out["collector"] = "applicant" if delivery.pickup_id_number else "proxy"
        if delivery.proxy_name:
            out["proxy_name_masked"] = mask_name(delivery.proxy_name)
            out["proxy_authorization_id"] = delivery.proxy_authorization_id
        out["message_zh"] = notices.delivery_message("window")
    elif delivery.mode == "locker":
        out["pickup_code"] = f"{secrets.randbelow(10**6):06d}"
        out["message_zh"] = notices.delivery_message("locker", pickup_code=out["pickup_code"])
    elif delivery.mode == "post":
        out["tracking_no"] = delivery.tracking_no
        out["message_zh"] = notices.delivery_message("post", tracking_no=delivery.tracking_no)
    else:
        out["message_zh"] = notices.delivery_message("electronic")
    out["message_en"] = notices.delivery_message_en(out)
    return out


def on_deliver(ctx: ActionContext) -> None:
    assert ctx.data.delivery is not None
    ctx.case.delivery = delivery_record(ctx.data.delivery, ctx.now)
    ctx.detail["mode"] = ctx.case.delivery["mode"]
    ctx.told = ctx.case.delivery["message_zh"]


def no_effect(ctx: ActionContext) -> None:
    """Withdraw, resume: the move and the clock are all there is."""


Effect = Callable[[ActionContext], None]
EFFECTS: dict[str, Effect] = {
    "accept": on_accept,
    "accept_tolerated": on_accept,
    "supplement": on_supplement,
    "resubmit": on_resubmit,
    "refuse": on_refuse,
    "reject": on_refuse,
    "approve": on_approve,
    "auto_approve": on_approve,
    "approve_part": on_approve_part,
    "supply": on_supply,
    "suspend": on_suspend,
    "deliver": on_deliver,
    "withdraw": no_effect,
    "resume": no_effect,
}


# --- checks of the parameters ----------------------------------------------------------------------------------


def check_supplement(ctx: ActionContext) -> list[Fault]:
    codes = {m.code for m in ctx.item.materials}
    fields = {f.name for f in ctx.item.form_fields}
    faults: list[Fault] = []
    for i, m in enumerate(ctx.data.missing or []):
        if m.material_code and m.material_code not in codes:
            faults.append(Finding.of("unknown_material", f"missing.{i}", key="case.finding.unknown_material_missing"))
        if m.field and m.field not in fields:
            faults.append(Finding.of("unknown_field", f"missing.{i}", key="case.finding.unknown_field_missing"))
    if not ctx.data.missing and not ctx.case.precheck.get("findings"):
        faults.append(Finding.of("missing_required", "missing", key="case.finding.missing_required.supplement"))
    return faults


def check_tolerated(ctx: ActionContext) -> list[Fault]:
    faults: list[Fault] = []
    if ctx.data.tolerated_until is None or ctx.data.tolerated_until <= ctx.today:
        faults.append(Finding.of("deadline_required", "tolerated_until"))
    if not ctx.data.missing:
        faults.append(Finding.of("missing_required", "missing", key="case.finding.missing_required.tolerated"))
    return faults


def _material_faults(ctx: ActionContext) -> list[Fault]:
    if not ctx.data.materials:
        return []
    return list(check_materials(ctx.session, ctx.actor, ctx.item, ctx.data.materials)[1])


def check_supply(ctx: ActionContext) -> list[Fault]:
    if not ctx.data.materials:
        return [Finding.of("materials_required", "materials")]
    return _material_faults(ctx)


def check_resubmit(ctx: ActionContext) -> list[Fault]:
    faults = _material_faults(ctx)
    if ctx.data.form is not None:
        faults += forms.validate_form(field_specs(ctx.item), {**ctx.form(), **ctx.data.form}, ctx.today)[1]
    return faults


def check_deliver(ctx: ActionContext) -> list[Fault]:
    flows.require_paid(ctx.session, ctx.case)
    delivery = ctx.data.delivery
    if delivery is None:
        return [Finding.of("delivery_required", "delivery")]
    faults: list[Fault] = []
    if delivery.mode == "window":
        if delivery.pickup_id_number:
            if blind_index(delivery.pickup_id_number.strip().upper(), "id_number") != ctx.case.applicant_id_index:
                faults.append(Finding.of("identity_mismatch", "delivery.pickup_id_number"))
        elif delivery.proxy_name and delivery.proxy_id_number and delivery.proxy_authorization_id:
            faults += _collector_faults(ctx, delivery)
        else:
            faults.append(Finding.of("identity_required", "delivery"))
    if delivery.mode == "post" and not (delivery.tracking_no and delivery.address):
        faults.append(Finding.of("tracking_required", "delivery"))
    return faults


def _collector_faults(ctx: ActionContext, delivery: DeliveryIn) -> list[Fault]:
    """A proxy collects in person: a live authorization of the applicant, at this hall, for this item and for
    collecting, naming the person whose ID number the window checked (assist decides, and audits a refusal)."""
    assert delivery.proxy_authorization_id is not None and delivery.proxy_id_number is not None
    try:
        assist_service.check_collector(
            ctx.session, ctx.actor, authorization_id=delivery.proxy_authorization_id,
            entrustor_citizen_id=ctx.case.citizen_id, agent_id_number=delivery.proxy_id_number,
            item_code=ctx.case.item_code, hall_id=ctx.case.hall_id, now=ctx.now,
        )  # fmt: skip
    except Forbidden as refused:
        reasons = ", ".join((refused.detail or {}).get("reasons", []))
        return [Finding.of("proxy_not_authorized", "delivery.proxy_authorization_id", reasons=reasons)]
    return []


CHECKS: dict[str, Callable[[ActionContext], list[Fault]]] = {
    "supplement": check_supplement,
    "accept_tolerated": check_tolerated,
    "supply": check_supply,
    "resubmit": check_resubmit,
    "deliver": check_deliver,
}


def faults_of(ctx: ActionContext) -> list[Fault]:
    faults: list[Fault] = []
    if ctx.step.needs_note and not (ctx.data.note and ctx.data.note.strip()):
        faults.append(Finding.of("note_required", "note"))
    check = CHECKS.get(ctx.step.action)
    return faults + (check(ctx) if check else [])


# --- the one path -------------------------------------------------------------------------------------------------


def transition_for(actor: Actor, case: Case, action: str, *, role: str | None = None) -> workflow.Transition:
    role = role or role_of(actor, case)
    try:
        return workflow.transition(case.status, action, role)
    except workflow.NotAllowed as exc:
        if exc.kind == "role":
            raise ActionNotForRole(detail={"action": action, "state": case.status, "role": role}) from exc
        raise ActionOutOfOrder(detail={"action": action, "state": case.status}) from exc


def _run_clock(ctx: ActionContext, source: str) -> None:
    case, target, today, paused = ctx.case, ctx.step.target, ctx.today, ctx.paused
    if target in paused and case.stopped_since is None:
        case.stopped_since = today
    running = target not in paused and target not in workflow.FINISHED_STATES
    if source in paused and running and case.stopped_since:
        stopped = max(ctx.calendar.workdays_between(case.stopped_since, today), 0)
        case.promised_due = deadlines.extend(ctx.calendar, case.promised_due, case.stopped_since, today)
        case.legal_due = deadlines.extend(ctx.calendar, case.legal_due, case.stopped_since, today)
        case.stopped_workdays += stopped
        case.stopped_since = None
        ctx.detail["stopped_workdays"] = stopped


def apply(ctx: ActionContext) -> None:
    """Check, move, run the clock and the action's effect, record and tell (see the module docstring)."""
    faults = faults_of(ctx)
    if faults:
        raise ActionInvalid(detail={"faults": [f.as_dict() for f in faults]})
    case, step = ctx.case, ctx.step
    source = case.status
    repo = CaseRepository(ctx.session)
    if not repo.move(case, step.target):
        raise ActionOutOfOrder(detail={"action": step.action, "state": source})
    _run_clock(ctx, source)
    EFFECTS[step.action](ctx)
    if step.target in workflow.FINISHED_STATES:
        flows.finished(ctx.session, case, now=ctx.now)
    repo.add_event(
        case,
        action=step.action,
        source=source,
        target=step.target,
        actor=ctx.actor,
        at=ctx.now,
        note=ctx.data.note or "",
        detail=ctx.detail,
    )
    if step.action not in QUIET:
        flows.tell_status(ctx.session, case, extra=ctx.told, now=ctx.now)
