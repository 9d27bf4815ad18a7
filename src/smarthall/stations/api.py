"""Stations and handovers API: a station's profile (staff in scope read it; hall managers and administrators set
it), and handovers of cases between halls (clerks make and move them; staff of either hall read them). Thin: each
route calls one use case of ``stations.service``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from smarthall.core.deps import DbId, DbSession, Now, require
from smarthall.core.repository import MAX_PAGE
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.licences.deps import Desk
from smarthall.stations import service
from smarthall.stations.schemas import (
    HandoverCreate,
    HandoverHandOut,
    HandoverRead,
    HandoverResult,
    StationRead,
    StationSet,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["stations"])
HallCode = Annotated[str, Path(min_length=1, max_length=32)]
StaffIn = Annotated[Actor, Depends(require("staff.home"))]
Manager = Annotated[Actor, Depends(require("catalog.override"))]
Reader = Annotated[Actor, Depends(require("case.read"))]
Clerk = Annotated[Actor, Depends(require("case.accept"))]


@router.get("/stations/{hall_code}", response_model=StationRead)
def read_station(hall_code: HallCode, session: DbSession, actor: StaffIn) -> StationRead:
    """A township station: its supervising hall, its window and its items, each finished here or handed up."""
    return service.station_read(session, actor, hall_code=hall_code)


@router.put("/stations/{hall_code}", response_model=StationRead)
def set_station(hall_code: HallCode, data: StationSet, session: DbSession, actor: Manager, now: Now) -> StationRead:
    """Set up a station (its comprehensive window is made when missing) and the items it finishes itself."""
    return service.set_station(session, actor, hall_code=hall_code, data=data, now=now)


@router.post("/handovers", status_code=201, response_model=HandoverRead)
def create_handover(data: HandoverCreate, session: DbSession, actor: Clerk, now: Now) -> HandoverRead:
    """Hand a submitted case, received and checked here, to the hall that handles it (a station's supervising hall,
    or another region's hall: 跨域通办)."""
    return service.create_handover(session, actor, data=data, now=now)


@router.get("/handovers", response_model=list[HandoverRead])
def list_handovers(
    session: DbSession,
    actor: Reader,
    side: Annotated[Literal["receiver", "handler"] | None, Query()] = None,
    status: Annotated[Literal["transferred", "result_sent", "handed_out", "posted"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[HandoverRead]:
    """Handovers the actor's hall received or handles (and, for supervisors, those of the halls beneath)."""
    return service.list_handovers(session, actor, side=side, status=status, limit=limit, offset=offset)


@router.get("/handovers/{handover_id}", response_model=HandoverRead)
def get_handover(handover_id: DbId, session: DbSession, actor: Reader) -> HandoverRead:
    """One handover with the case's status and the trail of steps."""
    return service.handover_read(session, actor, service.get_handover(session, actor, handover_id))


@router.post("/handovers/{handover_id}/result", response_model=HandoverRead)
def send_result(
    handover_id: DbId, data: HandoverResult, session: DbSession, actor: Clerk, desk: Desk, now: Now
) -> HandoverRead:
    """The handling hall sends the decided case's result back to the receiving hall, or posts it."""
    return service.send_result(session, actor, handover_id=handover_id, data=data, desk=desk, now=now)


@router.post("/handovers/{handover_id}/hand-out", response_model=HandoverRead)
def hand_out(
    handover_id: DbId, data: HandoverHandOut, session: DbSession, actor: Clerk, desk: Desk, now: Now
) -> HandoverRead:
    """The receiving hall hands the result to the applicant (ID card checked)."""
    return service.hand_out(session, actor, handover_id=handover_id, data=data, desk=desk, now=now)
