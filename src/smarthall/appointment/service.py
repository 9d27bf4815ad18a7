"""Appointments (智能预约): slots, booking, cancel, reschedule, check-in, no-shows and the credit rule.

Slots are generated on first demand for (hall, item group, day) from the hall's opening hours; the item group is
the item's department. Capacity is kept by a conditional counter update; one live booking per person, item and day
by a unique ``live_key``.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.appointment import policy
from smarthall.appointment.errors import (
    AlreadyBooked,
    BookingNotFound,
    BookingState,
    CheckInWindow,
    CreditBlocked,
    ItemNotBookable,
    NotYourBooking,
    SlotClosed,
    SlotFull,
    SlotNotFound,
)
from smarthall.appointment.models import Booking, CreditBlock, Slot
from smarthall.appointment.schemas import BookingRead, SlotRead
from smarthall.catalog import service as catalog_service
from smarthall.catalog.models import Item
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.db import Database
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import Actor
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.org.models import Hall
from smarthall.org.service import HallFacts

_SLOT_T = cast(Table, Slot.__table__)
_BOOKING_T = cast(Table, Booking.__table__)
_SLOT_BY_ID = select(_SLOT_T.c.id, _SLOT_T.c.hall_id, _SLOT_T.c.group_code, _SLOT_T.c.day, _SLOT_T.c.starts_at).where(
    _SLOT_T.c.id == bindparam("slot_id")
)
_BOOKING_COLS = (
    _BOOKING_T.c.id,
    _BOOKING_T.c.code,
    _BOOKING_T.c.slot_id,
    _BOOKING_T.c.hall_id,
    _BOOKING_T.c.item_code,
    _BOOKING_T.c.citizen_id,
    _BOOKING_T.c.status,
    _BOOKING_T.c.starts_at,
    _BOOKING_T.c.ticket_id,
)


def group_code(item: Item | catalog_service.ItemFacts) -> str:
    return item.department_code


def _bookable_item(session: Session, hall: Hall | HallFacts, item_code: str) -> catalog_service.ItemFacts:
    item = catalog_service.item_facts(session, item_code)
    if not item.appointment or item_code not in catalog_service.hall_items(session, hall):
        raise ItemNotBookable(detail={"item_code": item_code, "hall_code": hall.code})
    return item


def _ensure_slots(session: Session, hall: HallFacts, group: str, day: date, rule: policy.SlotRule) -> None:
    exists = session.execute(
        select(Slot.id).where(Slot.hall_id == hall.id, Slot.group_code == group, Slot.day == day).limit(1)
    ).first()
    if exists:
        return
    is_workday = org_service.is_workday(session, hall.code, day)
    rows = [
        {
            "hall_id": hall.id,
            "group_code": group,
            "day": day,
            "starts_at": s,
            "ends_at": e,
            "capacity": rule.capacity,
            "booked": 0,
        }
        for s, e in policy.slot_times(hall.opening_hours, day, is_workday, rule)
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Two first visitors may generate the same day at once: the unique constraint keeps one copy.
    session.execute(insert(Slot).values(rows).on_conflict_do_nothing())


def list_slots(
    session: Session,
    db: Database,
    *,
    hall_code: str,
    item_code: str,
    day: date,
    now: datetime,
    rule: policy.SlotRule = policy.DEFAULT_SLOT_RULE,
) -> list[SlotRead]:
    """Slots of the day for the item's group, with places left; empty on closed days or outside the horizon."""
    hall = org_service.hall_facts(session, hall_code)
    item = _bookable_item(session, hall, item_code)
    today = service_day(now)
    if day < today or day > today + timedelta(days=rule.horizon_days):
        return []
    group = group_code(item)
    slots = _day_slots(session, hall.id, group, day)
    if not slots:
        # Generated in a short write transaction of its own, then read from it (a read session's snapshot would
        # not see rows committed after it began).
        with db.unit_of_work() as w:
            _ensure_slots(w, hall, group, day, rule)
            slots = _day_slots(w, hall.id, group, day)
    return [
        SlotRead(
            id=s.id,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            capacity=s.capacity,
            remaining=max(s.capacity - s.booked, 0),
        )
        for s in slots
    ]


