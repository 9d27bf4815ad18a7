"""Wait estimates (等候时间预测), pure: no I/O.

The naive estimate is "people ahead × mean service time ÷ open windows". Ours replays the hall forward: every open
window starts from the remaining time of the ticket it is serving, takes the next ticket it is allowed to serve
(its item set; comprehensive windows take everything) in the same calling order as the real router (transfers,
priority with the starvation guard, place in line), and spends the item's learnt mean service time on it. The
simulated start time of a ticket is its estimate; "ahead" counts the tickets that the windows able to serve it
take before it. Skills, priority and per-item service times are what the naive estimate ignores.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

DEFAULT_SERVICE_MINUTES = 8.0
PRIOR_WEIGHT = 3.0


@dataclass(frozen=True)
class WaitingTicket:
    id: int
    item_code: str
    priority: bool
    queued_min: float  # when it joined the line, minutes relative to now (≤ 0)
    target_window: str | None = None


@dataclass(frozen=True)
class OpenWindow:
    code: str
    items: frozenset[str] | None  # None: a comprehensive window, serves every item
    busy_for: float = 0.0  # minutes until the current service ends
    priority_streak: int = 0

    def serves(self, item_code: str) -> bool:
        return self.items is None or item_code in self.items


@dataclass(frozen=True)
class Estimate:
    ahead: int
    wait_minutes: float | None


@dataclass
class ServiceStats:
    """Per-item mean service minutes, shrunk towards a prior so that a few observations do not swing it."""

    prior: float = DEFAULT_SERVICE_MINUTES
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, item_code: str, minutes: float) -> None:
        self.sums[item_code] = self.sums.get(item_code, 0.0) + minutes
        self.counts[item_code] = self.counts.get(item_code, 0) + 1

    def overall(self) -> float:
        n = sum(self.counts.values())
        return (sum(self.sums.values()) + PRIOR_WEIGHT * self.prior) / (n + PRIOR_WEIGHT)

    def mean(self, item_code: str) -> float:
        base = self.overall()
        n = self.counts.get(item_code, 0)
        return (self.sums.get(item_code, 0.0) + PRIOR_WEIGHT * base) / (n + PRIOR_WEIGHT)


def naive(position: int, mean_service: float, open_windows: int) -> float | None:
    """The baseline: people ahead × mean service time ÷ open windows."""
    if open_windows <= 0:
        return None
    return position * mean_service / open_windows


def simulate(
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
        chosen, open_to_priority = _next_for(
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
    return _estimates(waiting, windows, starts)


def _next_for(
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


def _estimates(
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


@dataclass
class Snapshot:
    """A replay of the hall kept for appending new tickets cheaply (the issue response's estimate).

    ``free_at[w]`` is when window ``w`` runs out of tickets it may serve in the replay; ``starts[w]`` are the
    replayed start times on ``w``. A new *ordinary* ticket joins behind every waiting ticket (it is the youngest),
    so the replay with it included is the replay without it until the first window able to serve it runs dry: its
    start is the smallest ``free_at`` among those windows. Appending updates the snapshot, so a burst of issues
    between two replays queue behind one another.
    """

    windows: Sequence[OpenWindow]
    stats: ServiceStats
    free_at: list[float]
    starts: list[list[float]]
    estimates: dict[int, Estimate]
    open_to_priority: list[list[float]] = field(default_factory=list)

    def append(self, ticket_id: int, item_code: str) -> Estimate | None:
        best: int | None = None
        for wi, w in enumerate(self.windows):
            if w.serves(item_code) and (best is None or self.free_at[wi] < self.free_at[best]):
                best = wi
        if best is None:
            return None
        start = self.free_at[best]
        ahead = sum(bisect_left(self.starts[wi], start) for wi, w in enumerate(self.windows) if w.serves(item_code))
        insort(self.starts[best], start)
        self.free_at[best] = start + self.stats.mean(item_code)
        est = Estimate(ahead=ahead, wait_minutes=round(start, 1))
        self.estimates[ticket_id] = est
        return est

    def place_priority(self, ticket_id: int, item_code: str) -> Estimate | None:
        """A new priority ticket (the youngest of them): the replay with it is the replay without it until the
        first moment a window able to serve it takes an ordinary ticket for want of a priority one, or runs dry —
        that moment is its start. Exact for the first one placed; later ones until the next replay are close."""
        best: tuple[float, int] | None = None
        for wi, w in enumerate(self.windows):
            if not w.serves(item_code):
                continue
            opens = self.open_to_priority[wi] if wi < len(self.open_to_priority) else []
            t = opens[0] if opens else self.free_at[wi]
            if best is None or (t, wi) < best:
                best = (t, wi)
        if best is None:
            return None
        start, wi = best
        ahead = sum(bisect_left(self.starts[wj], start) for wj, w in enumerate(self.windows) if w.serves(item_code))
        opens = self.open_to_priority[wi] if wi < len(self.open_to_priority) else []
        if opens and opens[0] == start:
            opens.pop(0)
        else:
            self.free_at[wi] = start + self.stats.mean(item_code)
        insort(self.starts[wi], start)
        est = Estimate(ahead=ahead, wait_minutes=round(start, 1))
        self.estimates[ticket_id] = est
        return est


def snapshot(waiting: Sequence[WaitingTicket], windows: Sequence[OpenWindow], stats: ServiceStats) -> Snapshot:
    """Replay the whole line once (see ``simulate``) and keep what ``Snapshot.append`` needs."""
    free_at = [max(w.busy_for, 0.0) for w in windows]
    starts_by_id: dict[int, tuple[float, int]] = {}
    open_to_priority: list[list[float]] = [[] for _ in windows]
    estimates = simulate(
        waiting, windows, stats, _starts=starts_by_id, _free_at=free_at, _open_to_priority=open_to_priority
    )
    starts: list[list[float]] = [[] for _ in windows]
    for start, wi in starts_by_id.values():
        starts[wi].append(start)
    for lst in starts:
        lst.sort()
    return Snapshot(windows, stats, free_at, starts, estimates, open_to_priority)
