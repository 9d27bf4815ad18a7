"""Tickets, routing and calling (智能取叫号 · 综合窗口).

- Issue: one atomic counter upsert gives the next number of (hall, queue, service day); the ticket row repeats it
  under a unique constraint. Idempotency keys are scoped to the issuing actor.
- Call: a window tries candidates in the policy's order and claims one with a conditional update
  (``WHERE status = 'waiting'``): two windows can never call the same ticket.
- After commit: a message on the hall's broadcast channel (boards, window pads, citizens' phones) and, when a
  ticket is finished, the ``ticket.finished`` domain event.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Date, bindparam, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from smarthall.appointment import service as appointment_service
from smarthall.catalog import service as catalog_service
from smarthall.catalog.errors import HallNotFound, ItemNotFound
from smarthall.catalog.models import Item
from smarthall.core import events
from smarthall.core.broadcast import broadcaster
from smarthall.core.clock import service_day
from smarthall.core.crypto import blind_index
from smarthall.core.db import after_commit
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_name
from smarthall.core.subjects import ServedSubject, register_subject_resolver
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_id_number, check_phone, normalize_id_number
from smarthall.identity.models import Citizen
from smarthall.notify import service as notify_service
from smarthall.notify.templates import register as register_template
from smarthall.org import service as org_service
from smarthall.org.models import Department, Hall, Window
from smarthall.queueing import estimate, policy
from smarthall.queueing.errors import (
    HallClosed,
    IdempotencyMismatch,
    InvalidIdentity,
    ItemNotServed,
    NotSignedIn,
    NotYourTicket,
    NotYourWindow,
    RequeueUsed,
    TicketNotFound,
    TicketState,
    WindowBusy,
    WindowNotFound,
    WindowPaused,
    WindowTaken,
)
from smarthall.queueing.models import Ticket, WindowSession
from smarthall.queueing.schemas import (
    Board,
    BoardCall,
    BoardQueue,
    BoardWindow,
    TicketIssue,
    TicketRead,
    WindowState,
)

register_template(
    "queue.ahead",
    "您的号票 {number} 前面还有 {ahead} 人,请回到等候区留意叫号。",
    "Ticket {number}: {ahead} people ahead of you. Please return to the waiting area.",
)

QUIET_CALL_AHEAD = 3
CANDIDATE_LIMIT = 200


def channel(hall_code: str) -> str:
    return f"hall:{hall_code}"


def announcement(number: str, window_number: int) -> tuple[str, str]:
    return f"请 {number} 号到 {window_number} 号窗口办理", f"Ticket {number}, please go to window {window_number}"


# ---------------------------------------------------------------------------------------------------- helpers


_CACHE_SECONDS = 30.0
# Caches live per database (keyed by its connection pool), so that two apps in one process never share them.
_scopes: weakref.WeakKeyDictionary[Any, dict[str, dict[Any, Any]]] = weakref.WeakKeyDictionary()


def _scope(session: Session) -> dict[str, dict[Any, Any]]:
    pool = session.get_bind().engine.pool
    scope = _scopes.get(pool)
    if scope is None:
        scope = _scopes.setdefault(pool, {"facts": {}, "snapshots": {}})
    return scope


def _cached(session: Session, key: tuple[Any, ...], load: Any) -> Any:
    """Catalog facts that change a few times a year, kept briefly per process (issuing is the hot path)."""
    cache = _scope(session)["facts"]
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = load()
    cache[key] = (now, value)
    return value


def _prefixes(session: Session) -> dict[str, str]:
    return _cached(
        session, ("prefixes", 0), lambda: policy.queue_prefixes(session.execute(select(Department.code)).scalars())
    )


def _hall_items(session: Session, hall: Hall) -> set[str]:
    return _cached(session, ("items", hall.id), lambda: catalog_service.hall_item_codes(session, hall))


def hall_by_code(session: Session, code: str) -> Hall:
    """The hall alone (``org_service.get_hall`` also loads its zones and windows; the hot paths need neither)."""
    hall = session.execute(select(Hall).where(Hall.code == code)).scalar_one_or_none()
    if hall is None or not hall.active:
        raise HallNotFound(detail={"hall_code": code})
    return hall


def _item_facts(session: Session, item_code: str) -> tuple[str, str]:
    """(code, department code) of an active item, cached like the other catalog facts."""

    def load() -> tuple[str, str]:
        item = session.execute(
            select(Item.code, Item.department_code, Item.active).where(Item.code == item_code)
        ).one_or_none()
        if item is None or not item.active:
            raise ItemNotFound(detail={"item_code": item_code})
        return item.code, item.department_code

    return _cached(session, ("item", item_code), load)  # type: ignore[no-any-return]


def _hall_open(session: Session, hall: Hall, now: datetime) -> bool:
    day = service_day(now)
    workday = _cached(
        session, ("workday", hall.id, day), lambda: org_service.working_calendar(session, hall).is_workday(day)
    )
    return policy.is_open(hall.opening_hours, now, workday)


def _request_hash(data: TicketIssue) -> str:
    return hashlib.sha256(json.dumps(data.model_dump(), sort_keys=True).encode()).hexdigest()


def _key_hash(actor: Actor, key: str) -> str:
    return hashlib.sha256(f"{actor.label}\x00{key}".encode()).hexdigest()


def _next_seq(session: Session, hall_id: int, queue_code: str, day: Any) -> int:
    """One atomic upsert: the row lock (PostgreSQL) or the write lock (SQLite) orders concurrent issuers."""
    value = session.execute(
        text(
            "INSERT INTO queue_counter (hall_id, queue_code, day, value) VALUES (:h, :q, :d, 1) "
            "ON CONFLICT (hall_id, queue_code, day) DO UPDATE SET value = queue_counter.value + 1 "
            "RETURNING value"
        ).bindparams(bindparam("d", type_=Date)),
        {"h": hall_id, "q": queue_code, "d": day},
    ).scalar_one()
    return int(value)


def _publish(session: Session, hall_code: str, message: dict[str, Any]) -> None:
    snapshots = _scope(session)["snapshots"]

    def send() -> None:
        kind = message.get("type")
        if kind == "call":
            _age_snapshot(snapshots, hall_code)
        elif kind == "window" or (kind == "update" and "window_code" not in message):
            snapshots.pop(hall_code, None)  # windows opened/closed, tickets skipped, put back or transferred
        broadcaster().publish(channel(hall_code), message)

    after_commit(session, send)


def _window(session: Session, window_code: str) -> Window:
    window = session.execute(select(Window).where(Window.code == window_code)).scalar_one_or_none()
    if window is None or not window.active:
        raise WindowNotFound(detail={"window_code": window_code})
    return window


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    return ticket


# ------------------------------------------------------------------------------------------------------ issue


def issue_ticket(
    session: Session, actor: Actor, data: TicketIssue, *, idempotency_key: str | None, now: datetime
) -> tuple[Ticket, bool]:
    """Issue a ticket; returns (ticket, replayed). Kiosks issue for their own hall, guides for halls in scope,
    citizens remotely for any hall."""
    key_hash = _key_hash(actor, idempotency_key) if idempotency_key else None
    request_hash = _request_hash(data)
    if key_hash:
        existing = session.execute(select(Ticket).where(Ticket.idempotency_key == key_hash)).scalar_one_or_none()
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyMismatch()
            return existing, True
    hall = hall_by_code(session, data.hall_code)
    if actor.kind in ("device", "staff"):
        actor.ensure_hall(hall.id, hall.region_path)
    elif actor.kind != "citizen":
        raise Forbidden()
    if not _hall_open(session, hall, now):
        raise HallClosed(detail={"hall_code": hall.code})
    today = service_day(now)

    id_number = normalize_id_number(data.id_number) if data.id_number else None
    if id_number:
        bad = check_id_number(id_number, today)
        if bad:
            raise InvalidIdentity(bad.message_zh, bad.message_en, code=bad.code)
    if data.phone and (bad := check_phone(data.phone)):
        raise InvalidIdentity(bad.message_zh, bad.message_en, code=bad.code)
    citizen_id: int | None = None
    if actor.kind == "citizen" and actor.id is not None:
        citizen = session.get(Citizen, actor.id)
        citizen_id = actor.id
        if citizen is not None and not id_number:
            id_number = citizen.id_number
    elif id_number:
        citizen_id = session.execute(
            select(Citizen.id).where(Citizen.id_number_index == blind_index(id_number, "id_number"))
        ).scalar_one_or_none()

    booking = None
    on_time = False
    item_code = data.item_code
    if data.appointment_code:
        booking, on_time = appointment_service.check_in(
            session, code=data.appointment_code, hall=hall, now=now, actor=actor
        )
        if item_code and item_code != booking.item_code:
            raise ItemNotServed("预约事项与所选事项不一致", "The booking is for another item", code="item_mismatch")
        item_code = booking.item_code
        citizen_id = citizen_id or booking.citizen_id
    if not item_code:
        raise ItemNotServed("请选择办理事项", "Choose an item", code="item_required")
    if item_code not in _hall_items(session, hall):
        raise ItemNotServed(detail={"item_code": item_code, "hall_code": hall.code})
    code, department_code = _item_facts(session, item_code)
    reason = policy.priority_reason(id_number, data.declared, on_time, today)
    prefix = _prefixes(session).get(department_code, "Z")

    ticket = Ticket(
        hall_id=hall.id,
        hall_code=hall.code,
        queue_code=prefix,
        day=today,
        seq=0,
        number="",
        item_code=code,
        department_code=department_code,
        status="waiting",
        priority=reason is not None,
        priority_reason=reason,
        source=_source(actor, booking is not None),
        citizen_id=citizen_id,
        id_number=id_number,
        id_number_index=blind_index(id_number, "id_number") if id_number else None,
        phone=data.phone,
        phone_index=blind_index(data.phone, "phone") if data.phone else None,
        appointment_code=booking.code if booking else None,
        issued_by=actor.label,
        issued_at=now,
        queued_at=now,
        idempotency_key=key_hash,
        request_hash=request_hash,
    )
    try:
        with session.begin_nested():
            seq = _next_seq(session, hall.id, prefix, today)
            ticket.seq, ticket.number = seq, policy.format_number(prefix, seq)
            session.add(ticket)
            session.flush()
    except IntegrityError:
        # Only a concurrent retry with the same idempotency key (PostgreSQL) lands here.
        if ticket in session:
            session.expunge(ticket)
        if key_hash:
            existing = session.execute(select(Ticket).where(Ticket.idempotency_key == key_hash)).scalar_one_or_none()
            if existing is not None:
                if existing.request_hash != request_hash:
                    raise IdempotencyMismatch()
                return existing, True
        raise
    if booking is not None:
        appointment_service.attach_ticket(session, booking, ticket.id)
    _publish(session, hall.code, {"type": "issued", "hall_code": hall.code, "queue": prefix})
    return ticket, False


def _source(actor: Actor, checked_in: bool) -> str:
    if checked_in:
        return "checkin"
    return {"device": "kiosk", "citizen": "mobile", "staff": "guide"}.get(actor.kind, "other")


# ------------------------------------------------------------------------------------------ reads, estimates


def _hall_state(
    session: Session, hall_id: int, day: Any, now: datetime, *, per_line: int | None = None
) -> tuple[list[estimate.WaitingTicket], list[estimate.OpenWindow], estimate.ServiceStats, dict[str, Any]]:
    """What the replay needs. With ``per_line``, only the first ``per_line`` tickets of each line (item, priority,
    target window): a replay limited to ``per_line`` dispatches takes line heads only, so its result is the same."""
    cols = (Ticket.id, Ticket.item_code, Ticket.priority, Ticket.queued_at, Ticket.target_window_code)
    where = (Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == "waiting")
    if per_line is None:
        rows: Sequence[Any] = session.execute(select(*cols).where(*where)).all()
    else:
        rank = (
            func.row_number()
            .over(
                partition_by=(Ticket.item_code, Ticket.priority, Ticket.target_window_code),
                order_by=(Ticket.queued_at, Ticket.id),
            )
            .label("rank")
        )
        ranked = select(*cols, rank).where(*where).subquery()
        rows = session.execute(
            select(
                ranked.c.id, ranked.c.item_code, ranked.c.priority, ranked.c.queued_at, ranked.c.target_window_code
            ).where(ranked.c.rank <= per_line)
        ).all()
    waiting = [
        estimate.WaitingTicket(
            r.id, r.item_code, bool(r.priority), (r.queued_at - now).total_seconds() / 60, r.target_window_code
        )
        for r in rows
    ]
    stats = estimate.ServiceStats()
    for item_code, called_at, finished_at in session.execute(
        select(Ticket.item_code, Ticket.called_at, Ticket.finished_at)
        .where(Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == "finished")
        .order_by(Ticket.finished_at.desc())
        .limit(300)
    ).all():
        if called_at and finished_at:
            stats.add(item_code, max((finished_at - called_at).total_seconds() / 60, 0.0))
    sessions = (
        session.execute(select(WindowSession).where(WindowSession.hall_id == hall_id, WindowSession.status == "open"))
        .scalars()
        .all()
    )
    codes = [s.window_code for s in sessions]
    windows_by_code = (
        {w.code: w for w in session.execute(select(Window).where(Window.code.in_(codes))).scalars()} if codes else {}
    )
    current = {
        r.window_code: r
        for r in session.execute(
            select(Ticket.window_code, Ticket.item_code, Ticket.called_at).where(
                Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == "called"
            )
        ).all()
    }
    open_windows = []
    for s in sorted(sessions, key=lambda s: s.window_code):
        w = windows_by_code.get(s.window_code)
        if w is None:
            continue
        busy = 0.0
        cur = current.get(w.code)
        if cur is not None and cur.called_at is not None:
            elapsed = (now - cur.called_at).total_seconds() / 60
            busy = max(stats.mean(cur.item_code) - elapsed, 0.5)
        served = _window_items(w)
        items = None if served is None else frozenset(served)
        open_windows.append(estimate.OpenWindow(w.code, items, busy, s.priority_streak))
    return waiting, open_windows, stats, {}


def estimates_for_hall(
    session: Session, hall_id: int, day: Any, now: datetime, limit: int | None = None
) -> dict[int, estimate.Estimate]:
    waiting, windows, stats, _ = _hall_state(session, hall_id, day, now)
    return estimate.simulate(waiting, windows, stats, limit=limit)


def open_window_count(session: Session, hall_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(WindowSession)
            .where(WindowSession.hall_id == hall_id, WindowSession.status == "open")
        ).scalar_one()
    )


# Per-process replays of each hall's line (see ``estimate.Snapshot``): rebuilt at most every few seconds, dropped
# at once when this process calls, finishes, transfers or opens/closes a window; new ordinary tickets are appended.
SNAPSHOT_SECONDS = 2.0
_snapshot_lock = threading.Lock()


CALL_SNAPSHOT_SECONDS = 0.5


def _age_snapshot(snapshots: dict[Any, Any], hall_code: str) -> None:
    """After a call the replay is rebuilt within ``CALL_SNAPSHOT_SECONDS`` (a call moves every estimate a little;
    under load, rebuilding on every call would replay the whole line several times a second)."""
    hit = snapshots.get(hall_code)
    if hit is not None:
        built = time.monotonic() - SNAPSHOT_SECONDS + CALL_SNAPSHOT_SECONDS
        snapshots[hall_code] = (min(hit[0], built), *hit[1:])


def _build_snapshot(session: Session, ticket: Ticket, now: datetime) -> estimate.Snapshot:
    waiting, windows, stats, _ = _hall_state(session, ticket.hall_id, ticket.day, now)
    snap = estimate.snapshot(waiting, windows, stats)
    _scope(session)["snapshots"][ticket.hall_code] = (
        time.monotonic(),
        now,
        ticket.day,
        frozenset(t.id for t in waiting),
        snap,
    )
    return snap


def _estimate_for(session: Session, ticket: Ticket, now: datetime) -> estimate.Estimate | None:
    """The replayed estimate of a waiting ticket, from this process's snapshot of its hall when one is fresh."""
    hit = _scope(session)["snapshots"].get(ticket.hall_code)
    fresh = (
        hit is not None
        and time.monotonic() - hit[0] < SNAPSHOT_SECONDS
        and abs((now - hit[1]).total_seconds()) < SNAPSHOT_SECONDS
        and hit[2] == ticket.day
    )
    if not fresh or hit is None:
        return _build_snapshot(session, ticket, now).estimates.get(ticket.id)
    _, _, _, seen, snap = hit
    with _snapshot_lock:
        est = snap.estimates.get(ticket.id)
        if est is not None or ticket.id in seen:
            return est  # None: no open window serves it
        if not ticket.priority and not ticket.target_window_code:
            return snap.append(ticket.id, ticket.item_code)
    return _build_snapshot(session, ticket, now).estimates.get(ticket.id)


