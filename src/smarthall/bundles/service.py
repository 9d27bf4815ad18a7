"""One-thing bundle use cases (高效办成一件事, requirements §6.11): the merged form, the one submission that files one
case per item in one transaction, the combined result, and the coordinator's side-by-side view.

A submission files each item's case through ``cases.service.submit`` (the same validation, pre-check, numbering,
time limits and instant approval as a single case); a fault in any item refuses the whole submission, with every
item's faults shown against the one form, and the request's unit of work rolls back every case already filed —
all parts or none. Each part then runs in its own department with its own approver, time limit and warning; this
module never moves a case. When a part's decision is made (``case.finished``, inside that transaction, the
application's row locked) the combined state is recomputed (``merge.combined``); under the bundle's ``stop`` rule
a refused part withdraws the open ones on the applicant's behalf. When every part is finished the citizen gets one
notice with the combined result.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.bundles import closing, merge
from smarthall.bundles.errors import (
    BundleApplicationNotFound,
    BundleApplyForbidden,
    BundleFormClash,
    BundleFormInvalid,
    BundleItemNotInHall,
    BundleNotFound,
    BundleOutOfScope,
    BundleReadForbidden,
)
from smarthall.bundles.models import BundleApplication, BundlePart
from smarthall.bundles.repository import ApplicationRepository
from smarthall.bundles.schemas import BundleApply
from smarthall.cases import service as case_service
from smarthall.cases.errors import FormInvalid
from smarthall.cases.schemas import ActionIn, CaseCreate, MaterialIn
from smarthall.catalog import service as catalog_service
from smarthall.core import events
from smarthall.core.clock import service_day
from smarthall.core.i18n import translate
from smarthall.core.tenancy import Actor
from smarthall.errands import service as errand_service
from smarthall.licences.service import DocumentDesk
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service

# Staff who coordinate a bundle at the hall (综合窗口 and the hall's management) read its applications.
COORDINATING = "case.read"


def _bundle(session: Session, code: str) -> Any:
    for bundle in catalog_service.list_bundles(session):
        if bundle.code == code:
            return bundle
    raise BundleNotFound(detail={"bundle_code": code})


def _field(f: Any) -> merge.Field:
    """A form field of the catalog (an ORM row, or the JSON of a bundle's shared field) as ``merge`` reads it."""
    row = f if isinstance(f, dict) else {k: getattr(f, k, None) for k in ("name", "label", "type", "required")}
    options = f.get("options") if isinstance(f, dict) else getattr(f, "options", None)
    prefill = f.get("prefill_from") if isinstance(f, dict) else getattr(f, "prefill_from", None)
    return merge.Field(
        str(row["name"]), str(row["label"]), str(row["type"]), bool(row["required"]),
        tuple(options) if options else None, prefill,
    )  # fmt: skip


def plan(session: Session, bundle: Any) -> tuple[list[Any], list[merge.MergedField], list[merge.MergedMaterial]]:
    """(the bundle's items, its merged form, its one set of materials) as the catalog holds them now."""
    items = [catalog_service.get_item(session, code) for code in bundle.item_codes]
    fields, clashes = merge.merge_form(
        [_field(f) for f in bundle.shared_form_fields or []],
        [(i.code, [_field(f) for f in i.form_fields]) for i in items],
        bundle.field_map or {},
    )
    if clashes:
        raise BundleFormClash(detail={"clashes": [c.__dict__ for c in clashes]})
    materials = merge.merge_materials(
        [
            (i.code, [merge.Material(m.code, m.name, m.kind, m.required, m.e_licence_type) for m in i.materials])
            for i in items
        ]
    )
    return items, fields, materials


def _hall_handles(session: Session, hall: Any, bundle: Any) -> None:
    offered = catalog_service.hall_items(session, hall)
    missing = [code for code in bundle.item_codes if code not in offered]
    if missing:
        raise BundleItemNotInHall(detail={"bundle_code": bundle.code, "hall_code": hall.code, "items": missing})


def _citizen(actor: Actor) -> None:
    if actor.kind != "citizen" or actor.id is None or not actor.has("case.submit"):
        raise BundleApplyForbidden()


def bundle_form(session: Session, actor: Actor, *, bundle_code: str, hall_code: str, now: datetime) -> dict[str, Any]:
    """The bundle's one form, prefilled like each item's form (profile, wallet, data sharing), and its one set of
    materials with the e-licences the citizen already holds."""
    _citizen(actor)
    bundle = _bundle(session, bundle_code)
    hall = org_service.get_hall(session, hall_code)
    _hall_handles(session, hall, bundle)
    items, fields, materials = plan(session, bundle)
    forms = {i.code: case_service.item_form(session, actor, item_code=i.code, now=now) for i in items}
    item_values = {
        (code, f["name"]): (f.get("value"), f.get("value_source"))
        for code, form in forms.items()
        for f in form["fields"]
    }
    held = {(code, m["code"]): m for code, form in forms.items() for m in form["materials"]}
    names = {i.code: i.name for i in items}
    out_fields = []
    for f in fields:
        value, source = None, None
        for t in f.targets:
            value, source = item_values.get((t.item_code, t.name), (None, None))
            if value is not None:
                break
        out_fields.append(
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "options": list(f.options) if f.options else None,
                "value": value,
                "value_source": source,
                "items": [names[c] for c in dict.fromkeys(t.item_code for t in f.targets)],
            }
        )
    out_materials = []
    for m in materials:
        specs = [held[(t.item_code, t.name)] for t in m.targets if (t.item_code, t.name) in held]
        out_materials.append(
            {
                "key": m.key,
                "name": m.name,
                "kind": m.kind,
                "required": m.required,
                "held_licence_id": next((s["held_licence_id"] for s in specs if s.get("held_licence_id")), None),
                "auto_satisfied": bool(specs) and all(s.get("auto_satisfied") for s in specs),
                "items": [names[c] for c in dict.fromkeys(t.item_code for t in m.targets)],
            }
        )
    parts = [
        {
            "item_code": i.code,
            "item_name": i.name,
            "department_code": i.department_code,
            "department_name": org_service.department_name(session, i.department_code),
            "promised_limit_workdays": catalog_service.effective_item(session, hall, i.code).promised_limit_workdays,
        }
        for i in items
    ]
    return {
        "bundle_code": bundle.code,
        "bundle_name": bundle.name,
        "description": bundle.description,
        "hall_code": hall.code,
        "hall_name": hall.name,
        "lead_department_name": org_service.department_name(session, bundle.lead_department_code),
        "promised_limit_workdays": bundle.promised_limit_workdays,
        "on_refusal": bundle.on_refusal or merge.DEFAULT_RULE,
        "fields": out_fields,
        "materials": out_materials,
        "parts": parts,
    }


