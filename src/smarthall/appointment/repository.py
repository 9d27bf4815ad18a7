"""Every query of appointments, prebuilt where the booking hot path runs them, with typed rows; the only writes.

Capacity is kept by one conditional counter update (``take_place``); one live booking per person, item and day by
the unique ``live_key`` (``insert_booking`` answers ``None`` on a clash). Core statements bypass the ORM flush hook
that audits staff writes, so every write method here records its own audit event for staff actors (``_audited``);
citizens' own bookings and the system's jobs are not audit events, as with the hook.

Bookings belong to their citizen: lists and gets are by owner (``my_bookings``, ``booking_by_code``), never by hall.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smarthall.appointment.models import Booking, CreditBlock, Slot
from smarthall.audit import service as audit_service
from smarthall.core.tenancy import Actor

_SLOT_T = cast(Table, Slot.__table__)
_BOOKING_T = cast(Table, Booking.__table__)
_CREDIT_T = cast(Table, CreditBlock.__table__)


class SlotRow(NamedTuple):
    id: int
    hall_id: int
    group_code: str
    day: date
    starts_at: datetime


class DaySlot(NamedTuple):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int


class BookingRow(NamedTuple):
    id: int
    code: str
    slot_id: int
    hall_id: int
    item_code: str
    citizen_id: int
    status: str
    starts_at: datetime
    ticket_id: int | None


_SLOT_BY_ID = select(*(_SLOT_T.c[name] for name in SlotRow._fields)).where(_SLOT_T.c.id == bindparam("slot_id"))
_BOOKING_COLS = tuple(_BOOKING_T.c[name] for name in BookingRow._fields)
_DAY_SLOTS = (
    select(*(_SLOT_T.c[name] for name in DaySlot._fields))
    .where(_SLOT_T.c.hall_id == bindparam("h"), _SLOT_T.c.group_code == bindparam("g"), _SLOT_T.c.day == bindparam("d"))
    .order_by(_SLOT_T.c.starts_at)
)
_TAKE_PLACE = (
    update(_SLOT_T)
    .where(_SLOT_T.c.id == bindparam("slot"), _SLOT_T.c.booked < _SLOT_T.c.capacity)
    .values(booked=_SLOT_T.c.booked + 1)
    .returning(_SLOT_T.c.id)
)
_FREE_PLACE = (
    update(_SLOT_T)
    .where(_SLOT_T.c.id == bindparam("slot"), _SLOT_T.c.booked > 0)
    .values(booked=_SLOT_T.c.booked - 1)
    .returning(_SLOT_T.c.id)
)
_BLOCKED_UNTIL = select(func.max(_CREDIT_T.c.blocked_until)).where(_CREDIT_T.c.citizen_id == bindparam("citizen"))
_MISSED = select(_BOOKING_T.c.id).where(
    _BOOKING_T.c.status == "booked",
    _BOOKING_T.c.starts_at < bindparam("deadline"),
    _BOOKING_T.c.citizen_id == bindparam("citizen"),
)
_COUNT_LIVE = select(func.count()).where(
    _BOOKING_T.c.citizen_id == bindparam("citizen"),
    _BOOKING_T.c.status == "booked",
    _BOOKING_T.c.starts_at >= bindparam("now"),
)
_COUNT_NO_SHOWS = select(func.count()).where(
    _BOOKING_T.c.citizen_id == bindparam("citizen"),
    _BOOKING_T.c.status == "no_show",
    _BOOKING_T.c.no_show_at >= bindparam("since"),
)
_COUNT_CANCELS = select(func.count()).where(
    _BOOKING_T.c.citizen_id == bindparam("citizen"),
    _BOOKING_T.c.status == "cancelled",
    _BOOKING_T.c.cancelled_at >= bindparam("since"),
)
# A live booking leaves ``booked`` once: checked in, cancelled or missed (its live key freed for a new booking).
_LEAVE_BOOKED = {
    status: update(_BOOKING_T)
    .where(_BOOKING_T.c.id == bindparam("bid"), _BOOKING_T.c.status == "booked")
    .values(status=status, live_key=None, **{stamp: bindparam("now")})
    .returning(*_BOOKING_COLS)
    for status, stamp in (("checked_in", "checked_in_at"), ("cancelled", "cancelled_at"), ("no_show", "no_show_at"))
}
# A booking marked a no-show whose citizen came on the day after all (a late check-in): checked in, no longer missed.
_NO_SHOW_CAME = (
    update(_BOOKING_T)
    .where(_BOOKING_T.c.id == bindparam("bid"), _BOOKING_T.c.status == "no_show")
    .values(status="checked_in", checked_in_at=bindparam("now"), no_show_at=None)
    .returning(*_BOOKING_COLS)
)
_LIFT_NO_SHOW_BLOCK = (
    update(_CREDIT_T)
    .where(
        _CREDIT_T.c.citizen_id == bindparam("citizen"),
        _CREDIT_T.c.blocked_until == bindparam("until"),
        _CREDIT_T.c.reason.like("no_show:%"),
    )
    .values(blocked_until=bindparam("now"))
)
_SET_TICKET = update(_BOOKING_T).where(_BOOKING_T.c.id == bindparam("bid")).values(ticket_id=bindparam("tid"))


def _audited(session: Session, actor: Actor, action: str, code: str, hall_code: str | None = None) -> None:
    if actor.kind == "staff":
        audit_service.record(
            session, actor, action, target_type="appointment_booking", target_id=code, hall_code=hall_code
        )


def _insert(session: Session) -> Callable[..., Any]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# ----------------------------------------------------------------------------------------------------- reads


def slot(session: Session, slot_id: int) -> SlotRow | None:
    row = session.execute(_SLOT_BY_ID, {"slot_id": slot_id}).first()
    return SlotRow._make(row) if row is not None else None


def day_slots(session: Session, hall_id: int, group_code: str, day: date) -> list[DaySlot]:
    return [DaySlot._make(r) for r in session.execute(_DAY_SLOTS, {"h": hall_id, "g": group_code, "d": day})]


def booking_by_code(session: Session, code: str) -> Booking | None:
    return session.execute(select(Booking).where(Booking.code == code)).scalar_one_or_none()


def blocked_until(session: Session, citizen_id: int) -> datetime | None:
    value: datetime | None = session.execute(_BLOCKED_UNTIL, {"citizen": citizen_id}).scalar()
    return value


def has_missed(session: Session, citizen_id: int, deadline: datetime) -> bool:
    return session.execute(_MISSED, {"deadline": deadline, "citizen": citizen_id}).first() is not None


def missed(session: Session, deadline: datetime, citizen_id: int | None = None) -> list[Booking]:
    """Live bookings whose slot began before ``deadline`` (oldest first)."""
    stmt = select(Booking).where(Booking.status == "booked", Booking.starts_at < deadline)
    if citizen_id is not None:
        stmt = stmt.where(Booking.citizen_id == citizen_id)
    return list(session.execute(stmt.order_by(Booking.starts_at, Booking.id)).scalars())


def live_bookings(session: Session, citizen_id: int, now: datetime) -> int:
    """How many of the citizen's bookings are still ahead (booked, not yet started)."""
    return int(session.execute(_COUNT_LIVE, {"citizen": citizen_id, "now": now}).scalar_one())


