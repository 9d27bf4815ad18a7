"""Errand API (一件一码): a citizen's errands, one errand's whole thread, the open errands of a ticket's holder."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from smarthall.core.deps import DbId, DbSession, LoggedIn, Now
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.errands import confirming, service
from smarthall.errands.schemas import CounterDeclaration, ErrandRead, ErrandSummary, TicketErrand

router = APIRouter(route_class=UnitOfWorkRoute, tags=["errands"])
ErrandCode = Annotated[str, Path(min_length=4, max_length=24)]
CaseNo = Annotated[str, Path(min_length=1, max_length=48)]


@router.get("/errands", response_model=list[ErrandSummary])
def list_errands(session: DbSession, actor: LoggedIn) -> list[ErrandSummary]:
    """A citizen's errands, newest first (staff: the errands of the halls in their scope)."""
    return [ErrandSummary(**service.summary(session, e)) for e in service.my_errands(session, actor)]


@router.get("/errands/pad/declaration", response_model=CounterDeclaration | None)
def pad_declaration(session: DbSession, actor: LoggedIn) -> CounterDeclaration | None:
    """For a window pad: the declaration a clerk filed for the person at its window, still to confirm (or null)."""
    found = confirming.pending_at_pad(session, actor)
    return CounterDeclaration(**found) if found is not None else None


@router.post("/errands/pad/declaration/{case_no}/confirm", response_model=CounterDeclaration)
def pad_confirm(case_no: CaseNo, session: DbSession, actor: LoggedIn, now: Now) -> CounterDeclaration:
    """The applicant confirms the declaration on the window pad (once: 409 after; 404 for another window's)."""
    return CounterDeclaration(**confirming.confirm_at_pad(session, actor, case_no, now=now))


@router.get("/errands/declarations/{case_no}", response_model=CounterDeclaration)
def counter_declaration(case_no: CaseNo, session: DbSession, actor: LoggedIn, now: Now) -> CounterDeclaration:
    """For the clerk: a case declared at the counter and whether its applicant confirmed it on the pad."""
    return CounterDeclaration(**confirming.declaration(session, actor, case_no, now=now))


@router.get("/errands/{errand_code}", response_model=ErrandRead)
def get_errand(errand_code: ErrandCode, session: DbSession, actor: LoggedIn) -> ErrandRead:
    """One errand's thread: booking → ticket → case → result → delivery → archive → rating, with links."""
    errand = service.get_errand(session, actor, errand_code)
    return ErrandRead(**service.errand_read(session, actor, errand))


@router.get("/tickets/{ticket_id}/errands", response_model=list[TicketErrand])
def ticket_errands(ticket_id: DbId, session: DbSession, actor: LoggedIn) -> list[TicketErrand]:
    """The open errands of the person holding the ticket, each with its next step (continue or start the case)."""
    return [TicketErrand(**row) for row in service.for_ticket(session, actor, ticket_id)]
