"""``smarthall catalog import``: validate a catalog file completely, then upsert it in one transaction.

Idempotent: every entity is matched by its code and compared by a content hash, so a second import of the same
file changes nothing and a changed file updates in place (an item's version goes up and a snapshot is kept).
Entities missing from a newer file are deactivated, not deleted, because cases and tickets refer to them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from smarthall.catalog import changes, steps
from smarthall.catalog.errors import CatalogInvalid, ImportOutOfScope, StaffNotImported
from smarthall.catalog.filemodel import (
    ADDED_BUNDLE_FIELDS,
    ADDED_FAQ_FIELDS,
    ADDED_FORM_FIELD_FIELDS,
    ADDED_ITEM_FIELDS,
    ADDED_MATERIAL_FIELDS,
    ADDED_RULE_FIELDS,
    CatalogFile,
    Fault,
    cross_check,
    flatten_regions,
)
from smarthall.catalog.models import Bundle, Faq, FormField, Item, ItemVersion, Material
from smarthall.catalog.repository import BundleRepository, FaqRepository, ItemRepository
from smarthall.core import events
from smarthall.core.clock import SystemClock
from smarthall.core.jsonpos import locate
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.core.validators import register_provinces
from smarthall.identity import staffing
from smarthall.org import service as org_service


@dataclass
class ImportReport:
    """What an import did, and (for an importer below the system) what it tried outside its part of the tree."""

    actor: Actor = SYSTEM
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    deactivated: Counter[str] = field(default_factory=Counter)
    outside: list[dict[str, str]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)  # the file's staff section, never written by import
    new_versions: list[tuple[str, int, int]] = field(default_factory=list)  # (item, version before, version now)

    def tally(self, kind: str, state: str, code: str = "", region_path: str = "") -> None:
        """Count one entity of ``kind`` as ``created``, ``updated`` or ``unchanged`` (``moved``: taken from another
        hall); a change outside the importer's part of the tree (``region_path``; empty: the province-wide catalog)
        is noted in ``outside`` and refuses the whole import."""
        if state != "unchanged" and not org_service.covers(self.actor, region_path):
            self.outside.append({"kind": kind, "code": code, "change": state})
        if state == "moved":
            return
        {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}[state][kind] += 1

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()) + sum(self.deactivated.values()))

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "deactivated": dict(self.deactivated),
        }


def content_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _fault(text: str, path: tuple[str | int, ...], message: str) -> dict[str, Any]:
    pos = locate(text, path)
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return {
        "path": dotted or "(root)",
        "line": pos[0] if pos else None,
        "column": pos[1] if pos else None,
        "message": message,
    }


def parse_catalog(text: str) -> CatalogFile:
    """Parse and check a catalog file; raise ``CatalogInvalid`` listing every fault with its line."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogInvalid(detail=[{"path": "(syntax)", "line": exc.lineno, "column": exc.colno, "message": exc.msg}])
    except RecursionError:  # arrays or objects nested thousands deep: no catalog is, and json.loads gives up
        raise CatalogInvalid(detail=[{"path": "(syntax)", "line": None, "column": None, "message": "nested too deep"}])
    try:
        catalog = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        faults = [_fault(text, tuple(err["loc"]), err["msg"]) for err in exc.errors()]
        raise CatalogInvalid(detail=faults[:200])
    problems: list[Fault] = cross_check(catalog)
    if problems:
        raise CatalogInvalid(detail=[_fault(text, path, msg) for path, msg in problems[:200]])
    return catalog


def _upsert(repo: Any, model: type[Any], code: str, values: dict[str, Any]) -> str:
    row = repo.by_code(code)
    if row is None:
        repo.add(model(code=code, **values))
        return "created"
    changed = [attr for attr, new in values.items() if getattr(row, attr) != new]
    for attr in changed:
        setattr(row, attr, values[attr])
    return "updated" if changed else "unchanged"


def _window_number(code: str) -> int:
    match = re.search(r"W(\d+)$", code)
    return int(match.group(1)) if match else 0


