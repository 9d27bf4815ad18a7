"""The self-service pages of Annex B at a kiosk (``/kiosk/{hall}/self…``): one visit per citizen, held in an HttpOnly
cookie, each step with a help button, the inactivity timeout, large text, and "go to window N" when a step fails."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from smarthall.cases import service as cases_service
from smarthall.cases.schemas import CaseCreate, MaterialIn
from smarthall.core.clock import service_day
from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.licences.deps import Desk
from smarthall.org import service as org_service
from smarthall.queueing import service as queueing_service
from smarthall.venue import cardreader, selfservice
from smarthall.venue import service as venue_service
from smarthall.venue.errors import VenueInvalid
from smarthall.web.templating import denied, login_redirect, message_page, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
VISIT_COOKIE = "smarthall_kiosk_visit"
# The identify and form steps may use the kiosk's camera (same origin); every other page keeps "no camera".
CAMERA_PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=()"


async def _posted(request: Request) -> FormData:
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted)]


def _allowed(actor: Actor, hall_code: str) -> bool:
    return actor.kind == "device" and actor.has("venue.self_service") and actor.hall_code == hall_code


def _page(request: Request, session: DbSession, visit: selfservice.Visit | None, step: str, **ctx: Any) -> Response:
    hall = org_service.find_hall(session, request.path_params["hall_code"])
    item_code = visit.row.item_code if visit else None
    context = {
        "hall": hall,
        "step": step,
        "steps": selfservice.STEPS[:-1],
        "words": selfservice.STEP_WORDS,
        "speak_prompts": selfservice.SPEAK_PROMPTS,
        "visit": visit,
        "large": bool(visit and visit.row.large) or request.query_params.get("large") == "1",
        "fallback": selfservice.fallback_window(session, hall, item_code) if hall else None,
        "reader": cardreader.current(),
        "idle_seconds": selfservice.idle_seconds(session, visit.device) if visit else 90,
        "error": None,
        **ctx,
    }
    status = int(ctx.pop("status_code", 0) or getattr(ctx.get("error"), "status_", 200))
    context.pop("status_code", None)
    response = render(request, "venue/self.html", context, status_code=status)
    if step in ("identify", "form"):  # the kiosk's own camera scans the phone code and photographs materials
        response.headers["Permissions-Policy"] = CAMERA_PERMISSIONS
    return response


def _visit(request: Request, session: DbSession, actor: Actor, now: Any) -> selfservice.Visit | None:
    return selfservice.resume(session, actor, request.cookies.get(VISIT_COOKIE), now=now)


def _set_cookie(response: Response, token: str) -> None:
    response.set_cookie(VISIT_COOKIE, token, httponly=True, samesite="strict", path="/kiosk/")


def _opened(
    hall_code: str, request: Request, session: DbSession, actor: Actor, now: Any
) -> selfservice.Visit | None | Response:
    """The visit open on this kiosk (None: nobody yet), or the refusal when this is no self-service kiosk here."""
    request.state.actor = actor
    if not _allowed(actor, hall_code):
        return denied(request, actor)
    return _visit(request, session, actor, now)


def _identified(
    hall_code: str, request: Request, session: DbSession, actor: Actor, now: Any
) -> selfservice.Visit | Response:
    """The visit of an identified citizen, or back to identification (or the refusal)."""
    visit = _opened(hall_code, request, session, actor, now)
    if visit is None or (not isinstance(visit, Response) and visit.row.citizen_id is None):
        return _go(hall_code, "?large=1" if request.query_params.get("large") == "1" else "")  # keeps large text
    return visit


def _go(hall_code: str, where: str) -> RedirectResponse:
    return RedirectResponse(f"/kiosk/{hall_code}/self{where}", status_code=303)


@router.get("/kiosk/{hall_code}/self")
def start(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    visit = _opened(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    if visit is not None and visit.row.citizen_id is not None:
        return _go(
            hall_code,
            {"item": "/items", "form": "/form", "result": "/result", "rate": "/result"}.get(visit.row.step, "/items"),
        )
    token = None
    if visit is None:
        visit, token = selfservice.start(session, actor, now=now)
        visit.row.large = request.query_params.get("large") == "1"
    response = _page(request, session, visit, "identify")
    if token:
        _set_cookie(response, token)
    return response


@router.post("/kiosk/{hall_code}/self/identify")
def identify(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
    how: Annotated[str, Form(max_length=12)] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    visit = _opened(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    if visit is None:
        return _go(hall_code, "")
    try:
        with attempt(session):
            if how == "card":
                read = cardreader.current().read(id_number)
                if read is None:
                    return _page(request, session, visit, "identify", reader_failed=True)
                selfservice.identify_by_card(session, visit, read)
            elif how == "send":
                masked = selfservice.send_code(session, visit, id_number, now=now)
                return _page(request, session, visit, "identify", code_sent=masked, id_number=id_number)
            elif how == "verify":
                pass  # below, outside this block: a wrong code is counted and the count kept
            elif how == "qr":
                selfservice.identify_by_phone_qr(session, visit, request.app.state.secret_key, token, now=now)
            else:
                return _go(hall_code, "")
        if how == "verify":
            selfservice.verify_code(session, visit, code, now=now)
    except HallError as exc:
        return _page(request, session, visit, "identify", error=exc, code_sent=how == "verify", id_number=id_number)
    return _go(hall_code, "/items")


@router.get("/kiosk/{hall_code}/self/items")
def items(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    visit = _identified(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    hall = selfservice.hall_of(session, visit)
    counts = queueing_service.item_counts(session, hall.id, service_day(now) - timedelta(days=30))
    query = request.query_params
    menu = venue_service.kiosk_menu(session, hall, q=query.get("q", ""), event=query.get("event", ""), counts=counts)
    return _page(request, session, visit, "item", **menu)


@router.get("/kiosk/{hall_code}/self/form")
def form(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    visit = _identified(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    item_code = request.query_params.get("item") or visit.row.item_code or ""
    try:
        with attempt(session):
            selfservice.choose_item(session, visit, item_code[:32])
        spec = cases_service.item_form(session, visit.citizen_actor, item_code=item_code, now=now)
    except HallError as exc:
        return _page(request, session, visit, "item", error=exc, unavailable=True)
    return _page(request, session, visit, "form", form=spec, values={}, faults=[])


@router.post("/kiosk/{hall_code}/self/form")
def submit(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
    desk: Desk,
    data: PostedForm,
) -> Response:
    visit = _opened(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    if visit is None or visit.row.citizen_id is None or not visit.row.item_code:
        return _page(request, session, None, "identify", error=selfservice.SessionGone())
    citizen = visit.citizen_actor
    spec = cases_service.item_form(session, citizen, item_code=visit.row.item_code, now=now)
    values = {f["name"]: str(data.get(f"f_{f['name']}", "")).strip() for f in spec["fields"]}
    filled = {k: v for k, v in values.items() if v != ""}
    try:
        with attempt(session):
            materials: list[MaterialIn] = []
            for m in spec["materials"]:
                if m["held_licence_id"] and data.get(f"use_licence_{m['code']}") == "on":
                    materials.append(MaterialIn(material_code=m["code"], licence_id=m["held_licence_id"]))
                    continue
                upload = data.get(f"m_{m['code']}")
                if isinstance(upload, UploadFile):
                    content = upload.file.read(settings.upload_max_bytes + 1)
                    if content:
                        row = cases_service.store_file(
                            session, citizen, name=upload.filename or "scan", data=content,
                            declared_type=upload.content_type, data_dir=settings.data_dir,
                            max_bytes=settings.upload_max_bytes, now=now,
                        )  # fmt: skip
                        materials.append(MaterialIn(material_code=m["code"], file_id=row.id))
            filed = CaseCreate(item_code=visit.row.item_code, hall_code=hall_code, form=filled, materials=materials)
            submitted = cases_service.submit(session, citizen, data=filed, desk=desk, now=now)
    except ValidationError as exc:
        bad = VenueInvalid("提交的内容格式有误,请检查后重试", "The submission is malformed", detail=str(exc)[:300])
        return _page(request, session, visit, "form", form=spec, values=values, faults=[], error=bad)
    except HallError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        faults = detail.get("faults") or []
        return _page(request, session, visit, "form", form=spec, values=values, faults=faults, error=exc)
    visit.row.case_no, visit.row.step = submitted.case.case_no, "result"
    return _go(hall_code, "/result")


def _case(session: DbSession, visit: selfservice.Visit, now: Any) -> dict[str, Any] | None:
    if not visit.row.case_no:
        return None
    case = cases_service.case_in_scope(session, visit.citizen_actor, case_no=visit.row.case_no)
    return cases_service.read_case(session, visit.citizen_actor, case=case, now=now, with_form=False)


@router.get("/kiosk/{hall_code}/self/result")
def result(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    visit = _identified(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    case = _case(session, visit, now)
    if case is None:
        return _go(hall_code, "/items")
    link = str(request.base_url).rstrip("/") + f"/cases/{case['case_no']}"
    qr = segno.make(link, micro=False).svg_inline(scale=7)  # ≈ 260 px: scanned from arm's length
    rated = request.query_params.get("rated") == "1"
    return _page(request, session, visit, "result", case=case, link=link, qr=qr, rated=rated)


@router.post("/kiosk/{hall_code}/self/rate")
def rate(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
    level: Annotated[int, Form(ge=1, le=5)] = 5,
) -> Response:
    visit = _opened(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    if visit is None or not visit.row.case_no:
        return _go(hall_code, "")
    try:
        with attempt(session):
            selfservice.rate(session, actor, visit, settings, level, now=now)
    except HallError as exc:
        case = _case(session, visit, now)
        return _page(request, session, visit, "result", case=case, error=exc, link="", qr="")
    visit.row.step = "rate"
    return _go(hall_code, "/result?rated=1")


@router.get("/kiosk/{hall_code}/self/help")
def help_request(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """The help button of every step (also on the ticket menu): a helper is called to this kiosk."""
    request.state.actor = actor
    if actor.kind != "device" or actor.hall_code != hall_code or not actor.has("assist.request"):
        return denied(request, actor)
    step = (request.query_params.get("step") or "menu")[:16]
    visit = _visit(request, session, actor, now) if actor.has("venue.self_service") else None
    try:
        with attempt(session):
            row = selfservice.ask_for_help(session, actor, visit, step=step, now=now)
    except HallError as exc:
        return _page(request, session, visit, step, error=exc)
    return _page(request, session, visit, "help", help=row, from_step=step)


@router.post("/kiosk/{hall_code}/self/end")
def end(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """The citizen leaves, or the inactivity timeout fired: the visit ends and the screen goes back to the menu."""
    visit = _opened(hall_code, request, session, actor, now)
    if isinstance(visit, Response):
        return visit
    if visit is not None:
        selfservice.end(visit, by=request.query_params.get("by", "citizen")[:16], now=now)
    response = RedirectResponse(f"/kiosk/{hall_code}", status_code=303)
    response.delete_cookie(VISIT_COOKIE, path="/kiosk/")
    return response


# ------------------------------------------------------------------------------------- the citizen's phone (Annex B)


@router.get("/me/kiosk-code")
def kiosk_code(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """The citizen's identity code for a self-service kiosk: a QR to hold to the kiosk's scanner and the same code
    in letters to type there, valid about two minutes; the page renews it every minute."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if actor.kind != "citizen" or actor.id is None:
        return message_page(request, 403, "仅群众本人可出示身份码", "Only a citizen has an identity code",
                            code="citizen_only")  # fmt: skip
    code = selfservice.phone_qr_token(request.app.state.secret_key, int(actor.id), now=now)
    qr = segno.make(code, micro=False).svg_inline(scale=8)
    valid_to = now + timedelta(seconds=selfservice.QR_SECONDS)
    context = {"code": code, "qr": qr, "valid_to": valid_to, "renew_in": selfservice.QR_SECONDS}
    return render(request, "venue/phone_code.html", context)
