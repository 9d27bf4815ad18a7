"""Queueing API: tickets, window actions, boards (JSON and SSE) and call voice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sse_starlette.sse import EventSourceResponse

from smarthall.core import broadcast
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now, require
from smarthall.core.errors import Forbidden, NotFound, ServiceUnavailable, Unauthorized
from smarthall.core.routing import UnitOfWorkRoute, hot_path
from smarthall.core.tenancy import Actor
from smarthall.queueing import calling, notices, service, voice
from smarthall.queueing.rows import TicketRow
from smarthall.queueing.schemas import (
    Board,
    BoardNoticeIn,
    BoardNoticeRead,
    CallByNumber,
    FinishedAndCalled,
    TicketIssue,
    TicketRead,
    TicketTransfer,
    WindowState,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["queueing"])
Issuer = Annotated[Actor, Depends(require("queue.issue"))]
Clerk = Annotated[Actor, Depends(require("queue.window"))]
Reader = Annotated[Actor, Depends(require("queue.read"))]
NoticeEditor = Annotated[Actor, Depends(require(notices.PERMISSION))]  # refused before the body is read


def ticket_in_scope(ticket_id: DbId, session: DbSession, actor: CurrentActor) -> TicketRow:
    """Load the ticket of a hall the actor may see, or answer 404 (``ticket_not_found``) — never "not yours"."""
    return service.ticket_in_scope(session, actor, ticket_id)


# A ticket of a hall in the actor's scope (``core.repository.hall_scope``), loaded before the endpoint runs.
TicketInScope = Annotated[TicketRow, Depends(ticket_in_scope)]


def board_reader(session: Any, actor: Actor, hall_code: str) -> None:
    """Display devices of the hall and hall staff read boards; nobody else (boards show masked names)."""
    if actor.kind == "anonymous":
        raise Unauthorized()
    if not (actor.has("queue.board") or actor.has("queue.read")):
        raise Forbidden("您的角色无权查看叫号屏", "Your role cannot read boards", code="forbidden_role")
    hall = service.hall_by_code(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)


# Routes are matched in order: the live hall's hottest ones (boards, issue, status, call, finish) come first.


@router.get("/halls/{hall_code}/board", response_model=Board)
@hot_path
def get_board(
    hall_code: str,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    zone_code: Annotated[str | None, Query(max_length=40)] = None,
) -> Board:
    """The hall's call board: recent calls, windows, waiting per queue (names masked)."""
    board_reader(session, actor, hall_code)
    return service.board(session, hall_code=hall_code, zone_code=zone_code, now=now)


