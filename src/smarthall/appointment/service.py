"""Appointments (智能预约): slots, booking, cancel, reschedule, check-in, no-shows and the credit rule.

Slots are generated on first demand for (hall, item group, day) from the hall's opening hours; the item group is
the item's department. Capacity is kept by a conditional counter update; one live booking per person, item and day
by a unique ``live_key`` (see ``repository``). The rules — horizon, cut-off, slot length and capacity, grace,
early check-in, extended hours, the credit rule — are the hall's ``appointment.*`` rule settings, read once per use
case (``rules``).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.appointment import policy
from smarthall.appointment import repository as repo
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
    TooManyBookings,
)
from smarthall.appointment.models import Booking
from smarthall.appointment.repository import BookingRow, SlotRow
from smarthall.appointment.schemas import BookingRead, SlotRead
from smarthall.catalog import service as catalog_service
from smarthall.core import events, ratelimit
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.db import Database
from smarthall.core.errors import Forbidden, HallError
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.org.service import HallFacts
from smarthall.rules import service as rules_service


def group_code(item: catalog_service.ItemFacts) -> str:
    return item.department_code


def rules(session: Session, hall: HallFacts) -> tuple[policy.SlotRule, policy.CreditRule]:
    """The hall's slot and credit rules (``appointment.*`` rule settings, nearest override winning; cached)."""
    values = {
        key: rules_service.value(session, hall, f"appointment.{key}")
        for key in (*policy.SlotRule.keys(), *policy.CreditRule.keys())
    }
    return policy.SlotRule.from_values(values), policy.CreditRule.from_values(values)


def _bookable_item(session: Session, hall: HallFacts, item_code: str) -> catalog_service.ItemFacts:
    item = catalog_service.item_facts(session, item_code)
    if not item.appointment or item_code not in catalog_service.hall_items(session, hall):
        raise ItemNotBookable(detail={"item_code": item_code, "hall_code": hall.code})
    return item


def is_bookable(session: Session, hall_code: str, item_code: str) -> bool:
    """Whether citizens may book ``item_code`` at the hall (what pages check before offering "预约办理")."""
    if not hall_code or not item_code:
        return False
    try:
        _bookable_item(session, org_service.hall_facts(session, hall_code), item_code)
    except HallError:  # not bookable there, or no such hall or item
        return False
    return True


def _ensure_slots(session: Session, hall: HallFacts, group: str, day: date, rule: policy.SlotRule) -> None:
    if repo.day_slots(session, hall.id, group, day):
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
    repo.ensure_slots(session, SYSTEM, rows)


def list_slots(
    session: Session, db: Database, *, hall_code: str, item_code: str, day: date, now: datetime
) -> list[SlotRead]:
    """Slots of the day for the item's group, with places left; empty on closed days or outside the horizon."""
    hall = org_service.hall_facts(session, hall_code)
    item = _bookable_item(session, hall, item_code)
    slot_rule, _ = rules(session, hall)
    today = service_day(now)
    if day < today or day > today + timedelta(days=slot_rule.horizon_days):
        return []
    group = group_code(item)
    slots = repo.day_slots(session, hall.id, group, day)
    if not slots:
        # Generated in a short write transaction of its own, then read from it (a read session's snapshot would
        # not see rows committed after it began).
        with db.unit_of_work() as w:
            _ensure_slots(w, hall, group, day, slot_rule)
            slots = repo.day_slots(w, hall.id, group, day)
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


def _citizen_id(actor: Actor) -> int:
    if actor.kind != "citizen" or actor.id is None:
        raise Forbidden("仅实名登录的群众可以预约", "Only signed-in citizens can book", code="citizen_only")
    return actor.id


def _live_key(citizen_id: int, item_code: str, day: date) -> str:
    return f"{citizen_id}:{item_code}:{day.isoformat()}"


def _take_place(session: Session, actor: Actor, slot_id: int) -> None:
    """Never more bookings than places, whatever the concurrency."""
    if not repo.take_place(session, actor, slot_id):
        raise SlotFull(detail={"slot_id": slot_id})


def _new_code() -> str:
    return f"Y{secrets.randbelow(10**10):010d}"


def book(session: Session, actor: Actor, *, slot_id: int, item_code: str, now: datetime) -> BookingRow:
    """Book a place; the booking's row (code, slot, status, ...). Conditional counter: never overbooked."""
    citizen_id = _citizen_id(actor)
    ratelimit.enforce(session, "appointment.book", actor, now)
    identity_service.require_verified_phone(session, actor)  # an unverified account does not book (issue 12.15)
    slot, hall, item = slot_choice(session, slot_id=slot_id, item_code=item_code, now=now)
    _ensure_credit(session, citizen_id, now)
    cap = int(rules_service.value(session, hall, "appointment.max_live_bookings"))
    if cap and (live := repo.live_bookings(session, citizen_id, now)) >= cap:
        raise TooManyBookings(detail={"live": live, "max": cap})
    booking = repo.insert_booking(
        session,
        actor,
        {
            "code": _new_code(),
            "slot_id": slot.id,
            "hall_id": hall.id,
            "item_code": item_code,
            "citizen_id": citizen_id,
            "day": slot.day,
            "starts_at": slot.starts_at,
            "status": "booked",
            "live_key": _live_key(citizen_id, item_code, slot.day),
        },
    )
    if booking is None:
        raise AlreadyBooked(detail={"item_code": item_code, "day": slot.day.isoformat()})
    _take_place(session, actor, slot.id)
    events.emit(session, "booking.created", code=booking.code, hall_id=hall.id, citizen_id=citizen_id,
                item_code=item_code, starts_at=slot.starts_at, at=now)  # fmt: skip
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


