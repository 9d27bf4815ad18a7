"""Tickets, routing and calling (智能取叫号 · 综合窗口).

- Issue: one atomic counter upsert gives the next number of (hall, queue, service day) and counts the ticket in
  as waiting; the ticket row repeats the number under a unique constraint. Idempotency keys are scoped to the
  issuing actor.
- Call: a window tries candidates in the policy's order and claims one with a conditional update
  (``WHERE status = 'waiting'``): two windows can never call the same ticket.
- Every change of a ticket into or out of ``waiting`` moves the counter row's ``waiting`` in the same statement (a
  database trigger, migration 0007), so the board reads the waiting line per queue in O(queues) however long the
  line, and no code path can forget it.
- The hot paths (issue, read, call, finish, board) use prebuilt Core statements and the cached facts of
  ``queueing.facts``; staff actions are audited explicitly (Core statements bypass the ORM flush hook).
- After commit: a message on the hall's broadcast channel (boards, window pads, citizens' phones), the replay of
  the line refreshed (``queueing.live``) and, when a ticket is finished, the ``ticket.finished`` domain event.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, Integer, String, Table, bindparam, exists, insert, literal, select, text, union_all, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.appointment import service as appointment_service
from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.catalog.models import Item
from smarthall.core import events
from smarthall.core.broadcast import broadcaster
from smarthall.core.clock import service_day
from smarthall.core.crypto import blind_index
from smarthall.core.db import Database, after_commit
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_name
from smarthall.core.subjects import ServedSubject, register_subject_resolver
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_id_number, check_phone, normalize_id_number
from smarthall.identity.models import Citizen
from smarthall.org.models import Hall, Window
from smarthall.queueing import facts, live, policy
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
from smarthall.queueing.facts import HallFacts, WindowFacts
from smarthall.queueing.models import QueueCounter, Ticket, WindowSession, status_is
from smarthall.queueing.schemas import (
    Board,
    BoardCall,
    BoardQueue,
    BoardWindow,
    TicketIssue,
    TicketRead,
    WindowState,
)

CANDIDATES_PER_KIND = 8  # oldest few of each kind (transferred here, priority, ordinary) tried per call
RECENT_CALLS = 8

_T = cast(Table, Ticket.__table__)
_C = cast(Table, QueueCounter.__table__)
_WS = cast(Table, WindowSession.__table__)
_CIT = cast(Table, Citizen.__table__)

# What the hot paths read of a ticket (no personal data).
_TICKET_COLS = (
    _T.c.id,
    _T.c.hall_id,
    _T.c.hall_code,
    _T.c.queue_code,
    _T.c.day,
    _T.c.number,
    _T.c.item_code,
    _T.c.department_code,
    _T.c.status,
    _T.c.priority,
    _T.c.queued_at,
    _T.c.target_window_code,
    _T.c.window_code,
    _T.c.staff_id,
    _T.c.issued_at,
    _T.c.called_at,
    _T.c.finished_at,
    _T.c.recall_count,
    _T.c.requeue_count,
    _T.c.transfer_count,
    _T.c.request_hash,
)
_TICKET_BY_ID = select(*_TICKET_COLS).where(_T.c.id == bindparam("id"))
_TICKET_BY_KEY = select(*_TICKET_COLS).where(_T.c.idempotency_key == bindparam("key"))
_INSERT_TICKET = insert(_T).returning(*_TICKET_COLS)
_CLAIM = (
    update(_T)
    .where(_T.c.id == bindparam("tid"), status_is("waiting"))
    .values(
        status="called",
        window_code=bindparam("w"),
        staff_id=bindparam("s"),
        called_at=bindparam("now"),
        target_window_code=None,
    )
    .returning(*_TICKET_COLS)
)
_CURRENT = (
    select(*_TICKET_COLS)
    .where(_T.c.window_code == bindparam("window_code"), status_is("called"))
    .order_by(_T.c.called_at.desc())
    .limit(1)
)
_WINDOW_SESSION = select(_WS.c.id, _WS.c.staff_id, _WS.c.status, _WS.c.priority_streak).where(
    _WS.c.window_code == bindparam("window_code")
)
_WINDOW_SESSION_BUSY = _WINDOW_SESSION.add_columns(
    exists().where(_T.c.window_code == _WS.c.window_code, status_is("called")).correlate(_WS).label("busy")
)
_TICKET_AT_WINDOW = (
    select(*_TICKET_COLS, _WS.c.staff_id.label("ws_staff_id"), _WS.c.status.label("ws_status"))
    .select_from(_T.outerjoin(_WS, _WS.c.window_code == _T.c.window_code))
    .where(_T.c.id == bindparam("id"))
)
_SET_STREAK = update(_WS).where(_WS.c.window_code == bindparam("w")).values(priority_streak=bindparam("streak"))
_NEXT_SEQ = text(
    "INSERT INTO queue_counter (hall_id, queue_code, day, value, waiting) VALUES (:h, :q, :d, 1, 0) "
    "ON CONFLICT (hall_id, queue_code, day) DO UPDATE SET value = queue_counter.value + 1 RETURNING value"
).bindparams(bindparam("d", type_=Date))
# A board is two statements: the recent calls with their holders' names (masked when shown), and the hall's state
# — waiting per queue (the counter rows), each window's status and the number it is serving — in one UNION.
_RECENT_CALLS = (
    select(_T.c.id, _T.c.number, _T.c.window_code, _T.c.called_at, _T.c.citizen_id, _CIT.c.name)
    .select_from(_T.outerjoin(_CIT, _CIT.c.id == _T.c.citizen_id))
    .where(
        _T.c.hall_id == bindparam("hall_id"),
        _T.c.day == bindparam("day"),
        _T.c.called_at.is_not(None),
        _T.c.window_code.in_(bindparam("windows", expanding=True)),
    )
    .order_by(_T.c.called_at.desc())
    .limit(RECENT_CALLS)
)
_HALL_STATE = union_all(
    select(
        literal("q").label("kind"),
        _C.c.queue_code.label("code"),
        _C.c.waiting.label("n"),
        sql_cast(literal(None), String).label("text"),
    ).where(_C.c.hall_id == bindparam("hall_id"), _C.c.day == bindparam("day"), _C.c.waiting > 0),
    select(literal("s"), _WS.c.window_code, literal(0), _WS.c.status).where(_WS.c.hall_id == bindparam("hall_id")),
    select(literal("c"), _T.c.window_code, literal(0), _T.c.number).where(
        _T.c.hall_id == bindparam("hall_id"), _T.c.day == bindparam("day"), status_is("called")
    ),
)


def channel(hall_code: str) -> str:
    return f"hall:{hall_code}"


def announcement(number: str, window_number: int) -> tuple[str, str]:
    return f"请 {number} 号到 {window_number} 号窗口办理", f"Ticket {number}, please go to window {window_number}"


# ---------------------------------------------------------------------------------------------------- helpers


def hall_by_code(session: Session, code: str) -> HallFacts:
    """An active hall (cached facts; ``org_service.get_hall`` also loads zones and windows)."""
    return facts.hall(session, code)


def _database(session: Session) -> Database:
    return session.info["db"]  # type: ignore[no-any-return]


def _request_hash(data: TicketIssue) -> str:
    return hashlib.sha256(json.dumps(data.model_dump(), sort_keys=True).encode()).hexdigest()


def _key_hash(actor: Actor, key: str) -> str:
    return hashlib.sha256(f"{actor.label}\x00{key}".encode()).hexdigest()


def _next_seq(session: Session, hall_id: int, queue_code: str, day: date) -> int:
    """One atomic upsert: the row lock (PostgreSQL) or the write lock (SQLite) orders concurrent issuers. (The new
    ticket is counted in as waiting by the trigger on its insert.)"""
    return int(session.execute(_NEXT_SEQ, {"h": hall_id, "q": queue_code, "d": day}).scalar_one())


def _publish(session: Session, hall_id: int, hall_code: str, message: dict[str, Any], *, now: datetime) -> None:
    database = _database(session)
    day = service_day(now)

    def send() -> None:
        kind = message.get("type")
        if kind != "issued":  # a new ticket is placed in the kept replay by its first reader
            live.changed(database, hall_id, day, now)
        broadcaster().publish(channel(hall_code), message)

    after_commit(session, send)


def _audit(session: Session, actor: Actor, action: str, ticket: Any) -> None:
    """Staff acts on tickets are audited (the ORM flush hook does not see Core statements)."""
    if actor.kind == "staff":
        audit_service.record(
            session, actor, action, target_type="queue_ticket", target_id=ticket.id, hall_code=ticket.hall_code
        )


def _window(session: Session, window_code: str) -> Window:
    window = session.execute(select(Window).where(Window.code == window_code)).scalar_one_or_none()
    if window is None or not window.active:
        raise WindowNotFound(detail={"window_code": window_code})
    return window


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    """The ticket as an ORM object, personal fields included (pages, voice, evaluation)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    return ticket


