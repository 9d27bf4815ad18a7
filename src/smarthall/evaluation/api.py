"""Evaluation JSON API (好差评): rate a service, issue a rating link, ratings and statistics for managers, the
rectification work orders and their actions, per-hall deadlines."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from smarthall.core.deps import CurrentActor, DbId, DbSession, LoggedIn, Now, SettingsDep, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.evaluation import service as evaluation_service
from smarthall.evaluation.schemas import (
    LinkRead,
    RatingCreate,
    RatingRead,
    RatingStaffView,
    RectificationAction,
    RectificationRead,
    SettingsRead,
    StatsRead,
    SubjectRef,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["evaluation"])
StatsReader = Annotated[Actor, Depends(require("evaluation.stats"))]


@router.post("/evaluations", status_code=201)
def create_rating(
    body: RatingCreate, session: DbSession, actor: CurrentActor, settings: SettingsDep, now: Now
) -> RatingRead:
    """Rate a finished service (only the person served, once; one re-rating after a rectification)."""
    return evaluation_service.create_rating(session, actor, settings, body, now=now)


@router.post("/evaluations/links", status_code=201)
def issue_link(
    body: SubjectRef,
    session: DbSession,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(require("evaluation.link"))],
    now: Now,
) -> LinkRead:
    """A one-time rating link (QR code on the slip, or SMS) for a finished service."""
    kind, ref = body.subject()
    return evaluation_service.issue_link_for(session, actor, settings, kind, ref, now=now)


@router.get("/evaluations/pad/next")
def pad_next(session: DbSession, actor: LoggedIn, now: Now) -> dict[str, Any] | None:
    """For a window pad: the service it has just finished that is still unrated."""
    return evaluation_service.pad_next(session, actor, now=now)


@router.get("/evaluations")
def list_ratings(
    session: DbSession, actor: StatsReader, hall_code: Annotated[str, Query(max_length=32)]
) -> list[RatingStaffView]:
    """Ratings in a hall (rater masked)."""
    return evaluation_service.list_ratings(session, actor, hall_code=hall_code)


def _stats(
    session: DbSession,
    actor: StatsReader,
    hall_code: Annotated[str, Query(max_length=32)],
    group_by: Annotated[str, Query(max_length=16)] = "window",
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> StatsRead:
    return evaluation_service.stats(
        session, actor, hall_code=hall_code, group_by=group_by, date_from=date_from, date_to=date_to
    )


@router.get("/evaluations/stats")
def stats(data: Annotated[StatsRead, Depends(_stats)]) -> StatsRead:
    """Counts per level, satisfaction rate, bad count and on-time rates by window, staff, item, department or period."""
    return data


@router.get("/evaluations/stats.csv", response_class=Response)
def stats_csv(data: Annotated[StatsRead, Depends(_stats)]) -> Response:
    """The same statistics as CSV (UTF-8 with BOM for spreadsheet programs)."""
    body = "\ufeff" + evaluation_service.stats_csv(data)
    filename = f"evaluation-{data.hall_code}-{data.group_by}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/evaluations/settings/{hall_code}")
def get_settings(hall_code: str, session: DbSession, actor: StatsReader) -> SettingsRead:
    """The hall's rectification deadlines (working days) and invitation delay."""
    return evaluation_service.read_settings(session, actor, hall_code)


@router.put("/evaluations/settings/{hall_code}")
def put_settings(
    hall_code: str,
    body: SettingsRead,
    session: DbSession,
    actor: Annotated[Actor, Depends(require("evaluation.settings"))],
    now: Now,
) -> SettingsRead:
    """Change the hall's rectification deadlines."""
    return evaluation_service.set_hall_settings(
        session, actor, body.model_copy(update={"hall_code": hall_code}), now=now
    )


@router.get("/rectifications")
def list_rectifications(
    session: DbSession,
    actor: Annotated[Actor, Depends(require("evaluation.stats"))],
    now: Now,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> list[RectificationRead]:
    """Rectification work orders in your scope."""
    return evaluation_service.list_rectifications(session, actor, status=status, now=now)


@router.post("/rectifications/{rect_id}/actions")
def act(
    rect_id: DbId, body: RectificationAction, session: DbSession, actor: LoggedIn, settings: SettingsDep, now: Now
) -> RectificationRead:
    """Move a work order: follow_up, rectify (reply to the rater), close, appeal, uphold or overturn."""
    return evaluation_service.act(session, actor, settings, rect_id, action=body.action, note=body.note, now=now)
