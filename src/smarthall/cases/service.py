"""The case lifecycle: prefill, submit with validation and pre-check, instant approval, acceptance decisions,
approval, suspension, withdrawal, delivery; time limits and warnings; the served-subject and archival contracts.

Every state change is one conditional UPDATE (``WHERE status = :expected AND version = :v``) after a row lock, so
two staff acting on one case at once cannot both succeed: the second gets 409.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.cases import deadlines, forms, rules, sharing, workflow
from smarthall.cases.errors import (
    ActionInvalid,
    ActionNotForRole,
    ActionOutOfOrder,
    CaseNotFound,
    FormInvalid,
)
from smarthall.cases.models import Case, CaseCounter, CaseDraft, CaseEvent, UploadedFile
from smarthall.cases.schemas import ActionIn, CaseCreate, DeliveryIn, MaterialIn
from smarthall.catalog import service as catalog_service
from smarthall.catalog.models import Item
from smarthall.core import events
from smarthall.core.clock import format_local, service_day
from smarthall.core.crypto import blind_index
from smarthall.core.db import for_update
from smarthall.core.errors import Forbidden, NotFound
from smarthall.core.masking import mask_name
from smarthall.core.subjects import (
    ArchivalFile,
    ArchivalInput,
    ServedSubject,
    register_archival_source,
    register_subject_resolver,
)
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.core.validators import age_on
from smarthall.core.workdays import WorkCalendar
from smarthall.identity import service as identity_service
from smarthall.identity.models import Citizen, Staff
from smarthall.licences import service as licence_service
from smarthall.licences.models import Document
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.org.models import Department, Hall

STATUS_ZH = {
    "submitted": "待受理",
    "supplement": "待补正",
    "review": "审批中",
    "suspended": "已中止(计时暂停)",
    "approved": "已办结(准予)",
    "delivered": "已送达",
    "rejected": "已办结(不予许可)",
    "refused": "不予受理",
    "withdrawn": "已撤回",
}
ACTION_ZH = {
    "submit": "提交申报",
    "accept": "受理",
    "accept_tolerated": "容缺受理",
    "supplement": "一次性告知补正",
    "refuse": "不予受理",
    "withdraw": "撤回",
    "auto_approve": "秒批通过",
    "instant_check": "秒批规则核验",
    "resubmit": "补正后重新提交",
    "approve": "准予",
    "approve_part": "联合审查部门同意",
    "supply": "补交容缺材料",
    "tolerated_overdue": "容缺补交逾期提醒",
    "step_overdue": "环节超时提醒",
    "reject": "不予许可",
    "suspend": "中止(计时暂停)",
    "resume": "恢复办理",
    "deliver": "送达",
}
APPEAL_RIGHTS = (
    "如不服本决定,可自收到本决定书之日起六十日内向本级人民政府申请行政复议,或者在六个月内依法向人民法院提起行政诉讼。"
)
IMAGE_TYPES = {"image/jpeg", "image/png"}
DOC_TYPES = {"application/pdf"} | IMAGE_TYPES
# Materials satisfied without an upload when applying online: the online form is the application form, and
# the real-name login is the identity card (实名认证免交身份证复印件).
AUTO_LICENCE_TYPES = {"居民身份证"}


# --- helpers ----------------------------------------------------------------------------------------------------


def _finding(code: str, target: str | None, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "target": target, "message_zh": zh, "message_en": en}


def case_form(case: Case) -> dict[str, Any]:
    return json.loads(case.form_json)  # type: ignore[no-any-return]


def _specs(item: Item) -> list[forms.FieldSpec]:
    return [
        forms.FieldSpec(f.name, f.label, f.type, f.required, list(f.options) if f.options else None, f.prefill_from)
        for f in item.form_fields
    ]


def _calendar(session: Session, hall: Hall) -> WorkCalendar:
    return deadlines.cached(org_service.working_calendar(session, hall))


def _department_name(session: Session, code: str) -> str:
    dept = session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()
    return dept.name if dept else code


def _citizen(session: Session, citizen_id: int | None) -> Citizen | None:
    return session.get(Citizen, citizen_id) if citizen_id is not None else None


def get_case(session: Session, case_no: str, *, lock: bool = False) -> Case:
    stmt = select(Case).where(Case.case_no == case_no)
    if lock:
        stmt = stmt.execution_options(populate_existing=True)
        if for_update(session):
            stmt = stmt.with_for_update()
    case = session.execute(stmt).scalar_one_or_none()
    if case is None:
        raise CaseNotFound(detail={"case_no": case_no})
    return case


def ensure_can_read(session: Session, actor: Actor, case: Case) -> None:
    if actor.kind == "citizen":
        if case.citizen_id != actor.id:
            raise CaseNotFound(detail={"case_no": case.case_no})
        return
    if actor.kind == "system":
        return
    if actor.kind != "staff" or not actor.has("case.read"):
        raise Forbidden("您的角色无权查看办件", "Your role cannot read cases", code="forbidden_role")
    hall = session.get(Hall, case.hall_id)
    assert hall is not None
    actor.ensure_hall(hall.id, hall.region_path)


# --- prefill ----------------------------------------------------------------------------------------------------


class Resolver:
    """Resolves ``profile.*``, ``licence.<type>.<field>`` and ``share.<dept>.<field>`` for one citizen."""

    def __init__(self, session: Session, actor: Actor, citizen: Citizen | None, now: datetime, case_no: str | None):
        self.session = session
        self.actor = actor
        self.citizen = citizen
        self.now = now
        self.today = service_day(now)
        self.case_no = case_no
        self._cache: dict[str, Any] = {}

    def subjects(self, form: dict[str, Any] | None = None) -> list[str]:
        out = [self.citizen.id_number] if self.citizen else []
        for key in ("uscc",):
            if form and isinstance(form.get(key), str):
                out.append(form[key])
        if self.citizen:
            uscc = licence_service.held_value(self.session, self.citizen.id, "营业执照", "uscc", self.today)
            if uscc:
                out.append(str(uscc))
        return out

    def value(self, source: str, form: dict[str, Any] | None = None) -> Any:
        if source in self._cache:
            return self._cache[source]
        result: Any = None
        parts = source.split(".")
        if parts[0] == "profile" and self.citizen is not None:
            field = parts[1]
            if field == "age":
                result = age_on(self.citizen.id_number, self.today)
            elif field in ("name", "id_number", "phone", "address"):
                result = getattr(self.citizen, field)
            elif field == "household_address":
                result = self.citizen.address
        elif parts[0] == "licence" and len(parts) == 3 and self.citizen is not None:
            result = licence_service.held_value(self.session, self.citizen.id, parts[1], parts[2], self.today)
        elif parts[0] == "share" and len(parts) == 3:
            result = sharing.lookup(
                self.session,
                self.actor,
                source=source,
                subjects=self.subjects(form),
                now=self.now,
                case_no=self.case_no,
            )
        self._cache[source] = result
        return result


def item_form(session: Session, actor: Actor, item_code: str, *, now: datetime) -> dict[str, Any]:
    item = catalog_service.get_item(session, item_code)
    citizen = _citizen(session, actor.id) if actor.kind == "citizen" else None
    resolver = Resolver(session, actor, citizen, now, None)
    draft = get_draft(session, actor, item.code) or {"form": {}}
    fields = []
    for f in item.form_fields:
        if f.name in draft["form"]:
            fields.append(
                {
                    "name": f.name,
                    "label": f.label,
                    "type": f.type,
                    "required": f.required,
                    "options": list(f.options) if f.options else None,
                    "prefill_from": f.prefill_from,
                    "value": draft["form"][f.name],
                    "value_source": "draft",
                }
            )
            continue
        value = resolver.value(f.prefill_from) if f.prefill_from else None
        fields.append(
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "options": list(f.options) if f.options else None,
                "prefill_from": f.prefill_from,
                "value": value,
                "value_source": f.prefill_from.split(".")[0] if value is not None and f.prefill_from else None,
            }
        )
    wallet = licence_service.wallet(session, citizen.id) if citizen else []
    materials = []
    for m in item.materials:
        held = next(
            (
                lic.id
                for lic in reversed(wallet)
                if m.e_licence_type and lic.type == m.e_licence_type and licence_service.usable(lic, resolver.today)
            ),
            None,
        )
        materials.append(
            {
                "code": m.code,
                "name": m.name,
                "kind": m.kind,
                "required": m.required,
                "e_licence_type": m.e_licence_type,
                "held_licence_id": held,
                "auto_satisfied": m.kind == "form" or m.e_licence_type in AUTO_LICENCE_TYPES,
                "note": m.note or "",
            }
        )
    return {
        "item_code": item.code,
        "item_name": item.name,
        "version": item.version,
        "instant_approval_eligible": item.instant_approval_eligible,
        "fields": fields,
        "materials": materials,
    }


# --- drafts -----------------------------------------------------------------------------------------------------


def _draft(session: Session, citizen_id: int, item_code: str) -> CaseDraft | None:
    return session.execute(
        select(CaseDraft).where(CaseDraft.citizen_id == citizen_id, CaseDraft.item_code == item_code)
    ).scalar_one_or_none()


def save_draft(
    session: Session, actor: Actor, item_code: str, form: dict[str, Any], *, hall_code: str | None, now: datetime
) -> dict[str, Any]:
    """Keep an unfinished form. Only known fields, text up to the field limit; validation waits for submission."""
    if actor.kind != "citizen" or actor.id is None:
        raise Forbidden("仅群众本人可保存草稿", "Only citizens keep drafts", code="forbidden_role")
    item = catalog_service.get_item(session, item_code)
    names = {f.name for f in item.form_fields}
    faults = [
        {"code": "unknown_field", "target": f"form.{k}", "message_zh": "表单中没有此项", "message_en": "Not a field"}
        for k in form
        if k not in names
    ] + [
        {"code": "too_long", "target": f"form.{k}", "message_zh": "内容过长", "message_en": "Too long"}
        for k, v in form.items()
        if len(str(v)) > forms.MAX_TEXT
    ]
    if faults:
        raise FormInvalid(detail={"faults": faults})
    clean = {k: v for k, v in form.items() if v not in (None, "")}
    draft = _draft(session, actor.id, item.code)
    if draft is None:
        draft = CaseDraft(citizen_id=actor.id, item_code=item.code, hall_code=hall_code, form_json="{}", saved_at=now)
        session.add(draft)
    draft.form_json = json.dumps(clean, ensure_ascii=False)
    draft.hall_code = hall_code
    draft.saved_at = now
    session.flush()
    return {"item_code": item.code, "hall_code": hall_code, "form": clean, "saved_at": now.isoformat()}


def get_draft(session: Session, actor: Actor, item_code: str) -> dict[str, Any] | None:
    if actor.kind != "citizen" or actor.id is None:
        return None
    draft = _draft(session, actor.id, item_code)
    if draft is None:
        return None
    return {
        "item_code": draft.item_code,
        "hall_code": draft.hall_code,
        "form": json.loads(draft.form_json),
        "saved_at": draft.saved_at.isoformat(),
    }


# --- numbering --------------------------------------------------------------------------------------------------


def next_case_no(session: Session, hall_code: str, now: datetime) -> str:
    """One atomic ``UPDATE ... RETURNING`` on the (hall, day) counter; the row is created on first use."""
    day = service_day(now).strftime("%Y%m%d")
    stmt = (
        update(CaseCounter)
        .where(CaseCounter.hall_code == hall_code, CaseCounter.day == day)
        .values(value=CaseCounter.value + 1)
        .returning(CaseCounter.value)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is None:
        try:
            with session.begin_nested():
                session.execute(insert(CaseCounter).values(hall_code=hall_code, day=day, value=0))
        except IntegrityError:
            pass  # another transaction created it first
        value = session.execute(stmt).scalar_one()
    return f"{hall_code}-{day}-{value:05d}"


# --- materials and pre-check ------------------------------------------------------------------------------------


def _check_materials(
    session: Session, actor: Actor, item: Item, given: list[MaterialIn], today: date, citizen_id: int | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(normalised material list, faults). Unknown codes, foreign files, wrong types and foreign licences fault."""
    by_code = {m.code: m for m in item.materials}
    faults: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for i, m in enumerate(given):
        where = f"materials.{i}"
        spec = by_code.get(m.material_code)
        if spec is None:
            faults.append(_finding("unknown_material", where, "该事项没有此材料", "Not a material of this item"))
            continue
        if (m.file_id is None) == (m.licence_id is None):
            faults.append(
                _finding(
                    "material_source", where, "每项材料须提供一个文件或一个电子证照", "Give one file or one licence"
                )
            )
            continue
        if m.file_id is not None:
            file = session.get(UploadedFile, m.file_id)
            if file is None or file.owner_kind != actor.kind or file.owner_id != actor.id:
                faults.append(_finding("file_not_found", where, "未找到上传的文件", "No such uploaded file"))
                continue
            allowed = IMAGE_TYPES if spec.kind == "photo" else DOC_TYPES
            if file.content_type not in allowed:
                faults.append(
                    _finding(
                        "material_type",
                        where,
                        f"{spec.name}须为{'JPG/PNG图片' if spec.kind == 'photo' else 'PDF或JPG/PNG'}",
                        f"{spec.code} must be {'an image' if spec.kind == 'photo' else 'a PDF or an image'}",
                    )
                )
                continue
            out.append({"material_code": spec.code, "name": spec.name, "file_id": file.id, "sha256": file.sha256})
        else:
            licence = session.get(licence_service.Licence, m.licence_id)
            holder = citizen_id if citizen_id is not None else (actor.id if actor.kind == "citizen" else None)
            if licence is None or holder is None or licence.citizen_id != holder:
                faults.append(_finding("licence_not_found", where, "未找到该电子证照", "No such e-licence"))
                continue
            if spec.e_licence_type != licence.type:
                faults.append(
                    _finding(
                        "licence_type", where, f"该材料需要{spec.e_licence_type}", f"{spec.code} needs another type"
                    )
                )
                continue
            out.append(
                {
                    "material_code": spec.code,
                    "name": spec.name,
                    "licence_id": licence.id,
                    "licence_type": licence.type,
                    "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
                }
            )
    return out, faults


