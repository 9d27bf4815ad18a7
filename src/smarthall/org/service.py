"""Hall tree use cases, and the cached facts of halls and windows that the live hall reads on every request.

The facts (``HallFacts``, ``WindowFacts``) are what other domains hold of a hall or window: small frozen values,
cached per process in ``Database.cache`` (namespace ``FACTS``) and emptied when a row they are built from changes.
A window's items are the items it serves *in its hall*: its own list, corrected by the hall's item overrides that
name the windows serving an item (``catalog.service.window_assignments``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from smarthall.core.cache import cached, invalidate
from smarthall.core.tenancy import Actor, supervises
from smarthall.core.workdays import WorkCalendar
from smarthall.org.errors import HallNotFound, ScopeNotManaged, UnknownScope
from smarthall.org.models import Department, Hall, Region, Window, Zone
from smarthall.org.repository import (
    CalendarRepository,
    DepartmentRepository,
    HallRepository,
    RegionRepository,
    WindowRepository,
    ZoneRepository,
    names_by_codes,
)
from smarthall.org.schemas import HallNode, HallRead, RegionNode, WindowRead, ZoneRead

FACTS = "org.facts"


class HallLike(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def region_path(self) -> str: ...


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


def facts_of(hall: Hall) -> HallFacts:
    """The facts of a hall row (for callers that hold the row already)."""
    return HallFacts(hall.id, hall.code, hall.name, hall.level, hall.region_path, dict(hall.opening_hours or {}))


def _hall_facts(hall: Hall | None, missing: dict[str, Any]) -> HallFacts:
    if hall is None or not hall.active:
        raise HallNotFound(detail=missing)
    return facts_of(hall)


def hall_facts(session: Session, code: str) -> HallFacts:
    """An active hall by code, cached (HallNotFound otherwise)."""
    return cached(
        session, FACTS, ("hall", code), lambda: _hall_facts(HallRepository(session).by_code(code), {"hall_code": code})
    )


def hall_facts_by_id(session: Session, hall_id: int) -> HallFacts:
    return cached(
        session,
        FACTS,
        ("hall_id", hall_id),
        lambda: _hall_facts(HallRepository(session).by_id(hall_id), {"hall_id": hall_id}),
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
    region = RegionRepository(session).by_code(code)
    if region is not None:
        return ScopeFacts("region", region.code, region.name, region.level, region.path, None)
    hall = HallRepository(session).active_by_code(code)
    if hall is not None:
        return ScopeFacts("hall", hall.code, hall.name, hall.level, hall.region_path, hall.id)
    return None


def department_name(session: Session, code: str) -> str:
    """The department's name (its code when there is no such department)."""
    department = DepartmentRepository(session).by_code(code)
    return department.name if department is not None else code


def manages_scope(actor: Actor, scope: ScopeFacts) -> bool:
    """Whether ``actor`` manages ``scope``: a hall it may see, or a region at or beneath the one it supervises."""
    if scope.kind == "hall":
        assert scope.hall_id is not None
        return actor.can_see_hall(scope.hall_id, scope.region_path)
    return actor.kind == "system" or (supervises(actor) and scope.region_path.startswith(actor.region_path or "\0"))


def managed_scope(session: Session, actor: Actor, code: str) -> ScopeFacts:
    """``code`` (a region or hall) if ``actor`` manages it; UnknownScope or ScopeNotManaged otherwise."""
    scope = scope_facts(session, code)
    if scope is None:
        raise UnknownScope(detail={"scope_code": code})
    if not manages_scope(actor, scope):
        raise ScopeNotManaged(detail={"scope_code": code})
    return scope


def chain_scopes(session: Session, hall: HallLike) -> list[ScopeFacts]:
    """The scopes above and at ``hall``, province first: its regions, then the hall itself."""
    codes = chain(hall)
    regions = {r.code: r for r in RegionRepository(session).by_codes(codes)}
    out = [ScopeFacts("region", r.code, r.name, r.level, r.path, None) for code in codes if (r := regions.get(code))]
    own = HallRepository(session).by_code(hall.code)
    if own is not None:
        out.append(ScopeFacts("hall", own.code, own.name, own.level, own.region_path, own.id))
    return out


