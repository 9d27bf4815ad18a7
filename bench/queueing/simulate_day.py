"""A simulated hall day to compare wait estimates: ours (queueing.estimate.simulate) against the naive
"people ahead × mean service time ÷ open windows".

The hall: several items with different service times, specialised and comprehensive windows (skills), priority
tickets (elderly etc. and on-time appointment check-ins), windows opening late and closing early, a morning peak.
The real router is ``queueing.policy.calling_order`` restricted to what each window may serve. Both estimators see
only what a live system sees at issue time: who waits, which windows are open, how long the current services have
run, and the service times learnt so far today. Run: ``.venv/bin/python bench/queueing/simulate_day.py [seeds]``.
"""

from __future__ import annotations

import heapq
import random
import statistics
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from smarthall.queueing import estimate, policy
from smarthall.rules.service import defaults

RULES = policy.QueueRules.from_values(defaults())  # the platform defaults: a hall without overrides

ITEMS = {  # item: (mean service minutes, share of arrivals)
    "GA-001": (6.0, 0.25),
    "GA-006": (12.0, 0.10),
    "SC-001": (18.0, 0.12),
    "RS-001": (5.0, 0.20),
    "BD-001": (25.0, 0.08),
    "YB-001": (4.0, 0.25),
}
# window: (items or None for comprehensive, opens at minute, closes at minute)
WINDOWS = {
    "W01": (None, 0, 210),
    "W02": (None, 30, 210),
    "W03": (frozenset({"SC-001"}), 0, 210),
    "W04": (frozenset({"GA-001", "GA-006"}), 0, 120),
    "W05": (frozenset({"BD-001"}), 0, 210),
    "W06": (frozenset({"RS-001", "YB-001"}), 60, 210),
    "W07": (None, 90, 180),
}
DAY_MINUTES = 200
BASE = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def arrival_rate(t: float) -> float:
    """Arrivals per minute: a morning peak."""
    return 0.9 if 20 <= t <= 90 else 0.55


@dataclass
class Tk:
    id: int
    item: str
    priority: bool
    arrived: float
    called: float | None = None
    ours: float | None = None
    naive: float | None = None


@dataclass
class Win:
    code: str
    items: frozenset[str] | None
    opens: float
    closes: float
    busy_until: float = 0.0
    current_item: str | None = None
    started: float = 0.0
    streak: int = 0
    serving: bool = False

    def serves(self, item: str) -> bool:
        return self.items is None or item in self.items


@dataclass
class Hall:
    rng: random.Random
    waiting: list[Tk] = field(default_factory=list)
    done: list[Tk] = field(default_factory=list)
    stats: estimate.ServiceStats = field(default_factory=estimate.ServiceStats)


def _open(w: Win, t: float) -> bool:
    return w.opens <= t < w.closes


def _service_time(rng: random.Random, item: str) -> float:
    mean = ITEMS[item][0]
    return rng.lognormvariate(0, 0.5) * mean / 1.133  # lognormal with the given mean


def estimate_both(hall: Hall, wins: list[Win], t: float, tk: Tk) -> None:
    open_wins = [w for w in wins if _open(w, t)]
    waiting = [estimate.WaitingTicket(x.id, x.item, x.priority, x.arrived - t) for x in hall.waiting]
    views = []
    for w in open_wins:
        busy = 0.0
        if w.serving and w.current_item:
            busy = max(hall.stats.mean(w.current_item) - (t - w.started), 0.5)
        views.append(estimate.OpenWindow(w.code, w.items, busy, w.streak))
    ours = estimate.simulate(waiting, views, hall.stats).get(tk.id)
    tk.ours = ours.wait_minutes if ours else None
    position = sum(1 for x in hall.waiting if x.id != tk.id)
    tk.naive = estimate.naive(position, hall.stats.overall(), len(open_wins))


def pick(hall: Hall, w: Win, t: float) -> Tk | None:
    eligible = [x for x in hall.waiting if w.serves(x.item)]
    if not eligible:
        return None
    now = BASE + timedelta(minutes=t)
    cands = [policy.Candidate(x.id, x.priority, BASE + timedelta(minutes=x.arrived)) for x in eligible]
    first = policy.calling_order(cands, now=now, priority_streak=w.streak, rule=RULES)[0]
    return next(x for x in eligible if x.id == first)


def run(seed: int) -> tuple[float, float, float, int]:
    rng = random.Random(seed)
    hall = Hall(rng)
    wins = [Win(c, items, o, cl) for c, (items, o, cl) in WINDOWS.items()]
    events: list[tuple[float, int, str, object]] = []
    seq = 0

    def push(at: float, kind: str, payload: object) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, payload))

    t = 0.0
    next_id = 1
    while t < DAY_MINUTES:
        t += rng.expovariate(arrival_rate(t))
        if t >= DAY_MINUTES:
            break
        r, acc, item = rng.random(), 0.0, "GA-001"
        for code, (_, share) in ITEMS.items():
            acc += share
            if r <= acc:
                item = code
                break
        prio = rng.random() < 0.12 or rng.random() < 0.08  # elderly/declared, or an on-time appointment
        push(t, "arrive", Tk(next_id, item, prio, t))
        next_id += 1
    for w in wins:
        push(w.opens, "window", w)
        push(w.closes, "window", w)

    while events:
        t, _, kind, payload = heapq.heappop(events)
        if kind == "arrive":
            assert isinstance(payload, Tk)
            hall.waiting.append(payload)
            estimate_both(hall, wins, t, payload)
        elif kind == "finish":
            assert isinstance(payload, Win)
            w = payload
            if w.current_item is not None:
                hall.stats.add(w.current_item, t - w.started)
            w.serving, w.current_item = False, None
        # Every free open window calls.
        for w in wins:
            if w.serving or not _open(w, t):
                continue
            tk = pick(hall, w, t)
            if tk is None:
                continue
            hall.waiting.remove(tk)
            tk.called = t
            hall.done.append(tk)
            w.serving, w.current_item, w.started = True, tk.item, t
            w.streak = w.streak + 1 if tk.priority else 0
            push(t + _service_time(rng, tk.item), "finish", w)
    scored = [x for x in hall.done if x.ours is not None and x.naive is not None and x.called is not None]
    actual = [x.called - x.arrived for x in scored]  # type: ignore[operator]
    mean_wait = statistics.fmean(actual)
    mae_ours = statistics.fmean(abs(x.ours - a) for x, a in zip(scored, actual, strict=True))  # type: ignore[operator]
    mae_naive = statistics.fmean(abs(x.naive - a) for x, a in zip(scored, actual, strict=True))  # type: ignore[operator]
    return mae_ours / mean_wait, mae_naive / mean_wait, mean_wait, len(scored)


def main() -> None:
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rows = [run(s) for s in range(seeds)]
    ours = statistics.fmean(r[0] for r in rows)
    naive = statistics.fmean(r[1] for r in rows)
    print(
        f"simulated hall days: {seeds}; tickets scored per day ≈ {statistics.fmean(r[3] for r in rows):.0f}; "
        f"mean wait {statistics.fmean(r[2] for r in rows):.1f} min"
    )
    print(f"MAE ÷ mean wait — ours: {ours:.3f}   naive: {naive:.3f}   ratio ours/naive: {ours / naive:.2f}")
    print(f"days where ours beats naive: {sum(1 for r in rows if r[0] < r[1])}/{seeds}")


if __name__ == "__main__":
    main()
