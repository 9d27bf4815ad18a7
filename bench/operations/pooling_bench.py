"""The staffing plan of the demo county hall, per queue (A: Erlang C per department queue, summed — what the plan did
before ops13) against pooled (B: one Erlang C on the summed load of the queues its comprehensive windows share), both
simulated in the hall as it is (one pool of comprehensive counters) on the same days (common random numbers).

Day: the demo hall's true arrival process (``arrivals.expected_hourly`` per queue; the volume sized to its 7 staffed
windows), an ordinary Tuesday (2026-12-01) and a month-end Monday (2026-11-30); the lunch break (12:00–14:00) closed,
its tickets counted in the 14:00 hour, as the staffing API does. Default targets (mean ≤ 15, P95 ≤ 30, priority P95
≤ 10 min). 200 simulated days per plan.

Run: ``.venv/bin/python bench/operations/pooling_bench.py [days]``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from smarthall.operations import arrivals, erlang, hourplan, staffing
from smarthall.operations.calendar import day_info, minute_of_day, open_periods

CATALOG = json.loads((Path(arrivals.__file__).parent.parent / "data" / "catalog.json").read_text())
HALL = next(h for h in CATALOG["halls"] if h["code"] == "H-690102")
GOAL = erlang.Target.from_rules(15, 30, 10)
DAYS = {"tuesday": date(2026, 12, 1), "month_end_monday": date(2026, 11, 30)}


def plans(profile: arrivals.HallProfile, day: date, pools: dict[str, frozenset[str]]) -> tuple[list, list[int]]:
    """Per hour (hour, arrivals per queue) and the counters of the plan with ``pools`` (closed hours 0)."""
    queues = sorted({i.queue for i in profile.items})
    mix = staffing.queue_mix(profile.items)
    service = {q: mix[q].service for q in queues}
    prio = {q: mix[q].priority for q in queues}
    per_queue = {q: arrivals.expected_hourly(profile, day, queue=q) for q in queues}
    hours = sorted({h for v in per_queue.values() for h in v})
    spans = [(minute_of_day(a), minute_of_day(b)) for a, b in open_periods(profile.hours, day_info(day))]
    shown, counters, carried, previous = [], [], {}, {}
    for h in hours:
        here = {q: per_queue[q].get(h, 0.0) for q in queues}
        shown.append((h, here))
        need = {q: v + carried.pop(q, 0.0) for q, v in here.items()}
        if not any(a < (h + 1) * 60 and b > h * 60 for a, b in spans):
            carried = {q: carried.get(q, 0.0) + v for q, v in need.items()}
            counters.append(0)
            continue
        _, per_pool = hourplan.hour_plan(need, service, prio, previous, pools, GOAL)
        previous = {q: v / 60 for q, v in need.items()}
        counters.append(max(sum(p["sipp"] for p in per_pool.values()), sum(p["lag_sipp"] for p in per_pool.values())))
    return shown, counters, service, prio


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    profile = arrivals.profile_for_hall(HALL, CATALOG["items"], counters=7)
    queues = sorted({i.queue for i in profile.items})
    print(f"demo county hall: {profile.daily_volume:.0f} arrivals on an ordinary Tuesday, {len(queues)} queues")
    for name, day in DAYS.items():
        shown, per_queue, service, prio = plans(profile, day, {q: frozenset({q}) for q in queues})
        _, pooled, _, _ = plans(profile, day, {"all": frozenset(queues)})
        model = staffing.forecast_model(shown, {q: (service[q], prio[q]) for q in queues},
                                        pools={"all": frozenset(queues)})  # fmt: skip
        samples = [model.sample(arrivals.rng_for(8, f"pool:{name}", k), day=day) for k in range(n)]
        print(f"{name} {day} arrivals {sum(sum(v.values()) for _, v in shown):.0f}")
        for label, counters in (("A per queue, summed", per_queue), ("B pooled", pooled)):
            plan = staffing.Staffing(model.start, model.period, {"all": tuple(counters)})
            t0 = time.perf_counter()
            score = staffing.evaluate(model, plan, samples, GOAL)
            p99, worst = score.worst_waits(0.01)
            gave_up = score.abandoned / max(1, score.tickets)
            open_ = np.array([c > 0 for c in counters])
            counted = (score.counts > 0)[:, open_, :]
            met_open = float((score.met[:, open_, :] & counted).sum() / max(1, counted.sum()))
            print(f"  {label:20} counters/h {counters} counter-h {sum(counters):3d} peak {max(counters):2d} "
                  f"met {met_open:.2%} of open period-days ({score.share_met:.2%} with the lunch hours) "
                  f"P99 wait {p99:.1f} worst-1% mean {worst:.1f} min gave up {gave_up:.2%} "
                  f"({time.perf_counter() - t0:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
