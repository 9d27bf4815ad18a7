"""Every query of the queue, prebuilt, with typed rows — and the only way to write a ticket or a window session.

Hot paths (issue, read, call, finish, board, the replay) use the Core statements below: no ORM unit of work, no
row objects. Core statements bypass the ORM flush hook that audits staff writes (``audit.service``), so every write
method here records its own audit event (``_audited``: staff acts, like the hook) — a new UPDATE added here
cannot go unaudited without saying so. Reads return ``NamedTuple`` rows (``queueing.rows``: ``TicketRow`` …),
never ``Any``.

Hall-owned lists (a window's queue, its skipped tickets) start from ``core.repository.hall_scope`` and are paged in
SQL after it; ``ticket_in_scope`` is the "load in scope or 404" of the API (``api.TicketInScope``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CompoundSelect,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from smarthall.audit import service as audit_service
from smarthall.core.models import UTCDateTime
from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor
from smarthall.queueing import policy
from smarthall.queueing.models import BoardNotice, QueueCounter, Ticket, WindowSession, status_is
from smarthall.queueing.rows import (
    Candidate,
    FinishedRow,
    HallState,
    NearRow,
    OpenWindowRow,
    QueuedRow,
    RecentCall,
    ServingRow,
    SubjectRow,
    TicketAtWindow,
    TicketRow,
    WaitingRow,
    WindowSessionRow,
)

CANDIDATES_PER_KIND = 8  # oldest few of each kind (transferred here, priority, ordinary) tried per call
RECENT_CALLS = 8
STATS_WINDOW = 300  # learn service times from the hall's last 300 finished tickets of the day

_T = cast(Table, Ticket.__table__)
_C = cast(Table, QueueCounter.__table__)
_WS = cast(Table, WindowSession.__table__)
_N = cast(Table, BoardNotice.__table__)
_NOW = bindparam("now", type_=UTCDateTime())


# ------------------------------------------------------------------------------------------------ statements

_TICKET_COLS = tuple(_T.c[name] for name in TicketRow._fields)
_TICKET_BY_ID = select(*_TICKET_COLS).where(_T.c.id == bindparam("id"))
_CITIZEN_TICKETS = (
    select(*_TICKET_COLS)
    .where(_T.c.citizen_id == bindparam("c"), _T.c.day == bindparam("d"))
    .order_by(_T.c.issued_at.desc(), _T.c.id.desc())
)
_TICKET_BY_KEY = select(*_TICKET_COLS).where(_T.c.idempotency_key == bindparam("key"))
_INSERT_TICKET = insert(_T).returning(*_TICKET_COLS)
_LIVE_REMOTE = select(func.count()).where(
    _T.c.hall_id == bindparam("h"),
    _T.c.day == bindparam("d"),
    _T.c.queue_code == bindparam("q"),
    _T.c.citizen_id == bindparam("c"),
    _T.c.source == "mobile",
    _T.c.status.in_(("waiting", "called")),
)
_NEXT_SEQ = text(
    "INSERT INTO queue_counter (hall_id, queue_code, day, value, waiting) VALUES (:hall_id, :queue_code, :day, 1, 0) "
    "ON CONFLICT (hall_id, queue_code, day) DO UPDATE SET value = queue_counter.value + 1 RETURNING value"
).bindparams(bindparam("day", type_=Date))


@cache
def _numbered_insert(columns: tuple[str, ...]) -> ReturningInsert[Any]:
    """PostgreSQL, one statement: the ticket's ``columns`` with the seq of the counter's upsert (a CTE) and its number
    as ``policy.format_number`` writes it (the prefix, at least three digits); returns the row, then the seq."""
    seq = _NEXT_SEQ.columns(value=Integer).cte("seq")
    digits = sql_cast(seq.c.value, String)
    number = bindparam("queue_code", type_=String) + func.lpad(digits, func.greatest(3, func.length(digits)), "0")
    row = select(*(bindparam(c, type_=_T.c[c].type) for c in columns), seq.c.value, number)
    return insert(_T).from_select([*columns, "seq", "number"], row).returning(*_TICKET_COLS, _T.c.seq)


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
_CURRENT_ID = _CURRENT.with_only_columns(_T.c.id)
_WINDOW_SESSION_BUSY = select(
    _WS.c.id,
    _WS.c.staff_id,
    _WS.c.status,
    _WS.c.priority_streak,
    exists().where(_T.c.window_code == _WS.c.window_code, status_is("called")).correlate(_WS).label("busy"),
).where(_WS.c.window_code == bindparam("window_code"))
_TICKET_AT_WINDOW = (
    select(*_TICKET_COLS, *(_WS.c[c].label(f"ws_{c}") for c in ("staff_id", "status", "id", "priority_streak")))
    .select_from(_T.outerjoin(_WS, _WS.c.window_code == _T.c.window_code))
    .where(_T.c.id == bindparam("id"))
)
_SET_STREAK = update(_WS).where(_WS.c.window_code == bindparam("w")).values(priority_streak=bindparam("streak"))
_BY_NUMBER = select(_T.c.id, _T.c.status).where(
    _T.c.hall_id == bindparam("h"), _T.c.day == bindparam("d"), _T.c.number == bindparam("number")
)
_LEAVE_OTHER_WINDOWS = (
    update(_WS)
    .where(_WS.c.staff_id == bindparam("staff"), _WS.c.window_code != bindparam("w"))
    .values(staff_id=None, status="closed")
    .returning(_WS.c.id)
)

# Moves of a called/skipped ticket: one conditional update per act, each with the columns it sets.
_TRANSFER_SETS = (
    "status window_code staff_id called_at transfer_count queued_at item_code department_code target_window_code"
)
_MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "queue.recall": ("called", ("recall_count",)),
    "queue.skip": ("called", ("status", "finished_at")),
    "queue.finish": ("called", ("status", "finished_at")),
    "queue.requeue": ("skipped", ("status", "queued_at", "window_code", "staff_id", "called_at", "requeue_count")),
    "queue.transfer": ("called", tuple(_TRANSFER_SETS.split())),
}
_MOVE_STATEMENTS = {
    action: update(_T)
    .where(_T.c.id == bindparam("tid"), status_is(expected))
    .values({name: bindparam(f"v_{name}") for name in columns})
    .returning(*_TICKET_COLS)
    for action, (expected, columns) in _MOVES.items()
}

# A board is two statements: the recent calls with their holders (names resolved through identity), and the hall's
# state — waiting per queue (the counter rows), each window's status and the number it is serving — in one UNION.
_RECENT_CALLS = (
    select(_T.c.id, _T.c.number, _T.c.window_code, _T.c.called_at, _T.c.citizen_id)
    .where(
        _T.c.hall_id == bindparam("hall_id"),
        _T.c.day == bindparam("day"),
        _T.c.called_at.is_not(None),
        status_is("called"),  # a finished or skipped ticket leaves the board
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
    *(  # the hall's board notice in force (``notices.active``): its Chinese ("z") and English ("e") lines
        select(literal(kind), literal(""), literal(0), _N.c[column]).where(
            _N.c.hall_id == bindparam("hall_id"), _N.c.expires_at.is_(None) | (_N.c.expires_at > _NOW)
        )
        for kind, column in (("z", "text_zh"), ("e", "text_en"))
    ),
)


def _line(*where: Any) -> Select[Any]:
    return (
        select(_T.c.id, _T.c.priority, _T.c.queued_at)
        .where(_T.c.hall_id == bindparam("h"), _T.c.day == bindparam("d"), status_is("waiting"), *where)
        .order_by(_T.c.queued_at, _T.c.id)
        .limit(bindparam("lim", type_=Integer))
    )


def _kinds(comprehensive: bool) -> CompoundSelect:
    """The three kinds a window calls from, oldest first, in one statement: transferred to it, priority, ordinary
    (comprehensive windows serve every item; the others their own items)."""
    items = () if comprehensive else (_T.c.item_code.in_(bindparam("items", expanding=True)),)
    parts = [
        _line(_T.c.target_window_code == bindparam("w")).add_columns(literal(0).label("kind")),
        _line(_T.c.target_window_code.is_(None), _T.c.priority.is_(True), *items).add_columns(literal(1).label("kind")),
        _line(_T.c.target_window_code.is_(None), _T.c.priority.is_(False), *items).add_columns(
            literal(2).label("kind")
        ),
    ]
    return union_all(*(p.subquery().select() for p in parts))


_CANDIDATES = {True: _kinds(True), False: _kinds(False)}


def _with_session(kinds: CompoundSelect) -> CompoundSelect:
    """``kinds`` and, as one more row (kind -1), the window's session with ``busy`` (whether it serves a ticket):
    call-next reads what it checks and what it may call in one statement (each candidate row has NULL there)."""
    nulls = (
        ("staff_id", BigInteger()),  # not the column's type: a foreign key's is NULL until its table is loaded
        ("status", String()),
        ("priority_streak", Integer()),
        ("busy", Boolean()),
    )
    lines = [
        part.add_columns(*(sql_cast(literal(None), kind).label(f"ws_{name}") for name, kind in nulls))
        for part in cast(list[Select[Any]], kinds.selects)
    ]
    busy = exists().where(_T.c.window_code == _WS.c.window_code, status_is("called")).correlate(_WS)
    window = select(
        _WS.c.id,
        sql_cast(literal(None), Boolean()).label("priority"),
        sql_cast(literal(None), _T.c.queued_at.type).label("queued_at"),
        literal(-1).label("kind"),
        _WS.c.staff_id.label("ws_staff_id"),
        _WS.c.status.label("ws_status"),
        _WS.c.priority_streak.label("ws_priority_streak"),
        busy.label("ws_busy"),
    ).where(_WS.c.window_code == bindparam("w"))
    return union_all(*lines, window)


_SESSION_AND_CANDIDATES = {True: _with_session(_CANDIDATES[True]), False: _with_session(_CANDIDATES[False])}

_SUBJECT = select(*(_T.c[name] for name in SubjectRow._fields)).where(_T.c.id == bindparam("id"))

# The replay's reads (``queueing.live``).


def _waiting_line(minutes: Any) -> Select[Any]:
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
_IN_QUEUE = select(_T.c.id, _T.c.priority, _T.c.queued_at, _T.c.target_window_code).where(
    _T.c.hall_id == bindparam("h"),
    _T.c.day == bindparam("d"),
    status_is("waiting"),
    _T.c.queue_code == bindparam("q"),
)


def _ticket(row: Any) -> TicketRow:
    return TicketRow._make(row[: len(TicketRow._fields)])


def _audited(session: Session, actor: Actor, action: str, ticket_id: int, hall_code: str | None) -> None:
    """Staff acts on tickets and windows are audited, as the ORM flush hook audits their ORM writes."""
    if actor.kind == "staff":
        audit_service.record(
            session, actor, action, target_type="queue_ticket", target_id=ticket_id, hall_code=hall_code
        )


# ----------------------------------------------------------------------------------------------------- reads


def ticket_by_id(session: Session, ticket_id: int) -> TicketRow | None:
    row = session.execute(_TICKET_BY_ID, {"id": ticket_id}).first()
    return _ticket(row) if row is not None else None


def live_remote_tickets(session: Session, citizen_id: int, hall_id: int, day: date, queue_code: str) -> int:
    """How many remote (mobile) tickets of ``citizen_id`` wait or are being served in one queue of a hall today."""
    return int(session.execute(_LIVE_REMOTE, {"h": hall_id, "d": day, "q": queue_code, "c": citizen_id}).scalar_one())


def citizen_tickets(session: Session, citizen_id: int, day: date) -> list[TicketRow]:
    """A citizen's own tickets of one service day, newest first (their home's "my errands")."""
    return [_ticket(r) for r in session.execute(_CITIZEN_TICKETS, {"c": citizen_id, "d": day})]


def ticket_by_key(session: Session, key_hash: str) -> TicketRow | None:
    row = session.execute(_TICKET_BY_KEY, {"key": key_hash}).first()
    return _ticket(row) if row is not None else None


def ticket_orm(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket as an ORM object, personal fields included (the workstation's current citizen, the ticket page)."""
    return session.get(Ticket, ticket_id)