def chain(hall: HallLike) -> list[str]:
    """The scope codes that may hold a setting for ``hall``, farthest first: its regions, then the hall (a region
    given as ``hall`` is its own last link)."""
    codes = [code for code in hall.region_path.strip("/").split("/") if code]
    return codes if codes and codes[-1] == hall.code else [*codes, hall.code]


def region_levels(session: Session, codes: list[str]) -> dict[str, tuple[str, str]]:
    """(level, name) of each region code in ``codes``."""
    return {r.code: (r.level, r.name) for r in RegionRepository(session).by_codes(codes)}


def region_codes(session: Session) -> list[str]:
    return RegionRepository(session).codes()


def provinces(session: Session) -> list[ScopeFacts]:
    """The provinces of the hall tree (one in a platform that serves one province)."""
    regions = RegionRepository(session).of_level("province")
    return [ScopeFacts("region", r.code, r.name, r.level, r.path, None) for r in regions]


# ------------------------------------------------------------------------------------------------------- windows


def serving_items(
    own: frozenset[str] | None,
    window_code: str,
    assignments: Mapping[str, frozenset[str]],
    hall_items: Callable[[], frozenset[str]],
) -> frozenset[str] | None:
    """The items a window serves in its hall: its own list (``None``: every item of the hall), less the items the
    hall assigned to other windows only, plus the items assigned to it. Pure."""
    if not assignments:
        return own
    assigned = {item for item, windows in assignments.items() if window_code in windows}
    excluded = {item for item, windows in assignments.items() if window_code not in windows}
    if own is None:
        everything = hall_items()
        if not excluded & everything:
            return None
        return frozenset((everything - excluded) | assigned)
    return frozenset((own - excluded) | assigned)


def _own_items(window: Window) -> frozenset[str] | None:
    return None if window.kind == "comprehensive" else frozenset(wi.item_code for wi in window.items)


def _window_facts(session: Session, window: Window, *, fresh: bool = False) -> WindowFacts:
    from smarthall.catalog import service as catalog_service

    hall = window.hall
    items = serving_items(
        _own_items(window),
        window.code,
        catalog_service.window_assignments(session, hall.id, fresh=fresh),
        lambda: catalog_service.hall_items(session, hall, fresh=fresh),
    )
    return WindowFacts(
        window.id,
        window.code,
        window.hall_id,
        hall.code,
        hall.region_path,
        window.number,
        window.name,
        window.zone_code,
        items,
    )


def window_facts(session: Session, code: str) -> WindowFacts | None:
    """An active window by code, cached (``None`` when there is none)."""

    def load() -> WindowFacts | None:
        window = WindowRepository(session).by_code(code)
        return _window_facts(session, window) if window is not None and window.active else None

    return cached(session, FACTS, ("window", code), load)


def hall_windows(session: Session, hall_id: int, *, fresh: bool = False) -> tuple[WindowFacts, ...]:
    """The hall's active windows by number, cached (``fresh``: read now, inside the transaction that changed them)."""

    def load() -> tuple[WindowFacts, ...]:
        rows = WindowRepository(session).active_in_hall(hall_id)
        return tuple(sorted((_window_facts(session, w, fresh=fresh) for w in rows), key=lambda w: (w.number, w.code)))

    return load() if fresh else cached(session, FACTS, ("hall_windows", hall_id), load)


def listed_windows(session: Session, hall_id: int, item_code: str) -> list[str]:
    """The codes of the hall's active windows that serve an item by their own lists (comprehensive ones, and those
    naming it): what the hall offers when it names no windows itself."""
    return [
        w.code
        for w in sorted(WindowRepository(session).active_in_hall(hall_id), key=lambda w: w.code)
        if (own := _own_items(w)) is None or item_code in own
    ]