def _ticket(session: Session, ticket_id: int) -> Any:
    row = session.execute(_TICKET_BY_ID, {"id": ticket_id}).first()
    if row is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    return row


def read_ticket(session: Session, ticket_id: int, now: datetime) -> TicketRead:
    """A ticket's live state by id (the ticket's QR code): no personal data."""
    return ticket_read(session, _ticket(session, ticket_id), now)


# ------------------------------------------------------------------------------------------------------ issue


def issue_ticket(
    session: Session, actor: Actor, data: TicketIssue, *, idempotency_key: str | None, now: datetime
) -> tuple[Any, bool]:
    """Issue a ticket; returns (ticket, replayed). Kiosks issue for their own hall, guides for halls in scope,
    citizens remotely for any hall."""
    key_hash = _key_hash(actor, idempotency_key) if idempotency_key else None
    request_hash = _request_hash(data)
    if key_hash:
        existing = session.execute(_TICKET_BY_KEY, {"key": key_hash}).first()
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyMismatch()
            return existing, True
    hall = facts.hall(session, data.hall_code)
    if actor.kind in ("device", "staff"):
        actor.ensure_hall(hall.id, hall.region_path)
    elif actor.kind != "citizen":
        raise Forbidden()
    if not facts.is_open(session, hall, now):
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
            session, code=data.appointment_code, hall_id=hall.id, now=now, actor=actor
        )
        if item_code and item_code != booking.item_code:
            raise ItemNotServed("预约事项与所选事项不一致", "The booking is for another item", code="item_mismatch")
        item_code = booking.item_code
        citizen_id = citizen_id or booking.citizen_id
    if not item_code:
        raise ItemNotServed("请选择办理事项", "Choose an item", code="item_required")
    if item_code not in facts.hall_items(session, hall.code):
        raise ItemNotServed(detail={"item_code": item_code, "hall_code": hall.code})
    code, department_code = facts.item(session, item_code)
    reason = policy.priority_reason(id_number, data.declared, on_time, today)
    prefix = facts.prefixes(session).get(department_code, "Z")
    values = {
        "hall_id": hall.id,
        "hall_code": hall.code,
        "queue_code": prefix,
        "day": today,
        "item_code": code,
        "department_code": department_code,
        "status": "waiting",
        "priority": reason is not None,
        "priority_reason": reason,
        "source": _source(actor, booking is not None),
        "citizen_id": citizen_id,
        "id_number": id_number,
        "id_number_index": blind_index(id_number, "id_number") if id_number else None,
        "phone": data.phone,
        "phone_index": blind_index(data.phone, "phone") if data.phone else None,
        "appointment_code": booking.code if booking else None,
        "issued_by": actor.label,
        "issued_at": now,
        "queued_at": now,
        "idempotency_key": key_hash,
        "request_hash": request_hash,
        "recall_count": 0,
        "requeue_count": 0,
        "transfer_count": 0,
        "notified_ahead": False,
    }
    if key_hash is None:
        ticket = _insert_ticket(session, values)
    else:
        try:
            with session.begin_nested():
                ticket = _insert_ticket(session, values)
        except IntegrityError:
            # Only a concurrent retry with the same idempotency key (PostgreSQL) lands here.
            existing = session.execute(_TICKET_BY_KEY, {"key": key_hash}).first()
            if existing is None:
                raise
            if existing.request_hash != request_hash:
                raise IdempotencyMismatch()
            return existing, True
    if booking is not None:
        appointment_service.attach_ticket(session, booking, ticket.id)
    _audit(session, actor, "queue.issue", ticket)
    _publish(session, hall.id, hall.code, {"type": "issued", "hall_code": hall.code, "queue": prefix}, now=now)
    return ticket, False


