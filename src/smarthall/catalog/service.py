"""The catalog as a hall sees it: which items a hall handles (inheritance by hall level, local switches), the
effective values of an item in a hall (its own promised limit, fee note and windows, ``effective_item``), search,
detail, bundles and FAQ.

``effective_item(session, hall, item_code)`` is what another domain calls for an item *in a hall* — cases compute
the promised due date from its ``promised_limit_workdays``; the consultation card shows its fee note and windows.
The hall's overrides themselves are changed in ``catalog.overrides``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from smarthall.catalog import steps
from smarthall.catalog.errors import ItemNotFound
from smarthall.catalog.models import Bundle, Faq, HallItemOverride, Item
from smarthall.catalog.repository import BundleRepository, FaqRepository, ItemRepository, OverrideRepository
from smarthall.catalog.schemas import FormFieldRead, ItemRead, ItemSummary, MaterialRead
from smarthall.core.cache import cached
from smarthall.org import service as org_service

FACTS = "catalog.facts"
# The fields of an item a hall may set for itself, in the order the pages show them.
OVERRIDABLE = ("enabled", "promised_limit_workdays", "fee_note", "window_codes")


class HallLike(Protocol):
    """A hall as the catalog needs it (``org.service.HallFacts`` or the hall row)."""

    @property
    def id(self) -> int: ...

    @property
    def code(self) -> str: ...

    @property
    def level(self) -> str: ...


@dataclass(frozen=True)
class ItemFacts:
    """What the live hall needs of an item on every request."""

    code: str
    name: str
    department_code: str
    appointment: bool


def item_facts(session: Session, code: str) -> ItemFacts:
    """An active item, cached (ItemNotFound otherwise)."""

    def load() -> ItemFacts:
        row = ItemRepository(session).facts_row(code)
        if row is None or not row.active:
            raise ItemNotFound(detail={"item_code": code})
        return ItemFacts(row.code, row.name, row.department_code, bool(row.appointment))

    return cached(session, FACTS, ("item", code), load)


def review_departments(session: Session) -> dict[str, tuple[str, ...]]:
    """Items reviewed by several departments in parallel (并联审批): item code → departments, cached."""

    def load() -> dict[str, tuple[str, ...]]:
        return {code: tuple(departments) for code, departments in ItemRepository(session).joint_reviews()}

    return cached(session, FACTS, ("review_departments",), load)


def item_steps(
    session: Session, item_code: str, version: int | None = None, *, hall_id: int | None = None
) -> list[steps.Step]:
    """The workflow steps of an item as of ``version`` (a case follows the steps of the version it was filed
    under; ``None``: the current version), every field filled (``catalog.steps``), with the hall's own role and
    time limit of a step (``catalog.overrides.set_steps``) when ``hall_id`` is given; cached."""
    declared = _item_steps(session, item_code, version)
    if hall_id is None:
        return declared

    def load() -> list[steps.Step]:
        override = OverrideRepository(session).at(hall_id, item_code)
        return steps.with_settings(declared, override.step_settings if override is not None else None)

    return cached(session, FACTS, ("hall_steps", hall_id, item_code, version), load)


def _item_steps(session: Session, item_code: str, version: int | None = None) -> list[steps.Step]:

    def load() -> list[steps.Step]:
        repo = ItemRepository(session)
        content = repo.version_content(item_code, version) if version is not None else None
        if content is None:
            row = repo.by_code(item_code)
            if row is None:
                raise ItemNotFound(detail={"item_code": item_code})
            content = {"department_code": row.department_code, "joint_review": row.joint_review,
                       "workflow": row.workflow}  # fmt: skip
        declared = content.get("workflow") or []
        return steps.effective_steps(declared, content["department_code"], content.get("joint_review") or [])

    return cached(session, FACTS, ("steps", item_code, version), load)


def item_departments(session: Session, item_code: str) -> frozenset[str]:
    """Every department with a step of the item's current version, its own included (whose approvers handle it)."""
    facts = item_facts(session, item_code)
    return frozenset(steps.departments(_item_steps(session, item_code), facts.department_code))


def step_departments(session: Session) -> dict[str, frozenset[str]]:
    """Item code → the departments with a step of the item besides its own (cross-department steps show on each
    of their work lists), for the items that have such steps; cached."""

    def load() -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for code, department, joint, declared in ItemRepository(session).step_rows():
            others = steps.departments(steps.effective_steps(declared, department, joint), department) - {department}
            if others:
                out[code] = frozenset(others)
        return out

    return cached(session, FACTS, ("step_departments",), load)


