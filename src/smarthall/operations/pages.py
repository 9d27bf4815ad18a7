"""Operations pages for the hall manager: the live console (SSE), the forecast and the staffing plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.clock import service_day
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.operations import service, subscriptions
from smarthall.web.templating import error_page, gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
Hall = Annotated[str | None, Query(alias="hall", max_length=32)]


@router.get("/operations/live")
def live_page(request: Request, session: DbSession, actor: CurrentActor, now: Now, hall: Hall = None) -> Response:
    if (denied := gate(request, actor, "operations.live")) is not None:
        return denied
    try:
        data = service.live(session, actor, hall or actor.hall_code or "", now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "operations/live.html", {"data": data, "can_act": actor.has("operations.dispatch")})


@router.get("/operations/forecast")
def forecast_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall: Hall = None,
    days: Annotated[int, Query(ge=1, le=14)] = 14,
) -> Response:
    if (denied := gate(request, actor, "operations.plan")) is not None:
        return denied
    try:
        data = service.forecast(session, actor, hall or actor.hall_code or "", days, now)
    except HallError as exc:
        return render(request, "operations/forecast.html", {"data": None, "error": exc}, status_code=exc.status_)
    peak = max((h["high"] for d in data["days"] for h in d["hours"]), default=1) or 1
    return render(request, "operations/forecast.html", {"data": data, "error": None, "peak": peak})


@router.get("/operations/staffing")
def staffing_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall: Hall = None,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    if (denied := gate(request, actor, "operations.plan")) is not None:
        return denied
    chosen = day or service_day(now)
    try:
        data = service.staffing(session, actor, hall or actor.hall_code or "", chosen, now)
    except HallError as exc:
        return render(
            request, "operations/staffing.html", {"data": None, "error": exc, "day": chosen}, status_code=exc.status_
        )
    return render(request, "operations/staffing.html", {"data": data, "error": None, "day": chosen})


TOPIC_WORDS = {
    "licence_expiry": (
        "证照到期提醒",
        "Licence expiry reminders",
        "电子证照到期前 90 天和 30 天提醒您换领",
        "90 and 30 days before a licence in your wallet expires",
    ),
    "related_items": (
        "关联事项推荐",
        "Related items",
        "办结一件事后,告诉您通常接下来要办的事项",
        "After a case, what usually comes next",
    ),
    "policy_match": (
        "政策匹配推送",
        "Policy matches",
        "按您的年龄等信息推送可能适用的政策(如年满 80 周岁的高龄津贴)",
        "Policies you may qualify for (e.g. the elder allowance at 80)",
    ),
}


@router.get("/me/subscriptions")
def subscriptions_page(request: Request, session: DbSession, actor: CurrentActor, saved: int = 0) -> Response:
    if (denied := gate(request, actor, "citizen.self")) is not None:
        return denied
    rows = subscriptions.mine(session, actor)
    return render(request, "operations/subscriptions.html", {"rows": rows, "words": TOPIC_WORDS, "saved": saved})


@router.post("/me/subscriptions")
async def subscriptions_save(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, "citizen.self")) is not None:
        return denied
    form = await request.form()
    changes = {t: form.get(t) == "on" for t in TOPIC_WORDS}
    subscriptions.change(session, actor, changes, now)
    return RedirectResponse("/me/subscriptions?saved=1", status_code=303)


@router.get("/push/opt-out")
def opt_out_page(
    request: Request, session: DbSession, actor: CurrentActor, token: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    request.state.actor = actor
    topic = subscriptions.opt_out_topic(session, token)
    return render(
        request,
        "operations/opt_out.html",
        {"token": token, "topic": topic, "words": TOPIC_WORDS, "done": False},
        status_code=200 if topic else 404,
    )


@router.post("/push/opt-out")
def opt_out_do(
    request: Request, session: DbSession, actor: CurrentActor, now: Now, token: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    request.state.actor = actor
    try:
        topic = subscriptions.opt_out(session, actor, token, now)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request, "operations/opt_out.html", {"token": token, "topic": topic, "words": TOPIC_WORDS, "done": True}
    )