def credit_counts(session: Session, citizen_id: int, since: datetime) -> tuple[int, int]:
    """(no-shows, cancellations) of the citizen since ``since``."""
    params = {"citizen": citizen_id, "since": since}
    no_shows = session.execute(_COUNT_NO_SHOWS, params).scalar_one()
    cancels = session.execute(_COUNT_CANCELS, params).scalar_one()
    return int(no_shows), int(cancels)


def due_reminders(session: Session, now: datetime, until: datetime) -> list[Booking]:
    """Live bookings starting in (now, until] not reminded yet."""
    return list(
        session.execute(
            select(Booking)
            .where(
                Booking.status == "booked",
                Booking.reminded_at.is_(None),
                Booking.starts_at > now,
                Booking.starts_at <= until,
            )
            .order_by(Booking.starts_at, Booking.id)
        ).scalars()
    )


def my_bookings(session: Session, citizen_id: int, limit: int = 100) -> list[Booking]:
    stmt = select(Booking).where(Booking.citizen_id == citizen_id).order_by(Booking.starts_at.desc(), Booking.id.desc())
    return list(session.execute(stmt.limit(limit)).scalars())


# ---------------------------------------------------------------------------------------------------- writes


def ensure_slots(session: Session, actor: Actor, rows: Sequence[dict[str, Any]]) -> None:
    """Generate a day's slots; two first visitors at once keep one copy (the unique constraint)."""
    if rows:
        session.execute(_insert(session)(Slot).values(list(rows)).on_conflict_do_nothing())
        first = rows[0]
        _audited(session, actor, "appointment.slots", f"{first['hall_id']}:{first['group_code']}:{first['day']}")


