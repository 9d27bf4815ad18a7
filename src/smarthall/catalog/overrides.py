"""A hall's own settings of an inherited item (事项本地化): switched off (or on), its own promised limit (working
days, never above the legal limit: 承诺时限不得超过法定时限), fee note, and the windows that serve it there.

Only who may see the hall changes its settings (``catalog.override``: hall managers and administrators); every
change is a new version (``catalog_hall_item_override_version``) and an audit event. A client that sends the
version it edited is refused with 409 when someone changed the settings meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.catalog import steps as catalog_steps_mod
from smarthall.catalog.errors import ItemNotFound, OverrideInvalid, OverrideNotFound, OverrideVersionConflict
from smarthall.catalog.models import HallItemOverride, HallItemOverrideVersion, Item
from smarthall.catalog.repository import ItemRepository, OverrideRepository
from smarthall.core import events
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service

FIELDS = catalog_service.OVERRIDABLE


@dataclass(frozen=True)
class Inherited:
    """The item as the hall offers it without its own settings."""

    handled: bool
    inherited: bool
    legal_limit_workdays: int
    promised_limit_workdays: int
    fee_note: str
    window_codes: tuple[str, ...]


@dataclass(frozen=True)
class OverrideView:
    hall: org_service.HallFacts
    item: Item
    row: HallItemOverride | None
    inherited: Inherited
    effective: catalog_service.EffectiveItem

    @property
    def version(self) -> int:
        return self.row.version if self.row is not None else 0

    def values(self) -> dict[str, Any] | None:
        return None if self.row is None else {name: getattr(self.row, name) for name in FIELDS}


def _hall(session: Session, actor: Actor, hall_code: str) -> org_service.HallFacts:
    hall = org_service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


def _item(session: Session, item_code: str) -> Item:
    item = ItemRepository(session).by_code(item_code)
    if item is None or not item.active:
        raise ItemNotFound(detail={"item_code": item_code})
    return item


def _view(session: Session, hall: org_service.HallFacts, item: Item, *, fresh: bool = False) -> OverrideView:
    row = OverrideRepository(session).at(hall.id, item.code)
    inherited = hall.level in item.counters
    plain = Inherited(
        handled=inherited,
        inherited=inherited,
        legal_limit_workdays=item.legal_limit_workdays,
        promised_limit_workdays=item.promised_limit_workdays,
        fee_note=item.fee_note or "",
        window_codes=tuple(org_service.listed_windows(session, hall.id, item.code)),
    )
    effective = catalog_service.effective_item(session, hall, item.code, fresh=fresh)
    return OverrideView(hall, item, row, plain, effective)


def view(session: Session, actor: Actor, *, hall_code: str, item_code: str) -> OverrideView:
    """The hall's settings of an item, beside what it inherits and what takes effect."""
    hall = _hall(session, actor, hall_code)
    return _view(session, hall, _item(session, item_code))


def _problem(field: str, code: str, zh: str, en: str, **more: Any) -> dict[str, Any]:
    return {"field": field, "code": code, "message_zh": zh, "message_en": en, **more}


