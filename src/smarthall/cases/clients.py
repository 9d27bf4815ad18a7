"""A department system's client acting on a case through the open platform (scope ``cases.act``): the part it plays
and the record of what it did (split out of ``cases.service``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import workflow
from smarthall.cases.errors import ActionNotForRole, OutOfDepartment
from smarthall.cases.models import Case
from smarthall.catalog import service as catalog_service
from smarthall.core.tenancy import Actor


def client_part(session: Session, actor: Actor, case: Case, action: str) -> tuple[str, Actor]:
    """The part a department system's client plays in ``action`` (the clerk's or the approver's, as the transition
    table says) and the actor to act as: bound to the one of its registered departments the case belongs to (for a
    joint review, the first of its departments whose part is still open). A case of none of its departments: 403."""
    from dataclasses import replace

    from smarthall.apiclients import service as apiclients_service

    here = [t.roles for t in workflow.available(case.status) if t.action == action]
    anywhere = [t.roles for t in workflow.TRANSITIONS if t.action == action]
    roles = frozenset().union(*(here or anywhere))  # not from this state: the transition check answers 409
    role = "approver" if "approver" in roles else "clerk" if "clerk" in roles else "none"
    if role == "none":
        raise ActionNotForRole(detail={"action": action, "role": "api_client"})
    departments = apiclients_service.departments_of(session, actor)
    joint = tuple(catalog_service.get_item(session, case.item_code).joint_review)
    open_parts = [d for d in (joint or (case.department_code,)) if d not in (case.reviews or {})] or list(joint)
    mine = [d for d in open_parts if d in departments]
    if not mine:
        raise OutOfDepartment(detail={"department": case.department_code})
    return role, replace(actor, department_code=mine[0])


def record_action(session: Session, actor: Actor, case: Case, action: str, *, now: datetime) -> Any:
    from smarthall.audit import service as audit_service

    return audit_service.record(
        session, actor, "case.client_action", target_type="case", target_id=case.id, hall_code=case.hall_code,
        detail={"case_no": case.case_no, "action": action, "department": actor.department_code}, now=now,
    )  # fmt: skip