def ticket_read(session: Session, ticket: Ticket, now: datetime, *, with_estimate: bool = True) -> TicketRead:
    ahead: int | None = None
    wait: float | None = None
    if ticket.status == "waiting" and with_estimate:
        est = _estimate_for(session, ticket, now)
        if est is not None:
            ahead, wait = est.ahead, est.wait_minutes
        else:  # no open window can serve it yet: people ahead in its own queue, no time
            ahead = session.execute(
                select(func.count())
                .select_from(Ticket)
                .where(
                    Ticket.hall_id == ticket.hall_id,
                    Ticket.day == ticket.day,
                    Ticket.status == "waiting",
                    Ticket.queue_code == ticket.queue_code,
                    Ticket.queued_at < ticket.queued_at,
                )
            ).scalar_one()
    elif ticket.status != "waiting":
        ahead, wait = 0, 0.0
    window_number = None
    if ticket.window_code:
        window_number = session.execute(
            select(Window.number).where(Window.code == ticket.window_code)
        ).scalar_one_or_none()
    return TicketRead(
        id=ticket.id,
        number=ticket.number,
        queue=ticket.queue_code,
        item_code=ticket.item_code,
        status=ticket.status,
        priority=ticket.priority,
        ahead=ahead,
        estimated_wait_minutes=wait,
        hall_code=ticket.hall_code,
        window_code=ticket.window_code,
        window_number=window_number,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        finished_at=ticket.finished_at,
    )


