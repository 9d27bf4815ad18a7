"""The fold (pure, no I/O): raw records of one hall-day → additive fact rows (运营事实), and reading them back.

Each record counts once, in the hour it belongs to (times in Asia/Shanghai):
- a ticket in its issue hour, under its queue, item, and the window and clerk that called it (none: ``""``/0):
  an arrival; served when finished, abandoned when cancelled, skipped when it stayed 过号; its wait (issue → call)
  in the buckets of ``models.WAIT_BOUNDS``; its handling time (call → finish);
- a booking in its slot's hour: booked unless cancelled, kept when checked in, missed when a no-show;
- a case in its submission hour, under its item and the clerk that accepted it: accepted, approved (approved or
  delivered), rejected (rejected or refused), done when decided, overdue when decided after its promised date,
  noticed when it got a supplement notice, ``notice_once`` when it got exactly one (一次性告知 kept);
- a current, not excluded rating in its hour, under its item, window and clerk: bad at level ≤ 2.

``fold`` is what the database holds after a fold; the property test compares it with a recount from raw records.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from smarthall.core.clock import SHANGHAI
from smarthall.operations.models import MEASURES, WAIT_BOUNDS

Key = tuple[int, str, str, str, int]  # hour, queue, item, window, staff
APPROVED = frozenset({"approved", "delivered"})
REJECTED = frozenset({"rejected", "refused"})
BAD_LEVEL = 2


def _local(dt: datetime) -> datetime:
    return dt.astimezone(SHANGHAI)


def wait_bucket(seconds: float) -> int:
    return bisect.bisect_left(WAIT_BOUNDS, seconds / 60.0)


@dataclass
class DayFacts:
    rows: dict[Key, dict[str, int]]

    def add(self, key: Key, **values: int) -> None:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = dict.fromkeys(MEASURES, 0)
        for name, value in values.items():
            row[name] += value


def fold(
    tickets: Iterable[Mapping[str, Any]],
    bookings: Iterable[Mapping[str, Any]] = (),
    cases: Iterable[Mapping[str, Any]] = (),
    ratings: Iterable[Mapping[str, Any]] = (),
) -> dict[Key, dict[str, int]]:
    """The fact rows of one hall-day from its raw records (cases carry ``notices``: their supplement count)."""
    out = DayFacts({})
    for t in tickets:
        key = (_local(t["issued_at"]).hour, t["queue_code"], t["item_code"], t["window_code"] or "", t["staff_id"] or 0)
        values = {
            "arrivals": 1,
            "priority": int(bool(t["priority"])),
            "served": int(t["status"] == "finished"),
            "abandoned": int(t["status"] == "cancelled"),
            "skipped": int(t["status"] == "skipped"),
            "transferred": int((t["transfer_count"] or 0) > 0),
        }
        if t["called_at"] is not None:
            wait = max(0, int((t["called_at"] - t["issued_at"]).total_seconds()))
            values.update(wait_n=1, wait_sum=wait, wait_over30=int(wait > 1800))
            values[f"w{wait_bucket(wait)}"] = 1
            if t["status"] == "finished" and t["finished_at"] is not None:
                values.update(handle_n=1, handle_sum=max(0, int((t["finished_at"] - t["called_at"]).total_seconds())))
        out.add(key, **values)
    for b in bookings:
        key = (_local(b["starts_at"]).hour, "", b["item_code"], "", 0)
        out.add(
            key,
            appt_booked=int(b["status"] != "cancelled"),
            appt_kept=int(b["status"] == "checked_in"),
            appt_missed=int(b["status"] == "no_show"),
        )
    for c in cases:
        key = (_local(c["submitted_at"]).hour, "", c["item_code"], "", c["accepted_by"] or 0)
        decided = c["decided_at"]
        done = decided is not None
        overdue = done and _local(decided).date() > c["promised_due"]
        notices = int(c.get("notices") or 0)
        out.add(
            key,
            cases_submitted=1,
            cases_accepted=int(c["accepted_at"] is not None),
            cases_approved=int(c["status"] in APPROVED),
            cases_rejected=int(c["status"] in REJECTED),
            cases_done=int(done),
            cases_overdue=int(overdue),
            cases_on_time=int(done and not overdue),
            case_days_sum=(_local(decided).date() - _local(c["submitted_at"]).date()).days if done else 0,
            cases_noticed=int(notices > 0),
            cases_notice_once=int(notices == 1),
        )
    for r in ratings:
        if not r["current"] or r["excluded"]:
            continue
        key = (_local(r["rated_at"]).hour, "", r["item_code"] or "", r["window_code"] or "", r["staff_id"] or 0)
        out.add(key, ratings_n=1, ratings_sum=int(r["level"]), ratings_bad=int(r["level"] <= BAD_LEVEL))
    return out.rows


def rollup(
    rows: Mapping[Key, Mapping[str, int]], grains: Sequence[str]
) -> dict[tuple[str, int, str, str], dict[str, int]]:
    """The day-level rollup of one hall-day's fact rows: per grain (``day``, ``hour``, ``item``, ``window``) the sums
    by the grain's own column, (grain, hour, item, window) with -1 / "" in the columns a grain does not split on."""
    out: dict[tuple[str, int, str, str], dict[str, int]] = {}
    if not rows:
        return out
    matrix = np.array([[m[name] for name in MEASURES] for m in rows.values()], dtype=np.int64)
    for grain in grains:
        index: dict[tuple[str, int, str, str], int] = {}
        at = [index.setdefault((grain, hour if grain == "hour" else -1, item if grain == "item" else "",
                                window if grain == "window" else ""), len(index))
              for hour, _queue, item, window, _staff in rows]  # fmt: skip
        sums = np.zeros((len(index), len(MEASURES)), dtype=np.int64)
        np.add.at(sums, np.array(at, dtype=np.int64), matrix)
        table = sums.tolist()
        out.update((key, dict(zip(MEASURES, table[k], strict=True))) for key, k in index.items())
    return out


