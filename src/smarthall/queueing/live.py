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

State per app, nothing at module level: the replays, their lock and the background refresher (a ``Coalescer``,
whose thread starts on first use) live in ``Database.cache`` (``queue.live``); quiet calling reads the hall's
``queue.quiet_call_ahead`` rule, and the replay uses the hall's starvation guard.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from smarthall.core.coalesce import Coalescer
from smarthall.core.db import Database
from smarthall.core.tenancy import SYSTEM
from smarthall.notify import service as notify_service
from smarthall.queueing import estimate, facts, policy
from smarthall.queueing import repository as repo
from smarthall.queueing.errors import WindowNotFound

REFRESH_SECONDS = 2.0
MAX_AGE_SECONDS = 5.0  # older: refreshed in the background (changes made by other processes show this late)
SYNC_AGE_SECONDS = 60.0  # older (a refresh that cannot keep up): rebuilt by the reader
LIVE = "queue.live"  # Database.cache namespace: the replays of this app's halls and their refresher


class LiveTicket(Protocol):
    """What the replay needs of a ticket (a ``repository.TicketRow`` or an ORM ticket)."""

    @property
    def id(self) -> int: ...
    @property
    def hall_id(self) -> int: ...
    @property
    def day(self) -> date: ...
    @property
    def item_code(self) -> str: ...
    @property
    def priority(self) -> bool: ...
    @property
    def queued_at(self) -> datetime: ...
    @property
    def queue_code(self) -> str: ...
    @property
    def target_window_code(self) -> str | None: ...


@dataclass
class Replay:
    built_at: float  # time.monotonic()
    now: datetime  # the hall clock the replay was computed for
    day: date
    seen: frozenset[int]
    snap: estimate.Snapshot
    build_seconds: float
    quiet_call_ahead: int
    stale: bool = False


def _refresh(key: Hashable, now: datetime) -> float | None:
    database: Database
    hall_id: int
    day: date
    database, hall_id, day = key  # type: ignore[misc]
    replay = _build(database, hall_id, day, now, None)
    quiet_call(database, replay, now)
    return 20 * replay.build_seconds


@dataclass
class _Live:
    replays: dict[int, Replay] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refresher: Coalescer = field(
        default_factory=lambda: Coalescer("queue-replay", _refresh, min_interval=REFRESH_SECONDS)
    )


def _live(database: Database) -> _Live:
    entries = database.cache.setdefault(LIVE, {})
    state = entries.get("state")
    if state is None:
        state = entries.setdefault("state", _Live())
    return state  # type: ignore[no-any-return]


def _request_refresh(database: Database, hall_id: int, day: date, now: datetime) -> None:
    _live(database).refresher.request((database, hall_id, day), now)


