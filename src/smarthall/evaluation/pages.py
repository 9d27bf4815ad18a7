"""Evaluation pages: the window-pad rating page (five big faces), the citizen rating page opened from a link, the
manager's rectification list and the statistics page with ECharts."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from smarthall.core.deps import CurrentActor, DbId, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.evaluation import policy
from smarthall.evaluation import service as evaluation_service
from smarthall.evaluation.schemas import SUBJECT_FIELDS, RatingCreate
from smarthall.org import service as org_service
from smarthall.web.templating import error_page, gate, render, script_json, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

FACES = [
    (5, "😄", "非常满意", "Very satisfied"),
    (4, "☺", "满意", "Satisfied"),
    (3, "😐", "基本满意", "Fair"),
    (2, "☹", "不满意", "Dissatisfied"),
    (1, "😠", "非常不满意", "Very dissatisfied"),
]
INDICATOR_LABELS = {
    "overall": ("总体评价", "Overall"),
    "efficiency": ("办事效率", "Efficiency"),
    "service_level": ("服务水平", "Service level"),
    "attitude": ("服务态度", "Attitude"),
    "guide_accuracy": ("办事指南准确性", "Guide accuracy"),
    "convenience": ("便捷程度", "Convenience"),
    "usability": ("平台好用程度", "Usability"),
}


@router.get("/evaluation/pad")
def pad_page(request: Request) -> Response:
    """The window pad keeps its device key in local storage and asks which service it has just finished."""
    return render(request, "evaluation/pad.html", {"faces": FACES})


@router.get("/evaluation/rate")
def rate_page(
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    now: Now,
    token: Annotated[str, Query(max_length=400)] = "",
) -> Response:
    try:
        claims = evaluation_service.link_claims(session, settings, token, now=now)
        subject = evaluation_service.subject_of(session, claims.kind, claims.ref)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request,
        "evaluation/rate.html",
        {
            "token": token,
            "faces": FACES,
            "subject": subject,
            "indicators": [(k, INDICATOR_LABELS[k]) for k in policy.INDICATORS[subject.channel]],
            "tags": policy.TAGS,
            "done": None,
        },
    )


@router.post("/evaluation/rate")
def rate_submit(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    settings: SettingsDep,
    now: Now,
    token: Annotated[str, Form(max_length=400)],
    level: Annotated[int, Form(ge=0, le=5)] = 0,
    comment: Annotated[str, Form(max_length=500)] = "",
    tags: Annotated[list[str] | None, Form(max_length=10)] = None,
    ind_overall: Annotated[str, Form(max_length=1)] = "",
    ind_efficiency: Annotated[str, Form(max_length=1)] = "",
    ind_service_level: Annotated[str, Form(max_length=1)] = "",
    ind_attitude: Annotated[str, Form(max_length=1)] = "",
    ind_guide_accuracy: Annotated[str, Form(max_length=1)] = "",
    ind_convenience: Annotated[str, Form(max_length=1)] = "",
    ind_usability: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    given = {
        "overall": ind_overall,
        "efficiency": ind_efficiency,
        "service_level": ind_service_level,
        "attitude": ind_attitude,
        "guide_accuracy": ind_guide_accuracy,
        "convenience": ind_convenience,
        "usability": ind_usability,
    }
    try:
        claims = evaluation_service.link_claims(session, settings, token, now=now)
        subject = evaluation_service.subject_of(session, claims.kind, claims.ref)
        indicators = {k: int(given[k]) for k in policy.INDICATORS[subject.channel] if given[k]}
        ref_field = SUBJECT_FIELDS[claims.kind]
        data = RatingCreate.model_validate(
            {
                ref_field: claims.ref,
                "level": level,
                "indicators": indicators,
                "tags": tags or [],
                "comment": comment,
                "channel": "qr",
                "token": token,
            }
        )
        result = evaluation_service.create_rating(session, actor, settings, data, now=now)
    except ValidationError:
        return render(
            request,
            "error.html",
            {"status": 422, "message_zh": "请选择1到5的满意度", "message_en": "Choose a level from 1 to 5"},
            status_code=422,
        )
    except (HallError, ValueError) as exc:
        if isinstance(exc, HallError):
            return error_page(request, exc)
        return render(
            request,
            "error.html",
            {"status": 422, "message_zh": "评价内容不正确", "message_en": "The rating is not valid"},
            status_code=422,
        )
    return render(request, "evaluation/rate.html", {"done": result, "faces": FACES})


@router.get("/evaluation/rectifications")
def rectifications_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    if (denied := gate(request, actor, "evaluation.stats")) is not None:
        return denied
    orders = evaluation_service.list_rectifications(session, actor, status=status or None, now=now)
    return render(
        request,
        "evaluation/rectifications.html",
        {
            "orders": orders,
            "status": status or "",
            "can_rectify": actor.has("evaluation.rectify"),
            "can_decide": actor.has("evaluation.appeal_decide"),
            "states": ["open", "followed_up", "rectified", "closed", "appealed", "upheld", "overturned"],
        },
    )


@router.post("/evaluation/rectifications/{rect_id}/act")
def rectification_act(
    rect_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    settings: SettingsDep,
    now: Now,
    action: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if (denied := gate(request, actor, "evaluation.stats")) is not None:
        return denied
    if action not in policy.TRANSITIONS:
        return render(
            request,
            "error.html",
            {"status": 422, "message_zh": "未知操作", "message_en": "Unknown action"},
            status_code=422,
        )
    return write_then_go(
        request,
        session,
        lambda: evaluation_service.act(session, actor, settings, rect_id, action=action, note=note, now=now),
        lambda _: "/evaluation/rectifications",
    )


@router.get("/evaluation/stats")
def stats_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    hall_code: Annotated[str | None, Query(max_length=32)] = None,
    group_by: Annotated[str, Query(max_length=16)] = "window",
    from_text: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_text: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    if (denied := gate(request, actor, "evaluation.stats")) is not None:
        return denied
    code = hall_code or actor.hall_code or ""
    try:
        date_from = date.fromisoformat(from_text) if from_text else None
        date_to = date.fromisoformat(to_text) if to_text else None
    except ValueError:
        return render(
            request,
            "error.html",
            {"status": 422, "message_zh": "日期格式错误", "message_en": "Invalid date"},
            status_code=422,
        )
    try:
        data = evaluation_service.stats(
            session, actor, hall_code=code, group_by=group_by, date_from=date_from, date_to=date_to
        )
    except HallError as exc:
        return error_page(request, exc)
    chart = {
        "labels": [r.label for r in data.rows],
        "levels": {lv: [r.levels[str(lv)] for r in data.rows] for lv in (5, 4, 3, 2, 1)},
        "satisfaction": [
            None if r.satisfaction_rate is None else round(r.satisfaction_rate * 100, 1) for r in data.rows
        ],
    }
    halls = org_service.halls_in_scope(session, actor)
    return render(
        request,
        "evaluation/stats.html",
        {
            "data": data,
            "chart_json": script_json(chart),
            "halls": halls,
            "groups": evaluation_service.GROUPS,
            # The export asks for what the page shows (the hall and period it resolved), not the page's own query:
            # a page opened from the menu has no query, and the API needs the hall.
            "query": urlencode(
                {"hall_code": data.hall_code, "group_by": data.group_by}
                | ({"from": data.date_from.isoformat()} if data.date_from else {})
                | ({"to": data.date_to.isoformat()} if data.date_to else {})
            ),
        },
    )
