"""The station page: what a township station does (its items, each finished here or handed up, and the hall it
hands up to) and the cases it has handed over, for staff of the station and of the halls above it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from smarthall.core.deps import CurrentActor, DbSession
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.stations import service
from smarthall.web.templating import error_page, gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/stations/{hall_code}")
def station_page(
    request: Request, session: DbSession, actor: CurrentActor, hall_code: Annotated[str, Path(max_length=32)]
) -> Response:
    if (denied := gate(request, actor, "staff.home")) is not None:
        return denied
    try:
        station = service.station_read(session, actor, hall_code=hall_code)
        handovers = (
            [h for h in service.list_handovers(session, actor, side=None, status=None, limit=50, offset=0)
             if hall_code in (h.from_hall_code, h.to_hall_code)]
            if actor.has("case.read") else []
        )  # fmt: skip
    except HallError as exc:
        return error_page(request, exc)
    local = sum(1 for i in station.items if i.handling == "local")
    return render(
        request,
        "stations/station.html",
        {"station": station, "handovers": handovers, "local": local, "up": len(station.items) - local},
    )
