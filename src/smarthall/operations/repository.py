"""Every query of operations: the roster, the hall's arrival history and learnt service times, the subscriptions.

Arrivals are read from the queue's tickets until the facts tables land (``hourly_arrivals`` is the one function to
swap for a facts read: same arguments, same answer). Hall-owned rows are read through ``core.repository
.hall_scope``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smarthall.core.clock import SHANGHAI
from smarthall.core.repository import hall_scope
from smarthall.core.tenancy import Actor
from smarthall.operations.models import PushSent, Shift, Subscription
from smarthall.queueing.models import Ticket

Counts = dict[date, dict[int, dict[str, int]]]  # day → hour → queue → arrivals


def hourly_arrivals(
    session: Session, scope: Actor, hall_code: str, from_day: date, to_day: date, queue: str | None = None
) -> Counts:
    """Tickets issued per (day, local hour, queue) in the hall, ``from_day`` … ``to_day`` inclusive. Every day of
    the range that had a ticket appears; days without any are absent (not recorded, not zero)."""
    stmt = (
        select(Ticket.day, Ticket.queue_code, Ticket.issued_at)
        .where(
            hall_scope(Ticket, scope),
            Ticket.hall_code == hall_code,
            Ticket.day >= from_day,
            Ticket.day <= to_day,
        )
        .execution_options(yield_per=5000)
    )
    if queue is not None:
        stmt = stmt.where(Ticket.queue_code == queue)
    out: Counts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))  # type: ignore[arg-type]
    for day, queue_code, issued_at in session.execute(stmt):
        out[day][issued_at.astimezone(SHANGHAI).hour][queue_code] += 1
    return {d: {h: dict(q) for h, q in hours.items()} for d, hours in out.items()}


def queue_profiles(
    session: Session, scope: Actor, hall_id: int, from_day: date, to_day: date
) -> dict[str, tuple[float | None, float]]:
    """Per queue over the range: mean handling minutes of finished tickets (called → finished; ``None`` without
    any) and the share of priority tickets."""
    stmt = select(Ticket.queue_code, Ticket.priority, Ticket.status, Ticket.called_at, Ticket.finished_at).where(
        hall_scope(Ticket, scope), Ticket.hall_id == hall_id, Ticket.day >= from_day, Ticket.day <= to_day
    )
    acc: dict[str, list[float]] = {}
    for queue_code, priority, status, called_at, finished_at in session.execute(stmt):
        row = acc.setdefault(queue_code, [0.0, 0.0, 0.0, 0.0])  # minutes, finished, priority, all
        row[2] += 1 if priority else 0
        row[3] += 1
        if status == "finished" and called_at is not None and finished_at is not None:
            row[0] += max((finished_at - called_at).total_seconds() / 60, 0.0)
            row[1] += 1
    return {q: (m / f if f else None, p / n if n else 0.0) for q, (m, f, p, n) in acc.items()}


def last_ticket_day(session: Session, scope: Actor, hall_id: int) -> date | None:
    stmt = select(func.max(Ticket.day)).where(hall_scope(Ticket, scope), Ticket.hall_id == hall_id)
    return session.execute(stmt).scalar_one_or_none()  # type: ignore[no-any-return]


def shifts_on(session: Session, scope: Actor, hall_id: int, day: date) -> list[Shift]:
    stmt = (
        select(Shift)
        .where(hall_scope(Shift, scope), Shift.hall_id == hall_id, Shift.day == day)
        .order_by(Shift.starts_at, Shift.id)
    )
    return list(session.execute(stmt).scalars())


def add_shift(session: Session, values: dict[str, Any]) -> Shift:
    shift = Shift(**values)
    session.add(shift)
    session.flush()
    return shift


def on_shift_at(shifts: list[Shift], now: datetime) -> list[Shift]:
    return [s for s in shifts if s.starts_at <= now < s.ends_at]


# ------------------------------------------------------------------------------------------------ subscriptions


def subscriptions_of(session: Session, citizen_id: int) -> dict[str, Subscription]:
    stmt = select(Subscription).where(Subscription.citizen_id == citizen_id)
    return {s.topic: s for s in session.execute(stmt).scalars()}


def subscription_by_token(session: Session, token: str) -> Subscription | None:
    stmt = select(Subscription).where(Subscription.token == token)
    return session.execute(stmt).scalar_one_or_none()


def add_subscription(session: Session, values: dict[str, Any]) -> Subscription:
    row = Subscription(**values)
    session.add(row)
    session.flush()
    return row


def subscribers(session: Session, topic: str) -> list[int]:
    stmt = select(Subscription.citizen_id).where(Subscription.topic == topic, Subscription.enabled.is_(True))
    return [r for (r,) in session.execute(stmt.order_by(Subscription.citizen_id))]


def pushes_since(session: Session, citizen_id: int, since: datetime) -> list[PushSent]:
    stmt = select(PushSent).where(PushSent.citizen_id == citizen_id, PushSent.sent_at > since)
    return list(session.execute(stmt).scalars())


def already_pushed(session: Session, citizen_id: int, refs: list[str]) -> set[str]:
    stmt = select(PushSent.ref).where(PushSent.citizen_id == citizen_id, PushSent.ref.in_(refs))
    return {r for (r,) in session.execute(stmt)}


def record_push(session: Session, citizen_id: int, topic: str, ref: str, now: datetime) -> None:
    session.add(PushSent(citizen_id=citizen_id, topic=topic, ref=ref, sent_at=now))
    session.flush()
