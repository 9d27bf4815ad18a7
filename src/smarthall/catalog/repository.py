"""Queries of the catalog: items with their materials and form fields, item snapshots, bundles, FAQ, and the
halls' item overrides with their history.

Items, bundles and FAQ are the province's (not hall-owned): read by code or as the whole active catalog. A hall's
item overrides are hall-owned: lists of them start from ``Repository.scoped``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import selectinload

from smarthall.catalog.models import (
    Bundle,
    Faq,
    FormField,
    HallItemOverride,
    HallItemOverrideVersion,
    Item,
    ItemVersion,
    Material,
)
from smarthall.core.repository import Repository
from smarthall.core.tenancy import Actor

# A row of a Core select, its columns read by name.
AnyRow = Row[*tuple[Any, ...]]


def english_name_pairs(session: Any) -> list[tuple[str, str]]:
    """``(name, name_en)`` of every item, material and bundle with an English name, and ``(label, label_en)`` of
    every form field with an English label (issue 16)."""
    pairs: list[tuple[str, str]] = []
    for model in (Item, Material, Bundle):
        stmt = select(model.name, model.name_en).where(model.name_en.is_not(None))
        pairs.extend((row.name, row.name_en) for row in session.execute(stmt))
    labels = select(FormField.label, FormField.label_en).where(FormField.label_en.is_not(None))
    pairs.extend((row.label, row.label_en) for row in session.execute(labels))
    return pairs + english_text_pairs(session)


def english_text_pairs(session: Any) -> list[tuple[str, str]]:
    """``(text, text_en)`` of the catalog's texts given in English (format 1.5): an item's fee note and note, a
    material's note, each option of a form field, a rule's message, a bundle's description and its shared fields'
    labels, an FAQ's question and answer."""
    pairs: list[tuple[str, str]] = []
    for zh, en in ((Item.fee_note, Item.fee_note_en), (Item.note, Item.note_en), (Material.note, Material.note_en),
                   (Bundle.description, Bundle.description_en), (Faq.question, Faq.question_en),
                   (Faq.answer, Faq.answer_en)):  # fmt: skip
        pairs.extend((row[0], row[1]) for row in session.execute(select(zh, en).where(en.is_not(None))) if row[0])
    options = select(FormField.options, FormField.options_en).where(FormField.options_en.is_not(None))
    for row in session.execute(options):
        pairs.extend(zip(row.options or [], row.options_en or [], strict=False))
    for (rules,) in session.execute(select(Item.rules).where(Item.active.is_(True))):
        pairs.extend((r["message"], r["message_en"]) for r in rules or [] if r.get("message_en"))
    for (fields,) in session.execute(select(Bundle.shared_form_fields)):
        for f in fields or []:  # a bundle's shared fields: their labels (1.4) and options (1.5)
            pairs.extend([(f["label"], f["label_en"])] if f.get("label_en") else [])
            pairs.extend(zip(f.get("options") or [], f.get("options_en") or [], strict=False))
    return pairs