def precheck(session: Session, item: Item, materials: list[dict[str, Any]], today: date, online: bool) -> list[dict]:
    """Findings: missing required materials, expired licences. (Rule outcomes are added by the caller.)"""
    findings: list[dict[str, Any]] = []
    provided = {m["material_code"] for m in materials}
    for m in materials:
        if m.get("valid_until") and date.fromisoformat(m["valid_until"]) < today:
            findings.append(
                _finding(
                    "licence_expired",
                    m["material_code"],
                    f"{m['name']}:所用电子证照已过有效期",
                    f"{m['material_code']}: the licence has expired",
                )
            )
    for spec in item.materials:
        if not spec.required or spec.code in provided:
            continue
        if online and (spec.kind == "form" or spec.e_licence_type in AUTO_LICENCE_TYPES):
            continue
        findings.append(
            _finding(
                "material_missing", spec.code, f"缺少必需材料:{spec.name}", f"Missing required material {spec.code}"
            )
        )
    return findings


def rule_inputs(item: Item, form: dict[str, Any], resolver: Resolver) -> dict[str, rules.Input]:
    """Declared and verified values of every field a rule reads (verified wins in the engine)."""
    sources = {f.name: f.prefill_from for f in item.form_fields}
    inputs: dict[str, rules.Input] = {}
    names = {str(r.get("field")) for r in item.rules} | {n for n, s in sources.items() if s}
    for name in names:
        source = sources.get(name)
        if name.startswith(("profile.", "licence.", "share.")):
            inputs[name] = rules.Input(None, resolver.value(name, form), name)
            continue
        verified = resolver.value(source, form) if source else None
        inputs[name] = rules.Input(form.get(name), verified, source)
    return inputs


