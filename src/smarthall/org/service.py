"""Hall tree queries, and the cached facts of halls and windows that the live hall reads on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smarthall.catalog.errors import HallNotFound
from smarthall.core.cache import cached
from smarthall.core.workdays import WorkCalendar
from smarthall.org.models import CalendarOverride, Department, Hall, Region, Window
from smarthall.org.schemas import HallNode, HallRead, RegionNode, WindowRead, ZoneRead

FACTS = "org.facts"


@dataclass(frozen=True)
class HallFacts:
    id: int
    code: str
    name: str
    level: str
    region_path: str
    opening_hours: dict[str, Any]


@dataclass(frozen=True)
class WindowFacts:
    id: int
    code: str
    hall_id: int
    hall_code: str
    region_path: str
    number: int
    name: str
    zone_code: str | None
    items: frozenset[str] | None  # None: a comprehensive window, serves every item of the hall

    def serves(self, item_code: str) -> bool:
        return self.items is None or item_code in self.items


def _hall_facts(hall: Hall | None, missing: dict[str, Any]) -> HallFacts:
    if hall is None or not hall.active:
        raise HallNotFound(detail=missing)
    return HallFacts(hall.id, hall.code, hall.name, hall.level, hall.region_path, dict(hall.opening_hours or {}))


def hall_facts(session: Session, code: str) -> HallFacts:
    """An active hall by code, cached (HallNotFound otherwise)."""
    return cached(
        session,
        FACTS,
        ("hall", code),
        lambda: _hall_facts(
            session.execute(select(Hall).where(Hall.code == code)).scalar_one_or_none(), {"hall_code": code}
        ),
    )


@dataclass(frozen=True)
class ScopeFacts:
    """A node of the hall tree that settings can be attached to: a region or one hall."""

    kind: str  # "region" | "hall"
    code: str
    name: str
    level: str  # province / city / county / township, or the hall's level
    region_path: str  # the region's own path, or the hall's
    hall_id: int | None


def scope_facts(session: Session, code: str) -> ScopeFacts | None:
    """The region or active hall with ``code`` (None when neither exists)."""
    region = session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is not None:
        return ScopeFacts("region", region.code, region.name, region.level, region.path, None)
    hall = session.execute(select(Hall).where(Hall.code == code, Hall.active.is_(True))).scalar_one_or_none()
    if hall is not None:
        return ScopeFacts("hall", hall.code, hall.name, hall.level, hall.region_path, hall.id)
    return None


def department_name(session: Session, code: str) -> str:
    """The department's name (its code when there is no such department)."""
    name = session.execute(select(Department.name).where(Department.code == code)).scalar_one_or_none()
    return name if name is not None else code


def region_levels(session: Session, codes: list[str]) -> dict[str, tuple[str, str]]:
    """(level, name) of each region code in ``codes``."""
    rows = session.execute(select(Region.code, Region.level, Region.name).where(Region.code.in_(codes)))
    return {code: (level, name) for code, level, name in rows}


def hall_facts_by_id(session: Session, hall_id: int) -> HallFacts:
    return cached(
        session, FACTS, ("hall_id", hall_id), lambda: _hall_facts(session.get(Hall, hall_id), {"hall_id": hall_id})
    )


def _window_facts(window: Window) -> WindowFacts:
    items = None if window.kind == "comprehensive" else frozenset(wi.item_code for wi in window.items)
    return WindowFacts(
        window.id,
        window.code,
        window.hall_id,
        window.hall.code,
        window.hall.region_path,
        window.number,
        window.name,
        window.zone_code,
        items,
    )


def window_facts(session: Session, code: str) -> WindowFacts | None:
    """An active window by code, cached (``None`` when there is none)."""

    def load() -> WindowFacts | None:
        window = session.execute(select(Window).where(Window.code == code)).scalar_one_or_none()
        return _window_facts(window) if window is not None and window.active else None

    return cached(session, FACTS, ("window", code), load)


def hall_windows(session: Session, hall_id: int) -> tuple[WindowFacts, ...]:
    """The hall's active windows by number, cached."""

    def load() -> tuple[WindowFacts, ...]:
        rows = session.execute(select(Window).where(Window.hall_id == hall_id, Window.active.is_(True))).scalars()
        return tuple(sorted((_window_facts(w) for w in rows), key=lambda w: (w.number, w.code)))

    return cached(session, FACTS, ("hall_windows", hall_id), load)


