"""Shell pages: home per role, login/logout and the language switch; the audit view.

The domains' own pages live beside them (``catalog/pages.py``, ``identity/pages.py``, ``rules/pages.py``, ...);
their tiles on the staff home are contributed in each domain's ``register()`` (``web.nav``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.audit import words as audit_words
from smarthall.core.deps import CurrentActor, DatabaseDep, DbSession, Now, SettingsDep, client_ip
from smarthall.core.errors import Forbidden, HallError
from smarthall.core.i18n import Lang
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.identity.actors import cross_site, end_presented_session, is_https
from smarthall.org import service as org_service
from smarthall.web import portal
from smarthall.web.nav import tiles_for
from smarthall.web.templating import gate, render, request_lang

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/")
def home(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    request.state.actor = actor
    if actor.kind == "citizen":
        return portal.citizen_home(request, session, actor, now, hall_code)
    if actor.kind == "staff" and actor.id is not None:
        return render(
            request,
            "home_staff.html",
            {
                "display_name": identity_service.display_name(session, actor),
                "tiles": tiles_for(actor.permissions, request.app.state.registry),
                **_own_places(session, actor),
            },
        )
    halls = org_service.list_halls(session)
    return render(request, "home_public.html", {"halls": halls, "is_citizen": actor.kind == "citizen"})


def _own_places(session: Session, actor: Actor) -> dict[str, str]:
    """The staff member's hall and window by name (澜湖区政务服务中心 · 综合受理1号窗口), not by code."""
    hall_name = window_name = ""
    if actor.hall_code:
        try:
            hall_name = org_service.hall_facts(session, actor.hall_code).name
        except HallError:
            hall_name = actor.hall_code
    if actor.window_code:
        window = org_service.window_facts(session, actor.window_code)
        window_name = window.name if window is not None else actor.window_code
    return {"hall_name": hall_name, "window_name": window_name}


@router.get("/login")
def login_page(
    request: Request,
    next: Annotated[str, Query(max_length=300)] = "/",  # noqa: A002
    registered: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    safe_next = next if next.startswith("/") and not next.startswith("//") else "/"
    return render(request, "login.html", {"next": safe_next, "failed": False, "registered": bool(registered)})


@router.post("/login")
def login_submit(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    now: Now,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=300)] = "/",  # noqa: A002
) -> Response:
    safe_next = next if next.startswith("/") and not next.startswith("//") else "/"
    if cross_site(request):  # login CSRF: another site must not sign a browser into an account of its choosing
        raise Forbidden("跨站请求被拒绝", "Cross-site request refused", code="csrf_rejected")
    result = identity_service.attempt_login(
        database, request.app.state.secret_key, username=username, password=password, now=now, ip=client_ip(request)
    )
    if not result.ok:
        throttled = result.retry_after if result.reason == "throttled" else 0
        page = render(
            request,
            "login.html",
            {"next": safe_next, "failed": True, "throttled": throttled, "username": username},
            status_code=429 if throttled else 401,
        )
        if throttled:
            page.headers["Retry-After"] = str(throttled)
        return page
    response = RedirectResponse(safe_next, status_code=303)
    response.set_cookie(
        identity_service.SESSION_COOKIE,
        result.token,
        max_age=result.expires_in,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure or is_https(request),
    )
    return response


@router.post("/logout")
def logout(request: Request, now: Now) -> Response:
    if cross_site(request):
        raise Forbidden("跨站请求被拒绝", "Cross-site request refused", code="csrf_rejected")
    end_presented_session(request, now)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(identity_service.SESSION_COOKIE)
    return response


@router.get("/docs")
def api_docs() -> Response:
    """The OpenAPI reference in Swagger UI, from the vendored copy (works offline, under the CSP)."""
    return HTMLResponse(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>smarthall API</title>'
        '<link rel="icon" href="/static/vendor/swagger-ui/favicon-32x32.png">'
        '<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head><body>'
        '<div id="swagger-ui"></div>'
        '<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>'
        '<script src="/static/js/api-docs.js"></script></body></html>'
    )


@router.get("/audit")
def audit_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "audit.read")) is not None:
        return denied
    events = audit_service.list_events(session, actor, limit=200)
    result = audit_service.verify_chain(session)
    lang: Lang = "en" if request_lang(request) == "en" else "zh"
    rows = [
        {"event": e, "action": audit_words.action(e.action, e.target_type, lang),
         "target": audit_words.target(e.target_type, lang)}
        for e in events
    ]  # fmt: skip
    return render(request, "audit.html", {"rows": rows, "verify": result})