def _insert_ticket(session: Session, values: dict[str, Any]) -> Any:
    seq = _next_seq(session, values["hall_id"], values["queue_code"], values["day"])
    number = policy.format_number(values["queue_code"], seq)
    return session.execute(_INSERT_TICKET, {**values, "seq": seq, "number": number}).one()


def _source(actor: Actor, checked_in: bool) -> str:
    if checked_in:
        return "checkin"
    return {"device": "kiosk", "citizen": "mobile", "staff": "guide"}.get(actor.kind, "other")


# ------------------------------------------------------------------------------------------ reads, estimates


def ticket_read(
    session: Session, ticket: Any, now: datetime, *, with_estimate: bool = True, window_number: int | None = None
) -> TicketRead:
    """The public shape of a ticket (an ORM ticket or a row of ``_TICKET_COLS``), with its live estimate."""
    ahead: int | None = None
    wait: float | None = None
    if ticket.status == "waiting" and with_estimate:
        est = live.estimate_for(session, ticket, now)
        if est is not None:
            ahead, wait = est.ahead, est.wait_minutes
        else:  # no open window can serve it yet: people ahead in its own queue, no time
            ahead = live.waiting_ahead_in_queue(session, ticket)
    elif ticket.status != "waiting":
        ahead, wait = 0, 0.0
    if ticket.window_code and window_number is None:
        try:
            window_number = facts.window(session, ticket.window_code).number
        except WindowNotFound:
            window_number = None
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