def instant_decision(item: Item, form: dict[str, Any], resolver: Resolver) -> tuple[rules.Decision, dict[str, Any]]:
    """The decision and the inputs it saw (stored as evidence, replayable)."""
    try:
        inputs = rule_inputs(item, form, resolver)
    except Exception as exc:  # a failing lookup never approves
        return rules.Decision(False, [], [f"数据核验失败 lookup failed: {type(exc).__name__}"]), {}
    stored = {k: {"declared": v.declared, "verified": v.verified, "source": v.source} for k, v in inputs.items()}
    return rules.evaluate(list(item.rules), inputs), stored


def replay_inputs(stored: dict[str, Any]) -> dict[str, rules.Input]:
    return {k: rules.Input(v.get("declared"), v.get("verified"), v.get("source")) for k, v in stored.items()}


OUTCOME_ZH = {"fail": "不符合", "unknown": "无法核验", "error": "规则错误", "contradiction": "申报与核验不一致"}


def _rule_findings(decision: rules.Decision) -> list[dict[str, Any]]:
    out = []
    for o in decision.outcomes:
        if o.outcome == "pass":
            continue
        out.append(
            _finding(
                f"rule_{o.outcome}",
                o.field,
                f"{o.message}({o.note or OUTCOME_ZH.get(o.outcome, o.outcome)})",
                f"Rule on {o.field}: {o.outcome}",
            )
        )
    if not decision.outcomes:
        out += [_finding("rule_engine", None, r, r) for r in decision.reasons]
    else:
        for r in decision.reasons:
            if "contradiction" in r and not any(r.startswith(o.message) for o in decision.outcomes):
                out.append(_finding("rule_contradiction", None, r, r))
    return out


# --- submit -----------------------------------------------------------------------------------------------------


def submit(session: Session, actor: Actor, data: CaseCreate, *, now: datetime) -> tuple[Case, dict[str, Any]]:
    onsite = actor.kind == "staff" and actor.has("case.accept")
    if not onsite and (actor.kind != "citizen" or actor.id is None or not actor.has("case.submit")):
        raise Forbidden(
            "仅申请人本人或窗口人员可申报", "Only the applicant or a clerk may submit", code="forbidden_role"
        )
    item = catalog_service.get_item(session, data.item_code)
    hall = org_service.get_hall(session, data.hall_code)
    today = service_day(now)
    faults: list[dict[str, Any]] = []
    if onsite:
        actor.ensure_hall(hall.id, hall.region_path)
        found = (
            identity_service.find_citizen_by_id_number(session, data.applicant_id_number)
            if data.applicant_id_number
            else None
        )
        if found is None:
            raise FormInvalid(
                detail={
                    "faults": [
                        _finding(
                            "applicant_unknown",
                            "applicant_id_number",
                            "请填写已实名登记的申请人身份证号",
                            "Give the ID number of a registered applicant",
                        )
                    ]
                }
            )
        citizen: Citizen | None = found
    else:
        citizen = _citizen(session, actor.id)
    assert citizen is not None
    if item.code not in catalog_service.hall_item_codes(session, hall):
        faults.append(_finding("item_not_in_hall", "item_code", "该大厅不办理此事项", "The hall does not handle it"))
    cleaned, field_faults = forms.validate_form(_specs(item), data.form, today)
    faults += [
        {"code": f.code, "target": f"form.{f.field}", "message_zh": f.message_zh, "message_en": f.message_en}
        for f in field_faults
    ]
    materials, material_faults = _check_materials(session, actor, item, data.materials, today, citizen.id)
    faults += material_faults
    if faults:
        raise FormInvalid(detail={"faults": faults})

    case_no = next_case_no(session, hall.code, now)
    calendar = _calendar(session, hall)
    promised, legal = deadlines.due_dates(calendar, today, item.promised_limit_workdays, item.legal_limit_workdays)
    resolver = Resolver(session, actor, citizen, now, case_no)
    findings = precheck(session, item, materials, today, online=True)
    decision, seen = instant_decision(item, cleaned, resolver) if item.rules else (None, {})
    if decision is not None:
        findings += _rule_findings(decision)
    case = Case(
        case_no=case_no,
        item_code=item.code,
        item_version=item.version,
        item_name=item.name,
        item_type=item.type,
        department_code=item.department_code,
        hall_id=hall.id,
        hall_code=hall.code,
        citizen_id=citizen.id,
        applicant_name=citizen.name,
        applicant_id_index=citizen.id_number_index,
        channel="onsite" if onsite else "online",
        status="submitted",
        form_json=json.dumps(cleaned, ensure_ascii=False),
        materials=materials,
        precheck={"passed": not findings, "findings": findings},
        evidence=None,
        missing=[],
        submitted_at=now,
        promised_due=promised,
        legal_due=legal,
    )
    session.add(case)
    if (draft := _draft(session, citizen.id, item.code)) is not None:
        session.delete(draft)
    session.flush()
    _event(session, case, "submit", None, "submitted", actor, now, detail={"findings": len(findings)})
    instant: dict[str, Any] | None = None
    if item.instant_approval_eligible and decision is not None:
        evidence = {
            "rule_version": item.version,
            "item_code": item.code,
            "decided_at": now.isoformat(),
            **decision.as_evidence(),
            "inputs": seen,
            "precheck_passed": not findings,
        }
        case.evidence = evidence
        _event(
            session,
            case,
            "instant_check",
            "submitted",
            "submitted",
            SYSTEM,
            now,
            detail={"approve": decision.approve and not findings, "reasons": decision.reasons},
        )
        if decision.approve and not findings:
            _apply(session, SYSTEM, case, "auto_approve", ActionIn(action="auto_approve"), now=now)
            _apply(
                session,
                SYSTEM,
                case,
                "deliver",
                ActionIn(action="deliver", delivery=DeliveryIn(mode="electronic")),
                now=now,
            )
        instant = {
            "approved": decision.approve and not findings,
            "reasons": decision.reasons + [f["message_zh"] for f in findings if not f["code"].startswith("rule_")],
        }
    notify_service.send(
        session,
        template="case.received",
        params={"case_no": case_no, "item": item.name, "status": STATUS_ZH[case.status]},
        now=now,
        citizen_id=citizen.id,
        ref_type="case",
        ref_id=case_no,
    )
    return case, {"instant": instant}


