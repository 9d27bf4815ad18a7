"""Operations use cases: the live console and its dispatch actions (§10.1), the forecast and the staffing plan
(§10.4). Queries are in ``repository``; the pure parts in ``dispatch``, ``forecast``, ``erlang``.

The console reads the queue through ``queueing.console`` (waiting per queue, window sessions with versions), the
hall's windows and items through ``org``/``catalog``, the roster from this domain. A dispatch action is one
transaction: checked against the version the manager saw (409 ``window_changed`` otherwise), audited, and
published on the hall's channel so that boards, window pads and every open console show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.core import broadcast, i18n
from smarthall.core.cache import cached
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.db import after_commit
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity import service as identity_service
from smarthall.operations import dispatch, erlang, hourplan, skills
from smarthall.operations import forecast as fc
from smarthall.operations import repository as repo
from smarthall.operations import staffing as plans
from smarthall.operations.calendar import day_info, minute_of_day, open_periods
from smarthall.operations.errors import NotEnoughHistory, RangeTooLong, UnknownAction, WindowChanged
from smarthall.operations.factbook import (  # noqa: F401 (the facts' use cases, reached through this service)
    default_code,
    fold_changed,
    fold_hall_day,
    hourly_arrivals,
    rebuild,
    refresh_today,
    scope_label,
)
from smarthall.org import service as org_service
from smarthall.queueing import console, facts
from smarthall.queueing.service import channel
from smarthall.rules import service as rules_service
from smarthall.venue import service as venue_service

FORECAST_CACHE = "operations.forecast"
FORECAST_SECONDS = 3600.0
HISTORY_DAYS = 182
MAX_DAYS = 14
DEFAULT_SERVICE_MINUTES = 10.0


def hall_in_scope(session: Session, actor: Actor, hall_code: str) -> org_service.HallFacts:
    hall = org_service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


def targets(session: Session, hall: org_service.HallFacts) -> dispatch.Targets:
    def v(key: str) -> int:
        return int(rules_service.value(session, hall, key))

    return dispatch.Targets(
        v("operations.target_mean_wait_minutes"),
        v("operations.target_p95_wait_minutes"),
        v("queue.long_wait_minutes"),
        v("queue.long_wait_alert_count"),
    )


def _queue_items(session: Session, hall: org_service.HallFacts) -> dict[str, frozenset[str]]:
    items = {
        code: catalog_service.item_facts(session, code).department_code for code in facts.hall_items(session, hall.code)
    }
    return dispatch.queue_items(items, facts.prefixes(session))


def queue_names(session: Session) -> dict[str, str]:
    """Queue prefix → the department's name (words, not codes, on the pages)."""
    names = org_service.department_names(session)
    return {q: names.get(d, q) for q, d in facts.queue_departments(session).items()}