def _clerk_may_use(actor: Actor, window: Any) -> None:
    if actor.kind != "staff" or actor.hall_id != window.hall_id:
        raise NotYourWindow(detail={"window_code": window.code})
    if actor.window_code and actor.window_code != window.code:
        raise NotYourWindow(detail={"window_code": window.code, "assigned": actor.window_code})


def sign_in(session: Session, actor: Actor, *, window_code: str, now: datetime) -> WindowSession:
    window = facts.window(session, window_code)
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
    _publish(
        session,
        window.hall_id,
        window.hall_code,
        {"type": "window", "window_code": window.code, "status": "open"},
        now=now,
    )
    return ws


def _signed_in(session: Session, actor: Actor, window_code: str) -> tuple[WindowFacts, Any]:
    """The window and its session (with ``busy``: whether it is serving a ticket) when ``actor`` is signed in."""
    window = facts.window(session, window_code)
    _clerk_may_use(actor, window)
    ws = session.execute(_WINDOW_SESSION_BUSY, {"window_code": window.code}).first()
    if ws is None or ws.staff_id != actor.id or ws.status == "closed":
        raise NotSignedIn(detail={"window_code": window.code})
    return window, ws


def set_window_status(session: Session, actor: Actor, *, window_code: str, status: str, now: datetime) -> WindowSession:
    window, _ = _signed_in(session, actor, window_code)
    ws = session.execute(select(WindowSession).where(WindowSession.window_code == window.code)).scalar_one()
    if status == "closed":
        ws.staff_id = None
    ws.status = status
    session.flush()
    _publish(
        session,
        window.hall_id,
        window.hall_code,
        {"type": "window", "window_code": window.code, "status": status},
        now=now,
    )
    return ws


