"""What the cockpit, the wall screen and the service-improvement page show, built from the facts (never from a scan
of tickets on a page view) and, for the records behind a figure, from bounded reads of the raw rows in scope."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.catalog import service as catalog_service
from smarthall.core.clock import SHANGHAI
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.operations import errors
from smarthall.operations import factbook as service
from smarthall.operations import facts as fold_facts
from smarthall.operations import repository as repo
from smarthall.operations.models import MEASURES
from smarthall.org import service as org_service

LEVEL_BELOW = {"province": "city", "city": "county", "county": "hall", "township": "hall"}


def cockpit(session: Session, actor: Actor, *, level: str, code: str, from_day: date, to_day: date) -> dict[str, Any]:
    args: dict[str, Any] = {"level": level, "code": code, "from_day": from_day, "to_day": to_day}
    answer = service.facts(session, actor, **args, group_by=["day"])
    trend = answer["rows"]
    rows = [_sum_rows(trend)]  # the total is the trend's sum (zeros on no day): one statement fewer
    heat = service.facts(session, actor, **args, group_by=["weekday", "hour"])["rows"]
    items = service.facts(session, actor, **args, group_by=["item"])["rows"]
    children: list[dict[str, Any]] = []
    if level != "hall":
        children = service.facts(session, actor, **args, group_by=["child"])["rows"]
        for row in children:
            scope = service.scope_of(session, row["child"])
            row["name"] = scope.name if scope else row["child"]
            row["level"] = ("hall" if scope.kind == "hall" else scope.level) if scope else "hall"
    else:
        children = service.facts(session, actor, **args, group_by=["window"])["rows"]
        for row in children:
            row["name"] = row["window"] or "—"
    items.sort(key=lambda r: -r["arrivals"])
    return {
        "scope": {"level": level, "code": answer["code"], "name": answer["name"]},
        "from": from_day.isoformat(),
        "to": to_day.isoformat(),
        "total": rows[0] if rows else None,
        "trend": trend,
        "heat": [[r["hour"], r["weekday"] - 1, r["arrivals"]] for r in heat],
        "children": children,
        "item_rows": items[:20],
        "item_names": catalog_service.item_names(session, [r["item"] for r in items[:20]]),
        "chain": _chain(session, level, code),
    }


def _sum_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The measures of ``rows`` summed, with their derived figures (what ``facts`` answers without a grouping)."""
    acc = {m: sum(int(r[m]) for r in rows) for m in MEASURES}
    return acc | fold_facts.derived(acc)


def _chain(session: Session, level: str, code: str) -> list[dict[str, str]]:
    """The way up from the scope (province first), for the drill-down breadcrumbs: the regions in one read."""
    scope = service.scope_of(session, code)
    if scope is None:
        return []
    out = [{"level": node.level, "code": node.code, "name": node.name}
           for node in org_service.chain_scopes(session, scope) if node.kind == "region"]  # fmt: skip
    if scope.kind == "hall":
        out.append({"level": "hall", "code": scope.code, "name": scope.name})
    return out


def wall(session: Session, actor: Actor, hall_code: str, *, today: date) -> dict[str, Any]:
    """The hall's wall screen: today so far, against the same weekday of the last four weeks."""
    scope = service.scope_of(session, hall_code)
    if scope is None or scope.kind != "hall" or scope.hall_id is None:
        raise errors.BadLevel(detail={"code": hall_code})
    if actor.kind == "device":
        actor.ensure_hall(scope.hall_id, scope.region_path)
    else:
        service.ensure_viewer(actor)
        org_service.managed_scope(session, actor, hall_code)
    args: dict[str, Any] = {"level": "hall", "code": hall_code}
    now_rows = service.facts(session, SYSTEM, **args, from_day=today, to_day=today, group_by=[])["rows"]
    hours = service.facts(session, SYSTEM, **args, from_day=today, to_day=today, group_by=["hour"])["rows"]
    past = [today - timedelta(days=7 * k) for k in range(1, 5)]
    usual: dict[int, float] = {}
    for d in past:
        for r in service.facts(session, SYSTEM, **args, from_day=d, to_day=d, group_by=["hour"])["rows"]:
            usual[r["hour"]] = usual.get(r["hour"], 0) + r["arrivals"] / len(past)
    month = service.facts(session, SYSTEM, **args, from_day=today - timedelta(days=30), to_day=today)["rows"]
    return {
        "hall": {"code": scope.code, "name": scope.name},
        "today": today.isoformat(),
        "now": now_rows[0] if now_rows else None,
        "month": month[0] if month else None,
        "hours": list(range(8, 18)),
        "today_by_hour": {r["hour"]: r["arrivals"] for r in hours},
        "usual_by_hour": {h: round(v, 1) for h, v in usual.items()},
    }