def live(session: Session, actor: Actor, hall_code: str, now: datetime) -> dict[str, Any]:
    """The hall as it is: queues against targets, windows with who is signed in, staff on shift not signed in,
    alerts and recommended actions."""
    hall = hall_in_scope(session, actor, hall_code)
    goal = targets(session, hall)
    by_queue = _queue_items(session, hall)
    lines, _ = console.lines(session, hall.id, now)
    queues = [
        dispatch.Queue(
            ln.queue_code,
            ln.waiting,
            ln.priority_waiting,
            ln.longest_wait_minutes,
            ln.over_long_wait,
            by_queue.get(ln.queue_code, frozenset()),
        )
        for ln in lines
    ]
    sessions = console.seats(session, hall.id, now)
    shifts = repo.on_shift_at(repo.shifts_on(session, actor, hall.id, service_day(now)), now)
    staff_ids = {s.staff_id for s in sessions.values() if s.staff_id} | {s.staff_id for s in shifts}
    staff = identity_service.staff_by_ids(session, staff_ids)
    seats = []
    for w in facts.hall_windows(session, hall.id):
        ws = sessions.get(w.code)
        status = ws.status if ws else "closed"
        staff_id = ws.staff_id if ws else None
        seats.append(
            dispatch.Seat(
                w.code,
                w.number,
                w.name,
                w.items,
                status,
                staff_id,
                staff[staff_id].name if staff_id in staff else None,
                ws.serving if ws else None,
                ws.version if ws else console.version_of("closed", None, None),
                org_service.window_version(session, w.code) or "",
            )
        )
    off = dispatch.staff_off_seat(
        [
            (
                s.staff_id,
                staff[s.staff_id].name if s.staff_id in staff else "",
                s.window_code or (staff[s.staff_id].window_code if s.staff_id in staff else None),
            )
            for s in shifts
        ],
        seats,
    )
    alerts, recs = dispatch.judge(queues, seats, off, goal)
    alerts += _growth_alerts(session, actor, hall, now)
    faults = _faults(session, actor, hall, now)
    if any(f["severity"] == "alert" for f in faults):
        alerts.append({"kind": "device_fault", "count": sum(f["severity"] == "alert" for f in faults)})
    names = queue_names(session)
    for entry in (*alerts, *recs):
        if "queue" in entry:
            entry["queue_name"] = names.get(str(entry["queue"]), entry["queue"])
        if "queues" in entry:
            entry["queue_names"] = [names.get(q, q) for q in cast(list[str], entry["queues"])]
    return {
        "hall_code": hall.code,
        "hall_name": hall.name,
        "at": now.astimezone(SHANGHAI).isoformat(),
        "targets": asdict(goal),
        "queues": [
            {
                **{k: v for k, v in asdict(q).items() if k != "items"},
                "state": dispatch.queue_state(q, goal),
                "name": names.get(q.code, q.code),
            }
            for q in queues
        ],
        "windows": [
            {k: v for k, v in asdict(s).items() if k != "items"} | {"comprehensive": s.items is None} for s in seats
        ],
        "off_seat": [asdict(o) for o in off],
        "faults": faults,
        "long_wait_count": sum(q.over_long_wait for q in queues),
        "alerts": alerts,
        "recommendations": recs,
    }