class ItemRepository(Repository[Item]):
    model = Item

    def by_code(self, code: str) -> Item | None:
        return self.session.execute(select(Item).where(Item.code == code)).scalar_one_or_none()

    def with_content(self, code: str) -> Item | None:
        """An item with its materials and form fields loaded."""
        stmt = (
            select(Item).where(Item.code == code).options(selectinload(Item.materials), selectinload(Item.form_fields))
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def facts_row(self, code: str) -> AnyRow | None:
        stmt = select(
            Item.code,
            Item.name,
            Item.department_code,
            Item.appointment,
            Item.active,
            Item.legal_limit_workdays,
            Item.promised_limit_workdays,
            Item.fee,
            Item.fee_note,
            Item.counters,
            Item.version,
        ).where(Item.code == code)
        return self.session.execute(stmt).one_or_none()

    def active(self, *, department_code: str | None = None, with_materials: bool = False) -> list[Item]:
        """The active items by code, optionally of one department."""
        stmt = select(Item).where(Item.active.is_(True)).order_by(Item.code)
        if department_code:
            stmt = stmt.where(Item.department_code == department_code)
        if with_materials:
            stmt = stmt.options(selectinload(Item.materials))
        return list(self.session.execute(stmt).scalars())

    def by_codes(self, codes: Iterable[str]) -> list[Item]:
        wanted = sorted(set(codes))
        if not wanted:
            return []
        return list(self.session.execute(select(Item).where(Item.code.in_(wanted)).order_by(Item.code)).scalars())

    def active_not_in(self, codes: Iterable[str]) -> list[Item]:
        stmt = select(Item).where(Item.code.not_in(list(codes)), Item.active.is_(True))
        return list(self.session.execute(stmt).scalars())

    def joint_reviews(self) -> list[tuple[str, list[str]]]:
        """(item code, departments) of every item reviewed by several departments in parallel."""
        rows = self.session.execute(select(Item.code, Item.joint_review).where(Item.joint_review.is_not(None)))
        return [(code, list(departments)) for code, departments in rows if departments]

    def add_version(self, row: ItemVersion) -> None:
        self.session.add(row)

    def version_content(self, code: str, version: int) -> dict[str, Any] | None:
        """The snapshot of the item's entry as of ``version`` (None when no snapshot was kept)."""
        stmt = select(ItemVersion.content).where(ItemVersion.item_code == code, ItemVersion.version == version)
        found = self.session.execute(stmt).scalar_one_or_none()
        return dict(found) if found is not None else None

    def step_rows(self) -> list[tuple[str, str, list[str], list[dict[str, Any]]]]:
        """(code, department, joint review, declared steps) of every active item."""
        rows = self.session.execute(
            select(Item.code, Item.department_code, Item.joint_review, Item.workflow).where(Item.active.is_(True))
        )
        return [(c, d, list(j or []), list(w or [])) for c, d, j, w in rows]

    def has_version(self, code: str, version: int) -> bool:
        stmt = select(ItemVersion.id).where(ItemVersion.item_code == code, ItemVersion.version == version)
        return self.session.execute(stmt).first() is not None


class BundleRepository(Repository[Bundle]):
    model = Bundle

    def by_code(self, code: str) -> Bundle | None:
        return self.session.execute(select(Bundle).where(Bundle.code == code)).scalar_one_or_none()

    def all(self) -> list[Bundle]:
        return list(self.session.execute(select(Bundle).order_by(Bundle.code)).scalars())


class FaqRepository(Repository[Faq]):
    model = Faq

    def by_code(self, code: str) -> Faq | None:
        return self.session.execute(select(Faq).where(Faq.code == code)).scalar_one_or_none()

    def search(self, *, item_code: str | None = None, q: str | None = None) -> list[Faq]:
        stmt = select(Faq).order_by(Faq.code)
        if item_code:
            stmt = stmt.where(Faq.item_code == item_code)
        if q:
            stmt = stmt.where(or_(Faq.question.contains(q, autoescape=True), Faq.answer.contains(q, autoescape=True)))
        return list(self.session.execute(stmt).scalars())


class OverrideRepository(Repository[HallItemOverride]):
    model = HallItemOverride

    def for_hall(self, hall_id: int) -> list[HallItemOverride]:
        stmt = select(HallItemOverride).where(HallItemOverride.hall_id == hall_id).order_by(HallItemOverride.item_code)
        return list(self.session.execute(stmt).scalars())

    def in_scope(self, actor: Actor, hall_id: int) -> list[HallItemOverride]:
        """The overrides of one hall, if ``actor`` may see it (empty otherwise)."""
        stmt = self.scoped(actor).where(HallItemOverride.hall_id == hall_id).order_by(HallItemOverride.item_code)
        return list(self.session.execute(stmt).scalars())

    def at(self, hall_id: int, item_code: str) -> HallItemOverride | None:
        stmt = select(HallItemOverride).where(
            HallItemOverride.hall_id == hall_id, HallItemOverride.item_code == item_code
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def last_version(self, hall_id: int, item_code: str) -> int:
        stmt = select(func.max(HallItemOverrideVersion.version)).where(
            HallItemOverrideVersion.hall_id == hall_id, HallItemOverrideVersion.item_code == item_code
        )
        return int(self.session.execute(stmt).scalar_one() or 0)

    def add_version(self, row: HallItemOverrideVersion) -> None:
        self.session.add(row)

    def history(self, hall_id: int, item_code: str, *, limit: int = 100) -> list[HallItemOverrideVersion]:
        stmt = (
            select(HallItemOverrideVersion)
            .where(HallItemOverrideVersion.hall_id == hall_id, HallItemOverrideVersion.item_code == item_code)
            .order_by(HallItemOverrideVersion.version.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def delete(self, row: HallItemOverride) -> None:
        self.session.delete(row)