def hall_item_codes(session: Session, hall: HallLike) -> set[str]:
    """Items the hall handles: active items whose counters include the hall's level, with the hall's switches (on:
    an item it handles although its level is not listed; off: an inherited item it does not handle)."""
    active = ItemRepository(session).active()
    codes = {item.code for item in active if hall.level in item.counters}
    known = {item.code for item in active}
    for override in OverrideRepository(session).for_hall(hall.id):
        if override.enabled is True and override.item_code in known:
            codes.add(override.item_code)
        elif override.enabled is False:
            codes.discard(override.item_code)
    return codes


def hall_items(session: Session, hall: HallLike, *, fresh: bool = False) -> frozenset[str]:
    """``hall_item_codes`` of a hall, cached (``fresh``: read now, e.g. inside the transaction that changed it)."""
    if fresh:
        return frozenset(hall_item_codes(session, hall))
    return cached(session, FACTS, ("hall_items", hall.id), lambda: frozenset(hall_item_codes(session, hall)))


def window_assignments(session: Session, hall_id: int, *, fresh: bool = False) -> dict[str, frozenset[str]]:
    """The items whose windows the hall has named, with those windows' codes (cached unless ``fresh``)."""

    def load() -> dict[str, frozenset[str]]:
        return {
            o.item_code: frozenset(o.window_codes)
            for o in OverrideRepository(session).for_hall(hall_id)
            if o.window_codes
        }

    return load() if fresh else cached(session, FACTS, ("assignments", hall_id), load)


@dataclass(frozen=True)
class EffectiveItem:
    """An item as one hall offers it: the catalog's values with the hall's overrides applied."""

    code: str
    name: str
    department_code: str
    hall_code: str
    handled: bool  # the hall handles the item (inherited by level or switched on, and not switched off)
    inherited: bool  # the item's counters include the hall's level
    legal_limit_workdays: int
    promised_limit_workdays: int  # the hall's own when it set one (never above the legal limit), else the item's
    fee: float
    fee_note: str
    window_codes: tuple[str, ...]  # the hall's active windows serving the item, by code (none if not handled)
    overridden: frozenset[str]  # which of OVERRIDABLE the hall sets itself
    override_version: int | None  # None: the hall has no override of this item
    item_version: int


def _effective(session: Session, hall: HallLike, item_code: str, *, fresh: bool = False) -> EffectiveItem:
    row = ItemRepository(session).facts_row(item_code)
    if row is None or not row.active:
        raise ItemNotFound(detail={"item_code": item_code})
    override = OverrideRepository(session).at(hall.id, item_code)
    promised = row.promised_limit_workdays
    fee_note = row.fee_note or ""
    overridden: frozenset[str] = frozenset()
    if override is not None:
        overridden = frozenset(name for name in OVERRIDABLE if getattr(override, name) is not None)
        if override.promised_limit_workdays is not None:
            # A later catalog import may lower the legal limit below the hall's promise: the law wins.
            promised = min(override.promised_limit_workdays, row.legal_limit_workdays)
        if override.fee_note is not None:
            fee_note = override.fee_note
    handled = item_code in hall_items(session, hall, fresh=fresh)
    serving = org_service.hall_windows(session, hall.id, fresh=fresh) if handled else ()
    windows = tuple(sorted(w.code for w in serving if w.serves(item_code)))
    return EffectiveItem(
        code=row.code,
        name=row.name,
        department_code=row.department_code,
        hall_code=hall.code,
        handled=handled,
        inherited=hall.level in (row.counters or ()),
        legal_limit_workdays=row.legal_limit_workdays,
        promised_limit_workdays=promised,
        fee=float(row.fee or 0),
        fee_note=fee_note,
        window_codes=windows,
        overridden=overridden,
        override_version=override.version if override is not None else None,
        item_version=row.version,
    )


def effective_item(session: Session, hall: HallLike, item_code: str, *, fresh: bool = False) -> EffectiveItem:
    """The item ``item_code`` as ``hall`` offers it (cached; ItemNotFound for an unknown or retired item). A hall
    that does not handle the item still gets an answer, with ``handled`` False: the caller decides what that means.
    ``fresh`` reads past the caches (inside the transaction that changed an override)."""
    if fresh:
        return _effective(session, hall, item_code, fresh=True)
    return cached(session, FACTS, ("effective", hall.id, item_code), lambda: _effective(session, hall, item_code))


def effective_items(session: Session, hall: HallLike, codes: Iterable[str]) -> dict[str, EffectiveItem]:
    return {code: effective_item(session, hall, code) for code in codes}


# -------------------------------------------------------------------------------------------------- reading


def matches(item: Item, needle: str) -> bool:
    """Whether a search text (lower case) is in the item's name (Chinese or English), code or one of its keywords.
    Pure."""
    names = (item.name, item.code, item.name_en or "", *item.keywords)
    return any(needle in n.lower() for n in names)


