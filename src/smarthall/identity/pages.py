"""Identity pages: the staff list and the device list of the halls in one's scope, paged in SQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.masking import mask_phone
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.identity import phone_codes, service
from smarthall.org import service as org_service
from smarthall.web.templating import gate, login_redirect, message_page, render

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


# ------------------------------------------------------------------------------------------- the citizen's phone


@router.get("/me/phone")
def phone_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """The citizen's phone on record, masked, and whether it is verified; a code can be sent to verify it (accounts
    made before verification existed, or by a desk, must verify before filing or booking online)."""
    return _phone_page(request, session, actor, {})


@router.post("/me/phone/code")
def phone_code_send(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """Send a one-time code to the phone on the citizen's own record (never to a number typed here)."""
    contact = _contact(session, actor)
    if contact is None:
        return _phone_page(request, session, actor, {})
    try:
        with attempt(session):
            sent = phone_codes.send(session, actor, contact.phone, now=now)
    except HallError as exc:
        return _phone_page(request, session, actor, {"error": exc}, status_code=exc.status_)
    return _phone_page(request, session, actor, {"code_sent": True, "minutes": sent["expires_in"] // 60})


@router.post("/me/phone")
def phone_verify(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    phone_code: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    if _contact(session, actor) is None:
        return _phone_page(request, session, actor, {})
    try:  # not undone on a refusal: a wrong try stays counted, as at registration
        phone_codes.verify_own_phone(session, actor, phone_code.strip(), now=now)
    except HallError as exc:
        return _phone_page(request, session, actor, {"error": exc, "code_sent": True}, status_code=exc.status_)
    return RedirectResponse("/me/phone?verified=1", status_code=303)


def _contact(session: DbSession, actor: CurrentActor) -> service.CitizenContact | None:
    return service.citizen_contact(session, actor.id) if actor.kind == "citizen" and actor.id is not None else None


def _phone_page(
    request: Request, session: DbSession, actor: CurrentActor, extra: dict[str, object], status_code: int = 200
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    contact = _contact(session, actor)
    if contact is None:
        zh, en = "仅群众本人可验证手机号", "Only the citizen themself may verify their phone"
        return message_page(request, 403, zh, en, code="citizen_only")
    context = {
        "phone": mask_phone(contact.phone),
        "verified": contact.phone_verified,
        "just_verified": request.query_params.get("verified") == "1",
        "code_sent": False,
        "error": None,
        **extra,
    }
    return render(request, "identity/phone.html", context, status_code=status_code)