def improvement(
    session: Session, actor: Actor, *, level: str, code: str, from_day: date, to_day: date
) -> dict[str, Any]:
    """Service improvement (10.3): each list names the records behind it."""
    service.ensure_viewer(actor)
    scope = service.resolve(session, actor, level, code)
    start = datetime.combine(from_day, time(0), SHANGHAI).astimezone(UTC)
    end = datetime.combine(to_day + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)
    narrow: dict[str, Any] = {
        "region_path": scope.region_path if scope.kind == "region" else None,
        "hall_id": scope.hall_id,
        "start": start,
        "end": end,
    }
    bad = repo.bad_ratings(session, actor, **narrow)
    tags = Counter(t for r in bad for t in (r["tags"] or []))
    by_tag: dict[str, list[dict[str, Any]]] = {t: [] for t, _ in tags.most_common()}
    for r in bad:
        for t in r["tags"] or []:
            if len(by_tag[t]) < 5 and r["comment"]:
                by_tag[t].append(r)
    shown = [r for rows in by_tag.values() for r in rows]
    places = org_service.place_names(
        session, halls=[r["hall_code"] for r in shown], windows=[r.get("window_code") for r in shown]
    )
    by_tag = {
        t: [
            {**r, "hall_name": places.hall(r["hall_code"]), "window_name": places.window(r.get("window_code"))}
            for r in rows
        ]
        for t, rows in by_tag.items()
    }
    items = service.facts(session, actor, level=level, code=code, from_day=from_day, to_day=to_day, group_by=["item"])[
        "rows"
    ]
    slowest = sorted((r for r in items if r["handle_n"] >= 5), key=lambda r: -(r["handle_mean_min"] or 0))[:10]
    no_shows = sorted((r for r in items if r["appt_booked"] >= 5), key=lambda r: -(r["no_show_rate"] or 0))[:10]
    notices = repo.supplement_materials(session, actor, **narrow)
    per_item: Counter[str] = Counter()
    names: dict[str, str] = {}
    materials: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for n in notices:
        per_item[n["item_code"]] += 1
        names[n["item_code"]] = n["item_name"]
        examples.setdefault(n["item_code"], n["case_no"])
        for m in n["missing"] or []:
            materials[m.get("name") or m.get("code") or "?"] += 1
    halls = [
        h.code
        for h in org_service.halls_in_scope(session, actor)
        if (scope.kind == "region" and h.region_path.startswith(scope.region_path)) or h.code == scope.code
    ]
    questions = repo.unanswered_questions(session, hall_codes=halls, start=start, end=end)
    return {
        "scope": {"level": level, "code": scope.code, "name": scope.name},
        "from": from_day.isoformat(),
        "to": to_day.isoformat(),
        "bad_total": len(bad),
        "tags": [{"tag": t, "count": c, "examples": by_tag[t]} for t, c in tags.most_common()],
        "slowest": slowest,
        "notice_items": [
            {"item_code": i, "item_name": names[i], "count": c, "example": examples[i]}
            for i, c in per_item.most_common(10)
        ],  # fmt: skip
        "materials": [{"name": m, "count": c} for m, c in materials.most_common(10)],
        "questions": questions,
        "no_shows": no_shows,
        "item_names": item_names(session),
    }


def item_names(session: Session) -> dict[str, str]:
    return {i.code: i.name for i in catalog_service.active_items(session)}


# every table of the improvement page, as the columns of its export
IMPROVEMENT_TABLES: dict[str, tuple[str, ...]] = {
    "tags": ("tag", "count"),
    "slowest": ("item", "item_name", "handle_mean_min", "wait_mean_min", "served"),
    "notices": ("item_code", "item_name", "count", "example"),
    "materials": ("name", "count"),
    "questions": ("question", "n"),
    "no_shows": ("item", "item_name", "appt_booked", "appt_missed", "no_show_rate"),
}


def improvement_table(data: dict[str, Any], table: str) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """One table of ``improvement``'s answer as (columns, rows), item names filled in: what its CSV/XLSX holds."""
    names = data["item_names"]
    key = "notice_items" if table == "notices" else table
    rows = [{**r, "item_name": r.get("item_name") or names.get(r.get("item", ""), "")} for r in data[key]]
    return IMPROVEMENT_TABLES[table], rows
