"""The holiday calendar page (节假日调整): the overrides along a hall's chain with where each is set and whether it
decides the day; administrators mark or unmark a day at the hall or a region they supervise."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.clock import service_day
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.org import calendar, service
from smarthall.web.templating import error_page, gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
HallCode = Annotated[str | None, Query(max_length=40)]


def _hall(session: Any, actor: Actor, hall_code: str | None) -> service.HallFacts:
    hall = service.hall_facts(session, hall_code or actor.hall_code or "")
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


def _context(session: Any, actor: Actor, hall: service.HallFacts, now: Any, **extra: Any) -> dict[str, Any]:
    start, end = calendar.default_range(service_day(now))
    scopes = service.chain_scopes(session, hall)
    managed = [s for s in reversed(scopes) if actor.has("rules.manage") and service.manages_scope(actor, s)]
    return {
        "hall": hall,
        "halls": service.halls_in_scope(session, actor),
        "scopes": scopes,
        "managed": managed,
        "managed_codes": {s.code for s in managed},
        "entries": calendar.hall_overrides(session, hall, start=start, end=end),
        "start": start,
        "end": end,
        "today": service_day(now),
        "error": None,
        "saved": None,
        **extra,
    }


@router.get("/admin/calendar")
def calendar_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: HallCode = None,
    saved: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    if (denied := gate(request, actor, "rules.read")) is not None:
        return denied
    try:
        hall = _hall(session, actor, hall_code)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "org/calendar.html", _context(session, actor, hall, now, saved=saved))


def _back(hall_code: str, saved: str) -> Response:
    return RedirectResponse(f"/admin/calendar?hall_code={hall_code}&saved={saved}", status_code=303)


def _refused(request: Request, session: Any, actor: Actor, hall_code: str, now: Any, exc: HallError) -> Response:
    try:
        hall = _hall(session, actor, hall_code)
    except HallError:
        return error_page(request, exc)
    return render(request, "org/calendar.html", _context(session, actor, hall, now, error=exc), status_code=exc.status_)


@router.post("/admin/calendar")
def calendar_set(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    day: Annotated[date, Form()],
    scope_code: Annotated[str, Form(max_length=40)] = "",
    hall_code: Annotated[str, Form(max_length=40)] = "",
    is_workday: Annotated[str, Form(max_length=8)] = "false",
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if (denied := gate(request, actor, "rules.manage")) is not None:
        return denied
    try:
        calendar.set_override(
            session, actor, scope_code=scope_code, day=day, is_workday=is_workday == "true", note=note, now=now
        )
    except HallError as exc:
        return _refused(request, session, actor, hall_code, now, exc)
    return _back(hall_code, "set")


@router.post("/admin/calendar/clear")
def calendar_clear(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    day: Annotated[date, Form()],
    scope_code: Annotated[str, Form(max_length=40)] = "",
    hall_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if (denied := gate(request, actor, "rules.manage")) is not None:
        return denied
    try:
        calendar.clear_override(session, actor, scope_code=scope_code, day=day, now=now)
    except HallError as exc:
        return _refused(request, session, actor, hall_code, now, exc)
    return _back(hall_code, "clear")
