"""The catalog file format (``../shared/data/catalog.json``) as Pydantic models, with the cross-reference checks.

Every fault is collected with its path, so an import is refused with the full list at once.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smarthall.catalog import steps

RegionLevel = Literal["province", "city", "county", "township"]
HallLevel = Literal["city", "county", "township"]
ZoneType = Literal["consult_guide", "form_filling", "window_service", "self_service", "waiting", "archive_room"]
ItemType = Literal["行政许可", "行政确认", "行政裁决", "行政给付", "行政奖励", "行政备案", "公共服务", "其他"]
MaterialKind = Literal["id_card", "form", "licence", "certificate", "contract", "photo", "other"]
FieldType = Literal["text", "id_number", "phone", "uscc", "date", "number", "select", "address"]
WindowKind = Literal["comprehensive", "specialised", "help_desk", "priority"]
StaffRole = Literal["guide", "clerk", "approver", "hall_manager", "admin", "auditor"]
RuleOp = Literal["==", "!=", ">", ">=", "<", "<=", "in", "not_in"]

PREFILL_RE = re.compile(r"^(profile\.[a-z_]+|licence\.[^.\s]+\.[a-z_]+|share\.[^.\s]+\.[a-z_]+)$")
CODE = Field(min_length=1, max_length=40)
NAME = Field(min_length=1, max_length=200)
# Fifth format revision (issue 16): the English name beside the Chinese one, shown when a page is read in English;
# optional everywhere (absent: the Chinese name is shown in English too).
NAME_EN = Field(default=None, min_length=1, max_length=200, description="the name in English (optional)")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionIn(Strict):
    code: str = Field(pattern=r"^\d{6}(\d{3})?$")
    name: str = NAME
    name_en: str | None = NAME_EN
    level: RegionLevel
    parent_code: str | None
    children: list[RegionIn] = []


class ZoneIn(Strict):
    code: str = CODE
    name: str = NAME
    name_en: str | None = NAME_EN
    type: ZoneType
    floor: int | None = None


class HallIn(Strict):
    code: str = CODE
    name: str = NAME
    name_en: str | None = NAME_EN
    region_code: str
    level: HallLevel
    address: str = Field(default="", max_length=256)
    hotline: str = Field(default="", max_length=32)
    opening_hours: dict[str, Any]
    zones: list[ZoneIn] = []


class DepartmentIn(Strict):
    code: str = Field(min_length=1, max_length=16)
    name: str = NAME
    name_en: str | None = NAME_EN
    parent: str | None = None
    units: list[str] = []
    note: str | None = None


class MaterialIn(Strict):
    code: str = CODE
    name: str = NAME
    name_en: str | None = NAME_EN
    kind: MaterialKind
    required: bool
    copies: int = Field(default=1, ge=0, le=99)
    original_needed: bool = False
    e_licence_type: str | None = None
    note: str | None = None
    note_en: str | None = Field(default=None, min_length=1, description="the note in English (1.5, optional)")


class FormFieldIn(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: str = NAME
    label_en: str | None = Field(default=None, min_length=1, max_length=200, description="the label in English")
    type: FieldType
    required: bool
    prefill_from: str | None = None
    options: list[str] | None = None
    options_en: list[str] | None = Field(
        default=None, description="the options in English, one for each of ``options`` in order (1.5, optional)"
    )


class RuleIn(Strict):
    field: str
    op: RuleOp
    value: Any
    message: str = Field(min_length=1, max_length=200)
    message_en: str | None = Field(default=None, min_length=1, max_length=300, description="in English (1.5)")


class ResultLicenceIn(Strict):
    """The typed e-licence an approval of the item puts in the applicant's wallet (instead of a plain result
    record), e.g. the business licence (营业执照) of a registration. Later forms prefill from it
    (``licence.<type>.<field>``)."""

    type: str = Field(min_length=1, max_length=64, description="licence type, e.g. 营业执照")
    fields: dict[str, str] = Field(
        default_factory=dict, description="licence field → the form field of the case its value is copied from"
    )
    new_uscc: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Z]{2}$",
        description="the approval registers a new entity: the entity registry gives it a unified social credit "
        "code (统一社会信用代码) beginning with these two characters (91 enterprise, 92 individual business)",
    )


class NotThisIn(Strict):
    """A "not this" hint: when a question says ``when``, this item is the wrong one (``instead`` names the right
    sibling, if there is one)."""

    when: str = Field(min_length=1, max_length=120)
    instead: str | None = Field(default=None, pattern=r"^[A-Z]{2,4}-\d{3}$")


class WorkflowStepIn(Strict):
    """One step of an item's workflow (办理环节, fourth format revision; see ``catalog.steps``)."""

    code: str = Field(pattern=steps.STEP_CODE.pattern, description="the step's code, unique in the item")
    name: str = Field(min_length=1, max_length=60, description="the step's name in Chinese")
    name_en: str = Field(min_length=1, max_length=80, description="the step's name in English")
    stage: Literal["submitted", "supplement", "review", "suspended", "approved"]
    role: str | None = Field(default=None, max_length=32, description="who works the step (clerk, applicant, approver)")
    department_code: str | None = Field(
        default=None, description="the department working the step (default: the item's)"
    )
    limit_workdays: int | None = Field(default=None, ge=0, le=365, description="the step's time limit in working days")
    clock_paused: bool = Field(default=False, description="the case's clock stops on this step (补正, 中止, 公示)")


