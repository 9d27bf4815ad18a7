"""Case pages: citizen declaration (pick item → form → materials → submit → timeline → result), case detail with
actions, the clerk acceptance queue and approver work list with due-date colours, and public verification."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from smarthall.cases import files as files_mod
from smarthall.cases import service
from smarthall.cases.schemas import ActionIn, CaseCreate, MaterialIn
from smarthall.catalog import service as catalog_service
from smarthall.core.clock import service_day
from smarthall.core.deps import CurrentActor, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.licences import service as licence_service
from smarthall.org import service as org_service
from smarthall.web.nav import Tile, register
from smarthall.web.templating import login_redirect, message_page, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

register(
    Tile(
        "case.accept",
        "/staff/cases",
        "受理队列",
        "Acceptance queue",
        "待受理、待补正办件与预审结果",
        "Cases to accept, with pre-check findings",
    )
)
register(
    Tile(
        "case.approve",
        "/staff/cases",
        "审批工作台",
        "Approval work list",
        "按时限颜色排序的待审批办件",
        "Cases to decide, coloured by due date",
    )
)

_HALL_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")


def _faults(exc: HallError) -> list[dict[str, Any]]:
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    faults = detail.get("faults") or []
    return faults or [{"message_zh": exc.message_zh_, "message_en": exc.message_en_}]


@router.get("/cases/new")
def new_case(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    item_code: Annotated[str | None, Query(max_length=32)] = None,
    hall_code: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if not actor.has("case.submit"):
        return message_page(request, 403, "仅群众本人可在线申报", "Only citizens can apply online")
    halls = org_service.list_halls(session)
    hall = next((h for h in halls if h.code == hall_code), None) or next(h for h in halls if h.level == "county")
    if not item_code:
        _, items = catalog_service.search_items(session, hall=hall, q=None, department_code=None, limit=500, offset=0)
        items.sort(key=lambda i: (not i.instant_approval_eligible, i.code))
        return render(request, "cases/pick.html", {"hall": hall, "halls": halls, "items": items})
    try:
        form = service.item_form(session, actor, item_code, now=now)
    except HallError as exc:
        return message_page(request, exc.status_, exc.message_zh_, exc.message_en_)
    return render(request, "cases/new.html", {"hall": hall, "form": form, "values": {}, "faults": []})


@router.post("/cases/new")
async def submit_case(
    request: Request, session: DbSession, actor: CurrentActor, now: Now, settings: SettingsDep
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if not actor.has("case.submit"):
        return message_page(request, 403, "仅群众本人可在线申报", "Only citizens can apply online")
    data = await request.form()
    item_code = str(data.get("item_code", ""))[:32]
    hall_code = str(data.get("hall_code", ""))[:32]
    try:
        spec = service.item_form(session, actor, item_code, now=now)
        hall = org_service.get_hall(session, hall_code)
    except HallError as exc:
        return message_page(request, exc.status_, exc.message_zh_, exc.message_en_)
    values = {f["name"]: str(data.get(f"f_{f['name']}", "")).strip() for f in spec["fields"]}
    form = {k: v for k, v in values.items() if v != ""}
    if data.get("save_draft"):
        try:
            service.save_draft(session, actor, item_code, form, hall_code=hall.code, now=now)
        except HallError as exc:
            session.rollback()
            return render(
                request,
                "cases/new.html",
                {"hall": hall, "form": spec, "values": values, "faults": _faults(exc)},
                status_code=422,
            )
        return render(
            request, "cases/new.html", {"hall": hall, "form": spec, "values": values, "faults": [], "draft_saved": True}
        )
    materials: list[MaterialIn] = []
    faults: list[dict[str, Any]] = []
    try:
        for m in spec["materials"]:
            upload = data.get(f"m_{m['code']}")
            if m["held_licence_id"] and data.get(f"use_licence_{m['code']}") == "on":
                materials.append(MaterialIn(material_code=m["code"], licence_id=m["held_licence_id"]))
            elif upload is not None and hasattr(upload, "read"):
                content = await upload.read(settings.upload_max_bytes + 1)
                if content:
                    row = files_mod.store(
                        session,
                        actor,
                        name=getattr(upload, "filename", "") or "upload",
                        data=content,
                        declared_type=getattr(upload, "content_type", None),
                        data_dir=settings.data_dir,
                        max_bytes=settings.upload_max_bytes,
                        now=now,
                    )
                    materials.append(MaterialIn(material_code=m["code"], file_id=row.id))
        case, _ = service.submit(
            session,
            actor,
            CaseCreate(item_code=item_code, hall_code=hall.code, form=form, materials=materials),
            now=now,
        )
    except HallError as exc:
        session.rollback()
        faults = _faults(exc)
    except ValidationError:
        session.rollback()
        faults = [{"message_zh": "提交内容格式有误", "message_en": "Malformed submission"}]
    if faults:
        return render(
            request, "cases/new.html", {"hall": hall, "form": spec, "values": values, "faults": faults}, status_code=422
        )
    return RedirectResponse(f"/cases/{case.case_no}", status_code=303)


@router.get("/cases")
def my_cases(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if actor.kind == "staff":
        return RedirectResponse("/staff/cases", status_code=303)
    cases = service.list_cases(session, actor)
    return render(request, "cases/mine.html", {"cases": cases, "status_zh": service.STATUS_ZH})


@router.get("/cases/{case_no}")
def case_page(case_no: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        case = service.get_case(session, case_no)
        service.ensure_can_read(session, actor, case)
    except HallError as exc:
        return message_page(request, exc.status_, exc.message_zh_, exc.message_en_)
    return _render_case(request, session, actor, case, now, [])


def _render_case(
    request: Request, session: DbSession, actor: Actor, case: Any, now: Any, faults: list[dict], status_code: int = 200
) -> Response:
    view = service.case_read(session, actor, case, now=now)
    item = catalog_service.get_item(session, case.item_code)
    return render(
        request,
        "cases/detail.html",
        {
            "case": view,
            "item": item,
            "faults": faults,
            "is_applicant": actor.kind == "citizen",
            "today": service_day(now),
        },
        status_code=status_code,
    )


@router.post("/cases/{case_no}/act")
async def case_act(
    case_no: str, request: Request, session: DbSession, actor: CurrentActor, now: Now, settings: SettingsDep
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    data = await request.form()
    action = str(data.get("action", ""))[:32]
    payload: dict[str, Any] = {"action": action}
    note = str(data.get("note", "")).strip()
    if note:
        payload["note"] = note[:1000]
    try:
        case = service.get_case(session, case_no)
        item = catalog_service.get_item(session, case.item_code)
        if action in ("supplement", "accept_tolerated"):
            missing = []
            for m in item.materials:
                if data.get(f"miss_{m.code}") == "on":
                    missing.append(
                        {
                            "material_code": m.code,
                            "reason": str(data.get(f"reason_{m.code}", "")).strip()[:300] or "请补正",
                        }
                    )
            payload["missing"] = missing
            if data.get("tolerated_until"):
                payload["tolerated_until"] = str(data.get("tolerated_until"))
        if action in ("resubmit", "supply"):
            materials = []
            for m in item.materials:
                upload = data.get(f"m_{m.code}")
                if upload is not None and hasattr(upload, "read"):
                    content = await upload.read(settings.upload_max_bytes + 1)
                    if content:
                        row = files_mod.store(
                            session,
                            actor,
                            name=getattr(upload, "filename", "") or "upload",
                            data=content,
                            declared_type=getattr(upload, "content_type", None),
                            data_dir=settings.data_dir,
                            max_bytes=settings.upload_max_bytes,
                            now=now,
                        )
                        materials.append({"material_code": m.code, "file_id": row.id})
            payload["materials"] = materials
        if action == "deliver":
            mode = str(data.get("mode", "electronic"))
            delivery: dict[str, Any] = {"mode": mode}
            for key in ("pickup_id_number", "tracking_no", "address"):
                if data.get(key):
                    delivery[key] = str(data.get(key))[:200]
            payload["delivery"] = delivery
        service.act(session, actor, case_no, ActionIn.model_validate(payload), now=now)
    except HallError as exc:
        session.rollback()
        try:
            case = service.get_case(session, case_no)
            service.ensure_can_read(session, actor, case)
        except HallError:
            return message_page(request, exc.status_, exc.message_zh_, exc.message_en_)
        return _render_case(request, session, actor, case, now, _faults(exc), status_code=exc.status_)
    except ValidationError:
        session.rollback()
        return message_page(request, 422, "操作参数有误", "The action's parameters are wrong")
    return RedirectResponse(f"/cases/{case_no}", status_code=303)


@router.get("/staff/cases")
def staff_cases(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if not actor.has("case.read"):
        return message_page(request, 403, "您的角色无权访问此页面", "Your role cannot open this page")
    today: date = service_day(now)
    if actor.role == "approver":
        statuses, title = ["review", "suspended"], ("审批工作台", "Approval work list")
    elif actor.role == "clerk":
        statuses, title = ["submitted", "supplement", "approved"], ("受理队列", "Acceptance queue")
    else:
        statuses, title = None, ("办件总览", "All cases")
    cases = service.list_cases(session, actor, status=statuses)
    rows = [{"case": c, "warning": service.warning(session, c, today)} for c in cases]
    return render(request, "cases/staff.html", {"rows": rows, "title": title, "status_zh": service.STATUS_ZH})


@router.get("/verify/{token}")
def verify_page(token: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    result = licence_service.verify(session, token[:64])
    return render(request, "cases/verify.html", {"result": result, "doc": result.document})