def _fault(code: str, target: str) -> dict[str, Any]:
    key = f"bundle.fault.{code}"
    return {"code": code, "target": target, "message_zh": translate(key, "zh"), "message_en": translate(key, "en")}


def _new_code(now: datetime) -> str:
    return f"YJS{service_day(now):%Y%m%d}{secrets.randbelow(10**6):06d}"


def _mapped_faults(
    exc: FormInvalid, item: Any, origin: dict[tuple[str, str], str], keys: dict[tuple[str, str], str], given: list[Any]
) -> list[dict[str, Any]]:
    """An item's faults as faults of the one form: ``form.<item field>`` → ``form.<merged field>``,
    ``materials.<i>`` → ``materials.<key>``, each naming the item."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    out = []
    for fault in detail.get("faults") or [
        {"code": exc.code, "message_zh": exc.message_zh_, "message_en": exc.message_en_}
    ]:
        fault = dict(fault)
        target = str(fault.get("target") or "")
        if target.startswith("form."):
            fault["target"] = "form." + origin.get((item.code, target[5:]), target[5:])
        elif target.startswith("materials."):
            index = target.split(".", 1)[1]
            if index.isdigit() and int(index) < len(given):
                fault["target"] = "materials." + keys.get((item.code, given[int(index)].material_code), index)
        fault["item_code"] = item.code
        fault["item_name"] = item.name
        out.append(fault)
    return out


def submit(
    session: Session, actor: Actor, *, data: BundleApply, desk: DocumentDesk, now: datetime
) -> BundleApplication:
    """File the bundle: one case per item, all in this transaction, or none (4xx with every fault at once)."""
    _citizen(actor)
    bundle = _bundle(session, data.bundle_code)
    hall = org_service.get_hall(session, data.hall_code)
    _hall_handles(session, hall, bundle)
    items, fields, materials = plan(session, bundle)
    faults: list[dict[str, Any]] = []
    known = {f.name for f in fields}
    faults += [_fault("unknown_field", f"form.{k}") for k in data.form if k not in known]
    keys = {m.key for m in materials}
    faults += [_fault("unknown_material", f"materials.{k}") for k in data.materials if k not in keys]
    if faults:
        raise BundleFormInvalid(detail={"faults": faults})
    forms = merge.split_form(fields, data.form)
    given = {k: v.model_dump(exclude_none=True) for k, v in data.materials.items()}
    per_item = merge.split_materials(materials, given)
    origin = merge.item_field_origin(fields)
    material_keys = {(t.item_code, t.name): m.key for m in materials for t in m.targets}
    repo = ApplicationRepository(session)
    code = _new_code(now)
    while repo.exists(code):
        code = _new_code(now)
    # One errand code (一件一码) for the whole bundle: every department task joins it.
    errand_code = errand_service.open_for_bundle(
        session, hall_id=hall.id, bundle_code=bundle.code, citizen_id=int(actor.id or 0), application_code=code,
        now=now,
    )  # fmt: skip
    filed: list[tuple[Any, Any]] = []
    for item in items:
        mats = [MaterialIn(**m) for m in per_item.get(item.code, [])]
        case_data = CaseCreate(
            item_code=item.code, hall_code=hall.code, form=forms.get(item.code, {}), materials=mats,
            errand_code=errand_code,
        )  # fmt: skip
        try:
            filed.append((item, case_service.submit(session, actor, data=case_data, desk=desk, now=now).case))
        except FormInvalid as exc:  # keep going: the citizen sees every item's faults at once
            faults += _mapped_faults(exc, item, origin, material_keys, mats)
    if faults:
        raise BundleFormInvalid(detail={"faults": faults})  # the unit of work rolls back the cases filed above
    rule = bundle.on_refusal or merge.DEFAULT_RULE
    application = BundleApplication(
        code=code,
        bundle_code=bundle.code,
        bundle_name=bundle.name,
        hall_id=hall.id,
        hall_code=hall.code,
        region_path=hall.region_path,
        citizen_id=actor.id,
        lead_department_code=bundle.lead_department_code,
        on_refusal=rule,
        status=merge.combined(rule, [case.status for _, case in filed]),
        form={k: v for k, v in data.form.items() if v not in (None, "")},
        materials=given,
        submitted_at=now,
        parts=[
            BundlePart(
                position=i,
                item_code=item.code,
                item_name=item.name,
                department_code=case.department_code,
                case_no=case.case_no,
            )  # fmt: skip
            for i, (item, case) in enumerate(filed)
        ],
    )
    repo.add(application)
    repo.flush()
    notify_service.send(  # one receipt for the bundle (a part filed sends none of its own)
        session, template="bundle.received", params={"code": code, "bundle": bundle.name, "parts": len(filed)},
        now=now, citizen_id=application.citizen_id, ref_type="bundle", ref_id=code,
    )  # fmt: skip
    if application.status in merge.FINISHED:  # every part decided at once (instant approvals)
        _finish(session, application, now=now)
    return application


# --- the parts finishing ------------------------------------------------------------------------------------------


def _statuses(session: Session, application: BundleApplication) -> list[str]:
    return [case_service.case_status(session, p.case_no) or "withdrawn" for p in application.parts]


def _finish(session: Session, application: BundleApplication, *, now: datetime) -> None:
    application.finished_at = now
    granted = sum(1 for s in _statuses(session, application) if s in merge.GRANTED)
    notify_service.send(
        session,
        template=f"bundle.finished.{application.status}",
        params={
            "code": application.code,
            "bundle": application.bundle_name,
            "granted": granted,
            "total": len(application.parts),
        },  # fmt: skip
        now=now,
        citizen_id=application.citizen_id,
        ref_type="bundle",
        ref_id=application.code,
    )
    events.emit(  # evaluation invites the one rating of the bundle
        session, "bundle.finished", code=application.code, hall_code=application.hall_code, status=application.status
    )


def on_case_finished(session: Session, payload: dict[str, Any]) -> None:
    """A part's decision is made (inside its transaction): recompute the bundle; stop the rest under ``stop``; one
    notice when every part is finished."""
    from smarthall.core import runtime
    from smarthall.identity.actors import citizen_actor_by_id

    repo = ApplicationRepository(session)
    application = repo.of_case_locked(str(payload["case_no"]))
    if application is None or application.finished_at is not None:
        return
    rt = runtime.current()
    now = rt.clock.now()
    state = merge.combined(application.on_refusal, _statuses(session, application))
    application.status = state
    if state in merge.FINISHED:  # first: withdrawing the rest below re-enters this listener
        _finish(session, application, now=now)
    if state == "stopped":
        applicant = citizen_actor_by_id(application.citizen_id)
        desk = DocumentDesk.from_settings(rt.settings, rt.extras["signer"])
        note = translate("bundle.stop_note", "zh")
        for part in application.parts:
            if case_service.case_status(session, part.case_no) in merge.RUNNING:
                case = case_service.case_in_scope(session, applicant, case_no=part.case_no, to="act")
                case_service.act(session, applicant, case=case, data=ActionIn(action="withdraw", note=note),
                                 desk=desk, now=now)  # fmt: skip


# --- reading ------------------------------------------------------------------------------------------------------


def _may_read(actor: Actor) -> None:
    if actor.kind == "citizen":
        return
    if not (actor.is_staff and actor.has(COORDINATING)):
        raise BundleReadForbidden()


def get_application(session: Session, actor: Actor, *, code: str) -> BundleApplication:
    """The application ``actor`` may see (its citizen, staff of its hall), else 404 (403: another hall's staff)."""
    _may_read(actor)
    repo = ApplicationRepository(session)
    application = repo.by_code(actor, code)
    if application is not None:
        return application
    if actor.is_staff and repo.exists(code):
        raise BundleOutOfScope(detail={"code": code})
    raise BundleApplicationNotFound(detail={"code": code})


def list_applications(session: Session, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[BundleApplication]:
    """A citizen's own applications; the hall's for coordinating staff (newest first)."""
    _may_read(actor)
    return ApplicationRepository(session).listing(actor, limit=max(1, min(limit, 200)), offset=max(0, offset))


def application_view(
    session: Session, actor: Actor, application: BundleApplication, *, now: datetime
) -> dict[str, Any]:
    """The application with its parts side by side (department, case, status, due date, warning) and, once
    finished, the combined result: every licence issued by its parts."""
    parts = []
    documents: list[dict[str, Any]] = []
    for part in application.parts:
        case = case_service.case_in_scope(session, actor, case_no=part.case_no, now=now)
        read = case_service.read_case(session, actor, case=case, now=now, with_form=False)
        parts.append(
            {
                "item_code": part.item_code,
                "item_name": part.item_name,
                "department_code": part.department_code,
                "department_name": org_service.department_name(session, part.department_code),
                "case_no": part.case_no,
                "status": case.status,
                "promised_due_date": case.promised_due,
                "warning": case_service.warning(session, case, now=now),
                "finished_at": case.finished_at,
            }
        )
        for doc in read.get("documents") or []:
            if doc.get("kind") == "acceptance":
                continue  # the combined result is the parts' results, not their receipts
            documents.append({**doc, "case_no": part.case_no, "item_name": part.item_name})
    statuses = [p["status"] for p in parts]
    return {
        "code": application.code,
        "errand_code": errand_service.errand_of(session, "bundle", application.code),
        "bundle_code": application.bundle_code,
        "bundle_name": application.bundle_name,
        "hall_code": application.hall_code,
        "lead_department_code": application.lead_department_code,
        "lead_department_name": org_service.department_name(session, application.lead_department_code),
        "on_refusal": application.on_refusal,
        "status": application.status,
        "submitted_at": application.submitted_at,
        "finished_at": application.finished_at,
        "parts": parts,
        "granted": sum(1 for s in statuses if s in merge.GRANTED),
        "documents": documents if application.finished_at is not None else [],
        **closing.closure(session, application),
    }