def ticket_at_window(session: Session, ticket_id: int) -> TicketAtWindow | None:
    if (row := session.execute(_TICKET_AT_WINDOW, {"id": ticket_id}).first()) is None:
        return None
    return TicketAtWindow(_ticket(row), row.ws_staff_id, row.ws_status, row.ws_id, row.ws_priority_streak)


def ticket_in_scope(session: Session, actor: Actor, ticket_id: int) -> TicketRow | None:
    """The ticket when ``actor`` may see its hall (``core.repository.hall_scope``), else ``None``."""
    row = session.execute(_TICKET_BY_ID.where(hall_scope(Ticket, actor)), {"id": ticket_id}).first()
    return _ticket(row) if row is not None else None


def current_ticket(session: Session, window_code: str) -> TicketRow | None:
    row = session.execute(_CURRENT, {"window_code": window_code}).first()
    return _ticket(row) if row is not None else None


def current_ticket_orm(session: Session, window_code: str) -> Ticket | None:
    ticket_id = session.execute(_CURRENT_ID, {"window_code": window_code}).scalar_one_or_none()
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def by_number(session: Session, hall_id: int, day: date, number: str) -> tuple[int, str] | None:
    row = session.execute(_BY_NUMBER, {"h": hall_id, "d": day, "number": number}).first()
    return (int(row.id), str(row.status)) if row is not None else None