def slot_choice(
    session: Session, *, slot_id: int, item_code: str, now: datetime
) -> tuple[SlotRow, HallFacts, catalog_service.ItemFacts]:
    """What the confirmation step shows before ``book``: the slot, its hall and the item — refused as ``book``
    would refuse it (no such slot, not bookable, another group's slot, closed)."""
    slot = repo.slot(session, slot_id)
    if slot is None:
        raise SlotNotFound(detail={"slot_id": slot_id})
    hall = org_service.hall_facts_by_id(session, slot.hall_id)
    item = _bookable_item(session, hall, item_code)
    if group_code(item) != slot.group_code:
        raise ItemNotBookable(detail={"item_code": item_code, "slot_id": slot_id})
    slot_rule, _ = rules(session, hall)
    if not policy.bookable(slot.starts_at, now, slot_rule):
        raise SlotClosed(detail={"slot_id": slot_id})
    return slot, hall, item


def own_booking_read(session: Session, actor: Actor, code: str) -> BookingRead:
    """One of the signed-in citizen's bookings (``BookingNotFound`` / ``NotYourBooking`` otherwise)."""
    return booking_read(session, _own_booking(session, actor, code))


def _own_booking(session: Session, actor: Actor, code: str) -> Booking:
    booking = repo.booking_by_code(session, code)
    if booking is None:
        raise BookingNotFound(detail={"code": code})
    if actor.kind != "citizen" or booking.citizen_id != actor.id:
        raise NotYourBooking()
    return booking


def cancel(session: Session, actor: Actor, *, code: str, now: datetime) -> BookingRow:
    """Cancel a live booking (counts towards the credit rule)."""
    booking = _own_booking(session, actor, code)
    changed = repo.leave_booked(session, actor, booking.id, "cancelled", now)
    if changed is None:
        raise BookingState(detail={"status": booking.status})
    repo.free_place(session, actor, changed.slot_id)
    notify_service.send(
        session,
        template="appointment.cancelled",
        now=now,
        citizen_id=changed.citizen_id,
        params={"code": changed.code, "when": policy.time_str(changed.starts_at)},
        ref_type="appointment",
        ref_id=changed.code,
    )
    hall = org_service.hall_facts_by_id(session, changed.hall_id)
    _apply_credit_rule(session, actor, hall, changed.citizen_id, now, after="cancel", code=changed.code)
    return changed


def reschedule(session: Session, actor: Actor, *, code: str, slot_id: int, now: datetime) -> Booking:
    """Move a live booking to another slot of the same group (not counted as a cancellation)."""
    booking = _own_booking(session, actor, code)
    if booking.status != "booked":
        raise BookingState(detail={"status": booking.status})
    slot, old = repo.slot(session, slot_id), repo.slot(session, booking.slot_id)
    if slot is None or old is None or slot.hall_id != old.hall_id or slot.group_code != old.group_code:
        raise SlotNotFound(detail={"slot_id": slot_id})
    slot_rule, _ = rules(session, org_service.hall_facts_by_id(session, slot.hall_id))
    if not policy.bookable(slot.starts_at, now, slot_rule):
        raise SlotClosed(detail={"slot_id": slot_id})
    if slot.id == old.id:
        return booking
    try:
        with session.begin_nested():
            booking.slot_id, booking.day, booking.starts_at = slot.id, slot.day, slot.starts_at
            booking.live_key = _live_key(booking.citizen_id, booking.item_code, slot.day)
            session.flush()  # an ORM write: the flush hook audits it
    except IntegrityError:
        raise AlreadyBooked(detail={"item_code": booking.item_code, "day": slot.day.isoformat()})
    _take_place(session, actor, slot.id)
    repo.free_place(session, actor, old.id)
    return booking


def _ensure_credit(session: Session, citizen_id: int, now: datetime) -> None:
    until = repo.blocked_until(session, citizen_id)
    if until is not None and until > now:
        raise CreditBlocked(detail={"blocked_until": until.isoformat()})


def credit_counts(session: Session, citizen_id: int, now: datetime, rule: policy.CreditRule) -> tuple[int, int]:
    """(no-shows, cancellations) within the credit rule's window."""
    return repo.credit_counts(session, citizen_id, now - timedelta(days=rule.window_days))