def case_day(submitted_at: datetime) -> date:
    return _local(submitted_at).date()


def percentile(buckets: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile (0–1) of waits from bucket counts, in minutes, interpolated inside its bucket."""
    total = sum(buckets)
    if total == 0:
        return None
    rank = q * total
    seen = 0.0
    lower = 0.0
    for i, count in enumerate(buckets):
        upper = WAIT_BOUNDS[i] if i < len(WAIT_BOUNDS) else WAIT_BOUNDS[-1] * 1.5
        if count and seen + count >= rank:
            return round(lower + (upper - lower) * (rank - seen) / count, 1)
        seen += count
        lower = upper
    return round(lower, 1)


def derived(row: Mapping[str, Any]) -> dict[str, Any]:
    """The readable figures of summed measures: rates, means, percentiles."""
    buckets = [int(row.get(f"w{i}") or 0) for i in range(len(WAIT_BOUNDS) + 1)]

    def ratio(a: str, b: str) -> float | None:
        return round(float(row[a]) / float(row[b]), 4) if row.get(b) else None

    return {
        "wait_mean_min": round(row["wait_sum"] / row["wait_n"] / 60, 1) if row.get("wait_n") else None,
        "wait_p50_min": percentile(buckets, 0.5),
        "wait_p90_min": percentile(buckets, 0.9),
        "wait_p95_min": percentile(buckets, 0.95),
        "handle_mean_min": round(row["handle_sum"] / row["handle_n"] / 60, 1) if row.get("handle_n") else None,
        "abandon_rate": ratio("abandoned", "arrivals"),
        "no_show_rate": ratio("appt_missed", "appt_booked"),
        "on_time_rate": ratio("cases_on_time", "cases_done"),
        "notice_once_rate": ratio("cases_notice_once", "cases_noticed"),
        "satisfaction": round(row["ratings_sum"] / row["ratings_n"], 2) if row.get("ratings_n") else None,
        "bad_rate": ratio("ratings_bad", "ratings_n"),
        "case_days_mean": round(row["case_days_sum"] / row["cases_done"], 1) if row.get("cases_done") else None,
    }
