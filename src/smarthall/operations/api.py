"""Operations API: the live console (JSON and SSE), dispatch actions, the forecast and the staffing plan.

Operations JSON API: facts of a region or hall over days, grouped (``GET /facts``), as JSON, CSV or XLSX.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sse_starlette.sse import EventSourceResponse

from smarthall.core import broadcast
from smarthall.core.deps import DbSession, LoggedIn, Now, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.schemas import RequestModel
from smarthall.core.tenancy import Actor
from smarthall.core.types import INT64_MAX, BigId, day_query
from smarthall.operations import dashboards, export, factbook, roster, service, subscriptions
from smarthall.operations.models import MEASURES
from smarthall.queueing.service import channel

router = APIRouter(route_class=UnitOfWorkRoute, tags=["operations"])
Watcher = Annotated[Actor, Depends(require("operations.live"))]
Dispatcher = Annotated[Actor, Depends(require("operations.dispatch"))]
Planner = Annotated[Actor, Depends(require("operations.plan"))]


@dataclass(frozen=True)
class RegionDays:
    """A region or hall (``level`` + ``code``) and the days ``from`` … ``to`` a report over days is asked for."""

    level: str
    code: str
    from_day: date
    to_day: date


def _region_days(
    level: Annotated[str, Query(max_length=16)],
    code: Annotated[str, Query(max_length=40)],
    from_day: Annotated[date, day_query("from")],
    to_day: Annotated[date, day_query("to")],
) -> RegionDays:
    return RegionDays(level=level, code=code, from_day=from_day, to_day=to_day)


DayRange = Annotated[RegionDays, Depends(_region_days)]
"""The query block every report over days shares: ``level``, ``code``, ``from``, ``to`` (the facts, improvement)."""


class DispatchAction(RequestModel):
    action: Literal["resume", "extend", "open"]
    window_code: str = Field(max_length=40)
    version: str = Field(max_length=120)
    queue: str | None = Field(default=None, max_length=8)
    staff_id: BigId | None = None


@router.get("/halls/{hall_code}/live")
def get_live(hall_code: str, session: DbSession, actor: Watcher, now: Now) -> dict[str, Any]:
    """The hall as it is now: queues against targets, windows, staff on shift not signed in, alerts, actions."""
    return service.live(session, actor, hall_code, now)


@router.get("/halls/{hall_code}/live/stream")
def live_stream(hall_code: str, request: Request, session: DbSession, actor: Watcher) -> EventSourceResponse:
    """Server-sent events: ``change`` whenever the hall's line or windows change (then read ``/live`` again)."""
    hall = service.hall_in_scope(session, actor, hall_code)
    fan_out = broadcast.of(request.app.state.db)

    async def events() -> AsyncIterator[dict[str, Any]]:
        async for message in fan_out.subscribe(channel(hall.code)):
            if await request.is_disconnected():
                break
            if message.get("type") == "subscribed":
                yield {"event": "ready", "data": json.dumps({"hall_code": hall.code}), "retry": 3000}
                continue
            change = {"type": message.get("type", "update")}
            if change["type"] == "device_fault":  # which fault, and whether it opened or closed (no personal data)
                change |= {k: message.get(k) for k in ("fault_id", "device_code", "kind", "status")}
            yield {"event": "change", "data": json.dumps(change)}

    return EventSourceResponse(events(), ping=15)


@router.post("/halls/{hall_code}/dispatch-actions")
def post_dispatch(
    hall_code: str, data: DispatchAction, session: DbSession, actor: Dispatcher, now: Now
) -> dict[str, Any]:
    """Do one recommended action; 409 ``window_changed`` when the window changed since the manager saw it."""
    return service.act(session, actor, hall_code, data.model_dump(), now)


@router.post("/halls/{hall_code}/facts/refresh")
def post_facts_refresh(hall_code: str, session: DbSession, actor: Watcher, now: Now) -> dict[str, Any]:
    """Fold the hall's today into the facts and their day-level rollup now, instead of at the next minute's fold."""
    return service.refresh_today(session, actor, hall_code, now=now)


class ShiftIn(RequestModel):
    staff_id: BigId
    window_code: str | None = Field(default=None, max_length=40)
    starts: str = Field(pattern=r"^\d{2}:\d{2}$")
    ends: str = Field(pattern=r"^\d{2}:\d{2}$")
    queues: list[str] = Field(default_factory=list, max_length=30)


class RosterIn(RequestModel):
    version: int = Field(ge=0, le=INT64_MAX)
    shifts: list[ShiftIn] = Field(max_length=roster.MAX_SHIFTS)


