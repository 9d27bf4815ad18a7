"""Shell pages: home per role, login/logout, language switch, catalog browser, staff list, audit view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.catalog.errors import ItemNotFound
from smarthall.core.deps import CurrentActor, DatabaseDep, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.masking import mask_name
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.identity import service as identity_service
from smarthall.identity.models import Staff
from smarthall.org import service as org_service
from smarthall.org.models import Department
from smarthall.web.nav import tiles_for
from smarthall.web.templating import gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/")
def home(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind == "staff" and actor.id is not None:
        staff = session.get(Staff, actor.id)
        return render(
            request,
            "home_staff.html",
            {
                "display_name": mask_name(staff.name) if staff else actor.username,
                "tiles": tiles_for(actor.permissions),
            },
        )
    halls = org_service.list_halls(session)
    return render(request, "home_public.html", {"halls": halls, "is_citizen": actor.kind == "citizen"})


@router.get("/login")
def login_page(request: Request, next: Annotated[str, Query(max_length=300)] = "/") -> Response:  # noqa: A002
    return render(request, "login.html", {"next": next if next.startswith("/") else "/", "failed": False})


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
    with database.unit_of_work() as session:
        session.info.update({"db": database, "ip": request.client.host if request.client else None})
        result = identity_service.login(
            session, settings, request.app.state.secret_key, username=username, password=password, now=now
        )
    if not result.ok:
        return render(request, "login.html", {"next": safe_next, "failed": True, "username": username}, status_code=401)
    response = RedirectResponse(safe_next, status_code=303)
    response.set_cookie(
        identity_service.SESSION_COOKIE,
        result.token,
        max_age=result.expires_in,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(identity_service.SESSION_COOKIE)
    return response


@router.get("/admin/catalog")
def catalog_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    q: Annotated[str | None, Query(max_length=100)] = None,
    hall_code: Annotated[str | None, Query(max_length=40)] = None,
    department_code: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    if (denied := gate(request, actor, "catalog.browse")) is not None:
        return denied
    try:
        hall = org_service.get_hall(session, hall_code) if hall_code else None
    except HallError:
        hall = None
    total, items = catalog_service.search_items(session, hall=hall, q=q, department_code=department_code, limit=500)
    context = {
        "tree": org_service.hall_tree(session),
        "items": catalog_service.summaries(session, items),
        "total": total,
        "q": q or "",
        "hall": hall,
        "department_code": department_code or "",
        "departments": session.query(Department).order_by(Department.code).all(),
    }
    if request.headers.get("hx-request") == "true":
        return render(request, "catalog/_items.html", context)
    return render(request, "catalog/index.html", context)


@router.get("/admin/catalog/halls/{hall_code}")
def hall_page(hall_code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "catalog.browse")) is not None:
        return denied
    try:
        hall = org_service.get_hall(session, hall_code)
    except HallError as exc:
        return render(
            request,
            "error.html",
            {"status": 404, "message_zh": exc.message_zh_, "message_en": exc.message_en_},
            status_code=404,
        )
    return render(request, "catalog/hall.html", {"hall": org_service.hall_read(session, hall)})


@router.get("/admin/catalog/items/{item_code}")
def item_page(item_code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "catalog.browse")) is not None:
        return denied
    try:
        item = catalog_service.get_item(session, item_code)
    except ItemNotFound as exc:
        return render(
            request,
            "error.html",
            {"status": 404, "message_zh": exc.message_zh_, "message_en": exc.message_en_},
            status_code=404,
        )
    hall = None
    if actor.hall_code:
        hall = org_service.get_hall(session, actor.hall_code)
    return render(
        request,
        "catalog/item.html",
        {
            "item": catalog_service.item_read(session, item, hall),
            "faq": catalog_service.list_faq(session, item_code=item_code),
        },
    )


@router.get("/admin/staff")
def staff_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "staff.read")) is not None:
        return denied
    staff = [identity_service.staff_read(s) for s in identity_service.list_staff(session, actor)]
    return render(request, "staff.html", {"staff": staff})


@router.get("/audit")
def audit_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "audit.read")) is not None:
        return denied
    events = audit_service.list_events(session, limit=200)
    result = audit_service.verify_chain(session)
    return render(request, "audit.html", {"events": events, "verify": result})