@router.post("/tickets", status_code=201, response_model=TicketRead)
@hot_path
def issue_ticket(
    data: TicketIssue,
    session: DbSession,
    actor: Issuer,
    now: Now,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> TicketRead:
    """Issue a ticket (kiosk device key, citizen remote ticket, guide desk, or appointment check-in)."""
    ticket, _ = service.issue_ticket(session, actor, data, idempotency_key=idempotency_key, now=now)
    return service.ticket_read(session, ticket, now)


@router.get("/tickets/by-token/{token}", response_model=TicketRead)
@hot_path
def get_ticket_by_token(token: Annotated[str, Path(max_length=64)], session: DbSession, now: Now) -> TicketRead:
    """A ticket's live state by its public reference (the QR code): status, people ahead, estimated wait."""
    return service.ticket_read(session, service.ticket_by_token(session, token), now)


@router.get("/tickets/{ticket_id}", response_model=TicketRead)
@hot_path
def get_ticket(ticket_id: DbId, session: DbSession, actor: CurrentActor, now: Now) -> TicketRead:
    """A ticket by its sequential id: staff and devices of its hall, and the citizen holding it (404 otherwise)."""
    return service.ticket_read(session, service.ticket_for(session, actor, ticket_id), now)


@router.post("/windows/{window_code}/call-next", response_model=TicketRead, responses={204: {}})
@hot_path
def call_next(window_code: str, session: DbSession, actor: Clerk, now: Now) -> TicketRead | Response:
    """Call the next ticket at this window (204 when nobody waits)."""
    ticket = calling.call_next(session, actor, window_code=window_code, now=now)
    if ticket is None:
        return Response(status_code=204)
    return service.ticket_read(session, ticket, now, with_estimate=False)


@router.post("/tickets/{ticket_id}/finish", response_model=TicketRead)
@hot_path
def finish(ticket_id: DbId, session: DbSession, actor: Clerk, now: Now) -> TicketRead:
    """Finish serving the current ticket."""
    return service.ticket_read(session, calling.finish(session, actor, ticket_id=ticket_id, now=now), now)


@router.post("/tickets/{ticket_id}/finish-and-call-next", response_model=FinishedAndCalled)
@hot_path
def finish_and_call_next(ticket_id: DbId, session: DbSession, actor: Clerk, now: Now) -> FinishedAndCalled:
    """Finish the current ticket and call the next one at its window, in one transaction (``called`` is null when
    nobody waits or the window is paused)."""
    finished, called = calling.finish_and_call_next(session, actor, ticket_id=ticket_id, now=now)
    return FinishedAndCalled(
        finished=service.ticket_read(session, finished, now, with_estimate=False),
        called=service.ticket_read(session, called, now, with_estimate=False) if called is not None else None,
    )


@router.post("/windows/{window_code}/sign-in", response_model=WindowState)
def sign_in(window_code: str, session: DbSession, actor: Clerk, now: Now) -> WindowState:
    """Sign in at a window (clerks: their assigned window)."""
    calling.sign_in(session, actor, window_code=window_code, now=now)
    return calling.window_state(session, actor, window_code=window_code, now=now)


@router.post("/windows/{window_code}/sign-out", response_model=WindowState)
def sign_out(window_code: str, session: DbSession, actor: Clerk, now: Now) -> WindowState:
    """Sign out of a window (it stops calling)."""
    calling.set_window_status(session, actor, window_code=window_code, status="closed", now=now)
    return calling.window_state(session, actor, window_code=window_code, now=now)


@router.post("/windows/{window_code}/pause", response_model=WindowState)
def pause(window_code: str, session: DbSession, actor: Clerk, now: Now) -> WindowState:
    """Pause calling at a window."""
    calling.set_window_status(session, actor, window_code=window_code, status="paused", now=now)
    return calling.window_state(session, actor, window_code=window_code, now=now)


@router.post("/windows/{window_code}/resume", response_model=WindowState)
def resume(window_code: str, session: DbSession, actor: Clerk, now: Now) -> WindowState:
    """Resume calling at a paused window."""
    calling.set_window_status(session, actor, window_code=window_code, status="open", now=now)
    return calling.window_state(session, actor, window_code=window_code, now=now)


@router.get("/windows/{window_code}", response_model=WindowState)
def window_state(window_code: str, session: DbSession, actor: Reader, now: Now) -> WindowState:
    """A window's status and current ticket."""
    return calling.window_state(session, actor, window_code=window_code, now=now)


@router.get("/windows/{window_code}/queue", response_model=list[TicketRead])
def window_queue(window_code: str, session: DbSession, actor: Reader, now: Now) -> list[TicketRead]:
    """Waiting tickets this window may serve."""
    tickets = service.queue_list(session, actor, window_code=window_code, now=now)
    return [service.ticket_read(session, t, now, with_estimate=False) for t in tickets]


@router.post("/windows/{window_code}/call", response_model=TicketRead)
def call_by_number(window_code: str, data: CallByNumber, session: DbSession, actor: Clerk, now: Now) -> TicketRead:
    """Manual fallback: call a waiting ticket by its number."""
    ticket = calling.call_number(session, actor, window_code=window_code, number=data.number, now=now)
    return service.ticket_read(session, ticket, now, with_estimate=False)


@router.post("/tickets/{ticket_id}/recall", response_model=TicketRead)
def recall(ticket_id: DbId, session: DbSession, actor: Clerk, now: Now) -> TicketRead:
    """Announce the current ticket again."""
    return service.ticket_read(session, calling.recall(session, actor, ticket_id=ticket_id, now=now), now)


@router.post("/tickets/{ticket_id}/skip", response_model=TicketRead)
def skip(ticket_id: DbId, session: DbSession, actor: Clerk, now: Now) -> TicketRead:
    """Skip a ticket whose holder did not come (过号)."""
    return service.ticket_read(session, calling.skip(session, actor, ticket_id=ticket_id, now=now), now)


@router.post("/tickets/{ticket_id}/requeue", response_model=TicketRead)
def requeue(actor: Clerk, ticket: TicketInScope, session: DbSession, now: Now) -> TicketRead:
    """Put a skipped ticket back in line (once)."""
    return service.ticket_read(session, calling.requeue(session, actor, ticket_id=ticket.id, now=now), now)


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketRead)
def transfer(ticket_id: DbId, data: TicketTransfer, session: DbSession, actor: Clerk, now: Now) -> TicketRead:
    """Transfer the current ticket to another item's queue or to another window, keeping its place."""
    ticket = calling.transfer(
        session, actor, ticket_id=ticket_id, item_code=data.item_code, window_code=data.window_code, now=now
    )
    return service.ticket_read(session, ticket, now)


