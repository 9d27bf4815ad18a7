"""The live console's judgement (pure, no I/O): each queue against the hall's targets, the alerts, and the
recommended one-click actions (requirements §10.1, the 30-minute alert of §6.4).

- A queue is ``ok`` while its longest wait is within the mean-wait target, ``warn`` past it, ``over`` past the P95
  target (``operations.target_*`` rule settings).
- Alerts: more people waiting past ``queue.long_wait_minutes`` than ``queue.long_wait_alert_count``; an open window
  idle while a queue it serves waits; a queue nobody open can serve.
- Recommendations, most useful first: call the clerk of a paused window back (``resume``) when a queue it serves
  waits; let an idle open window also serve a waiting queue (``extend``) when no open window serves that queue or
  its wait is past target; open a closed window (``open``: the clerk on shift is asked to sign in there) when a
  queue waits past target and someone on shift is not signed in. Each carries the window's version, so an action
  on a window someone else changed meanwhile is refused (409).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Queue:
    code: str
    waiting: int
    priority_waiting: int
    longest_wait_minutes: float
    over_long_wait: int
    items: frozenset[str]


@dataclass(frozen=True)
class Seat:
    code: str
    number: int
    name: str
    items: frozenset[str] | None  # None: comprehensive
    status: str  # open / paused / closed
    staff_id: int | None
    staff_name: str | None
    serving: str | None
    version: str  # the window session as seen (resume)
    window_version: str  # the window's own row as seen (extend)

    def serves(self, queue: Queue) -> bool:
        return self.items is None or bool(self.items & queue.items)


@dataclass(frozen=True)
class OffSeat:
    staff_id: int
    name: str
    window_code: str | None  # the window the roster puts them at


@dataclass(frozen=True)
class Targets:
    mean_minutes: int
    p95_minutes: int
    long_wait_minutes: int
    long_wait_alert_count: int


def queue_state(queue: Queue, targets: Targets) -> str:
    if queue.waiting == 0 or queue.longest_wait_minutes <= targets.mean_minutes:
        return "ok"
    return "over" if queue.longest_wait_minutes > targets.p95_minutes else "warn"


def judge(
    queues: Sequence[Queue], seats: Sequence[Seat], off: Sequence[OffSeat], targets: Targets
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(alerts, recommendations) for the hall as it is."""
    alerts: list[dict[str, object]] = []
    recs: list[dict[str, object]] = []
    long_total = sum(q.over_long_wait for q in queues)
    if long_total >= targets.long_wait_alert_count:
        alerts.append({"kind": "long_wait", "count": long_total, "minutes": targets.long_wait_minutes})
    waiting = [q for q in queues if q.waiting > 0]
    open_seats = [s for s in seats if s.status == "open"]
    for seat in open_seats:
        if seat.serving is None and (served := [q.code for q in waiting if seat.serves(q)]):
            alerts.append(
                {"kind": "idle_window", "window_code": seat.code, "window_number": seat.number, "queues": served}
            )
    offered: set[tuple[str, str]] = set()
    for q in sorted(waiting, key=lambda q: -q.longest_wait_minutes):
        late = queue_state(q, targets) != "ok"
        served_by_open = [s for s in open_seats if s.serves(q)]
        if not served_by_open:
            alerts.append({"kind": "unserved_queue", "queue": q.code, "waiting": q.waiting})
        for seat in seats:
            if seat.status == "paused" and seat.serves(q) and ("resume", seat.code) not in offered:
                offered.add(("resume", seat.code))
                recs.append(_rec("resume", seat, q, staff_id=seat.staff_id, staff_name=seat.staff_name))
        if served_by_open and not late:
            continue
        for seat in open_seats:
            if seat.serving is None and not seat.serves(q) and ("extend", seat.code) not in offered:
                offered.add(("extend", seat.code))
                recs.append(_rec("extend", seat, q))
                break
        if late:
            by_code = {s.code: s for s in seats}
            for person in off:
                seat_ = by_code.get(person.window_code or "")
                if seat_ is not None and seat_.status == "closed" and ("open", seat_.code) not in offered:
                    offered.add(("open", seat_.code))
                    recs.append(_rec("open", seat_, q, staff_id=person.staff_id, staff_name=person.name))
                    break
    return alerts, recs


def _rec(kind: str, seat: Seat, queue: Queue, **extra: object) -> dict[str, object]:
    version = seat.window_version if kind == "extend" else seat.version
    return {
        "action": kind,
        "window_code": seat.code,
        "window_number": seat.number,
        "window_name": seat.name,
        "queue": queue.code,
        "version": version,
        **extra,
    }


def staff_off_seat(on_shift: Sequence[tuple[int, str, str | None]], seats: Sequence[Seat]) -> list[OffSeat]:
    """Staff on shift now (id, name, rostered window) who are signed in at no window."""
    signed = {s.staff_id for s in seats if s.status != "closed" and s.staff_id is not None}
    return [OffSeat(i, n, w) for i, n, w in on_shift if i not in signed]


def queue_items(items: Mapping[str, str], prefixes: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Queue prefix → the hall's items in it, from item → department and department → prefix."""
    out: dict[str, set[str]] = {}
    for item, dept in items.items():
        if dept in prefixes:
            out.setdefault(prefixes[dept], set()).add(item)
    return {q: frozenset(v) for q, v in out.items()}


def faster_than_forecast(arrived: int, expected: float) -> bool:
    """Whether ``arrived`` tickets in the last hour are more than the forecast's ``expected`` can explain: above its
    Poisson upper band (mean + 2 standard deviations, at least 3 over) and at least 30 % over it."""
    return arrived > expected + max(3.0, 2.0 * math.sqrt(max(expected, 0.0))) and arrived >= 1.3 * expected


def last_hour(
    counts: Mapping[int, Mapping[str, float]], hour: int, minute: int, *, so_far: bool
) -> dict[str, float]:
    """Per queue, the last 60 minutes from hourly figures: the share ``(60 - minute) / 60`` of the previous hour and,
    of the current hour, all of it when the figures are counts so far (``so_far``) or the share ``minute / 60`` when
    they are whole-hour rates (a forecast)."""
    out: dict[str, float] = {}
    for h, weight in ((hour, 1.0 if so_far else minute / 60.0), (hour - 1, (60 - minute) / 60.0)):
        for q, n in counts.get(h, {}).items():
            out[q] = out.get(q, 0.0) + weight * n
    return out
