"""The guide desk's ticket step (issue 16 item 9): after the guide has identified the visitor and found the item,
"现场取号" opens this step with the item and the visitor already known — one press issues the ticket in the visitor's
name (their age counts for priority) and prints the slip. Nothing is typed again."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.masking import mask_name
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.queueing import facts, service
from smarthall.queueing.schemas import TicketIssue
from smarthall.web.templating import denied, error_page, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

DECLARED = ("pregnant", "disabled", "military")


def _allowed(session: DbSession, actor: Actor, hall_code: str) -> bool:
    if actor.kind != "staff" or not actor.has("queue.issue"):
        return False
    hall = facts.hall(session, hall_code)
    return actor.can_see_hall(hall.id, hall.region_path)


def _visitor(session: DbSession, citizen_id: int | None) -> tuple[str, str | None]:
    """(masked name, ID number) of the identified visitor; ("", None) for an unregistered one."""
    citizen = identity_service.get_citizen(session, citizen_id) if citizen_id else None
    return (mask_name(citizen.name), citizen.id_number) if citizen is not None else ("", None)


@router.get("/guide/ticket")
def ticket_step(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    hall_code: Annotated[str, Query(max_length=32)],
    item_code: Annotated[str, Query(max_length=32)],
    citizen_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    request.state.actor = actor
    try:
        if not _allowed(session, actor, hall_code):
            return denied(request, actor)
        hall, item = facts.hall(session, hall_code), facts.item(session, item_code)
    except HallError as exc:
        return error_page(request, exc)
    visitor, _ = _visitor(session, citizen_id)
    context = {"hall": hall, "item": item, "visitor": visitor, "citizen_id": citizen_id, "error": None}
    return render(request, "queueing/guide_ticket.html", context)


@router.post("/guide/ticket")
def issue_for_visitor(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: Annotated[str, Form(max_length=32)],
    item_code: Annotated[str, Form(max_length=32)],
    citizen_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None,
    declared: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    request.state.actor = actor
    try:
        if not _allowed(session, actor, hall_code):
            return denied(request, actor)
        hall, item = facts.hall(session, hall_code), facts.item(session, item_code)
    except HallError as exc:
        return error_page(request, exc)
    visitor, id_number = _visitor(session, citizen_id)
    try:
        data = TicketIssue(
            hall_code=hall_code,
            item_code=item_code,
            id_number=id_number,
            declared=declared if declared in DECLARED else None,  # type: ignore[arg-type]
        )
        with attempt(session):
            ticket, _ = service.issue_ticket(session, actor, data, idempotency_key=None, now=now)
        read = service.ticket_read(session, ticket, now)
    except HallError as exc:
        context = {"hall": hall, "item": item, "visitor": visitor, "citizen_id": citizen_id, "error": exc}
        return render(request, "queueing/guide_ticket.html", context, status_code=exc.status_)
    link = str(request.base_url).rstrip("/") + f"/tickets/{read.token}"
    qr = segno.make(link, micro=False).svg_inline(scale=4)
    return render(
        request,
        "queueing/ticket_print.html",
        {"ticket": read, "item": item, "hall": hall, "qr": qr, "link": link, "large": False},
    )
