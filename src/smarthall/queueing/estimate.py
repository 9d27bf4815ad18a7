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
from collections.abc import Callable, Sequence
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
    _starts: list[list[float]] | None = None,
    _free_at: list[float] | None = None,
    _open_to_priority: list[list[float]] | None = None,
    _pause: Callable[[], None] | None = None,
) -> dict[int, Estimate]:
    """Estimates for every waiting ticket (or the first ``limit`` dispatched). ``_starts`` and ``_free_at``
    (one entry per window) receive each window's replayed start times (ascending) and when it ran out of work;
    ``_open_to_priority`` the times each window took an ordinary ticket only because no priority one was there
    (a new priority ticket would have been taken instead). ``_pause`` is called every few hundred dispatches (a
    background caller lets other threads run).

    Windows take turns by the time they are free (ties: the first window). "Ahead" of a ticket counts the tickets
    that the windows able to serve it start before it; dispatches come in time order, so it is counted as the
    replay goes (per item, strictly earlier starts only)."""
    # Lines per (item, priority) and per target window, each in place-in-line order; entries are
    # (queued_min, id, ticket) so that the head of a line compares by place in line.
    lines: dict[tuple[str, bool], deque[tuple[float, int, WaitingTicket]]] = {}
    targeted: dict[str, deque[tuple[float, int, WaitingTicket]]] = {}
    for t in sorted(waiting, key=lambda t: (t.queued_min, t.id)):
        entry = (t.queued_min, t.id, t)
        if t.target_window:
            targeted.setdefault(t.target_window, deque()).append(entry)
        else:
            lines.setdefault((t.item_code, t.priority), deque()).append(entry)
    item_codes = sorted({item for item, _ in lines})
    means = {t.item_code: stats.mean(t.item_code) for t in waiting}
    prio_lines = [[lines[(i, True)] for i in item_codes if w.serves(i) and (i, True) in lines] for w in windows]
    ord_lines = [[lines[(i, False)] for i in item_codes if w.serves(i) and (i, False) in lines] for w in windows]
    own_lines = [targeted.get(w.code) for w in windows]
    served_items = [[i for i in item_codes if w.serves(i)] for w in windows]
    # Counters for "ahead": per item over the windows serving it, and per window (transferred tickets).
    count: dict[str, int] = dict.fromkeys(item_codes, 0)
    at_clock: dict[str, tuple[float, int]] = dict.fromkeys(item_codes, (-1.0, 0))
    win_count = [0] * len(windows)
    win_at: list[tuple[float, int]] = [(-1.0, 0)] * len(windows)
    heap = [(max(w.busy_for, 0.0), i) for i, w in enumerate(windows)]
    heapq.heapify(heap)
    streaks = [w.priority_streak for w in windows]
    out: dict[int, Estimate] = {}
    remaining = len(waiting)
    dispatched = 0
    while heap and remaining > 0 and (limit is None or dispatched < limit):
        clock, wi = heapq.heappop(heap)
        line = own_lines[wi]
        if line:
            chosen = line[0]
            open_to_priority = False
        else:
            best_prio = best_ord = None
            for dq in prio_lines[wi]:
                if dq and (best_prio is None or dq[0] < best_prio[0]):
                    best_prio = dq
            for dq in ord_lines[wi]:
                if dq and (best_ord is None or dq[0] < best_ord[0]):
                    best_ord = dq
            open_to_priority = False
            if best_ord is not None and (
                streaks[wi] >= max_priority_streak or clock - best_ord[0][0] >= max_ordinary_wait
            ):
                line = best_ord
            elif best_prio is not None:
                line = best_prio
            else:
                line = best_ord
                open_to_priority = line is not None
            if line is None:  # nothing left this window may serve: it drops out
                if _free_at is not None:
                    _free_at[wi] = clock
                continue
            chosen = line[0]
        if open_to_priority and _open_to_priority is not None:
            _open_to_priority[wi].append(clock)
        line.popleft()
        ticket = chosen[2]
        if ticket.target_window:
            seen_at, n_at = win_at[wi]
            ahead = win_count[wi] - (n_at if seen_at == clock else 0)
        else:
            seen_at, n_at = at_clock[ticket.item_code]
            ahead = count[ticket.item_code] - (n_at if seen_at == clock else 0)
        out[ticket.id] = Estimate(ahead=ahead, wait_minutes=round(clock, 1))
        for item in served_items[wi]:
            seen_at, n_at = at_clock[item]
            at_clock[item] = (clock, n_at + 1 if seen_at == clock else 1)
            count[item] += 1
        seen_at, n_at = win_at[wi]
        win_at[wi] = (clock, n_at + 1 if seen_at == clock else 1)
        win_count[wi] += 1
        if _starts is not None:
            _starts[wi].append(clock)
        streaks[wi] = streaks[wi] + 1 if ticket.priority else 0
        remaining -= 1
        dispatched += 1
        if _pause is not None and not dispatched % 256:
            _pause()
        heapq.heappush(heap, (clock + means[ticket.item_code], wi))
    if _free_at is not None:
        for clock, wi in heap:  # still busy when the line ran out
            _free_at[wi] = clock
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


def snapshot(
    waiting: Sequence[WaitingTicket],
    windows: Sequence[OpenWindow],
    stats: ServiceStats,
    *,
    max_priority_streak: int = 3,
    max_ordinary_wait: float = 30.0,
    pause: Callable[[], None] | None = None,
) -> Snapshot:
    """Replay the whole line once (see ``simulate``) and keep what ``Snapshot.append`` needs."""
    free_at = [max(w.busy_for, 0.0) for w in windows]
    starts: list[list[float]] = [[] for _ in windows]
    open_to_priority: list[list[float]] = [[] for _ in windows]
    estimates = simulate(
        waiting,
        windows,
        stats,
        max_priority_streak=max_priority_streak,
        max_ordinary_wait=max_ordinary_wait,
        _starts=starts,
        _free_at=free_at,
        _open_to_priority=open_to_priority,
        _pause=pause,
    )
    return Snapshot(windows, stats, free_at, starts, estimates, open_to_priority)