def _apply_credit_rule(
    session: Session, actor: Actor, hall: HallFacts, citizen_id: int, now: datetime, *, after: str, code: str
) -> None:
    """The credit rule of the hall where the booking was: a block (and its notice), or a first no-show warning."""
    _, rule = rules(session, hall)
    no_shows, cancels = credit_counts(session, citizen_id, now, rule)
    verdict = policy.credit_verdict(no_shows, cancels, rule)
    if verdict == "block":
        until = now + timedelta(days=rule.block_days)
        repo.add_credit_block(
            session, actor, citizen_id=citizen_id, until=until, reason=f"{after}:{no_shows}/{cancels}"
        )
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


def mark_no_shows(session: Session, *, now: datetime, citizen_id: int | None = None) -> int:
    """Bookings never checked in by the end of their hall's grace period become no-shows (and count against
    credit). Checked before every booking for its citizen (the usual answer: nothing missed, one indexed read)."""
    # Any live booking that has started is a candidate; each is judged by its own hall's grace period.
    if citizen_id is not None and not repo.has_missed(session, citizen_id, now):
        return 0
    count = 0
    for booking in repo.missed(session, now, citizen_id):
        hall = org_service.hall_facts_by_id(session, booking.hall_id)
        slot_rule, _ = rules(session, hall)
        if booking.starts_at >= now - timedelta(minutes=slot_rule.grace_minutes):
            continue  # still within its grace period
        if repo.leave_booked(session, SYSTEM, booking.id, "no_show", now) is not None:
            count += 1
            _apply_credit_rule(session, SYSTEM, hall, booking.citizen_id, now, after="no_show", code=booking.code)
    return count


def send_reminders(session: Session, *, now: datetime, ahead: timedelta = timedelta(hours=24)) -> int:
    """One reminder per live booking starting within ``ahead``."""
    rows = repo.due_reminders(session, now, now + ahead)
    for booking in rows:
        item = catalog_service.item_facts(session, booking.item_code)
        notify_service.send(
            session,
            template="appointment.reminder",
            now=now,
            citizen_id=booking.citizen_id,
            params={"item": item.name, "when": policy.time_str(booking.starts_at), "code": booking.code},
            ref_type="appointment",
            ref_id=booking.code,
        )
        booking.reminded_at = now  # an ORM write (by the system)
    return len(rows)


def check_in(session: Session, *, code: str, hall_id: int, now: datetime, actor: Actor) -> tuple[BookingRow, bool]:
    """Turn a booking into a ticket's appointment: (booking, on_time). On time gives a priority ticket."""
    booking = repo.booking_by_code(session, code)
    if booking is None:
        raise BookingNotFound(detail={"code": code})
    if actor.kind == "citizen" and booking.citizen_id != actor.id:
        raise NotYourBooking()
    if booking.hall_id != hall_id:
        raise CheckInWindow(detail={"reason": "other_hall"})
    slot_rule, _ = rules(session, org_service.hall_facts_by_id(session, hall_id))
    state = policy.check_in_state(booking.starts_at, now, slot_rule)
    if state in ("early", "wrong_day"):
        raise CheckInWindow(detail={"reason": state})
    if booking.status == "no_show" and state == "late":
        return _came_after_all(session, actor, booking, now), False
    changed = repo.leave_booked(session, actor, booking.id, "checked_in", now)
    if changed is None:
        raise BookingState(detail={"status": booking.status})
    return changed, state == "on_time"


def _came_after_all(session: Session, actor: Actor, booking: Booking, now: datetime) -> BookingRow:
    """A citizen checking in after the grace period, on the booking's day, once the no-show job has marked it: they
    get an ordinary ticket like any late arrival, and the no-show stops counting — a credit block it set is lifted
    when the remaining no-shows and cancellations would not have set it."""
    marked_at = booking.no_show_at
    changed = repo.no_show_came(session, actor, booking.id, now)
    if changed is None:
        raise BookingState(detail={"status": booking.status})
    hall = org_service.hall_facts_by_id(session, booking.hall_id)
    _, rule = rules(session, hall)
    no_shows, cancels = credit_counts(session, booking.citizen_id, now, rule)
    if marked_at is not None and policy.credit_verdict(no_shows, cancels, rule) != "block":
        until = marked_at + timedelta(days=rule.block_days)
        repo.lift_no_show_block(session, actor, citizen_id=booking.citizen_id, until=until, now=now)
    return changed


def attach_ticket(session: Session, booking: BookingRow, ticket_id: int, *, actor: Actor = SYSTEM) -> None:
    """The ticket a checked-in booking became."""
    repo.attach_ticket(session, actor, booking.id, booking.code, ticket_id)


def booking_read(session: Session, booking: Booking | BookingRow) -> BookingRead:
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
    """The signed-in citizen's bookings, newest first."""
    return repo.my_bookings(session, _citizen_id(actor))


def local_day(dt: datetime) -> date:
    return dt.astimezone(SHANGHAI).date()
