"""The queries of the facts (运营事实) that ``repository`` would outgrow its size with: the reads of the cockpit, the
wall screen and the forecast (``fact_sums``: the hourly facts, the hall-day rollup or the region rollup, whichever
answers the grouping), and the region rollup's upkeep (``add_to_regions``, called by ``repository.replace_facts``).

Hall rows are read through ``core.repository.hall_scope``; region rows through ``region_scope`` (the regions at or
beneath the actor's supervised region, and only when the actor sees the whole region: ``sees_region``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table, false, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smarthall.core.models import Base
from smarthall.core.repository import hall_scope, region_under
from smarthall.core.tenancy import Actor, supervises
from smarthall.operations.models import MEASURES, REGION_GRAINS, Fact, FactDay, FactRegion


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


# -- reading the facts -------------------------------------------------------------------------------------------------

GROUPS = {
    "day": Fact.day,
    "hour": Fact.hour,
    "queue": Fact.queue_code,
    "item": Fact.item_code,
    "window": Fact.window_code,
    "staff": Fact.staff_id,
    "hall": Fact.hall_code,
    "path": Fact.region_path,
}


ROLLUP_GROUPS = {
    "day": FactDay.day,
    "hour": FactDay.hour,
    "item": FactDay.item_code,
    "window": FactDay.window_code,
    "hall": FactDay.hall_code,
    "path": FactDay.region_path,
}
ROLLUP_FREE = frozenset({"day", "hall", "path"})  # every grain keeps these


def rollup_grain(group_by: Sequence[str], queue: str | None = None) -> str | None:
    """The rollup grain that answers a grouping (``None``: only the hourly facts do: by queue, staff, or two of
    hour / item / window)."""
    split = set(group_by) - ROLLUP_FREE
    if queue is not None or len(split) > 1 or not split <= {"hour", "item", "window"}:
        return None
    return next(iter(split)) if split else "day"


def fact_sums(
    session: Session,
    actor: Actor,
    *,
    region_path: str | None,
    hall_id: int | None,
    from_day: date,
    to_day: date,
    group_by: Sequence[str],
    measures: Sequence[str] = MEASURES,
    queue: str | None = None,
) -> list[dict[str, Any]]:
    """Summed measures of the facts in ``actor``'s scope, under a region or of one hall, grouped by ``group_by``:
    from the day-level rollup when one of its grains answers the grouping, from the hourly facts otherwise."""
    grain = rollup_grain(group_by, queue)
    if region_path is not None and grain in REGION_GRAINS and not set(group_by) & {"hall", "path"}:
        if sees_region(actor, region_path):
            return _region_sums(session, actor, region_path, from_day, to_day, group_by, grain, measures)
    model: Any = Fact if grain is None else FactDay
    groups = GROUPS if grain is None else ROLLUP_GROUPS
    cols = [groups[g].label(g) for g in group_by]
    sums = _SUMS[grain is None] if measures is MEASURES else _sums(model, measures)
    stmt = select(*cols, *sums).where(hall_scope(model, actor), model.day >= from_day, model.day <= to_day)
    if grain is not None:
        stmt = stmt.where(FactDay.grain == grain)
    if hall_id is not None:
        stmt = stmt.where(model.hall_id == hall_id)
    if region_path is not None:  # by hall id: the grain's unique index (hall, day, …) serves the range
        halls = _table("org_hall")
        stmt = stmt.where(model.hall_id.in_(select(halls.c.id).where(region_under(halls.c.region_path, region_path))))
    if queue is not None:
        stmt = stmt.where(Fact.queue_code == queue)
    if cols:
        stmt = stmt.group_by(*[groups[g] for g in group_by]).order_by(*[groups[g] for g in group_by])
    result = session.execute(stmt)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


REGION_GROUPS = {"day": FactRegion.day, "hour": FactRegion.hour, "item": FactRegion.item_code}


def sees_region(actor: Actor, region_path: str) -> bool:
    """``actor`` sees every hall under ``region_path`` (the system, or a supervisor of the region or above it): only
    then is the region's rollup its answer (anyone else sums the hall rows they may see)."""
    if actor.kind == "system":
        return True
    return supervises(actor) and bool(actor.region_path) and region_path.startswith(actor.region_path or "\0")


