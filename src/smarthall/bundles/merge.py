"""The one form and the one set of materials of a one-thing bundle (高效办成一件事: 一张表单, 一套材料). Pure: no I/O.

A bundle names its items; each item has its own form and materials in the catalog. The merged form asks every
field once: a field of an item is the merged field of the same name, unless the bundle's ``field_map`` maps it to
another name (``{"YB-001": {"name": "baby_name"}}``: the insured person of the medical-insurance form is the baby).
The bundle's ``shared_form_fields`` come first and define label, type and options of the fields they name; a field
named by no shared field takes its definition from the first item that has it. Every item field a merged field
stands for must have the merged field's type (a ``text`` cannot feed a ``date``): a disagreement is a clash, which
the catalog import refuses. A select's options are the ones every mapped field accepts; none left is a clash too.

Materials: one e-licence type (居民身份证, 出生医学证明 …) is uploaded once for every item that needs it; a material
with no e-licence type (an item's own application form, a photo) is the item's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str
    required: bool
    options: tuple[str, ...] | None = None
    prefill_from: str | None = None


@dataclass(frozen=True)
class Target:
    item_code: str
    name: str  # the item's field (or material code)


@dataclass(frozen=True)
class MergedField:
    name: str
    label: str
    type: str
    required: bool
    options: tuple[str, ...] | None
    prefill_from: str | None
    targets: tuple[Target, ...] = field(default=())


@dataclass(frozen=True)
class Clash:
    field: str  # the merged field
    item_code: str
    item_field: str
    reason: str  # "type" | "options"
    expected: str
    found: str
    defined_by: str = ""  # the item whose field defines the merged one ("": the bundle's shared field)


def merge_form(
    shared: Sequence[Field],
    items: Sequence[tuple[str, Sequence[Field]]],
    field_map: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[MergedField], list[Clash]]:
    """(the merged fields in asking order: shared fields first, then the items' in item order; the clashes)."""
    field_map = field_map or {}
    defining: dict[str, Field] = {}
    defined_by: dict[str, str] = {}
    targets: dict[str, list[tuple[Target, Field]]] = {}
    order: list[str] = []
    for f in shared:
        if f.name not in defining:
            defining[f.name] = f
            targets[f.name] = []
            order.append(f.name)
    for item_code, fields in items:
        mapping = field_map.get(item_code, {})
        for f in fields:
            name = mapping.get(f.name, f.name)
            if name not in defining:
                defining[name] = Field(name, f.label, f.type, f.required, f.options, f.prefill_from)
                defined_by[name] = f"{item_code}.{f.name}"
                targets[name] = []
                order.append(name)
            targets[name].append((Target(item_code, f.name), f))
    merged: list[MergedField] = []
    clashes: list[Clash] = []
    for name in order:
        base = defining[name]
        options = base.options
        required = base.required
        for target, f in targets[name]:
            required = required or f.required
            if f.type != base.type:
                clashes.append(
                    Clash(name, target.item_code, target.name, "type", base.type, f.type, defined_by.get(name, ""))
                )
                continue
            if options is not None and f.options is not None:
                kept = tuple(o for o in options if o in f.options)
                if not kept:
                    clashes.append(
                        Clash(name, target.item_code, target.name, "options", "|".join(options), "|".join(f.options),
                              defined_by.get(name, ""))
                    )  # fmt: skip
                    continue
                options = kept
            elif options is None and f.options is not None:
                options = f.options
        merged.append(
            MergedField(
                name,
                base.label,
                base.type,
                required,
                options,
                base.prefill_from,
                tuple(t for t, _ in targets[name]),
            )
        )
    return merged, clashes


def split_form(merged: Sequence[MergedField], values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each item's form from the merged values: every item field gets the value of the merged field it maps to
    (fields left empty stay out, so the item's own validation reports them)."""
    out: dict[str, dict[str, Any]] = {}
    for f in merged:
        for target in f.targets:
            form = out.setdefault(target.item_code, {})
            if f.name in values and values[f.name] not in (None, ""):
                form[target.name] = values[f.name]
    return out


def item_field_origin(merged: Sequence[MergedField]) -> dict[tuple[str, str], str]:
    """(item code, item field) → the merged field asking it (to show an item's fault on the one form)."""
    return {(t.item_code, t.name): f.name for f in merged for t in f.targets}


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    kind: str
    required: bool
    e_licence_type: str | None = None


@dataclass(frozen=True)
class MergedMaterial:
    key: str
    name: str
    kind: str
    required: bool
    e_licence_type: str | None
    targets: tuple[Target, ...]


def material_key(m: Material) -> str:
    return f"licence:{m.e_licence_type}" if m.e_licence_type and m.kind != "photo" else m.code


def merge_materials(items: Sequence[tuple[str, Sequence[Material]]]) -> list[MergedMaterial]:
    """One entry per distinct material: a licence type shared by several items once, with every item's code."""
    first: dict[str, Material] = {}
    targets: dict[str, list[Target]] = {}
    required: dict[str, bool] = {}
    order: list[str] = []
    for item_code, materials in items:
        used: set[str] = set()
        for m in materials:
            key = material_key(m)
            if key in used:  # the same licence type twice in one item (e.g. an agent's ID card): its own entry
                key = m.code
            used.add(key)
            if key not in first:
                first[key] = m
                targets[key] = []
                required[key] = False
                order.append(key)
            targets[key].append(Target(item_code, m.code))
            required[key] = required[key] or m.required
    return [
        MergedMaterial(k, first[k].name, first[k].kind, required[k], first[k].e_licence_type, tuple(targets[k]))
        for k in order
    ]


def split_materials(
    merged: Sequence[MergedMaterial], given: Mapping[str, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each item's material list from the one set given (key → ``{"file_id"}`` or ``{"licence_id"}``)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for m in merged:
        source = given.get(m.key)
        if not source:
            continue
        for t in m.targets:
            out.setdefault(t.item_code, []).append({"material_code": t.name, **source})
    return out


# --- the combined result -----------------------------------------------------------------------------------------

RUNNING = frozenset({"submitted", "supplement", "review", "suspended"})
GRANTED = frozenset({"approved", "delivered"})
REFUSED = frozenset({"rejected", "refused"})
RULES = ("stop", "continue")
DEFAULT_RULE = "continue"


def combined(rule: str, statuses: Sequence[str]) -> str:
    """The bundle's state from its parts' case states, whatever order they reached them in.

    ``running`` while a part is open; ``stopped`` once a part is refused under the ``stop`` rule (the rest are
    withdrawn); then ``done`` (every part granted), ``partial`` (some granted) or ``refused`` (none)."""
    if rule == "stop" and any(s in REFUSED for s in statuses):
        return "stopped"
    if any(s in RUNNING for s in statuses):
        return "running"
    granted = sum(1 for s in statuses if s in GRANTED)
    if granted == len(statuses):
        return "done"
    return "partial" if granted else "refused"


FINISHED = frozenset({"done", "partial", "refused", "stopped"})
