"""Operations pages: the management cockpit (ECharts: trends, hour × weekday heat map, satisfaction, on-time rate,
drill-down province → city → county → hall), the hall's wall screen (1920×1080, readable from 5 m) and service
improvement (10.3). Every table links its CSV and XLSX export (``GET /api/v1/facts?format=``)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smarthall.core.clock import service_day
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.operations import dashboards
from smarthall.operations import service as operations_service
from smarthall.web.templating import denied, error_page, message_page, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


def _range(from_text: str, to_text: str, today: date) -> tuple[date, date] | None:
    try:
        to_day = date.fromisoformat(to_text) if to_text else today - timedelta(days=1)
        from_day = date.fromisoformat(from_text) if from_text else to_day - timedelta(days=29)
    except ValueError:
        return None
    return from_day, to_day


def _export(level: str, code: str, from_day: date, to_day: date, group_by: str) -> dict[str, str]:
    q = {"level": level, "code": code, "from": from_day.isoformat(), "to": to_day.isoformat(), "group_by": group_by}
    return {f: "/api/v1/facts?" + urlencode({**q, "format": f}) for f in ("csv", "xlsx")}


@router.get("/operations/cockpit")
def cockpit_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    level: Annotated[str, Query(max_length=16)] = "",
    code: Annotated[str, Query(max_length=40)] = "",
    from_text: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_text: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return denied(request, actor)
    span = _range(from_text, to_text, service_day(now))
    if span is None:
        return message_page(request, 422, "日期格式错误", "Invalid date")
    if not code:
        level, code = operations_service.default_code(session, actor)
    try:
        data = dashboards.cockpit(session, actor, level=level, code=code, from_day=span[0], to_day=span[1])
    except HallError as exc:
        return error_page(request, exc)
    exports = {g: _export(level, code, span[0], span[1], g) for g in ("day", "child", "item", "weekday,hour")}
    return render(
        request,
        "operations/cockpit.html",
        {"data": data, "chart_json": json.dumps(_charts(data), ensure_ascii=False), "exports": exports},
    )


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    trend = data["trend"]
    return {
        "days": [r["day"] for r in trend],
        "arrivals": [r["arrivals"] for r in trend],
        "wait": [r["wait_mean_min"] for r in trend],
        "p95": [r["wait_p95_min"] for r in trend],
        "satisfaction": [r["satisfaction"] for r in trend],
        "on_time": [None if r["on_time_rate"] is None else round(r["on_time_rate"] * 100, 1) for r in trend],
        "heat": data["heat"],
        "heat_max": max((h[2] for h in data["heat"]), default=1),
    }


@router.get("/operations/wall/{hall_code}")
def wall_page(request: Request, hall_code: str, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return denied(request, actor)
    try:
        data = dashboards.wall(session, actor, hall_code, today=service_day(now))
    except HallError as exc:
        return error_page(request, exc)
    chart = {
        "hours": [f"{h}:00" for h in data["hours"]],
        "today": [data["today_by_hour"].get(h, 0) for h in data["hours"]],
        "usual": [data["usual_by_hour"].get(h, 0) for h in data["hours"]],
    }
    return render(request, "operations/wall.html", {"data": data, "chart_json": json.dumps(chart)})


@router.get("/operations/improvement")
def improvement_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    level: Annotated[str, Query(max_length=16)] = "",
    code: Annotated[str, Query(max_length=40)] = "",
    from_text: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_text: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return denied(request, actor)
    span = _range(from_text, to_text, service_day(now))
    if span is None:
        return message_page(request, 422, "日期格式错误", "Invalid date")
    if not code:
        level, code = operations_service.default_code(session, actor)
    try:
        data = dashboards.improvement(session, actor, level=level, code=code, from_day=span[0], to_day=span[1])
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request, "operations/improvement.html", {"data": data, "exports": _export(level, code, *span, "item")}
    )