@router.get("/halls/{hall_code}/roster")
def get_roster(
    hall_code: str,
    session: DbSession,
    actor: Planner,
    now: Now,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> dict[str, Any]:
    """The hall's shifts on a day (local times) and the roster version to save against."""
    return roster.day_roster(session, actor, hall_code, day or service.service_day(now))


@router.put("/halls/{hall_code}/roster")
def put_roster(
    hall_code: str,
    data: RosterIn,
    session: DbSession,
    actor: Planner,
    now: Now,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> dict[str, Any]:
    """Replace the day's shifts; 409 ``roster_changed`` when the roster was saved by someone else since ``version``."""
    return roster.set_day(session, actor, hall_code, day or service.service_day(now), data.model_dump(), now)


@router.get("/halls/{hall_code}/forecast")
def get_forecast(
    hall_code: str, session: DbSession, actor: Planner, now: Now, days: Annotated[int, Query(ge=1, le=60)] = 14
) -> dict[str, Any]:
    """Arrivals per day and hour (and queue) for the coming ``days`` (≤ 14), with 80 % prediction intervals."""
    return service.forecast(session, actor, hall_code, days, now)


@router.get("/halls/{hall_code}/staffing")
def get_staffing(
    hall_code: str,
    session: DbSession,
    actor: Planner,
    now: Now,
    day: Annotated[date | None, Query(alias="date")] = None,
    check: bool = False,
) -> dict[str, Any]:
    """Counters needed per hour for the hall's targets, against the rostered staff (gaps negative); ``check=true``
    adds the day simulated: the plan found by simulation and the Erlang plan, with their simulated waits per hour."""
    return service.staffing(session, actor, hall_code, day or service.service_day(now), now, check=check)


@router.get("/halls/{hall_code}/quiet-hours")
def get_quiet_hours(
    hall_code: str, session: DbSession, now: Now, days: Annotated[int, Query(ge=1, le=14)] = 7
) -> dict[str, Any]:
    """The quietest open hours of the coming days from the forecast (public: when to come to wait least)."""
    return {"hall_code": hall_code, "quiet_hours": service.quiet_hours(session, hall_code, now, days=days)}


Citizen = Annotated[Actor, Depends(require("citizen.self"))]


class SubscriptionsIn(RequestModel):
    topics: dict[str, bool] = Field(max_length=10)


@router.get("/me/subscriptions")
def get_subscriptions(session: DbSession, actor: Citizen) -> list[dict[str, Any]]:
    """The citizen's pushes (licence_expiry, related_items, policy_match): on or off, with the consent given."""
    return subscriptions.mine(session, actor)


@router.put("/me/subscriptions")
def put_subscriptions(data: SubscriptionsIn, session: DbSession, actor: Citizen, now: Now) -> list[dict[str, Any]]:
    """Opt in (a consent record) or out, topic by topic."""
    return subscriptions.change(session, actor, data.topics, now)


DERIVED = (
    *("wait_mean_min", "wait_p50_min", "wait_p90_min", "wait_p95_min", "handle_mean_min", "abandon_rate"),
    *("no_show_rate", "on_time_rate", "notice_once_rate", "satisfaction", "bad_rate", "case_days_mean"),
)


def _facts(session: DbSession, actor: LoggedIn, days: DayRange, group_by: str) -> dict[str, Any]:
    groups = [g for g in group_by.split(",") if g]
    return factbook.facts(
        session, actor, level=days.level, code=days.code, from_day=days.from_day, to_day=days.to_day, group_by=groups
    )


def _download(name: str, title: str, columns: Any, rows: list[dict[str, Any]], format: str) -> Response:
    if format == "csv":
        return Response(
            export.to_csv(columns, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        export.to_xlsx(title, columns, rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/improvement")
def get_improvement(
    session: DbSession,
    actor: LoggedIn,
    days: DayRange,
    table: Annotated[str, Query(pattern="^(" + "|".join(dashboards.IMPROVEMENT_TABLES) + ")$")] = "tags",
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Any:
    """Service improvement (10.3) over days: bad-review tags, slowest items, supplement notices per item, missing
    materials, unanswered questions, no-shows; ``table`` + ``format=csv|xlsx`` exports one of them."""
    data = dashboards.improvement(
        session, actor, level=days.level, code=days.code, from_day=days.from_day, to_day=days.to_day
    )
    if format == "json":
        return data
    columns, rows = dashboards.improvement_table(data, table)
    name = f"improvement-{table}-{data['scope']['code']}-{data['from']}-{data['to']}"
    return _download(name, table, columns, rows, format)


@router.get("/facts")
def get_facts(
    session: DbSession,
    actor: LoggedIn,
    days: DayRange,
    group_by: Annotated[str, Query(max_length=60)] = "",
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Any:
    """Summed facts of a province, city, county or hall over days (≤ 400), grouped by up to three of day, hour,
    weekday, month, queue, item, window, staff, hall, child (the next level down); ``format=csv|xlsx`` exports."""
    data = _facts(session, actor, days, group_by)
    if format == "json":
        return data
    columns = [*data["group_by"], *MEASURES, *DERIVED]
    name = f"facts-{data['code']}-{data['from']}-{data['to']}"
    return _download(name, data["code"], columns, data["rows"], format)