# ---------------------------------------------------------------------------------------------------- windows


def _clerk_may_use(actor: Actor, window: Window) -> None:
    if actor.kind != "staff" or actor.hall_id != window.hall_id:
        raise NotYourWindow(detail={"window_code": window.code})
    if actor.window_code and actor.window_code != window.code:
        raise NotYourWindow(detail={"window_code": window.code, "assigned": actor.window_code})


def sign_in(session: Session, actor: Actor, *, window_code: str, now: datetime) -> WindowSession:
    window = _window(session, window_code)
    _clerk_may_use(actor, window)
    ws = session.execute(select(WindowSession).where(WindowSession.window_code == window.code)).scalar_one_or_none()
    if ws is not None and ws.staff_id not in (None, actor.id) and ws.status != "closed":
        raise WindowTaken(detail={"window_code": window.code})
    # A clerk is signed in at one window at a time.
    session.execute(
        update(WindowSession)
        .where(WindowSession.staff_id == actor.id, WindowSession.window_code != window.code)
        .values(staff_id=None, status="closed")
    )
    if ws is None:
        ws = WindowSession(window_code=window.code, hall_id=window.hall_id)
        session.add(ws)
    ws.staff_id, ws.status, ws.signed_in_at, ws.priority_streak = actor.id, "open", now, 0
    session.flush()
    _publish(session, window.hall.code, {"type": "window", "window_code": window.code, "status": "open"})
    return ws


