"""The applicant's side of a counter declaration (窗口代录): the clerk files for the person at the window, the person
checks what was filed on the window pad and confirms it there, and only then the window prints the receipt (回执).

The pad finds what to show from its window: the ticket being served there, its holder's newest case declared at the
counter since the call (in the ticket's errand or another open errand of theirs). The confirmation is a timeline
entry of the case (``cases.threads.COUNTER_CONFIRMED``), written once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import service as case_service
from smarthall.core.tenancy import Actor
from smarthall.errands.errors import (
    DeclarationConfirmed,
    DeclarationNotAtPad,
    DeclarationUnconfirmed,
    RoleCannotReadErrands,
    WindowPadsOnly,
)
from smarthall.errands.repository import ErrandRepository
from smarthall.queueing import service as queue_service


def _pad(actor: Actor) -> str:
    if actor.kind != "device" or actor.device_kind != "window_pad" or not actor.window_code:
        raise WindowPadsOnly()
    return actor.window_code


def _declared_at_window(session: Session, actor: Actor) -> dict[str, Any] | None:
    window_code = _pad(actor)
    row = queue_service.serving_at_window(session, window_code)
    if row is None or row.hall_id != actor.hall_id:
        return None
    ticket = queue_service.get_ticket(session, row.id)
    errands = ErrandRepository(session).of_person(  # archived too: an instant item's case is archived at filing
        actor, citizen_id=ticket.citizen_id, subject_index=ticket.id_number_index, open_only=False, limit=10
    )
    found: list[dict[str, Any]] = []
    for errand in errands:
        for link in errand.links:
            if link.kind != "case" or (ticket.called_at is not None and link.at < ticket.called_at):
                continue
            declared = case_service.counter_declaration(session, link.ref)
            if declared is not None and declared["hall_id"] == row.hall_id:
                found.append({**declared, "errand_code": errand.code, "ticket_number": row.number})
    return max(found, key=lambda d: d["submitted_at"], default=None)


def pending_at_pad(session: Session, actor: Actor) -> dict[str, Any] | None:
    """For a window pad: the counter declaration its applicant has still to confirm, or None."""
    declared = _declared_at_window(session, actor)
    return declared if declared is not None and declared["confirmed_at"] is None else None


def confirm_at_pad(session: Session, actor: Actor, case_no: str, *, now: datetime) -> dict[str, Any]:
    """The applicant confirms on the pad: 404 unless ``case_no`` is the declaration of the person at the pad's
    window, 409 when it is confirmed already."""
    declared = _declared_at_window(session, actor)
    if declared is None or declared["case_no"] != case_no:
        raise DeclarationNotAtPad(detail={"case_no": case_no})
    if declared["confirmed_at"] is not None:
        raise DeclarationConfirmed(detail={"case_no": case_no})
    assert actor.window_code is not None
    if not case_service.confirm_counter(session, actor, case_no, window_code=actor.window_code, now=now):
        raise DeclarationConfirmed(detail={"case_no": case_no})  # confirmed meanwhile by another request
    return {**declared, "confirmed_at": now}


def declaration(session: Session, actor: Actor, case_no: str, *, now: datetime) -> dict[str, Any]:
    """For the clerk: a counter declaration in their scope with its confirmation (404 outside scope or online)."""
    if not (actor.is_staff and actor.has("case.accept")):
        raise RoleCannotReadErrands()
    case = case_service.case_in_scope(session, actor, case_no=case_no, now=now)
    declared = case_service.counter_declaration(session, case.case_no)
    if declared is None:
        raise DeclarationNotAtPad(detail={"case_no": case_no})
    errand = ErrandRepository(session).of_record("case", case.case_no)
    return {**declared, "errand_code": errand.code if errand is not None else None}


def receipt(session: Session, actor: Actor, case_no: str, *, now: datetime) -> dict[str, Any]:
    """The receipt of a counter declaration: only once its applicant confirmed it (409 before)."""
    declared = declaration(session, actor, case_no, now=now)
    if declared["confirmed_at"] is None:
        raise DeclarationUnconfirmed(detail={"case_no": case_no})
    return declared