# --- actions ----------------------------------------------------------------------------------------------------


def _role_of(actor: Actor, case: Case) -> str:
    if actor.kind == "system":
        return "system"
    if actor.kind == "citizen":
        return "applicant" if case.citizen_id == actor.id else "none"
    if actor.kind == "staff" and actor.role in ("clerk", "approver"):
        return actor.role
    return "none"


def act(session: Session, actor: Actor, case_no: str, data: ActionIn, *, now: datetime) -> Case:
    if data.action not in workflow.ACTIONS or data.action in workflow.INTERNAL_ACTIONS:
        raise ActionInvalid(detail={"faults": [{"field": "action", "code": "unknown_action"}]})
    case = get_case(session, case_no, lock=True)
    if actor.kind == "citizen" and case.citizen_id != actor.id:
        raise CaseNotFound(detail={"case_no": case_no})
    hall = session.get(Hall, case.hall_id)
    assert hall is not None
    if actor.kind == "staff":
        actor.ensure_hall(hall.id, hall.region_path)
    role = _role_of(actor, case)
    needed = {"clerk": "case.accept", "approver": "case.approve", "applicant": "case.submit"}.get(role)
    if needed is None or not actor.has(needed):
        raise ActionNotForRole(detail={"action": data.action, "role": actor.role})
    joint = workflow.JOINT_REVIEW.get(case.item_code)
    if role == "approver":
        allowed = joint or (case.department_code,)
        if (actor.department_code or (None if joint else case.department_code)) not in allowed:
            raise Forbidden("该办件不属于您的部门", "The case belongs to another department", code="out_of_department")
    action = data.action
    if joint and action == "approve" and case.status == "review":
        reviews = dict(case.reviews or {})
        if actor.department_code in reviews:
            raise ActionOutOfOrder(
                "本部门已作出审查意见",
                "Your department has already decided its part",
                detail={"department": actor.department_code},
            )
        reviews[str(actor.department_code)] = {"decision": "approved", "by": actor.username, "at": now.isoformat()}
        case.reviews = reviews
        action = "approve" if set(joint) <= set(reviews) else "approve_part"
    _apply(session, actor, case, action, data, now=now)
    return case


