"""Forecast benchmark: the negative-binomial model against the weekly seasonal-naive forecast and the mean of the same
weekday-hour over the last 4 weeks, on generated history whose true arrival process is known.

For each hall size (a township station, a county hall, a city centre) the history is drawn from
``operations.arrivals`` from 2024-01-01; each fold holds out 4 weeks, forecast 14 days at a time (the second
fortnight refitted with the first's actuals, as a hall would), every open hour scored:
- fold ``national_day``: 2026-09-21 … 2026-10-18 (Mid-Autumn on the 25th, National Day 1–7 October, the post-holiday
  week with an adjusted working Saturday on the 10th);
- fold ``spring_festival``: 2026-02-09 … 2026-03-08 (closed 15–23 February, post-holiday from the 24th).
MASE is scaled by the in-sample MAE of the lag-7 seasonal-naive forecast over the training days' open hours. "oracle"
is the true mean of the generating process (the best any forecast can do on average).

``--demo`` draws the demo halls' own volumes instead of the fixed sizes: each sized to its counters as
``operations.history`` does (``arrivals.volume_for_counters``: the county hall's 7 staffed windows, 3 for a township
station and 20 for a city centre without windows in the catalog), ~67, ~172 and ~490 arrivals on an ordinary Tuesday.

Run: ``.venv/bin/python bench/operations/forecast_bench.py [--demo] [seed …]``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from smarthall.operations import arrivals, forecast
from smarthall.operations.calendar import day_info

CATALOG = json.loads((Path(arrivals.__file__).parent.parent / "data" / "catalog.json").read_text())
HALLS = {h["code"]: h for h in CATALOG["halls"]}
SIZES = {"small": "H-690102001", "medium": "H-690102", "large": "H-690100"}
DEMO_COUNTERS = {"small": 0, "medium": 7, "large": 0}  # 0: the level's default (no windows in the catalog)
FOLDS = {"national_day": date(2026, 9, 21), "spring_festival": date(2026, 2, 9)}
START = date(2024, 1, 1)


def history(profile: arrivals.HallProfile, seed: int, end: date) -> forecast.Counts:
    counts: dict[date, dict[int, dict[str, int]]] = {}
    d = START
    while d < end:
        sample = arrivals.sample_day(profile, d, seed)
        day: dict[int, dict[str, int]] = {}
        for minute, queue in zip(sample.minute, sample.queue, strict=True):
            hour = day.setdefault(int(minute // 60), {})
            hour[queue] = hour.get(queue, 0) + 1
        counts[d] = day
        d += timedelta(days=1)
    return counts


def run_fold(profile: arrivals.HallProfile, counts: forecast.Counts, first: date) -> dict[str, float]:
    actual, ours, naive, mean4, oracle, low, high = [], [], [], [], [], [], []
    post = {"ours": [0.0, 0], "naive": [0.0, 0], "mean4": [0.0, 0]}
    for origin in (first, first + timedelta(days=14)):
        result = forecast.forecast(counts, profile.hours, origin, 14)
        for f in result:
            y = forecast.hall_total(counts, f.day, f.hour)
            n = forecast.seasonal_naive(counts, origin, f.day, f.hour)
            m = forecast.weekday_hour_mean(counts, origin, f.day, f.hour)
            actual.append(y)
            ours.append(f.mean)
            naive.append(n)
            mean4.append(m)
            low.append(f.low)
            high.append(f.high)
            oracle.append(arrivals.expected_hourly(profile, f.day).get(f.hour, 0.0))
            if day_info(f.day).post_holiday:
                for k, v in (("ours", f.mean), ("naive", n), ("mean4", m)):
                    post[k][0] += abs(y - v)
                    post[k][1] += 1
    scale = forecast.naive_scale(counts, profile.hours, first)
    out = {
        "hours": len(actual),
        "mean_per_hour": sum(actual) / len(actual),
        "mase": forecast.mase(actual, ours, scale),
        "mase_naive": forecast.mase(actual, naive, scale),
        "mase_mean4": forecast.mase(actual, mean4, scale),
        "mase_oracle": forecast.mase(actual, oracle, scale),
        "coverage80": forecast.coverage(actual, low, high),
    }
    out["vs_mean4"] = 1 - out["mase"] / out["mase_mean4"]
    out["vs_naive"] = out["mase"] / out["mase_naive"]
    for k, (err, n) in post.items():
        out[f"post_mae_{k}"] = err / n if n else float("nan")
    return out


def main() -> None:
    demo = "--demo" in sys.argv[1:]
    seeds = [int(a) for a in sys.argv[1:] if a != "--demo"] or [2026]
    summary: dict[str, list[dict[str, float]]] = {size: [] for size in SIZES}
    for seed in seeds:
        print(f"seed {seed}")
        for size, code in SIZES.items():
            counters = DEMO_COUNTERS[size] if demo else None
            profile = arrivals.profile_for_hall(HALLS[code], CATALOG["items"], size=size, counters=counters)
            t0 = time.perf_counter()
            counts = history(profile, seed, date(2026, 10, 19))
            t1 = time.perf_counter()
            for fold, first in FOLDS.items():
                r = run_fold(profile, counts, first)
                summary[size].append(r)
                print(
                    f"{size:6} {fold:15} hours={r['hours']:3d} mean/h={r['mean_per_hour']:6.1f} "
                    f"MASE ours={r['mase']:.3f} naive={r['mase_naive']:.3f} mean4={r['mase_mean4']:.3f} "
                    f"oracle={r['mase_oracle']:.3f} | ours/naive={r['vs_naive']:.3f} "
                    f"better-than-mean4={r['vs_mean4']:+.1%} "
                    f"| cover80={r['coverage80']:.3f} | post-holiday MAE ours={r['post_mae_ours']:.1f} "
                    f"naive={r['post_mae_naive']:.1f} mean4={r['post_mae_mean4']:.1f}"
                )
            print(f"       (history {t1 - t0:.1f} s, folds {time.perf_counter() - t1:.1f} s)")
    print(f"\nmean over {len(seeds)} seed(s) × {len(FOLDS)} folds")
    for size, rows in summary.items():

        def avg(key: str, rows: list[dict[str, float]] = rows) -> float:
            return sum(r[key] for r in rows) / len(rows)

        cover = [r["coverage80"] for r in rows]
        print(
            f"{size:6} MASE ours={avg('mase'):.3f} (worst {max(r['mase'] for r in rows):.3f}) "
            f"naive={avg('mase_naive'):.3f} mean4={avg('mase_mean4'):.3f} oracle={avg('mase_oracle'):.3f} "
            f"better-than-mean4={avg('vs_mean4'):+.1%} (least {min(r['vs_mean4'] for r in rows):+.1%}) "
            f"cover80={avg('coverage80'):.3f} (range {min(cover):.3f}–{max(cover):.3f})"
        )


if __name__ == "__main__":
    main()
