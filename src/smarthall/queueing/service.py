"""Tickets, routing and calling (智能取叫号 · 综合窗口): the use cases. Queries and writes are in ``repository``.

- Issue: one atomic counter upsert gives the next number of (hall, queue, service day) and counts the ticket in
  as waiting; the ticket row repeats the number under a unique constraint. Idempotency keys are scoped to the
  issuing actor.
- Call: a window tries candidates in the policy's order and claims one with a conditional update
  (``WHERE status = 'waiting'``): two windows can never call the same ticket.
- Every change of a ticket into or out of ``waiting`` moves the counter row's ``waiting`` in the same statement (a
  database trigger, migration 0007), so the board reads the waiting line per queue in O(queues) however long the
  line, and no code path can forget it.
- The hot paths (issue, read, call, finish, board) use the repository's prebuilt Core statements, its typed rows,
  and the cached facts of ``queueing.facts``; the repository's write methods audit staff acts themselves.
- The hall's rules (``queue.*`` rule settings) are read once per use case (``facts.rules``).
- After commit: a message on the hall's broadcast channel (boards, window pads, citizens' phones), the replay of
  the line refreshed (``queueing.live``) and, when a ticket is finished, the ``ticket.finished`` domain event.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.appointment import service as appointment_service
from smarthall.core import broadcast, events, ratelimit
from smarthall.core.cache import cached
from smarthall.core.clock import service_day
from smarthall.core.crypto import blind_index
from smarthall.core.db import Database, after_commit
from smarthall.core.errors import Forbidden, Unauthorized
from smarthall.core.masking import mask_name
from smarthall.core.subjects import ServedSubject
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_id_number, check_phone, normalize_id_number
from smarthall.identity import service as identity_service
from smarthall.queueing import facts, live, notices, policy
from smarthall.queueing import repository as repo
from smarthall.queueing.errors import (
    HallClosed,
    IdempotencyMismatch,
    InvalidIdentity,
    ItemNotServed,
    RemoteTicketLimit,
    TicketNotFound,
    WindowNotFound,
)
from smarthall.queueing.facts import HallFacts
from smarthall.queueing.models import Ticket
from smarthall.queueing.rows import TicketRow
from smarthall.queueing.schemas import Board, BoardCall, BoardQueue, BoardWindow, TicketIssue, TicketRead

NAMES_CACHE = "queue.names"  # masked holder names of called tickets shown on boards, per citizen id
NAMES_SECONDS = 300.0


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


def publish(session: Session, hall_id: int, hall_code: str, message: dict[str, Any], *, now: datetime) -> None:
    database = _database(session)
    day = service_day(now)

    def send() -> None:
        if message.get("type") != "issued":  # a new ticket is placed in the kept replay by its first reader
            live.changed(database, hall_id, day, now)
        broadcast.of(database).publish(channel(hall_code), message)

    after_commit(session, send)


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    """The ticket as an ORM object, personal fields included (pages, voice)."""
    ticket = repo.ticket_orm(session, ticket_id)
    if ticket is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    return ticket


def ticket_in_scope(session: Session, actor: Actor, ticket_id: int) -> TicketRow:
    """The ticket when ``actor`` may see its hall; ``TicketNotFound`` (404) otherwise, whether it exists or not."""
    ticket = repo.ticket_in_scope(session, actor, ticket_id)
    if ticket is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    return ticket


def serving_at_window(session: Session, window_code: str) -> TicketRow | None:
    """The ticket called at the window now (a window pad shows what belongs to it); None when none is."""
    return repo.current_ticket(session, window_code)


def public_ticket(session: Session, ticket_id: int) -> TicketRow:
    """A ticket by id, without personal data (anyone holding its QR code may follow it)."""
    ticket = repo.ticket_by_id(session, ticket_id)
    if ticket is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    return ticket


def my_tickets(session: Session, actor: Actor, now: datetime) -> list[TicketRead]:
    """The signed-in citizen's tickets of today with their live state (none for anyone else)."""
    if actor.kind != "citizen" or actor.id is None:
        return []
    return [ticket_read(session, t, now) for t in repo.citizen_tickets(session, actor.id, service_day(now))]


def read_ticket(session: Session, ticket_id: int, now: datetime) -> TicketRead:
    """A ticket's live state by id: no personal data (callers check who may read by id: ``ticket_for``)."""
    return ticket_read(session, public_ticket(session, ticket_id), now)


