"""Filing an application (``cases.service.submit``) in two parts, so that slow work never holds the hall's write
lock (issue 11 item 4, issue 19 item 4):

1. ``prepare`` — everything that only reads, in a read transaction of its own (``core.db.read_prelude``; on SQLite
   no write lock): the item, the hall and the applicant, the form's validation, the materials and their check,
   the scans, the ownership of codes in the form, the due dates, the step plan, and the instant-approval rules
   with their inputs (the wallet, the data-sharing lookups). A fault answers here, before anything is written.
2. ``record`` — the writes, in the request's one write transaction: the case number, the case and its timeline,
   the draft discarded, the errand link, the data-sharing ledger rows and audit events the reads made (carried
   in), and for an approved instant item the decision, the result document (its PDF rendered after the commit,
   ``licences.rendering``), the wallet and the delivery, and the messages.

What the reads saw may change before the writes (a licence revoked in between): the decision is the one of the
moment it was read, recorded with its inputs and time (``case.evidence``), as it would be for a submission made
those milliseconds earlier. The case number, the only thing that must not race, is taken in the write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import (
    actions,
    deadlines,
    flows,
    forms,
    limits,
    notices,
    ownership,
    precheck,
    prefill,
    scans,
    threads,
)
from smarthall.cases.agents import agent_check, tell_entrustor
from smarthall.cases.errors import FormInvalid, RoleCannotSubmit
from smarthall.cases.models import Case
from smarthall.cases.precheck import Finding
from smarthall.cases.repository import CaseRepository
from smarthall.cases.rules import Decision
from smarthall.cases.schemas import ActionIn, CaseCreate, DeliveryIn
from smarthall.cases.shapes import Applicant, ItemSpec
from smarthall.catalog import service as catalog_service
from smarthall.core import subjects
from smarthall.core.clock import service_day
from smarthall.core.db import UNNUMBERED, land, read_prelude
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity import service as identity_service
from smarthall.licences.service import DocumentDesk
from smarthall.org import service as org_service


@dataclass(frozen=True)
class Submitted:
    case: Case
    instant: dict[str, Any] | None  # the instant-approval outcome for eligible items: approved, reasons


@dataclass(frozen=True)
class Prepared:
    """What the read prelude found and decided: everything the write needs, nothing it must read again."""

    item: ItemSpec
    hall: Any  # org's Hall, loaded with the read (id, code, region path)
    applicant: Applicant
    onsite: bool
    today: date
    cleaned: dict[str, Any]
    materials: list[dict[str, Any]]
    promised: date
    legal: date
    findings: list[Finding]
    scans_status: Any
    decision: Decision | None
    seen: dict[str, Any]
    step_plan: Any


def submit(session: Session, actor: Actor, *, data: CaseCreate, desk: DocumentDesk, now: datetime) -> Submitted:
    """File an application: read and checked first (no write lock), then numbered and recorded in one write."""
    with read_prelude(session) as reads:
        prepared = prepare(reads, actor, data=data, now=now)
    return record(session, actor, prepared, data=data, desk=desk, now=now)


def _at_counter(actor: Actor) -> bool:
    """A clerk filing for a registered citizen at the window (窗口代录); otherwise the citizen online, or no one."""
    if actor.kind == "staff" and actor.has("case.accept"):
        return True
    if actor.kind != "citizen" or actor.id is None or not actor.has("case.submit"):
        raise RoleCannotSubmit()
    return False


def _applicant(
    session: Session, actor: Actor, data: CaseCreate, hall: Any, *, onsite: bool, now: datetime
) -> Applicant:
    if not onsite and data.entrustor_citizen_id is not None:  # an agent files for the entrustor (代办): 403 unless
        agent_check(session, actor, data.entrustor_citizen_id, item_code=data.item_code, hall_id=hall.id,
                    act="declare", now=now)  # fmt: skip
        entrustor = identity_service.get_citizen(session, data.entrustor_citizen_id)
        assert entrustor is not None
        return entrustor
    if not onsite:
        assert actor.id is not None
        citizen = identity_service.get_citizen(session, actor.id)
        assert citizen is not None
        return citizen
    actor.ensure_hall(hall.id, hall.region_path)
    found = None
    if data.applicant_id_number:
        found = identity_service.find_citizen_by_id_number(session, data.applicant_id_number)
    if found is None:
        raise FormInvalid(detail={"faults": [Finding.of("applicant_unknown", "applicant_id_number").as_dict()]})
    return found


def prepare(session: Session, actor: Actor, *, data: CaseCreate, now: datetime) -> Prepared:
    """The reads, checks and the instant decision of a submission (FormInvalid with every fault found)."""
    identity_service.require_verified_phone(session, actor)  # an unverified account does not file (issue 12.15)
    onsite = _at_counter(actor)
    item = catalog_service.get_item(session, data.item_code)
    hall = org_service.get_hall(session, data.hall_code)
    applicant = _applicant(session, actor, data, hall, onsite=onsite, now=now)
    today = service_day(now)
    faults: list[dict[str, Any]] = []
    if item.code not in catalog_service.hall_items(session, hall):
        faults.append(Finding.of("item_not_in_hall", "item_code").as_dict())
    cleaned, field_faults = forms.validate_form(prefill.field_specs(item), data.form, today)
    faults += [
        {"code": f.code, "target": f"form.{f.field}", "message_zh": f.message_zh, "message_en": f.message_en}
        for f in field_faults
    ]
    materials, material_faults = precheck.check_materials(session, actor, item, data.materials, applicant.id)
    faults += precheck.as_dicts(material_faults)
    if faults:
        raise FormInvalid(detail={"faults": faults})

    calendar = limits.calendar(session, hall.code)
    offered = catalog_service.effective_item(session, hall, item.code)  # the hall's own promised limit, if it set one
    promised, legal = deadlines.due_dates(calendar, today, offered.promised_limit_workdays, item.legal_limit_workdays)
    # The lookups verify the case's inputs: their ledger rows get the case's number when it is taken (``record``).
    resolver = prefill.Resolver.of(session, actor, applicant, now=now, case_no=UNNUMBERED)
    findings = precheck.material_findings(item, materials, today, online=True)
    read, scans_status = scans.findings(session, item, materials, cleaned, today, enabled=flows.ocr_enabled())
    findings += read
    findings += ownership.findings(session, actor, applicant, item, cleaned, now=now)
    decision, seen = precheck.instant_decision(item, cleaned, resolver.value) if item.rules else (None, {})
    if decision is not None:
        findings += precheck.rule_findings(decision, item)
    return Prepared(
        item=item,
        hall=hall,
        applicant=applicant,
        onsite=onsite,
        today=today,
        cleaned=cleaned,
        materials=materials,
        promised=promised,
        legal=legal,
        findings=findings,
        scans_status=scans_status,
        decision=decision,
        seen=seen,
        step_plan=limits.plan_at_filing(session, item.code, item.version, hall.id),
    )


def record(
    session: Session, actor: Actor, p: Prepared, *, data: CaseCreate, desk: DocumentDesk, now: datetime
) -> Submitted:
    """The submission's writes, in the request's one transaction: numbered, recorded, decided and delivered."""
    item, hall, applicant, findings, decision = p.item, p.hall, p.applicant, p.findings, p.decision
    repo = CaseRepository(session)
    case_no = f"{hall.code}-{p.today:%Y%m%d}-{repo.next_number(hall.code, f'{p.today:%Y%m%d}'):05d}"
    land(session, case_no=case_no)  # the prelude's ledger rows, now with the case's number
    case = repo.add(
        Case(
            case_no=case_no,
            item_code=item.code,
            item_version=item.version,
            item_name=item.name,
            item_type=item.type,
            department_code=item.department_code,
            hall_id=hall.id,
            hall_code=hall.code,
            citizen_id=applicant.id,
            applicant_name=applicant.name,
            applicant_id_index=applicant.id_number_index,
            channel="onsite" if p.onsite else "online",
            status="submitted",
            form_json=json.dumps(p.cleaned, ensure_ascii=False),
            materials=p.materials,
            precheck={"passed": not findings, "findings": precheck.as_dicts(findings), "scans": p.scans_status},
            evidence=None,
            missing=[],
            step_plan=p.step_plan,
            submitted_at=now,
            promised_due=p.promised,
            legal_due=p.legal,
        )
    )
    prefill.discard_draft(session, applicant.id, item.code)
    repo.flush()
    threads.submitted(session, case, errand_code=data.errand_code, now=now)
    repo.add_event(
        case, action="submit", source=None, target="submitted", actor=actor, at=now, detail={"findings": len(findings)}
    )
    instant: dict[str, Any] | None = None
    if item.instant_approval_eligible and decision is not None:
        approved = decision.approve and not findings
        case.evidence = {
            "rule_version": item.version,
            "item_code": item.code,
            "decided_at": now.isoformat(),
            **decision.as_evidence(),
            "inputs": p.seen,
            "precheck_passed": not findings,
        }
        detail = {"approve": approved, "reasons": decision.reasons}
        repo.add_event(
            case, action="instant_check", source="submitted", target="submitted", actor=SYSTEM, at=now, detail=detail
        )
        if approved:
            system_act(session, case, item, ActionIn(action="auto_approve"), desk=desk, now=now)
            if not flows.owes_fee(session, case):  # else it waits, approved, for the fee
                delivery = ActionIn(action="deliver", delivery=DeliveryIn(mode="electronic"))
                system_act(session, case, item, delivery, desk=desk, now=now)
        reasons = decision.reasons + [f.message_zh for f in findings if not f.code.startswith("rule_")]
        instant = {"approved": approved, "reasons": reasons}
    if subjects.whole_of(session, "case", case_no) is None:  # a bundle's part: the bundle's one receipt tells it
        params = {"case_no": case_no, "item": item.name, "status": notices.status_word(case.status)}
        flows.tell_applicant(session, case, template="case.received", params=params, now=now)
    if not p.onsite and case.citizen_id != actor.id:
        tell_entrustor(session, actor, case, "submit", now=now)
    return Submitted(case, instant)


def system_act(
    session: Session, case: Case, item: ItemSpec, data: ActionIn, *, desk: DocumentDesk, now: datetime
) -> None:
    step = actions.transition_for(SYSTEM, case, data.action)
    calendar = limits.calendar(session, case.hall_code)
    paused = limits.paused(session, case)
    actions.apply(actions.ActionContext(session, SYSTEM, case, item, data, step, desk, calendar, now, paused=paused))