def import_catalog(session: Session, text: str, *, actor: Actor = SYSTEM, now: datetime | None = None) -> ImportReport:
    """Import a catalog file as ``actor`` (the console operator by default). Staff are not managed here: the file's
    ``staff`` section is never written (it is returned in the report for ``smarthall seed`` / ``staff import``),
    and an importer other than the system whose file would create or change an account is refused, as is one whose
    file changes anything outside its part of the hall tree (``org_service.covers``). All or nothing: a refusal is
    raised before the transaction commits. ``now`` (the console's clock when not given) dates the "what changed"
    notices of the items whose version goes up (``catalog.items_changed``)."""
    catalog = parse_catalog(text)
    report = ImportReport(actor=actor)

    # The hall tree (regions parents first, departments, halls with their zones) is org's to write.
    regions = [r.model_dump(exclude={"children"}) for _, r in flatten_regions(catalog.regions)]
    paths = org_service.import_regions(session, regions, report.tally)
    register_provinces(paths)
    org_service.import_departments(session, [d.model_dump() for d in catalog.departments], report.tally)
    halls = org_service.import_halls(session, [h.model_dump() for h in catalog.halls], paths, report.tally)

    seen_items: set[str] = set()
    for item_in in catalog.items:
        seen_items.add(item_in.code)
        _import_item(session, item_in.model_dump(), report)
    for stale in ItemRepository(session).active_not_in(seen_items):
        stale.active = False
        report.deactivated["items"] += 1
        if not org_service.covers(actor, ""):
            report.outside.append({"kind": "items", "code": stale.code, "change": "deactivated"})
    session.flush()

    bundles, faqs = BundleRepository(session), FaqRepository(session)
    for bundle in catalog.bundles:
        data = bundle.model_dump(exclude={"code"})
        kept = _without_defaults(data, ADDED_BUNDLE_FIELDS)
        kept["shared_form_fields"] = [_without_defaults(f, ADDED_FORM_FIELD_FIELDS) for f in data["shared_form_fields"]]
        state = _upsert(bundles, Bundle, bundle.code, {**data, "content_hash": content_hash(kept)})
        report.tally("bundles", state, bundle.code)
    for faq in catalog.faq:
        data = faq.model_dump(exclude={"id"})
        hashed = _without_defaults(data, ADDED_FAQ_FIELDS)  # older files hash as before
        report.tally("faq", _upsert(faqs, Faq, faq.id, {**data, "content_hash": content_hash(hashed)}), faq.id)

    windows = [{**w.model_dump(), "number": _window_number(w.code)} for w in catalog.windows]
    org_service.import_windows(session, windows, halls, report.tally)

    report.staff = [person.model_dump() for person in catalog.staff]
    if actor.kind != "system":
        refused = [p["username"] for p in report.staff if staffing.entry_differs(session, p)]
        if refused:
            raise StaffNotImported(detail={"staff": refused[:50]})
    if report.outside:
        raise ImportOutOfScope(detail={"outside": report.outside[:100]})
    session.flush()
    _tell_item_changes(session, report.new_versions, now or SystemClock().now())
    return report


def _tell_item_changes(session: Session, new_versions: list[tuple[str, int, int]], now: datetime) -> None:
    """Emit ``catalog.items_changed`` once for the items whose version went up, each with what changed in words
    (inside the import's transaction: the staff notices stand or fall with it). An item whose change staff do not
    act on (keywords, situations…) is left out."""
    if not new_versions:
        return
    repo = ItemRepository(session)
    names = org_service.department_names(session)
    items = []
    for code, before, version in new_versions:
        old, new = repo.version_content(code, before), repo.version_content(code, version)
        if old is None or new is None:
            continue
        found = changes.differences(old, new, names)
        if found:
            items.append({"item_code": code, "item_name": str(new.get("name") or code),
                          "department_code": str(new.get("department_code") or ""), "from_version": before,
                          "to_version": version, "changes": found})  # fmt: skip
    if items:
        events.emit(session, "catalog.items_changed", items=items, at=now)