def _day_slots(session: Session, hall_id: int, group: str, day: date) -> list[Any]:
    return list(
        session.execute(
            select(_SLOT_T.c.id, _SLOT_T.c.starts_at, _SLOT_T.c.ends_at, _SLOT_T.c.capacity, _SLOT_T.c.booked)
            .where(_SLOT_T.c.hall_id == hall_id, _SLOT_T.c.group_code == group, _SLOT_T.c.day == day)
            .order_by(_SLOT_T.c.starts_at)
        ).all()
    )


def _citizen_id(actor: Actor) -> int:
    if actor.kind != "citizen" or actor.id is None:
        raise Forbidden("仅实名登录的群众可以预约", "Only signed-in citizens can book", code="citizen_only")
    return actor.id


def _live_key(citizen_id: int, item_code: str, day: date) -> str:
    return f"{citizen_id}:{item_code}:{day.isoformat()}"


_TAKE_PLACE = (
    update(_SLOT_T)
    .where(_SLOT_T.c.id == bindparam("slot"), _SLOT_T.c.booked < _SLOT_T.c.capacity)
    .values(booked=_SLOT_T.c.booked + 1)
    .returning(_SLOT_T.c.id)
)


def _take_place(session: Session, slot_id: int) -> None:
    """One conditional counter update: never more bookings than places, whatever the concurrency."""
    if session.execute(_TAKE_PLACE, {"slot": slot_id}).first() is None:
        raise SlotFull(detail={"slot_id": slot_id})


def _free_place(session: Session, slot_id: int) -> None:
    session.execute(update(Slot).where(Slot.id == slot_id, Slot.booked > 0).values(booked=Slot.booked - 1))


def _new_code() -> str:
    return f"Y{secrets.randbelow(10**10):010d}"


def book(
    session: Session,
    actor: Actor,
    *,
    slot_id: int,
    item_code: str,
    now: datetime,
    rule: policy.SlotRule = policy.DEFAULT_SLOT_RULE,
) -> Any:
    """Book a place; the booking's row (code, slot, status, ...). Conditional counter: never overbooked."""
    citizen_id = _citizen_id(actor)
    slot = session.execute(_SLOT_BY_ID, {"slot_id": slot_id}).first()
    if slot is None:
        raise SlotNotFound(detail={"slot_id": slot_id})
    hall = org_service.hall_facts_by_id(session, slot.hall_id)
    item = _bookable_item(session, hall, item_code)
    if group_code(item) != slot.group_code:
        raise ItemNotBookable(detail={"item_code": item_code, "slot_id": slot_id})
    if not policy.bookable(slot.starts_at, now, rule):
        raise SlotClosed(detail={"slot_id": slot_id})
    _ensure_credit(session, citizen_id, now)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    booking = session.execute(
        insert(_BOOKING_T)
        .values(
            code=_new_code(),
            slot_id=slot.id,
            hall_id=hall.id,
            item_code=item_code,
            citizen_id=citizen_id,
            day=slot.day,
            starts_at=slot.starts_at,
            status="booked",
            live_key=_live_key(citizen_id, item_code, slot.day),
        )
        .on_conflict_do_nothing(index_elements=["live_key"])
        .returning(*_BOOKING_COLS)
    ).first()
    if booking is None:
        raise AlreadyBooked(detail={"item_code": item_code, "day": slot.day.isoformat()})
    _take_place(session, slot.id)
    notify_service.send(
        session,
        template="appointment.confirmed",
        now=now,
        citizen_id=citizen_id,
        params={"hall": hall.name, "item": item.name, "when": policy.time_str(slot.starts_at), "code": booking.code},
        ref_type="appointment",
        ref_id=booking.code,
    )
    return booking


def _own_booking(session: Session, actor: Actor, code: str) -> Booking:
    booking = session.execute(select(Booking).where(Booking.code == code)).scalar_one_or_none()
    if booking is None:
        raise BookingNotFound(detail={"code": code})
    if actor.kind != "citizen" or booking.citizen_id != actor.id:
        raise NotYourBooking()
    return booking


