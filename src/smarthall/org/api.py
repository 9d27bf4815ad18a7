"""Hall tree API (public reads)."""

from __future__ import annotations

from fastapi import APIRouter

from smarthall.core.deps import DbSession
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.org import service
from smarthall.org.schemas import HallNode, HallRead, RegionNode

router = APIRouter(route_class=UnitOfWorkRoute, tags=["org"])


@router.get("/regions", response_model=list[RegionNode])
def list_regions(session: DbSession) -> list[RegionNode]:
    """Administrative regions as a tree: province → city → county → township."""
    return service.region_tree(session)


@router.get("/halls", response_model=list[HallNode])
def list_halls(session: DbSession) -> list[HallNode]:
    """Halls as a tree: city centres → county centres → township stations."""
    return service.hall_tree(session)


@router.get("/halls/{hall_code}", response_model=HallRead)
def get_hall(hall_code: str, session: DbSession) -> HallRead:
    """One hall with its zones, windows, opening hours and the number of items it handles."""
    return service.hall_read(session, service.get_hall(session, hall_code))
