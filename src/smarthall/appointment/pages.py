"""Citizen booking pages (智能预约): pick a day and a slot → confirm → booked (a success message on "my bookings"),
"my bookings" in words with the hall and the next step, reschedule to another slot, cancel.

Moved here from ``queueing/pages.py``; the words are in ``appointment/messages.toml`` (``appointment.page.*``) and
the status words are the portal's (``portal.booking.<status>``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from smarthall.appointment import service
from smarthall.appointment.schemas import BookingRead
from smarthall.catalog import service as catalog_service
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.i18n import message
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.types import day_query
from smarthall.org import service as org_service
from smarthall.web.templating import denied, error_page, render, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
Code = Annotated[str, Query(max_length=24)]
DAYS_SHOWN = 8


def _days(today: date) -> list[date]:
    return [today + timedelta(days=i) for i in range(DAYS_SHOWN)]


def _view(session: Session, read: BookingRead) -> dict[str, Any]:
    """A booking as a person reads it: item and hall by name, status in words, the next step."""
    hall = org_service.hall_facts(session, read.hall_code) if read.hall_code else None
    item = catalog_service.item_facts(session, read.item_code) if read.item_code else None
    key = f"portal.booking.{read.status}"
    key = key if message(key) is not None else "portal.booking.other"
    return {"b": read, "item_name": item.name if item else "", "hall_name": hall.name if hall else "", "key": key}


@router.get("/appointments/book")
def book_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: Annotated[str, Query(max_length=32)] = "",
    item_code: Annotated[str, Query(max_length=32)] = "",
    day: Annotated[date | None, day_query("date")] = None,
) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    today = service_day(now)
    chosen = day or today + timedelta(days=1)
    try:
        hall = org_service.hall_facts(session, hall_code)
        item = catalog_service.item_facts(session, item_code)
        slots = service.list_slots(
            session, request.app.state.db, hall_code=hall_code, item_code=item_code, day=chosen, now=now
        )
    except HallError as exc:
        return error_page(request, exc)
    context = {"hall": hall, "item": item, "slots": slots, "day": chosen, "days": _days(today), "now": now}
    context |= _quiet(session, hall_code, chosen, slots, now)
    return render(request, "appointment/book.html", context)


def _quiet(session: Any, hall_code: str, day: date, slots: list[Any], now: datetime) -> dict[str, Any]:
    """The quietest hours of the coming days and, first, the chosen day's free slots in its quietest hours
    (operations' forecast; nothing when the hall has too little history)."""
    from smarthall.operations import service as operations_service

    def local_hour(at: datetime) -> int:
        return at.astimezone(SHANGHAI).hour

    order = {h: i for i, h in enumerate(operations_service.quiet_hours_of_day(session, hall_code, day, now))}
    free = [s for s in slots if s.remaining > 0 and s.starts_at > now and local_hour(s.starts_at) in order]
    suggested = sorted(free, key=lambda s: order[local_hour(s.starts_at)])[:3]
    return {"suggested": suggested, "quiet_hours": operations_service.quiet_hours(session, hall_code, now)}


@router.get("/appointments/confirm")
def confirm_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    slot_id: Annotated[int, Query(ge=1, le=2**62)],
    item_code: Annotated[str, Query(max_length=32)],
) -> Response:
    """The confirmation step: what, where and when, before the place is taken."""
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    try:
        slot, hall, item = service.slot_choice(session, slot_id=slot_id, item_code=item_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "appointment/confirm.html", {"slot": slot, "hall": hall, "item": item})


@router.post("/appointments/book")
def book_submit(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    slot_id: Annotated[int, Form(ge=1, le=2**62)],
    item_code: Annotated[str, Form(max_length=32)],
) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    try:
        # Missed bookings are settled first and stand even when this booking is refused (committed by the route).
        service.mark_no_shows(session, now=now, citizen_id=actor.id)
        with attempt(session):
            booking = service.book(session, actor, slot_id=slot_id, item_code=item_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return RedirectResponse(f"/appointments/mine?booked={booking.code}", status_code=303)


@router.get("/appointments/mine")
def mine_page(
    request: Request, session: DbSession, actor: CurrentActor, booked: Code = "", moved: Code = ""
) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    views = [_view(session, service.booking_read(session, b)) for b in service.my_bookings(session, actor)]
    done = next((v for v in views if v["b"].code in (booked, moved) and (booked or moved)), None)
    context = {"bookings": views, "done": done, "done_kind": "booked" if booked else "moved"}
    return render(request, "appointment/mine.html", context)


@router.get("/appointments/{code}/reschedule")
def reschedule_page(
    code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    day: Annotated[date | None, day_query("date")] = None,
) -> Response:
    """Another slot for a live booking: the days ahead, then the chosen day's slots."""
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    today = service_day(now)
    try:
        read = service.own_booking_read(session, actor, code[:24])
        view = _view(session, read)
        chosen = day or (read.starts_at.date() if read.starts_at else today + timedelta(days=1))
        slots = service.list_slots(
            session,
            request.app.state.db,
            hall_code=read.hall_code or "",
            item_code=read.item_code or "",
            day=chosen,
            now=now,
        )
    except HallError as exc:
        return error_page(request, exc)
    context = {"view": view, "slots": slots, "day": chosen, "days": _days(today), "now": now}
    return render(request, "appointment/reschedule.html", context)


@router.post("/appointments/{code}/reschedule")
def reschedule_submit(
    code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    slot_id: Annotated[int, Form(ge=1, le=2**62)],
) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    return write_then_go(
        request,
        session,
        lambda: service.reschedule(session, actor, code=code[:24], slot_id=slot_id, now=now),
        lambda booking: f"/appointments/mine?moved={booking.code}",
    )


@router.post("/appointments/{code}/cancel")
def cancel_submit(code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    return write_then_go(
        request,
        session,
        lambda: service.cancel(session, actor, code=code[:24], now=now),
        lambda _: "/appointments/mine",
    )
