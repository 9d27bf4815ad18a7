"""Queries of the hall tree: regions, halls, zones, departments, windows and the calendar overrides.

Halls are the one hall-owned table that *is* the hall: its scope is "the hall's own id and path"
(``HallRepository.scope``). Regions, departments and calendar overrides belong to the province's tree, not to
one hall; they are read by code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, selectinload

from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor
from smarthall.org.models import CalendarOverride, Department, Hall, Region, Window, WindowItem, Zone

R = TypeVar("R")


def names_by_codes(session: Session, model: Any, codes: Iterable[str | None]) -> dict[str, str]:
    """``code -> name`` for the rows of ``model`` (a hall, window or zone: names are not personal data)."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    return {row.code: row.name for row in session.execute(select(model.code, model.name).where(model.code.in_(wanted)))}


def english_name_pairs(session: Session) -> list[tuple[str, str]]:
    """``(name, name_en)`` of every region, hall, zone, department and window with an English name (issue 16)."""
    pairs: list[tuple[str, str]] = []
    for model in (Region, Hall, Zone, Department, Window):
        stmt = select(model.name, model.name_en).where(model.name_en.is_not(None))
        pairs.extend((row.name, row.name_en) for row in session.execute(stmt))
    return pairs


def by_code(session: Session, model: type[R], code: str, *, key: str = "code") -> R | None:
    """The row of ``model`` whose ``key`` column equals ``code`` (the tree's entities are matched by code)."""
    stmt = select(model).where(getattr(model, key) == code)
    return session.execute(stmt).scalar_one_or_none()  # type: ignore[no-any-return]


class RegionRepository(Repository[Region]):
    model = Region

    def by_code(self, code: str) -> Region | None:
        return by_code(self.session, Region, code)

    def by_codes(self, codes: Iterable[str]) -> list[Region]:
        return list(self.session.execute(select(Region).where(Region.code.in_(list(codes)))).scalars())

    def all_by_path(self) -> list[Region]:
        return list(self.session.execute(select(Region).order_by(Region.path)).scalars())

    def codes(self) -> list[str]:
        return list(self.session.execute(select(Region.code)).scalars())

    def of_level(self, level: str) -> list[Region]:
        return list(self.session.execute(select(Region).where(Region.level == level).order_by(Region.code)).scalars())


class HallRepository(Repository[Hall]):
    model = Hall

    def scope(self, actor: Actor) -> ColumnElement[bool]:
        return hall_scope(Hall, actor, hall_column=Hall.id, path_column=Hall.region_path)

    def by_code(self, code: str) -> Hall | None:
        return by_code(self.session, Hall, code)

    def active_by_code(self, code: str) -> Hall | None:
        stmt = select(Hall).where(Hall.code == code, Hall.active.is_(True))
        return self.session.execute(stmt).scalar_one_or_none()

    def by_id(self, hall_id: int) -> Hall | None:
        return self.session.get(Hall, hall_id)

    def with_layout(self, code: str) -> Hall | None:
        """A hall with its zones and windows loaded (the hall page)."""
        stmt = select(Hall).where(Hall.code == code).options(selectinload(Hall.zones), selectinload(Hall.windows))
        return self.session.execute(stmt).scalar_one_or_none()

    def active(self) -> list[Hall]:
        stmt = select(Hall).where(Hall.active.is_(True)).order_by(Hall.region_path, Hall.code)
        return list(self.session.execute(stmt).scalars())

    def active_in_scope(self, actor: Actor) -> list[Hall]:
        """The active halls ``actor`` may see, down the tree (a supervisor's own hall first)."""
        stmt = self.scoped(actor).where(Hall.active.is_(True)).order_by(Hall.region_path, Hall.code)
        return list(self.session.execute(stmt).scalars())

    def first_of_level(self, level: str) -> Hall | None:
        stmt = select(Hall).where(Hall.level == level, Hall.active.is_(True)).order_by(Hall.id).limit(1)
        return self.session.execute(stmt).scalars().first()


class ZoneRepository(Repository[Zone]):
    model = Zone

    def by_code(self, code: str) -> Zone | None:
        return by_code(self.session, Zone, code)

    def by_codes(self, codes: Iterable[str]) -> list[Zone]:
        wanted = [c for c in codes if c]
        if not wanted:
            return []
        stmt = select(Zone).where(Zone.code.in_(wanted)).order_by(Zone.code)
        return list(self.session.execute(stmt).scalars())

    def of_type(self, hall_id: int, zone_type: str) -> list[Zone]:
        stmt = select(Zone).where(Zone.hall_id == hall_id, Zone.type == zone_type).order_by(Zone.code)
        return list(self.session.execute(stmt).scalars())


class DepartmentRepository(Repository[Department]):
    model = Department

    def by_code(self, code: str) -> Department | None:
        return by_code(self.session, Department, code)

    def all(self) -> list[Department]:
        return list(self.session.execute(select(Department).order_by(Department.code)).scalars())

    def names(self) -> dict[str, str]:
        return {row.code: row.name for row in self.session.execute(select(Department.code, Department.name))}


class WindowRepository(Repository[Window]):
    model = Window

    def by_code(self, code: str) -> Window | None:
        return by_code(self.session, Window, code)

    def exists(self, code: str) -> bool:
        return self.session.execute(select(Window.id).where(Window.code == code)).first() is not None

    def active_in_hall(self, hall_id: int) -> list[Window]:
        stmt = (
            select(Window)
            .where(Window.hall_id == hall_id, Window.active.is_(True))
            .options(selectinload(Window.items))
            .order_by(Window.number, Window.code)
        )
        return list(self.session.execute(stmt).scalars())

    def set_items(self, window: Window, item_codes: Sequence[str]) -> None:
        # Orphans are deleted before their replacements are inserted (unique per window and item).
        window.items.clear()
        self.session.flush()
        window.items = [WindowItem(item_code=code) for code in item_codes]

    def claim_if_unchanged(self, window_id: int, seen_at: datetime, now: datetime) -> bool:
        """Mark the window changed now if its row is still as last seen (``updated_at``): the optimistic check of
        a dispatch action (one conditional UPDATE; the loser of two parallel writers gets ``False``)."""
        stmt = (
            update(Window)
            .where(Window.id == window_id, Window.updated_at == seen_at)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]


class CalendarRepository(Repository[CalendarOverride]):
    model = CalendarOverride

    def for_scopes(
        self, scope_codes: Sequence[str], *, start: date | None = None, end: date | None = None
    ) -> list[CalendarOverride]:
        """The overrides at any of ``scope_codes`` (a hall's regions and the hall), optionally within [start, end]."""
        stmt = select(CalendarOverride).where(CalendarOverride.scope_code.in_(list(scope_codes)))
        if start is not None:
            stmt = stmt.where(CalendarOverride.day >= start)
        if end is not None:
            stmt = stmt.where(CalendarOverride.day <= end)
        return list(self.session.execute(stmt.order_by(CalendarOverride.day, CalendarOverride.id)).scalars())

    def at(self, scope_code: str, day: date) -> CalendarOverride | None:
        stmt = select(CalendarOverride).where(CalendarOverride.scope_code == scope_code, CalendarOverride.day == day)
        return self.session.execute(stmt).scalar_one_or_none()

    def delete(self, row: Any) -> None:
        self.session.delete(row)
