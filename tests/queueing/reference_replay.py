"""The replay as first written — plain, one window decision at a time, "ahead" counted afterwards by bisection.
Kept as the specification the optimised ``estimate.simulate`` is property-tested against."""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from smarthall.queueing.estimate import Estimate, OpenWindow, ServiceStats, WaitingTicket


def reference_simulate(
    waiting: Sequence[WaitingTicket],
    windows: Sequence[OpenWindow],
    stats: ServiceStats,
    *,
    max_priority_streak: int = 3,
    max_ordinary_wait: float = 30.0,
    limit: int | None = None,
    _starts: dict[int, tuple[float, int]] | None = None,
    _free_at: list[float] | None = None,
    _open_to_priority: list[list[float]] | None = None,
) -> dict[int, Estimate]:
    """Estimates for every waiting ticket (or the first ``limit`` dispatched). ``_starts`` and ``_free_at``
    (one entry per window) receive the replay's start times and when each window ran out of work;
    ``_open_to_priority`` the times each window took an ordinary ticket only because no priority one was there
    (a new priority ticket would have been taken instead)."""
    # Lines per (item, priority) and per target window, each in place-in-line order.
    lines: dict[tuple[str, bool], deque[WaitingTicket]] = {}
    targeted: dict[str, deque[WaitingTicket]] = {}
    for t in sorted(waiting, key=lambda t: (t.queued_min, t.id)):
        if t.target_window:
            targeted.setdefault(t.target_window, deque()).append(t)
        else:
            lines.setdefault((t.item_code, t.priority), deque()).append(t)
    item_codes = sorted({item for item, _ in lines})
    eligible = [[item for item in item_codes if w.serves(item)] for w in windows]
    heap = [(max(w.busy_for, 0.0), i) for i, w in enumerate(windows)]
    heapq.heapify(heap)
    streaks = [w.priority_streak for w in windows]
    starts: dict[int, tuple[float, int]] = {} if _starts is None else _starts
    remaining = len(waiting)
    stuck: set[int] = set()
    while heap and remaining > 0 and (limit is None or len(starts) < limit):
        clock, wi = heapq.heappop(heap)
        window = windows[wi]
        chosen, open_to_priority = _ref_next_for(
            window, clock, lines, targeted, eligible[wi], streaks[wi], max_priority_streak, max_ordinary_wait
        )
        if open_to_priority and _open_to_priority is not None:
            _open_to_priority[wi].append(clock)
        if chosen is None:
            stuck.add(wi)  # nothing left this window may serve: it drops out
            if _free_at is not None:
                _free_at[wi] = clock
            continue
        if chosen.target_window:
            targeted[chosen.target_window].popleft()
        else:
            lines[(chosen.item_code, chosen.priority)].popleft()
        streaks[wi] = streaks[wi] + 1 if chosen.priority else 0
        starts[chosen.id] = (clock, wi)
        remaining -= 1
        heapq.heappush(heap, (clock + stats.mean(chosen.item_code), wi))
    if _free_at is not None:
        for clock, wi in heap:  # still busy when the line ran out
            _free_at[wi] = clock
    return _ref_estimates(waiting, windows, starts)


def _ref_next_for(
    window: OpenWindow,
    clock: float,
    lines: Mapping[tuple[str, bool], deque[WaitingTicket]],
    targeted: Mapping[str, deque[WaitingTicket]],
    item_codes: Iterable[str],
    streak: int,
    max_streak: int,
    max_wait: float,
) -> tuple[WaitingTicket | None, bool]:
    """The ticket the window takes, and whether it took an ordinary one only for want of a priority one."""
    own = targeted.get(window.code)
    if own:
        return own[0], False
    best_prio: WaitingTicket | None = None
    best_ord: WaitingTicket | None = None
    for item in item_codes:
        for prio in (True, False):
            line = lines.get((item, prio))
            if not line:
                continue
            head = line[0]
            if prio and (best_prio is None or (head.queued_min, head.id) < (best_prio.queued_min, best_prio.id)):
                best_prio = head
            if not prio and (best_ord is None or (head.queued_min, head.id) < (best_ord.queued_min, best_ord.id)):
                best_ord = head
    if best_ord is not None and (streak >= max_streak or clock - best_ord.queued_min >= max_wait):
        return best_ord, False
    if best_prio is not None:
        return best_prio, False
    return best_ord, best_ord is not None


def _ref_estimates(
    waiting: Sequence[WaitingTicket], windows: Sequence[OpenWindow], starts: Mapping[int, tuple[float, int]]
) -> dict[int, Estimate]:
    per_window: list[list[float]] = [[] for _ in windows]
    for start, wi in starts.values():
        per_window[wi].append(start)
    for lst in per_window:
        lst.sort()
    out: dict[int, Estimate] = {}
    for t in waiting:
        hit = starts.get(t.id)
        if hit is None:
            continue
        start, _ = hit
        ahead = 0
        for wi, w in enumerate(windows):
            if (t.target_window and w.code == t.target_window) or (not t.target_window and w.serves(t.item_code)):
                ahead += bisect_left(per_window[wi], start)
        out[t.id] = Estimate(ahead=ahead, wait_minutes=round(start, 1))
    return out
