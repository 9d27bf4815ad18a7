"""Windows and calling (综合窗口 · 叫号): sign-in, pause, call next or by number, recall, skip, requeue, transfer,
finish — the window workstation's use cases. Queries and writes are in ``repository`` (which audits staff acts).

A window tries candidates in the policy's order (the hall's starvation guard, ``queue.*`` rules) and claims one with
a conditional update (``WHERE status = 'waiting'``): two windows can never call the same ticket. Each act ends with
a message on the hall's broadcast channel after commit (``service.publish``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core import events
from smarthall.core.clock import service_day
from smarthall.core.errors import Forbidden
from smarthall.core.subjects import ServedSubject
from smarthall.core.tenancy import Actor
from smarthall.queueing import facts, policy
from smarthall.queueing import repository as repo
from smarthall.queueing.errors import (
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
from smarthall.queueing.facts import WindowFacts
from smarthall.queueing.models import Ticket, WindowSession
from smarthall.queueing.rows import Candidate, TicketAtWindow, TicketRow, WindowSessionRow
from smarthall.queueing.schemas import WindowState
from smarthall.queueing.service import announcement, publish, ticket_in_scope, ticket_read

# ---------------------------------------------------------------------------------------------------- windows


def _clerk_may_use(actor: Actor, window: WindowFacts) -> None:
    if actor.kind != "staff" or actor.hall_id != window.hall_id:
        raise NotYourWindow(detail={"window_code": window.code})
    if actor.window_code and actor.window_code != window.code:
        raise NotYourWindow(detail={"window_code": window.code, "assigned": actor.window_code})


def sign_in(session: Session, actor: Actor, *, window_code: str, now: datetime) -> WindowSession:
    """Sign in at a window (a clerk is signed in at one window at a time)."""
    window = facts.window(session, window_code)
    _clerk_may_use(actor, window)
    ws = repo.window_session(session, window.code)
    if ws is not None and ws.staff_id not in (None, actor.id) and ws.status != "closed":
        raise WindowTaken(detail={"window_code": window.code})
    row = repo.sign_in(
        session, actor, window_code=window.code, hall_id=window.hall_id, hall_code=window.hall_code, now=now
    )
    message = {"type": "window", "window_code": window.code, "status": "open"}
    publish(session, window.hall_id, window.hall_code, message, now=now)
    return row


def _signed_in(session: Session, actor: Actor, window_code: str) -> tuple[WindowFacts, WindowSessionRow]:
    """The window and its session (with ``busy``: whether it is serving a ticket) when ``actor`` is signed in."""
    window = facts.window(session, window_code)
    _clerk_may_use(actor, window)
    return window, _own_session(actor, window, repo.window_session(session, window.code))


def _own_session(actor: Actor, window: WindowFacts, ws: WindowSessionRow | None) -> WindowSessionRow:
    if ws is None or ws.staff_id != actor.id or ws.status == "closed":
        raise NotSignedIn(detail={"window_code": window.code})
    return ws


def set_window_status(session: Session, actor: Actor, *, window_code: str, status: str, now: datetime) -> WindowSession:
    """Pause, resume or sign out of the window ``actor`` is signed in at."""
    window, _ = _signed_in(session, actor, window_code)
    ws = repo.set_window_status(session, actor, window_code=window.code, status=status, hall_code=window.hall_code)
    ws.status_since = now  # how long a window has been paused, for the manager's supervision view
    message = {"type": "window", "window_code": window.code, "status": status}
    publish(session, window.hall_id, window.hall_code, message, now=now)
    return ws


def current_ticket(session: Session, window_code: str) -> Ticket | None:
    """The ticket the window is serving, as an ORM object (the workstation shows its holder)."""
    return repo.current_ticket_orm(session, window_code)


def window_state(session: Session, actor: Actor, *, window_code: str, now: datetime) -> WindowState:
    window = facts.window(session, window_code)
    actor.ensure_hall(window.hall_id, window.region_path)
    ws = repo.window_session(session, window.code)
    cur = repo.current_ticket(session, window.code)
    return WindowState(
        window_code=window.code,
        status=ws.status if ws else "closed",
        staff_id=ws.staff_id if ws else None,
        current=ticket_read(session, cur, now, with_estimate=False, window_number=window.number) if cur else None,
    )


# ---------------------------------------------------------------------------------------------------- calling


def _announce_call(
    session: Session, window: WindowFacts, ticket: TicketRow, *, now: datetime, recall: bool = False
) -> None:
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
    publish(session, window.hall_id, window.hall_code, event, now=now)


def call_next(session: Session, actor: Actor, *, window_code: str, now: datetime) -> TicketRow | None:
    """Call the next ticket at the window (``None`` when nobody it may serve waits). The window's session and the
    first candidates are one statement: the checks below refuse before anything is written."""
    window = facts.window(session, window_code)
    _clerk_may_use(actor, window)
    found, rows = repo.session_and_candidates(
        session,
        hall_id=window.hall_id,
        day=service_day(now),
        window_code=window.code,
        items=window.items,
        limit=repo.CANDIDATES_PER_KIND,
    )
    ws = _own_session(actor, window, found)
    if ws.status == "paused":
        raise WindowPaused()
    if ws.busy:
        raise WindowBusy()
    return _call_next_at(session, actor, window, ws, now=now, first=rows)


def _call_next_at(
    session: Session,
    actor: Actor,
    window: WindowFacts,
    ws: WindowSessionRow,
    *,
    now: datetime,
    first: list[Candidate] | None = None,
) -> TicketRow | None:
    """Claim the next ticket at a window ``actor`` is signed in at, open and free (the checks are the caller's);
    ``first``: the candidates already read with the window's session."""
    rules = facts.rules(session, facts.hall_by_id(session, window.hall_id))
    day = service_day(now)
    limit = repo.CANDIDATES_PER_KIND
    while True:
        rows = first
        first = None
        if rows is None:
            rows = repo.candidates(
                session, hall_id=window.hall_id, day=day, window_code=window.code, items=window.items, limit=limit
            )
        candidates = [policy.Candidate(r.id, r.priority, r.queued_at, r.kind == 0) for r in rows]
        order = policy.calling_order(candidates, now=now, priority_streak=ws.priority_streak, rule=rules)
        for ticket_id in order:
            ticket = repo.claim(
                session, actor, ticket_id=ticket_id, window_code=window.code, streak=ws.priority_streak, now=now
            )
            if ticket is not None:
                _announce_call(session, window, ticket, now=now)
                return ticket
        if max((sum(1 for r in rows if r.kind == k) for k in (0, 1, 2)), default=0) < limit:
            return None
        limit *= 4  # every candidate was taken by other windows meanwhile (PostgreSQL): look further


def call_number(session: Session, actor: Actor, *, window_code: str, number: str, now: datetime) -> TicketRow:
    """Manual fallback (手动叫号): call a waiting ticket of the hall by its number."""
    window, ws = _signed_in(session, actor, window_code)
    if ws.busy:
        raise WindowBusy()
    found = repo.by_number(session, window.hall_id, service_day(now), number.strip().upper())
    if found is None:
        raise TicketNotFound(detail={"number": number})
    ticket_id, status = found
    ticket = repo.claim(
        session, actor, ticket_id=ticket_id, window_code=window.code, streak=ws.priority_streak, now=now
    )
    if ticket is None:
        raise TicketState(detail={"status": status})
    _announce_call(session, window, ticket, now=now)
    return ticket


def _own_called_ticket(session: Session, actor: Actor, ticket_id: int) -> tuple[TicketRow, WindowFacts]:
    """The ticket ``actor`` is serving, read with its window's session in one statement."""
    found, window = _own_called(session, actor, ticket_id)
    return found.ticket, window


def _own_called(session: Session, actor: Actor, ticket_id: int) -> tuple[TicketAtWindow, WindowFacts]:
    found = repo.ticket_at_window(session, ticket_id)
    if found is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    ticket = found.ticket
    if ticket.status != "called" or not ticket.window_code:
        if actor.kind != "staff" or actor.hall_id != ticket.hall_id:
            raise NotYourTicket()
        raise TicketState(detail={"status": ticket.status})
    if ticket.staff_id != actor.id:
        raise NotYourTicket()
    window = facts.window(session, ticket.window_code)
    _clerk_may_use(actor, window)
    if found.ws_staff_id != actor.id or found.ws_status in (None, "closed"):
        raise NotSignedIn(detail={"window_code": window.code})
    return found, window


def _move(session: Session, actor: Actor, action: str, ticket: TicketRow, **values: Any) -> TicketRow:
    moved = repo.move(session, actor, action, ticket, **values)
    if moved is None:
        raise TicketState(detail={"status": ticket.status})
    return moved


def recall(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> TicketRow:
    """Announce the ticket being served again."""
    ticket, window = _own_called_ticket(session, actor, ticket_id)
    ticket = _move(session, actor, "queue.recall", ticket, recall_count=ticket.recall_count + 1)
    _announce_call(session, window, ticket, now=now, recall=True)
    return ticket


def skip(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> TicketRow:
    """过号: the citizen did not come. The ticket may be put back in line once (``requeue``)."""
    ticket, window = _own_called_ticket(session, actor, ticket_id)
    ticket = _move(session, actor, "queue.skip", ticket, status="skipped", finished_at=None)
    publish(session, window.hall_id, window.hall_code, {"type": "update", "ticket_id": ticket.id}, now=now)
    return ticket


def requeue(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> TicketRow:
    """Put a skipped ticket of a hall in ``actor``'s scope back in line (once)."""
    if actor.kind != "staff":
        raise Forbidden()
    ticket = ticket_in_scope(session, actor, ticket_id)
    if ticket.status != "skipped":
        raise TicketState(detail={"status": ticket.status})
    if ticket.requeue_count >= 1:
        raise RequeueUsed()
    ticket = _move(
        session,
        actor,
        "queue.requeue",
        ticket,
        status="waiting",
        queued_at=now,
        window_code=None,
        staff_id=None,
        called_at=None,
        requeue_count=ticket.requeue_count + 1,
    )
    publish(session, ticket.hall_id, ticket.hall_code, {"type": "update", "ticket_id": ticket.id}, now=now)
    return ticket


def transfer(
    session: Session, actor: Actor, *, ticket_id: int, item_code: str | None, window_code: str | None, now: datetime
) -> TicketRow:
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
        "item_code": ticket.item_code,
        "department_code": ticket.department_code,
        "target_window_code": None,
    }
    if item_code:
        if item_code not in facts.hall_items(session, window.hall_code):
            raise ItemNotServed(detail={"item_code": item_code})
        item = facts.item(session, item_code)
        values.update(item_code=item.code, department_code=item.department_code)
    else:
        assert window_code is not None
        try:
            target = facts.window(session, window_code)
        except WindowNotFound:
            raise WindowNotFound(detail={"window_code": window_code})
        if target.hall_id != window.hall_id or target.code == window.code:
            raise WindowNotFound(detail={"window_code": window_code})
        values.update(target_window_code=target.code)
    ticket = _move(session, actor, "queue.transfer", ticket, **values)
    publish(session, window.hall_id, window.hall_code, {"type": "update", "ticket_id": ticket.id}, now=now)
    return ticket


def finish(session: Session, actor: Actor, *, ticket_id: int, now: datetime) -> TicketRow:
    """Finish serving the ticket; the service is then a ``ticket.finished`` event (evaluation invites on it)."""
    ticket, window = _own_called_ticket(session, actor, ticket_id)
    return _finish(session, actor, ticket, window, now=now)


def _finish(session: Session, actor: Actor, ticket: TicketRow, window: WindowFacts, *, now: datetime) -> TicketRow:
    ticket = _move(session, actor, "queue.finish", ticket, status="finished", finished_at=now)
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
    message = {"type": "update", "ticket_id": ticket.id, "window_code": window.code}
    publish(session, window.hall_id, window.hall_code, message, now=now)
    return ticket


def finish_and_call_next(
    session: Session, actor: Actor, *, ticket_id: int, now: datetime
) -> tuple[TicketRow, TicketRow | None]:
    """Finish the ticket being served and call the next one at its window, in the caller's one transaction: the
    same checks, conditional updates and events as ``finish`` then ``call_next`` (so no ticket is called twice and
    nothing stands unless both do); the call is ``None`` when nobody the window may serve waits or it is paused.
    The window's session is the one read with the ticket (one statement): the window serves nobody once the ticket
    is finished, and only this clerk's own requests change its status or priority run."""
    found, window = _own_called(session, actor, ticket_id)
    finished = _finish(session, actor, found.ticket, window, now=now)
    assert found.ws_id is not None and found.ws_status is not None  # _own_called checked it
    if found.ws_status == "paused":
        return finished, None
    ws = WindowSessionRow(found.ws_id, found.ws_staff_id, found.ws_status, found.ws_priority_streak or 0, False)
    return finished, _call_next_at(session, actor, window, ws, now=now)
