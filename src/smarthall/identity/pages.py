"""Identity pages: the staff list and the device list of the halls in one's scope, paged in SQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smarthall.core.deps import CurrentActor, DbSession
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.identity import service
from smarthall.org import service as org_service
from smarthall.web.templating import gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
PAGE_SIZE = 50
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/admin/staff")
def staff_page(request: Request, session: DbSession, actor: CurrentActor, offset: Offset = 0) -> Response:
    if (denied := gate(request, actor, "staff.read")) is not None:
        return denied
    page = service.list_staff(session, actor, limit=PAGE_SIZE, offset=offset)
    staff = [service.staff_read(s) for s in page.items]
    return render(
        request,
        "staff.html",
        {
            "staff": staff,
            "places": org_service.place_names(
                session, halls=[s.hall_code for s in staff], windows=[s.window_code for s in staff]
            ),
            "page": page,
            "path": "/admin/staff",
        },
    )


@router.get("/admin/devices")
def devices_page(request: Request, session: DbSession, actor: CurrentActor, offset: Offset = 0) -> Response:
    if (denied := gate(request, actor, "device.read")) is not None:
        return denied
    page = service.list_devices(session, actor, limit=PAGE_SIZE, offset=offset)
    devices = [service.device_read(d) for d in page.items]
    return render(
        request,
        "devices.html",
        {
            "devices": devices,
            "places": org_service.place_names(
                session, halls=[d.hall_code for d in devices], windows=[d.window_code for d in devices]
            ),
            "page": page,
            "path": "/admin/devices",
        },
    )
