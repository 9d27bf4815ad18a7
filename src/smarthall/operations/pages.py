"""Operations pages for the hall manager: the live console (SSE), the forecast and the staffing plan.

Operations pages: the management cockpit (ECharts: trends, hour × weekday heat map, satisfaction, on-time rate,
drill-down province → city → county → hall), the hall's wall screen (1920×1080, readable from 5 m) and service
improvement (10.3). Every table links its CSV and XLSX export (``GET /api/v1/facts?format=``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.clock import service_day
from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.operations import dashboards, roster, service, subscriptions
from smarthall.web.templating import denied, error_page, gate, message_page, render, script_json

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


def _hall_name(session: DbSession, actor: Actor, hall_code: str) -> str:
    """The name of the hall a refused plan is about (its code when it is none the viewer may see)."""
    code = hall_code or actor.hall_code or ""
    try:
        return service.hall_in_scope(session, actor, code).name
    except HallError:
        return code


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
        shown = {"data": None, "error": exc, "hall_name": _hall_name(session, actor, hall or actor.hall_code or "")}
        return render(request, "operations/forecast.html", shown, status_code=exc.status_)
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
    check: bool = False,
) -> Response:
    if (denied := gate(request, actor, "operations.plan")) is not None:
        return denied
    chosen = day or service_day(now)
    try:
        data = service.staffing(session, actor, hall or actor.hall_code or "", chosen, now, check=check)
    except HallError as exc:
        shown = {"data": None, "error": exc, "day": chosen, "hall_name": _hall_name(session, actor, hall or "")}
        return render(request, "operations/staffing.html", shown, status_code=exc.status_)
    return render(request, "operations/staffing.html", {"data": data, "error": None, "day": chosen})


@router.get("/operations/roster")
def roster_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall: Hall = None,
    day: Annotated[date | None, Query(alias="date")] = None,
    saved: Annotated[int, Query(ge=0, le=9)] = 0,
) -> Response:
    if (denied := gate(request, actor, "operations.plan")) is not None:
        return denied
    chosen = day or service_day(now)
    try:
        data = roster.editor(session, actor, hall or actor.hall_code or "", chosen)
    except HallError as exc:
        return error_page(request, exc)
    shown = {"data": data, "day": chosen, "saved": saved, "error": None, "who": None}
    return render(request, "operations/roster.html", shown)


@router.post("/operations/roster")
async def roster_save(
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
    code = hall or actor.hall_code or ""
    form = {k: str(v) for k, v in (await request.form()).items()}
    body: dict[str, Any] = {"version": 0, "shifts": []}
    try:
        body = roster.from_form(form)
        with attempt(session):
            roster.set_day(session, actor, code, chosen, body, now)
    except HallError as exc:
        try:
            data = roster.editor(session, actor, code, chosen, posted=body["shifts"])
        except HallError as again:
            return error_page(request, again)
        index = exc.detail.get("index") if isinstance(exc.detail, dict) else None
        staff_id = body["shifts"][index]["staff_id"] if isinstance(index, int) and index < len(body["shifts"]) else None
        who = next((r["name"] for r in data["rows"] if r["staff_id"] == staff_id), None)
        shown = {"data": data, "day": chosen, "saved": 0, "error": exc, "who": who}
        return render(request, "operations/roster.html", shown, status_code=exc.status_)
    query = urlencode({"hall": code, "date": chosen.isoformat(), "saved": 1})
    return RedirectResponse(f"/operations/roster?{query}", status_code=303)


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
def subscriptions_page(
    request: Request, session: DbSession, actor: CurrentActor, saved: Annotated[int, Query(ge=0, le=9)] = 0
) -> Response:
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
    if topic is None:
        return error_page(request, subscriptions.OptOutLinkInvalid())
    return render(
        request, "operations/opt_out.html", {"token": token, "topic": topic, "words": TOPIC_WORDS, "done": False}
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


@dataclass(frozen=True)
class RegionQuery:
    """What a cockpit-like page is asked for in its query: ``level`` and ``code`` of a region, and a day span."""

    level: str
    code: str
    from_text: str
    to_text: str


def _region_query(
    level: Annotated[str, Query(max_length=16)] = "",
    code: Annotated[str, Query(max_length=40)] = "",
    from_text: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_text: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> RegionQuery:
    return RegionQuery(level, code, from_text, to_text)


RegionAsk = Annotated[RegionQuery, Depends(_region_query)]


def _region_asked(
    request: Request, session: DbSession, actor: Actor, now: datetime, ask: RegionQuery
) -> tuple[str, str, tuple[date, date]] | Response:
    """The region (the viewer's own by default) and days a cockpit-like page asks for, or the page refusing them."""
    level, code, from_text, to_text = ask.level, ask.code, ask.from_text, ask.to_text
    request.state.actor = actor
    if actor.kind == "anonymous":
        return denied(request, actor)
    span = _range(from_text, to_text, service_day(now))
    if span is None:
        return message_page(request, 422, "日期格式错误", "Invalid date")
    if not code:
        level, code = service.default_code(session, actor)
    return level, code, span


@router.get("/operations/cockpit")
def cockpit_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    ask: RegionAsk,
) -> Response:
    asked = _region_asked(request, session, actor, now, ask)
    if isinstance(asked, Response):
        return asked
    level, code, span = asked
    try:
        data = dashboards.cockpit(session, actor, level=level, code=code, from_day=span[0], to_day=span[1])
    except HallError as exc:
        return error_page(request, exc)
    exports = {g: _export(level, code, span[0], span[1], g) for g in ("day", "child", "item", "weekday,hour")}
    return render(
        request,
        "operations/cockpit.html",
        {"data": data, "chart_json": script_json(_charts(data)), "exports": exports},
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
    return render(request, "operations/wall.html", {"data": data, "chart_json": script_json(chart)})


@router.get("/operations/improvement")
def improvement_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    ask: RegionAsk,
) -> Response:
    asked = _region_asked(request, session, actor, now, ask)
    if isinstance(asked, Response):
        return asked
    level, code, span = asked
    try:
        data = dashboards.improvement(session, actor, level=level, code=code, from_day=span[0], to_day=span[1])
    except HallError as exc:
        return error_page(request, exc)
    q = {"level": level, "code": code, "from": span[0].isoformat(), "to": span[1].isoformat()}
    tables = {t: {f: "/api/v1/improvement?" + urlencode({**q, "table": t, "format": f}) for f in ("csv", "xlsx")}
              for t in dashboards.IMPROVEMENT_TABLES}  # fmt: skip
    return render(request, "operations/improvement.html", {"data": data, "exports": tables})