def _apply(session: Session, actor: Actor, case: Case, action: str, data: ActionIn, *, now: datetime) -> None:
    role = _role_of(actor, case)
    try:
        step = workflow.transition(case.status, action, role)
    except workflow.NotAllowed as exc:
        if exc.kind == "role":
            raise ActionNotForRole(detail={"action": action, "state": case.status, "role": role}) from exc
        raise ActionOutOfOrder(detail={"action": action, "state": case.status}) from exc
    item = catalog_service.get_item(session, case.item_code)
    hall = session.get(Hall, case.hall_id)
    assert hall is not None
    calendar = _calendar(session, hall)
    today = service_day(now)
    faults = _action_faults(session, actor, case, item, step, data, today)
    if faults:
        raise ActionInvalid(detail={"faults": faults})
    source = case.status
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.status == source, Case.version == case.version)
        .values(status=step.target, version=case.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ActionOutOfOrder(detail={"action": action, "state": source})
    case.status = step.target
    case.version = case.version + 1
    detail: dict[str, Any] = {}
    extra = ""
    staff_id = actor.id if actor.kind == "staff" else None

    # The clock: entering a stopped state records the day; leaving it pushes the due dates.
    if step.target in ("supplement", "suspended") and case.stopped_since is None:
        case.stopped_since = today
    if source in ("supplement", "suspended") and step.target in ("submitted", "review") and case.stopped_since:
        stopped = max(calendar.workdays_between(case.stopped_since, today), 0)
        case.promised_due = deadlines.extend(calendar, case.promised_due, case.stopped_since, today)
        case.legal_due = deadlines.extend(calendar, case.legal_due, case.stopped_since, today)
        case.stopped_workdays += stopped
        case.stopped_since = None
        detail["stopped_workdays"] = stopped

    if action in ("accept", "accept_tolerated"):
        case.accepted_at, case.accepted_by = now, staff_id
        if action == "accept_tolerated":
            case.tolerated_until = data.tolerated_until
            case.missing = [m.model_dump() for m in data.missing or []]
            detail["tolerated_until"] = str(data.tolerated_until)
        doc = _notice(
            session,
            case,
            item,
            "acceptance",
            "受理通知书" if action == "accept" else "容缺受理通知书",
            now,
            _acceptance_paragraphs(case, action, data),
        )
        detail["document_id"] = doc.id
        extra = f"承诺办结日期{case.promised_due.isoformat()}。"
    elif action == "supplement":
        listed = _supplement_list(case, item, data)
        case.missing = listed
        doc = _notice(
            session, case, item, "supplement", "补正材料一次性告知书", now, _supplement_paragraphs(listed, data)
        )
        detail.update(document_id=doc.id, missing=len(listed))
        extra = "需补正:" + ";".join(m["label"] for m in listed)
    elif action == "resubmit":
        if data.form is not None:
            cleaned, _ = forms.validate_form(_specs(item), {**case_form(case), **data.form}, today)
            case.form_json = json.dumps(cleaned, ensure_ascii=False)
        if data.materials:
            new, _ = _check_materials(session, actor, item, data.materials, today)
            replaced = {m["material_code"] for m in new}
            case.materials = [m for m in case.materials if m["material_code"] not in replaced] + new
        findings = precheck(session, item, case.materials, today, online=case.channel == "online")
        case.precheck = {"passed": not findings, "findings": findings}
        case.missing = []
        detail["findings"] = len(findings)
    elif action in ("refuse", "reject"):
        case.decided_at, case.decided_by = now, staff_id
        title = "不予受理决定书" if action == "refuse" else "不予行政许可决定书"
        doc = _notice(
            session,
            case,
            item,
            "refusal" if action == "refuse" else "decision",
            title,
            now,
            [f"理由:{data.note}", APPEAL_RIGHTS],
        )
        detail["document_id"] = doc.id
        extra = f"理由:{data.note}"
    elif action in ("approve", "auto_approve"):
        case.decided_at = now
        case.decided_by = staff_id
        case.auto_decided = action == "auto_approve"
        issued = _issue_result(session, case, item, now)
        detail.update(issued)
        extra = "结果文书已生成,可在办件详情下载。"
    elif action == "supply":
        new, _ = _check_materials(session, actor, item, data.materials or [], today)
        supplied = {m["material_code"] for m in new}
        case.materials = [m for m in case.materials if m["material_code"] not in supplied] + new
        case.missing = [m for m in case.missing if m.get("material_code") not in supplied]
        if not case.missing:
            case.tolerated_until = None
        detail.update(supplied=sorted(supplied), still_missing=len(case.missing))
        extra = "容缺材料已补齐。" if not case.missing else "仍有容缺材料待补交。"
    elif action == "approve_part":
        detail["department"] = actor.department_code
        detail["pending"] = [d for d in workflow.JOINT_REVIEW.get(case.item_code, ()) if d not in case.reviews]
        extra = "联合审查:一个部门已同意,等待其他部门意见。"
    elif action == "suspend":
        detail["reason"] = data.note
    elif action == "deliver":
        assert data.delivery is not None
        delivery = _delivery(case, data.delivery, now)
        case.delivery = delivery
        detail["mode"] = delivery["mode"]
        extra = delivery["message_zh"]
    if step.target in workflow.FINISHED_STATES and case.finished_at is None:
        case.finished_at = now
        events.emit(session, "case.finished", case_no=case.case_no, hall_code=case.hall_code, status=step.target)
    note = data.note or ""
    _event(session, case, action, source, step.target, actor, now, note=note, detail=detail)
    if case.citizen_id is not None and action not in ("resubmit", "withdraw", "supply"):
        notify_service.send(
            session,
            template="case.status",
            params={
                "case_no": case.case_no,
                "item": case.item_name,
                "status_zh": STATUS_ZH[case.status],
                "status_en": case.status,
                "extra": extra,
            },
            now=now,
            citizen_id=case.citizen_id,
            ref_type="case",
            ref_id=case.case_no,
        )


def _action_faults(
    session: Session, actor: Actor, case: Case, item: Item, step: workflow.Transition, data: ActionIn, today: date
) -> list[dict[str, Any]]:
    faults: list[dict[str, Any]] = []
    if step.needs_note and not (data.note and data.note.strip()):
        faults.append(_finding("note_required", "note", "请填写理由", "A reason is required"))
    if step.action == "supplement":
        codes = {m.code for m in item.materials}
        fields = {f.name for f in item.form_fields}
        for i, m in enumerate(data.missing or []):
            if m.material_code and m.material_code not in codes:
                faults.append(_finding("unknown_material", f"missing.{i}", "该事项没有此材料", "Not a material of it"))
            if m.field and m.field not in fields:
                faults.append(_finding("unknown_field", f"missing.{i}", "表单中没有此项", "Not a form field"))
        if not data.missing and not case.precheck.get("findings"):
            faults.append(_finding("missing_required", "missing", "请列出需补正的全部事项", "List what is missing"))
    if step.action == "accept_tolerated":
        if data.tolerated_until is None or data.tolerated_until <= today:
            faults.append(
                _finding(
                    "deadline_required", "tolerated_until", "请给出晚于今天的补交期限", "Give a deadline after today"
                )
            )
        if not data.missing:
            faults.append(_finding("missing_required", "missing", "请列出容缺的材料", "List the tolerated gaps"))
    if step.action == "supply" and not data.materials:
        faults.append(_finding("materials_required", "materials", "请上传需补交的材料", "Upload the missing materials"))
    if step.action in ("resubmit", "supply") and data.materials:
        _, material_faults = _check_materials(session, actor, item, data.materials, today)
        faults += material_faults
    if step.action == "resubmit" and data.form is not None:
        _, field_faults = forms.validate_form(_specs(item), {**case_form(case), **data.form}, today)
        faults += [f.as_dict() for f in field_faults]
    if step.action == "deliver":
        faults += _delivery_faults(session, case, data.delivery)
    return faults


def _supplement_list(case: Case, item: Item, data: ActionIn) -> list[dict[str, Any]]:
    """The one-time list: everything the clerk names plus every automatic pre-check finding, without repeats."""
    names = {m.code: m.name for m in item.materials}
    labels = {f.name: f.label for f in item.form_fields}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str | None]] = set()
    for m in data.missing or []:
        key = (m.material_code, m.field)
        seen.add(key)
        label = names.get(m.material_code or "", "") or labels.get(m.field or "", "") or "其他"
        out.append({"material_code": m.material_code, "field": m.field, "label": label, "reason": m.reason})
    for f in case.precheck.get("findings", []):
        if f["code"] == "material_missing" and (f["target"], None) not in seen:
            seen.add((f["target"], None))
            out.append(
                {
                    "material_code": f["target"],
                    "field": None,
                    "label": names.get(f["target"], f["target"]),
                    "reason": f["message_zh"],
                }
            )
        elif f["code"] == "licence_expired" and (f["target"], None) not in seen:
            seen.add((f["target"], None))
            out.append(
                {
                    "material_code": f["target"],
                    "field": None,
                    "label": names.get(f["target"], f["target"]),
                    "reason": f["message_zh"],
                }
            )
    return out


