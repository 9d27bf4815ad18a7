"""Coordination pages: the citizen's page of who looked up their data (数据调用记录)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smarthall.coordination import service
from smarthall.core.deps import CurrentActor, DbSession
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.web.templating import error_page, login_redirect, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/me/data-lookups")
def my_lookups_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        rows = service.my_lookups(session, actor)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "coordination/lookups.html", {"rows": rows})
