"""Operations pages for the hall manager: the live console (SSE), the forecast and the staffing plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smarthall.core.clock import service_day
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.operations import service
from smarthall.web.templating import error_page, gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
Hall = Annotated[str | None, Query(alias="hall", max_length=32)]


@router.get("/operations/live")
def live_page(request: Request, session: DbSession, actor: CurrentActor, now: Now, hall: Hall = None) -> Response:
    if (denied := gate(request, actor, "operations.live")) is not None:
        return denied
    try:
        data = service.live(session, actor, hall or actor.hall_code or "", now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "operations/live.html", {"data": data, "can_act": actor.has("operations.dispatch")})


@router.get("/operations/forecast")
def forecast_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall: Hall = None,
    days: Annotated[int, Query(ge=1, le=14)] = 14,
) -> Response:
    if (denied := gate(request, actor, "operations.plan")) is not None:
        return denied
    try:
        data = service.forecast(session, actor, hall or actor.hall_code or "", days, now)
    except HallError as exc:
        return render(request, "operations/forecast.html", {"data": None, "error": exc}, status_code=exc.status_)
    peak = max((h["high"] for d in data["days"] for h in d["hours"]), default=1) or 1
    return render(request, "operations/forecast.html", {"data": data, "error": None, "peak": peak})


@router.get("/operations/staffing")
def staffing_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall: Hall = None,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    if (denied := gate(request, actor, "operations.plan")) is not None:
        return denied
    chosen = day or service_day(now)
    try:
        data = service.staffing(session, actor, hall or actor.hall_code or "", chosen, now)
    except HallError as exc:
        return render(
            request, "operations/staffing.html", {"data": None, "error": exc, "day": chosen}, status_code=exc.status_
        )
    return render(request, "operations/staffing.html", {"data": data, "error": None, "day": chosen})
