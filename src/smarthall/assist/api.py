"""Assisted and proxy handling API: help requests and proxy authorizations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from smarthall.assist import service
from smarthall.assist.schemas import (
    HelpRequestAction,
    HelpRequestCreate,
    HelpRequestRead,
    ProxyAction,
    ProxyCheck,
    ProxyCreate,
    ProxyRead,
)
from smarthall.core.deps import CurrentActor, DbId, DbSession, LoggedIn, Now
from smarthall.core.routing import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["assist"])
HelpStatus = Literal["open", "assigned", "in_progress", "done", "cancelled"]


@router.post("/help-requests", response_model=HelpRequestRead, status_code=201)
def create_help_request(body: HelpRequestCreate, session: DbSession, actor: CurrentActor, now: Now) -> HelpRequestRead:
    """Ask for a helper (kiosk, guide desk, web, window); assigned at once by zone, skill and load when possible."""
    return service.help_read(service.create_help_request(session, actor, body, now=now))


@router.get("/help-requests", response_model=list[HelpRequestRead])
def list_help_requests(
    session: DbSession,
    actor: LoggedIn,
    status: HelpStatus | None = None,
    mine: Annotated[bool, Query()] = False,
) -> list[HelpRequestRead]:
    """Help requests: a helper's hall (or their own with ``mine``), a citizen's own."""
    return [service.help_read(r) for r in service.list_help_requests(session, actor, status=status, mine=mine)]


@router.get("/help-requests/{request_id}", response_model=HelpRequestRead)
def get_help_request(request_id: DbId, session: DbSession, actor: LoggedIn) -> HelpRequestRead:
    """One help request."""
    return service.help_read(service.get_help_request(session, actor, request_id))


@router.post("/help-requests/{request_id}/actions", response_model=HelpRequestRead)
def act_on_help_request(
    request_id: DbId, body: HelpRequestAction, session: DbSession, actor: LoggedIn, now: Now
) -> HelpRequestRead:
    """assign / start / finish / cancel, or link the ticket or case it produced."""
    row = service.act_on_help_request(
        session,
        actor,
        request_id,
        action=body.action,
        staff_id=body.staff_id,
        ticket_ref=body.ticket_ref,
        case_ref=body.case_ref,
        note=body.note,
        now=now,
    )
    return service.help_read(row)


@router.post("/proxy-authorizations", response_model=ProxyRead, status_code=201)
def create_proxy(body: ProxyCreate, session: DbSession, actor: LoggedIn, now: Now) -> ProxyRead:
    """Register an authorization (entrustor, agent, items, acts, validity), pending the entrustor's confirmation."""
    return service.proxy_read(session, service.create_proxy(session, actor, body, now=now))


@router.get("/proxy-authorizations", response_model=list[ProxyRead])
def list_proxies(
    session: DbSession, actor: LoggedIn, status: str | None = Query(None, max_length=24)
) -> list[ProxyRead]:
    """Authorizations the caller is party to, or (desks) those of the halls in their scope; names masked."""
    return service.proxy_reads(session, service.list_proxies(session, actor, status=status))


@router.get("/proxy-authorizations/{proxy_id}", response_model=ProxyRead)
def get_proxy(proxy_id: DbId, session: DbSession, actor: LoggedIn) -> ProxyRead:
    """One authorization with its history."""
    return service.proxy_read(session, service.get_proxy(session, actor, proxy_id))


@router.post("/proxy-authorizations/{proxy_id}/actions", response_model=ProxyRead)
def act_on_proxy(proxy_id: DbId, body: ProxyAction, session: DbSession, actor: LoggedIn, now: Now) -> ProxyRead:
    """send_code (to the entrustor's phone) / confirm (the entrustor's own login, or that code) / register_paper (a
    desk of the authorization's hall: the signed form and the entrustor's identity checked there) / start / suspend /
    resume / complete / terminate."""
    row = service.act_on_proxy(
        session,
        actor,
        proxy_id,
        action=body.action,
        signature_png_base64=body.signature_png_base64,
        code=body.code,
        identity_check=body.identity_check,
        note=body.note,
        now=now,
    )
    return service.proxy_read(session, row)


@router.post("/proxy-authorizations/{proxy_id}/check")
def check_proxy(proxy_id: DbId, body: ProxyCheck, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, object]:
    """May the caller, as agent, do ``act`` for ``item_code`` now? 200 if so, 403 ``proxy_out_of_scope`` if not."""
    row = service.get_proxy(session, actor, proxy_id)
    service.ensure_within_scope(session, actor, row, item_code=body.item_code, act=body.act, now=now)
    return {"allowed": True, "authorization_id": row.id}
