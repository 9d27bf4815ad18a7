"""Operations JSON API: facts of a region or hall over days, grouped (``GET /facts``), as JSON, CSV or XLSX."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from smarthall.core.deps import DbSession, LoggedIn
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.types import day_query
from smarthall.operations import export
from smarthall.operations import service as operations_service
from smarthall.operations.models import MEASURES

router = APIRouter(route_class=UnitOfWorkRoute, tags=["operations"])

DERIVED = (
    *("wait_mean_min", "wait_p50_min", "wait_p90_min", "wait_p95_min", "handle_mean_min", "abandon_rate"),
    *("no_show_rate", "on_time_rate", "notice_once_rate", "satisfaction", "bad_rate", "case_days_mean"),
)


def _facts(
    session: DbSession,
    actor: LoggedIn,
    level: Annotated[str, Query()],
    code: Annotated[str, Query(max_length=40)],
    from_day: Annotated[date, day_query("from")],
    to_day: Annotated[date, day_query("to")],
    group_by: Annotated[str, Query(max_length=60)] = "",
) -> dict[str, Any]:
    groups = [g for g in group_by.split(",") if g]
    return operations_service.facts(
        session, actor, level=level, code=code, from_day=from_day, to_day=to_day, group_by=groups
    )


@router.get("/facts")
def get_facts(
    session: DbSession,
    actor: LoggedIn,
    level: Annotated[str, Query()],
    code: Annotated[str, Query(max_length=40)],
    from_day: Annotated[date, day_query("from")],
    to_day: Annotated[date, day_query("to")],
    group_by: Annotated[str, Query(max_length=60)] = "",
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Any:
    """Summed facts of a province, city, county or hall over days (≤ 400), grouped by up to three of day, hour,
    weekday, month, queue, item, window, staff, hall, child (the next level down); ``format=csv|xlsx`` exports."""
    data = _facts(session, actor, level, code, from_day, to_day, group_by)
    if format == "json":
        return data
    columns = [*data["group_by"], *MEASURES, *DERIVED]
    name = f"facts-{data['code']}-{data['from']}-{data['to']}"
    if format == "csv":
        return Response(
            export.to_csv(columns, data["rows"]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        export.to_xlsx(data["code"], columns, data["rows"]),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
