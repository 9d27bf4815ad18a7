"""Staffing benchmark: SIPP, Lag-SIPP, square-root staffing and the simulation-checked plan on the four day types of
``operations.daytypes``, scored on 200 simulated days with common random numbers (every plan meets the same people).

The simulated plans are searched on *training* days (seed 7) and scored on *other* days (seed 8), so their figures
are out of sample:
- ``sim``: every (queue, period) meets the target on ≥ 95 % of 400 training days;
- ``sim≥lag``: every (queue, period) does at least as well as Lag-SIPP does on the same 400 training days — the
  plan that is asked to dominate Lag-SIPP.
Two service targets: the default rule settings (mean ≤ 15 min, P95 ≤ 30 min, priority P95 ≤ 10 min) and a tight one
(mean ≤ 5 min, P(W ≤ 10) ≥ 0.8, priority P(W ≤ 5) ≥ 0.9) under which SIPP falls short, as in the literature.

Run: ``.venv/bin/python bench/operations/staffing_bench.py [default|tight] [day type …]``.
"""

from __future__ import annotations

import sys
import time

from smarthall.operations import erlang
from smarthall.operations import staffing as plans
from smarthall.operations.daytypes import DAY_TYPES

TARGETS = {
    "default": erlang.Target.from_rules(15, 30, 10),
    "tight": erlang.Target(5.0, ((10.0, 0.8),), ((5.0, 0.9),)),
}
TRAIN, TEST = 400, 200
HEADER = "plan      counter-h  vs SIPP  met     worst period  P99 wait  worst-1% mean  overtime h/day  gave up"


def main() -> None:
    names = [a for a in sys.argv[1:] if a in TARGETS] or list(TARGETS)
    types = [a for a in sys.argv[1:] if a in DAY_TYPES] or list(DAY_TYPES)
    for target_name in names:
        target = TARGETS[target_name]
        for name in types:
            day = DAY_TYPES[name]
            train, test = day.samples(7, TRAIN), day.samples(8, TEST)
            t0 = time.perf_counter()
            found = {
                "SIPP": plans.sipp_plan(day.model, target),
                "Lag-SIPP": plans.lag_sipp_plan(day.model, target),
                "sqrt": plans.sqrt_plan(day.model, target),
            }
            found["sim"] = plans.simulated_plan(day.model, target, train, level=0.95)
            t1 = time.perf_counter()
            level = plans.shares_of(day.model, found["Lag-SIPP"], train, target)
            found["sim≥lag"] = plans.simulated_plan(day.model, target, train, level=level)
            t2 = time.perf_counter()
            tickets = sum(len(s) for s in test) / TEST
            print(f"\n{target_name} / {name}: {tickets:.0f} tickets a day; search {t1 - t0:.0f} s + {t2 - t1:.0f} s")
            print(HEADER)
            sipp_hours = found["SIPP"].counter_hours()
            scored = {}
            for label, plan in found.items():
                ev = plans.evaluate(day.model, plan, test, target)
                scored[label] = (plan.counter_hours(), ev.share_met)
                p99, worst = ev.worst_waits(0.01)
                print(
                    f"{label:9} {plan.counter_hours():8.1f}  {plan.counter_hours() / sipp_hours - 1:+6.1%}  "
                    f"{ev.share_met:.2%}  {ev.period_met().min():11.1%}  {p99:7.1f}  {worst:12.1f}  "
                    f"{ev.overtime_minutes / TEST / 60:13.2f}  {ev.abandoned / max(1, ev.tickets):.2%}"
                )
            sim_h, sim_met = scored["sim"]
            dom_h, dom_met = scored["sim≥lag"]
            lag_h, lag_met = scored["Lag-SIPP"]
            print(
                f"checks: sim meets ≥ 95% {'yes' if sim_met >= 0.95 else 'NO'}, "
                f"within SIPP + 5% {'yes' if sim_h <= 1.05 * sipp_hours + 1e-9 else 'NO'}; "
                f"sim≥lag dominates Lag-SIPP {'yes' if dom_met >= lag_met and dom_h <= lag_h + 1e-9 else 'NO'} "
                f"({dom_met:.2%} vs {lag_met:.2%} at {dom_h:.1f} vs {lag_h:.1f} counter-hours)"
            )
            for label in ("SIPP", "sim", "sim≥lag"):
                rows = found[label].counters.values()
                print(f"  {label:8}", " ".join("".join(f"{c:3d}" for c in row) for row in rows))


if __name__ == "__main__":
    main()