class ItemIn(Strict):
    code: str = Field(pattern=r"^[A-Z]{2,4}-\d{3}$")
    name: str = NAME
    name_en: str | None = NAME_EN
    department_code: str
    type: ItemType
    legal_limit_workdays: int = Field(ge=0, le=365)
    promised_limit_workdays: int = Field(ge=0, le=365)
    fee: float = Field(ge=0)
    fee_note: str | None = None
    fee_note_en: str | None = Field(default=None, min_length=1, description="the fee note in English (1.5)")
    online_depth: int = Field(ge=1, le=4)
    appointment: bool
    instant_approval_eligible: bool
    counters: list[HallLevel] = Field(min_length=1)
    materials: list[MaterialIn] = []
    form_fields: list[FormFieldIn] = []
    rules: list[RuleIn] = []
    keywords: list[str] = []
    note: str | None = None
    note_en: str | None = Field(default=None, min_length=1, description="the note in English (1.5, optional)")
    # Added in the second format revision; files without them import as before (no result licence, one department).
    result_licence: ResultLicenceIn | None = None
    joint_review: list[str] = Field(
        default_factory=list,
        description="departments reviewing the item in parallel (并联审批), the item's own department among them; "
        "each approves its part and the case is approved when every part is",
    )
    # Added in the third format revision (issue 17); files without them import as before.
    situations: list[str] = Field(
        default_factory=list,
        description="life events and plain descriptions of when the item applies, in the words citizens use "
        '("小店不开了、门面转出去了"); the assistant matches questions against them',
    )
    not_this: list[NotThisIn] = Field(
        default_factory=list,
        description="when a question says this, the item is not the one (and which sibling is)",
    )
    # Added in the fourth format revision (issue 15); files without it import with the default steps.
    workflow: list[WorkflowStepIn] = Field(
        default_factory=list,
        description="the item's steps (办理环节) in order; empty: the default (catalog.steps.default_steps)",
    )


# Item fields added after the first format revision, with the value an older file implies. The importer leaves a
# field that holds this value out of the item's content hash, so re-importing an old file bumps no version.
ADDED_ITEM_FIELDS: dict[str, Any] = {
    "name_en": None,
    "result_licence": None,
    "joint_review": [],
    "situations": [],
    "not_this": [],
    "workflow": [],
    "fee_note_en": None,
    "note_en": None,
}


class BundleIn(Strict):
    code: str = CODE
    name: str = NAME
    name_en: str | None = NAME_EN
    description: str = ""
    description_en: str | None = Field(default=None, min_length=1, description="the description in English (1.5)")
    item_codes: list[str] = Field(min_length=2)
    lead_department_code: str
    promised_limit_workdays: int = Field(ge=0, le=365)
    counters: list[HallLevel] = Field(min_length=1)
    shared_form_fields: list[FormFieldIn] = []
    extra_services: list[str] = []
    # Added in the fourth format revision (issue 15, one-thing bundles); files without them import as before.
    on_refusal: Literal["stop", "continue"] = Field(
        default="continue",
        description="when one department refuses its part: stop (the other open parts are withdrawn) or continue "
        "(the others go on and the citizen gets a partial result)",
    )
    field_map: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="item code → {the item's form field: the merged form's field it is asked as}; a field not "
        "named here is asked under its own name",
    )