def region_scope(actor: Actor) -> Any:
    """The scope filter of the region rollup: the regions at or beneath the actor's supervised region."""
    if actor.kind == "system":
        return true()
    if not supervises(actor) or not actor.region_path:
        return false()
    return region_under(FactRegion.region_path, actor.region_path)


def _region_sums(
    session: Session,
    actor: Actor,
    region_path: str,
    from_day: date,
    to_day: date,
    group_by: Sequence[str],
    grain: str,
    measures: Sequence[str],
) -> list[dict[str, Any]]:
    """``fact_sums`` of a whole region from the region rollup: the region's own rows (one per day and grain key)."""
    cols = [REGION_GROUPS[g].label(g) for g in group_by]
    sums = _SUMS_REGION if measures is MEASURES else _sums(FactRegion, measures)
    stmt = select(*cols, *sums).where(
        region_scope(actor),
        FactRegion.grain == grain,
        FactRegion.region_path == region_path,
        FactRegion.day >= from_day,
        FactRegion.day <= to_day,
    )
    if cols:
        stmt = stmt.group_by(*[REGION_GROUPS[g] for g in group_by]).order_by(*[REGION_GROUPS[g] for g in group_by])
    result = session.execute(stmt)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def _sums(model: Any, measures: Sequence[str]) -> list[Any]:
    return [func.coalesce(func.sum(getattr(model, m)), 0).label(m) for m in measures]


_SUMS = {True: _sums(Fact, MEASURES), False: _sums(FactDay, MEASURES)}  # built once: 37 sums per statement
_SUMS_REGION = _sums(FactRegion, MEASURES)


def hourly_arrival_rows(
    session: Session, actor: Actor, hall_id: int, from_day: date, to_day: date, queue: str | None
) -> list[tuple[date, int, int]]:
    stmt = (
        select(Fact.day, Fact.hour, func.sum(Fact.arrivals))
        .where(hall_scope(Fact, actor), Fact.hall_id == hall_id, Fact.day >= from_day, Fact.day <= to_day)
        .group_by(Fact.day, Fact.hour)
        .order_by(Fact.day, Fact.hour)
    )
    if queue is not None:
        stmt = stmt.where(Fact.queue_code == queue)
    return [(d, int(h), int(n)) for d, h, n in session.execute(stmt) if n]


def region_paths(region_path: str) -> list[str]:
    """Every region at or above a hall's ``region_path`` ("690000/690100/690102/" → the province, the city, the
    county), each as its own path."""
    parts = [p for p in region_path.split("/") if p]
    return ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def add_to_regions(session: Session, day: date, delta: Mapping[tuple[str, str, int, str], Sequence[int]]) -> None:
    """Add a hall-day's change of its rollup (``(grain, hall's region_path, hour, item) → measure deltas``) to the
    region rollup of every region above the hall: an upsert that adds, so concurrent refolds of halls in one region
    commute, in one order (region, grain, hour, item) so they take the rows' locks in the same order."""
    rows = []
    for (g, path, h, i), d in delta.items():
        if not any(d):
            continue
        for region in region_paths(path):
            rows.append({"grain": g, "region_path": region, "day": day, "hour": h, "item_code": i,
                         **dict(zip(MEASURES, d, strict=True))})  # fmt: skip
    if not rows:
        return
    rows.sort(key=lambda r: (r["region_path"], r["grain"], r["hour"], r["item_code"]))
    t = _table("operations_fact_region")
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=["grain", "region_path", "day", "hour", "item_code"],
        set_={m: t.c[m] + stmt.excluded[m] for m in MEASURES},
    )
    session.execute(stmt, rows)
