"""The facts service (运营事实): fold raw records into facts (incrementally, idempotently), rebuild them, and answer the
questions of the cockpit, the wall screen, the forecast (``hourly_arrivals``) and service improvement.

The fold runs after commits, never on a page view: ``fold_changed`` reads every raw record changed since the
cursor (by ``updated_at``, with a one-minute overlap for transactions still open at the last fold) and refolds the
whole hall-day each belongs to; refolding the same records writes the same rows, so a replay is harmless.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core.clock import service_day
from smarthall.core.tenancy import SYSTEM, Actor, supervises
from smarthall.operations import errors
from smarthall.operations import facts as fold_facts
from smarthall.operations import repository as repo
from smarthall.operations.models import MEASURES
from smarthall.org import service as org_service

MAX_DAYS = 400
OVERLAP = timedelta(minutes=1)
CURSOR = "raw"
LEVELS = ("province", "city", "county", "township", "hall")
GROUP_KEYS = ("day", "hour", "weekday", "month", "queue", "item", "window", "staff", "hall", "child")
VIEW_ROLES = frozenset({"hall_manager", "admin", "auditor"})


# -- the fold ---------------------------------------------------------------------------------------------------------


def fold_hall_day(session: Session, hall_id: int, day: date) -> int:
    """Refold one hall-day from its raw records; returns the number of fact rows it has now."""
    hall = org_service.hall_facts_by_id(session, hall_id)
    raw = repo.raw_hall_day(session, hall_id, day)
    rows = fold_facts.fold(raw["tickets"], raw["bookings"], raw["cases"], raw["ratings"])
    return repo.replace_facts(
        session, hall_id=hall_id, hall_code=hall.code, region_path=hall.region_path, day=day, rows=rows
    )


def fold_changed(session: Session, *, now: datetime) -> int:
    """Fold every hall-day with a raw record changed since the last fold; returns how many hall-days were folded."""
    since = repo.cursor(session, CURSOR)
    days, latest = repo.changed_hall_days(session, None if since is None else since - OVERLAP)
    for hall_id, day in sorted(days):
        fold_hall_day(session, hall_id, day)
    if latest is not None and (since is None or latest > since):
        repo.set_cursor(session, CURSOR, latest)
    return len(days)


def refresh_today(session: Session, actor: Actor, hall_code: str, *, now: datetime) -> dict[str, Any]:
    """Fold the hall's today now (the on-demand twin of the minute job, for a manager about to read the wall screen
    or the cockpit): its facts and rollup become a recount of today's records."""
    ensure_viewer(actor)
    scope = org_service.managed_scope(session, actor, hall_code)
    if scope.kind != "hall" or scope.hall_id is None:
        raise errors.BadLevel(detail={"code": hall_code})
    day = service_day(now)
    rows = fold_hall_day(session, scope.hall_id, day)
    return {"hall_code": scope.code, "day": day.isoformat(), "fact_rows": rows, "at": now.isoformat()}


def rebuild(
    session: Session,
    *,
    now: datetime,
    hall_ids: Sequence[int] | None = None,
    folded: frozenset[tuple[int, date]] = frozenset(),
) -> int:
    """Drop and refold the facts of every hall (the cursor moves to the latest change), or refold some halls' days
    (the cursor stays: their later changes are folded by the minute job as usual). ``folded``: hall-days whose
    facts were just written from the very records in memory (the generated history), not read back."""
    if hall_ids is None:
        repo.delete_all_facts(session)
        days, latest = repo.changed_hall_days(session, None)
    else:
        days, latest = repo.all_hall_days(session, hall_ids), None
    for hall_id, day in sorted(days - folded):
        fold_hall_day(session, hall_id, day)
    if latest is not None:
        repo.set_cursor(session, CURSOR, latest)
    elif repo.cursor(session, CURSOR) is None:  # the first facts: later changes only, from now on
        repo.set_cursor(session, CURSOR, now)
    return len(days)


# -- reading -----------------------------------------------------------------------------------------------------------


def ensure_viewer(actor: Actor) -> None:
    if actor.kind == "system":
        return
    if not (actor.kind == "staff" and actor.role in VIEW_ROLES):
        raise errors.NotAManager()


def hourly_arrivals(
    session: Session, scope: Actor, hall_code: str, from_day: date, to_day: date, queue: str | None = None
) -> list[tuple[date, int, int]]:
    """Arrivals (tickets issued) per (day, hour) of one hall from the facts, days and hours without arrivals left
    out; ``queue`` narrows to one queue (the ticket prefix letter). Raises UnknownScope/ScopeNotManaged for a hall
    that does not exist or is not in ``scope``'s view."""
    hall = org_service.managed_scope(session, scope, hall_code)
    if hall.kind != "hall" or hall.hall_id is None:
        raise errors.BadLevel(detail={"code": hall_code})
    return repo.hourly_arrival_rows(session, scope, hall.hall_id, from_day, to_day, queue)


def _check_range(from_day: date, to_day: date) -> None:
    if from_day > to_day or (to_day - from_day).days + 1 > MAX_DAYS:
        raise errors.BadRange(detail={"from": from_day.isoformat(), "to": to_day.isoformat(), "max_days": MAX_DAYS})