def window_session(session: Session, window_code: str) -> WindowSessionRow | None:
    if (row := session.execute(_WINDOW_SESSION_BUSY, {"window_code": window_code}).first()) is None:
        return None
    return WindowSessionRow(row.id, row.staff_id, row.status, row.priority_streak, bool(row.busy))


def window_session_orm(session: Session, window_code: str) -> WindowSession | None:
    return session.execute(select(WindowSession).where(WindowSession.window_code == window_code)).scalar_one_or_none()


def candidates(
    session: Session, *, hall_id: int, day: date, window_code: str, items: frozenset[str] | None, limit: int
) -> list[Candidate]:
    """The oldest waiting tickets of each kind the window may call."""
    params: dict[str, Any] = {"h": hall_id, "d": day, "lim": limit, "w": window_code}
    if items is not None:
        params["items"] = sorted(items)
    rows = session.execute(_CANDIDATES[items is None], params)
    return [Candidate(r.id, bool(r.priority), r.queued_at, int(r.kind)) for r in rows]


def session_and_candidates(
    session: Session, *, hall_id: int, day: date, window_code: str, items: frozenset[str] | None, limit: int
) -> tuple[WindowSessionRow | None, list[Candidate]]:
    """The window's session (``window_session``) and its ``candidates``, in one statement and round trip."""
    params: dict[str, Any] = {"h": hall_id, "d": day, "lim": limit, "w": window_code}
    if items is not None:
        params["items"] = sorted(items)
    ws, found = None, []
    for r in session.execute(_SESSION_AND_CANDIDATES[items is None], params):
        if r.kind == -1:
            ws = WindowSessionRow(r.id, r.ws_staff_id, r.ws_status, r.ws_priority_streak, bool(r.ws_busy))
        else:
            found.append(Candidate(r.id, bool(r.priority), r.queued_at, int(r.kind)))
    return ws, found


