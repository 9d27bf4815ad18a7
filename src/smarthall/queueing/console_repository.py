"""The manager's live console's queries (§10.1), a module of the queue's repository (``queueing.repository`` holds
the hot paths and was at its size limit): the waiting line per queue, the window sessions, and the manager's
conditional resume of a window (audited here, as every Core write of the repository is).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.models import UTCDateTime
from smarthall.core.tenancy import Actor
from smarthall.queueing.models import Ticket, WindowSession, status_is

_T = cast(Table, Ticket.__table__)
_WS = cast(Table, WindowSession.__table__)

_CONSOLE_LINE = (
    select(
        _T.c.queue_code,
        _T.c.priority,
        func.count().label("n"),
        func.min(_T.c.queued_at).label("oldest"),
        func.count().filter(_T.c.queued_at <= bindparam("long_since", type_=UTCDateTime)).label("long"),
    )
    .where(_T.c.hall_id == bindparam("hall_id"), _T.c.day == bindparam("day"), status_is("waiting"))
    .group_by(_T.c.queue_code, _T.c.priority)
)
_CONSOLE_WINDOWS = select(_WS.c.window_code, _WS.c.staff_id, _WS.c.status, _WS.c.signed_in_at, _WS.c.updated_at).where(
    _WS.c.hall_id == bindparam("hall_id")
)


def console_line(session: Session, hall_id: int, day: date, long_since: datetime) -> list[Any]:
    """Per (queue, priority): waiting, the oldest place in line, and how many wait since ``long_since``."""
    return list(session.execute(_CONSOLE_LINE, {"hall_id": hall_id, "day": day, "long_since": long_since}))


def console_windows(session: Session, hall_id: int) -> list[Any]:
    """The hall's window sessions: (window_code, staff_id, status, signed_in_at, updated_at)."""
    return list(session.execute(_CONSOLE_WINDOWS, {"hall_id": hall_id}))


def set_status_if_unchanged(
    session: Session,
    actor: Actor,
    *,
    window_code: str,
    status: str,
    seen: tuple[str, int | None, datetime],
    now: datetime,
) -> bool:
    """Set a signed-in window's status when its session is still as the manager saw it (status, clerk, last
    change): one conditional UPDATE, so two managers (or a manager and the clerk) cannot both win."""
    seen_status, seen_staff, seen_at = seen
    stmt = (
        update(_WS)
        .where(
            _WS.c.window_code == window_code,
            _WS.c.status == seen_status,
            _WS.c.staff_id == seen_staff,
            _WS.c.updated_at == bindparam("seen_at", seen_at, type_=UTCDateTime),
        )
        .values(status=status, updated_at=now)
        .returning(_WS.c.id)
    )
    row = session.execute(stmt).first()
    if row is not None and actor.kind == "staff":
        audit_service.record(
            session, actor, f"queue.window.{status}", target_type="queue_window_session", target_id=row.id
        )
    return row is not None
