"""Helper pages: the work list of help requests (mine and my hall's) with one-tap actions, and the proxy
authorizations page (the entrustor confirms; a desk sends the entrustor's code or registers a signed paper form after
checking the entrustor's identity; the agent and the desk move the work on)."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from smarthall.assist import service
from smarthall.assist.proxies import MAX_SIGNATURE_BYTES, PROXY_STATUS_TEXT
from smarthall.assist.schemas import IdentityCheckIn
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.masking import mask_name
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.web.templating import error_page, gate, render, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

HELP_STATUS_TEXT = {
    "open": ("待分派", "Waiting for a helper"),
    "assigned": ("已分派", "Assigned"),
    "in_progress": ("帮办中", "In progress"),
    "done": ("已完成", "Done"),
    "cancelled": ("已取消", "Cancelled"),
}
SOURCE_TEXT = {
    "kiosk": ("自助终端", "Kiosk"),
    "guide_desk": ("导服台", "Guide desk"),
    "web": ("网上", "Online"),
    "window": ("窗口", "Window"),
    "video": ("视频", "Video call"),
}
ACT_TEXT = {
    "consult": ("咨询", "consult"),
    "declare": ("申报", "declare"),
    "submit_materials": ("提交材料", "submit materials"),
    "sign": ("签字", "sign"),
    "collect_result": ("领取结果", "collect the result"),
}
VIA_TEXT = {
    "login": ("本人登录确认", "own login"),
    "code": ("手机确认码", "code on phone"),
    "paper": ("纸质授权书", "paper form"),
}
METHOD_TEXT = {
    "id_card_reader": ("读卡器读取身份证", "ID card reader"),
    "id_card_visual": ("核对身份证原件", "ID card checked by eye"),
    "face_match": ("人证比对", "face match"),
}
LABELS = {
    "help": HELP_STATUS_TEXT,
    "source": SOURCE_TEXT,
    "proxy": PROXY_STATUS_TEXT,
    "act": ACT_TEXT,
    "via": VIA_TEXT,
    "method": METHOD_TEXT,
}


@router.get("/assist/work")
def work_list(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (refused := gate(request, actor, "assist.handle")) is not None:
        return refused
    rows = service.list_help_requests(session, actor)
    live = [r for r in rows if r.status in ("open", "assigned", "in_progress")]
    mine = [r for r in live if r.assigned_staff_id == actor.id]
    others = [r for r in live if r.assigned_staff_id != actor.id]
    finished = [r for r in rows if r.status in ("done", "cancelled")][:20]
    staff = service.helper_names(session, {r.assigned_staff_id for r in rows if r.assigned_staff_id})
    names = {sid: mask_name(s.name) for sid, s in staff.items()}
    return render(
        request,
        "assist/work.html",
        {"mine": mine, "others": others, "finished": finished, "names": names, "labels": LABELS},
    )


@router.post("/assist/work/{request_id}")
def work_action(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    request_id: DbId,
    action: Annotated[str, Form(pattern="^(assign|start|finish|cancel|link)$")],
    ticket_ref: Annotated[str, Form(max_length=64)] = "",
    case_ref: Annotated[str, Form(max_length=64)] = "",
    to_me: Annotated[int, Form(ge=0, le=1)] = 0,
) -> Response:
    if (refused := gate(request, actor, "assist.handle")) is not None:
        return refused
    return write_then_go(
        request,
        session,
        lambda: service.act_on_help_request(
            session,
            actor,
            request_id,
            action=action,
            staff_id=actor.id if to_me else None,
            ticket_ref=ticket_ref or None,
            case_ref=case_ref or None,
            now=now,
        ),
        lambda _: "/assist/work",
    )


@router.get("/assist/proxy")
def proxy_list(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """Proxy authorizations the signed-in person is party to (entrustor, agent) or manages at the desk."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return RedirectResponse("/login?next=/assist/proxy", status_code=303)
    rows = service.proxy_reads(session, service.list_proxies(session, actor))
    desk = actor.is_staff and actor.has("proxy.manage")
    return render(request, "assist/proxy.html", {"rows": rows, "me": actor, "desk": desk, "labels": LABELS})


@router.post("/assist/proxy/{proxy_id}")
def proxy_action(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    proxy_id: DbId,
    action: Annotated[
        str, Form(pattern="^(send_code|confirm|register_paper|start|suspend|resume|complete|terminate)$")
    ],
    code: Annotated[str, Form(max_length=8)] = "",
    method: Annotated[str, Form(pattern="^(|id_card_reader|id_card_visual|face_match)$")] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    scan: Annotated[UploadFile | None, File()] = None,
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return RedirectResponse("/login?next=/assist/proxy", status_code=303)
    check = None
    image = None
    if action == "register_paper":
        if method and len(id_number.strip()) >= 15:
            check = IdentityCheckIn(method=method, id_number=id_number.strip())  # type: ignore[arg-type]
        if scan is not None:
            raw = scan.file.read(MAX_SIGNATURE_BYTES + 1)
            image = base64.b64encode(raw).decode() if raw else None
    try:
        # no savepoint around it: the service refuses before it writes, except where a refusal itself must stay
        # recorded (a wrong code counts towards the limit, a failed identity check is audited) — those it keeps.
        service.act_on_proxy(
            session,
            actor,
            proxy_id,
            action=action,
            code=code.strip() or None,
            signature_png_base64=image,
            identity_check=check,
            now=now,
        )
    except HallError as exc:
        return error_page(request, exc)
    return RedirectResponse("/assist/proxy", status_code=303)
