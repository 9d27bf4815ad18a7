"""Catalog queries: which items a hall handles (inheritance by hall level, local overrides), search, detail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from smarthall.catalog.errors import ItemNotFound
from smarthall.catalog.models import Bundle, Faq, HallItemOverride, Item
from smarthall.catalog.schemas import FormFieldRead, ItemRead, ItemSummary, MaterialRead
from smarthall.core.cache import cached
from smarthall.org.models import Department, Hall, Window

FACTS = "catalog.facts"


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
        row = session.execute(
            select(Item.code, Item.name, Item.department_code, Item.appointment, Item.active).where(Item.code == code)
        ).one_or_none()
        if row is None or not row.active:
            raise ItemNotFound(detail={"item_code": code})
        return ItemFacts(row.code, row.name, row.department_code, bool(row.appointment))

    return cached(session, FACTS, ("item", code), load)


def review_departments(session: Session) -> dict[str, tuple[str, ...]]:
    """Items reviewed by several departments in parallel (并联审批): item code → departments, cached."""

    def load() -> dict[str, tuple[str, ...]]:
        rows = session.execute(select(Item.code, Item.joint_review)).all()
        return {code: tuple(departments) for code, departments in rows if departments}

    return cached(session, FACTS, ("review_departments",), load)


def hall_items(session: Session, hall: Any) -> frozenset[str]:
    """``hall_item_codes`` of a hall (an ORM hall or ``org_service.HallFacts``), cached."""
    return cached(session, FACTS, ("hall_items", hall.id), lambda: frozenset(hall_item_codes(session, hall)))


def _departments(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Department.code, Department.name)).all())


def hall_item_codes(session: Session, hall: Any) -> set[str]:
    """Items the hall handles: active items whose counters include the hall's level, less local switch-offs."""
    codes = {
        item.code
        for item in session.execute(select(Item).where(Item.active.is_(True))).scalars()
        if hall.level in item.counters
    }
    for override in session.execute(select(HallItemOverride).where(HallItemOverride.hall_id == hall.id)).scalars():
        if override.enabled:
            codes.add(override.item_code)
        else:
            codes.discard(override.item_code)
    return codes


def search_items(
    session: Session,
    *,
    hall: Hall | None = None,
    q: str | None = None,
    department_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Item]]:
    stmt = select(Item).where(Item.active.is_(True)).order_by(Item.code)
    if department_code:
        stmt = stmt.where(Item.department_code == department_code)
    items = list(session.execute(stmt).scalars())
    if q:
        needle = q.strip().lower()
        items = [
            i
            for i in items
            if needle in i.name.lower() or needle in i.code.lower() or any(needle in k.lower() for k in i.keywords)
        ]
    if hall is not None:
        allowed = hall_item_codes(session, hall)
        items = [i for i in items if i.code in allowed]
    return len(items), items[offset : offset + limit]


def summary(item: Item, departments: dict[str, str]) -> ItemSummary:
    return ItemSummary(
        code=item.code,
        name=item.name,
        department_code=item.department_code,
        department_name=departments.get(item.department_code, ""),
        type=item.type,
        legal_limit_workdays=item.legal_limit_workdays,
        promised_limit_workdays=item.promised_limit_workdays,
        fee=float(item.fee),
        online_depth=item.online_depth,
        appointment=item.appointment,
        instant_approval_eligible=item.instant_approval_eligible,
        counters=list(item.counters),
        version=item.version,
    )


def summaries(session: Session, items: list[Item]) -> list[ItemSummary]:
    departments = _departments(session)
    return [summary(i, departments) for i in items]


def get_item(session: Session, code: str) -> Item:
    item = session.execute(
        select(Item).where(Item.code == code).options(selectinload(Item.materials), selectinload(Item.form_fields))
    ).scalar_one_or_none()
    if item is None or not item.active:
        raise ItemNotFound(detail={"item_code": code})
    return item


def windows_serving(session: Session, hall: Hall, item_code: str) -> list[Window]:
    windows = session.execute(
        select(Window).where(Window.hall_id == hall.id, Window.active.is_(True)).order_by(Window.code)
    ).scalars()
    return [w for w in windows if w.kind == "comprehensive" or item_code in {wi.item_code for wi in w.items}]


def item_read(session: Session, item: Item, hall: Hall | None = None) -> ItemRead:
    base = summary(item, _departments(session))
    return ItemRead(
        **base.model_dump(),
        fee_note=item.fee_note,
        note=item.note,
        keywords=list(item.keywords),
        rules=list(item.rules),
        materials=[MaterialRead.model_validate(m, from_attributes=True) for m in item.materials],
        form_fields=[FormFieldRead.model_validate(f, from_attributes=True) for f in item.form_fields],
        windows=[w.code for w in windows_serving(session, hall, item.code)] if hall else None,
    )


def list_bundles(session: Session) -> list[Bundle]:
    return list(session.execute(select(Bundle).order_by(Bundle.code)).scalars())


def list_faq(session: Session, *, item_code: str | None = None, q: str | None = None) -> list[Faq]:
    stmt = select(Faq).order_by(Faq.code)
    if item_code:
        stmt = stmt.where(Faq.item_code == item_code)
    if q:
        stmt = stmt.where(or_(Faq.question.contains(q), Faq.answer.contains(q)))
    return list(session.execute(stmt).scalars())
