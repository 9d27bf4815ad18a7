"""The admin page of API clients (接入系统管理): list, register, rotate a key, revoke a key, switch off and on.

A new key is shown once, on the page that answers the form that made it, and never again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smarthall.apiclients import policy
from smarthall.apiclients import service as apiclients_service
from smarthall.apiclients.schemas import ClientCreate
from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.web.templating import gate, render, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
PATH = "/admin/api-clients"
PERMISSION = "apiclient.manage"
APPROVE = "apiclient.approve"  # also opens the page: a hall manager sees the clients and approves sensitive ones


def _page(
    request: Request, session: Any, actor: Actor, now: datetime, *, new_key: str | None = None,
    error: HallError | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    rows = apiclients_service.list_clients(session, actor, limit=200)
    clients = [apiclients_service.client_read(session, row, now) for row in rows]
    return render(
        request,
        "apiclients/index.html",
        {
            "clients": clients,
            "approvable": {row.id for row in rows if apiclients_service.may_approve(session, actor, row)},
            "scopes": sorted(policy.SCOPES),
            "new_key": new_key,
            "new_key_waits": bool(new_key) and any(c.awaiting_approval for c in clients),
            "sensitive": sorted(policy.SENSITIVE_SCOPES),
            "error": error,
            "home_hall": actor.hall_code or "",
            "path": PATH,
        },
        status_code=status_code,
    )


@router.get(PATH)
def clients_page(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, APPROVE)) is not None:
        return denied
    return _page(request, session, actor, now)


@router.post(PATH)
def create_submit(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    name: Annotated[str, Form(max_length=128)] = "",
    hall_code: Annotated[str, Form(max_length=32)] = "",
    scope_code: Annotated[str, Form(max_length=32)] = "",
    scopes: Annotated[list[str] | None, Form(max_length=40)] = None,
    departments: Annotated[str, Form(max_length=400)] = "",
    rate_per_minute: Annotated[int, Form(ge=1, le=100_000)] = 120,
) -> Response:
    if (denied := gate(request, actor, PERMISSION)) is not None:
        return denied
    try:
        data = ClientCreate(
            name=name.strip() or "?",
            hall_code=hall_code.strip() or (actor.hall_code or ""),
            scope_code=scope_code.strip() or None,
            scopes=scopes or [],
            department_codes=[d for d in departments.replace(",", " ").split() if d],
            rate_per_minute=rate_per_minute,
        )
        with attempt(session):
            _, key = apiclients_service.create_client(session, actor, data, now=now)
    except HallError as exc:
        return _page(request, session, actor, now, error=exc, status_code=exc.status_)
    return _page(request, session, actor, now, new_key=key, status_code=201)


@router.post(PATH + "/{client_id}/rotate")
def rotate_submit(client_id: DbId, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, PERMISSION)) is not None:
        return denied
    try:
        with attempt(session):
            key = apiclients_service.rotate_key(session, actor, client_id, grace_hours=168, now=now)
    except HallError as exc:
        return _page(request, session, actor, now, error=exc, status_code=exc.status_)
    return _page(request, session, actor, now, new_key=key)


@router.post(PATH + "/{client_id}/approve")
def approve_submit(client_id: DbId, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, APPROVE)) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: apiclients_service.approve(session, actor, client_id, now=now),
        lambda _: PATH,
        on_error=lambda exc: _page(request, session, actor, now, error=exc, status_code=exc.status_),
    )


@router.post(PATH + "/{client_id}/keys/{key_id}/revoke")
def revoke_submit(
    client_id: DbId, key_id: DbId, request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    if (denied := gate(request, actor, PERMISSION)) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: apiclients_service.revoke_key(session, actor, client_id, key_id, now=now),
        lambda _: PATH,
        on_error=lambda exc: _page(request, session, actor, now, error=exc, status_code=exc.status_),
    )


@router.post(PATH + "/{client_id}/active")
def active_submit(
    client_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    if (denied := gate(request, actor, PERMISSION)) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: apiclients_service.set_active(session, actor, client_id, active=active == "1", now=now),
        lambda _: PATH,
        on_error=lambda exc: _page(request, session, actor, now, error=exc, status_code=exc.status_),
    )