# A ticket's public reference (its QR code, the link a remote ticket gets): the id with a keyed MAC, so that holding
# a ticket is what lets one follow it — sequential ids are for staff and devices of its hall (and its own citizen).
TOKEN_PURPOSE = "queue.ticket.public"  # noqa: S105 - the HMAC purpose label, not a secret
TOKEN_MAC_CHARS = 32


def public_token(ticket_id: int) -> str:
    """The unguessable reference of a ticket (stable, derived with the field key's index key; nothing stored)."""
    return f"{ticket_id}-{blind_index(str(ticket_id), TOKEN_PURPOSE)[:TOKEN_MAC_CHARS]}"


def token_ticket_id(token: str) -> int | None:
    """The ticket id a public reference stands for, or None when the reference is not genuine."""
    head, _, _ = token.partition("-")
    if not head.isdigit() or len(head) > 18 or len(token) > 64:
        return None
    return int(head) if hmac.compare_digest(public_token(int(head)), token) else None


def ticket_by_token(session: Session, token: str) -> TicketRow:
    """The ticket of a public reference (404 for a forged or unknown one)."""
    ticket_id = token_ticket_id(token)
    if ticket_id is None:
        raise TicketNotFound(detail={"token": "invalid"})
    return public_ticket(session, ticket_id)


def ticket_for(session: Session, actor: Actor, ticket_id: int) -> TicketRow:
    """A ticket by its sequential id: to staff and devices of its hall's scope, and to the citizen who holds it;
    401 to anonymous callers (they follow a ticket by its public reference), 404 to everyone else."""
    if actor.kind == "anonymous":
        raise Unauthorized()
    if actor.kind in ("staff", "device"):
        return ticket_in_scope(session, actor, ticket_id)
    if actor.kind == "citizen":
        own = repo.ticket_orm(session, ticket_id)
        if own is not None and own.citizen_id == actor.id:
            return public_ticket(session, ticket_id)
    raise TicketNotFound(detail={"ticket_id": ticket_id})


def window_number(session: Session, window_code: str) -> int:
    """The number a window shows (0 for a window no longer active)."""
    try:
        return facts.window(session, window_code).number
    except WindowNotFound:
        return 0


# ------------------------------------------------------------------------------------------------------ issue


def _replayed(existing: TicketRow, request_hash: str) -> tuple[TicketRow, bool]:
    if existing.request_hash != request_hash:
        raise IdempotencyMismatch()
    return existing, True


