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
from smarthall.core.types import INT64_MAX

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
    before_seq: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
) -> list[AuditEventRead]:
    """Audit events, newest first."""
    return [
        AuditEventRead.model_validate(e, from_attributes=True)
        for e in service.list_events(session, actor, action=action, limit=limit, before_seq=before_seq)
    ]


@router.get("/audit/verify")
def verify(session: DbSession, actor: Annotated[Actor, Depends(require("audit.verify"))]) -> dict[str, Any]:
    """Recompute the keyed hash chain, hold it against the signed checkpoints and report the first broken row."""
    result = service.verify_chain(session)
    return result.__dict__


class CheckpointRead(BaseModel):
    seq: int | None
    hash: str | None = None
    at: str | None = None
    key_id: str | None = None
    sig: str | None = None


class CheckpointsRead(BaseModel):
    algorithm: str = "ed25519"
    key_id: str
    public_key_pem: str
    checkpoints: list[CheckpointRead]


@router.get("/audit/checkpoints", response_model=CheckpointsRead)
def list_checkpoints(
    actor: Annotated[Actor, Depends(require("audit.verify"))],
    after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> CheckpointsRead:
    """The signed checkpoints of the chain's head (kept outside the database) and the public key to check them
    with, for copying elsewhere and verifying independently."""
    return CheckpointsRead.model_validate(service.checkpoint_export(after_seq=after_seq, limit=limit))