def search_items(
    session: Session,
    *,
    hall: HallLike | None = None,
    q: str | None = None,
    department_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Item]]:
    """Active items by code, of a department, matching a text, handled by a hall; (total, one page).

    The catalog is the province's (hundreds of items, not hall-owned rows): keywords are a JSON list, so the text
    is matched here rather than in SQL, over the active items of the department."""
    items = ItemRepository(session).active(department_code=department_code)
    if q and q.strip():
        needle = q.strip().lower()
        items = [i for i in items if matches(i, needle)]
    if hall is not None:
        allowed = hall_items(session, hall)
        items = [i for i in items if i.code in allowed]
    return len(items), items[offset : offset + limit]


def summary(item: Item, departments: dict[str, str], effective: EffectiveItem | None = None) -> ItemSummary:
    return ItemSummary(
        code=item.code,
        name=item.name,
        name_en=item.name_en,
        department_code=item.department_code,
        department_name=departments.get(item.department_code, ""),
        type=item.type,
        legal_limit_workdays=item.legal_limit_workdays,
        promised_limit_workdays=effective.promised_limit_workdays if effective else item.promised_limit_workdays,
        fee=float(item.fee),
        online_depth=item.online_depth,
        appointment=item.appointment,
        instant_approval_eligible=item.instant_approval_eligible,
        counters=list(item.counters),
        version=item.version,
        hall_overridden=sorted(effective.overridden) if effective else [],
    )


def summaries(session: Session, items: list[Item], hall: HallLike | None = None) -> list[ItemSummary]:
    """Summaries of ``items``; with ``hall``, with the hall's own promised limits."""
    departments = org_service.department_names(session)
    return [summary(i, departments, effective_item(session, hall, i.code) if hall is not None else None) for i in items]


def get_item(session: Session, code: str) -> Item:
    """An active item with its materials and form fields (ItemNotFound otherwise)."""
    item = ItemRepository(session).with_content(code)
    if item is None or not item.active:
        raise ItemNotFound(detail={"item_code": code})
    return item


def item_fee(session: Session, code: str) -> float:
    """An active item's fee (``Item.fee``) from its one row, without loading its materials and form fields: what
    payments asks on the way to a delivery, inside the case's write transaction (ItemNotFound otherwise)."""
    row = ItemRepository(session).facts_row(code)
    if row is None or not row.active:
        raise ItemNotFound(detail={"item_code": code})
    return float(row.fee or 0)


def find_item(session: Session, code: str) -> Item | None:
    """The item with ``code``, active or retired (``None`` when there is none)."""
    return ItemRepository(session).by_code(code)


def items_by_codes(session: Session, codes: Iterable[str]) -> list[Item]:
    return ItemRepository(session).by_codes(codes)


def item_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """``code -> name`` of the items a page lists (a page shows the name; the code at most as a reference)."""
    wanted = sorted(set(codes))
    return {item.code: item.name for item in items_by_codes(session, wanted)} if wanted else {}


def active_items(session: Session, *, with_materials: bool = False) -> list[Item]:
    return ItemRepository(session).active(with_materials=with_materials)


def windows_serving(session: Session, hall: HallLike, item_code: str) -> list[org_service.WindowFacts]:
    """The hall's active windows that serve the item (its own assignment, else comprehensive ones and those
    listing it), by code."""
    windows = [w for w in org_service.hall_windows(session, hall.id) if w.serves(item_code)]
    return sorted(windows, key=lambda w: w.code)


def item_read(session: Session, item: Item, hall: HallLike | None = None) -> ItemRead:
    """An item's detail; with ``hall``, as that hall offers it (its promised limit, fee note and windows)."""
    effective = effective_item(session, hall, item.code) if hall is not None else None
    base = summary(item, org_service.department_names(session), effective)
    return ItemRead(
        **base.model_dump(),
        fee_note=(fee_note := effective.fee_note if effective else item.fee_note),
        fee_note_en=item.fee_note_en if fee_note == item.fee_note else None,  # a hall's own note has no English
        note=item.note,
        note_en=item.note_en,
        keywords=list(item.keywords),
        rules=list(item.rules),
        materials=[MaterialRead.model_validate(m, from_attributes=True) for m in item.materials],
        form_fields=[FormFieldRead.model_validate(f, from_attributes=True) for f in item.form_fields],
        windows=list(effective.window_codes) if effective else None,
        hall_code=effective.hall_code if effective else None,
        handled_here=effective.handled if effective else None,
        workflow=item_steps(session, item.code),
    )


def overrides_of(session: Session, hall: HallLike) -> list[HallItemOverride]:
    """The hall's item overrides, by item code."""
    return OverrideRepository(session).for_hall(hall.id)


def list_bundles(session: Session) -> list[Bundle]:
    return BundleRepository(session).all()


def list_faq(session: Session, *, item_code: str | None = None, q: str | None = None) -> list[Faq]:
    return FaqRepository(session).search(item_code=item_code, q=q)
