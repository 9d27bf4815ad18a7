"""Errand API (一件一码): a citizen's errands, one errand's whole thread, the open errands of a ticket's holder."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from smarthall.core.deps import DbId, DbSession, LoggedIn
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.errands import service
from smarthall.errands.schemas import ErrandRead, ErrandSummary, TicketErrand

router = APIRouter(route_class=UnitOfWorkRoute, tags=["errands"])
ErrandCode = Annotated[str, Path(min_length=4, max_length=24)]


@router.get("/errands", response_model=list[ErrandSummary])
def list_errands(session: DbSession, actor: LoggedIn) -> list[ErrandSummary]:
    """A citizen's errands, newest first (staff: the errands of the halls in their scope)."""
    return [ErrandSummary(**service.summary(session, e)) for e in service.my_errands(session, actor)]


@router.get("/errands/{errand_code}", response_model=ErrandRead)
def get_errand(errand_code: ErrandCode, session: DbSession, actor: LoggedIn) -> ErrandRead:
    """One errand's thread: booking → ticket → case → result → delivery → archive → rating, with links."""
    errand = service.get_errand(session, actor, errand_code)
    return ErrandRead(**service.errand_read(session, actor, errand))


@router.get("/tickets/{ticket_id}/errands", response_model=list[TicketErrand])
def ticket_errands(ticket_id: DbId, session: DbSession, actor: LoggedIn) -> list[TicketErrand]:
    """The open errands of the person holding the ticket, each with its next step (continue or start the case)."""
    return [TicketErrand(**row) for row in service.for_ticket(session, actor, ticket_id)]
