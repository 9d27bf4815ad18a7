"""The roster (排班): who is on shift in a hall on a day, from when to when, at which window and for which queues.

A hall manager replaces a day's roster as a whole (``set_day``), checked against the version they read (409
``roster_changed`` when another manager saved it meanwhile), in one transaction, audited. The live console reads it
for "on shift but not signed in", the staffing plan for the counters rostered per hour. Times are entered and shown
in Asia/Shanghai and stored in UTC. The demo roster (``seed_plan``) posts each clerk at their window through the hall's
opening periods, so that a fresh demo compares a real roster with the plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.clock import SHANGHAI
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.operations import repository as repo
from smarthall.operations.calendar import day_info, open_periods
from smarthall.operations.errors import RosterChanged, RosterInvalid
from smarthall.org import service as org_service
from smarthall.queueing import facts

MAX_SHIFTS = 200
WEEKEND_SHARE = 0.6  # of the clerks on a day the hall opens off the working week
LEAVE_WEEKDAYS = (2, 4)  # Tuesdays and Thursdays one clerk, in turn, is off (轮休)


def _hall(session: Session, actor: Actor, hall_code: str) -> org_service.HallFacts:
    hall = org_service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


def _local(dt: datetime) -> str:
    return dt.astimezone(SHANGHAI).strftime("%H:%M")


def day_roster(session: Session, actor: Actor, hall_code: str, day: date) -> dict[str, Any]:
    """The hall-day's shifts (local times), with the staff's names and the version to save against."""
    hall = _hall(session, actor, hall_code)
    shifts = repo.shifts_on(session, actor, hall.id, day)
    staff = identity_service.staff_by_ids(session, {s.staff_id for s in shifts})
    return {
        "hall_code": hall.code,
        "hall_name": hall.name,
        "date": day.isoformat(),
        "version": repo.roster_version(session, hall.id, day),
        "shifts": [
            {
                "staff_id": s.staff_id,
                "staff_name": staff[s.staff_id].name if s.staff_id in staff else "",
                "window_code": s.window_code,
                "starts": _local(s.starts_at),
                "ends": _local(s.ends_at),
                "queues": list(s.queues or []),
            }
            for s in shifts
        ],
    }


def _clock(text: str) -> time | None:
    try:
        hh, mm = text.split(":")
        return time(int(hh), int(mm))
    except (ValueError, AttributeError):
        return None


def check(
    shifts: Sequence[dict[str, Any]], *, staff_ids: set[int], windows: set[str], queues: set[str]
) -> list[tuple[int, time, time]]:
    """Pure check of a day's shifts: returns the (staff, start, end) of each, or raises ``RosterInvalid`` naming the
    first bad shift and why."""
    out: list[tuple[int, time, time]] = []
    if len(shifts) > MAX_SHIFTS:
        raise RosterInvalid(detail={"reason": "too_many", "max": MAX_SHIFTS})
    for i, s in enumerate(shifts):
        start, end = _clock(str(s.get("starts", ""))), _clock(str(s.get("ends", "")))

        def bad(reason: str, index: int = i) -> RosterInvalid:
            return RosterInvalid(detail={"index": index, "reason": reason})

        if s.get("staff_id") not in staff_ids:
            raise bad("staff_not_in_hall")
        if s.get("window_code") and s["window_code"] not in windows:
            raise bad("window_not_in_hall")
        if start is None or end is None or start >= end:
            raise bad("times")
        if not set(s.get("queues") or []) <= queues:
            raise bad("unknown_queue")
        for j, (other, a, b) in enumerate(out):
            if other == s["staff_id"] and start < b and a < end:
                raise RosterInvalid(detail={"index": i, "overlaps": j, "reason": "overlap"})
        out.append((int(s["staff_id"]), start, end))
    return out


def set_day(
    session: Session, actor: Actor, hall_code: str, day: date, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Replace the hall-day's roster with ``body["shifts"]`` if its version is still ``body["version"]``."""
    hall = _hall(session, actor, hall_code)
    members = identity_service.active_staff(session, hall_id=hall.id, roles=("clerk", "guide", "approver",
                                                                             "hall_manager"))  # fmt: skip
    windows = {w.code for w in facts.hall_windows(session, hall.id)}
    shifts = list(body.get("shifts") or [])
    check(shifts, staff_ids={m.id for m in members}, windows=windows, queues=set(facts.prefixes(session).values()))
    version = repo.bump_roster_version(session, hall.id, day, int(body.get("version") or 0))
    if version is None:
        raise RosterChanged(detail={"date": day.isoformat(), "version": body.get("version")})
    _write(session, hall.id, day, shifts)
    audit_service.record(
        session,
        actor,
        "operations.roster.set",
        target_type="ops_roster_day",
        target_id=f"{hall.code}:{day.isoformat()}",
        hall_code=hall.code,
        detail={"date": day.isoformat(), "shifts": len(shifts), "version": version},
        now=now,
    )
    return day_roster(session, actor, hall_code, day)


