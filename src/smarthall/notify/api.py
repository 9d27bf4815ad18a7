"""The caller's own inbox."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from smarthall.core.deps import DbSession, LoggedIn
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.notify import service

router = APIRouter(route_class=UnitOfWorkRoute, tags=["notify"])


class MessageRead(BaseModel):
    id: int
    template: str
    body_zh: str
    body_en: str
    status: str
    created_at: datetime
    ref_type: str | None
    ref_id: str | None


@router.get("/me/messages", response_model=list[MessageRead])
def my_messages(actor: LoggedIn, session: DbSession) -> list[MessageRead]:
    """Messages sent to the caller (citizen or staff), newest first."""
    messages = service.inbox(
        session,
        citizen_id=actor.id if actor.kind == "citizen" else None,
        staff_id=actor.id if actor.kind == "staff" else None,
    )
    return [MessageRead.model_validate(m, from_attributes=True) for m in messages]