def is_workday(session: Session, hall_code: str, day: date) -> bool:
    """Whether the hall works on ``day`` (official calendar with the local overrides), cached."""

    def load() -> bool:
        hall = session.execute(select(Hall).where(Hall.code == hall_code)).scalar_one()
        return working_calendar(session, hall).is_workday(day)

    return cached(session, FACTS, ("workday", hall_code, day), load)


def departments(session: Session) -> dict[str, str]:
    """Name per department code, cached."""
    return cached(
        session, FACTS, "departments", lambda: dict(session.execute(select(Department.code, Department.name)).all())
    )


def region_tree(session: Session) -> list[RegionNode]:
    regions = list(session.execute(select(Region).order_by(Region.path)).scalars())
    nodes = {r.code: RegionNode(code=r.code, name=r.name, level=r.level, parent_code=r.parent_code) for r in regions}
    roots: list[RegionNode] = []
    for r in regions:
        parent = nodes.get(r.parent_code) if r.parent_code else None
        (parent.children if parent else roots).append(nodes[r.code])
    return roots


def list_halls(session: Session) -> list[Hall]:
    return list(session.execute(select(Hall).where(Hall.active.is_(True)).order_by(Hall.region_path)).scalars())


def parent_hall(hall: Hall, halls: list[Hall]) -> Hall | None:
    """The nearest hall in an ancestor region (a township station's county hall, a county hall's city hall)."""
    best: Hall | None = None
    for other in halls:
        if (
            other.id != hall.id
            and hall.region_path.startswith(other.region_path)
            and other.region_path != hall.region_path
        ):
            if best is None or len(other.region_path) > len(best.region_path):
                best = other
    return best


def hall_tree(session: Session) -> list[HallNode]:
    halls = list_halls(session)
    nodes = {h.code: HallNode(code=h.code, name=h.name, level=h.level, region_code=h.region_code) for h in halls}
    roots: list[HallNode] = []
    for hall in halls:
        parent = parent_hall(hall, halls)
        (nodes[parent.code].children if parent else roots).append(nodes[hall.code])
    return roots


def get_hall(session: Session, code: str) -> Hall:
    hall = session.execute(
        select(Hall).where(Hall.code == code).options(selectinload(Hall.zones), selectinload(Hall.windows))
    ).scalar_one_or_none()
    if hall is None or not hall.active:
        raise HallNotFound(detail={"hall_code": code})
    return hall


def window_read(window: Window) -> WindowRead:
    return WindowRead(
        code=window.code,
        name=window.name,
        kind=window.kind,
        number=window.number,
        zone_code=window.zone_code,
        item_codes=[wi.item_code for wi in window.items],
    )


def hall_read(session: Session, hall: Hall) -> HallRead:
    from smarthall.catalog import service as catalog_service

    parent = parent_hall(hall, list_halls(session))
    return HallRead(
        code=hall.code,
        name=hall.name,
        level=hall.level,
        region_code=hall.region_code,
        region_path=hall.region_path,
        address=hall.address,
        hotline=hall.hotline,
        opening_hours=hall.opening_hours,
        zones=[ZoneRead(code=z.code, name=z.name, type=z.type, floor=z.floor) for z in hall.zones],
        windows=[window_read(w) for w in hall.windows if w.active],
        item_count=len(catalog_service.hall_item_codes(session, hall)),
        parent_hall_code=parent.code if parent else None,
    )


def working_calendar(session: Session, hall: Hall) -> WorkCalendar:
    """The official calendar with the overrides of the hall's regions (province first) and the hall itself."""
    scopes = [code for code in hall.region_path.strip("/").split("/") if code] + [hall.code]
    rank = {code: i for i, code in enumerate(scopes)}
    rows = session.execute(select(CalendarOverride).where(CalendarOverride.scope_code.in_(scopes))).scalars()
    overrides: dict = {}
    for row in sorted(rows, key=lambda r: rank[r.scope_code]):
        overrides[row.day] = row.is_workday
    return WorkCalendar(overrides)