def active_window_codes(session: Session, hall_id: int) -> set[str]:
    return {w.code for w in WindowRepository(session).active_in_hall(hall_id)}


def hall_window_rows(session: Session, hall_id: int) -> list[Window]:
    """The hall's active windows (rows, with their item lists), by number."""
    return WindowRepository(session).active_in_hall(hall_id)


def window_read(window: Window) -> WindowRead:
    fields = ("code", "name", "name_en", "kind", "number", "zone_code")
    return WindowRead(**{f: getattr(window, f) for f in fields}, item_codes=[wi.item_code for wi in window.items])


def find_window(session: Session, code: str) -> Window | None:
    return WindowRepository(session).by_code(code)


# ------------------------------------------------------------------------------------------------------- calendar


def working_calendar(session: Session, hall: HallLike) -> WorkCalendar:
    """The official calendar with the overrides of the hall's regions (province first) and the hall itself."""
    scopes = chain(hall)
    rank = {code: i for i, code in enumerate(scopes)}
    overrides: dict[date, bool] = {}
    for row in sorted(CalendarRepository(session).for_scopes(scopes), key=lambda r: rank[r.scope_code]):
        overrides[row.day] = row.is_workday
    return WorkCalendar(overrides)


def is_workday(session: Session, hall_code: str, day: date) -> bool:
    """Whether the hall works on ``day`` (official calendar with the local overrides), cached."""
    return cached(
        session,
        FACTS,
        ("workday", hall_code, day),
        lambda: working_calendar(session, hall_facts(session, hall_code)).is_workday(day),
    )


# ---------------------------------------------------------------------------------------------------- hall tree


def region_tree(session: Session) -> list[RegionNode]:
    regions = RegionRepository(session).all_by_path()
    nodes = {r.code: RegionNode(code=r.code, name=r.name, level=r.level, parent_code=r.parent_code) for r in regions}
    roots: list[RegionNode] = []
    for r in regions:
        parent = nodes.get(r.parent_code) if r.parent_code else None
        (parent.children if parent else roots).append(nodes[r.code])
    return roots


def list_halls(session: Session) -> list[Hall]:
    return HallRepository(session).active()


def halls_in_scope(session: Session, actor: Actor) -> list[Hall]:
    """The active halls ``actor`` may see (its own, and beneath it for a supervisor), by region path."""
    return HallRepository(session).active_in_scope(actor)


def find_hall(session: Session, code: str) -> Hall | None:
    """The hall row with ``code``, active or not (``None`` when there is none)."""
    return HallRepository(session).by_code(code)


def hall_by_id(session: Session, hall_id: int) -> Hall | None:
    return HallRepository(session).by_id(hall_id)


def first_hall_of_level(session: Session, level: str) -> Hall | None:
    return HallRepository(session).first_of_level(level)


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
    """An active hall with its zones and windows (HallNotFound otherwise)."""
    hall = HallRepository(session).with_layout(code)
    if hall is None or not hall.active:
        raise HallNotFound(detail={"hall_code": code})
    return hall


def hall_read(session: Session, hall: Hall) -> HallRead:
    from smarthall.catalog import service as catalog_service

    parent = parent_hall(hall, list_halls(session))
    return HallRead(
        code=hall.code,
        name=hall.name,
        name_en=hall.name_en,
        level=hall.level,
        region_code=hall.region_code,
        region_path=hall.region_path,
        address=hall.address,
        hotline=hall.hotline,
        opening_hours=hall.opening_hours,
        zones=[ZoneRead.model_validate(z, from_attributes=True) for z in hall.zones],
        windows=[window_read(w) for w in hall.windows if w.active],
        item_count=len(catalog_service.hall_item_codes(session, hall)),
        parent_hall_code=parent.code if parent else None,
    )


