"""Catalog pages: the catalog browser (hall tree, item search, item and hall detail, each item as the chosen hall
offers it) and a hall's own settings of an item (switch, promised limit, fee note, windows) with their history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from smarthall.catalog import overrides
from smarthall.catalog import service as catalog_service
from smarthall.catalog import steps as catalog_steps
from smarthall.catalog.errors import OverrideInvalid
from smarthall.core.deps import MAX_DB_ID, CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.web.templating import error_page, gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
Code = Annotated[str | None, Query(max_length=40)]


def _hall_or_none(session: Any, code: str | None) -> Any:
    if not code:
        return None
    try:
        return org_service.get_hall(session, code)
    except HallError:
        return None


@router.get("/admin/catalog")
def catalog_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    q: Annotated[str | None, Query(max_length=100)] = None,
    hall_code: Code = None,
    department_code: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    if (denied := gate(request, actor, "catalog.browse")) is not None:
        return denied
    hall = _hall_or_none(session, hall_code)
    total, items = catalog_service.search_items(session, hall=hall, q=q, department_code=department_code, limit=500)
    context = {
        "tree": org_service.hall_tree(session),
        "items": catalog_service.summaries(session, items, hall),
        "total": total,
        "q": q or "",
        "hall": hall,
        "department_code": department_code or "",
        "departments": org_service.departments(session),
    }
    if request.headers.get("hx-request") == "true":
        return render(request, "catalog/_items.html", context)
    return render(request, "catalog/index.html", context)


def _may_override(actor: Actor, hall: Any) -> bool:
    return actor.has("catalog.override") and actor.can_see_hall(hall.id, hall.region_path)


@router.get("/admin/catalog/halls/{hall_code}")
def hall_page(hall_code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "catalog.browse")) is not None:
        return denied
    try:
        hall = org_service.get_hall(session, hall_code)
    except HallError as exc:
        return error_page(request, exc)
    in_scope = actor.can_see_hall(hall.id, hall.region_path)
    local = catalog_service.overrides_of(session, hall) if in_scope else []
    names = {i.code: i.name for i in catalog_service.items_by_codes(session, [o.item_code for o in local])}
    return render(
        request,
        "catalog/hall.html",
        {
            "hall": org_service.hall_read(session, hall),
            "overrides": local,
            "item_names": names,
            "in_scope": in_scope,
        },
    )


@router.get("/admin/catalog/items/{item_code}")
def item_page(
    item_code: str, request: Request, session: DbSession, actor: CurrentActor, hall_code: Code = None
) -> Response:
    if (denied := gate(request, actor, "catalog.browse")) is not None:
        return denied
    try:
        item = catalog_service.get_item(session, item_code)
    except HallError as exc:
        return error_page(request, exc)
    hall = _hall_or_none(session, hall_code or actor.hall_code)
    return render(
        request,
        "catalog/item.html",
        {
            "item": catalog_service.item_read(session, item, hall),
            "hall": hall,
            "halls": org_service.list_halls(session),
            "may_override": hall is not None and _may_override(actor, hall),
            "faq": catalog_service.list_faq(session, item_code=item_code),
            "window_names": {w.code: w.name for w in org_service.hall_windows(session, hall.id)} if hall else {},
        },
    )


def _override_context(session: Any, actor: Actor, view: overrides.OverrideView) -> dict[str, Any]:
    return {
        "view": view,
        "values": view.values() or {},
        "windows": org_service.hall_window_rows(session, view.hall.id),
        "history": overrides.history(session, actor, hall_code=view.hall.code, item_code=view.item.code),
        "may_override": actor.has("catalog.override"),
        "problems": [],
        "steps": overrides.steps_view(session, actor, hall_code=view.hall.code, item_code=view.item.code),
        "roles": sorted(catalog_steps.ROLES),
        "step_names": {s["code"]: s for s in catalog_service.item_steps(session, view.item.code)},
        "department_names": org_service.department_names(session),
    }


OVERRIDE_PAGE = "/admin/catalog/halls/{hall_code}/items/{item_code}/override"


@router.get(OVERRIDE_PAGE)
def override_page(
    hall_code: str,
    item_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    saved: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    if (denied := gate(request, actor, "catalog.browse")) is not None:
        return denied
    try:
        view = overrides.view(session, actor, hall_code=hall_code, item_code=item_code)
    except HallError as exc:
        return error_page(request, exc)
    context = _override_context(session, actor, view)
    context["saved"] = saved
    return render(request, "catalog/override.html", context)


def _back(hall_code: str, item_code: str, saved: str) -> Response:
    return RedirectResponse(
        OVERRIDE_PAGE.format(hall_code=hall_code, item_code=item_code) + f"?saved={saved}", status_code=303
    )


def _refused(request: Request, session: Any, actor: Actor, hall_code: str, item_code: str, exc: HallError) -> Response:
    """The form again with the problems named, or an error page when the hall or item itself is the problem (a
    refused change has written nothing: the services check everything before they write)."""
    try:
        view = overrides.view(session, actor, hall_code=hall_code, item_code=item_code)
    except HallError:
        return error_page(request, exc)
    context = _override_context(session, actor, view)
    context["problems"] = exc.detail if isinstance(exc.detail, list) else []
    context["error"] = exc
    return render(request, "catalog/override.html", context, status_code=exc.status_)


def _field(inherit: str | None, value: str | None) -> str | None:
    return None if inherit or value is None else value


@router.post(OVERRIDE_PAGE)
def override_submit(
    hall_code: str,
    item_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    enabled: Annotated[str, Form(max_length=8)] = "inherit",
    promised_limit_workdays: Annotated[str | None, Form(max_length=8)] = None,
    promised_inherit: Annotated[str | None, Form(max_length=8)] = None,
    fee_note: Annotated[str | None, Form(max_length=500)] = None,
    fee_note_inherit: Annotated[str | None, Form(max_length=8)] = None,
    window_codes: Annotated[list[str] | None, Form()] = None,
    windows_inherit: Annotated[str | None, Form(max_length=8)] = None,
    note: Annotated[str, Form(max_length=500)] = "",
    version: Annotated[int | None, Form(ge=0, le=MAX_DB_ID)] = None,
) -> Response:
    if (denied := gate(request, actor, "catalog.override")) is not None:
        return denied
    promised = _field(promised_inherit, promised_limit_workdays)
    values = {
        "enabled": {"on": True, "off": False}.get(enabled),
        "promised_limit_workdays": int(promised) if promised and promised.strip().isdigit() else None,
        "fee_note": _field(fee_note_inherit, fee_note),
        "window_codes": None if windows_inherit else (window_codes or None),
    }
    try:
        if promised and not promised.strip().isdigit():
            raise OverrideInvalid(
                detail=[
                    {
                        "field": "promised_limit_workdays",
                        "code": "not_a_number",
                        "message_zh": "承诺时限须为不小于0的整数(工作日)",
                        "message_en": "The promised limit must be a whole number of working days",
                    }
                ]
            )
        overrides.set_override(
            session,
            actor,
            hall_code=hall_code,
            item_code=item_code,
            values=values,
            note=note,
            expected_version=version,
            now=now,
        )
    except HallError as exc:
        return _refused(request, session, actor, hall_code, item_code, exc)
    return _back(hall_code, item_code, "set")


@router.post(OVERRIDE_PAGE + "/clear")
def override_clear(
    hall_code: str,
    item_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    version: Annotated[int | None, Form(ge=0, le=MAX_DB_ID)] = None,
) -> Response:
    if (denied := gate(request, actor, "catalog.override")) is not None:
        return denied
    try:
        overrides.clear_override(
            session, actor, hall_code=hall_code, item_code=item_code, expected_version=version, now=now
        )
    except HallError as exc:
        return _refused(request, session, actor, hall_code, item_code, exc)
    return _back(hall_code, item_code, "clear")


async def _posted(request: Request) -> FormData:
    return await request.form()


@router.post(OVERRIDE_PAGE + "/steps")
def steps_submit(
    hall_code: str,
    item_code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    form: Annotated[FormData, Depends(_posted)],
) -> Response:
    """The hall's own role and time limit of the item's steps (``role_<step>``, ``limit_<step>``: empty for no
    limit of its own); refused whole, with every fault named, when one is wrong."""
    if (denied := gate(request, actor, "catalog.override")) is not None:
        return denied
    raw_version = str(form.get("version", "")).strip()
    note = str(form.get("note", ""))[:500]
    settings: dict[str, dict[str, Any]] = {}
    bad: list[dict[str, Any]] = []
    for key, value in form.multi_items():
        if not isinstance(value, str) or not key.startswith(("role_", "limit_")) or len(key) > 40:
            continue
        kind, code = key.split("_", 1)
        text = value.strip()
        if kind == "role":
            settings.setdefault(code, {})["role"] = text[:32] or None
        elif text and not text.isdigit():
            bad.append({"field": "steps", "code": "not_a_number", "step": code,
                        "message_zh": "环节时限须为不小于0的整数(工作日)",
                        "message_en": "A step limit must be a whole number of working days"})  # fmt: skip
        else:
            settings.setdefault(code, {})["limit_workdays"] = int(text[:4]) if text else None
    try:
        if bad:
            raise OverrideInvalid(detail=bad)
        overrides.set_steps(
            session,
            actor,
            hall_code=hall_code,
            item_code=item_code,
            settings=settings,
            note=note,
            expected_version=int(raw_version) if raw_version.isdigit() else None,
            now=now,
        )
    except HallError as exc:
        return _refused(request, session, actor, hall_code, item_code, exc)
    return _back(hall_code, item_code, "steps")
