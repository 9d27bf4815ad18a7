"""A consultation's next step and the errand (一件一码): the question is the errand's first touch when its asker
takes a step toward doing the item; the booking, ticket or case the step leads to joins the same errand (the errands
domain listens to ``question.routed`` inside this transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smarthall.core import events
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service

DOING_ROUTES = frozenset({"book", "ticket", "online", "self_service"})  # steps toward doing the item itself


def routed(
    session: Session, actor: Actor, *, question_id: int | None, item_code: str | None, hall_code: str | None,
    route: str, now: datetime,
) -> None:
    """A next step toward doing the item taken by the identified asker of a question: the question opens (or
    continues) their errand (一件一码, ``question.routed``), which the booking, ticket or case it leads to joins."""
    if question_id is None or not item_code or route not in DOING_ROUTES or actor.kind != "citizen" or not actor.id:
        return
    hall = org_service.find_hall(session, hall_code) if hall_code else None
    if hall is not None:
        events.emit(session, "question.routed", question_id=question_id, hall_id=hall.id, citizen_id=actor.id,
                    item_code=item_code, route=route, at=now)  # fmt: skip