def _delivery_faults(session: Session, case: Case, delivery: DeliveryIn | None) -> list[dict[str, Any]]:
    if delivery is None:
        return [_finding("delivery_required", "delivery", "请选择送达方式", "Choose a delivery mode")]
    faults = []
    if delivery.mode == "window":
        if delivery.pickup_id_number:
            if blind_index(delivery.pickup_id_number.strip().upper(), "id_number") != case.applicant_id_index:
                faults.append(
                    _finding(
                        "identity_mismatch",
                        "delivery.pickup_id_number",
                        "领取人身份与申请人不符",
                        "The collector is not the applicant",
                    )
                )
        elif delivery.proxy_name and delivery.proxy_id_number and delivery.authorization_file_id:
            if session.get(UploadedFile, delivery.authorization_file_id) is None:
                faults.append(
                    _finding(
                        "file_not_found",
                        "delivery.authorization_file_id",
                        "未找到授权委托书",
                        "No such authorization file",
                    )
                )
        else:
            faults.append(
                _finding(
                    "identity_required",
                    "delivery",
                    "窗口领取须核验申请人身份或代领授权",
                    "Window pickup needs the applicant's ID or a proxy authorization",
                )
            )
    if delivery.mode == "post" and not (delivery.tracking_no and delivery.address):
        faults.append(
            _finding("tracking_required", "delivery", "邮寄须填写运单号和地址", "Post needs tracking and address")
        )
    return faults


def _delivery(case: Case, delivery: DeliveryIn, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"mode": delivery.mode, "at": now.isoformat()}
    if delivery.mode == "window":
        out["collector"] = "applicant" if delivery.pickup_id_number else "proxy"
        if delivery.proxy_name:
            out["proxy_name_masked"] = mask_name(delivery.proxy_name)
        out["message_zh"] = "已在窗口领取。"
    elif delivery.mode == "locker":
        out["pickup_code"] = f"{secrets.randbelow(10**6):06d}"
        out["message_zh"] = f"已放入智能柜,取件码{out['pickup_code']}。"
    elif delivery.mode == "post":
        out["tracking_no"] = delivery.tracking_no
        out["message_zh"] = f"已邮寄,运单号{delivery.tracking_no}。"
    else:
        out["message_zh"] = "电子证照已发放至您的电子证照夹。"
    return out


def _notice(
    session: Session, case: Case, item: Item, kind: str, title: str, now: datetime, paragraphs: list[str]
) -> Document:
    hall = session.get(Hall, case.hall_id)
    assert hall is not None
    return licence_service.issue_document(
        session,
        case_no=case.case_no,
        kind=kind,
        title=title,
        issuer=hall.name,
        lines=[
            ("申请人", mask_name(case.applicant_name)),
            ("办理事项", f"{item.name}({item.code})"),
            ("受理部门", _department_name(session, item.department_code)),
            ("申请时间", format_local(case.submitted_at)),
        ],
        paragraphs=paragraphs,
        key_fields={"holder": mask_name(case.applicant_name), "item_code": item.code},
        citizen_id=case.citizen_id,
        hall_id=case.hall_id,
        now=now,
    )


def _acceptance_paragraphs(case: Case, action: str, data: ActionIn) -> list[str]:
    out = [
        f"您申请的事项已于{format_local(case.accepted_at)}受理。承诺办结日期:{case.promised_due.isoformat()};"
        f"法定办结日期:{case.legal_due.isoformat()}。"
    ]
    if action == "accept_tolerated":
        gaps = ";".join(m.reason for m in data.missing or [])
        out.append(f"容缺受理:请于{data.tolerated_until}前补交:{gaps}。逾期未补交的,将不予办理。")
    return out


def _supplement_paragraphs(listed: list[dict[str, Any]], data: ActionIn) -> list[str]:
    out = ["经审查,您提交的申请材料不齐全或不符合法定形式,现一次性告知需要补正的全部内容:"]
    out += [f"{i}. {m['label']}:{m['reason']}" for i, m in enumerate(listed, 1)]
    if data.note:
        out.append(f"说明:{data.note}")
    out.append("补正期间办理时限暂停计算,补正材料提交后恢复计算。")
    return out


# Items whose result is a typed e-licence (the wallet holds it under that type, and later forms prefill from it):
# item → (licence type, licence field → form field).
RESULT_LICENCES: dict[str, tuple[str, dict[str, str]]] = {
    "SC-001": (
        "营业执照",
        {
            "name": "company_name",
            "legal_rep": "legal_rep_name",
            "address": "address",
            "type": "enterprise_type",
            "scope": "business_scope",
        },
    ),
    "SC-002": (
        "营业执照",
        {
            "name": "shop_name",
            "legal_rep": "operator_name",
            "operator": "operator_name",
            "address": "business_address",
            "scope": "business_scope",
        },
    ),
}


def new_uscc(case_no: str, item_code: str) -> str:
    """A valid unified social credit code for a newly registered entity (demo registry: derived from the case)."""
    from stdnum.cn import uscc as uscc_mod

    digits = "".join(ch for ch in case_no if ch.isdigit())[-9:].rjust(9, "0")
    kind = "92" if item_code == "SC-002" else "91"
    base = f"{kind}690102{digits}"
    return base + uscc_mod.calc_check_digit(base)


def _issue_result(session: Session, case: Case, item: Item, now: datetime) -> dict[str, Any]:
    hall = session.get(Hall, case.hall_id)
    assert hall is not None
    today = service_day(now)
    licence_type = f"{item.name}结果"
    title = f"准予{item.name}决定书" if item.type == "行政许可" else f"{item.name}办理结果通知书"
    form = case_form(case)
    lines = [
        ("申请人", mask_name(case.applicant_name)),
        ("办理事项", f"{item.name}({item.code})"),
        ("决定", "准予" + ("(秒批自动审批)" if case.auto_decided else "")),
        ("决定日期", today.isoformat()),
    ]
    if item.code in RESULT_LICENCES:
        title = f"{RESULT_LICENCES[item.code][0]}(电子)"
        lines.append(("统一社会信用代码", new_uscc(case.case_no, item.code)))
    elif form.get("uscc"):
        lines.append(("统一社会信用代码", str(form["uscc"])))
    doc = licence_service.issue_document(
        session,
        case_no=case.case_no,
        kind="licence",
        title=title,
        issuer=hall.name,
        lines=lines,
        paragraphs=["经审查,申请符合法定条件和标准,决定准予。本文书可通过扫描二维码核验真伪。"],
        key_fields={"holder": mask_name(case.applicant_name), "item_code": item.code, "decision": "approved"},
        citizen_id=case.citizen_id,
        hall_id=case.hall_id,
        now=now,
    )
    licence_id = None
    fields: dict[str, Any] = {
        "case_no": case.case_no,
        "item_code": item.code,
        "decision": "准予",
        **{k: v for k, v in form.items() if k in ("uscc", "shop_name", "company_name", "destination")},
    }
    if item.code in RESULT_LICENCES:
        licence_type, mapping = RESULT_LICENCES[item.code]
        fields = {key: form[source] for key, source in mapping.items() if form.get(source) is not None}
        fields.update(uscc=new_uscc(case.case_no, item.code), case_no=case.case_no)
    if case.citizen_id is not None:
        licence = licence_service.add_licence(
            session,
            citizen_id=case.citizen_id,
            type_=licence_type,
            number=doc.doc_no,
            fields=fields,
            issued_on=today,
            valid_until=None,
            case_no=case.case_no,
            document_id=doc.id,
        )
        licence_id = licence.id
    return {"document_id": doc.id, "licence_id": licence_id}


