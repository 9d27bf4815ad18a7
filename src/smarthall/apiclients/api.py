"""API clients JSON API: admins register department systems, rotate and revoke their keys; a client asks who it is.

A department system calls the platform with its key in the ``X-Api-Key`` header (see docs/open-platform.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from smarthall.apiclients import service as apiclients_service
from smarthall.apiclients.schemas import ClientCreate, ClientRead, ClientWithKey, KeyRotate, WhoAmI
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.core.types import QueryOffset

router = APIRouter(route_class=UnitOfWorkRoute, tags=["open platform"])
Manager = Annotated[Actor, Depends(require("apiclient.manage"))]
Approver = Annotated[Actor, Depends(require("apiclient.approve"))]


@router.get("/api-clients")
def list_clients(
    session: DbSession,
    actor: Approver,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: QueryOffset = 0,
) -> list[ClientRead]:
    """API clients of the halls in your scope, with their keys (never the keys themselves)."""
    rows = apiclients_service.list_clients(session, actor, limit=limit, offset=offset)
    return [apiclients_service.client_read(session, row, now) for row in rows]


@router.post("/api-clients", status_code=201)
def create_client(body: ClientCreate, session: DbSession, actor: Manager, now: Now) -> ClientWithKey:
    """Register a department system; the answer carries its first key, shown this once."""
    client, key = apiclients_service.create_client(session, actor, body, now=now)
    return ClientWithKey(client=apiclients_service.client_read(session, client, now), key=key)


@router.get("/api-clients/{client_id}")
def get_client(client_id: DbId, session: DbSession, actor: Approver, now: Now) -> ClientRead:
    """One API client and its keys."""
    return apiclients_service.client_read(session, apiclients_service.get_client(session, actor, client_id), now)


@router.post("/api-clients/{client_id}/keys", status_code=201)
def rotate_key(client_id: DbId, body: KeyRotate, session: DbSession, actor: Manager, now: Now) -> ClientWithKey:
    """Rotate: a new key; the old one stays live for the grace period, so the system can switch without a gap."""
    key = apiclients_service.rotate_key(session, actor, client_id, grace_hours=body.grace_hours, now=now)
    client = apiclients_service.get_client(session, actor, client_id)
    return ClientWithKey(client=apiclients_service.client_read(session, client, now), key=key)


@router.post("/api-clients/{client_id}/approve")
def approve_client(client_id: DbId, session: DbSession, actor: Approver, now: Now) -> ClientRead:
    """Four eyes: a second person (another administrator or a hall manager, not the registrant nor who was shown the
    key) approves a client with ``cases.act`` / ``personal.read`` and its waiting keys; until then they are refused."""
    client = apiclients_service.approve(session, actor, client_id, now=now)
    return apiclients_service.client_read(session, client, now)


@router.post("/api-clients/{client_id}/keys/{key_id}/revoke")
def revoke_key(client_id: DbId, key_id: DbId, session: DbSession, actor: Manager, now: Now) -> ClientRead:
    """Revoke one key at once (its next call is refused)."""
    client = apiclients_service.revoke_key(session, actor, client_id, key_id, now=now)
    return apiclients_service.client_read(session, client, now)


@router.post("/api-clients/{client_id}/disable")
def disable_client(client_id: DbId, session: DbSession, actor: Manager, now: Now) -> ClientRead:
    """Switch a client off (every key refused) without losing its history."""
    client = apiclients_service.set_active(session, actor, client_id, active=False, now=now)
    return apiclients_service.client_read(session, client, now)


@router.post("/api-clients/{client_id}/enable")
def enable_client(client_id: DbId, session: DbSession, actor: Manager, now: Now) -> ClientRead:
    """Switch a client on again."""
    client = apiclients_service.set_active(session, actor, client_id, active=True, now=now)
    return apiclients_service.client_read(session, client, now)


@router.get("/open/whoami")
def whoami(session: DbSession, actor: CurrentActor) -> WhoAmI:
    """For a department system: the client its key belongs to, its scopes and departments."""
    return apiclients_service.whoami(session, actor)
