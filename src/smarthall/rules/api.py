"""Rule settings API: the effective rules of a hall and where each comes from; overrides at a region or hall."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from smarthall.core.deps import DbSession, Now, require
from smarthall.core.i18n import label, translate
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.rules import service
from smarthall.rules.definitions import RULES
from smarthall.rules.schemas import RuleList, RuleRead, RuleSet, RuleVersionRead

router = APIRouter(route_class=UnitOfWorkRoute, tags=["rules"])
Reader = Annotated[Actor, Depends(require("rules.read"))]
Manager = Annotated[Actor, Depends(require("rules.manage"))]
HallCode = Annotated[str, Query(min_length=1, max_length=40)]


def rule_read(effective: service.Effective) -> RuleRead:
    definition = RULES[effective.key]
    return RuleRead(
        key=effective.key,
        kind=definition.kind,
        label_zh=translate(f"rule.{definition.key}", "zh"),
        label_en=translate(f"rule.{definition.key}", "en"),
        unit_zh=label("unit", definition.unit, "zh") if definition.unit else "",
        unit_en=label("unit", definition.unit, "en") if definition.unit else "",
        minimum=definition.minimum,
        maximum=definition.maximum,
        default=definition.default,
        value=effective.value,
        level=effective.level,
        scope_code=effective.scope_code,
        version=effective.version,
        changed_by=effective.changed_by,
        changed_at=effective.changed_at,
    )


def _hall_in_scope(session: DbSession, actor: Actor, hall_code: str) -> org_service.HallFacts:
    hall = org_service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


@router.get("/rules", response_model=RuleList)
def list_rules(session: DbSession, actor: Reader, hall_code: HallCode) -> RuleList:
    """Every rule's effective value in a hall, and the level it comes from (nearest override wins)."""
    hall = _hall_in_scope(session, actor, hall_code)
    rules = service.effective_all(session, hall)
    return RuleList(hall_code=hall.code, rules=[rule_read(rules[key]) for key in RULES])


@router.get("/rules/{key}/history", response_model=list[RuleVersionRead])
def rule_history(key: str, session: DbSession, actor: Reader, hall_code: HallCode) -> list[RuleVersionRead]:
    """The changes of one rule along a hall's chain (its regions and itself), newest first."""
    hall = _hall_in_scope(session, actor, hall_code)
    return [RuleVersionRead.model_validate(v, from_attributes=True) for v in service.history(session, hall, key)]


@router.put("/rules/{key}", response_model=RuleVersionRead)
def set_rule(key: str, body: RuleSet, session: DbSession, actor: Manager, now: Now) -> RuleVersionRead:
    """Override a rule at a region or hall you manage; the change is versioned and audited."""
    row = service.set_rule(
        session, actor, key=key, scope_code=body.scope_code, value=body.value, note=body.note, now=now
    )
    return RuleVersionRead(
        key=row.key,
        scope_code=row.scope_code,
        version=row.version,
        action="set",
        value=row.value,
        changed_by=row.changed_by,
        changed_at=now,
        note=row.note,
    )


@router.delete("/rules/{key}", status_code=204)
def clear_rule(key: str, session: DbSession, actor: Manager, now: Now, scope_code: HallCode) -> None:
    """Remove an override: the region or hall inherits the value from above again."""
    service.clear_rule(session, actor, key=key, scope_code=scope_code, now=now)
