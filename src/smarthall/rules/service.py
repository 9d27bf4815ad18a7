"""Rules as settings, inherited down the hall tree: the nearest override wins (hall → township → county → city →
province → platform default), and every change is versioned and audited.

``value(session, hall, key)`` is what a domain calls; ``effective`` also says where the value comes from. A hall is
anything with a ``code`` and a ``region_path`` (``org.service.HallFacts``, the ``Hall`` row). Effective values are
cached per hall in ``Database.cache`` and emptied when an override changes in this process (other processes see a
change within ``CACHE_SECONDS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.cache import cached
from smarthall.core.tenancy import Actor, supervises
from smarthall.org import service as org_service
from smarthall.rules.definitions import RULES, RuleDef, RuleValueError, coerce
from smarthall.rules.errors import RuleValueInvalid, ScopeNotManaged, UnknownRule, UnknownScope
from smarthall.rules.models import RuleSetting, RuleSettingVersion
from smarthall.rules.repository import RuleRepository

CACHE = "rules.effective"
CACHE_SECONDS = 30.0
LEVELS_BY_DEPTH = ("province", "city", "county", "township")


class HallLike(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def region_path(self) -> str: ...


@dataclass(frozen=True)
class Effective:
    key: str
    value: Any
    level: str  # "platform", a region level, or "hall"
    scope_code: str | None  # None for the platform default
    version: int | None
    changed_by: str | None = None
    changed_at: datetime | None = None


def rule(key: str) -> RuleDef:
    found = RULES.get(key)
    if found is None:
        raise UnknownRule(detail={"key": key})
    return found


def chain(hall: HallLike) -> list[str]:
    """The scope codes that may hold an override for ``hall``, farthest first: its regions, then the hall."""
    return [code for code in hall.region_path.strip("/").split("/") if code] + [hall.code]


def _resolve(session: Session, hall: HallLike) -> dict[str, Effective]:
    scopes = chain(hall)
    rank = {code: i for i, code in enumerate(scopes)}
    out = {key: Effective(key, definition.default, "platform", None, None) for key, definition in RULES.items()}
    rows = sorted(RuleRepository(session).for_scopes(scopes), key=lambda r: rank[r.scope_code])
    for row in rows:
        if row.key not in RULES:
            continue  # a rule retired from the code: its stored override is ignored
        depth = rank[row.scope_code]
        level = "hall" if row.scope_kind == "hall" else LEVELS_BY_DEPTH[min(depth, len(LEVELS_BY_DEPTH) - 1)]
        out[row.key] = Effective(row.key, row.value, level, row.scope_code, row.version, row.changed_by, row.updated_at)
    return out


def effective_all(session: Session, hall: HallLike) -> dict[str, Effective]:
    """Every rule's effective value for ``hall`` (cached)."""
    return cached(session, CACHE, (hall.code, hall.region_path), lambda: _resolve(session, hall), seconds=CACHE_SECONDS)


def effective(session: Session, hall: HallLike, key: str) -> Effective:
    rule(key)
    return effective_all(session, hall)[key]


def value(session: Session, hall: HallLike, key: str) -> Any:
    """The value of rule ``key`` in ``hall``: the nearest override, or the platform default."""
    return effective(session, hall, key).value


def defaults() -> dict[str, Any]:
    return {key: definition.default for key, definition in RULES.items()}


def _managed_scope(session: Session, actor: Actor, scope_code: str) -> org_service.ScopeFacts:
    """``scope_code`` (a region or hall) if ``actor`` manages it: a hall it may see, or a region it supervises."""
    scope = org_service.scope_facts(session, scope_code)
    if scope is None:
        raise UnknownScope(detail={"scope_code": scope_code})
    if scope.kind == "hall":
        assert scope.hall_id is not None
        allowed = actor.can_see_hall(scope.hall_id, scope.region_path)
    else:
        allowed = actor.kind == "system" or (
            supervises(actor) and scope.region_path.startswith(actor.region_path or "\0")
        )
    if not allowed:
        raise ScopeNotManaged(detail={"scope_code": scope_code})
    return scope


def set_rule(
    session: Session, actor: Actor, *, key: str, scope_code: str, value: Any, note: str = "", now: datetime
) -> RuleSetting:
    """Override ``key`` at ``scope_code`` (a region or hall the actor manages) with ``value``, as a new version."""
    definition = rule(key)
    try:
        checked = coerce(definition, value)
    except RuleValueError as exc:
        raise RuleValueInvalid(detail={"key": key, "problem": str(exc)}) from exc
    scope = _managed_scope(session, actor, scope_code)
    repo = RuleRepository(session)
    version = repo.last_version(key, scope_code) + 1
    row = repo.at(key, scope_code)
    if row is None:
        row = repo.add(
            RuleSetting(
                key=key,
                scope_kind=scope.kind,
                scope_code=scope_code,
                hall_id=scope.hall_id,
                region_path=scope.region_path,
                value=checked,
                version=version,
                changed_by=actor.label,
                note=note,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        row.value, row.version, row.changed_by, row.note, row.updated_at = checked, version, actor.label, note, now
    repo.add_version(
        RuleSettingVersion(
            key=key,
            scope_code=scope_code,
            region_path=scope.region_path,
            version=version,
            action="set",
            value=checked,
            changed_by=actor.label,
            changed_at=now,
            note=note,
        )
    )
    repo.flush()
    audit_service.record(
        session,
        actor,
        "rules.set",
        target_type="rules_setting",
        target_id=f"{key}@{scope_code}",
        hall_code=scope_code if scope.kind == "hall" else None,
        now=now,
        detail={"key": key, "scope_code": scope_code, "version": version, "value": checked},
    )
    return row


def clear_rule(session: Session, actor: Actor, *, key: str, scope_code: str, note: str = "", now: datetime) -> bool:
    """Remove the override of ``key`` at ``scope_code`` (the scope inherits again). False when there was none."""
    rule(key)
    scope = _managed_scope(session, actor, scope_code)
    repo = RuleRepository(session)
    row = repo.at(key, scope_code)
    if row is None:
        return False
    version = repo.last_version(key, scope_code) + 1
    repo.delete(row)
    repo.add_version(
        RuleSettingVersion(
            key=key,
            scope_code=scope_code,
            region_path=scope.region_path,
            version=version,
            action="clear",
            value=None,
            changed_by=actor.label,
            changed_at=now,
            note=note,
        )
    )
    repo.flush()
    audit_service.record(
        session,
        actor,
        "rules.clear",
        target_type="rules_setting",
        target_id=f"{key}@{scope_code}",
        hall_code=scope_code if scope.kind == "hall" else None,
        now=now,
        detail={"key": key, "scope_code": scope_code, "version": version},
    )
    return True


def history(session: Session, hall: HallLike, key: str) -> list[RuleSettingVersion]:
    """Changes of ``key`` along ``hall``'s chain (its regions and itself), newest first."""
    rule(key)
    return RuleRepository(session).history(key, chain(hall))