# Bundle fields added after the first format revision, with the value an older file implies (left out of the hash).
ADDED_BUNDLE_FIELDS: dict[str, Any] = {
    "on_refusal": "continue",
    "field_map": {},
    "name_en": None,
    "description_en": None,
}
# Material fields added after the first revision (left out of the item's hash when they hold this value).
ADDED_MATERIAL_FIELDS: dict[str, Any] = {"name_en": None, "note_en": None}
ADDED_FORM_FIELD_FIELDS: dict[str, Any] = {"label_en": None, "options_en": None}
ADDED_RULE_FIELDS: dict[str, Any] = {"message_en": None}
ADDED_FAQ_FIELDS: dict[str, Any] = {"situations": [], "question_en": None, "answer_en": None}


class FaqIn(Strict):
    id: str = CODE
    question: str = Field(min_length=1, max_length=500)
    answer: str = Field(min_length=1, max_length=5000)
    item_code: str | None = None
    tags: list[str] = []
    # Third format revision (issue 17): when the question applies, in the words people use; optional.
    situations: list[str] = []
    # Revision 1.5 (issue 16): the question and answer in English; optional (absent: shown in Chinese).
    question_en: str | None = Field(default=None, min_length=1, max_length=1000)
    answer_en: str | None = Field(default=None, min_length=1, max_length=10000)


class WindowIn(Strict):
    code: str = CODE
    hall_code: str
    name: str = NAME
    name_en: str | None = NAME_EN
    zone_code: str | None = None
    kind: WindowKind
    item_codes: list[str] = []


class StaffIn(Strict):
    code: str = CODE
    username: str = Field(pattern=r"^[a-z][a-z0-9_.-]{2,63}$")
    name: str = NAME
    role: StaffRole
    hall_code: str
    window_code: str | None = None
    zone_code: str | None = None
    department_code: str | None = None
    duty: str | None = None
    employee_no: str | None = None


class CatalogFile(Strict):
    meta: dict[str, Any]
    regions: list[RegionIn]
    halls: list[HallIn]
    departments: list[DepartmentIn]
    items: list[ItemIn]
    bundles: list[BundleIn] = []
    faq: list[FaqIn] = []
    windows: list[WindowIn] = []
    staff: list[StaffIn] = []


Fault = tuple[tuple[str | int, ...], str]

_LEVEL_ORDER = {"province": 0, "city": 1, "county": 2, "township": 3}


def flatten_regions(regions: list[RegionIn]) -> list[tuple[tuple[str | int, ...], RegionIn]]:
    out: list[tuple[tuple[str | int, ...], RegionIn]] = []

    def walk(nodes: list[RegionIn], path: tuple[str | int, ...]) -> None:
        for i, node in enumerate(nodes):
            out.append(((*path, i), node))
            walk(node.children, (*path, i, "children"))

    walk(regions, ("regions",))
    return out


def _dupes(values: list[tuple[tuple[str | int, ...], str]], what: str) -> list[Fault]:
    seen: set[str] = set()
    faults: list[Fault] = []
    for path, value in values:
        if value in seen:
            faults.append((path, f"duplicate {what} {value!r}"))
        seen.add(value)
    return faults