def current_ticket(session: Session, window_code: str) -> Ticket | None:
    return session.execute(
        select(Ticket)
        .where(Ticket.window_code == window_code, status_is("called"))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def window_state(session: Session, actor: Actor, *, window_code: str, now: datetime) -> WindowState:
    window = facts.window(session, window_code)
    actor.ensure_hall(window.hall_id, window.region_path)
    ws = session.execute(_WINDOW_SESSION, {"window_code": window.code}).first()
    cur = session.execute(_CURRENT, {"window_code": window.code}).first()
    return WindowState(
        window_code=window.code,
        status=ws.status if ws else "closed",
        staff_id=ws.staff_id if ws else None,
        current=ticket_read(session, cur, now, with_estimate=False, window_number=window.number) if cur else None,
    )


# ---------------------------------------------------------------------------------------------------- calling


def _claim(session: Session, ticket_id: int, window: WindowFacts, actor: Actor, now: datetime) -> Any:
    """The ticket as called at ``window``, or ``None`` when another window took it first."""
    row = session.execute(_CLAIM, {"tid": ticket_id, "w": window.code, "s": actor.id, "now": now}).first()
    return row


def _after_call(session: Session, actor: Actor, window: WindowFacts, ws: Any, ticket: Any, now: datetime) -> None:
    streak = ws.priority_streak + 1 if ticket.priority else 0
    if streak != ws.priority_streak:
        session.execute(_SET_STREAK, {"w": window.code, "streak": streak})
    _audit(session, actor, "queue.call", ticket)
    _announce_call(session, window, ticket, now=now)


def _announce_call(session: Session, window: WindowFacts, ticket: Any, *, now: datetime, recall: bool = False) -> None:
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
    _publish(session, window.hall_id, window.hall_code, event, now=now)


def _line(*where: Any) -> Any:
    return (
        select(_T.c.id, _T.c.priority, _T.c.queued_at)
        .where(_T.c.hall_id == bindparam("h"), _T.c.day == bindparam("d"), status_is("waiting"), *where)
        .order_by(_T.c.queued_at, _T.c.id)
        .limit(bindparam("lim", type_=Integer))
    )


# The three kinds a window calls from, oldest first, in one statement: transferred to it, priority, ordinary
# (comprehensive windows serve every item; the others their own items).
def _kinds(comprehensive: bool) -> Any:
    items = () if comprehensive else (_T.c.item_code.in_(bindparam("items", expanding=True)),)
    parts = [
        _line(_T.c.target_window_code == bindparam("w")).add_columns(
            literal(0).label("kind"), literal(1).label("targeted")
        ),
        _line(_T.c.target_window_code.is_(None), _T.c.priority.is_(True), *items).add_columns(
            literal(1).label("kind"), literal(0).label("targeted")
        ),
        _line(_T.c.target_window_code.is_(None), _T.c.priority.is_(False), *items).add_columns(
            literal(2).label("kind"), literal(0).label("targeted")
        ),
    ]
    return union_all(*(p.subquery().select() for p in parts))


_CANDIDATES = {True: _kinds(True), False: _kinds(False)}


def _candidates(
    session: Session, window: WindowFacts, now: datetime, limit: int
) -> tuple[list[policy.Candidate], bool]:
    """The oldest waiting tickets of each kind this window may call (transferred to it, priority, ordinary), and
    whether a kind had more than ``limit``."""
    params: dict[str, Any] = {"h": window.hall_id, "d": service_day(now), "lim": limit, "w": window.code}
    comprehensive = window.items is None
    if not comprehensive:
        params["items"] = sorted(window.items or ())
    rows = session.execute(_CANDIDATES[comprehensive], params).all()
    out = [policy.Candidate(r.id, bool(r.priority), r.queued_at, bool(r.targeted)) for r in rows]
    kinds = [sum(1 for r in rows if r.kind == k) for k in (0, 1, 2)]
    return out, max(kinds) >= limit


def call_next(session: Session, actor: Actor, *, window_code: str, now: datetime) -> Any:
    """Call the next ticket at the window (``None`` when nobody it may serve waits)."""
    window, ws = _signed_in(session, actor, window_code)
    if ws.status == "paused":
        raise WindowPaused()
    if ws.busy:
        raise WindowBusy()
    limit = CANDIDATES_PER_KIND
    while True:
        candidates, more = _candidates(session, window, now, limit)
        for ticket_id in policy.calling_order(candidates, now=now, priority_streak=ws.priority_streak):
            ticket = _claim(session, ticket_id, window, actor, now)
            if ticket is not None:
                _after_call(session, actor, window, ws, ticket, now)
                return ticket
        if not more:
            return None
        limit *= 4  # every candidate was taken by other windows meanwhile (PostgreSQL): look further


def call_number(session: Session, actor: Actor, *, window_code: str, number: str, now: datetime) -> Any:
    """Manual fallback (手动叫号): call a waiting ticket of the hall by its number."""
    window, ws = _signed_in(session, actor, window_code)
    if ws.busy:
        raise WindowBusy()
    found = session.execute(
        select(_T.c.id, _T.c.status).where(
            _T.c.hall_id == window.hall_id, _T.c.day == service_day(now), _T.c.number == number.strip().upper()
        )
    ).first()
    if found is None:
        raise TicketNotFound(detail={"number": number})
    ticket = _claim(session, found.id, window, actor, now)
    if ticket is None:
        raise TicketState(detail={"status": found.status})
    _after_call(session, actor, window, ws, ticket, now)
    return ticket


def _own_called_ticket(session: Session, actor: Actor, ticket_id: int) -> tuple[Any, WindowFacts]:
    """The ticket ``actor`` is serving, read with its window's session in one statement."""
    ticket = session.execute(_TICKET_AT_WINDOW, {"id": ticket_id}).first()
    if ticket is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    if ticket.status != "called" or not ticket.window_code:
        if actor.kind != "staff" or actor.hall_id != ticket.hall_id:
            raise NotYourTicket()
        raise TicketState(detail={"status": ticket.status})
    if ticket.staff_id != actor.id:
        raise NotYourTicket()
    window = facts.window(session, ticket.window_code)
    _clerk_may_use(actor, window)
    if ticket.ws_staff_id != actor.id or ticket.ws_status in (None, "closed"):
        raise NotSignedIn(detail={"window_code": window.code})
    return ticket, window


_TRANSITIONS: dict[tuple[str, tuple[str, ...]], Any] = {}


def _transition(session: Session, ticket: Any, expected: str, **values: Any) -> Any:
    """Move the ticket on with a conditional update; the row as it now is."""
    key = (expected, tuple(sorted(values)))
    stmt = _TRANSITIONS.get(key)
    if stmt is None:
        stmt = _TRANSITIONS[key] = (
            update(_T)
            .where(_T.c.id == bindparam("tid"), _T.c.status == expected)
            .values({name: bindparam(f"v_{name}") for name in key[1]})
            .returning(*_TICKET_COLS)
        )
    row = session.execute(stmt, {"tid": ticket.id, **{f"v_{k}": v for k, v in values.items()}}).first()
    if row is None:
        raise TicketState(detail={"status": ticket.status})
    return row


def recall(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Any:
    ticket, window = _own_called_ticket(session, actor, ticket_id)
    ticket = _transition(session, ticket, "called", recall_count=ticket.recall_count + 1)
    _audit(session, actor, "queue.recall", ticket)
    _announce_call(session, window, ticket, now=now, recall=True)
    return ticket


def skip(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Any:
    """过号: the citizen did not come. The ticket may be put back in line once (``requeue``)."""
    ticket, window = _own_called_ticket(session, actor, ticket_id)
    ticket = _transition(session, ticket, "called", status="skipped", finished_at=None)
    _audit(session, actor, "queue.skip", ticket)
    _publish(session, window.hall_id, window.hall_code, {"type": "update", "ticket_id": ticket.id}, now=now)
    return ticket


def requeue(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Any:
    ticket = _ticket(session, ticket_id)
    _staff_in_hall(session, actor, ticket)
    if ticket.status != "skipped":
        raise TicketState(detail={"status": ticket.status})
    if ticket.requeue_count >= 1:
        raise RequeueUsed()
    ticket = _transition(
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
    _audit(session, actor, "queue.requeue", ticket)
    _publish(session, ticket.hall_id, ticket.hall_code, {"type": "update", "ticket_id": ticket.id}, now=now)
    return ticket


def _staff_in_hall(session: Session, actor: Actor, ticket: Any) -> None:
    hall = session.get(Hall, ticket.hall_id)
    assert hall is not None
    if actor.kind != "staff":
        raise Forbidden()
    actor.ensure_hall(hall.id, hall.region_path)


def transfer(
    session: Session, actor: Actor, *, ticket_id: int, item_code: str | None, window_code: str | None, now: datetime
) -> Any:
    """转办: back into line, keeping its place, for another item's queue or one named window."""
    ticket, window = _own_called_ticket(session, actor, ticket_id)
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
    if item_code:
        if item_code not in facts.hall_items(session, window.hall_code):
            raise ItemNotServed(detail={"item_code": item_code})
        item: Item = catalog_service.get_item(session, item_code)
        values.update(item_code=item.code, department_code=item.department_code, target_window_code=None)
    else:
        assert window_code is not None
        try:
            target = facts.window(session, window_code)
        except WindowNotFound:
            raise WindowNotFound(detail={"window_code": window_code})
        if target.hall_id != window.hall_id or target.code == window.code:
            raise WindowNotFound(detail={"window_code": window_code})
        values.update(target_window_code=target.code)
    ticket = _transition(session, ticket, "called", **values)
    _audit(session, actor, "queue.transfer", ticket)
    _publish(session, window.hall_id, window.hall_code, {"type": "update", "ticket_id": ticket.id}, now=now)
    return ticket


def finish(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> Any:
    ticket, window = _own_called_ticket(session, actor, ticket_id)
    ticket = _transition(session, ticket, "called", status="finished", finished_at=now)
    _audit(session, actor, "queue.finish", ticket)
    # The service as finished (no contact data: whoever needs it later resolves the subject again).
    served = ServedSubject(
        kind="ticket",
        ref=str(ticket.id),
        hall_id=ticket.hall_id,
        hall_code=ticket.hall_code,
        finished_at=ticket.finished_at,
        window_code=ticket.window_code,
        staff_id=ticket.staff_id,
        department_code=ticket.department_code,
        item_code=ticket.item_code,
    )
    events.emit(session, "ticket.finished", ticket_id=ticket.id, hall_code=ticket.hall_code, subject=served)
    _publish(
        session,
        window.hall_id,
        window.hall_code,
        {"type": "update", "ticket_id": ticket.id, "window_code": window.code},
        now=now,
    )
    return ticket


# ------------------------------------------------------------------------------------------------------ board


def board(session: Session, *, hall_code: str, zone_code: str | None, now: datetime) -> Board:
    """The hall's (or a zone's) call board: recent calls, windows, waiting per queue (names masked)."""
    hall = facts.hall(session, hall_code)
    day = service_day(now)
    windows = {w.code: w for w in facts.hall_windows(session, hall.id)}
    if zone_code:
        windows = {c: w for c, w in windows.items() if w.zone_code == zone_code}
    called = session.execute(_RECENT_CALLS, {"hall_id": hall.id, "day": day, "windows": list(windows) or [""]}).all()
    calls = [
        BoardCall(
            ticket_id=t.id,
            number=t.number,
            window_code=t.window_code or "",
            window_number=windows[t.window_code].number if t.window_code in windows else 0,
            window_name=windows[t.window_code].name if t.window_code in windows else "",
            zone_code=windows[t.window_code].zone_code if t.window_code in windows else None,
            called_at=t.called_at or now,
            name_masked=mask_name(t.name) if t.name else "",
        )
        for t in called
    ]
    departments = facts.queue_departments(session)
    queues: list[BoardQueue] = []
    sessions: dict[str, str] = {}
    current: dict[str, str] = {}
    for kind, code, n, text_value in session.execute(_HALL_STATE, {"hall_id": hall.id, "day": day}):
        if kind == "q":
            queues.append(BoardQueue(queue=code, department_code=departments.get(code, ""), waiting=int(n)))
        elif kind == "s":
            sessions[code] = text_value
        else:
            current[code] = text_value
    queues.sort(key=lambda q: q.queue)
    board_windows = [
        BoardWindow(
            code=w.code,
            number=w.number,
            name=w.name,
            zone_code=w.zone_code,
            status=sessions.get(w.code, "closed"),
            current_number=current.get(w.code),
        )
        for w in sorted(windows.values(), key=lambda w: w.number)
    ]
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


def queue_list(session: Session, actor: Actor, *, window_code: str, now: datetime, limit: int = 30) -> list[Ticket]:
    """Waiting tickets this window may serve, oldest first (the workstation's queue list)."""
    window = facts.window(session, window_code)
    actor.ensure_hall(window.hall_id, window.region_path)
    items = window.items
    stmt = select(Ticket).where(
        Ticket.hall_id == window.hall_id, Ticket.day == service_day(now), status_is("waiting")
    )
    if items is not None:
        stmt = stmt.where(Ticket.item_code.in_(items) | (Ticket.target_window_code == window.code))
    return list(session.execute(stmt.order_by(Ticket.priority.desc(), Ticket.queued_at).limit(limit)).scalars())


def skipped_list(session: Session, actor: Actor, *, window_code: str, now: datetime) -> list[Ticket]:
    window = facts.window(session, window_code)
    actor.ensure_hall(window.hall_id, window.region_path)
    return list(
        session.execute(
            select(Ticket)
            .where(Ticket.window_code == window.code, Ticket.day == service_day(now), status_is("skipped"))
            .order_by(Ticket.called_at.desc())
            .limit(20)
        ).scalars()
    )


# ------------------------------------------------------------------------------------- served-subject contract


_SUBJECT = select(
    _T.c.id,
    _T.c.hall_id,
    _T.c.hall_code,
    _T.c.status,
    _T.c.finished_at,
    _T.c.citizen_id,
    _T.c.id_number_index,
    _T.c.phone,
    _T.c.window_code,
    _T.c.staff_id,
    _T.c.department_code,
    _T.c.item_code,
).where(_T.c.id == bindparam("id"))
_CITIZEN_BY_INDEX = select(_CIT.c.id).where(_CIT.c.id_number_index == bindparam("idx"))


def served_subject(session: Session, ref: str) -> ServedSubject | None:
    if not str(ref).isdigit():
        return None
    ticket = session.execute(_SUBJECT, {"id": int(ref)}).first()
    if ticket is None:
        return None
    citizen_id = ticket.citizen_id
    if citizen_id is None and ticket.id_number_index:
        citizen_id = session.execute(_CITIZEN_BY_INDEX, {"idx": ticket.id_number_index}).scalar_one_or_none()
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