def issue_ticket(
    session: Session, actor: Actor, data: TicketIssue, *, idempotency_key: str | None, now: datetime
) -> tuple[TicketRow, bool]:
    """Issue a ticket; returns (ticket, replayed). Kiosks issue for their own hall, guides for halls in scope,
    citizens remotely for any hall."""
    key_hash = _key_hash(actor, idempotency_key) if idempotency_key else None
    request_hash = _request_hash(data)
    if key_hash and (existing := repo.ticket_by_key(session, key_hash)) is not None:
        return _replayed(existing, request_hash)
    hall = facts.hall(session, data.hall_code)
    if actor.kind in ("device", "staff"):
        actor.ensure_hall(hall.id, hall.region_path)
    elif actor.kind != "citizen":
        raise Forbidden()
    ratelimit.enforce(session, _LIMITS.get(actor.kind, "queueing.ticket"), actor, now)
    if not facts.is_open(session, hall, now):
        raise HallClosed(detail={"hall_code": hall.code})
    today = service_day(now)
    rules = facts.rules(session, hall)

    id_number = normalize_id_number(data.id_number) if data.id_number else None
    if id_number and (bad := check_id_number(id_number, today)):
        raise InvalidIdentity(bad.message_zh, bad.message_en, code=bad.code)
    if data.phone and (bad := check_phone(data.phone)):
        raise InvalidIdentity(bad.message_zh, bad.message_en, code=bad.code)
    citizen_id: int | None = None
    if actor.kind == "citizen" and actor.id is not None:
        citizen_id = actor.id
        if not id_number and (contact := identity_service.citizen_contact(session, actor.id)) is not None:
            id_number = contact.id_number
    elif id_number:
        citizen_id = identity_service.find_citizen_id(session, id_number=id_number)

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
    item = facts.item(session, item_code)
    reason = policy.priority_reason(id_number, data.declared, on_time, today, priority_age=rules.priority_age)
    prefix = facts.prefixes(session).get(item.department_code, "Z")
    if actor.kind == "citizen" and citizen_id is not None and booking is None:
        live = repo.live_remote_tickets(session, citizen_id, hall.id, today, prefix)
        if rules.remote_live_per_citizen and live >= rules.remote_live_per_citizen:
            raise RemoteTicketLimit(detail={"queue": prefix, "live": live, "max": rules.remote_live_per_citizen})
    values = {
        "hall_id": hall.id,
        "hall_code": hall.code,
        "queue_code": prefix,
        "day": today,
        "item_code": item.code,
        "department_code": item.department_code,
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
        ticket = repo.insert_ticket(session, actor, values)
    else:
        try:
            with session.begin_nested():
                ticket = repo.insert_ticket(session, actor, values)
        except IntegrityError:
            # Only a concurrent retry with the same idempotency key (PostgreSQL) lands here.
            existing = repo.ticket_by_key(session, key_hash)
            if existing is None:
                raise
            return _replayed(existing, request_hash)
    if booking is not None:
        appointment_service.attach_ticket(session, booking, ticket.id, actor=actor)
    events.emit(session, "ticket.issued", ticket_id=ticket.id, number=ticket.number, hall_id=hall.id,
                citizen_id=citizen_id, id_number_index=values["id_number_index"], item_code=item.code,
                appointment_code=values["appointment_code"], at=now)  # fmt: skip
    publish(session, hall.id, hall.code, {"type": "issued", "hall_code": hall.code, "queue": prefix}, now=now)
    return ticket, False


_LIMITS = {"device": "queueing.kiosk_ticket", "citizen": "queueing.remote_ticket"}


def _source(actor: Actor, checked_in: bool) -> str:
    if checked_in:
        return "checkin"
    return {"device": "kiosk", "citizen": "mobile", "staff": "guide"}.get(actor.kind, "other")


# ------------------------------------------------------------------------------------------ reads, estimates


def ticket_read(
    session: Session,
    ticket: TicketRow | Ticket,
    now: datetime,
    *,
    with_estimate: bool = True,
    window_number: int | None = None,
) -> TicketRead:
    """The public shape of a ticket (a ``TicketRow`` or an ORM ticket), with its live estimate."""
    ahead: int | None = None
    wait: float | None = None
    if ticket.status == "waiting" and with_estimate:
        est = live.estimate_for(session, ticket, now)
        if est is not None:
            ahead, wait = est.ahead, est.wait_minutes
        else:  # no open window can serve it yet: people ahead in its own queue, no time
            ahead = live.waiting_ahead_in_queue(session, ticket, now)
    elif ticket.status != "waiting":
        ahead, wait = 0, 0.0
    if ticket.window_code and window_number is None:
        try:
            window_number = facts.window(session, ticket.window_code).number
        except WindowNotFound:
            window_number = None
    return TicketRead(
        id=ticket.id,
        token=public_token(ticket.id),
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


# ------------------------------------------------------------------------------------------------------ board


def _masked_names(session: Session, citizen_ids: set[int]) -> dict[int, str]:
    """Masked names of the holders of called tickets, cached per citizen (a board shows the same few calls on every
    read: a new call costs one lookup per process; a renamed citizen empties the cache, see ``register``)."""
    loaded: dict[int, str] | None = None

    def load(citizen_id: int) -> str:
        nonlocal loaded
        if loaded is None:  # one query for every holder not cached yet
            loaded = identity_service.citizen_names(session, citizen_ids)
        return mask_name(loaded.get(citizen_id, ""))

    return {
        cid: cached(session, NAMES_CACHE, cid, functools.partial(load, cid), seconds=NAMES_SECONDS)
        for cid in citizen_ids
    }


def board(session: Session, *, hall_code: str, zone_code: str | None, now: datetime) -> Board:
    """The hall's (or a zone's) call board: recent calls, windows, waiting per queue (names masked)."""
    hall = facts.hall(session, hall_code)
    day = service_day(now)
    windows = {w.code: w for w in facts.hall_windows(session, hall.id)}
    if zone_code:
        windows = {c: w for c, w in windows.items() if w.zone_code == zone_code}
    called = repo.recent_calls(session, hall.id, day, list(windows))
    names = _masked_names(session, {t.citizen_id for t in called if t.citizen_id is not None})
    calls = []
    for t in called:
        w = windows.get(t.window_code or "")
        calls.append(
            BoardCall(
                ticket_id=t.id,
                number=t.number,
                window_code=t.window_code or "",
                window_number=w.number if w else 0,
                window_name=w.name if w else "",
                zone_code=w.zone_code if w else None,
                called_at=t.called_at or now,
                name_masked=names.get(t.citizen_id, "") if t.citizen_id is not None else "",
            )
        )
    departments = facts.queue_departments(session)
    state = repo.hall_state(session, hall.id, day, now)  # with the notice in force (``notices.active``)
    department_names = facts.department_names(session)
    english = facts.english_names(session)
    queues = [
        BoardQueue(
            queue=code,
            department_code=departments.get(code, ""),
            waiting=n,
            department_name=(name := department_names.get(departments.get(code, ""), "")),
            department_name_en=english.get(name, ""),
        )
        for code, n in sorted(state.waiting.items())
    ]
    board_windows = [
        BoardWindow(
            code=w.code,
            number=w.number,
            name=w.name,
            zone_code=w.zone_code,
            status=state.window_status.get(w.code, "closed"),
            current_number=state.serving.get(w.code),
        )
        for w in sorted(windows.values(), key=lambda w: w.number)
    ]
    notice = state.notice
    return Board(
        hall_code=hall.code,
        hall_name=hall.name,
        zone_code=zone_code,
        now=now,
        calls=calls,
        queues=queues,
        windows=board_windows,
        waiting_total=sum(q.waiting for q in queues),
        notice_zh=notice[0] if notice else None,
        notice_en=(notice[1] or notice[0]) if notice else None,
    )


def queue_list(session: Session, actor: Actor, *, window_code: str, now: datetime, limit: int = 30) -> list[Ticket]:
    """Waiting tickets this window may serve in the order it would call them (the workstation's list: priority,
    the starvation guard and transfers as ``call-next`` applies them, so the list and the ticket pages agree)."""
    window = facts.window(session, window_code)
    actor.ensure_hall(window.hall_id, window.region_path)
    tickets = repo.Tickets(session).waiting_for_window(
        actor, hall_id=window.hall_id, day=service_day(now), window_code=window.code, items=window.items, limit=limit
    )
    ws = repo.window_session(session, window.code)
    rules = facts.rules(session, facts.hall_by_id(session, window.hall_id))
    candidates = [
        policy.Candidate(t.id, t.priority, t.queued_at, t.target_window_code == window.code) for t in tickets
    ]
    order = policy.calling_sequence(
        candidates, now=now, priority_streak=ws.priority_streak if ws else 0, rule=rules
    )
    by_id = {t.id: t for t in tickets}
    return [by_id[i] for i in order[:limit]]


def skipped_list(session: Session, actor: Actor, *, window_code: str, now: datetime) -> list[Ticket]:
    """The window's skipped tickets of the day, latest first (they may be put back in line)."""
    window = facts.window(session, window_code)
    actor.ensure_hall(window.hall_id, window.region_path)
    return repo.Tickets(session).skipped_at_window(actor, window_code=window.code, day=service_day(now))


# ------------------------------------------------------------------------------------- served-subject contract


def served_subject(session: Session, ref: str) -> ServedSubject | None:
    """The ticket as a served subject (evaluation invites and rates it), contact included."""
    if not str(ref).isdigit():
        return None
    ticket = repo.subject(session, int(ref))
    if ticket is None:
        return None
    citizen_id = ticket.citizen_id
    if citizen_id is None and ticket.id_number_index:
        citizen_id = identity_service.find_citizen_id(session, id_number_index=ticket.id_number_index)
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


def item_counts(session: Session, hall_id: int, since: date) -> dict[str, int]:
    """Tickets per item of a hall since ``since`` (the kiosks put the most taken items first)."""
    return facts.item_counts(session, hall_id, since)


def set_board_notice(
    session: Session, actor: Actor, hall_code: str, *, text_zh: str, text_en: str, expires_at: datetime | None,
    now: datetime,
) -> notices.Notice:  # fmt: skip
    """Set the hall's board notice; the boards refresh on the ``update`` event sent once the change is committed."""
    notice = notices.set_notice(
        session, actor, hall_code, text_zh=text_zh, text_en=text_en, expires_at=expires_at, now=now
    )
    hall = facts.hall(session, hall_code)
    publish(session, hall.id, hall.code, {"type": "update", "reason": "notice"}, now=now)
    return notice


def clear_board_notice(session: Session, actor: Actor, hall_code: str, *, now: datetime) -> None:
    notices.clear(session, actor, hall_code, now=now)
    hall = facts.hall(session, hall_code)
    publish(session, hall.id, hall.code, {"type": "update", "reason": "notice"}, now=now)
