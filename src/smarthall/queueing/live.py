"""The live view of each hall's line, kept per process and off the request path: the replay behind wait estimates
(等候时间预测) and quiet calling (静默叫号: "three ahead of you" by SMS or in the app).

A hall's replay (``estimate.Snapshot``) is built from a read transaction of its own, never inside a request's
write transaction. Reads use the latest replay: a ticket issued since (here or in another process) is placed in
it as a full replay would place it — an ordinary one appended in O(windows), a priority one at the first moment a
window able to serve it took an ordinary ticket for want of a priority one (both property-tested against replays
from scratch).
After a call, a finish, a window opening or closing, a skip, a requeue or a transfer the replay is *stale*:
readers keep using it while a background refresh rebuilds it — at most once per ``REFRESH_SECONDS`` and never
more often than twenty times its own build time, so a very long line costs a bounded share of the CPU — and the
refresh then sends the quiet-calling messages from the new estimates. Waits are counted down by the time passed
since the replay. A reader rebuilds itself only when there is no replay yet (the first read of the day in this
process), the clock jumped (a frozen clock in tests), or refreshes fell far behind. In the test environment the
refresh runs inline, so tests see every change at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import DateTime, Table, bindparam, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from smarthall.core.coalesce import Coalescer
from smarthall.core.db import Database
from smarthall.core.models import UTCDateTime
from smarthall.notify import service as notify_service
from smarthall.queueing import estimate, facts
from smarthall.queueing.errors import WindowNotFound
from smarthall.queueing.models import Ticket, WindowSession, status_is

QUIET_CALL_AHEAD = 3
REFRESH_SECONDS = 2.0
MAX_AGE_SECONDS = 5.0  # older: refreshed in the background (changes made by other processes show this late)
SYNC_AGE_SECONDS = 60.0  # older (a refresh that cannot keep up): rebuilt by the reader
STATS_WINDOW = 300  # learn service times from the hall's last 300 finished tickets of the day
_REPLAYS = "queue.replays"
_lock = threading.Lock()

_T = cast(Table, Ticket.__table__)
_WS = cast(Table, WindowSession.__table__)
_NOW = bindparam("now", type_=UTCDateTime())


def _waiting_line(minutes: Any) -> Any:
    """Everybody waiting, with their place in line as minutes relative to now (computed by the database, so that
    tens of thousands of rows arrive as plain numbers)."""
    return select(_T.c.id, _T.c.item_code, _T.c.priority, minutes, _T.c.target_window_code).where(
        _T.c.hall_id == bindparam("hall_id"), _T.c.day == bindparam("day"), status_is("waiting")
    )


_WAITING = {
    "sqlite": _waiting_line(((func.julianday(_T.c.queued_at) - func.julianday(_NOW)) * 1440.0).label("queued_min")),
    "postgresql": _waiting_line(
        (func.extract("epoch", _T.c.queued_at - sql_cast(_NOW, DateTime(timezone=True))) / 60.0).label("queued_min")
    ),
}
_FINISHED = (
    select(_T.c.item_code, _T.c.called_at, _T.c.finished_at)
    .where(_T.c.hall_id == bindparam("hall_id"), _T.c.day == bindparam("day"), status_is("finished"))
    .order_by(_T.c.finished_at.desc())
    .limit(STATS_WINDOW)
)
_OPEN = select(_WS.c.window_code, _WS.c.priority_streak).where(
    _WS.c.hall_id == bindparam("hall_id"), _WS.c.status == "open"
)
_SERVING = select(_T.c.window_code, _T.c.item_code, _T.c.called_at).where(
    _T.c.hall_id == bindparam("hall_id"), _T.c.day == bindparam("day"), status_is("called")
)
_NEAR = select(_T.c.id, _T.c.number, _T.c.citizen_id, _T.c.phone).where(
    _T.c.id.in_(bindparam("ids", expanding=True)),
    status_is("waiting"),
    _T.c.notified_ahead.is_(False),
    (_T.c.citizen_id.is_not(None)) | (_T.c.phone.is_not(None)),
)
_MARK_NOTIFIED = (
    update(_T)
    .where(_T.c.id == bindparam("tid"), _T.c.notified_ahead.is_(False))
    .values(notified_ahead=True)
    .returning(_T.c.id)
)


@dataclass
class Replay:
    built_at: float  # time.monotonic()
    now: datetime  # the hall clock the replay was computed for
    day: date
    seen: frozenset[int]
    snap: estimate.Snapshot
    build_seconds: float
    stale: bool = False


def _replays(database: Database) -> dict[int, Replay]:
    return database.cache.setdefault(_REPLAYS, {})  # type: ignore[no-any-return]


def hall_state(
    session: Session, hall_id: int, day: date, now: datetime, *, include: Any = None
) -> tuple[list[estimate.WaitingTicket], list[estimate.OpenWindow], estimate.ServiceStats]:
    """Who waits, which windows are open (and how long until each is free), and the learnt service times."""
    params = {"hall_id": hall_id, "day": day}
    line = _WAITING[session.info.get("backend", "sqlite")]
    waiting = [
        estimate.WaitingTicket(r[0], r[1], bool(r[2]), float(r[3]), r[4])
        for r in session.execute(line, {**params, "now": now})
    ]
    if include is not None and all(t.id != include.id for t in waiting):
        waiting.append(
            estimate.WaitingTicket(
                include.id,
                include.item_code,
                include.priority,
                (include.queued_at - now).total_seconds() / 60,
                include.target_window_code,
            )
        )
    stats = estimate.ServiceStats()
    for item_code, called_at, finished_at in session.execute(_FINISHED, params):
        if called_at and finished_at:
            stats.add(item_code, max((finished_at - called_at).total_seconds() / 60, 0.0))
    serving = {r.window_code: r for r in session.execute(_SERVING, params)}
    windows = []
    for code, streak in sorted(session.execute(_OPEN, {"hall_id": hall_id}).all()):
        try:
            w = facts.window(session, code)
        except WindowNotFound:  # deactivated while signed in: it serves nobody
            continue
        busy = 0.0
        current = serving.get(code)
        if current is not None and current.called_at is not None:
            elapsed = (now - current.called_at).total_seconds() / 60
            busy = max(stats.mean(current.item_code) - elapsed, 0.5)
        windows.append(estimate.OpenWindow(code, w.items, busy, streak))
    return waiting, windows, stats


def _build(database: Database, hall_id: int, day: date, now: datetime, include: Any) -> Replay:
    started = time.monotonic()
    with database.unit_of_work(write=False) as session:
        waiting, windows, stats = hall_state(session, hall_id, day, now, include=include)
    snap = estimate.snapshot(waiting, windows, stats, pause=_let_others_run)
    replay = Replay(time.monotonic(), now, day, frozenset(t.id for t in waiting), snap, time.monotonic() - started)
    with _lock:
        current = _replays(database).get(hall_id)
        if current is None or current.built_at <= started:
            _replays(database)[hall_id] = replay
    return replay


def _let_others_run() -> None:
    time.sleep(0)  # a long replay in the background gives the request threads and the event loop their turn


def estimate_for(session: Session, ticket: Any, now: datetime) -> estimate.Estimate | None:
    """The replayed estimate of a waiting ticket (``None``: no open window can serve it, or not known yet)."""
    database: Database = session.info["db"]
    replay = _replays(database).get(ticket.hall_id)
    if replay is None or replay.day != ticket.day or _clock_jumped(replay, now) or _age(replay) > SYNC_AGE_SECONDS:
        replay = _build(database, ticket.hall_id, ticket.day, now, ticket)
    elif replay.stale or _age(replay) > MAX_AGE_SECONDS:
        _refresher.request((database, ticket.hall_id, ticket.day), now)
        replay = _replays(database).get(ticket.hall_id) or replay
    with _lock:
        est = replay.snap.estimates.get(ticket.id)
        if est is None and ticket.id not in replay.seen and not ticket.target_window_code:
            # A ticket issued since the replay (here or in another process): placed in it as a replay would.
            if ticket.priority:
                est = replay.snap.place_priority(ticket.id, ticket.item_code)
            else:
                est = replay.snap.append(ticket.id, ticket.item_code)
            replay.stale = replay.stale or ticket.priority
    if est is None and ticket.id not in replay.seen and ticket.target_window_code:
        _refresher.request((database, ticket.hall_id, ticket.day), now)  # transferred since: known after a refresh
    if est is None or est.wait_minutes is None:
        return est
    # The replay's times count from when it was computed.
    elapsed = (now - replay.now).total_seconds() / 60
    return estimate.Estimate(est.ahead, round(max(est.wait_minutes - elapsed, 0.0), 1))


def _age(replay: Replay) -> float:
    return time.monotonic() - replay.built_at


def _clock_jumped(replay: Replay, now: datetime) -> bool:
    """The hall clock moved unlike the host's (a clock set by hand, a frozen test clock)."""
    return abs((now - replay.now).total_seconds() - _age(replay)) > MAX_AGE_SECONDS