# ------------------------------------------------------------------------------------- departments and zones


def departments(session: Session) -> list[Department]:
    return DepartmentRepository(session).all()


@dataclass(frozen=True)
class PlaceNames:
    """The names a page shows for hall, window and zone codes (a code without a row keeps its code)."""

    halls: dict[str, str]
    windows: dict[str, str]
    zones: dict[str, str]

    def hall(self, code: str | None) -> str:
        return self.halls.get(code, code) if code else ""

    def window(self, code: str | None) -> str:
        return self.windows.get(code, code) if code else ""

    def zone(self, code: str | None) -> str:
        return self.zones.get(code, code) if code else ""


def place_names(
    session: Session,
    *,
    halls: Iterable[str | None] = (),
    windows: Iterable[str | None] = (),
    zones: Iterable[str | None] = (),
) -> PlaceNames:
    return PlaceNames(
        names_by_codes(session, Hall, halls),
        names_by_codes(session, Window, windows),
        names_by_codes(session, Zone, zones),
    )


def department_names(session: Session) -> dict[str, str]:
    """Department name per code, cached (emptied when a department changes)."""
    return cached(session, FACTS, "departments", lambda: DepartmentRepository(session).names())


def find_department(session: Session, code: str) -> Department | None:
    return DepartmentRepository(session).by_code(code)


def zones_by_codes(session: Session, codes: Iterable[str | None]) -> list[Zone]:
    return ZoneRepository(session).by_codes(c for c in codes if c)


def zones_of_type(session: Session, hall_id: int, zone_type: str) -> list[Zone]:
    """The hall's zones of one type (``consult_guide``, ``waiting``, ...), by code."""
    return ZoneRepository(session).of_type(hall_id, zone_type)


# ------------------------------------------------------------------------------------------------ import


Tally = Callable[[str, str, str, str], None]  # (kind, created/updated/unchanged/moved, code, region path)


def covers(actor: Actor, region_path: str) -> bool:
    """Whether ``actor`` may write a part of the hall tree at ``region_path`` (empty: the province-wide catalog —
    items, departments — which only the system or a province-level supervisor writes)."""
    if actor.kind == "system":
        return True
    if not supervises(actor) or not actor.region_path:
        return False
    if not region_path:
        return actor.region_path.strip("/").count("/") == 0
    return region_path.startswith(actor.region_path)


def _upsert(session: Session, repo: Any, model: type[Any], code: str, values: dict[str, Any]) -> tuple[Any, str]:
    row = repo.by_code(code)
    if row is None:
        row = model(code=code, **values)
        session.add(row)
        return row, "created"
    changed = False
    for attr, new in values.items():
        if getattr(row, attr) != new:
            setattr(row, attr, new)
            changed = True
    return row, "updated" if changed else "unchanged"


def _moved(session: Session, kind: str, row: Zone | Window | None, hall_id: int, tally: Tally) -> None:
    """A zone or window taken from another hall changes that hall too (its scope is checked as well)."""
    if row is not None and row.hall_id != hall_id:
        old = HallRepository(session).by_id(row.hall_id)
        tally(kind, "moved", row.code, old.region_path if old is not None else "")


def import_regions(session: Session, regions: Iterable[dict[str, Any]], tally: Tally) -> dict[str, str]:
    """Upsert regions given parents first; returns each region's path from the province down."""
    repo = RegionRepository(session)
    paths: dict[str, str] = {}
    for region in regions:
        parent = region["parent_code"]
        path = (paths[parent] if parent else "") + region["code"] + "/"
        paths[region["code"]] = path
        values = {"name": region["name"], "name_en": region.get("name_en"), "level": region["level"],
                  "parent_code": parent, "path": path}  # fmt: skip
        tally("regions", _upsert(session, repo, Region, region["code"], values)[1], region["code"], path)
    session.flush()
    return paths