def cancel(session: Session, actor: Actor, *, code: str, now: datetime) -> Booking:
    booking = _own_booking(session, actor, code)
    changed = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == "booked")
        .values(status="cancelled", cancelled_at=now, live_key=None)
        .returning(Booking.id)
    ).first()
    if changed is None:
        raise BookingState(detail={"status": booking.status})
    session.refresh(booking)
    _free_place(session, booking.slot_id)
    notify_service.send(
        session,
        template="appointment.cancelled",
        now=now,
        citizen_id=booking.citizen_id,
        params={"code": booking.code, "when": policy.time_str(booking.starts_at)},
        ref_type="appointment",
        ref_id=booking.code,
    )
    _apply_credit_rule(session, booking.citizen_id, now, after="cancel", code=booking.code)
    return booking


def reschedule(
    session: Session,
    actor: Actor,
    *,
    code: str,
    slot_id: int,
    now: datetime,
    rule: policy.SlotRule = policy.DEFAULT_SLOT_RULE,
) -> Booking:
    """Move a live booking to another slot of the same group (not counted as a cancellation)."""
    booking = _own_booking(session, actor, code)
    if booking.status != "booked":
        raise BookingState(detail={"status": booking.status})
    slot = session.get(Slot, slot_id)
    old = session.get(Slot, booking.slot_id)
    if slot is None or old is None or slot.hall_id != old.hall_id or slot.group_code != old.group_code:
        raise SlotNotFound(detail={"slot_id": slot_id})
    if not policy.bookable(slot.starts_at, now, rule):
        raise SlotClosed(detail={"slot_id": slot_id})
    if slot.id == old.id:
        return booking
    try:
        with session.begin_nested():
            booking.slot_id, booking.day, booking.starts_at = slot.id, slot.day, slot.starts_at
            booking.live_key = _live_key(booking.citizen_id, booking.item_code, slot.day)
            session.flush()
    except IntegrityError:
        raise AlreadyBooked(detail={"item_code": booking.item_code, "day": slot.day.isoformat()})
    _take_place(session, slot.id)
    _free_place(session, old.id)
    return booking


_CREDIT_T = cast(Table, CreditBlock.__table__)
_BLOCKED_UNTIL = select(func.max(_CREDIT_T.c.blocked_until)).where(_CREDIT_T.c.citizen_id == bindparam("citizen"))
_MISSED = select(_BOOKING_T.c.id).where(
    _BOOKING_T.c.status == "booked",
    _BOOKING_T.c.starts_at < bindparam("deadline"),
    _BOOKING_T.c.citizen_id == bindparam("citizen"),
)


def _ensure_credit(session: Session, citizen_id: int, now: datetime) -> None:
    until = session.execute(_BLOCKED_UNTIL, {"citizen": citizen_id}).scalar()
    if until is not None and until > now:
        raise CreditBlocked(detail={"blocked_until": until.isoformat()})


def credit_counts(
    session: Session, citizen_id: int, now: datetime, rule: policy.CreditRule = policy.DEFAULT_CREDIT_RULE
) -> tuple[int, int]:
    since = now - timedelta(days=rule.window_days)
    no_shows = session.execute(
        select(func.count())
        .select_from(Booking)
        .where(Booking.citizen_id == citizen_id, Booking.status == "no_show", Booking.no_show_at >= since)
    ).scalar_one()
    cancels = session.execute(
        select(func.count())
        .select_from(Booking)
        .where(Booking.citizen_id == citizen_id, Booking.status == "cancelled", Booking.cancelled_at >= since)
    ).scalar_one()
    return int(no_shows), int(cancels)


def _apply_credit_rule(
    session: Session,
    citizen_id: int,
    now: datetime,
    *,
    after: str,
    code: str,
    rule: policy.CreditRule = policy.DEFAULT_CREDIT_RULE,
) -> None:
    no_shows, cancels = credit_counts(session, citizen_id, now, rule)
    verdict = policy.credit_verdict(no_shows, cancels, rule)
    if verdict == "block":
        until = now + timedelta(days=rule.block_days)
        session.add(CreditBlock(citizen_id=citizen_id, blocked_until=until, reason=f"{after}:{no_shows}/{cancels}"))
        notify_service.send(
            session,
            template="appointment.blocked",
            now=now,
            citizen_id=citizen_id,
            params={"until": policy.time_str(until)},
            ref_type="appointment",
            ref_id=code,
        )
    elif verdict == "warn" and after == "no_show" and no_shows == 1:
        notify_service.send(
            session,
            template="appointment.noshow_warning",
            now=now,
            citizen_id=citizen_id,
            params={"code": code},
            ref_type="appointment",
            ref_id=code,
        )


