"""Case pages: citizen declaration (pick item → form → materials → submit → timeline → result), case detail with
actions, the clerk acceptance queue and approver work list with due-date colours, and public verification.

Every page is a sync endpoint of ``UnitOfWorkRoute`` (database work and PDF rendering never run on the event loop;
a posted form is read by an async dependency first). A write that fails shows its faults through
``RenderAfterRollback``: the unit of work is rolled back, then the page is rendered.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as FormFile

from smarthall.cases import agents, flows, notices, service, viewer
from smarthall.cases import files as files_mod
from smarthall.cases.files import store_form_upload
from smarthall.cases.models import Case
from smarthall.cases.schemas import ActionIn, CaseCreate, MaterialIn
from smarthall.catalog import service as catalog_service
from smarthall.core.clock import service_day
from smarthall.core.config import Settings
from smarthall.core.deps import CurrentActor, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.i18n import translate
from smarthall.core.routing import RenderAfterRollback, UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.licences import service as licence_service
from smarthall.licences.deps import Desk
from smarthall.org import service as org_service
from smarthall.web.templating import error_page, faults_of, login_redirect, message_page, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


async def _posted(request: Request) -> FormData:
    """The posted form, files included (read on the event loop; the endpoint reads the spooled files itself)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted)]


def _words(key: str) -> tuple[str, str]:
    return translate(f"case.page.{key}", "zh"), translate(f"case.page.{key}", "en")


def _message(request: Request, status: int, key: str) -> Response:
    return message_page(request, status, *_words(key))


def _kept_file(session: DbSession, actor: Actor, data: FormData, code: str) -> dict[str, str] | None:
    """The file of an earlier, failed try still ticked as kept (``kept_<code>``), when it is the actor's own."""
    file_id = str(data.get(f"kept_{code}", ""))[:32]
    if not file_id:
        return None
    name = files_mod.own_file_name(session, actor, file_id)
    return {"id": file_id, "name": name} if name is not None else None


