"""What the hall manager's live console (``operations``) needs of the queue, and the window acts it may take.

Reads: the waiting line per queue (how many, the oldest place in line, how many have waited past the hall's
``queue.long_wait_minutes``), the window sessions (who is signed in, open or paused, each with a *version*: the
session's state as the manager saw it) and who is being served. Writes: a manager resumes a paused window (calls
the clerk back) only while its session is as the manager saw it — a conditional update, else ``WindowChanged``
(409) — audited, and shown on the boards and the window pad like the clerk's own resume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from smarthall.core.clock import service_day
from smarthall.core.errors import Conflict
from smarthall.core.tenancy import Actor
from smarthall.queueing import console_repository as repo
from smarthall.queueing import facts
from smarthall.queueing import repository as queue_repo
from smarthall.queueing.service import publish


class WindowChanged(Conflict):
    code = "window_changed"
    message_zh = "该窗口的状态刚刚已被他人更改,请刷新后再试"
    message_en = "The window was changed meanwhile; refresh and try again"


@dataclass(frozen=True)
class QueueLine:
    queue_code: str
    waiting: int
    priority_waiting: int
    longest_wait_minutes: float
    over_long_wait: int


@dataclass(frozen=True)
class WindowSeat:
    window_code: str
    staff_id: int | None
    status: str  # open / paused / closed
    signed_in_at: datetime | None
    serving: str | None  # the number being served
    version: str  # the session as seen: status, clerk, last change


def version_of(status: str, staff_id: int | None, updated_at: datetime | None) -> str:
    stamp = updated_at.isoformat() if updated_at is not None else "-"
    return f"{status}|{staff_id or 0}|{stamp}"


def _parse(version: str) -> tuple[str, int | None, datetime] | None:
    try:
        status, staff, stamp = version.split("|", 2)
        return status, (int(staff) or None), datetime.fromisoformat(stamp)
    except ValueError:
        return None


def lines(session: Session, hall_id: int, now: datetime) -> tuple[list[QueueLine], int]:
    """Waiting per queue, and the hall's ``queue.long_wait_minutes`` rule used to count long waits."""
    long_minutes = facts.rules(session, facts.hall_by_id(session, hall_id)).long_wait_minutes
    since = now - timedelta(minutes=long_minutes)
    acc: dict[str, list[float]] = {}
    for queue_code, priority, n, oldest, long in repo.console_line(session, hall_id, service_day(now), since):
        row = acc.setdefault(queue_code, [0, 0, 0.0, 0])
        row[0] += n
        row[1] += n if priority else 0
        row[2] = max(row[2], (now - oldest).total_seconds() / 60 if oldest else 0.0)
        row[3] += long
    out = [QueueLine(q, int(a), int(b), round(max(c, 0.0), 1), int(d)) for q, (a, b, c, d) in sorted(acc.items())]
    return out, long_minutes


def seats(session: Session, hall_id: int, now: datetime) -> dict[str, WindowSeat]:
    serving = queue_repo.hall_state(session, hall_id, service_day(now), now).serving  # window code → number served
    out = {}
    for code, staff_id, status, signed_in_at, updated_at in repo.console_windows(session, hall_id):
        staff = staff_id if status != "closed" else None
        out[code] = WindowSeat(
            code, staff, status, signed_in_at, serving.get(code), version_of(status, staff_id, updated_at)
        )
    return out


def resume_for_manager(session: Session, actor: Actor, *, window_code: str, version: str, now: datetime) -> None:
    """Call the clerk at a paused window back to calling, if the window is still as the manager saw it."""
    window = facts.window(session, window_code)
    actor.ensure_hall(window.hall_id, window.region_path)
    seen = _parse(version)
    if seen is None or seen[0] != "paused":
        raise WindowChanged(detail={"window_code": window.code})
    if not repo.set_status_if_unchanged(session, actor, window_code=window.code, status="open", seen=seen, now=now):
        raise WindowChanged(detail={"window_code": window.code})
    message = {"type": "window", "window_code": window.code, "status": "open", "by": "manager"}
    publish(session, window.hall_id, window.hall_code, message, now=now)