def mark_no_shows(
    session: Session, *, now: datetime, citizen_id: int | None = None, rule: policy.SlotRule = policy.DEFAULT_SLOT_RULE
) -> int:
    """Bookings never checked in by the end of the grace period become no-shows (and count against credit)."""
    deadline = now - timedelta(minutes=rule.grace_minutes)
    if (
        citizen_id is not None
        and session.execute(_MISSED, {"deadline": deadline, "citizen": citizen_id}).first() is None
    ):
        return 0  # the usual case, checked before every booking: nothing missed
    stmt = select(Booking).where(Booking.status == "booked", Booking.starts_at < deadline)
    if citizen_id is not None:
        stmt = stmt.where(Booking.citizen_id == citizen_id)
    count = 0
    for booking in list(session.execute(stmt).scalars()):
        changed = session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == "booked")
            .values(status="no_show", no_show_at=now, live_key=None)
            .returning(Booking.id)
        ).first()
        if changed:
            count += 1
            _apply_credit_rule(session, booking.citizen_id, now, after="no_show", code=booking.code)
    return count


def send_reminders(session: Session, *, now: datetime, ahead: timedelta = timedelta(hours=24)) -> int:
    """One reminder per live booking starting within ``ahead``."""
    rows = list(
        session.execute(
            select(Booking).where(
                Booking.status == "booked",
                Booking.reminded_at.is_(None),
                Booking.starts_at > now,
                Booking.starts_at <= now + ahead,
            )
        ).scalars()
    )
    for booking in rows:
        item = catalog_service.get_item(session, booking.item_code)
        notify_service.send(
            session,
            template="appointment.reminder",
            now=now,
            citizen_id=booking.citizen_id,
            params={"item": item.name, "when": policy.time_str(booking.starts_at), "code": booking.code},
            ref_type="appointment",
            ref_id=booking.code,
        )
        booking.reminded_at = now
    return len(rows)


def check_in(
    session: Session,
    *,
    code: str,
    hall_id: int,
    now: datetime,
    actor: Actor,
    rule: policy.SlotRule = policy.DEFAULT_SLOT_RULE,
) -> tuple[Booking, bool]:
    """Turn a booking into a ticket's appointment: (booking, on_time). On time gives a priority ticket."""
    booking = session.execute(select(Booking).where(Booking.code == code)).scalar_one_or_none()
    if booking is None:
        raise BookingNotFound(detail={"code": code})
    if actor.kind == "citizen" and booking.citizen_id != actor.id:
        raise NotYourBooking()
    if booking.hall_id != hall_id:
        raise CheckInWindow(detail={"reason": "other_hall"})
    state = policy.check_in_state(booking.starts_at, now, rule)
    if state in ("early", "wrong_day"):
        raise CheckInWindow(detail={"reason": state})
    changed = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == "booked")
        .values(status="checked_in", checked_in_at=now, live_key=None)
        .returning(Booking.id)
    ).first()
    if changed is None:
        raise BookingState(detail={"status": booking.status})
    session.refresh(booking)
    return booking, state == "on_time"


def attach_ticket(session: Session, booking: Booking, ticket_id: int) -> None:
    booking.ticket_id = ticket_id


def booking_read(session: Session, booking: Any) -> BookingRead:
    """The public shape of a booking (an ORM booking or a row)."""
    hall = org_service.hall_facts_by_id(session, booking.hall_id)
    return BookingRead(
        code=booking.code,
        slot_id=booking.slot_id,
        status=booking.status,
        item_code=booking.item_code,
        hall_code=hall.code,
        starts_at=booking.starts_at,
        ticket_id=booking.ticket_id,
    )


def my_bookings(session: Session, actor: Actor) -> list[Booking]:
    citizen_id = _citizen_id(actor)
    return list(
        session.execute(
            select(Booking).where(Booking.citizen_id == citizen_id).order_by(Booking.starts_at.desc()).limit(100)
        ).scalars()
    )


def local_day(dt: datetime) -> date:
    return dt.astimezone(SHANGHAI).date()