def _event(
    session: Session,
    case: Case,
    action: str,
    source: str | None,
    target: str,
    actor: Actor,
    now: datetime,
    *,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            action=action,
            from_status=source,
            to_status=target,
            actor_kind=actor.kind,
            actor_ref=actor.username if actor.kind == "staff" else (str(actor.id) if actor.id is not None else None),
            note=note,
            detail=detail or {},
        )
    )
    session.flush()


# --- reads ------------------------------------------------------------------------------------------------------


def warning(session: Session, case: Case, today: date) -> str:
    hall = session.get(Hall, case.hall_id)
    assert hall is not None
    running = case.status not in workflow.CLOCK_STOPPED
    return deadlines.warning_level(_calendar(session, hall), today, case.promised_due, clock_running=running)


def step_due(session: Session, case: Case) -> date | None:
    """When the current step (e.g. the acceptance decision) is due, from the day the case entered it."""
    limit = workflow.STEP_LIMITS.get(case.status)
    if limit is None:
        return None
    entered = session.execute(
        select(CaseEvent.at)
        .where(
            CaseEvent.case_id == case.id,
            CaseEvent.to_status == case.status,
            CaseEvent.from_status.is_distinct_from(case.status),
        )
        .order_by(CaseEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if entered is None:
        return None
    hall = session.get(Hall, case.hall_id)
    assert hall is not None
    return _calendar(session, hall).add_workdays(service_day(entered), limit)


def case_read(session: Session, actor: Actor, case: Case, *, now: datetime, with_form: bool = True) -> dict[str, Any]:
    """The case as its applicant or staff in scope see it. Staff reading the form (personal data) is audited."""
    role = _role_of(actor, case)
    form: dict[str, Any] | None = None
    if with_form and (role == "applicant" or (actor.kind == "staff" and actor.has("case.read"))):
        form = case_form(case)
        if actor.kind == "staff":
            record_personal_read(session, actor, case, now)
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
        "status_zh": STATUS_ZH[case.status],
        "version": case.version,
        "submitted_at": case.submitted_at.isoformat(),
        "finished_at": case.finished_at.isoformat() if case.finished_at else None,
        "promised_due_date": case.promised_due.isoformat(),
        "legal_due_date": case.legal_due.isoformat(),
        "stopped_workdays": case.stopped_workdays,
        "step_due_date": (due.isoformat() if (due := step_due(session, case)) else None),
        "clock_stopped": case.status in workflow.CLOCK_STOPPED,
        "warning_level": warning(session, case, service_day(now)),
        "precheck": case.precheck,
        "evidence": case.evidence,
        "missing": case.missing,
        "tolerated_until": case.tolerated_until.isoformat() if case.tolerated_until else None,
        "materials": case.materials,
        "delivery": {k: v for k, v in (case.delivery or {}).items() if k != "pickup_code" or role == "applicant"}
        if case.delivery
        else None,
        "auto_decided": case.auto_decided,
        "joint_review": list(workflow.JOINT_REVIEW.get(case.item_code, ())),
        "reviews": case.reviews or {},
        "actions": [
            t.action for t in workflow.available(case.status, role) if t.action not in workflow.INTERNAL_ACTIONS
        ],
        "timeline": [
            {
                "at": e.at.isoformat(),
                "at_local": format_local(e.at),
                "action": e.action,
                "action_zh": ACTION_ZH.get(e.action, e.action),
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor_kind if e.actor_kind != "staff" else f"staff:{e.actor_ref}",
                "note": e.note,
                "detail": e.detail,
            }
            for e in session.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            ).scalars()
        ],
        "documents": [licence_service.describe(d) for d in licence_service.case_documents(session, case.case_no)],
    }


def list_cases(session: Session, actor: Actor, *, status: list[str] | None = None, limit: int = 200) -> list[Case]:
    stmt = select(Case).order_by(Case.promised_due, Case.id).limit(limit)
    if status:
        stmt = stmt.where(Case.status.in_(status))
    if actor.kind == "citizen":
        stmt = stmt.where(Case.citizen_id == actor.id)
    elif actor.kind == "staff":
        if not actor.has("case.read"):
            raise Forbidden("您的角色无权查看办件", "Your role cannot read cases", code="forbidden_role")
        halls = [h for h in org_service.list_halls(session) if actor.can_see_hall(h.id, h.region_path)]
        stmt = stmt.where(Case.hall_id.in_([h.id for h in halls]))
        if actor.role == "approver" and actor.department_code:
            joint = [code for code, depts in workflow.JOINT_REVIEW.items() if actor.department_code in depts]
            stmt = stmt.where(or_(Case.department_code == actor.department_code, Case.item_code.in_(joint)))
    else:
        return []
    return list(session.execute(stmt).scalars())


def document_for(session: Session, actor: Actor, document_id: int) -> Document:
    document = licence_service.get_document(session, document_id)
    if actor.kind == "citizen":
        if document.citizen_id != actor.id:
            raise licence_service.DocumentNotFound(detail={"document_id": document_id})
    elif actor.kind == "staff" and actor.has("case.read") and document.case_no:
        ensure_can_read(session, actor, get_case(session, document.case_no))
    else:
        raise Forbidden("无权下载此文书", "You may not download this document", code="forbidden_role")
    return document


# --- warnings job -----------------------------------------------------------------------------------------------


def raise_warnings(session: Session, *, now: datetime) -> dict[str, int]:
    """Move each running case's warning level; notify the responsible staff when it turns yellow or red."""
    today = service_day(now)
    counts = {"yellow": 0, "red": 0, "checked": 0}
    running = [s for s in workflow.STATES if s not in workflow.CLOCK_STOPPED]
    for case in session.execute(select(Case).where(Case.status.in_(running))).scalars():
        counts["checked"] += 1
        level = warning(session, case, today)
        if level not in ("yellow", "red") or level == case.warned_level:
            continue
        counts[level] += 1
        case.warned_level = level
        for staff_id in _responsible(session, case):
            notify_service.send(
                session,
                template="case.warning",
                params={
                    "case_no": case.case_no,
                    "item": case.item_name,
                    "level": level,
                    "level_zh": "黄色预警(临近时限)" if level == "yellow" else "红色预警(已超期)",
                    "due": case.promised_due.isoformat(),
                },
                now=now,
                staff_id=staff_id,
                ref_type="case",
                ref_id=case.case_no,
            )
    counts["tolerated_overdue"] = _tolerated_overdue(session, today, now)
    counts["step_overdue"] = _step_overdue(session, today, now)
    return counts