def recent_calls(session: Session, hall_id: int, day: date, windows: Sequence[str]) -> list[RecentCall]:
    rows = session.execute(_RECENT_CALLS, {"hall_id": hall_id, "day": day, "windows": list(windows) or [""]})
    return [RecentCall(*r) for r in rows]


def hall_state(session: Session, hall_id: int, day: date, now: datetime) -> HallState:
    """The board's live state and the hall's notice in force at ``now``, in one statement."""
    state, notice = HallState({}, {}, {}), {}
    for kind, code, n, text_value in session.execute(_HALL_STATE, {"hall_id": hall_id, "day": day, "now": now}):
        if kind == "q":
            state.waiting[code] = int(n)
        elif kind == "s":
            state.window_status[code] = text_value
        elif kind == "c":
            state.serving[code] = text_value
        else:
            notice[kind] = text_value
    if "z" in notice:
        return state._replace(notice=(notice["z"], notice.get("e") or ""))
    return state


class Tickets(Repository[Ticket]):
    """Hall-owned lists of tickets, scoped in SQL and paged after the scope."""

    model = Ticket

    def waiting_for_window(
        self, actor: Actor, *, hall_id: int, day: date, window_code: str, items: frozenset[str] | None, limit: int
    ) -> list[Ticket]:
        """The first ``limit`` waiting tickets in line of each kind a window may call (here, priority, ordinary)."""
        stmt = self.scoped(actor).where(Ticket.hall_id == hall_id, Ticket.day == day, status_is("waiting"))
        here, away = Ticket.target_window_code == window_code, Ticket.target_window_code.is_distinct_from(window_code)
        stmt = (stmt if items is None else stmt.where(Ticket.item_code.in_(items) | here)).order_by(Ticket.queued_at)
        kinds = (here, away & Ticket.priority.is_(True), away & Ticket.priority.is_(False))
        return [t for k in kinds for t in self.page(stmt.where(k).order_by(Ticket.id), limit=limit, count=False).items]

    def skipped_at_window(self, actor: Actor, *, window_code: str, day: date, limit: int = 20) -> list[Ticket]:
        stmt = (
            self.scoped(actor)
            .where(Ticket.window_code == window_code, Ticket.day == day, status_is("skipped"))
            .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        )
        return list(self.page(stmt, limit=limit, count=False).items)