def _signed_in(session: Session, actor: Actor, window_code: str) -> tuple[Window, WindowSession]:
    window = _window(session, window_code)
    _clerk_may_use(actor, window)
    ws = session.execute(select(WindowSession).where(WindowSession.window_code == window.code)).scalar_one_or_none()
    if ws is None or ws.staff_id != actor.id or ws.status == "closed":
        raise NotSignedIn(detail={"window_code": window.code})
    return window, ws


def set_window_status(session: Session, actor: Actor, *, window_code: str, status: str, now: datetime) -> WindowSession:
    window, ws = _signed_in(session, actor, window_code)
    if status == "closed":
        ws.staff_id = None
    ws.status = status
    session.flush()
    _publish(session, window.hall.code, {"type": "window", "window_code": window.code, "status": status})
    return ws


def current_ticket(session: Session, window_code: str) -> Ticket | None:
    return session.execute(
        select(Ticket)
        .where(Ticket.window_code == window_code, Ticket.status == "called")
        .order_by(Ticket.called_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def window_state(session: Session, actor: Actor, *, window_code: str, now: datetime) -> WindowState:
    window = _window(session, window_code)
    actor.ensure_hall(window.hall_id, window.hall.region_path)
    ws = session.execute(select(WindowSession).where(WindowSession.window_code == window.code)).scalar_one_or_none()
    cur = current_ticket(session, window.code)
    return WindowState(
        window_code=window.code,
        status=ws.status if ws else "closed",
        staff_id=ws.staff_id if ws else None,
        current=ticket_read(session, cur, now, with_estimate=False) if cur else None,
    )


def _window_items(window: Window) -> set[str] | None:
    session = object_session(window)
    if session is None:
        return None if window.kind == "comprehensive" else {wi.item_code for wi in window.items}
    return _cached(
        session,
        ("window_items", window.id),
        lambda: None if window.kind == "comprehensive" else {wi.item_code for wi in window.items},
    )


def _claim(session: Session, ticket_id: int, window: Window, actor: Actor, now: datetime) -> bool:
    claimed = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == "waiting")
        .values(status="called", window_code=window.code, staff_id=actor.id, called_at=now, target_window_code=None)
        .returning(Ticket.id)
    ).first()
    return claimed is not None


