"""Queueing and appointment pages: kiosk, window workstation, display boards, citizen booking and live ticket.

Kiosk and display devices authenticate with their device key header (the kiosk-mode browser is configured with
it); staff and citizens with the session cookie. Paths are stable: other pages link to them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from smarthall.appointment import service as appointment_service
from smarthall.catalog import service as catalog_service
from smarthall.catalog.models import Item
from smarthall.core.clock import service_day
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.masking import mask_id_number, mask_name, mask_phone
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity.models import Citizen
from smarthall.org import service as org_service
from smarthall.org.models import Department
from smarthall.queueing import service
from smarthall.queueing.models import WindowSession
from smarthall.queueing.schemas import TicketIssue
from smarthall.web.nav import Tile, register
from smarthall.web.templating import denied, error_page, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

register(
    Tile(
        "queue.window", "/window/", "窗口叫号工作台", "Window workstation", "签到、叫号、办结", "Sign in, call, finish"
    )
)
register(Tile("queue.issue", "/kiosk/", "导办台取号", "Guide desk tickets", "为群众取号", "Issue tickets for citizens"))


# ------------------------------------------------------------------------------------------------------ kiosk


@router.get("/kiosk/")
def kiosk_home(request: Request, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if not actor.has("queue.issue") or not actor.hall_code:
        return denied(request, actor)
    return RedirectResponse(f"/kiosk/{actor.hall_code}", status_code=303)


def _kiosk_context(session: DbSession, hall_code: str) -> dict[str, object]:
    hall = org_service.get_hall(session, hall_code)
    codes = catalog_service.hall_item_codes(session, hall)
    items = list(session.execute(select(Item).where(Item.code.in_(codes)).order_by(Item.code)).scalars())
    depts = dict(session.execute(select(Department.code, Department.name)).all())
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(depts.get(item.department_code, item.department_code), []).append(item)
    return {"hall": hall, "groups": groups}


def _kiosk_allowed(session: DbSession, actor: Actor, hall_code: str) -> bool:
    if not actor.has("queue.issue") or actor.kind not in ("device", "staff"):
        return False
    hall = org_service.get_hall(session, hall_code)
    return actor.can_see_hall(hall.id, hall.region_path)


@router.get("/kiosk/{hall_code}")
def kiosk(hall_code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    try:
        if not _kiosk_allowed(session, actor, hall_code):
            return denied(request, actor)
        ctx = _kiosk_context(session, hall_code)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request, "queueing/kiosk.html", {**ctx, "large": request.query_params.get("large") == "1", "error": None}
    )


@router.post("/kiosk/{hall_code}/issue")
def kiosk_issue(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    item_code: Annotated[str, Form(max_length=32)] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    appointment_code: Annotated[str, Form(max_length=24)] = "",
    declared: Annotated[str, Form(max_length=16)] = "",
    large: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    request.state.actor = actor
    try:
        if not _kiosk_allowed(session, actor, hall_code):
            return denied(request, actor)
        data = TicketIssue(
            hall_code=hall_code,
            item_code=item_code or None,
            id_number=id_number.strip() or None,
            appointment_code=appointment_code.strip() or None,
            declared=declared if declared in ("pregnant", "disabled", "military") else None,  # type: ignore[arg-type]
        )
        ticket, _ = service.issue_ticket(session, actor, data, idempotency_key=None, now=now)
        read = service.ticket_read(session, ticket, now)
        item = catalog_service.get_item(session, ticket.item_code)
        hall = org_service.get_hall(session, hall_code)
    except HallError as exc:
        session.rollback()
        ctx = _kiosk_context(session, hall_code)
        return render(
            request, "queueing/kiosk.html", {**ctx, "large": large == "1", "error": exc}, status_code=exc.status_
        )
    link = str(request.base_url).rstrip("/") + f"/tickets/{ticket.id}"
    qr = segno.make(link, micro=False).svg_inline(scale=4)
    return render(
        request,
        "queueing/ticket_print.html",
        {"ticket": read, "item": item, "hall": hall, "qr": qr, "link": link, "large": large == "1"},
    )


# --------------------------------------------------------------------------------------------- workstation


@router.get("/window/")
def window_home(request: Request, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    if actor.window_code:
        return RedirectResponse(f"/window/{actor.window_code}", status_code=303)
    return render(
        request,
        "error.html",
        {"status": 404, "message_zh": "您没有分配窗口", "message_en": "No window is assigned to you"},
        status_code=404,
    )


def _workstation(
    request: Request, session: DbSession, actor: Actor, window_code: str, now: object, error: HallError | None = None
) -> Response:
    assert hasattr(now, "tzinfo")
    state = service.window_state(session, actor, window_code=window_code, now=now)  # type: ignore[arg-type]
    window = service._window(session, window_code)
    current = service.current_ticket(session, window_code)
    person = None
    if current is not None:
        citizen = session.get(Citizen, current.citizen_id) if current.citizen_id else None
        person = {
            "name": mask_name(citizen.name) if citizen else "",
            "id_number": mask_id_number(current.id_number or (citizen.id_number if citizen else None)),
            "phone": mask_phone(current.phone or (citizen.phone if citizen else None)),
            "priority_reason": current.priority_reason,
        }
    ws = session.execute(select(WindowSession).where(WindowSession.window_code == window_code)).scalar_one_or_none()
    mine = ws is not None and ws.staff_id == actor.id and ws.status != "closed"
    queue = service.queue_list(session, actor, window_code=window_code, now=now)  # type: ignore[arg-type]
    skipped = service.skipped_list(session, actor, window_code=window_code, now=now)  # type: ignore[arg-type]
    others = [w for w in window.hall.windows if w.code != window.code and w.active]
    return render(
        request,
        "queueing/window.html",
        {
            "window": window,
            "state": state,
            "current": state.current,
            "person": person,
            "mine": mine,
            "queue": queue,
            "skipped": skipped,
            "others": others,
            "error": error,
        },
        status_code=error.status_ if error else 200,
    )


@router.get("/window/{window_code}")
def window_page(window_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    try:
        return _workstation(request, session, actor, window_code, now)
    except HallError as exc:
        return error_page(request, exc)


@router.get("/window/{window_code}/queue")
def window_queue_fragment(
    window_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    try:
        queue = service.queue_list(session, actor, window_code=window_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "queueing/_queue.html", {"queue": queue})


@router.post("/window/{window_code}/act")
def window_act(
    window_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    action: Annotated[str, Form(max_length=16)],
    ticket_id: Annotated[int, Form()] = 0,
    number: Annotated[str, Form(max_length=16)] = "",
    target_window: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    try:
        if action == "sign-in":
            service.sign_in(session, actor, window_code=window_code, now=now)
        elif action in ("pause", "resume", "sign-out"):
            status = {"pause": "paused", "resume": "open", "sign-out": "closed"}[action]
            service.set_window_status(session, actor, window_code=window_code, status=status, now=now)
        elif action == "call-next":
            service.call_next(session, actor, window_code=window_code, now=now)
        elif action == "call":
            service.call_number(session, actor, window_code=window_code, number=number, now=now)
        elif action == "recall":
            service.recall(session, actor, ticket_id=ticket_id, now=now)
        elif action == "skip":
            service.skip(session, actor, ticket_id=ticket_id, now=now)
        elif action == "requeue":
            service.requeue(session, actor, ticket_id=ticket_id, now=now)
        elif action == "finish":
            service.finish(session, actor, ticket_id=ticket_id, now=now)
        elif action == "transfer":
            service.transfer(session, actor, ticket_id=ticket_id, item_code=None, window_code=target_window, now=now)
        else:
            return Response(status_code=400)
    except HallError as exc:
        session.rollback()
        try:
            return _workstation(request, session, actor, window_code, now, error=exc)
        except HallError as inner:
            return error_page(request, inner)
    return RedirectResponse(f"/window/{window_code}", status_code=303)


# ---------------------------------------------------------------------------------------------------- boards


def _board_page(request: Request, session: DbSession, actor: Actor, hall_code: str, zone_code: str | None) -> Response:
    request.state.actor = actor
    from smarthall.queueing.api import board_reader

    try:
        board_reader(session, actor, hall_code)
        hall = org_service.get_hall(session, hall_code)
    except HallError as exc:
        if actor.kind == "anonymous":
            return denied(request, actor)
        return error_page(request, exc)
    return render(request, "queueing/board.html", {"hall": hall, "zone_code": zone_code})


@router.get("/board/{hall_code}")
def board_page(hall_code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    return _board_page(request, session, actor, hall_code, None)


@router.get("/board/{hall_code}/zones/{zone_code}")
def zone_board_page(
    hall_code: str, zone_code: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    return _board_page(request, session, actor, hall_code, zone_code)


# -------------------------------------------------------------------------------------------- citizen pages


@router.get("/tickets/{ticket_id}")
def ticket_page(ticket_id: DbId, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    try:
        ticket = service.get_ticket(session, ticket_id)
        read = service.ticket_read(session, ticket, now)
        item = catalog_service.get_item(session, ticket.item_code)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "queueing/ticket_live.html", {"ticket": read, "item": item})


@router.get("/appointments/book")
def book_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: Annotated[str, Query(max_length=32)] = "",
    item_code: Annotated[str, Query(max_length=32)] = "",
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    today = service_day(now)
    chosen = day or today + timedelta(days=1)
    try:
        hall = org_service.get_hall(session, hall_code)
        item = catalog_service.get_item(session, item_code)
        slots = appointment_service.list_slots(
            session, request.app.state.db, hall_code=hall_code, item_code=item_code, day=chosen, now=now
        )
    except HallError as exc:
        return error_page(request, exc)
    days = [today + timedelta(days=i) for i in range(0, 8)]
    return render(
        request,
        "appointment/book.html",
        {"hall": hall, "item": item, "slots": slots, "day": chosen, "days": days, "now": now, "error": None},
    )


@router.post("/appointments/book")
def book_submit(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    slot_id: Annotated[int, Form()],
    item_code: Annotated[str, Form(max_length=32)],
) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    try:
        if appointment_service.mark_no_shows(session, now=now, citizen_id=actor.id):
            session.commit()
        appointment_service.book(session, actor, slot_id=slot_id, item_code=item_code, now=now)
    except HallError as exc:
        session.rollback()
        return error_page(request, exc)
    return RedirectResponse("/appointments/mine", status_code=303)


@router.get("/appointments/mine")
def mine_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    bookings = [appointment_service.booking_read(session, b) for b in appointment_service.my_bookings(session, actor)]
    return render(request, "appointment/mine.html", {"bookings": bookings})


@router.post("/appointments/{code}/cancel")
def cancel_submit(code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    try:
        appointment_service.cancel(session, actor, code=code, now=now)
    except HallError as exc:
        session.rollback()
        return error_page(request, exc)
    return RedirectResponse("/appointments/mine", status_code=303)
