"""Hall tree API: public reads of regions and halls; the holiday calendar overrides of a hall (staff in scope) and
their changes at a region or hall one manages (administrators)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from smarthall.core.clock import service_day
from smarthall.core.deps import DbSession, Now, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.core.types import PathDay, day_query
from smarthall.org import calendar, service
from smarthall.org.schemas import (
    CalendarEntryRead,
    CalendarList,
    CalendarOverrideRead,
    CalendarSet,
    HallNode,
    HallRead,
    RegionNode,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["org"])
CalendarReader = Annotated[Actor, Depends(require("rules.read"))]
CalendarManager = Annotated[Actor, Depends(require("rules.manage"))]


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


def entry_read(entry: calendar.CalendarEntry) -> CalendarEntryRead:
    return CalendarEntryRead(
        day=entry.day,
        is_workday=entry.is_workday,
        note=entry.note,
        scope_code=entry.scope.code,
        scope_name=entry.scope.name,
        level=entry.level,
        effective=entry.effective,
        official_workday=entry.official_workday,
    )


@router.get("/halls/{hall_code}/calendar-overrides", response_model=CalendarList)
def hall_calendar(
    hall_code: str,
    session: DbSession,
    actor: CalendarReader,
    now: Now,
    start: Annotated[date | None, day_query("from")] = None,
    end: Annotated[date | None, day_query("to")] = None,
) -> CalendarList:
    """The calendar overrides along a hall's chain (its regions and itself), each with where it is set and whether
    it decides the day (the nearest scope wins); by default from a month ago to the end of next year."""
    hall = service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    first, last = calendar.default_range(service_day(now))
    start, end = start or first, end or last
    entries = calendar.hall_overrides(session, hall, start=start, end=end)
    return CalendarList(hall_code=hall.code, start=start, end=end, entries=[entry_read(e) for e in entries])


@router.put("/calendar-overrides/{scope_code}/{day}", response_model=CalendarOverrideRead)
def set_calendar_override(
    scope_code: str, day: PathDay, body: CalendarSet, session: DbSession, actor: CalendarManager, now: Now
) -> CalendarOverrideRead:
    """Mark a day as working or not at a region or hall you manage (audited); it replaces that scope's earlier mark."""
    row = calendar.set_override(
        session, actor, scope_code=scope_code, day=day, is_workday=body.is_workday, note=body.note, now=now
    )
    return CalendarOverrideRead(scope_code=row.scope_code, day=row.day, is_workday=row.is_workday, note=row.note)


@router.delete("/calendar-overrides/{scope_code}/{day}", status_code=204)
def clear_calendar_override(
    scope_code: str, day: PathDay, session: DbSession, actor: CalendarManager, now: Now
) -> None:
    """Remove a scope's mark of a day (audited): the day follows the scopes above, or the official calendar."""
    calendar.clear_override(session, actor, scope_code=scope_code, day=day, now=now)