@router.get("/halls/{hall_code}/board/stream")
def board_stream(hall_code: str, request: Request, session: DbSession, actor: CurrentActor) -> EventSourceResponse:
    """Server-sent events for the board: ``call`` (announce), ``update``, ``window``, ``issued``."""
    board_reader(session, actor, hall_code)
    hall = service.hall_by_code(session, hall_code)
    chan = service.channel(hall.code)
    fan_out = broadcast.of(request.app.state.db)

    async def events() -> AsyncIterator[dict[str, Any]]:
        async for message in fan_out.subscribe(chan):
            if await request.is_disconnected():
                break
            if message.get("type") == "subscribed":
                yield {"event": "ready", "data": json.dumps({"hall_code": hall.code}), "retry": 3000}
                continue
            yield {"event": message.get("type", "update"), "data": json.dumps(message, ensure_ascii=False)}

    return EventSourceResponse(events(), ping=15)


@router.get("/halls/{hall_code}/board-notice", response_model=BoardNoticeRead | None)
def get_board_notice(hall_code: str, session: DbSession, actor: CurrentActor, now: Now) -> BoardNoticeRead | None:
    """The notice the hall's boards show now (null: their standing notice)."""
    board_reader(session, actor, hall_code)
    notice = notices.active(session, service.hall_by_code(session, hall_code).id, now)
    return BoardNoticeRead(**vars(notice)) if notice else None


@router.put("/halls/{hall_code}/board-notice", response_model=BoardNoticeRead)
def put_board_notice(
    hall_code: str, data: BoardNoticeIn, session: DbSession, actor: NoticeEditor, now: Now
) -> BoardNoticeRead:
    """A hall manager sets the boards' notice (Chinese required, English optional, an optional expiry)."""
    notice = service.set_board_notice(
        session, actor, hall_code, text_zh=data.text_zh, text_en=data.text_en, expires_at=data.expires_at, now=now
    )
    return BoardNoticeRead(**vars(notice))


@router.delete("/halls/{hall_code}/board-notice", status_code=204)
def delete_board_notice(hall_code: str, session: DbSession, actor: NoticeEditor, now: Now) -> Response:
    service.clear_board_notice(session, actor, hall_code, now=now)
    return Response(status_code=204)


@router.get("/tickets/{ticket_id}/voice.wav")
def call_voice(ticket_id: DbId, session: DbSession, actor: CurrentActor) -> Response:
    """The call announcement as a WAV (espeak-ng), for boards whose browser has no speech synthesis."""
    ticket = service.public_ticket(session, ticket_id)  # its number is public (the QR code); the hall decides
    board_reader(session, actor, ticket.hall_code)
    if not ticket.window_code:  # nothing to announce yet: a problem like every refusal (it was a bare JSON 404)
        raise NotFound("该号尚未叫号", "The ticket has not been called yet", code="ticket_not_called")
    zh, _ = service.announcement(ticket.number, service.window_number(session, ticket.window_code))
    audio = voice.synthesize(zh)
    if audio is None:
        raise ServiceUnavailable("语音合成不可用", "Speech synthesis is unavailable", code="tts_unavailable")
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "max-age=3600"})