def cross_check(cat: CatalogFile) -> list[Fault]:
    """Reference and consistency checks the schema alone cannot express."""
    faults: list[Fault] = []
    regions = flatten_regions(cat.regions)
    region_by_code = {r.code: r for _, r in regions}
    faults += _dupes([((*p, "code"), r.code) for p, r in regions], "region code")
    for path, region in regions:
        if region.parent_code is None:
            if region.level != "province":
                faults.append(((*path, "parent_code"), "only a province may have no parent"))
            continue
        parent = region_by_code.get(region.parent_code)
        if parent is None:
            faults.append(((*path, "parent_code"), f"unknown parent region {region.parent_code!r}"))
        elif _LEVEL_ORDER[parent.level] + 1 != _LEVEL_ORDER[region.level]:
            faults.append(((*path, "level"), f"a {region.level} cannot sit under a {parent.level}"))

    departments = {d.code for d in cat.departments}
    faults += _dupes([(("departments", i, "code"), d.code) for i, d in enumerate(cat.departments)], "department code")

    halls = {h.code: h for h in cat.halls}
    faults += _dupes([(("halls", i, "code"), h.code) for i, h in enumerate(cat.halls)], "hall code")
    zones: dict[str, str] = {}
    for i, hall in enumerate(cat.halls):
        hall_region = region_by_code.get(hall.region_code)
        if hall_region is None:
            faults.append((("halls", i, "region_code"), f"unknown region {hall.region_code!r}"))
        elif hall_region.level != hall.level:
            faults.append(
                (("halls", i, "level"), f"hall level {hall.level} does not match region level {hall_region.level}")
            )
        for j, zone in enumerate(hall.zones):
            if zone.code in zones:
                faults.append((("halls", i, "zones", j, "code"), f"duplicate zone code {zone.code!r}"))
            zones[zone.code] = hall.code

    items = {it.code: it for it in cat.items}
    faults += _dupes([(("items", i, "code"), it.code) for i, it in enumerate(cat.items)], "item code")
    for i, item in enumerate(cat.items):
        base: tuple[str | int, ...] = ("items", i)
        if item.department_code not in departments:
            faults.append(((*base, "department_code"), f"unknown department {item.department_code!r}"))
        if item.promised_limit_workdays > item.legal_limit_workdays:
            faults.append(((*base, "promised_limit_workdays"), "the promised limit exceeds the legal limit"))
        faults += _dupes([((*base, "materials", j, "code"), m.code) for j, m in enumerate(item.materials)], "material")
        faults += _dupes([((*base, "form_fields", j, "name"), f.name) for j, f in enumerate(item.form_fields)], "field")
        faults += _field_faults(item.form_fields, (*base, "form_fields"))
        field_names = {f.name for f in item.form_fields}
        for j, rule in enumerate(item.rules):
            if rule.field not in field_names and not rule.field.startswith(("profile.", "licence.", "share.")):
                faults.append(((*base, "rules", j, "field"), f"rule refers to unknown field {rule.field!r}"))
            if rule.op in ("in", "not_in") and not isinstance(rule.value, list):
                faults.append(((*base, "rules", j, "value"), f"operator {rule.op} needs a list"))
            if rule.op in (">", ">=", "<", "<=") and not isinstance(rule.value, int | float):
                faults.append(((*base, "rules", j, "value"), f"operator {rule.op} needs a number"))
        if item.instant_approval_eligible and not item.rules:
            faults.append(((*base, "rules"), "an instant-approval item needs at least one rule"))
        faults += _joint_review_faults(item, departments, (*base, "joint_review"))
        faults += _workflow_faults(item, departments, base)
        if item.result_licence is not None:
            for licence_field, form_field in item.result_licence.fields.items():
                if form_field not in field_names:
                    faults.append(
                        (
                            (*base, "result_licence", "fields", licence_field),
                            f"result licence field {licence_field!r} copies unknown form field {form_field!r}",
                        )
                    )

    for i, bundle in enumerate(cat.bundles):
        for j, code in enumerate(bundle.item_codes):
            if code not in items:
                faults.append((("bundles", i, "item_codes", j), f"unknown item {code!r}"))
        if bundle.lead_department_code not in departments:
            faults.append((("bundles", i, "lead_department_code"), "unknown department"))
        faults += _field_faults(bundle.shared_form_fields, ("bundles", i, "shared_form_fields"))
        faults += _bundle_form_faults(bundle, items, ("bundles", i))

    faults += _dupes([(("faq", i, "id"), f.id) for i, f in enumerate(cat.faq)], "FAQ id")
    for i, faq in enumerate(cat.faq):
        if faq.item_code and faq.item_code not in items:
            faults.append((("faq", i, "item_code"), f"unknown item {faq.item_code!r}"))

    windows = {w.code: w for w in cat.windows}
    faults += _dupes([(("windows", i, "code"), w.code) for i, w in enumerate(cat.windows)], "window code")
    for i, window in enumerate(cat.windows):
        if window.hall_code not in halls:
            faults.append((("windows", i, "hall_code"), f"unknown hall {window.hall_code!r}"))
        if window.zone_code and zones.get(window.zone_code) != window.hall_code:
            faults.append((("windows", i, "zone_code"), f"zone {window.zone_code!r} is not in hall {window.hall_code}"))
        for j, code in enumerate(window.item_codes):
            if code not in items:
                faults.append((("windows", i, "item_codes", j), f"unknown item {code!r}"))

    faults += _dupes([(("staff", i, "username"), s.username) for i, s in enumerate(cat.staff)], "username")
    faults += _dupes([(("staff", i, "code"), s.code) for i, s in enumerate(cat.staff)], "staff code")
    for i, person in enumerate(cat.staff):
        if person.hall_code not in halls:
            faults.append((("staff", i, "hall_code"), f"unknown hall {person.hall_code!r}"))
        if person.window_code and (
            person.window_code not in windows or windows[person.window_code].hall_code != person.hall_code
        ):
            faults.append(
                (("staff", i, "window_code"), f"window {person.window_code!r} is not in hall {person.hall_code}")
            )
        if person.department_code and person.department_code not in departments:
            faults.append((("staff", i, "department_code"), "unknown department"))
        if person.role == "approver" and not person.department_code:
            faults.append((("staff", i, "department_code"), "an approver must be bound to a department"))
    return faults


