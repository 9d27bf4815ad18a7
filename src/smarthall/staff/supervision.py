"""Supervision (8.1): the hall manager's live view of windows and staff from the real tickets, window sessions and
ratings — serving, idle while its queue waits, one service running over-long, paused (away from the window) too
long, bad ratings today — and the alerts a scan records, one per episode, for the manager to acknowledge.

Thresholds are hall rules (``staff.long_service_minutes``, ``staff.idle_alert_minutes``,
``staff.pause_alert_minutes``), inherited down the hall tree. A scan runs every minute (``tasks.run_scan``) and on
the manager's request; parallel scans cannot record one episode twice (a unique key per episode). Each scan then
issues the yellow and red cards the month's alerts have earned (``cards``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_name
from smarthall.core.tenancy import Actor
from smarthall.evaluation import service as evaluation_service
from smarthall.identity import service as identity_service
from smarthall.operations import service as operations_service
from smarthall.org import service as org_service
from smarthall.queueing import measures as queue_measures
from smarthall.rules import service as rules_service
from smarthall.staff import assignments, cards, records
from smarthall.staff import repository as repo
from smarthall.staff.errors import AlertAcknowledged, AlertNotFound
from smarthall.staff.models import StaffAlert

KINDS = ("long_service", "long_handling", "idle", "paused_long", "bad_rating", *records.RECORD_KINDS)


def _supervisor(actor: Actor) -> None:
    if not actor.has("staff.supervise"):
        raise Forbidden("您的角色无权查看人员监督", "Your role cannot supervise staff", code="forbidden_role")


def _minutes(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds() // 60))


def live(session: Session, actor: Actor, hall: org_service.HallFacts, *, now: datetime) -> dict[str, Any]:
    """Every window with a session today: who is there, what they do, for how long, and what needs attention."""
    day = service_day(now)
    long_limit = int(rules_service.value(session, hall, "staff.long_service_minutes"))
    idle_limit = int(rules_service.value(session, hall, "staff.idle_alert_minutes"))
    pause_limit = int(rules_service.value(session, hall, "staff.pause_alert_minutes"))
    factor = float(rules_service.value(session, hall, "staff.long_handling_factor"))
    typical = operations_service.typical_handle_minutes(session, actor, hall.id, today=day)
    windows = {w.code: w for w in org_service.hall_windows(session, hall.id)}
    sessions = queue_measures.window_sessions(session, actor, hall.id)
    serving = {t.window_code: t for t in queue_measures.serving(session, actor, hall.id, day) if t.window_code}
    waiting = queue_measures.waiting_items(session, actor, hall.id, day)
    last_finish = queue_measures.last_finish_by_window(session, actor, hall.id, day)
    start_of_day = datetime.combine(day, datetime.min.time(), SHANGHAI)
    bad = evaluation_service.bad_ratings_since(session, actor, hall_id=hall.id, since=start_of_day)
    bad_by_staff = Counter(r.staff_id for r in bad if r.staff_id is not None)
    people = identity_service.staff_by_ids(session, [s.staff_id for s in sessions if s.staff_id is not None])
    rows: list[dict[str, Any]] = []
    for ws in sessions:
        if ws.status == "closed" and ws.window_code not in serving:
            continue
        facts = windows.get(ws.window_code)
        staff = people.get(ws.staff_id) if ws.staff_id is not None else None
        ticket = serving.get(ws.window_code)
        queue = sum(
            1
            for item, target in waiting
            if target == ws.window_code or (target is None and facts is not None and facts.serves(item))
        )
        row: dict[str, Any] = {
            "window_code": ws.window_code,
            "window_name": facts.name if facts else ws.window_code,
            "window_status": ws.status,
            "staff_code": staff.code if staff else None,
            "staff_name": mask_name(staff.name) if staff else None,
            "staff_id": ws.staff_id,
            "waiting": queue,
            "ticket_id": ticket.id if ticket else None,
            "ticket_number": ticket.number if ticket else None,
            "serving_minutes": _minutes(ticket.called_at, now) if ticket else None,
            "item_code": ticket.item_code if ticket else None,
            "typical_minutes": round(typical[ticket.item_code], 1) if ticket and ticket.item_code in typical else None,
            "idle_minutes": None,
            "idle_since": None,
            "paused_minutes": None,
            "paused_since": None,
            "bad_ratings_today": bad_by_staff.get(ws.staff_id, 0) if ws.staff_id is not None else 0,
            "flags": [],
        }
        if ticket is not None:
            row["state"] = "serving"
            if (row["serving_minutes"] or 0) >= long_limit:
                row["flags"].append("long_service")
            usual = row["typical_minutes"]
            if usual is not None and (row["serving_minutes"] or 0) >= max(1.0, factor * usual):
                row["flags"].append("long_handling")
        elif ws.status == "paused":
            row["state"] = "paused"
            row["paused_since"] = ws.status_since or ws.signed_in_at
            row["paused_minutes"] = _minutes(row["paused_since"], now)
            if (row["paused_minutes"] or 0) >= pause_limit:
                row["flags"].append("paused_long")
        else:
            row["state"] = "idle"
            marks = [m for m in (last_finish.get(ws.window_code), ws.signed_in_at, ws.status_since) if m is not None]
            since = max(marks) if marks else None
            row["idle_since"] = since
            row["idle_minutes"] = _minutes(since, now)
            if queue and (row["idle_minutes"] or 0) >= idle_limit:
                row["flags"].append("idle")
        if row["bad_ratings_today"]:
            row["flags"].append("bad_rating")
        rows.append(row)
    return {
        "hall_code": hall.code,
        "hall_name": hall.name,
        "at": now,
        "limits": {"long_service": long_limit, "idle": idle_limit, "paused_long": pause_limit, "factor": factor},
        "windows": rows,
        "bad_ratings": [
            {"id": r.id, "window_code": r.window_code, "staff_id": r.staff_id, "level": r.level, "rated_at": r.rated_at}
            for r in bad
        ],
    }


def live_view(session: Session, actor: Actor, hall_code: str | None, *, now: datetime) -> dict[str, Any]:
    _supervisor(actor)
    from smarthall.staff.performance import hall_in_scope

    hall = hall_in_scope(session, actor, hall_code)
    view = live(session, actor, hall, now=now)
    alerts = repo.AlertRepository(session).recent(actor, hall.id, open_only=False)
    names = {w.code: w.name for w in org_service.hall_windows(session, hall.id)}
    people = identity_service.staff_by_ids(session, [a.staff_id for a in alerts if a.staff_id is not None])
    view["alerts"] = [
        {
            **alert_read(a),
            "window_name": names.get(a.window_code or "", a.window_code),
            "staff_name": mask_name(people[a.staff_id].name) if a.staff_id in people else None,
        }
        for a in alerts
    ]
    view["overdue_courses"] = assignments.overdue(session, actor, hall.id, now=now)
    view["cards"] = cards.hall_cards(session, actor, hall.id)
    view["staff"] = [
        {"code": s.code, "name": mask_name(s.name)}
        for s in identity_service.staff_in_scope(session, actor, hall_id=hall.id)
    ]
    return view


def _candidates(view: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    for row in view["windows"]:
        base = {"window_code": row["window_code"], "staff_id": row["staff_id"]}
        if "long_service" in row["flags"]:
            out.append(
                (
                    "long_service",
                    f"ticket:{row['ticket_id']}",
                    {**base, "ticket_number": row["ticket_number"], "minutes": row["serving_minutes"]},
                )
            )
        if "long_handling" in row["flags"]:
            out.append(
                (
                    "long_handling",
                    f"ticket:{row['ticket_id']}",
                    {
                        **base,
                        "ticket_number": row["ticket_number"],
                        "item_code": row["item_code"],
                        "minutes": row["serving_minutes"],
                        "typical_minutes": row["typical_minutes"],
                    },
                )
            )
        if "idle" in row["flags"]:
            since = row["idle_since"].isoformat() if row["idle_since"] else "-"
            out.append(
                (
                    "idle",
                    f"{row['window_code']}@{since}"[:80],
                    {**base, "minutes": row["idle_minutes"], "waiting": row["waiting"]},
                )
            )
        if "paused_long" in row["flags"]:
            out.append(
                (
                    "paused_long",
                    f"{row['window_code']}@{row['paused_since'].isoformat() if row['paused_since'] else '-'}"[:80],
                    {**base, "minutes": row["paused_minutes"]},
                )
            )
    for r in view["bad_ratings"]:
        out.append(
            (
                "bad_rating",
                f"rating:{r['id']}",
                {"window_code": r["window_code"], "staff_id": r["staff_id"], "level": r["level"]},
            )
        )
    return out


def scan_hall(session: Session, actor: Actor, hall: org_service.HallFacts, *, now: datetime) -> list[StaffAlert]:
    """Record an alert for every episode the live view flags that has none yet; the new alerts."""
    view = live(session, actor, hall, now=now)
    alerts = repo.AlertRepository(session)
    found = _candidates(view) + records.candidates(session, actor, hall, now=now)
    known = alerts.existing_refs(hall.id, [(k, ref) for k, ref, _ in found])
    raised: list[StaffAlert] = []
    for kind, ref, detail in found:
        if (kind, ref) in known:
            continue
        staff_id = detail.pop("staff_id", None)
        alert = StaffAlert(
            hall_id=hall.id,
            hall_code=hall.code,
            region_path=hall.region_path,
            kind=kind,
            window_code=detail.get("window_code"),
            staff_id=staff_id,
            subject_ref=ref,
            raised_at=now,
            detail=detail,
            note="",
        )
        try:
            with session.begin_nested():  # a parallel scan recorded the same episode first: keep theirs
                session.add(alert)
                session.flush()
        except IntegrityError:
            continue
        raised.append(alert)
    cards.raise_cards(session, hall, now=now)
    return raised


def scan(session: Session, actor: Actor, hall_code: str | None, *, now: datetime) -> list[dict[str, Any]]:
    _supervisor(actor)
    from smarthall.staff.performance import hall_in_scope

    hall = hall_in_scope(session, actor, hall_code)
    return [alert_read(a) for a in scan_hall(session, actor, hall, now=now)]


def acknowledge(session: Session, actor: Actor, alert_id: int, *, note: str, now: datetime) -> dict[str, Any]:
    _supervisor(actor)
    alert = repo.AlertRepository(session).for_update(actor, alert_id)
    if alert is None:
        raise AlertNotFound(detail={"alert_id": alert_id})
    if alert.acknowledged_at is not None:
        raise AlertAcknowledged(detail={"alert_id": alert_id})
    alert.acknowledged_at, alert.acknowledged_by, alert.note = now, actor.label, note
    session.flush()
    audit_service.record(
        session,
        actor,
        "staff.alert.acknowledge",
        target_type="staff_alert",
        target_id=alert.id,
        hall_code=alert.hall_code,
        now=now,
    )
    return alert_read(alert)


def alert_read(alert: StaffAlert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "hall_code": alert.hall_code,
        "window_code": alert.window_code,
        "staff_id": alert.staff_id,
        "raised_at": alert.raised_at,
        "detail": alert.detail,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by,
        "note": alert.note,
    }
