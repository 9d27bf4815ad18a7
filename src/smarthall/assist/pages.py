"""Helper pages: the work list of help requests (mine and my hall's) with one-tap actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.assist import service
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.masking import mask_name
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.web.nav import Tile, register
from smarthall.web.templating import error_page, gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
register(Tile("proxy.manage", "/assist/proxy", "代办授权", "Proxy authorizations", "登记与跟踪代办", "Register, track"))
register(Tile("assist.handle", "/assist/work", "帮办工作台", "Help requests", "我的帮办任务和待分派请求", "My tasks"))


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
        {"mine": mine, "others": others, "finished": finished, "names": names},
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
    try:
        service.act_on_help_request(
            session,
            actor,
            request_id,
            action=action,
            staff_id=actor.id if to_me else None,
            ticket_ref=ticket_ref or None,
            case_ref=case_ref or None,
            now=now,
        )
    except HallError as exc:
        return error_page(request, exc)
    return RedirectResponse("/assist/work", status_code=303)


@router.get("/assist/proxy")
def proxy_list(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """Proxy authorizations the signed-in person is party to (entrustor, agent) or manages at the desk."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return RedirectResponse("/login?next=/assist/proxy", status_code=303)
    rows = service.list_proxies(session, actor)
    return render(request, "assist/proxy.html", {"rows": rows, "me": actor})


@router.post("/assist/proxy/{proxy_id}")
def proxy_action(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    proxy_id: DbId,
    action: Annotated[str, Form(pattern="^(confirm|start|suspend|resume|complete|terminate)$")],
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return RedirectResponse("/login?next=/assist/proxy", status_code=303)
    try:
        service.act_on_proxy(session, actor, proxy_id, action=action, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return RedirectResponse("/assist/proxy", status_code=303)