def import_departments(session: Session, departments_in: Iterable[dict[str, Any]], tally: Tally) -> None:
    repo = DepartmentRepository(session)
    for dept in departments_in:
        values = {
            "name": dept["name"],
            "name_en": dept.get("name_en"),
            "parent_name": dept["parent"],
            "units": dept["units"],
            "note": dept["note"] or "",
        }
        tally("departments", _upsert(session, repo, Department, dept["code"], values)[1], dept["code"], "")
    session.flush()


def import_halls(
    session: Session, halls_in: Iterable[dict[str, Any]], paths: Mapping[str, str], tally: Tally
) -> dict[str, Hall]:
    """Upsert halls and their zones; returns the hall rows by code."""
    halls_repo, zones_repo = HallRepository(session), ZoneRepository(session)
    halls: dict[str, Hall] = {}
    for hall_in in halls_in:
        values = {
            "name": hall_in["name"],
            "name_en": hall_in.get("name_en"),
            "level": hall_in["level"],
            "region_code": hall_in["region_code"],
            "region_path": paths[hall_in["region_code"]],
            "address": hall_in["address"],
            "hotline": hall_in["hotline"],
            "opening_hours": hall_in["opening_hours"],
            "active": True,
        }
        hall, state = _upsert(session, halls_repo, Hall, hall_in["code"], values)
        tally("halls", state, hall_in["code"], values["region_path"])
        session.flush()
        halls[hall.code] = hall
        for zone in hall_in["zones"]:
            zone_values = {"hall_id": hall.id, **{k: zone.get(k) for k in ("name", "name_en", "type", "floor")}}
            _moved(session, "zones", zones_repo.by_code(zone["code"]), hall.id, tally)
            state = _upsert(session, zones_repo, Zone, zone["code"], zone_values)[1]
            tally("zones", state, zone["code"], hall.region_path)
    return halls


def import_windows(
    session: Session, windows_in: Iterable[dict[str, Any]], halls: Mapping[str, Hall], tally: Tally
) -> None:
    """Upsert windows with the items each serves; a changed item list counts as an update of the window."""
    repo = WindowRepository(session)
    for window_in in windows_in:
        values = {
            "hall_id": halls[window_in["hall_code"]].id,
            "zone_code": window_in["zone_code"],
            "name": window_in["name"],
            "name_en": window_in.get("name_en"),
            "kind": window_in["kind"],
            "number": window_in["number"],
            "active": True,
        }
        _moved(session, "windows", repo.by_code(window_in["code"]), values["hall_id"], tally)
        window, state = _upsert(session, repo, Window, window_in["code"], values)
        wanted = sorted(set(window_in["item_codes"]))
        if sorted(wi.item_code for wi in window.items) != wanted:
            repo.set_items(window, wanted)
            state = "created" if state == "created" else "updated"
        tally("windows", state, window_in["code"], halls[window_in["hall_code"]].region_path)
    session.flush()


def window_version(session: Session, code: str) -> str | None:
    """A window's version for optimistic checks (its row's last change), ``None`` when there is no such window."""
    window = WindowRepository(session).by_code(code)
    return window.updated_at.isoformat() if window is not None else None


def extend_window_items(
    session: Session, actor: Actor, *, window_code: str, item_codes: Iterable[str], version: str, now: Any
) -> bool:
    """Let a window also serve ``item_codes`` (a dispatch action), if the window is still at ``version``;
    ``False`` when it changed meanwhile (nothing written). A comprehensive window serves every item already."""
    from datetime import datetime

    repo = WindowRepository(session)
    window = repo.by_code(window_code)
    if window is None:
        return False
    try:
        seen = datetime.fromisoformat(version)
    except ValueError:
        return False
    if not repo.claim_if_unchanged(window.id, seen, now):
        return False
    invalidate(session, FACTS)
    session.refresh(window)
    if window.kind != "comprehensive":
        repo.set_items(window, sorted({wi.item_code for wi in window.items} | set(item_codes)))
        session.flush()
    return True