def _after_call(session: Session, window: Window, ws: WindowSession, ticket: Ticket, now: datetime) -> None:
    ws.priority_streak = ws.priority_streak + 1 if ticket.priority else 0
    _announce_call(session, window, ticket)
    _quiet_calling(session, ticket.hall_id, ticket.day, now)


def _announce_call(session: Session, window: Window, ticket: Ticket, *, recall: bool = False) -> None:
    """Put a call on the hall's boards (after commit): "请 A012 号到 5 号窗口办理"."""
    zh, en = announcement(ticket.number, window.number)
    event: dict[str, Any] = {
        "type": "call",
        "ticket_id": ticket.id,
        "number": ticket.number,
        "window_code": window.code,
        "window_number": window.number,
        "window_name": window.name,
        "zone_code": window.zone_code,
        "text_zh": zh,
        "text_en": en,
    }
    if recall:
        event["recall"] = True
    _publish(session, window.hall.code, event)


def _quiet_calling(session: Session, hall_id: int, day: Any, now: datetime) -> None:
    """Tell people whose ticket has at most three ahead (SMS / app) once, so they can wait elsewhere."""
    limit = (QUIET_CALL_AHEAD + 1) * max(open_window_count(session, hall_id), 1)
    waiting, windows, stats, _ = _hall_state(session, hall_id, day, now, per_line=limit)
    if not windows:
        return
    ests = estimate.simulate(waiting, windows, stats, limit=limit)
    near = [tid for tid, e in ests.items() if e.ahead <= QUIET_CALL_AHEAD]
    if not near:
        return
    for ticket in session.execute(
        select(Ticket).where(Ticket.id.in_(near), Ticket.notified_ahead.is_(False))
    ).scalars():
        if ticket.citizen_id is None and not ticket.phone:
            continue
        ticket.notified_ahead = True
        notify_service.send(
            session,
            template="queue.ahead",
            now=now,
            citizen_id=ticket.citizen_id,
            phone=None if ticket.citizen_id else ticket.phone,
            params={"number": ticket.number, "ahead": ests[ticket.id].ahead},
            ref_type="ticket",
            ref_id=ticket.id,
        )