def changed(database: Database, hall_id: int, day: date, now: datetime) -> None:
    """A call, a finish, a window opened or closed, a ticket skipped, put back or transferred: estimates move;
    readers keep the replay they have while it is refreshed in the background (then quiet calling runs)."""
    with _lock:
        replay = _replays(database).get(hall_id)
        if replay is not None:
            replay.stale = True
    _refresher.request((database, hall_id, day), now)


def _refresh(key: Hashable, now: datetime) -> float | None:
    database: Database
    hall_id: int
    day: date
    database, hall_id, day = key  # type: ignore[misc]
    replay = _build(database, hall_id, day, now, None)
    quiet_call(database, replay, now)
    return 20 * replay.build_seconds


_refresher = Coalescer("queue-replay", _refresh, min_interval=REFRESH_SECONDS)


def quiet_call(database: Database, replay: Replay, now: datetime) -> int:
    """Tell people whose ticket has at most ``QUIET_CALL_AHEAD`` ahead (SMS or in the app), once each."""
    with _lock:  # readers place new tickets into the replay meanwhile
        ahead = {tid: e.ahead for tid, e in replay.snap.estimates.items() if e.ahead <= QUIET_CALL_AHEAD}
    near = list(ahead)
    if not near:
        return 0
    with database.unit_of_work(write=False) as session:
        due = session.execute(_NEAR, {"ids": near}).all()
    if not due:
        return 0
    sent = 0
    with database.unit_of_work() as session:
        for tid, number, citizen_id, phone in due:
            if session.execute(_MARK_NOTIFIED, {"tid": tid}).first() is None:
                continue  # another process told them first
            notify_service.send(
                session,
                template="queue.ahead",
                now=now,
                citizen_id=citizen_id,
                phone=None if citizen_id else phone,
                params={"number": number, "ahead": ahead[tid]},
                ref_type="ticket",
                ref_id=tid,
            )
            sent += 1
    return sent


def waiting_ahead_in_queue(session: Session, ticket: Any) -> int:
    """People ahead in the ticket's own queue (when no open window can serve it, there is no time to give)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(_T)
            .where(
                _T.c.hall_id == ticket.hall_id,
                _T.c.day == ticket.day,
                status_is("waiting"),
                _T.c.queue_code == ticket.queue_code,
                _T.c.queued_at < ticket.queued_at,
            )
        ).scalar_one()
    )


def open_windows(session: Session, hall_id: int) -> Sequence[str]:
    return [r[0] for r in session.execute(_OPEN, {"hall_id": hall_id})]