def scope_of(session: Session, code: str) -> org_service.ScopeFacts | None:
    """``org_service.scope_facts`` remembered for the request (a cockpit names its scope, chain and children many
    times over; the session lives for one request)."""
    memo: dict[str, org_service.ScopeFacts | None] = session.info.setdefault("operations.scopes", {})
    if code not in memo:
        memo[code] = org_service.scope_facts(session, code)
    return memo[code]


def resolve(session: Session, actor: Actor, level: str, code: str) -> org_service.ScopeFacts:
    if level not in LEVELS:
        raise errors.BadLevel(detail={"level": level})
    memo: dict[tuple[Any, ...], org_service.ScopeFacts] = session.info.setdefault("operations.resolved", {})
    key = (actor.kind, actor.id, actor.role, level, code)
    if key in memo:
        return memo[key]
    scope = org_service.managed_scope(session, actor, code)
    session.info.setdefault("operations.scopes", {})[code] = scope  # ``scope_of`` need not read it again
    if (level == "hall") != (scope.kind == "hall") or (scope.kind == "region" and scope.level != level):
        raise errors.BadLevel(detail={"level": level, "code": code, "actual": scope.level})
    memo[key] = scope
    return scope


def facts(
    session: Session,
    actor: Actor,
    *,
    level: str,
    code: str,
    from_day: date,
    to_day: date,
    group_by: Sequence[str] = (),
) -> dict[str, Any]:
    """Summed facts of a region or hall over days, grouped; each row carries its measures and derived figures."""
    ensure_viewer(actor)
    _check_range(from_day, to_day)
    bad = [g for g in group_by if g not in GROUP_KEYS]
    if bad or len(group_by) > 3:
        raise errors.BadGroup(detail={"group_by": list(group_by), "allowed": list(GROUP_KEYS)})
    scope = resolve(session, actor, level, code)
    sql_groups: list[str] = []
    for g in group_by:
        base = {"weekday": "day", "month": "day", "child": "path" if scope.kind == "region" else "window"}.get(g, g)
        if g == "child" and scope.kind == "region":
            sql_groups += ["path", "hall"]
        elif base not in sql_groups:
            sql_groups.append(base)
    rows = repo.fact_sums(
        session,
        actor,
        region_path=scope.region_path if scope.kind == "region" else None,
        hall_id=scope.hall_id,
        from_day=from_day,
        to_day=to_day,
        group_by=sql_groups,
    )
    children = _children(session, scope) if "child" in group_by else {}
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(_group_value(g, row, scope, children) for g in group_by)
        acc = merged.get(key)
        if acc is None:
            acc = merged[key] = {**dict(zip(group_by, key, strict=True)), **dict.fromkeys(MEASURES, 0)}
        for m in MEASURES:
            acc[m] += int(row[m] or 0)
    out = []
    for key in sorted(merged, key=lambda k: tuple(str(x) for x in k)):
        acc = merged[key]
        acc |= fold_facts.derived(acc)
        out.append(acc)
    return {
        "level": level,
        "code": scope.code,
        "name": scope.name,
        "from": from_day.isoformat(),
        "to": to_day.isoformat(),
        "group_by": list(group_by),
        "rows": out,
    }


def _children(session: Session, scope: org_service.ScopeFacts) -> dict[str, tuple[str, str]]:
    """Region path of each child of ``scope`` → (code, name): the next level down, with the halls that sit directly
    in the region keyed ``hall:<code>``."""
    out: dict[str, tuple[str, str]] = {}

    def find(nodes: Sequence[Any]) -> Any:
        for node in nodes:
            if node.code == scope.code:
                return node
            if (hit := find(node.children)) is not None:
                return hit
        return None

    node = find(org_service.region_tree(session))
    for child in node.children if node is not None else ():
        facts_ = scope_of(session, child.code)
        if facts_ is not None:
            out[facts_.region_path] = (child.code, child.name)
    for hall in org_service.list_halls(session):
        if hall.region_code == scope.code:
            out[f"hall:{hall.code}"] = (hall.code, hall.name)
    return out


def _group_value(g: str, row: dict[str, Any], scope: org_service.ScopeFacts, children: dict[str, Any]) -> Any:
    if g == "day":
        return row["day"].isoformat()
    if g == "weekday":
        return row["day"].isoweekday()
    if g == "month":
        return row["day"].strftime("%Y-%m")
    if g == "child":
        if scope.kind == "hall":
            return row["window"]
        hall_key = f"hall:{row['hall']}"
        if hall_key in children:
            return children[hall_key][0]
        best = max((p for p in children if not p.startswith("hall:") and row["path"].startswith(p)), key=len,
                   default=None)  # fmt: skip
        return children[best][0] if best else row["hall"]
    return row[g]


def scope_label(session: Session, code: str) -> str:
    scope = scope_of(session, code)
    return scope.name if scope else code


def default_code(session: Session, actor: Actor) -> tuple[str, str]:
    """The widest scope ``actor`` manages: (level, code) of its supervised region, or of its own hall."""
    if supervises(actor) and actor.region_path:
        code = actor.region_path.rstrip("/").split("/")[-1]
        scope = org_service.scope_facts(session, code)
        if scope is not None and scope.kind == "region":
            return scope.level, scope.code
    return "hall", actor.hall_code or ""


def group_rows(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


__all__ = ["SYSTEM", "fold_changed", "fold_hall_day", "hourly_arrivals", "facts", "rebuild", "refresh_today"]
