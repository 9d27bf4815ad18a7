"""Appointment API: slots, booking, cancel, reschedule, my bookings."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from smarthall.appointment import service
from smarthall.appointment.schemas import BookingCreate, BookingRead, BookingReschedule, SlotRead
from smarthall.core.db import attempt
from smarthall.core.deps import DbSession, Now, require
from smarthall.core.routing import UnitOfWorkRoute, hot_path
from smarthall.core.tenancy import Actor
from smarthall.core.types import day_query

router = APIRouter(route_class=UnitOfWorkRoute, tags=["appointment"])
Citizen = Annotated[Actor, Depends(require("appointment.book"))]


@router.get("/appointment-slots", response_model=list[SlotRead])
def list_slots(
    request: Request,
    session: DbSession,
    now: Now,
    hall_code: Annotated[str, Query(min_length=1, max_length=32)],
    item_code: Annotated[str, Query(min_length=1, max_length=32)],
    date: Annotated[date, day_query()],  # noqa: A002
) -> list[SlotRead]:
    """Bookable slots of a day for an item at a hall, with places left."""
    return service.list_slots(
        session, request.app.state.db, hall_code=hall_code, item_code=item_code, day=date, now=now
    )


@router.post("/appointments", status_code=201, response_model=BookingRead)
@hot_path
def book(data: BookingCreate, session: DbSession, actor: Citizen, now: Now) -> BookingRead:
    """Book a slot (citizens; one live booking per item per day; credit rule applies)."""
    # Missed bookings are settled first: the no-shows, the warning and any credit block stand even when this booking
    # is then refused (``attempt`` undoes only the booking; the route commits the rest and answers the refusal).
    settled = service.mark_no_shows(session, now=now, citizen_id=actor.id)
    with attempt(session) if settled else nullcontext():
        booking = service.book(session, actor, slot_id=data.slot_id, item_code=data.item_code, now=now)
    return service.booking_read(session, booking)


@router.get("/appointments/mine", response_model=list[BookingRead])
def mine(session: DbSession, actor: Citizen) -> list[BookingRead]:
    """The signed-in citizen's bookings, newest first."""
    return [service.booking_read(session, b) for b in service.my_bookings(session, actor)]


@router.delete("/appointments/{code}", response_model=BookingRead)
def cancel(code: str, session: DbSession, actor: Citizen, now: Now) -> BookingRead:
    """Cancel a live booking."""
    return service.booking_read(session, service.cancel(session, actor, code=code, now=now))


@router.post("/appointments/{code}/reschedule", response_model=BookingRead)
def reschedule(code: str, data: BookingReschedule, session: DbSession, actor: Citizen, now: Now) -> BookingRead:
    """Move a live booking to another slot of the same item group."""
    return service.booking_read(session, service.reschedule(session, actor, code=code, slot_id=data.slot_id, now=now))