def call_next(session: Session, actor: Actor, *, window_code: str, now: datetime) -> Ticket | None:
    window, ws = _signed_in(session, actor, window_code)
    if ws.status == "paused":
        raise WindowPaused()
    if current_ticket(session, window.code) is not None:
        raise WindowBusy()
    items = _window_items(window)
    stmt = (
        select(Ticket.id, Ticket.priority, Ticket.queued_at, Ticket.target_window_code)
        .where(Ticket.hall_id == window.hall_id, Ticket.day == service_day(now), Ticket.status == "waiting")
        .order_by(Ticket.queued_at)
    )
    if items is not None:
        stmt = stmt.where(
            ((Ticket.item_code.in_(items)) & Ticket.target_window_code.is_(None))
            | (Ticket.target_window_code == window.code)
        )
    else:
        stmt = stmt.where(Ticket.target_window_code.is_(None) | (Ticket.target_window_code == window.code))
    # Enough of each kind for the policy: the oldest ordinary tickets, the oldest priority ones, the transfers.
    rows: list[Any] = []
    for extra in (Ticket.priority.is_(True), Ticket.priority.is_(False)):
        rows.extend(session.execute(stmt.where(extra).limit(CANDIDATE_LIMIT)).all())
    candidates = [
        policy.Candidate(r.id, bool(r.priority), r.queued_at, r.target_window_code == window.code)
        for r in {r.id: r for r in rows}.values()
    ]
    for ticket_id in policy.calling_order(candidates, now=now, priority_streak=ws.priority_streak):
        if _claim(session, ticket_id, window, actor, now):
            ticket = get_ticket(session, ticket_id)
            session.refresh(ticket)
            _after_call(session, window, ws, ticket, now)
            return ticket
    return None


def call_number(session: Session, actor: Actor, *, window_code: str, number: str, now: datetime) -> Ticket:
    """Manual fallback (手动叫号): call a waiting ticket of the hall by its number."""
    window, ws = _signed_in(session, actor, window_code)
    if current_ticket(session, window.code) is not None:
        raise WindowBusy()
    ticket = session.execute(
        select(Ticket).where(
            Ticket.hall_id == window.hall_id, Ticket.day == service_day(now), Ticket.number == number.strip().upper()
        )
    ).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound(detail={"number": number})
    if not _claim(session, ticket.id, window, actor, now):
        raise TicketState(detail={"status": ticket.status})
    session.refresh(ticket)
    _after_call(session, window, ws, ticket, now)
    return ticket


def _own_called_ticket(session: Session, actor: Actor, ticket_id: int) -> tuple[Ticket, Window, WindowSession]:
    ticket = get_ticket(session, ticket_id)
    if ticket.status != "called" or not ticket.window_code:
        if actor.kind != "staff" or actor.hall_id != ticket.hall_id:
            raise NotYourTicket()
        raise TicketState(detail={"status": ticket.status})
    if ticket.staff_id != actor.id:
        raise NotYourTicket()
    window, ws = _signed_in(session, actor, ticket.window_code)
    return ticket, window, ws