def insert_booking(session: Session, actor: Actor, values: dict[str, Any]) -> BookingRow | None:
    """The new booking, or ``None`` when its live key is taken (the citizen holds a booking for that item that
    day)."""
    stmt = (
        _insert(session)(_BOOKING_T)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["live_key"])
        .returning(*_BOOKING_COLS)
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    booking = BookingRow._make(row)
    _audited(session, actor, "appointment.book", booking.code)
    return booking


def take_place(session: Session, actor: Actor, slot_id: int) -> bool:
    """One conditional counter update: ``False`` when the slot is full, whatever the concurrency."""
    taken = session.execute(_TAKE_PLACE, {"slot": slot_id}).first() is not None
    if taken:
        _audited(session, actor, "appointment.take_place", str(slot_id))
    return taken


def free_place(session: Session, actor: Actor, slot_id: int) -> None:
    if session.execute(_FREE_PLACE, {"slot": slot_id}).first() is not None:
        _audited(session, actor, "appointment.free_place", str(slot_id))


def leave_booked(session: Session, actor: Actor, booking_id: int, status: str, now: datetime) -> BookingRow | None:
    """Move a live booking to ``checked_in``, ``cancelled`` or ``no_show`` (``None``: it was no longer live)."""
    row = session.execute(_LEAVE_BOOKED[status], {"bid": booking_id, "now": now}).first()
    if row is None:
        return None
    booking = BookingRow._make(row)
    _audited(session, actor, f"appointment.{status}", booking.code)
    return booking


def no_show_came(session: Session, actor: Actor, booking_id: int, now: datetime) -> BookingRow | None:
    """A no-show checked in late on its day: ``checked_in`` (``None``: it was not a no-show any more)."""
    row = session.execute(_NO_SHOW_CAME, {"bid": booking_id, "now": now}).first()
    if row is None:
        return None
    booking = BookingRow._make(row)
    _audited(session, actor, "appointment.checked_in_late", booking.code)
    return booking


def lift_no_show_block(session: Session, actor: Actor, *, citizen_id: int, until: datetime, now: datetime) -> int:
    """End the credit block a no-show set (the one running until ``until``), now that it no longer counts."""
    result = session.execute(_LIFT_NO_SHOW_BLOCK, {"citizen": citizen_id, "until": until, "now": now})
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        _audited(session, actor, "appointment.credit_unblock", str(citizen_id))
    return count


def attach_ticket(session: Session, actor: Actor, booking_id: int, code: str, ticket_id: int) -> None:
    session.execute(_SET_TICKET, {"bid": booking_id, "tid": ticket_id})
    _audited(session, actor, "appointment.attach_ticket", code)


def add_credit_block(session: Session, actor: Actor, *, citizen_id: int, until: datetime, reason: str) -> None:
    session.add(CreditBlock(citizen_id=citizen_id, blocked_until=until, reason=reason))
    _audited(session, actor, "appointment.credit_block", str(citizen_id))