def _step_overdue(session: Session, today: date, now: datetime) -> int:
    """Cases whose current step passed its step limit: tell the staff of that step, once per entry into the step."""
    flagged = 0
    for case in session.execute(select(Case).where(Case.status.in_(list(workflow.STEP_LIMITS)))).scalars():
        due = step_due(session, case)
        if due is None or today <= due:
            continue
        last = session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()).limit(1)
        ).scalar_one()
        if last.action == "step_overdue":
            continue
        flagged += 1
        for staff_id in _responsible(session, case):
            notify_service.send(
                session,
                template="case.warning",
                params={
                    "case_no": case.case_no,
                    "item": case.item_name,
                    "level": "step overdue",
                    "level_zh": f"{ACTION_ZH.get('accept', '')}环节超过{workflow.STEP_LIMITS[case.status]}个工作日",
                    "due": due.isoformat(),
                },
                now=now,
                staff_id=staff_id,
                ref_type="case",
                ref_id=case.case_no,
            )
        _event(session, case, "step_overdue", case.status, case.status, SYSTEM, now, detail={"step_due": str(due)})
    return flagged


def _tolerated_overdue(session: Session, today: date, now: datetime) -> int:
    """Cases accepted with tolerated gaps whose deadline passed with gaps left: tell the clerk and the applicant."""
    flagged = 0
    cases = session.execute(
        select(Case).where(Case.status == "review", Case.tolerated_until.is_not(None), Case.tolerated_until < today)
    ).scalars()
    for case in cases:
        if not case.missing:
            continue
        already = session.execute(
            select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.action == "tolerated_overdue")
        ).first()
        if already:
            continue
        flagged += 1
        params = {
            "case_no": case.case_no,
            "item": case.item_name,
            "deadline": str(case.tolerated_until),
            "missing": ";".join(str(m.get("label") or m.get("reason") or "") for m in case.missing),
        }
        recipients = [case.accepted_by] if case.accepted_by else _responsible(session, case)
        for staff_id in recipients:
            notify_service.send(
                session,
                template="case.tolerated_overdue",
                params=params,
                now=now,
                staff_id=staff_id,
                ref_type="case",
                ref_id=case.case_no,
            )
        if case.citizen_id is not None:
            notify_service.send(
                session,
                template="case.tolerated_overdue",
                params=params,
                now=now,
                citizen_id=case.citizen_id,
                ref_type="case",
                ref_id=case.case_no,
            )
        _event(
            session,
            case,
            "tolerated_overdue",
            case.status,
            case.status,
            SYSTEM,
            now,
            detail={"deadline": str(case.tolerated_until), "missing": len(case.missing)},
        )
    return flagged


def _responsible(session: Session, case: Case) -> list[int]:
    role = "clerk" if case.status == "submitted" else "approver"
    staff = session.execute(
        select(Staff).where(Staff.hall_id == case.hall_id, Staff.role == role, Staff.active.is_(True))
    ).scalars()
    out = [s.id for s in staff if role == "clerk" or s.department_code in (None, case.department_code)]
    if case.accepted_by and role == "clerk" and case.accepted_by not in out:
        out.append(case.accepted_by)
    return out


# --- replay -----------------------------------------------------------------------------------------------------


def replay(session: Session, actor: Actor, *, item_code: str, now: datetime, limit: int = 500) -> list[dict]:
    """Re-run the item's current rules against past cases' stored inputs (evidence), without changing them."""
    item = catalog_service.get_item(session, item_code)
    out = []
    for case in session.execute(
        select(Case).where(Case.item_code == item_code, Case.evidence.is_not(None)).order_by(Case.id).limit(limit)
    ).scalars():
        stored = case.evidence or {}
        decision = rules.evaluate(list(item.rules), replay_inputs(stored.get("inputs") or {}))
        out.append(
            {
                "case_no": case.case_no,
                "rule_version_then": stored.get("rule_version"),
                "rule_version_now": item.version,
                "approve_then": stored.get("approve"),
                "approve_now": decision.approve,
                "changed": bool(stored.get("approve")) != decision.approve,
            }
        )
    return out


# --- contracts for other domains --------------------------------------------------------------------------------


def _served(session: Session, case_no: str) -> ServedSubject | None:
    case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one_or_none()
    if case is None:
        return None
    return ServedSubject(
        kind="case",
        ref=case.case_no,
        hall_id=case.hall_id,
        hall_code=case.hall_code,
        finished_at=case.finished_at,
        citizen_id=case.citizen_id,
        id_number_index=case.applicant_id_index,
        staff_id=case.decided_by or case.accepted_by,
        department_code=case.department_code,
        item_code=case.item_code,
        channel="online" if case.channel == "online" else "onsite",
    )


def _archival(session: Session, case_no: str) -> ArchivalInput | None:
    case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one_or_none()
    if case is None or case.finished_at is None:
        return None
    files: list[ArchivalFile] = []
    for m in case.materials:
        if m.get("file_id"):
            upload = session.get(UploadedFile, m["file_id"])
            if upload is not None:
                files.append(
                    ArchivalFile(
                        "material",
                        f"material-{m['material_code']}-{upload.name}",
                        Path(upload.path),
                        upload.content_type,
                        upload.sha256,
                    )
                )
    for d in licence_service.case_documents(session, case_no):
        role = "result" if d.kind == "licence" else "decision" if d.kind in ("decision", "refusal") else "notice"
        files.append(
            ArchivalFile(
                role,
                f"{d.doc_no}.pdf",
                Path(d.path),
                "application/pdf",
                d.sha256,
                signed_fields=dict(d.signed_fields),
                signature=d.signature,
            )
        )
    return ArchivalInput(
        case_no=case.case_no,
        title=f"{case.item_name}-{case.case_no}",
        item_code=case.item_code,
        item_name=case.item_name,
        item_type=case.item_type,
        hall_code=case.hall_code,
        department_code=case.department_code,
        applicant_name=case.applicant_name,
        submitted_at=case.submitted_at,
        finished_at=case.finished_at,
        final_status=case.status,
        form=case_form(case),
        files=files,
        events=[
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor_kind if e.actor_kind != "staff" else f"staff:{e.actor_ref}",
                "note": e.note,
            }
            for e in case.events
        ],
    )


def record_personal_read(session: Session, actor: Actor, case: Case, now: datetime) -> None:
    audit_service.record(
        session,
        actor,
        "personal_data.read",
        target_type="case",
        target_id=case.case_no,
        hall_code=case.hall_code,
        now=now,
    )


def not_found() -> NotFound:
    return CaseNotFound()


register_subject_resolver("case", _served)
register_archival_source(_archival)