def _transition(session: Session, ticket: Ticket, expected: str, **values: Any) -> None:
    done = session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == expected).values(**values).returning(Ticket.id)
    ).first()
    if done is None:
        raise TicketState(detail={"status": ticket.status})
    session.refresh(ticket)


def recall(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Ticket:
    ticket, window, ws = _own_called_ticket(session, actor, ticket_id)
    ticket.recall_count += 1
    session.flush()
    _announce_call(session, window, ticket, recall=True)
    return ticket


def skip(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Ticket:
    """过号: the citizen did not come. The ticket may be put back in line once (``requeue``)."""
    ticket, window, _ = _own_called_ticket(session, actor, ticket_id)
    _transition(session, ticket, "called", status="skipped", finished_at=None)
    _publish(session, window.hall.code, {"type": "update", "ticket_id": ticket.id})
    return ticket


def requeue(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Ticket:
    ticket = get_ticket(session, ticket_id)
    _staff_in_hall(session, actor, ticket)
    if ticket.status != "skipped":
        raise TicketState(detail={"status": ticket.status})
    if ticket.requeue_count >= 1:
        raise RequeueUsed()
    _transition(
        session,
        ticket,
        "skipped",
        status="waiting",
        queued_at=now,
        window_code=None,
        staff_id=None,
        called_at=None,
        requeue_count=ticket.requeue_count + 1,
    )
    _publish(session, ticket.hall_code, {"type": "update", "ticket_id": ticket.id})
    return ticket


def _staff_in_hall(session: Session, actor: Actor, ticket: Ticket) -> None:
    hall = session.get(Hall, ticket.hall_id)
    assert hall is not None
    if actor.kind != "staff":
        raise Forbidden()
    actor.ensure_hall(hall.id, hall.region_path)


def transfer(
    session: Session, actor: Actor, *, ticket_id: int, item_code: str | None, window_code: str | None, now: datetime
) -> Ticket:
    """转办: back into line, keeping its place, for another item's queue or one named window."""
    ticket, window, _ = _own_called_ticket(session, actor, ticket_id)
    if bool(item_code) == bool(window_code):
        raise TicketState(
            "请指定转至的事项或窗口(二选一)",
            "Give either an item or a window to transfer to",
            code="transfer_target",
            status=422,
        )
    values: dict[str, Any] = {
        "status": "waiting",
        "window_code": None,
        "staff_id": None,
        "called_at": None,
        "transfer_count": ticket.transfer_count + 1,
        "queued_at": ticket.issued_at,
    }
    hall = window.hall
    if item_code:
        if item_code not in catalog_service.hall_item_codes(session, hall):
            raise ItemNotServed(detail={"item_code": item_code})
        item: Item = catalog_service.get_item(session, item_code)
        values.update(item_code=item.code, department_code=item.department_code, target_window_code=None)
    else:
        assert window_code is not None
        target = _window(session, window_code)
        if target.hall_id != hall.id or target.code == window.code:
            raise WindowNotFound(detail={"window_code": window_code})
        values.update(target_window_code=target.code)
    _transition(session, ticket, "called", **values)
    _publish(session, hall.code, {"type": "update", "ticket_id": ticket.id})
    return ticket


def finish(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Ticket:
    ticket, window, _ = _own_called_ticket(session, actor, ticket_id)
    _transition(session, ticket, "called", status="finished", finished_at=now)
    events.emit(session, "ticket.finished", ticket_id=ticket.id, hall_code=ticket.hall_code)
    _publish(session, window.hall.code, {"type": "update", "ticket_id": ticket.id, "window_code": window.code})
    return ticket


# ------------------------------------------------------------------------------------------------------ board


def board(session: Session, *, hall_code: str, zone_code: str | None, now: datetime, recent: int = 8) -> Board:
    hall = hall_by_code(session, hall_code)
    day = service_day(now)
    windows = {w.code: w for w in hall.windows if w.active}
    if zone_code:
        windows = {c: w for c, w in windows.items() if w.zone_code == zone_code}
    called = (
        session.execute(
            select(Ticket)
            .where(
                Ticket.hall_id == hall.id,
                Ticket.day == day,
                Ticket.called_at.is_not(None),
                Ticket.window_code.in_(list(windows) or [""]),
            )
            .order_by(Ticket.called_at.desc())
            .limit(recent)
        )
        .scalars()
        .all()
    )
    names = _masked_names(session, [t.citizen_id for t in called if t.citizen_id])
    calls = [
        BoardCall(
            ticket_id=t.id,
            number=t.number,
            window_code=t.window_code or "",
            window_number=windows[t.window_code].number if t.window_code in windows else 0,
            window_name=windows[t.window_code].name if t.window_code in windows else "",
            zone_code=windows[t.window_code].zone_code if t.window_code in windows else None,
            called_at=t.called_at or now,
            name_masked=names.get(t.citizen_id or 0, ""),
        )
        for t in called
    ]
    queue_rows = session.execute(
        select(Ticket.queue_code, Ticket.department_code, func.count())
        .where(Ticket.hall_id == hall.id, Ticket.day == day, Ticket.status == "waiting")
        .group_by(Ticket.queue_code, Ticket.department_code)
        .order_by(Ticket.queue_code)
    ).all()
    sessions = {
        s.window_code: s
        for s in session.execute(select(WindowSession).where(WindowSession.hall_id == hall.id)).scalars()
    }
    current = {
        t.window_code: t.number
        for t in session.execute(
            select(Ticket.window_code, Ticket.number).where(
                Ticket.hall_id == hall.id, Ticket.day == day, Ticket.status == "called"
            )
        ).all()
    }
    board_windows = [
        BoardWindow(
            code=w.code,
            number=w.number,
            name=w.name,
            zone_code=w.zone_code,
            status=sessions[w.code].status if w.code in sessions else "closed",
            current_number=current.get(w.code),
        )
        for w in sorted(windows.values(), key=lambda w: w.number)
    ]
    queues = [BoardQueue(queue=q, department_code=d, waiting=int(n)) for q, d, n in queue_rows]
    return Board(
        hall_code=hall.code,
        hall_name=hall.name,
        zone_code=zone_code,
        now=now,
        calls=calls,
        queues=queues,
        windows=board_windows,
        waiting_total=sum(q.waiting for q in queues),
    )


def _masked_names(session: Session, citizen_ids: Sequence[int]) -> dict[int, str]:
    if not citizen_ids:
        return {}
    return {
        c.id: mask_name(c.name)
        for c in session.execute(select(Citizen).where(Citizen.id.in_(set(citizen_ids)))).scalars()
    }


def queue_list(session: Session, actor: Actor, *, window_code: str, now: datetime, limit: int = 30) -> list[Ticket]:
    """Waiting tickets this window may serve, oldest first (the workstation's queue list)."""
    window = _window(session, window_code)
    actor.ensure_hall(window.hall_id, window.hall.region_path)
    items = _window_items(window)
    stmt = select(Ticket).where(
        Ticket.hall_id == window.hall_id, Ticket.day == service_day(now), Ticket.status == "waiting"
    )
    if items is not None:
        stmt = stmt.where(Ticket.item_code.in_(items) | (Ticket.target_window_code == window.code))
    return list(session.execute(stmt.order_by(Ticket.priority.desc(), Ticket.queued_at).limit(limit)).scalars())


def skipped_list(session: Session, actor: Actor, *, window_code: str, now: datetime) -> list[Ticket]:
    window = _window(session, window_code)
    actor.ensure_hall(window.hall_id, window.hall.region_path)
    return list(
        session.execute(
            select(Ticket)
            .where(Ticket.window_code == window.code, Ticket.day == service_day(now), Ticket.status == "skipped")
            .order_by(Ticket.called_at.desc())
            .limit(20)
        ).scalars()
    )


# ------------------------------------------------------------------------------------- served-subject contract


def served_subject(session: Session, ref: str) -> ServedSubject | None:
    if not str(ref).isdigit():
        return None
    ticket = session.get(Ticket, int(ref))
    if ticket is None:
        return None
    citizen_id = ticket.citizen_id
    if citizen_id is None and ticket.id_number_index:
        citizen_id = session.execute(
            select(Citizen.id).where(Citizen.id_number_index == ticket.id_number_index)
        ).scalar_one_or_none()
    return ServedSubject(
        kind="ticket",
        ref=str(ticket.id),
        hall_id=ticket.hall_id,
        hall_code=ticket.hall_code,
        finished_at=ticket.finished_at if ticket.status == "finished" else None,
        citizen_id=citizen_id,
        id_number_index=ticket.id_number_index,
        phone=ticket.phone,
        window_code=ticket.window_code,
        staff_id=ticket.staff_id,
        department_code=ticket.department_code,
        item_code=ticket.item_code,
        channel="onsite",
    )


register_subject_resolver("ticket", served_subject)