def _write(session: Session, hall_id: int, day: date, shifts: Sequence[dict[str, Any]]) -> None:
    repo.delete_shifts_on(session, hall_id, day)
    for s in shifts:
        start, end = _clock(str(s["starts"])), _clock(str(s["ends"]))
        assert start is not None and end is not None
        repo.add_shift(
            session,
            {
                "hall_id": hall_id,
                "staff_id": int(s["staff_id"]),
                "day": day,
                "starts_at": datetime.combine(day, start, SHANGHAI),
                "ends_at": datetime.combine(day, end, SHANGHAI),
                "window_code": s.get("window_code") or None,
                "queues": list(s.get("queues") or []),
            },
        )


def seed_plan(session: Session, halls: Sequence[org_service.HallFacts], *, from_day: date, days: int) -> int:
    """The demo roster: every clerk posted at a window works it through the hall's opening periods of the day
    (08:30–12:00 and 14:00–17:30 in the demo county hall); on a day the hall opens off the working week (Saturday
    mornings) only the first ``WEEKEND_SHARE`` of them work, and on Tuesdays and Thursdays one of them in turn is
    off (``LEAVE_WEEKDAYS``). The demo hall's volume is sized to these staffed windows
    (``arrivals.volume_for_counters``), so the roster covers an ordinary day and falls one to three short at the
    peaks: Monday mornings, the reopening after lunch on busy days, month ends and the first days after a holiday.
    Days that already have a roster are left alone."""
    made = 0
    for hall in halls:
        clerks = sorted(repo.hall_clerks(session, hall.id).items())
        if not clerks:
            continue
        calendar = org_service.working_calendar(session, hall)
        taken = repo.roster_days(session, hall.id, from_day, from_day + timedelta(days=days))
        for k in range(days + 1):
            day = from_day + timedelta(days=k)
            info = day_info(day, calendar)
            periods = open_periods(hall.opening_hours, info)
            if day in taken or not periods:
                continue
            working = clerks if info.workday else clerks[: max(1, math.ceil(len(clerks) * WEEKEND_SHARE))]
            if info.workday and day.isoweekday() in LEAVE_WEEKDAYS and len(clerks) > 2:  # 轮休: one clerk off
                week = day.isocalendar()[1]
                working = [c for n, c in enumerate(clerks) if n != (week + day.isoweekday()) % len(clerks)]
            shifts = []
            for window_code, staff_id in working:
                shifts += [{"staff_id": staff_id, "window_code": window_code, "starts": f"{a:%H:%M}",
                            "ends": f"{b:%H:%M}", "queues": []} for a, b in periods]  # fmt: skip
            _write(session, hall.id, day, shifts)
            repo.bump_roster_version(session, hall.id, day, repo.roster_version(session, hall.id, day))
            made += 1
    return made


SLOTS = 2  # shifts per person and day on the roster page (a morning and an afternoon; the API takes any number)
EDIT_ROLES = ("clerk", "guide", "approver")


def editor(
    session: Session, actor: Actor, hall_code: str, day: date, posted: Sequence[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """What the roster page shows: the day's roster, and per staff member of the hall their shifts in ``SLOTS``
    slots (empty slots to fill), with the hall's windows to choose from; ``posted``: the shifts of a refused save,
    shown again as entered."""
    data = day_roster(session, actor, hall_code, day)
    hall = org_service.hall_facts(session, hall_code)
    members = identity_service.active_staff(session, hall_id=hall.id, roles=EDIT_ROLES)
    shown = data["shifts"] if posted is None else list(posted)
    rows = []
    for m in sorted(members, key=lambda s: (EDIT_ROLES.index(s.role), s.window_code or "~", s.id)):
        mine = [s for s in shown if s["staff_id"] == m.id]
        slots = mine + [{"window_code": None, "starts": "", "ends": ""}] * max(0, SLOTS - len(mine))
        rows.append({"staff_id": m.id, "name": m.name, "role": m.role, "home_window": m.window_code, "slots": slots})
    windows = [{"code": w.code, "number": w.number, "name": w.name} for w in facts.hall_windows(session, hall.id)]
    return {**data, "rows": rows, "windows": windows}


def from_form(form: dict[str, str]) -> dict[str, Any]:
    """The roster body of the page's form: fields ``s<staff>_<slot>_{starts,ends,window}``; a slot with neither
    time is no shift."""
    shifts: list[dict[str, Any]] = []
    keys = sorted({k.rsplit("_", 1)[0] for k in form if k.startswith("s") and k.count("_") == 2})
    for key in keys:
        starts, ends = form.get(f"{key}_starts", "").strip(), form.get(f"{key}_ends", "").strip()
        if not starts and not ends:
            continue
        try:
            staff_id = int(key[1:].split("_")[0])
        except ValueError:
            raise RosterInvalid(detail={"field": key, "reason": "staff_not_in_hall"}) from None
        shifts.append({"staff_id": staff_id, "window_code": form.get(f"{key}_window") or None, "starts": starts,
                       "ends": ends, "queues": []})  # fmt: skip
    try:
        version = int(form.get("version", "0"))
    except ValueError:
        version = -1
    return {"version": version, "shifts": shifts}
