"""Errand pages (一件一码): the citizen's errand list, one errand's thread (citizen and staff views, each in scope), and
the window's panel of the served person's open errands with the one-click next step."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smarthall.core.deps import CurrentActor, DbId, DbSession
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.errands import service
from smarthall.web.templating import error_page, login_redirect, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/errands")
def errand_list(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        errands = [service.summary(session, e) for e in service.my_errands(session, actor)]
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "errands/list.html", {"errands": errands})


@router.get("/errands/{errand_code}")
def errand_page(errand_code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        errand = service.get_errand(session, actor, errand_code[:24])
    except HallError as exc:
        return error_page(request, exc)
    view = service.errand_read(session, actor, errand)
    return render(request, "errands/detail.html", {"errand": view, "staff": actor.kind != "citizen"})


@router.get("/window/tickets/{ticket_id}/errands")
def ticket_panel(ticket_id: DbId, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """The served person's open errands, shown on the window page (an HTML fragment)."""
    request.state.actor = actor
    try:
        rows = service.for_ticket(session, actor, ticket_id)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "errands/ticket_panel.html", {"rows": rows, "ticket_id": ticket_id})