@router.get("/cases/new")
def new_case(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    item_code: Annotated[str | None, Query(max_length=32)] = None,
    hall_code: Annotated[str | None, Query(max_length=32)] = None,
    proxy_id: Annotated[int | None, Query(alias="for", ge=1, le=2**63 - 1)] = None,
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if not actor.has("case.submit"):
        return _message(request, 403, "citizens_only")
    halls = org_service.list_halls(session)
    hall = next((h for h in halls if h.code == hall_code), None) or next(h for h in halls if h.level == "county")
    if proxy_id is not None:  # 为他人办理: the entrustor's form, under the authorization chosen
        try:
            _, form = agents.agent_form(session, actor, proxy_id=proxy_id, item_code=item_code or "",
                                         hall_code=hall.code, now=now)  # fmt: skip
        except HallError as exc:
            return agent_refusal(request, exc)
        context = {"hall": hall, "form": form, "values": {}, "faults": [], "agent_for": proxy_id}
        return render(request, "cases/new.html", context)
    if not item_code:
        _, items = catalog_service.search_items(session, hall=hall, q=None, department_code=None, limit=500, offset=0)
        items.sort(key=lambda i: (not i.instant_approval_eligible, i.code))
        return render(request, "cases/pick.html", {"hall": hall, "halls": halls, "items": items})
    try:
        form = service.item_form(session, actor, item_code=item_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "cases/new.html", {"hall": hall, "form": form, "values": {}, "faults": []})


@router.post("/cases/new")
def submit_case(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
    desk: Desk,
    data: PostedForm,
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if not actor.has("case.submit"):
        return _message(request, 403, "citizens_only")
    item_code = str(data.get("item_code", ""))[:32]
    hall_code = str(data.get("hall_code", ""))[:32]
    proxy_id = _proxy_id(data)
    entrustor: int | None = None
    try:
        hall = org_service.get_hall(session, hall_code)
        if proxy_id is None:
            spec = service.item_form(session, actor, item_code=item_code, now=now)
        else:
            entrustor, spec = agents.agent_form(session, actor, proxy_id=proxy_id, item_code=item_code,
                                                 hall_code=hall_code, now=now)  # fmt: skip
    except HallError as exc:
        return agent_refusal(request, exc) if proxy_id is not None else error_page(request, exc)
    values = {f["name"]: str(data.get(f"f_{f['name']}", "")).strip() for f in spec["fields"]}
    form = {k: v for k, v in values.items() if v != ""}

    def again(faults: list[dict[str, Any]]) -> RenderAfterRollback:
        def page() -> Response:
            # The files attached to the failed try are stored again (the rollback undid them) and offered as kept.
            context = {"hall": hall, "form": spec, "values": values, "faults": faults, "kept": _keep(spec, data),
                       "agent_for": proxy_id}  # fmt: skip
            return render(request, "cases/new.html", context, status_code=422)

        return RenderAfterRollback(page)

    def _keep(spec: dict[str, Any], data: FormData) -> dict[str, dict[str, str]]:
        kept: dict[str, dict[str, str]] = {}
        for m in spec["materials"]:
            upload = data.get(f"m_{m['code']}")
            try:
                if isinstance(upload, FormFile):
                    upload.file.seek(0)
                    if (file_id := store_form_upload(session, actor, upload, settings, now)) is not None:
                        kept[m["code"]] = {"id": file_id, "name": upload.filename or ""}
                        continue
                if (held := _kept_file(session, actor, data, m["code"])) is not None:
                    kept[m["code"]] = held
            except HallError:
                continue
        return kept

    if data.get("save_draft") and proxy_id is None:
        try:
            service.save_draft(session, actor, item_code=item_code, form=form, hall_code=hall.code, now=now)
        except HallError as exc:
            raise again(faults_of(exc)) from exc
        context = {"hall": hall, "form": spec, "values": values, "faults": [], "draft_saved": True}
        return render(request, "cases/new.html", context)
    try:
        materials: list[MaterialIn] = []
        for m in spec["materials"]:
            if m["held_licence_id"] and data.get(f"use_licence_{m['code']}") == "on":
                materials.append(MaterialIn(material_code=m["code"], licence_id=m["held_licence_id"]))
            elif (file_id := store_form_upload(session, actor, data.get(f"m_{m['code']}"), settings, now)) is not None:
                materials.append(MaterialIn(material_code=m["code"], file_id=file_id))
            elif (held := _kept_file(session, actor, data, m["code"])) is not None:
                materials.append(MaterialIn(material_code=m["code"], file_id=held["id"]))
        filed = CaseCreate(item_code=item_code, hall_code=hall.code, form=form, materials=materials,
                           entrustor_citizen_id=entrustor)  # fmt: skip
        submitted = service.submit(session, actor, data=filed, desk=desk, now=now)
    except (HallError, ValidationError) as exc:
        raise again(faults_of(exc)) from exc
    return RedirectResponse(f"/cases/{submitted.case.case_no}", status_code=303)


def _proxy_id(data: FormData) -> int | None:
    raw = str(data.get("agent_for", ""))[:18]
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def _reason_words(reason: str) -> tuple[str, str]:
    key = f"case.page.proxy_reason.{reason}"
    return _words(f"proxy_reason.{reason}") if translate(key, "zh") != key else (reason, reason)


def agent_refusal(request: Request, exc: HallError) -> Response:
    """An agent refused outside the authorization: the refusal and each reason in words (403/404)."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    reasons = [str(r) for r in detail.get("reasons") or []]
    lines = [_reason_words(r) for r in reasons]
    context = {"title": (exc.message_zh_, exc.message_en_), "reasons": lines, "code": exc.code_}
    return render(request, "cases/agent_refused.html", context, status_code=exc.status_)


@router.get("/agent/entrustors")
def act_for_others(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """为他人办理: the authorizations the citizen holds as an agent, each item a link to the entrustor's form when
    the authorization is in force, else why not (in words)."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if actor.kind != "citizen" or not actor.has("case.submit"):
        return _message(request, 403, "citizens_only")
    held = agents.held_authorizations(session, actor, now)
    for row in held:
        row["reason_words"] = [_reason_words(r) for r in row["reasons"]]
    filed = agents.filed_for_others(session, actor, now=now)
    return render(request, "cases/agent_for.html", {"held": held, "filed": filed})


@router.get("/cases")
def my_cases(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if actor.kind == "staff":
        return RedirectResponse("/staff/cases", status_code=303)
    cases = service.list_cases(session, actor)
    return render(request, "cases/mine.html", {"cases": cases, "status_zh": notices.status_words()})


@router.get("/cases/{case_no}")
def case_page(case_no: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        case = service.case_in_scope(session, actor, case_no=case_no[:48], now=now)
    except HallError as exc:
        return error_page(request, exc)
    return _render_case(request, session, actor, case, now, [])


def _render_case(
    request: Request,
    session: DbSession,
    actor: Actor,
    case: Case,
    now: datetime,
    faults: list[dict[str, Any]],
    status_code: int = 200,
) -> Response:
    view = service.read_case(session, actor, case=case, now=now)
    as_agent = actor.kind == "citizen" and actor.id != case.citizen_id
    if as_agent:  # the entrustor's agent: the applicant's actions its authorization covers
        view["actions"] = agents.agent_actions(session, actor, case, now=now)
    item = catalog_service.get_item(session, case.item_code)
    context = {
        "case": view,
        "item": item,
        "faults": faults,
        "is_applicant": actor.kind == "citizen",
        "as_agent": as_agent,
        "today": service_day(now),
        "tolerated_default": service.tolerated_deadline(session, case, now=now),
        "viewer": viewer.materials(session, case, list(item.materials)) if actor.is_staff else None,
        "departments": org_service.department_names(session),
        "fee": flows.fee_of(session, case) if case.status not in ("rejected", "refused", "withdrawn") else None,
    }
    return render(request, "cases/detail.html", context, status_code=status_code)


def _action_payload(
    session: DbSession, actor: Actor, case: Case, data: FormData, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The action form as an ``ActionIn`` payload (missing items, uploads stored as materials, delivery)."""
    action = str(data.get("action", ""))[:32]
    payload: dict[str, Any] = {"action": action}
    note = str(data.get("note", "")).strip()
    if note:
        payload["note"] = note[:1000]
    item = catalog_service.get_item(session, case.item_code)
    if action in ("supplement", "accept_tolerated"):
        default_reason = translate("case.page.default_reason", "zh")
        payload["missing"] = [
            {"material_code": m.code, "reason": str(data.get(f"reason_{m.code}", "")).strip()[:300] or default_reason}
            for m in item.materials
            if data.get(f"miss_{m.code}") == "on"
        ]
        if action == "supplement":  # items the catalog does not list: a free label and its reason
            for n in range(1, 4):
                if extra := str(data.get(f"extra_label_{n}", "")).strip()[:100]:
                    reason = str(data.get(f"extra_reason_{n}", "")).strip()[:300] or default_reason
                    payload["missing"].append({"label": extra, "reason": reason})
        if data.get("tolerated_until"):
            payload["tolerated_until"] = str(data.get("tolerated_until"))
    if action in ("resubmit", "supply"):
        payload["materials"] = [
            {"material_code": m.code, "file_id": file_id}
            for m in item.materials
            if (file_id := store_form_upload(session, actor, data.get(f"m_{m.code}"), settings, now)) is not None
        ]
    if action == "deliver":
        delivery: dict[str, Any] = {"mode": str(data.get("mode", "electronic"))}
        for key in ("pickup_id_number", "tracking_no", "address", "proxy_name", "proxy_id_number"):
            if data.get(key):
                delivery[key] = str(data.get(key))[:200]
        if str(data.get("proxy_authorization_id", "")).isdigit():  # a proxy collects (代领): their authorization
            delivery["proxy_authorization_id"] = int(str(data.get("proxy_authorization_id"))[:18])
        payload["delivery"] = delivery
    return payload


@router.post("/cases/{case_no}/act")
def case_act(
    case_no: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
    desk: Desk,
    data: PostedForm,
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    case_no = case_no[:48]

    def with_faults(exc: HallError) -> Response:
        try:
            case = service.case_in_scope(session, actor, case_no=case_no, now=now)
        except HallError:
            return error_page(request, exc)
        return _render_case(request, session, actor, case, now, faults_of(exc), status_code=exc.status_)

    try:
        case = service.case_in_scope(session, actor, case_no=case_no, to="act", now=now)
        payload = _action_payload(session, actor, case, data, settings, now)
        service.act(session, actor, case=case, data=ActionIn.model_validate(payload), desk=desk, now=now)
    except HallError as exc:
        raise RenderAfterRollback(partial(with_faults, exc)) from exc
    except ValidationError as exc:
        raise RenderAfterRollback(lambda: _message(request, 422, "malformed_action")) from exc
    return RedirectResponse(f"/cases/{case_no}", status_code=303)


@router.get("/staff/cases")
def staff_cases(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if not actor.has("case.read"):
        return _message(request, 403, "role_cannot_open")
    if actor.role == "approver":
        statuses, title = ["review", "suspended"], _words("work_list")
    elif actor.role == "clerk":
        statuses, title = ["submitted", "supplement", "approved"], _words("acceptance_queue")
    else:
        statuses, title = None, _words("all_cases")
    cases = service.list_cases(session, actor, status=statuses)
    rows = [
        {"case": c, "warning": service.warning(session, c, now=now), "steps": _my_steps(session, actor, c, now)}
        for c in cases
    ]
    context = {
        "rows": rows,
        "title": title,
        "status_zh": notices.status_words(),
        "status_en": notices.status_words("en"),
        "departments": org_service.department_names(session),
    }
    return render(request, "cases/staff.html", context)


def _my_steps(session: DbSession, actor: Actor, case: Case, now: datetime) -> list[dict[str, Any]]:
    """The case's current steps as this work list shows them: an approver sees its own department's step."""
    steps = service.current_steps(session, case, now=now)
    if actor.role == "approver" and actor.department_code:
        return [s for s in steps if s["department_code"] == actor.department_code] or steps
    return steps


@router.get("/verify/{token}")
def verify_page(token: str, request: Request, session: DbSession, actor: CurrentActor, desk: Desk) -> Response:
    request.state.actor = actor
    result = licence_service.verify(session, desk.signer, token[:64])
    words = notices.title_words(result.document.title) if result.document is not None else None  # issue 16
    return render(request, "cases/verify.html", {"result": result, "doc": result.document, "title_words": words})
