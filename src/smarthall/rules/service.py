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
from smarthall.core.config import Settings
from smarthall.core.registry import registry_of
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.rules.definitions import RULES, RuleDef, RuleValueError, coerce
from smarthall.rules.errors import RuleValueInvalid, UnknownRule
from smarthall.rules.models import RuleSetting, RuleSettingVersion
from smarthall.rules.repository import RuleRepository

CACHE = "rules.effective"
PLATFORM = "rules.platform_defaults"  # the registry point holding the platform value of every rule
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
    """The scope codes that may hold an override for ``hall``, farthest first: its regions, then the hall (a region
    given in place of a hall, e.g. a province for citizens, is its own last link)."""
    return org_service.chain(hall)


def platform_defaults(settings: Settings | None) -> dict[str, Any]:
    """The platform value of every rule: the definition's default, or the operator's from ``Settings``
    (``SMARTHALL_RULE_DEFAULTS`` and the older ``SMARTHALL_TOKEN_TTL_MINUTES``, ``SMARTHALL_LOCKOUT_THRESHOLD``,
    ``SMARTHALL_LOCKOUT_MINUTES``), each checked against its rule."""
    out = defaults()
    given = dict(settings.platform_rule_values()) if settings is not None else {}
    for key, value in given.items():
        definition = RULES.get(key)
        if definition is None:
            raise ValueError(f"rule default for an unknown rule {key!r}")
        try:
            out[key] = coerce(definition, value)
        except RuleValueError as exc:
            raise ValueError(f"rule default {key}={value!r}: {exc}") from exc
    return out


def _platform(session: Session) -> dict[str, Any]:
    try:
        return registry_of(session).provided(PLATFORM)  # type: ignore[no-any-return]
    except LookupError:  # a bare session (scripts, tests): the definitions' defaults
        return defaults()


def _resolve(session: Session, hall: HallLike) -> dict[str, Effective]:
    scopes = chain(hall)
    rank = {code: i for i, code in enumerate(scopes)}
    platform = _platform(session)
    out = {key: Effective(key, platform[key], "platform", None, None) for key in RULES}
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
    """The definitions' defaults (the platform values when the operator sets none)."""
    return {key: definition.default for key, definition in RULES.items()}


def set_rule(
    session: Session, actor: Actor, *, key: str, scope_code: str, value: Any, note: str = "", now: datetime
) -> RuleSetting:
    """Override ``key`` at ``scope_code`` (a region or hall the actor manages) with ``value``, as a new version."""
    definition = rule(key)
    try:
        checked = coerce(definition, value)
    except RuleValueError as exc:
        raise RuleValueInvalid(detail={"key": key, "problem": str(exc), **exc.detail}) from exc
    scope = org_service.managed_scope(session, actor, scope_code)
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
    scope = org_service.managed_scope(session, actor, scope_code)
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


def platform_value(session: Session, key: str) -> Any:
    """The platform value of rule ``key`` (for a subject outside the hall tree, e.g. a citizen of no known province)."""
    rule(key)
    return _platform(session)[key]


def overrides_along(session: Session, hall: HallLike) -> dict[str, list[RuleSetting]]:
    """The live overrides of each rule along ``hall``'s chain, nearest first (what the admin page can clear)."""
    scopes = chain(hall)
    rank = {code: i for i, code in enumerate(scopes)}
    out: dict[str, list[RuleSetting]] = {}
    for row in sorted(RuleRepository(session).for_scopes(scopes), key=lambda r: -rank[r.scope_code]):
        out.setdefault(row.key, []).append(row)
    return out