def item_hash(data: dict[str, Any]) -> str:
    """The content hash of an item entry; a field added to the format that holds the value an older file implies is
    left out, so an unchanged item of an older file keeps its hash (and its version)."""
    kept = {k: v for k, v in data.items() if k not in ADDED_ITEM_FIELDS or v != ADDED_ITEM_FIELDS[k]}
    if "materials" in kept:
        kept["materials"] = [_without_defaults(m, ADDED_MATERIAL_FIELDS) for m in kept["materials"]]
    if "form_fields" in kept:
        kept["form_fields"] = [_without_defaults(f, ADDED_FORM_FIELD_FIELDS) for f in kept["form_fields"]]
    if "rules" in kept:
        kept["rules"] = [_without_defaults(r, ADDED_RULE_FIELDS) for r in kept["rules"]]
    return content_hash(kept)


def _without_defaults(data: dict[str, Any], added: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in added or v != added[k]}


def _step_reviewers(data: dict[str, Any]) -> list[str]:
    reviewers = steps.review_departments(data.get("workflow") or [], data["department_code"])
    return list(reviewers) if len(reviewers) > 1 else []


def _import_item(session: Session, data: dict[str, Any], report: ImportReport) -> None:
    code = data.pop("code")
    digest = item_hash(data)
    repo = ItemRepository(session)
    item = repo.by_code(code)
    if item is not None and item.content_hash == digest and item.active:
        report.tally("items", "unchanged", code)
        return
    scalar = {
        "name": data["name"],
        "name_en": data.get("name_en"),
        "department_code": data["department_code"],
        "type": data["type"],
        "legal_limit_workdays": data["legal_limit_workdays"],
        "promised_limit_workdays": data["promised_limit_workdays"],
        "fee": data["fee"],
        "fee_note": data.get("fee_note") or "",
        "fee_note_en": data.get("fee_note_en"),
        "online_depth": data["online_depth"],
        "appointment": data["appointment"],
        "instant_approval_eligible": data["instant_approval_eligible"],
        "counters": data["counters"],
        "keywords": data["keywords"],
        "rules": [_without_defaults(r, ADDED_RULE_FIELDS) for r in data["rules"]],
        "note": data.get("note") or "",
        "note_en": data.get("note_en"),
        "result_licence": data.get("result_licence"),
        # An item whose steps review in several departments is a joint review, whether the file says so or not.
        "joint_review": list(data.get("joint_review") or _step_reviewers(data)),
        "workflow": [dict(s) for s in data.get("workflow") or []],
        "situations": list(data.get("situations") or []),
        "not_this": [dict(n) for n in data.get("not_this") or []],
        "content_hash": digest,
        "active": True,
    }
    if item is None:
        item = repo.add(Item(code=code, version=1, **scalar))
        report.tally("items", "created", code)
    else:
        if item.content_hash != digest:
            item.version += 1
            report.new_versions.append((code, item.version - 1, item.version))
        for attr, value in scalar.items():
            setattr(item, attr, value)
        report.tally("items", "updated", code)
    if item.id is not None:
        # Orphans must be deleted before their replacements are inserted (unique per item and code).
        item.materials.clear()
        item.form_fields.clear()
        session.flush()
    item.materials = [
        Material(
            position=i,
            code=m["code"],
            name=m["name"],
            name_en=m.get("name_en"),
            kind=m["kind"],
            required=m["required"],
            copies=m["copies"],
            original_needed=m["original_needed"],
            e_licence_type=m["e_licence_type"],
            note=m.get("note") or "",
            note_en=m.get("note_en"),
        )
        for i, m in enumerate(data["materials"])
    ]
    item.form_fields = [
        FormField(
            position=i,
            name=f["name"],
            label=f["label"],
            label_en=f.get("label_en"),
            type=f["type"],
            required=f["required"],
            prefill_from=f["prefill_from"],
            options=f["options"],
            options_en=f.get("options_en"),
        )
        for i, f in enumerate(data["form_fields"])
    ]
    repo.flush()
    if not repo.has_version(code, item.version):
        repo.add_version(
            ItemVersion(item_code=code, version=item.version, content_hash=digest, content={"code": code, **data})
        )
