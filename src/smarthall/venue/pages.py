"""Venue pages: the device registry of the hall manager (register, pairing code with QR, revoke, fault tickets),
and ``/pair``, where a browser becomes a device by typing a one-time code."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.org import service as org_service
from smarthall.venue import service
from smarthall.venue.api import set_device_cookie
from smarthall.venue.schemas import DeviceCreate, FaultAction
from smarthall.web.templating import error_page, gate, render, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
KINDS = ("kiosk", "form_terminal", "window_pad", "display", "locker", "printer", "robot")


def _registry(request: Request, session: DbSession, actor: CurrentActor, **extra: object) -> Response:
    devices = service.registry(session, actor)
    faults = service.list_faults(session, actor, status="open")
    halls = sorted({d.hall_code for d in devices} | ({actor.hall_code} if actor.hall_code else set()))
    return render(
        request,
        "venue/devices.html",
        {
            "devices": devices,
            "faults": faults,
            "kinds": KINDS,
            "halls": halls,
            "places": org_service.place_names(
                session,
                halls=halls,
                windows=[d.window_code for d in devices],
                zones=[d.zone_code for d in devices],
            ),
            "pairing": None,
            "qr": None,
            "error": None,
            **extra,
        },
        status_code=getattr(extra.get("error"), "status_", 200),
    )


@router.get("/venue/devices")
def devices_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (refused := gate(request, actor, "device.manage")) is not None:
        return refused
    return _registry(request, session, actor)


@router.post("/venue/devices")
def create_device(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    code: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=16)] = "kiosk",
    name: Annotated[str, Form(max_length=128)] = "",
    hall_code: Annotated[str, Form(max_length=40)] = "",
    zone_code: Annotated[str, Form(max_length=40)] = "",
    window_code: Annotated[str, Form(max_length=40)] = "",
    slots: Annotated[int, Form(ge=0, le=200)] = 0,
) -> Response:
    if (refused := gate(request, actor, "device.manage")) is not None:
        return refused
    try:
        data = DeviceCreate.model_validate(
            {
                "code": code,
                "kind": kind,
                "name": name,
                "hall_code": hall_code or actor.hall_code or "",
                "zone_code": zone_code or None,
                "window_code": window_code or None,
                "slots": slots,
            }
        )
        with attempt(session):
            service.create_device(session, actor, data, now=now)
    except HallError as exc:
        return _registry(request, session, actor, error=exc)
    except ValueError:
        return _registry(request, session, actor, error=_BadForm())
    return RedirectResponse("/venue/devices", status_code=303)


class _BadForm(HallError):
    status = 422
    code = "venue_form_invalid"
    message_zh = "请填写设备编号(字母、数字、短横线)、名称和类型"
    message_en = "Give the device a code (letters, digits, dashes), a name and a kind"


@router.post("/venue/devices/{code}/pairing")
def start_pairing(code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (refused := gate(request, actor, "device.manage")) is not None:
        return refused
    try:
        with attempt(session):
            pairing = service.start_pairing(session, actor, code, base_url=str(request.base_url), now=now)
    except HallError as exc:
        return _registry(request, session, actor, error=exc)
    qr = segno.make(pairing.pair_url, micro=False).svg_inline(scale=5)
    return _registry(request, session, actor, pairing=pairing, qr=qr)


@router.post("/venue/devices/{code}/revoke")
def revoke(code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (refused := gate(request, actor, "device.manage")) is not None:
        return refused
    return write_then_go(
        request,
        session,
        lambda: service.revoke(session, actor, code, now=now),
        lambda _: "/venue/devices",
        on_error=lambda exc: _registry(request, session, actor, error=exc),
    )


@router.post("/venue/faults/{fault_id}/{action}")
def act_on_fault(
    fault_id: DbId, action: str, request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    if (refused := gate(request, actor, "venue.faults")) is not None:
        return refused
    if action not in ("assign", "close"):
        return _registry(request, session, actor, error=_BadForm())
    return write_then_go(
        request,
        session,
        lambda: service.act_on_fault(session, actor, fault_id, FaultAction(action=action), now=now),  # type: ignore[arg-type]
        lambda _: "/venue/devices",
        on_error=lambda exc: _registry(request, session, actor, error=exc),
    )


# ------------------------------------------------------------------------------------------------------ pairing


@router.get("/pair")
def pair_page(request: Request, actor: CurrentActor) -> Response:
    request.state.actor = actor
    code = request.query_params.get("code", "")[:16]
    return render(request, "venue/pair.html", {"code": code, "error": None})


@router.post("/pair")
def pair(request: Request, session: DbSession, now: Now, code: Annotated[str, Form(max_length=16)] = "") -> Response:
    try:
        with attempt(session):
            device, key = service.pair(session, code, now=now)
    except HallError as exc:
        return render(request, "venue/pair.html", {"code": code, "error": exc}, status_code=exc.status_)
    response = RedirectResponse(service.home_of(device.kind, device.hall.code), status_code=303)
    set_device_cookie(request, response, key)
    return response


@router.get("/pair/done")
def paired(request: Request, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind != "device":
        return error_page(request, service.NotADevice())
    return render(request, "venue/paired.html", {})


# ------------------------------------------------------------------------------------------------------- locker


@router.get("/locker")
def locker_page(request: Request, actor: CurrentActor) -> Response:
    """The smart locker's own screen: type the pickup code, the compartment opens."""
    request.state.actor = actor
    if actor.kind != "device" or not actor.has("device.locker"):
        return error_page(request, service.NotADevice())
    return render(request, "venue/locker.html", {"opened": None, "error": None})


@router.post("/locker")
def locker_open(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    request.state.actor = actor
    if actor.kind != "device" or not actor.has("device.locker"):
        return error_page(request, service.NotADevice())
    try:
        opened = service.open_locker(session, actor, code=code, now=now)
    except HallError as exc:  # the counted try is kept (``lockers.open_locker`` commits it)
        return render(request, "venue/locker.html", {"opened": None, "error": exc}, status_code=exc.status_)
    return render(request, "venue/locker.html", {"opened": opened, "error": None})
