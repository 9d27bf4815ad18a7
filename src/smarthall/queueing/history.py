"""The queue's past as counts (the tickets of past days, read in aggregate): arrivals per day × local hour × queue
and the learnt handling time and priority share per queue. Operations' forecast and staffing read them through
``queueing.facts``; the queries start from the one scope filter (``core.repository.hall_scope``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.core.clock import SHANGHAI
from smarthall.core.repository import hall_scope
from smarthall.core.tenancy import Actor
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