def _joint_review_faults(item: ItemIn, departments: set[str], base: tuple[str | int, ...]) -> list[Fault]:
    if not item.joint_review:
        return []
    faults: list[Fault] = [
        ((*base, j), f"unknown department {code!r}")
        for j, code in enumerate(item.joint_review)
        if code not in departments
    ]
    if len(set(item.joint_review)) != len(item.joint_review):
        faults.append((base, "a department is named twice"))
    if len(set(item.joint_review)) < 2:
        faults.append((base, "a joint review needs at least two departments"))
    if item.department_code not in item.joint_review:
        faults.append((base, f"the item's own department {item.department_code!r} must take part"))
    return faults


def _workflow_faults(item: ItemIn, departments: set[str], base: tuple[str | int, ...]) -> list[Fault]:
    declared = [s.model_dump() for s in item.workflow]
    faults = steps.faults(declared, item.department_code, departments, (*base, "workflow"))
    for j, step in enumerate(item.workflow):
        over = step.limit_workdays is not None and step.limit_workdays > item.legal_limit_workdays
        if over and not step.clock_paused:  # a paused step (公示) does not count against the legal limit
            faults.append(((*base, "workflow", j, "limit_workdays"), "a step's limit exceeds the item's legal limit"))
    if declared and item.joint_review:
        reviewers = steps.review_departments(declared, item.department_code)
        if set(reviewers) != set(item.joint_review):
            faults.append(((*base, "joint_review"), "the joint review must name the departments of the review steps"))
    return faults


def _field_faults(fields: list[FormFieldIn], base: tuple[str | int, ...]) -> list[Fault]:
    faults: list[Fault] = []
    for j, field in enumerate(fields):
        if field.type == "select" and not field.options:
            faults.append(((*base, j, "options"), "a select field needs options"))
        if field.options_en is not None and len(field.options_en) != len(field.options or []):
            faults.append(((*base, j, "options_en"), "options_en needs one English option for each option"))
        if field.prefill_from and not PREFILL_RE.match(field.prefill_from):
            faults.append(((*base, j, "prefill_from"), f"unknown prefill source {field.prefill_from!r}"))
    return faults


def _bundle_form_faults(bundle: BundleIn, items: dict[str, ItemIn], base: tuple[str | int, ...]) -> list[Fault]:
    """The bundle's merged form (``bundles.merge``): a field map naming a foreign item or field, and a merged field
    whose mapped item fields disagree on type or options, are faults."""
    from smarthall.bundles import merge

    faults: list[Fault] = []
    for code, mapping in bundle.field_map.items():
        if code not in bundle.item_codes:
            faults.append(((*base, "field_map", code), f"item {code!r} is not in the bundle"))
            continue
        names = {f.name for f in items[code].form_fields} if code in items else set()
        for item_field in mapping:
            if item_field not in names:
                faults.append(((*base, "field_map", code, item_field), f"item {code} has no field {item_field!r}"))

    def spec(f: FormFieldIn) -> merge.Field:
        return merge.Field(f.name, f.label, f.type, f.required, tuple(f.options) if f.options else None)

    members = [(code, [spec(f) for f in items[code].form_fields]) for code in bundle.item_codes if code in items]
    _, clashes = merge.merge_form([spec(f) for f in bundle.shared_form_fields], members, bundle.field_map)
    for c in clashes:
        faults.append(
            (
                (*base, "shared_form_fields", c.field),
                f"field {c.field!r} is asked once for several items but {c.item_code}.{c.item_field} has "
                f"{c.reason} {c.found!r} where {c.defined_by or 'the bundle'} has {c.expected!r}",
            )
        )
    return faults