def _faults(session: Session, actor: Actor, hall: org_service.HallFacts, now: datetime) -> list[dict[str, Any]]:
    """The hall's open device faults, newest first, with the kind in words."""
    out = []
    for f in venue_service.open_faults(session, actor):
        if f.hall_code != hall.code:
            continue
        out.append(
            {
                "id": f.id,
                "device_code": f.device_code,
                "kind": f.kind,
                "kind_zh": i18n.translate(f"venue.fault.{f.kind}", "zh"),
                "kind_en": i18n.translate(f"venue.fault.{f.kind}", "en"),
                "severity": f.severity,
                "status": f.status,
                "since": f.opened_at.astimezone(SHANGHAI).isoformat(),
                "minutes_open": max(0, int((now - f.opened_at).total_seconds() // 60)),
            }
        )
    return out


def _growth_alerts(session: Session, actor: Actor, hall: org_service.HallFacts, now: datetime) -> list[dict[str, Any]]:
    """Queues whose arrivals over the last hour run above the forecast's band (none without a forecast)."""
    try:
        model = _fitted(session, actor, hall, service_day(now))
    except NotEnoughHistory:
        return []
    local = now.astimezone(SHANGHAI)
    calendar = org_service.working_calendar(session, hall)
    expected_by_hour = {
        h.hour: {q: m for q, (m, _lo, _hi) in h.queues.items()}
        for h in fc.predict(model, hall.opening_hours, [local.date()], calendar=calendar)
    }
    today = facts.hourly_arrivals(session, actor, hall.code, local.date(), local.date()).get(local.date(), {})
    arrived = dispatch.last_hour(today, local.hour, local.minute, so_far=True)
    expected = dispatch.last_hour(expected_by_hour, local.hour, local.minute, so_far=False)
    return [
        {"kind": "faster_than_forecast", "queue": q, "arrived": round(n), "expected": round(expected.get(q, 0.0), 1)}
        for q, n in sorted(arrived.items())
        if dispatch.faster_than_forecast(round(n), expected.get(q, 0.0))
    ]


_DISPATCH_AUDIT = {
    "resume": "operations.dispatch.resume",
    "extend": "operations.dispatch.extend",
    "open": "operations.dispatch.open",
}  # the audit code of each dispatch action


def act(session: Session, actor: Actor, hall_code: str, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One dispatch action (``resume`` / ``extend`` / ``open``) on a window of the hall, checked against the
    window's ``version`` as the manager saw it."""
    hall = hall_in_scope(session, actor, hall_code)
    action, window_code, version = body["action"], body["window_code"], body["version"]
    window = facts.window(session, window_code)
    if window.hall_id != hall.id:
        raise UnknownAction(detail={"window_code": window_code, "reason": "not_in_hall"})
    detail: dict[str, Any] = {"action": action, "window_code": window_code}
    if action == "resume":
        try:
            console.resume_for_manager(session, actor, window_code=window_code, version=version, now=now)
        except console.WindowChanged as exc:
            raise WindowChanged(detail=exc.detail) from exc
    elif action == "extend":
        queue = body.get("queue") or ""
        items = _queue_items(session, hall).get(queue)
        if not items:
            raise UnknownAction(detail={"queue": queue, "reason": "unknown_queue"})
        if not org_service.extend_window_items(
            session, actor, window_code=window_code, item_codes=items, version=version, now=now
        ):
            raise WindowChanged(detail={"window_code": window_code})
        detail["queue"] = queue
    elif action == "open":
        seat = console.seats(session, hall.id, now).get(window_code)
        current = seat.version if seat else console.version_of("closed", None, None)
        if (seat is not None and seat.status != "closed") or current != version:
            raise WindowChanged(detail={"window_code": window_code})
        detail["staff_id"] = body.get("staff_id")
    else:
        raise UnknownAction(detail={"action": action})
    audit_service.record(
        session,
        actor,
        _DISPATCH_AUDIT[action],
        target_type="org_window",
        target_id=window_code,
        hall_code=hall.code,
        detail=detail,
        now=now,
    )
    message = {"type": "dispatch", **detail, "window_number": window.number, "by": actor.username}
    database = session.info["db"]
    after_commit(session, lambda: broadcast.of(database).publish(channel(hall.code), message))
    return {"done": True, **detail}


# ------------------------------------------------------------------------------------------- forecast, staffing


def _fitted(session: Session, actor: Actor, hall: org_service.HallFacts, origin: date) -> fc.Model:
    """The hall's model fitted on the history before ``origin``, cached for the day (a hall without enough history
    is remembered too, so pages that show quiet hours do not recount its tickets on every view)."""

    def load() -> fc.Model | NotEnoughHistory:
        since, until = origin - timedelta(days=HISTORY_DAYS), origin - timedelta(days=1)
        counts = facts.hourly_arrivals(session, actor, hall.code, since, until)
        try:
            return fc.fit(counts, hall.opening_hours, origin, calendar=org_service.working_calendar(session, hall))
        except fc.NotEnoughHistory as exc:
            return NotEnoughHistory(
                NotEnoughHistory.message_zh.format(need=exc.need, have=exc.have),
                NotEnoughHistory.message_en.format(need=exc.need, have=exc.have),
                detail={"have_open_days": exc.have, "need_open_days": exc.need, "history_days": HISTORY_DAYS},
            )

    model = cached(session, FORECAST_CACHE, (hall.id, origin), load, seconds=FORECAST_SECONDS)
    if isinstance(model, NotEnoughHistory):
        raise model
    return model


def forecast(session: Session, actor: Actor, hall_code: str, days: int, now: datetime) -> dict[str, Any]:
    if not 1 <= days <= MAX_DAYS:
        raise RangeTooLong(detail={"days": days, "max": MAX_DAYS})
    hall = hall_in_scope(session, actor, hall_code)
    origin = service_day(now)
    model = _fitted(session, actor, hall, origin)
    calendar = org_service.working_calendar(session, hall)
    hours = fc.predict(model, hall.opening_hours, (origin + timedelta(days=i) for i in range(days)), calendar=calendar)
    out: dict[date, list[dict[str, Any]]] = {}
    for h in hours:
        out.setdefault(h.day, []).append(
            {
                "hour": h.hour,
                "mean": round(h.mean, 2),
                "low": h.low,
                "high": h.high,
                "queues": {
                    q: {"mean": round(m, 2), "low": lo, "high": hi} for q, (m, lo, hi) in sorted(h.queues.items())
                },
            }
        )
    return {
        "hall_code": hall.code,
        "hall_name": hall.name,
        "queue_names": queue_names(session),
        "origin": origin.isoformat(),
        "interval": 0.8,
        "days": [
            {
                "day": (d := origin + timedelta(days=i)).isoformat(),
                "workday": (info := day_info(d, calendar)).workday,
                "post_holiday": info.post_holiday,
                "month_end": info.month_end,
                "total": round(sum(x["mean"] for x in out.get(d, [])), 1),
                "hours": out.get(d, []),
            }
            for i in range(days)
        ],
    }


def quiet_hours(
    session: Session, hall_code: str, now: datetime, *, days: int = 7, top: int = 3
) -> list[dict[str, Any]]:
    """The quietest open hours of the coming ``days`` (lowest forecast arrivals), quietest first, still ahead of
    ``now``; empty when the hall has too little history. Public: an aggregate of the hall's own forecast."""
    try:
        data = forecast(session, SYSTEM, hall_code, days, now)
    except NotEnoughHistory:
        return []
    local = now.astimezone(SHANGHAI)
    slots = [
        {"day": d["day"], "hour": h["hour"], "mean": h["mean"]}
        for d in data["days"]
        if d["workday"]
        for h in d["hours"]
        if d["day"] != data["origin"] or h["hour"] > local.hour
    ]
    return sorted(slots, key=lambda s: (s["mean"], s["day"], s["hour"]))[:top]


def quiet_hours_shown(session: Session, hall_code: str, now: datetime) -> list[dict[str, Any]]:
    """``quiet_hours`` for a page about the hall (the guidance card, the kiosk's closed notice): nothing rather
    than an error when the hall is unknown or has no forecast."""
    from smarthall.core.errors import HallError

    try:
        return quiet_hours(session, hall_code, now) if hall_code else []
    except HallError:
        return []


def quiet_hours_of_day(session: Session, hall_code: str, day: date, now: datetime) -> list[int]:
    """The hours of ``day`` ordered quietest first (empty without a forecast for it)."""
    try:
        data = forecast(session, SYSTEM, hall_code, MAX_DAYS, now)
    except NotEnoughHistory:
        return []
    for d in data["days"]:
        if d["day"] == day.isoformat():
            return [h["hour"] for h in sorted(d["hours"], key=lambda h: (h["mean"], h["hour"]))]
    return []


def staffing(
    session: Session, actor: Actor, hall_code: str, day: date, now: datetime, *, check: bool = False
) -> dict[str, Any]:
    """Counters needed per hour for the hall's targets (SIPP and Lag-SIPP on the forecast, Erlang C per pool of the
    queues its windows share, ``hourplan``), shared to the queues and checked against the staff rostered and their
    skills; hours short of staff are marked, the lunch break is closed (its tickets count at the reopening). With
    ``check``, the day is also simulated: the plan found by simulation (which staffs the backlog SIPP misses) and
    the Erlang plan, each with its simulated waits per hour."""
    origin = service_day(now)
    if not 0 <= (day - origin).days < MAX_DAYS:
        raise RangeTooLong(detail={"date": day.isoformat(), "from": origin.isoformat(), "days": MAX_DAYS})
    hall = hall_in_scope(session, actor, hall_code)
    goal = erlang.Target.from_rules(
        *(
            float(rules_service.value(session, hall, f"operations.target_{k}_minutes"))
            for k in ("mean_wait", "p95_wait", "priority_p95_wait")
        )
    )
    model = _fitted(session, actor, hall, origin)
    calendar = org_service.working_calendar(session, hall)
    hours = fc.predict(model, hall.opening_hours, [day], calendar=calendar)
    profiles = facts.queue_profiles(session, actor, hall.id, origin - timedelta(days=28), origin)
    shifts = repo.shifts_on(session, actor, hall.id, day)
    can_serve = _shift_skills(session, hall, shifts)
    pools = skills.pools({q for h in hours for q in h.queues}, _window_skills(session, hall))
    periods = open_periods(hall.opening_hours, day_info(day, calendar))
    open_minutes = [(minute_of_day(a), minute_of_day(b)) for a, b in periods]
    rows: list[dict[str, Any]] = []
    previous: dict[str, float] = {}
    carried: dict[str, float] = {}  # tickets taken while the windows are closed (lunch) wait for them to reopen
    for h in hours:
        arrivals = {q: mean + carried.pop(q, 0.0) for q, (mean, _lo, _hi) in sorted(h.queues.items())}
        if not any(a < (h.hour + 1) * 60 and b > h.hour * 60 for a, b in open_minutes):
            carried = {q: carried.get(q, 0.0) + v for q, v in arrivals.items()}
            arrivals = {}
        service = {q: profiles.get(q, (None, 0.0))[0] or DEFAULT_SERVICE_MINUTES for q in arrivals}
        prio = {q: profiles.get(q, (None, 0.0))[1] for q in arrivals}
        per_queue, per_pool = hourplan.hour_plan(arrivals, service, prio, previous, pools, goal)
        previous = {q: a / 60.0 for q, a in arrivals.items()}
        need = sum(v["sipp"] for v in per_pool.values())
        lag_need = sum(v["lag_sipp"] for v in per_pool.values())
        # the middle of the hour's open part (17:00–17:30 in a hall closing at 17:30)
        part = [(max(a, h.hour * 60), min(b, h.hour * 60 + 60)) for a, b in open_minutes if a < h.hour * 60 + 60]
        a, b = next(((x, y) for x, y in part if y > x), (h.hour * 60, h.hour * 60 + 60))
        mid = datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(minutes=(a + b) / 2)
        on_shift = [can_serve[k] for k, s in enumerate(shifts) if s.starts_at <= mid < s.ends_at]
        rostered = len(on_shift)
        plan = max(need, lag_need)
        needed = {q: int(max(v["sipp"], v["lag_sipp"])) for q, v in per_queue.items()}
        covered = skills.cover(needed, on_shift)
        for q, v in per_queue.items():
            v["covered"] = covered[q]
            v["short"] = needed[q] - covered[q]
        rows.append(
            {
                "hour": h.hour,
                "arrivals": round(h.mean, 1),
                "low": h.low,
                "high": h.high,
                "closed": not arrivals,
                "queues": per_queue,
                "pools": per_pool,
                "sipp": need,
                "lag_sipp": lag_need,
                "plan": plan,
                "rostered": rostered,
                "gap": rostered - plan,
                # counters needed that the staff on shift cannot cover with the queues they serve, per queue
                "skill_gaps": {q: v["short"] for q, v in per_queue.items() if v["short"] > 0},
            }
        )
    simulation = _simulated(session, hall, day, origin, rows, profiles, goal) if check and rows else None
    return {
        "hall_code": hall.code,
        "hall_name": hall.name,
        "queue_names": queue_names(session),
        "date": day.isoformat(),
        **({"simulation": simulation} if simulation is not None else {}),
        "targets": {
            "mean_minutes": goal.mean,
            "p95_minutes": goal.levels[0][0],
            "priority_p95_minutes": goal.priority_levels[0][0],
        },
        "hours": rows,
        "counter_hours": {"plan": sum(r["plan"] for r in rows), "rostered": sum(r["rostered"] for r in rows)},
        "short_hours": [r["hour"] for r in rows if r["gap"] < 0 or r["skill_gaps"]],
    }


def _window_skills(session: Session, hall: org_service.HallFacts) -> list[frozenset[str]]:
    """The queues each of the hall's windows serves (through its items): which queues share counters."""
    by_queue = _queue_items(session, hall)
    return [frozenset(q for q, items in by_queue.items() if any(w.serves(i) for i in items))
            for w in facts.hall_windows(session, hall.id)]  # fmt: skip


def _shift_skills(session: Session, hall: org_service.HallFacts, shifts: Sequence[Any]) -> list[frozenset[str]]:
    """The queues each shift can serve: those it is rostered for, else those of its window's items, else (no
    window: a floating clerk at any counter) every queue of the hall."""
    by_queue = _queue_items(session, hall)
    windows = {w.code: w for w in facts.hall_windows(session, hall.id)}
    every = frozenset(by_queue)
    out = []
    for s in shifts:
        window = windows.get(s.window_code or "")
        if s.queues:
            out.append(frozenset(s.queues))
        elif window is not None:
            out.append(frozenset(q for q, items in by_queue.items() if any(window.serves(i) for i in items)))
        else:
            out.append(every)
    return out


SIMULATION_CACHE = "operations.staffing.simulated"


def _simulated(
    session: Session,
    hall: org_service.HallFacts,
    day: date,
    origin: date,
    rows: list[dict[str, Any]],
    profiles: dict[str, tuple[float | None, float]],
    goal: erlang.Target,
) -> dict[str, Any]:
    """The forecast day simulated (``staffing.check_day``), each hour's row given ``simulated`` and ``plan_checked``
    (counters, simulated mean and P95 wait, share of period-days meeting the target); remembered for an hour."""

    def load() -> plans.DayCheck:
        hours = [(r["hour"], {q: v["arrivals"] for q, v in r["queues"].items()}) for r in rows]
        service_of = {q: ((profiles.get(q, (None, 0.0))[0] or DEFAULT_SERVICE_MINUTES), profiles.get(q, (None, 0.0))[1])
                      for r in rows for q in r["queues"]}  # fmt: skip
        pools: dict[str, frozenset[str]] = {}  # each pool with every queue it has over the day
        for r in rows:
            for k, v in r["pools"].items():
                pools[k] = pools.get(k, frozenset()) | frozenset(v["queues"])
        model = plans.forecast_model(hours, service_of, pools=pools)
        first = int(model.start // 60)
        by_hour = {r["hour"]: r["pools"] for r in rows}
        baseline = {k: tuple(max(by_hour.get(first + p, {}).get(k, {}).get("sipp", 0),
                                 by_hour.get(first + p, {}).get(k, {}).get("lag_sipp", 0))
                             for p in range(model.periods)) for k in pools}  # fmt: skip
        return plans.check_day(model, plans.Staffing(model.start, model.period, baseline), goal,
                               key=f"{hall.code}:{day.isoformat()}", day=day)  # fmt: skip

    key = (hall.id, day, origin, goal)
    result = cached(session, SIMULATION_CACHE, key, load, seconds=FORECAST_SECONDS)
    first = int(result.plan.start // 60)

    def words(c: plans.PeriodCheck) -> dict[str, Any]:
        return {"counters": c.counters, "mean_wait_min": c.mean_wait, "p95_wait_min": c.p95_wait,
                "met_share": round(c.met_share, 3)}  # fmt: skip

    by_hour = {first + p: (sim, base) for p, (sim, base) in enumerate(zip(result.simulated, result.baseline,
                                                                          strict=True))}  # fmt: skip
    for r in rows:
        sim, base = by_hour[r["hour"]]
        r["simulated"], r["plan_checked"] = words(sim), words(base)

    def met(checks: list[plans.PeriodCheck]) -> float:
        n = sum(c.period_days for c in checks)
        return round(sum(c.met_share * c.period_days for c in checks) / n, 3) if n else 1.0

    return {
        "days": result.days,
        "counter_hours": {
            "simulated": sum(c.counters for c in result.simulated),
            "plan": sum(c.counters for c in result.baseline),
        },  # fmt: skip
        "met_share": {"simulated": met(result.simulated), "plan": met(result.baseline)},
        "worst_1pct_wait_min": result.worst_wait,
        "hours": [
            {"hour": h, "simulated": words(sim), "plan_checked": words(base)} for h, (sim, base) in by_hour.items()
        ],
    }


def typical_handle_minutes(
    session: Session, actor: Actor, hall_id: int, *, today: date, days: int = 30, min_services: int = 3
) -> dict[str, float]:
    """Each item's typical handling time at the windows of a hall (mean call → finish, minutes) over the last
    ``days`` days of folded facts; items with fewer than ``min_services`` finished services have none yet."""
    rows = repo.fact_sums(
        session, actor, region_path=None, hall_id=hall_id, from_day=today - timedelta(days=days), to_day=today,
        group_by=["item"], measures=("handle_n", "handle_sum"),
    )  # fmt: skip
    return {
        str(r["item"]): int(r["handle_sum"]) / int(r["handle_n"]) / 60
        for r in rows
        if r["item"] and int(r["handle_n"] or 0) >= min_services
    }
