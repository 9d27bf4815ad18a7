"""Audit API, for auditors only (the administrator cannot read it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from smarthall.audit import service
from smarthall.core.deps import DbSession, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor

router = APIRouter(route_class=UnitOfWorkRoute, tags=["audit"])


class AuditEventRead(BaseModel):
    seq: int
    at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    hall_code: str | None
    outcome: str
    detail: dict[str, Any]
    request_id: str | None


@router.get("/audit/events", response_model=list[AuditEventRead])
def list_events(
    session: DbSession,
    actor: Annotated[Actor, Depends(require("audit.read"))],
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
) -> list[AuditEventRead]:
    """Audit events, newest first."""
    return [
        AuditEventRead.model_validate(e, from_attributes=True)
        for e in service.list_events(session, actor, action=action, limit=limit, before_seq=before_seq)
    ]


@router.get("/audit/verify")
def verify(session: DbSession, actor: Annotated[Actor, Depends(require("audit.verify"))]) -> dict[str, Any]:
    """Recompute the hash chain and report the first broken row, if any."""
    result = service.verify_chain(session)
    return result.__dict__
