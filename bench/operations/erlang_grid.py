"""Erlang C staffing counts on the issue's grid, against an independent exact computation.

Grid: 5–200 arrivals per hour (step 5) × 3–30 minutes of mean service (step 1) × targets mean wait ≤ 5 / 10 / 15
minutes and P(W ≤ T) ≥ 0.8 / 0.9 for T = 5 / 10 / 15 minutes: 40 × 28 × 9 = 10,080 counts. ``operations.erlang``
(log space, floats) must give the same count as ``operations.erlang_exact`` (rational arithmetic, 60-digit
exponentials) everywhere. Also shows the square-root rule's error on the same grid and that log space survives
loads far past where the plain formula overflows.

Run: ``.venv/bin/python bench/operations/erlang_grid.py``.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

from smarthall.operations import erlang, erlang_exact


def main() -> None:
    targets: list[tuple[str, erlang.Target, dict]] = []
    for m in (5, 10, 15):
        targets.append((f"mean<={m}", erlang.Target(float(m), (), ()), {"mean": m}))
    for t in (5, 10, 15):
        for q in (Fraction(8, 10), Fraction(9, 10)):
            targets.append(
                (f"P(W<={t})>={float(q)}", erlang.Target(None, ((float(t), float(q)),), ()), {"within": (t, q)})
            )
    mismatches, total, sqrt_off, sqrt_max = [], 0, 0, 0
    t_fast = t_exact = 0.0
    for per_hour in range(5, 201, 5):
        for service in range(3, 31):
            for name, target, exact_args in targets:
                t0 = time.perf_counter()
                fast = erlang.counters_needed(per_hour / 60, float(service), target)
                t1 = time.perf_counter()
                exact = erlang_exact.counters_exact(per_hour, service, **exact_args)
                t2 = time.perf_counter()
                t_fast += t1 - t0
                t_exact += t2 - t1
                total += 1
                if fast != exact:
                    mismatches.append((per_hour, service, name, fast, exact))
                root = erlang.sqrt_staffing(per_hour / 60, float(service), target)
                sqrt_off += root != exact
                sqrt_max = max(sqrt_max, abs(root - exact))
    print(f"grid points: {total}; log-space vs exact mismatches: {len(mismatches)}")
    for row in mismatches[:20]:
        print("  mismatch", row)
    print(f"time: log space {t_fast * 1e6 / total:.0f} µs per count, exact {t_exact * 1e3 / total:.1f} ms per count")
    print(
        f"square-root staffing differs from exact at {sqrt_off} points ({sqrt_off / total:.1%}), by at most {sqrt_max}"
    )
    for load in (50.0, 200.0, 1000.0, 5000.0):  # a^c and c! overflow a double long before their ratio does
        c = erlang.counters_needed(load / 10, 10.0, erlang.Target())
        overflow = c * math.log(load) > 709 or math.lgamma(c + 1) > 709
        print(
            f"load {load:.0f} Erlangs: {c} counters, C = {erlang.erlang_c(c, load):.4f}, "
            f"a^c or c! as a double: {'overflows' if overflow else 'fits'}"
        )


if __name__ == "__main__":
    main()