def subject(session: Session, ticket_id: int) -> SubjectRow | None:
    row = session.execute(_SUBJECT, {"id": ticket_id}).first()
    return SubjectRow._make(row) if row is not None else None


def waiting_line(session: Session, hall_id: int, day: date, now: datetime) -> list[WaitingRow]:
    line = _WAITING[session.info.get("backend", "sqlite")]
    rows = session.execute(line, {"hall_id": hall_id, "day": day, "now": now})
    return [WaitingRow(r[0], r[1], bool(r[2]), float(r[3]), r[4]) for r in rows]


def finished_today(session: Session, hall_id: int, day: date) -> list[FinishedRow]:
    return [FinishedRow(*r) for r in session.execute(_FINISHED, {"hall_id": hall_id, "day": day})]


def serving(session: Session, hall_id: int, day: date) -> list[ServingRow]:
    return [ServingRow(*r) for r in session.execute(_SERVING, {"hall_id": hall_id, "day": day})]


def open_windows(session: Session, hall_id: int) -> list[OpenWindowRow]:
    return [OpenWindowRow(*r) for r in session.execute(_OPEN, {"hall_id": hall_id})]


def not_yet_told(session: Session, ids: Iterable[int]) -> list[NearRow]:
    """Of ``ids``, the waiting tickets with a way to reach their holder who have not been told yet."""
    return [NearRow(*r) for r in session.execute(_NEAR, {"ids": list(ids)})]


def waiting_in_queue(session: Session, *, hall_id: int, day: date, queue_code: str) -> list[QueuedRow]:
    """Every waiting ticket of one queue (the place in line when no open window can serve it yet)."""
    rows = session.execute(_IN_QUEUE, {"h": hall_id, "d": day, "q": queue_code})
    return [QueuedRow(r[0], bool(r[1]), r[2], r[3]) for r in rows]


# ---------------------------------------------------------------------------------------------------- writes


def insert_ticket(session: Session, actor: Actor, values: dict[str, Any]) -> TicketRow:
    """Number and insert a ticket: one atomic counter upsert (the row lock on PostgreSQL, the write lock on SQLite
    orders concurrent issuers; the trigger of migration 0007 counts the ticket in as waiting), then the row —
    on PostgreSQL in one statement and round trip (the upsert in a CTE), its number checked against the policy's."""
    conn = session.connection()
    if session.info.get("backend") == "postgresql":
        row = conn.execute(_numbered_insert(tuple(values)), values).one()
        if (ticket := _ticket(row)).number != policy.format_number(values["queue_code"], row[-1]):
            raise RuntimeError(f"ticket number {ticket.number} is not the policy's for {row[-1]}")
    else:
        seq = int(conn.execute(_NEXT_SEQ, values).scalar_one())
        number = policy.format_number(values["queue_code"], seq)
        ticket = _ticket(conn.execute(_INSERT_TICKET, {**values, "seq": seq, "number": number}).one())
    _audited(session, actor, "queue.issue", ticket.id, ticket.hall_code)
    return ticket