def _checked(session: Session, hall: org_service.HallFacts, item: Item, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as they will be stored (windows de-duplicated and sorted), or OverrideInvalid listing every fault."""
    out = {name: values.get(name) for name in FIELDS}
    problems: list[dict[str, Any]] = []
    if all(value is None for value in out.values()):
        problems.append(
            _problem(
                "",
                "nothing_to_override",
                "未设置任何本地取值;如需恢复继承请删除本地设置",
                "Nothing is set; delete the hall's settings to inherit again",
            )
        )
    promised = out["promised_limit_workdays"]
    if promised is not None and promised > item.legal_limit_workdays:
        problems.append(
            _problem(
                "promised_limit_workdays",
                "above_legal_limit",
                f"承诺时限不得超过法定时限({item.legal_limit_workdays}个工作日)",
                f"The promised limit may not exceed the legal limit ({item.legal_limit_workdays} working days)",
                legal_limit_workdays=item.legal_limit_workdays,
            )
        )
    if out["window_codes"] is not None:
        wanted = sorted(set(out["window_codes"]))
        unknown = sorted(set(wanted) - org_service.active_window_codes(session, hall.id))
        if unknown:
            problems.append(
                _problem(
                    "window_codes",
                    "window_not_in_hall",
                    "所选窗口不是本大厅的在用窗口",
                    "These are not active windows of the hall",
                    windows=unknown,
                )
            )
        if out["enabled"] is False:
            problems.append(
                _problem(
                    "window_codes",
                    "switched_off_with_windows",
                    "本大厅已停办该事项,不能再指定窗口",
                    "The hall does not handle the item, so no window can serve it",
                )
            )
        out["window_codes"] = wanted
    if out["fee_note"] is not None:
        out["fee_note"] = out["fee_note"].strip()
    if problems:
        raise OverrideInvalid(detail=problems)
    return out


def _check_version(row: HallItemOverride | None, expected: int | None) -> None:
    current = row.version if row is not None else 0
    if expected is not None and expected != current:
        raise OverrideVersionConflict(detail={"current_version": current, "given_version": expected})


def _next_version(
    session: Session, hall: org_service.HallFacts, item: Item, expected: int | None, now: datetime
) -> tuple[HallItemOverride, int]:
    """The hall's override row of the item (made when missing) and the number of the version about to be written,
    after checking the version the editor saw."""
    repo = OverrideRepository(session)
    row = repo.at(hall.id, item.code)
    _check_version(row, expected)
    version = repo.last_version(hall.id, item.code) + 1
    if row is None:
        row = repo.add(HallItemOverride(hall_id=hall.id, item_code=item.code, created_at=now))
    return row, version


def _record(
    session: Session,
    actor: Actor,
    hall: org_service.HallFacts,
    row: HallItemOverride,
    version: int,
    action: str,
    values: dict[str, Any],
    *,
    audited: dict[str, Any],
    note: str,
    now: datetime,
) -> None:
    """Stamp the row, keep the new version in the history and audit it (``action``), in the caller's transaction."""
    row.note, row.version, row.changed_by, row.updated_at = note, version, actor.label, now
    repo = OverrideRepository(session)
    repo.add_version(
        HallItemOverrideVersion(
            hall_id=row.hall_id,
            item_code=row.item_code,
            version=version,
            action="set",
            values=values,
            changed_by=actor.label,
            changed_at=now,
            note=note,
        )
    )
    repo.flush()
    audit_service.record(
        session,
        actor,
        action,
        target_type="catalog_hall_item_override",
        target_id=f"{row.item_code}@{hall.code}",
        hall_code=hall.code,
        now=now,
        detail={"item_code": row.item_code, "version": version, **audited},
    )
    events.emit(session, "catalog.override_changed", hall_id=hall.id, item_code=row.item_code, version=version,
                fields=sorted(k for k, v in values.items() if v is not None), at=now)  # fmt: skip


def set_override(
    session: Session,
    actor: Actor,
    *,
    hall_code: str,
    item_code: str,
    values: dict[str, Any],
    note: str = "",
    expected_version: int | None = None,
    now: datetime,
) -> OverrideView:
    """Set the hall's own values of an item (a field given as None inherits), as a new version; audited."""
    hall = _hall(session, actor, hall_code)
    item = _item(session, item_code)
    checked = _checked(session, hall, item, values)
    row, version = _next_version(session, hall, item, expected_version, now)
    for name, value in checked.items():
        setattr(row, name, value)
    _record(
        session, actor, hall, row, version, "catalog.override.set", checked, audited={"values": checked}, note=note,
        now=now,
    )  # fmt: skip
    return _view(session, hall, item, fresh=True)


def clear_override(
    session: Session,
    actor: Actor,
    *,
    hall_code: str,
    item_code: str,
    expected_version: int | None = None,
    now: datetime,
) -> None:
    """Remove the hall's own values of an item: it inherits the catalog's again (a new version; audited)."""
    hall = _hall(session, actor, hall_code)
    item = _item(session, item_code)
    repo = OverrideRepository(session)
    row = repo.at(hall.id, item.code)
    if row is None:
        raise OverrideNotFound(detail={"hall_code": hall.code, "item_code": item.code})
    _check_version(row, expected_version)
    version = repo.last_version(hall.id, item.code) + 1
    repo.delete(row)
    repo.add_version(
        HallItemOverrideVersion(
            hall_id=hall.id,
            item_code=item.code,
            version=version,
            action="clear",
            values=None,
            changed_by=actor.label,
            changed_at=now,
            note="",
        )
    )
    repo.flush()
    audit_service.record(
        session,
        actor,
        "catalog.override.clear",
        target_type="catalog_hall_item_override",
        target_id=f"{item.code}@{hall.code}",
        hall_code=hall.code,
        now=now,
        detail={"item_code": item.code, "version": version},
    )
    events.emit(session, "catalog.override_changed", hall_id=hall.id, item_code=item.code, version=version,
                fields=[], at=now)  # fmt: skip


def history(session: Session, actor: Actor, *, hall_code: str, item_code: str) -> list[HallItemOverrideVersion]:
    """The changes of the hall's settings of an item, newest first."""
    hall = _hall(session, actor, hall_code)
    item = _item(session, item_code)
    return OverrideRepository(session).history(hall.id, item.code)


def hall_overrides(session: Session, actor: Actor, *, hall_code: str) -> list[HallItemOverride]:
    """Every item the hall sets itself, by item code."""
    hall = _hall(session, actor, hall_code)
    return OverrideRepository(session).in_scope(actor, hall.id)


def steps_view(session: Session, actor: Actor, *, hall_code: str, item_code: str) -> list[dict[str, Any]]:
    """The item's current steps as the hall works them: each with the catalog's role and limit beside the hall's."""
    hall = _hall(session, actor, hall_code)
    item = _item(session, item_code)
    catalog_steps = catalog_service.item_steps(session, item.code)
    row = OverrideRepository(session).at(hall.id, item.code)
    own = (row.step_settings if row is not None else None) or {}
    return [
        {
            **s,
            "catalog_role": s["role"],
            "catalog_limit": s.get("limit_workdays"),
            **own.get(s["code"], {}),
            "own": s["code"] in own,
        }  # fmt: skip
        for s in catalog_steps
    ]


def _checked_steps(item: Item, declared: list[dict[str, Any]], wanted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The hall's step settings as they will be stored (only what differs from the catalog), or OverrideInvalid
    naming every fault: a step the item does not have, a role the step's stage is not worked by, a limit outside
    0–365 working days or above the item's legal limit on a step whose clock runs."""
    by_code = {s["code"]: s for s in declared}
    problems: list[dict[str, Any]] = []
    out: dict[str, dict[str, Any]] = {}
    for code, setting in wanted.items():
        step = by_code.get(code)
        if step is None:
            problems.append(
                _problem("steps", "unknown_step", "该事项没有此办理环节", "The item has no such step", step=code)
            )
            continue
        role, limit = setting.get("role") or step["role"], setting.get("limit_workdays")
        stage_role = catalog_steps_mod.STAGE_ROLES[step["stage"]]
        if role != stage_role:
            zh = f"“{step['name']}”环节只能由{catalog_steps_mod.ROLE_ZH[step['stage']]}办理"
            en = f"The step “{step['name_en']}” can only be worked by the {stage_role}"
            problems.append(_problem("steps", "step_role_mismatch", zh, en, step=code))
        if limit is not None and not 0 <= limit <= 365:
            zh, en = "环节时限须为0至365个工作日", "A step limit is 0–365 working days"
            problems.append(_problem("steps", "step_limit_invalid", zh, en, step=code))
        elif limit is not None and limit > item.legal_limit_workdays and not step.get("clock_paused"):
            legal = item.legal_limit_workdays
            zh = f"“{step['name']}”环节时限不得超过法定时限({legal}个工作日)"
            en = f"The step “{step['name_en']}” may not exceed the legal limit ({legal} working days)"
            problems.append(_problem("steps", "step_above_legal_limit", zh, en, step=code))
        own = {k: v for k, v in (("role", role), ("limit_workdays", limit)) if v != step.get(k)}
        if own:
            out[code] = own
    if problems:
        raise OverrideInvalid(detail=problems)
    return out


def set_steps(
    session: Session,
    actor: Actor,
    *,
    hall_code: str,
    item_code: str,
    settings: dict[str, dict[str, Any]],
    note: str = "",
    expected_version: int | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Set the hall's own role and time limit of the item's steps (step code → {"role", "limit_workdays"}; a step
    left out, or given the catalog's values, follows the catalog), as a new version of the hall's settings; audited.
    Everything is checked before anything is written."""
    hall = _hall(session, actor, hall_code)
    item = _item(session, item_code)
    checked = _checked_steps(item, catalog_service.item_steps(session, item.code), settings)
    row, version = _next_version(session, hall, item, expected_version, now)
    row.step_settings = checked or None
    values = {"step_settings": checked}
    _record(session, actor, hall, row, version, "catalog.override.steps", values, audited=values, note=note, now=now)
    return checked