def hall_state(
    session: Session, hall_id: int, day: date, now: datetime, *, include: LiveTicket | None = None
) -> tuple[list[estimate.WaitingTicket], list[estimate.OpenWindow], estimate.ServiceStats]:
    """Who waits, which windows are open (and how long until each is free), and the learnt service times."""
    waiting = [
        estimate.WaitingTicket(r.id, r.item_code, r.priority, r.queued_min, r.target_window_code)
        for r in repo.waiting_line(session, hall_id, day, now)
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
    for item_code, called_at, finished_at in repo.finished_today(session, hall_id, day):
        if called_at and finished_at:
            stats.add(item_code, max((finished_at - called_at).total_seconds() / 60, 0.0))
    serving = {r.window_code: r for r in repo.serving(session, hall_id, day)}
    windows = []
    for code, streak in sorted(repo.open_windows(session, hall_id)):
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


def _build(database: Database, hall_id: int, day: date, now: datetime, include: LiveTicket | None) -> Replay:
    started = time.monotonic()
    with database.unit_of_work(write=False) as session:
        waiting, windows, stats = hall_state(session, hall_id, day, now, include=include)
        rules = facts.rules(session, facts.hall_by_id(session, hall_id))
    snap = estimate.snapshot(
        waiting,
        windows,
        stats,
        max_priority_streak=rules.max_priority_streak,
        max_ordinary_wait=float(rules.max_ordinary_wait_minutes),
        pause=_let_others_run,
    )
    seen = frozenset(t.id for t in waiting)
    replay = Replay(time.monotonic(), now, day, seen, snap, time.monotonic() - started, rules.quiet_call_ahead)
    live = _live(database)
    with live.lock:
        current = live.replays.get(hall_id)
        if current is None or current.built_at <= started:
            live.replays[hall_id] = replay
    return replay


def _let_others_run() -> None:
    time.sleep(0)  # a long replay in the background gives the request threads and the event loop their turn


def estimate_for(session: Session, ticket: LiveTicket, now: datetime) -> estimate.Estimate | None:
    """The replayed estimate of a waiting ticket (``None``: no open window can serve it, or not known yet)."""
    database: Database = session.info["db"]
    live = _live(database)
    replay = live.replays.get(ticket.hall_id)
    if replay is None or replay.day != ticket.day or _clock_jumped(replay, now) or _age(replay) > SYNC_AGE_SECONDS:
        replay = _build(database, ticket.hall_id, ticket.day, now, ticket)
    elif replay.stale or _age(replay) > MAX_AGE_SECONDS:
        _request_refresh(database, ticket.hall_id, ticket.day, now)
        replay = live.replays.get(ticket.hall_id) or replay
    with live.lock:
        est = replay.snap.estimates.get(ticket.id)
        if est is None and ticket.id not in replay.seen and not ticket.target_window_code:
            # A ticket issued since the replay (here or in another process): placed in it as a replay would.
            if ticket.priority:
                est = replay.snap.place_priority(ticket.id, ticket.item_code)
            else:
                est = replay.snap.append(ticket.id, ticket.item_code)
            replay.stale = replay.stale or ticket.priority
    if est is None and ticket.id not in replay.seen and ticket.target_window_code:
        _request_refresh(database, ticket.hall_id, ticket.day, now)  # transferred since: known after a refresh
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
    live = _live(database)
    with live.lock:
        replay = live.replays.get(hall_id)
        if replay is not None:
            replay.stale = True
    _request_refresh(database, hall_id, day, now)


def quiet_call(database: Database, replay: Replay, now: datetime) -> int:
    """Tell people whose ticket has at most the hall's ``queue.quiet_call_ahead`` ahead (SMS or in the app), once
    each."""
    with _live(database).lock:  # readers place new tickets into the replay meanwhile
        ahead = {tid: e.ahead for tid, e in replay.snap.estimates.items() if e.ahead <= replay.quiet_call_ahead}
    if not ahead:
        return 0
    with database.unit_of_work(write=False) as session:
        due = repo.not_yet_told(session, ahead)
    if not due:
        return 0
    sent = 0
    with database.unit_of_work() as session:
        for tid, number, citizen_id, phone in due:
            if not repo.mark_notified(session, SYSTEM, tid):
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


def waiting_ahead_in_queue(session: Session, ticket: LiveTicket, now: datetime) -> int:
    """People called before the ticket in its own queue when no open window can serve it (so there is no time to
    give): the hall's calling order — priority first, the starvation guard — not the order of arrival. A ticket
    transferred to a window counts the ones transferred there before it; others leave transferred ones out."""
    rows = repo.waiting_in_queue(session, hall_id=ticket.hall_id, day=ticket.day, queue_code=ticket.queue_code)
    if all(r.id != ticket.id for r in rows):
        return 0
    target = ticket.target_window_code
    candidates = [
        policy.Candidate(r.id, r.priority, r.queued_at, targeted=target is not None)
        for r in rows
        if r.target_window_code == target
    ]
    rules = facts.rules(session, facts.hall_by_id(session, ticket.hall_id))
    return policy.ahead_in_line(candidates, ticket.id, now=now, priority_streak=0, rule=rules)
