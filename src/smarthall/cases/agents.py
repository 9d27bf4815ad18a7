"""Agents acting for an applicant: the proxy authorization check (assist decides) and whether a citizen may open a
case as its applicant's agent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.cases.models import Case
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import Actor


def agent_check(
    session: Session, actor: Actor, entrustor_id: int, *, item_code: str, hall_id: int, act: str, now: datetime
) -> None:
    """403 ``proxy_out_of_scope`` unless ``actor`` holds a live authorization of the entrustor for ``act`` on the item
    at the hall (assist decides, and audits a refusal)."""
    assist_service.check_agent(
        session, actor, entrustor_citizen_id=entrustor_id, item_code=item_code, act=act, now=now, hall_id=hall_id
    )


def agent_of(session: Session, actor: Actor, case: Case | None, now: datetime) -> bool:
    """Whether a citizen may open ``case`` as the agent of its applicant (to declare or to hand in materials)."""
    if case is None or case.citizen_id is None or actor.kind != "citizen":
        return False
    for act_ in ("submit_materials", "declare"):
        try:
            agent_check(session, actor, case.citizen_id, item_code=case.item_code, hall_id=case.hall_id, act=act_,
                        now=now)  # fmt: skip
            return True
        except Forbidden:
            continue
    return False
