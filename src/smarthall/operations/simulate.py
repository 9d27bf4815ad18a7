"""A hall day, simulated (pure, no I/O): arrivals with pre-drawn service times and patience (common random numbers:
two staffing plans run on the same days see the same people), counters per period and skill pool, the hall's calling
order, abandonment, no-shows at the window and the backlog after closing.

- **Pools** are groups of counters with the same skills: a set of queues (department queues), or every queue for
  comprehensive windows (综合窗口). A ``Staffing`` gives the counters of each pool per period.
- **Calling order** is the router's (``queueing.policy.calling_order``): a free counter takes the oldest priority
  ticket of the queues it serves, then the oldest ordinary one; after ``max_priority_streak`` priority calls in a row
  at that counter, or once the oldest ordinary ticket has waited ``max_ordinary_wait`` minutes, ordinary first. An
  arriving ticket goes to a free counter of the most specialised pool that serves it.
- **Period changes**: more counters start at once; fewer counters close idle ones first, busy ones after their
  current service (no one is cut off).
- **Abandonment**: a ticket not called within its patience has left (its wait is the patience).
- **Absent when called** (过号): the counter spends ``absent_minutes`` and moves on; not counted as a wait.
- **Closing**: no one arrives after the last period; the counters of the last period keep serving the backlog for up
  to ``overtime_limit`` minutes, then whoever still waits is sent home (counted as abandoned).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from smarthall.operations.arrivals import DaySample

SERVED, ABANDONED, ABSENT = 1, 2, 3


@dataclass(frozen=True)
class Pool:
    name: str
    queues: frozenset[str] | None = None  # None: a comprehensive pool, serves every queue

    def serves(self, queue: str) -> bool:
        return self.queues is None or queue in self.queues


@dataclass(frozen=True)
class Staffing:
    start: float  # minute of the day the first period begins
    period: float  # minutes per period
    counters: Mapping[str, tuple[int, ...]]  # pool name → counters in each period

    @property
    def periods(self) -> int:
        return max((len(v) for v in self.counters.values()), default=0)

    @property
    def end(self) -> float:
        return self.start + self.period * self.periods

    def counter_hours(self) -> float:
        return sum(sum(v) for v in self.counters.values()) * self.period / 60

    def period_of(self, minute: float) -> int:
        return min(max(int((minute - self.start) // self.period), 0), self.periods - 1)

    def with_counter(self, pool: str, period: int, delta: int) -> Staffing:
        row = list(self.counters[pool])
        row[period] = max(0, row[period] + delta)
        return Staffing(self.start, self.period, {**self.counters, pool: tuple(row)})


@dataclass(frozen=True)
class SimRule:
    max_priority_streak: int = 3
    max_ordinary_wait: float = 30.0
    absent_minutes: float = 1.0
    overtime_limit: float = 120.0


@dataclass
class DayResult:
    wait: list[float]  # per arrival: minutes until called, or until it left
    outcome: list[int]  # SERVED, ABANDONED or ABSENT
    counter: list[int]  # the counter that called it (-1 if none)
    last_finish: float = 0.0  # when the last service of the day ended
    busy_minutes: float = 0.0
    overtime_minutes: float = 0.0  # counter-minutes worked after the last period
    started: list[float] = field(default_factory=list)


class _Counter:
    __slots__ = ("pool", "active", "busy", "leaving", "streak")

    def __init__(self, pool: int) -> None:
        self.pool = pool
        self.active = False
        self.busy = False
        self.leaving = False
        self.streak = 0


def simulate_day(sample: DaySample, pools: Sequence[Pool], staffing: Staffing, rule: SimRule = SimRule()) -> DayResult:
    n = len(sample)
    minute, queue_of, prio = sample.minute, sample.queue, sample.priority
    service, patience, absent = sample.service, sample.patience, sample.absent
    wait = [0.0] * n
    outcome = [0] * n
    who = [-1] * n
    started = [0.0] * n
    queues = sorted(set(queue_of) | {q for p in pools if p.queues for q in p.queues})
    lines_p: dict[str, deque[int]] = {q: deque() for q in queues}
    lines_o: dict[str, deque[int]] = {q: deque() for q in queues}
    serves = [[q for q in queues if p.serves(q)] for p in pools]
    order = sorted(range(len(pools)), key=lambda i: len(serves[i]))
    pools_for = {q: [i for i in order if pools[i].serves(q)] for q in queues}
    names = [p.name for p in pools]
    plan = [tuple(staffing.counters.get(name, ())) for name in names]
    counters: list[_Counter] = []
    members: list[list[int]] = [[] for _ in pools]
    idle: list[list[int]] = [[] for _ in pools]
    heap: list[tuple[float, int, int, int]] = []  # (time, kind, seq, payload): 0 a service ends, 1 a period starts
    seq = 0
    busy_total = 0.0
    overtime = 0.0
    last_finish = 0.0
    end = staffing.end
    periods = staffing.periods
    for p in range(periods + 1):
        heapq.heappush(heap, (staffing.start + p * staffing.period, 1, seq, p))
        seq += 1

    def head(line: deque[int], now: float) -> int:
        while line:
            i = line[0]
            if minute[i] + patience[i] < now:
                line.popleft()
                wait[i] = patience[i]
                outcome[i] = ABANDONED
                continue
            return i
        return -1

    def pick(k: int, now: float) -> int:
        c = counters[k]
        best_p = best_o = -1
        for q in serves[c.pool]:
            i = head(lines_p[q], now)
            if i >= 0 and (best_p < 0 or minute[i] < minute[best_p]):
                best_p = i
            j = head(lines_o[q], now)
            if j >= 0 and (best_o < 0 or minute[j] < minute[best_o]):
                best_o = j
        if best_p < 0 and best_o < 0:
            return -1
        starving = best_o >= 0 and (
            c.streak >= rule.max_priority_streak or now - minute[best_o] >= rule.max_ordinary_wait
        )
        chosen = best_o if (best_p < 0 or starving) else best_p
        (lines_p if prio[chosen] else lines_o)[queue_of[chosen]].popleft()
        c.streak = c.streak + 1 if prio[chosen] else 0
        return chosen

    def start(k: int, i: int, now: float) -> None:
        nonlocal seq, busy_total, overtime, last_finish
        c = counters[k]
        c.busy = True
        wait[i] = now - minute[i]
        who[i] = k
        started[i] = now
        length = rule.absent_minutes if absent[i] else service[i]
        outcome[i] = ABSENT if absent[i] else SERVED
        busy_total += length
        done = now + length
        if done > end:
            overtime += done - max(now, end)
        last_finish = max(last_finish, done)
        heapq.heappush(heap, (done, 0, seq, k))
        seq += 1

    def work(k: int, now: float) -> None:
        """Counter ``k`` is free at ``now``: take the next ticket, or rest."""
        c = counters[k]
        c.busy = False
        if c.leaving:
            c.leaving = c.active = False
            return
        if not c.active:
            return
        if now >= end + rule.overtime_limit:
            return
        i = pick(k, now)
        if i >= 0:
            start(k, i, now)
        else:
            idle[c.pool].append(k)

    def set_counters(p: int, now: float) -> None:
        for pool in range(len(pools)):
            row = plan[pool]
            want = row[p] if p < len(row) else (row[-1] if row else 0)
            on = [k for k in members[pool] if counters[k].active and not counters[k].leaving]
            if want > len(on):
                for k in members[pool]:  # call back those on their way out, then the rest
                    if len(on) >= want:
                        break
                    if counters[k].active and counters[k].leaving:
                        counters[k].leaving = False
                        on.append(k)
                spare = [k for k in members[pool] if not counters[k].active]
                while len(on) < want:
                    if spare:
                        k = spare.pop()
                    else:
                        k = len(counters)
                        counters.append(_Counter(pool))
                        members[pool].append(k)
                    counters[k].active = True
                    on.append(k)
                    work(k, now)
            elif want < len(on):
                excess = len(on) - want
                for k in list(idle[pool]):
                    if excess == 0:
                        break
                    idle[pool].remove(k)
                    counters[k].active = False
                    excess -= 1
                for k in on:
                    if excess == 0:
                        break
                    if counters[k].busy and not counters[k].leaving:
                        counters[k].leaving = True
                        excess -= 1

    a = 0
    while a < n or heap:
        if heap and (a >= n or heap[0][0] <= minute[a]):
            now, kind, _, payload = heapq.heappop(heap)
            if kind == 0:
                work(payload, now)
            elif payload < periods:
                set_counters(payload, now)
            # after the last period its counters serve the backlog until ``overtime_limit`` (see ``work``)
            continue
        i = a
        a += 1
        now = minute[i]
        (lines_p if prio[i] else lines_o)[queue_of[i]].append(i)
        for pool in pools_for[queue_of[i]]:
            if idle[pool]:
                k = idle[pool].pop()
                j = pick(k, now)
                if j >= 0:
                    start(k, j, now)
                else:
                    idle[pool].append(k)
                break
    for q in queues:  # sent home at closing, or gave up before
        for line in (lines_p[q], lines_o[q]):
            for i in line:
                outcome[i] = ABANDONED
                wait[i] = min(patience[i], end + rule.overtime_limit - minute[i])
    return DayResult(wait, outcome, who, last_finish, busy_total, overtime, started)
