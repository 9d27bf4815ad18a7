"""What staff supervision and performance (``staff``) read of the queue, as typed rows: the services each clerk
finished in a period, the window sessions and who is being served today, the waiting line's items, each window's
last finish, and which halls have window sessions at all (the supervision scan). Read-only; every question starts
from the one scope filter (``core.repository.hall_scope``), like ``queueing.history``."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smarthall.core.repository import hall_scope
from smarthall.core.tenancy import Actor
from smarthall.queueing.models import Ticket, WindowSession


class FinishedService(NamedTuple):
    staff_id: int
    called_at: datetime | None
    finished_at: datetime | None
    window_code: str | None = None  # the window it was served at
    queued_at: datetime | None = None  # when the wait this call ended began (issue, or the last requeue)


class SessionRow(NamedTuple):
    window_code: str
    staff_id: int | None
    status: str
    signed_in_at: datetime | None
    status_since: datetime | None


class ServingRow(NamedTuple):
    id: int
    number: str
    window_code: str | None
    item_code: str
    called_at: datetime | None


class WaitingItem(NamedTuple):
    item_code: str
    target_window_code: str | None


def finished_services(
    session: Session, actor: Actor, hall_id: int, start: datetime, end: datetime
) -> list[FinishedService]:
    """Every service finished by a clerk in the hall in [start, end), with the window it was served at and when
    the customer's wait before the call began."""
    stmt = select(Ticket.staff_id, Ticket.called_at, Ticket.finished_at, Ticket.window_code, Ticket.queued_at).where(
        hall_scope(Ticket, actor),
        Ticket.hall_id == hall_id,
        Ticket.status == "finished",
        Ticket.staff_id.is_not(None),
        Ticket.finished_at >= start,
        Ticket.finished_at < end,
    )
    return [FinishedService(s, c, f, w, q) for s, c, f, w, q in session.execute(stmt) if s is not None]


def window_sessions(session: Session, actor: Actor, hall_id: int) -> list[SessionRow]:
    """The hall's window sessions, by window code."""
    stmt = select(
        WindowSession.window_code,
        WindowSession.staff_id,
        WindowSession.status,
        WindowSession.signed_in_at,
        WindowSession.status_since,
    ).where(hall_scope(WindowSession, actor), WindowSession.hall_id == hall_id)
    return [SessionRow(*r) for r in session.execute(stmt.order_by(WindowSession.window_code))]


def serving(session: Session, actor: Actor, hall_id: int, day: date) -> list[ServingRow]:
    """The tickets being served (called) in the hall on ``day``."""
    stmt = select(Ticket.id, Ticket.number, Ticket.window_code, Ticket.item_code, Ticket.called_at).where(
        hall_scope(Ticket, actor), Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == "called"
    )
    return [ServingRow(*r) for r in session.execute(stmt)]


def waiting_items(session: Session, actor: Actor, hall_id: int, day: date) -> list[WaitingItem]:
    """(item_code, target_window_code) of every waiting ticket of the day."""
    stmt = select(Ticket.item_code, Ticket.target_window_code).where(
        hall_scope(Ticket, actor), Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == "waiting"
    )
    return [WaitingItem(r[0], r[1]) for r in session.execute(stmt)]


def last_finish_by_window(session: Session, actor: Actor, hall_id: int, day: date) -> dict[str, datetime]:
    """window code → when its last service of ``day`` finished."""
    stmt = (
        select(Ticket.window_code, func.max(Ticket.finished_at))
        .where(
            hall_scope(Ticket, actor),
            Ticket.hall_id == hall_id,
            Ticket.day == day,
            Ticket.status == "finished",
            Ticket.window_code.is_not(None),
        )
        .group_by(Ticket.window_code)
    )
    return {r[0]: r[1] for r in session.execute(stmt) if r[0] is not None and r[1] is not None}


def halls_with_sessions(session: Session) -> list[int]:
    """The ids of every hall with a window session (the supervision scan's halls), ascending."""
    return sorted({h for (h,) in session.execute(select(WindowSession.hall_id).distinct())})
