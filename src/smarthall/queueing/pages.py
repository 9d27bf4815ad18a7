"""Queueing and appointment pages: kiosk, window workstation, display boards, citizen booking and live ticket.

Kiosk and display devices authenticate with their device key header (the kiosk-mode browser is configured with
it); staff and citizens with the session cookie. Paths are stable: other pages link to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.db import attempt
from smarthall.core.deps import MAX_DB_ID, CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.masking import mask_id_number, mask_name, mask_phone
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.queueing import calling, facts, notices, service
from smarthall.queueing.schemas import TicketIssue
from smarthall.venue import service as venue_service
from smarthall.web.nav import Tile
from smarthall.web.templating import denied, error_page, render, write_then_go

# Every page commits through the route (``UnitOfWorkRoute``); a page that shows a domain error runs the act inside
# ``core.db.attempt``, so the failed act leaves nothing behind and the rest of the request is committed as usual.
router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

# Role home tiles (added by ``queueing.register``).
TILES = (
    Tile(
        "queue.window", "/window/", "窗口叫号工作台", "Window workstation", "签到、叫号、办结", "Sign in, call, finish"
    ),
    Tile("queue.issue", "/kiosk/", "导办台取号", "Guide desk tickets", "为群众取号", "Issue tickets for citizens"),
)


# ------------------------------------------------------------------------------------------------------ kiosk


@router.get("/kiosk/")
def kiosk_home(request: Request, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if not actor.has("queue.issue") or not actor.hall_code:
        return denied(request, actor)
    return RedirectResponse(f"/kiosk/{actor.hall_code}", status_code=303)


def _kiosk_context(
    session: DbSession, hall_code: str, request: Request | None = None, now: datetime | None = None
) -> dict[str, object]:
    """The kiosk's menu (``venue.service.kiosk_menu``: search, life events, popular items first) and whether the
    hall issues tickets now — "closed, opens at …" is said before anyone picks an item."""
    hall = facts.hall(session, hall_code)
    query = request.query_params if request is not None else {}
    counts = facts.item_counts(session, hall.id, service_day(now) - timedelta(days=30)) if now is not None else {}
    ctx: dict[str, object] = {
        "hall": hall,
        **venue_service.kiosk_menu(
            session, hall, q=str(query.get("q", "")), event=str(query.get("event", "")), counts=counts
        ),
        "open": True,
        "opens_at": None,
        "idle_seconds": venue_service.kiosk_idle_seconds(session, hall),
    }
    if now is not None:
        ctx["open"] = facts.is_open(session, hall, now)
        ctx["opens_at"] = None if ctx["open"] else facts.next_opening(session, hall, now)
        if not ctx["open"]:  # the closed notice says when to come back with the least wait
            ctx["quiet_hours"] = _quiet_hours(session, hall_code, now)
    return ctx


def _kiosk_allowed(session: DbSession, actor: Actor, hall_code: str) -> bool:
    if not actor.has("queue.issue") or actor.kind not in ("device", "staff"):
        return False
    hall = facts.hall(session, hall_code)
    return actor.can_see_hall(hall.id, hall.region_path)


@router.get("/kiosk/{hall_code}")
def kiosk(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    try:
        if not _kiosk_allowed(session, actor, hall_code):
            return denied(request, actor)
        ctx = _kiosk_context(session, hall_code, request, now)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request, "queueing/kiosk.html", {**ctx, "large": request.query_params.get("large") == "1", "error": None}
    )


def _quiet_hours(session: DbSession, hall_code: str, now: datetime) -> list[dict[str, Any]]:
    from smarthall.operations import service as operations_service

    return operations_service.quiet_hours_shown(session, hall_code, now)


@router.post("/kiosk/{hall_code}/issue")
def kiosk_issue(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    item_code: Annotated[str, Form(max_length=32)] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    appointment_code: Annotated[str, Form(max_length=24)] = "",
    declared: Annotated[str, Form(max_length=16)] = "",
    large: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    request.state.actor = actor
    try:
        if not _kiosk_allowed(session, actor, hall_code):
            return denied(request, actor)
        data = TicketIssue(
            hall_code=hall_code,
            item_code=item_code or None,
            id_number=id_number.strip() or None,
            appointment_code=appointment_code.strip() or None,
            declared=declared if declared in ("pregnant", "disabled", "military") else None,  # type: ignore[arg-type]
        )
        with attempt(session):
            ticket, _ = service.issue_ticket(session, actor, data, idempotency_key=None, now=now)
        read = service.ticket_read(session, ticket, now)
        item = facts.item(session, ticket.item_code)
        hall = facts.hall(session, hall_code)
    except HallError as exc:
        ctx = _kiosk_context(session, hall_code, None, now)
        return render(
            request, "queueing/kiosk.html", {**ctx, "large": large == "1", "error": exc}, status_code=exc.status_
        )
    link = str(request.base_url).rstrip("/") + f"/tickets/{read.token}"
    qr = segno.make(link, micro=False).svg_inline(scale=4)
    return render(
        request,
        "queueing/ticket_print.html",
        {"ticket": read, "item": item, "hall": hall, "qr": qr, "link": link, "large": large == "1"},
    )


# ---------------------------------------------------------------------------------------- remote ticket

# A consultation's "take a ticket" step, and any link that wants a ticket for an item: a signed-in citizen takes one
# from home (the service lets citizens issue remotely, for themselves); the hall's kiosk or a guide goes to the
# kiosk page; an anonymous visitor signs in first.


@router.get("/take/{hall_code}")
def take_ticket(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    item_code: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    request.state.actor = actor
    try:
        if _kiosk_allowed(session, actor, hall_code):
            return RedirectResponse(f"/kiosk/{hall_code}", status_code=303)
        if actor.kind != "citizen":
            return denied(request, actor)
        hall = facts.hall(session, hall_code)
        item = facts.item(session, item_code) if item_code else None
    except HallError as exc:
        return error_page(request, exc)
    from smarthall.appointment import service as appointment_service

    bookable = item is not None and appointment_service.is_bookable(session, hall.code, item.code)
    open_now = facts.is_open(session, hall, now)
    return render(request, "queueing/take.html", {"hall": hall, "item": item, "open": open_now, "bookable": bookable})


@router.post("/take/{hall_code}")
def take_ticket_submit(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    item_code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    request.state.actor = actor
    if actor.kind != "citizen":
        return denied(request, actor)
    data = TicketIssue(hall_code=hall_code, item_code=item_code or None)
    return write_then_go(
        request,
        session,
        lambda: service.issue_ticket(session, actor, data, idempotency_key=None, now=now)[0],
        lambda ticket: f"/tickets/{service.ticket_read(session, ticket, now).token}",
    )


# --------------------------------------------------------------------------------------------- workstation


@router.get("/window/")
def window_home(request: Request, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    if actor.window_code:
        return RedirectResponse(f"/window/{actor.window_code}", status_code=303)
    return render(
        request,
        "error.html",
        {"status": 404, "message_zh": "您没有分配窗口", "message_en": "No window is assigned to you"},
        status_code=404,
    )


def _workstation(
    request: Request,
    session: DbSession,
    actor: Actor,
    window_code: str,
    now: datetime,
    error: HallError | None = None,
) -> Response:
    state = calling.window_state(session, actor, window_code=window_code, now=now)
    window = facts.window(session, window_code)
    current = calling.current_ticket(session, window_code)
    person = None
    if current is not None:
        citizen = identity_service.citizen_contact(session, current.citizen_id) if current.citizen_id else None
        person = {
            "name": mask_name(citizen.name) if citizen else "",
            "id_number": mask_id_number(current.id_number or (citizen.id_number if citizen else None)),
            "phone": mask_phone(current.phone or (citizen.phone if citizen else None)),
            "priority_reason": current.priority_reason,
        }
    mine = state.staff_id == actor.id and state.status != "closed"
    queue = service.queue_list(session, actor, window_code=window_code, now=now)
    skipped = service.skipped_list(session, actor, window_code=window_code, now=now)
    others = [w for w in facts.hall_windows(session, window.hall_id) if w.code != window.code]
    return render(
        request,
        "queueing/window.html",
        {
            "window": window,
            "state": state,
            "current": state.current,
            "person": person,
            "mine": mine,
            "queue": queue,
            "skipped": skipped,
            "others": others,
            "item_names": facts.item_names(
                session, [state.current.item_code if state.current else None] + [t.item_code for t in queue]
            ),
            "error": error,
        },
        status_code=error.status_ if error else 200,
    )


@router.get("/window/{window_code}")
def window_page(window_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    try:
        return _workstation(request, session, actor, window_code, now)
    except HallError as exc:
        return error_page(request, exc)


@router.get("/window/{window_code}/queue")
def window_queue_fragment(
    window_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    try:
        queue = service.queue_list(session, actor, window_code=window_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    names = facts.item_names(session, [t.item_code for t in queue])
    return render(request, "queueing/_queue.html", {"queue": queue, "item_names": names})


@router.post("/window/{window_code}/act")
def window_act(
    window_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    action: Annotated[str, Form(max_length=16)],
    ticket_id: Annotated[int, Form(ge=0, le=MAX_DB_ID)] = 0,
    number: Annotated[str, Form(max_length=16)] = "",
    target_window: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    request.state.actor = actor
    if not actor.has("queue.window"):
        return denied(request, actor)
    if action not in _ACTS:
        return Response(status_code=400)

    def refused(exc: HallError) -> Response:
        try:
            return _workstation(request, session, actor, window_code, now, error=exc)
        except HallError as inner:
            return error_page(request, inner)

    return write_then_go(
        request,
        session,
        lambda: _ACTS[action](session, actor, window_code, ticket_id, number, target_window, now),
        lambda _: f"/window/{window_code}",
        on_error=refused,
    )


def _window_status(status: str) -> _Act:
    def act(s: DbSession, a: Actor, w: str, _t: int, _n: str, _tw: str, now: datetime) -> object:
        return calling.set_window_status(s, a, window_code=w, status=status, now=now)

    return act


_Act = Callable[[DbSession, Actor, str, int, str, str, datetime], object]
# The workstation's buttons: action → use case (session, actor, window, ticket id, number, target window, now).
_ACTS: dict[str, _Act] = {
    "sign-in": lambda s, a, w, t, n, tw, now: calling.sign_in(s, a, window_code=w, now=now),
    "pause": _window_status("paused"),
    "resume": _window_status("open"),
    "sign-out": _window_status("closed"),
    "call-next": lambda s, a, w, t, n, tw, now: calling.call_next(s, a, window_code=w, now=now),
    "call": lambda s, a, w, t, n, tw, now: calling.call_number(s, a, window_code=w, number=n, now=now),
    "recall": lambda s, a, w, t, n, tw, now: calling.recall(s, a, ticket_id=t, now=now),
    "skip": lambda s, a, w, t, n, tw, now: calling.skip(s, a, ticket_id=t, now=now),
    "requeue": lambda s, a, w, t, n, tw, now: calling.requeue(s, a, ticket_id=t, now=now),
    "finish": lambda s, a, w, t, n, tw, now: calling.finish(s, a, ticket_id=t, now=now),
    "finish-next": lambda s, a, w, t, n, tw, now: calling.finish_and_call_next(s, a, ticket_id=t, now=now),
    "transfer": lambda s, a, w, t, n, tw, now: calling.transfer(
        s, a, ticket_id=t, item_code=None, window_code=tw, now=now
    ),
}


# ---------------------------------------------------------------------------------------------------- boards


def _board_page(
    request: Request, session: DbSession, actor: Actor, hall_code: str, zone_code: str | None, now: datetime
) -> Response:
    request.state.actor = actor
    from smarthall.queueing.api import board_reader

    try:
        board_reader(session, actor, hall_code)
        hall = facts.hall(session, hall_code)
    except HallError as exc:
        if actor.kind == "anonymous":
            return denied(request, actor)
        return error_page(request, exc)
    notice = notices.active(session, hall.id, now)
    # The wall clock runs from the server's time (the demo clock too), not the screen's own: one time in the hall.
    server_ms = int(now.timestamp() * 1000)
    context = {"hall": hall, "zone_code": zone_code, "notice": notice, "server_ms": server_ms}
    return render(request, "queueing/board.html", context)


@router.get("/board/{hall_code}")
def board_page(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    return _board_page(request, session, actor, hall_code, None, now)


@router.get("/board/{hall_code}/zones/{zone_code}")
def zone_board_page(
    hall_code: str, zone_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    return _board_page(request, session, actor, hall_code, zone_code, now)


def _notice_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    hall_code: str,
    now: datetime,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    hall = facts.hall(session, hall_code)
    notice = notices.active(session, hall.id, now)
    context = {"hall": hall, "notice": notice, **extra}
    return render(request, "queueing/board_notice.html", context, status_code=status_code)


@router.get("/board/{hall_code}/notice")
def board_notice_page(hall_code: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """The hall manager's form for the boards' notice line (Chinese, English, until when)."""
    request.state.actor = actor
    if not actor.has(notices.PERMISSION):
        return denied(request, actor)
    try:
        hall = facts.hall(session, hall_code)
        actor.ensure_hall(hall.id, hall.region_path)
    except HallError as exc:
        return error_page(request, exc)
    return _notice_page(request, session, actor, hall_code, now, saved=request.query_params.get("saved", ""))


@router.post("/board/{hall_code}/notice")
def board_notice_save(
    hall_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    text_zh: Annotated[str, Form(max_length=200)] = "",
    text_en: Annotated[str, Form(max_length=300)] = "",
    expires: Annotated[str, Form(max_length=20)] = "",
    action: Annotated[str, Form(max_length=8)] = "save",
) -> Response:
    request.state.actor = actor
    if not actor.has(notices.PERMISSION):
        return denied(request, actor)
    try:  # another hall's notice is neither written nor shown back
        hall = facts.hall(session, hall_code)
        actor.ensure_hall(hall.id, hall.region_path)
    except HallError as exc:
        return error_page(request, exc)
    try:
        with attempt(session):
            if action == "clear":
                service.clear_board_notice(session, actor, hall_code, now=now)
            else:
                until = _local_time(expires)
                service.set_board_notice(
                    session, actor, hall_code, text_zh=text_zh, text_en=text_en, expires_at=until, now=now
                )
    except HallError as exc:
        values = {"text_zh": text_zh, "text_en": text_en, "expires": expires}
        return _notice_page(request, session, actor, hall_code, now, error=exc, values=values, status_code=exc.status_)
    return RedirectResponse(f"/board/{hall_code}/notice?saved={action}", status_code=303)


def _local_time(value: str) -> datetime | None:
    """A ``datetime-local`` field's value, read as Asia/Shanghai time (empty: no expiry)."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=SHANGHAI)
    except ValueError as exc:
        raise notices.NoticeInvalid(
            "到期时间格式有误", "The expiry is not a date and time", detail={"field": "expires_at"}
        ) from exc


# -------------------------------------------------------------------------------------------- citizen pages


@router.get("/tickets/{ref}")
def ticket_page(
    ref: Annotated[str, Path(max_length=64)], request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    """A ticket's live page: by its public reference (the QR code) for anyone holding it; by the sequential id
    for staff and devices of its hall and the citizen holding it."""
    request.state.actor = actor
    try:
        if ref.isdigit() and len(ref) <= 18:
            ticket = service.ticket_for(session, actor, int(ref))
        else:
            ticket = service.ticket_by_token(session, ref)
        read = service.ticket_read(session, ticket, now)
        item = facts.item(session, ticket.item_code)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "queueing/ticket_live.html", {"ticket": read, "item": item})
