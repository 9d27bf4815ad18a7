"""Agents acting for an applicant: the proxy authorization check (assist decides) and whether a citizen may open a
case as its applicant's agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.cases.models import Case
from smarthall.catalog import service as catalog_service
from smarthall.core.errors import Forbidden, HallError
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


def held_authorizations(session: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """The authorizations ``actor`` holds as a citizen agent (为他人办理), newest first: the entrustor (masked name),
    items, acts, validity, and for filing whether it is in force now and, if not, why (reason codes)."""
    if actor.kind != "citizen" or actor.id is None:
        return []
    rows = [
        r
        for r in assist_service.list_proxies(session, actor)
        if r.agent_kind == "citizen" and r.agent_citizen_id == actor.id
    ]
    reads = {p.id: p for p in assist_service.proxy_reads(session, rows)}
    items = {code: item.name for code, item in _items(session, {c for r in rows for c in r.item_codes}).items()}
    out = []
    for row in rows:
        read = reads[row.id]
        reasons = assist_service.standing(row, act="declare", now=now)
        out.append(
            {
                "id": row.id,
                "entrustor_name_masked": read.entrustor_name_masked,
                "hall_code": read.hall_code,
                "item_list": [{"code": c, "name": items.get(c, c)} for c in row.item_codes],
                "scope": list(row.scope),
                "valid_from": row.valid_from,
                "valid_until": row.valid_until,
                "status": row.status,
                "in_force": not reasons,
                "reasons": reasons,
            }
        )
    return out


def _items(session: Session, codes: set[str]) -> dict[str, Any]:
    found = {}
    for code in sorted(codes):
        try:
            found[code] = catalog_service.get_item(session, code)
        except HallError:
            continue
    return found


def entrustor_of(session: Session, actor: Actor, proxy_id: int, *, item_code: str, hall_id: int, now: datetime) -> int:
    """The entrustor an agent files for under authorization ``proxy_id``: 404 unless the actor is party to it, 403
    ``proxy_out_of_scope`` (with the reasons, audited) unless it lets them declare the item at the hall now."""
    row = assist_service.get_proxy(session, actor, proxy_id)
    assist_service.ensure_within_scope(
        session, actor, row, item_code=item_code, act="declare", now=now, hall_id=hall_id
    )
    return row.entrustor_citizen_id


def agent_acts(session: Session, actor: Actor, case: Case, now: datetime) -> set[str]:
    """The acts (``declare``, ``submit_materials``…) ``actor`` may take on ``case`` as its applicant's agent now
    (read without auditing: the act itself is checked again, and a refusal audited, when it is taken)."""
    if actor.kind != "citizen" or actor.id is None or case.citizen_id is None:
        return set()
    acts: set[str] = set()
    for row in assist_service.list_proxies(session, actor):
        if (
            row.agent_kind != "citizen"
            or row.agent_citizen_id != actor.id
            or row.entrustor_citizen_id != case.citizen_id
        ):
            continue
        if case.item_code in row.item_codes and row.hall_id == case.hall_id:
            acts |= {a for a in row.scope if not assist_service.standing(row, act=a, now=now)}
    return acts
