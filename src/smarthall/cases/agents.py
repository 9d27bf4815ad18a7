"""Agents acting for an applicant: the proxy authorization check (assist decides) and whether a citizen may open a
case as its applicant's agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.cases import flows, notices, prefill, workflow
from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.catalog import service as catalog_service
from smarthall.core.errors import Forbidden, HallError
from smarthall.core.masking import mask_name
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service

# What an agent (代办) must be authorized for to take an applicant's action on the entrustor's case.
AGENT_ACTS = {"resubmit": "submit_materials", "supply": "submit_materials", "withdraw": "declare"}


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


def agent_form(
    session: Session, actor: Actor, *, proxy_id: int, item_code: str, hall_code: str, now: datetime
) -> tuple[int, dict[str, Any]]:
    """An agent's form for the entrustor of authorization ``proxy_id`` (为他人办理): the entrustor's id and the item's
    form prefilled from the entrustor's data; 404, or 403 ``proxy_out_of_scope`` with reasons, outside it."""
    hall = org_service.get_hall(session, hall_code)
    catalog_service.get_item(session, item_code)
    entrustor = entrustor_of(session, actor, proxy_id, item_code=item_code, hall_id=hall.id, now=now)
    form = prefill.item_form(session, actor, item_code=item_code, now=now, applicant_id=entrustor, as_agent=True)
    return entrustor, form


def tell_entrustor(session: Session, actor: Actor, case: Case, act: str, *, now: datetime) -> None:
    """The entrustor hears that their agent (masked name) took ``act`` on their case (代办告知)."""
    agent = identity_service.get_citizen(session, actor.id) if actor.id is not None else None
    params = {"case_no": case.case_no, "item": case.item_name, "agent": mask_name(agent.name if agent else ""),
              "act_zh": notices.action_word(act, "zh"), "act_en": notices.action_word(act, "en")}  # fmt: skip
    flows.tell_applicant(session, case, template="case.agent_acted", params=params, now=now)


def agent_actions(session: Session, actor: Actor, case: Case, *, now: datetime) -> list[str]:
    """The applicant's actions an agent may take on the entrustor's case now (those its authorization covers)."""
    acts = agent_acts(session, actor, case, now)
    return [
        t.action
        for t in workflow.available(case.status, "applicant")
        if t.action in AGENT_ACTS and AGENT_ACTS[t.action] in acts
    ]


def filed_for_others(session: Session, actor: Actor, *, now: datetime) -> list[Case]:
    """The cases a citizen filed as an agent that they may still open (the authorization still covers them)."""
    if actor.kind != "citizen" or actor.id is None:
        return []
    return [c for c in CaseRepository(session).filed_as_agent(actor.id) if agent_of(session, actor, c, now)]