def claim(
    session: Session, actor: Actor, *, ticket_id: int, window_code: str, streak: int, now: datetime
) -> TicketRow | None:
    """Call ``ticket_id`` at the window with a conditional update (``None``: another window took it first); the
    window's run of priority calls (``streak`` before this call; the starvation guard) moves with it."""
    row = session.execute(_CLAIM, {"tid": ticket_id, "w": window_code, "s": actor.id, "now": now}).first()
    if row is None:
        return None
    ticket = _ticket(row)
    new_streak = streak + 1 if ticket.priority else 0
    if new_streak != streak:
        session.execute(_SET_STREAK, {"w": window_code, "streak": new_streak})
    _audited(session, actor, "queue.call", ticket.id, ticket.hall_code)
    return ticket


def move(session: Session, actor: Actor, action: str, ticket: TicketRow, **values: Any) -> TicketRow | None:
    """One of the ``_MOVES`` (``queue.recall``, ``queue.skip``, ``queue.finish``, ``queue.requeue``,
    ``queue.transfer``): a conditional update on the expected status; ``None`` when the ticket moved meanwhile."""
    expected, columns = _MOVES[action]
    if set(values) != set(columns):
        raise ValueError(f"{action} sets {sorted(columns)}, not {sorted(values)}")
    params = {"tid": ticket.id, **{f"v_{k}": v for k, v in values.items()}}
    row = session.execute(_MOVE_STATEMENTS[action], params).first()
    if row is None:
        return None
    moved = _ticket(row)
    _audited(session, actor, action, moved.id, moved.hall_code)
    return moved


def _window_audited(session: Session, actor: Actor, action: str, ws: WindowSession, hall_code: str) -> None:
    if actor.kind == "staff":
        audit_service.record(
            session, actor, action, target_type="queue_window_session", target_id=ws.id, hall_code=hall_code
        )


def sign_in(
    session: Session, actor: Actor, *, window_code: str, hall_id: int, hall_code: str, now: datetime
) -> WindowSession:
    """``actor`` signed in at the window (and out of any other, one window at a time): the session row, open."""
    for (session_id,) in session.execute(_LEAVE_OTHER_WINDOWS, {"staff": actor.id, "w": window_code}).all():
        left = session.get(WindowSession, session_id)
        if left is not None:
            _window_audited(session, actor, "queue.window.leave", left, hall_code)
    ws = window_session_orm(session, window_code)
    if ws is None:
        ws = WindowSession(window_code=window_code, hall_id=hall_id)
        session.add(ws)
    ws.staff_id, ws.status, ws.signed_in_at, ws.priority_streak = actor.id, "open", now, 0
    session.flush()
    _window_audited(session, actor, "queue.window.sign_in", ws, hall_code)
    return ws


def set_window_status(
    session: Session, actor: Actor, *, window_code: str, status: str, hall_code: str
) -> WindowSession:
    """Pause, resume or close (sign out of) a window."""
    if (ws := window_session_orm(session, window_code)) is None:
        raise LookupError(window_code)
    if status == "closed":
        ws.staff_id = None
    ws.status = status
    session.flush()
    _window_audited(session, actor, f"queue.window.{status}", ws, hall_code)
    return ws


def mark_notified(session: Session, actor: Actor, ticket_id: int) -> bool:
    """Quiet calling told this ticket's holder (once: ``False`` when another process did first). Done by the
    system (the replay's refresh), which the audit trail does not record, like every non-staff act."""
    if session.execute(_MARK_NOTIFIED, {"tid": ticket_id}).first() is None:
        return False
    _audited(session, actor, "queue.notify_ahead", ticket_id, None)
    return True


def item_counts(session: Session, hall_id: int, since: date) -> dict[str, int]:
    """Tickets per item in a hall since ``since`` (the kiosk puts the most taken items first)."""
    stmt = select(Ticket.item_code, func.count()).where(Ticket.hall_id == hall_id, Ticket.day >= since)
    return {code: int(n) for code, n in session.execute(stmt.group_by(Ticket.item_code))}
