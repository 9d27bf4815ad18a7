"""Counters per period for a service target (pure, no I/O): the queueing baselines and a plan checked by simulation.

- **SIPP** (stationary independent period by period): each period is staffed as if its average arrival rate lasted
  for ever, with Erlang C (``operations.erlang``).
- **Lag-SIPP** (Green, Kolesar & Soares 2001): the same with the arrival rate lagged by the mean service time,
  since the load at the counters trails the arrivals.
- **Square-root staffing**: ``⌈a + β√a⌉`` per period with β from the Halfin–Whitt approximation.
- **Simulated** (``simulated_plan``): an iterative search over the whole day on common random numbers. Period by
  period in time order, counters are added to the pool serving the worst queue until the period meets the target on
  at least ``level`` of the training days (later periods held at the SIPP plan meanwhile); any period that then
  fails gets counters, earliest first; then counters are taken away one at a time wherever every period still meets
  the level. Because whole days are simulated, the queue carried from a peak into the next period and the backlog at
  closing — what SIPP, blind to the day's history, misses — are staffed for, and Erlang C's pessimism about service
  times less variable than exponential is not paid for.

A *period-day* is one queue's tickets that arrived in one period of one day; it meets the target when their waits
do (``erlang.Target``: mean, ``P(W ≤ t) ≥ q``, and the same for priority tickets). Absent tickets (过号) are left
out, those who gave up count with the time they waited. ``evaluate`` scores any plan on simulated days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from smarthall.operations import erlang
from smarthall.operations.arrivals import DaySample, ItemProfile, merge_samples, rng_for, sample_arrivals
from smarthall.operations.simulate import ABSENT, Pool, SimRule, Staffing, simulate_day

Bins = Sequence[tuple[float, float, float]]  # (start minute, end minute, expected arrivals)


@dataclass(frozen=True)
class QueueMix:
    share: float  # of the hall's arrivals
    service: float  # mean minutes
    priority: float  # share of priority tickets


def queue_mix(items: Sequence[ItemProfile]) -> dict[str, QueueMix]:
    total = sum(i.share for i in items) or 1.0
    out: dict[str, QueueMix] = {}
    for q in sorted({i.queue for i in items}):
        mine = [i for i in items if i.queue == q]
        weight = sum(i.share for i in mine)
        service = sum(i.share * i.service_mean for i in mine) / weight
        prio = sum(i.share * (1 - (1 - i.elderly_share) * (1 - i.booked_share)) for i in mine) / weight
        out[q] = QueueMix(weight / total, service, prio)
    return out


def home_pools(pools: Sequence[Pool], queues: Sequence[str]) -> dict[str, str]:
    """Each queue's most specialised pool: where the baselines put its load."""
    out = {}
    for q in queues:
        serving = [p for p in pools if p.serves(q)]
        if not serving:
            raise ValueError(f"no pool serves queue {q}")
        out[q] = min(serving, key=lambda p: len(p.queues) if p.queues is not None else math.inf).name
    return out


def mean_rate(day_bins: Bins, a: float, b: float, lag: float = 0.0) -> float:
    """Average arrivals per minute over [a, b) of the rate lagged by ``lag`` minutes."""
    if b <= a:
        return 0.0
    mass = 0.0
    for s, e, m in day_bins:
        lo, hi = max(s + lag, a), min(e + lag, b)
        if hi > lo and e > s:
            mass += m * (hi - lo) / (e - s)
    return mass / (b - a)


@dataclass(frozen=True)
class Stream:
    """Arrivals with one time shape: expected arrivals per bin and the item mix they draw from."""

    bins: tuple[tuple[float, float, float], ...]
    items: tuple[ItemProfile, ...]


@dataclass(frozen=True)
class DayModel:
    """What the plans are computed from: the day's arrival streams (their sum is the hall's arrivals), the counter
    pools and the periods."""

    streams: tuple[Stream, ...]
    pools: tuple[Pool, ...]
    start: float
    end: float
    period: float = 30.0

    @property
    def periods(self) -> int:
        return math.ceil((self.end - self.start) / self.period - 1e-9)

    @property
    def items(self) -> tuple[ItemProfile, ...]:
        return tuple(i for s in self.streams for i in s.items)

    def bounds(self, p: int) -> tuple[float, float]:
        a = self.start + p * self.period
        return a, min(a + self.period, self.end)

    def stream_bins(self) -> tuple[tuple[float, float, float], ...]:
        """All streams' bins together (the hall's expected arrivals)."""
        return tuple(b for s in self.streams for b in s.bins)

    def sample(self, rng: np.random.Generator, *, day: date, day_cv: float = 0.0) -> DaySample:
        """One day: each stream drawn in turn from ``rng``, merged in arrival order."""
        return merge_samples([sample_arrivals(s.bins, s.items, rng, day=day, day_cv=day_cv) for s in self.streams])

    def loads(self, *, lag: bool = False) -> dict[str, list[tuple[float, float, float]]]:
        """Pool → per period (arrivals per minute, mean service minutes, priority share), each queue on its home
        pool; with ``lag`` the arrival rate is lagged by the queue's mean service time."""
        mixes = [queue_mix(s.items) for s in self.streams]
        home = home_pools(self.pools, sorted({q for m in mixes for q in m}))
        out: dict[str, list[tuple[float, float, float]]] = {}
        for pool in self.pools:
            rows = []
            for p in range(self.periods):
                a, b = self.bounds(p)
                rate = work = prio = 0.0
                for stream, mix in zip(self.streams, mixes, strict=True):
                    for q, m in mix.items():
                        if home[q] != pool.name:
                            continue
                        r = mean_rate(stream.bins, a, b, m.service if lag else 0.0) * m.share
                        rate, work, prio = rate + r, work + r * m.service, prio + r * m.priority
                rows.append((rate, work / rate, prio / rate) if rate > 0 else (0.0, 1.0, 0.0))
            out[pool.name] = rows
        return out


def _plan(model: DayModel, rule: str, target: erlang.Target) -> Staffing:
    loads = model.loads(lag=rule == "lag_sipp")
    size = erlang.sqrt_staffing if rule == "sqrt" else erlang.counters_needed
    counters = {
        name: tuple(size(rate, service, target, prio) for rate, service, prio in rows) for name, rows in loads.items()
    }
    return Staffing(model.start, model.period, counters)


def sipp_plan(model: DayModel, target: erlang.Target) -> Staffing:
    return _plan(model, "sipp", target)


def lag_sipp_plan(model: DayModel, target: erlang.Target) -> Staffing:
    return _plan(model, "lag_sipp", target)


def sqrt_plan(model: DayModel, target: erlang.Target) -> Staffing:
    return _plan(model, "sqrt", target)


# -- scoring on simulated days -----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    queues: list[str]
    counts: np.ndarray  # (queue, period, day) tickets counted
    met: np.ndarray  # (queue, period, day) bool
    waits: np.ndarray  # every counted wait of every day
    abandoned: int
    tickets: int
    overtime_minutes: float  # counter-minutes after the last period, summed over days
    days: int

    def period_met(self) -> np.ndarray:
        """(queue, period) share of the days whose period-day met the target (days without tickets left out)."""
        counted = self.counts > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (self.met & counted).sum(axis=2) / counted.sum(axis=2)
        return np.where(np.isnan(share), 1.0, share)

    @property
    def share_met(self) -> float:
        counted = self.counts > 0
        return float((self.met & counted).sum() / max(1, counted.sum()))

    @property
    def period_days(self) -> int:
        return int((self.counts > 0).sum())

    def worst_waits(self, share: float = 0.01) -> tuple[float, float]:
        """(the wait only ``share`` of tickets exceed, the mean wait of that worst ``share``)."""
        if not len(self.waits):
            return 0.0, 0.0
        ordered = np.sort(self.waits)
        cut = max(1, math.ceil(len(ordered) * share))
        return float(ordered[-cut]), float(ordered[-cut:].mean())


def _fractions(values: np.ndarray, cells: np.ndarray, size: int, limit: float) -> np.ndarray:
    return np.bincount(cells, weights=(values <= limit + 1e-9).astype(float), minlength=size)


def evaluate(
    model: DayModel,
    staffing: Staffing,
    samples: Sequence[DaySample],
    target: erlang.Target,
    rule: SimRule = SimRule(),
) -> Evaluation:
    queues = sorted({i.queue for i in model.items} | {q for s in samples for q in s.queue})
    qindex = {q: k for k, q in enumerate(queues)}
    nq, npd, nd = len(queues), model.periods, len(samples)
    counts = np.zeros((nq, npd, nd), dtype=np.int64)
    met = np.zeros((nq, npd, nd), dtype=bool)
    all_waits: list[np.ndarray] = []
    abandoned = tickets = 0
    overtime = 0.0
    size = nq * npd
    for d, sample in enumerate(samples):
        result = simulate_day(sample, model.pools, staffing, rule)
        overtime += result.overtime_minutes
        if not len(sample):
            continue
        outcome = np.asarray(result.outcome)
        keep = outcome != ABSENT
        wait = np.asarray(result.wait)[keep]
        minute = np.asarray(sample.minute)[keep]
        prio = np.asarray(sample.priority)[keep]
        q = np.fromiter((qindex[x] for x in sample.queue), dtype=np.int64, count=len(sample))[keep]
        period = np.clip(((minute - model.start) // model.period).astype(np.int64), 0, npd - 1)
        cell = q * npd + period
        n = np.bincount(cell, minlength=size)
        ok = np.ones(size, dtype=bool)
        if target.mean is not None:
            total = np.bincount(cell, weights=wait, minlength=size)
            ok &= total <= target.mean * n + 1e-9
        for t, level in target.levels:
            ok &= _fractions(wait, cell, size, t) >= level * n - 1e-9
        if target.priority_levels and prio.any():
            pcell, pwait = cell[prio], wait[prio]
            pn = np.bincount(pcell, minlength=size)
            for t, level in target.priority_levels:
                ok &= _fractions(pwait, pcell, size, t) >= level * pn - 1e-9
        counts[:, :, d] = n.reshape(nq, npd)
        met[:, :, d] = ok.reshape(nq, npd)
        all_waits.append(wait)
        abandoned += int((outcome == 2).sum())
        tickets += int(keep.sum())
    waits = np.concatenate(all_waits) if all_waits else np.zeros(0)
    return Evaluation(queues, counts, met, waits, abandoned, tickets, overtime, nd)


# -- the simulated plan ------------------------------------------------------------------------------------------


class _Search:
    """Plans scored on the training days, each plan once."""

    def __init__(self, model: DayModel, target: erlang.Target, train: Sequence[DaySample], rule: SimRule) -> None:
        self.model, self.target, self.train, self.rule = model, target, train, rule
        self.memo: dict[tuple[tuple[str, tuple[int, ...]], ...], tuple[int, np.ndarray]] = {}
        self.queues: list[str] = []
        self.evaluations = 0

    def score(self, plan: Staffing) -> tuple[int, np.ndarray]:
        """(period-days met, (queue, period) share of days met)."""
        key = tuple(sorted(plan.counters.items()))
        if key not in self.memo:
            self.evaluations += 1
            result = evaluate(self.model, plan, self.train, self.target, self.rule)
            self.queues = result.queues
            counted = result.counts > 0
            self.memo[key] = (int((result.met & counted).sum()), result.period_met())
        return self.memo[key]


def simulated_plan(
    model: DayModel,
    target: erlang.Target,
    train: Sequence[DaySample],
    *,
    level: float | np.ndarray = 0.96,
    rule: SimRule = SimRule(),
    max_evaluations: int = 3000,
) -> Staffing:
    """The cheapest plan found whose every (queue, period) meets ``target`` on at least ``level`` of the ``train``
    days: one share for all, or an array shaped like ``Evaluation.period_met`` (see ``shares_of``).

    Forward, period by period in time order, counters are added to the pool serving the worst queue until the period
    reaches its level (later periods held at SIPP meanwhile); then any period that fails gets a counter, earliest
    first; then counters are taken away, the periods with the most slack first, wherever every period keeps its level.
    Every plan is scored by simulating all training days (common random numbers: the same people every time)."""
    search = _Search(model, target, train, rule)

    def need(share: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(level, dtype=float), share.shape) - 1e-12

    plan = _forward(model, search, level)
    while search.evaluations < max_evaluations:  # repair: the earliest failing period gets a counter
        _, share = search.score(plan)
        short = np.argwhere(share < need(share))
        if not len(short):
            break
        k, p = min(map(tuple, short), key=lambda kp: (kp[1], kp[0]))
        plan = plan.with_counter(_pool_for(model, search.queues[int(k)]), int(p), +1)
    least = {name: tuple(min(1, c) for c in row) for name, row in sipp_plan(model, target).counters.items()}
    while search.evaluations < max_evaluations:  # prune, most slack first
        changed = False
        _, share = search.score(plan)
        slack = (share - need(share)).min(axis=0)
        for p in sorted(range(model.periods), key=lambda p: (-slack[p], p)):
            for name in plan.counters:
                while plan.counters[name][p] > least[name][p] and search.evaluations < max_evaluations:
                    trial = plan.with_counter(name, p, -1)
                    _, trial_share = search.score(trial)
                    if not (trial_share >= need(trial_share)).all():
                        break
                    plan, changed = trial, True
        if not changed:
            break
    return plan


def _pool_for(model: DayModel, queue: str) -> str:
    return home_pools(model.pools, [queue])[queue]


def _forward(model: DayModel, search: _Search, floor: float | np.ndarray) -> Staffing:
    """Period by period in time order: counters added to the pool serving the worst queue until the period meets
    ``floor`` (later periods at the SIPP plan meanwhile)."""
    upper = sipp_plan(model, search.target)
    low = _stability_floor(model)
    plan = upper
    for p in range(model.periods):
        plan = Staffing(
            model.start,
            model.period,
            {k: v[:p] + (low[k][p],) + upper.counters[k][p + 1 :] for k, v in plan.counters.items()},
        )
        while search.evaluations < 10_000:
            _, share = search.score(plan)
            need = np.broadcast_to(np.asarray(floor, dtype=float), share.shape)[:, p] - 1e-12
            gap = share[:, p] - need
            k = int(np.argmin(gap))
            if gap[k] >= 0:
                break
            plan = plan.with_counter(_pool_for(model, search.queues[k]), p, +1)
    return plan


def _stability_floor(model: DayModel) -> dict[str, tuple[int, ...]]:
    """Where the forward pass starts each period: a little below its lagged load (at least one counter where anyone
    arrives); pruning may go lower."""
    out = {}
    for name, rows in model.loads(lag=True).items():
        out[name] = tuple(max(1, math.ceil(rate * service * 0.8)) if rate > 0 else 0 for rate, service, _ in rows)
    return out


def shares_of(
    model: DayModel, plan: Staffing, train: Sequence[DaySample], target: erlang.Target, rule: SimRule = SimRule()
) -> np.ndarray:
    """A plan's (queue, period) shares of training days met: a ``level`` that asks a simulated plan to do at least as
    well as ``plan`` everywhere (how it is made to dominate Lag-SIPP)."""
    return evaluate(model, plan, train, target, rule).period_met()


# -- a forecast day, checked by simulation (what the staffing API shows) --------------------------------------------


def forecast_model(
    hours: Sequence[tuple[int, Mapping[str, float]]],
    profiles: Mapping[str, tuple[float, float]],
    *,
    period: float = 60.0,
    pools: Mapping[str, frozenset[str]] | None = None,
) -> DayModel:
    """A hall day from a forecast: per clock hour the expected arrivals of each queue (one stream per queue) and per
    queue (mean service minutes, priority share); its tickets are served by the counters of its pool in ``pools``
    (key → queues), by that queue's own pool when none is given."""
    queues = sorted({q for _, per in hours for q in per})
    first = min(h for h, _ in hours)
    last = max(h for h, _ in hours)
    streams = []
    for q in queues:
        service, prio = profiles[q]
        bins = tuple((h * 60.0, h * 60.0 + 60.0, float(per.get(q, 0.0))) for h, per in hours if per.get(q, 0.0) > 0)
        if bins:
            streams.append(Stream(bins, (ItemProfile(q, q, 1.0, service, elderly_share=prio),)))
    chosen = (
        tuple(Pool(k, frozenset(v)) for k, v in sorted(pools.items()))
        if pools
        else tuple(Pool(q, frozenset({q})) for q in queues)
    )
    return DayModel(tuple(streams), chosen, first * 60.0, (last + 1) * 60.0, period)


@dataclass(frozen=True)
class PeriodCheck:
    counters: int  # over all pools
    tickets: int  # simulated tickets counted, over the check days
    mean_wait: float | None  # minutes
    p95_wait: float | None
    met_share: float  # of the period-days (queue × day with tickets) that met the target
    period_days: int


def check_by_period(
    model: DayModel, plan: Staffing, days: Sequence[DaySample], target: erlang.Target, rule: SimRule = SimRule()
) -> list[PeriodCheck]:
    """``plan`` simulated on ``days``: per period the waits of the tickets that arrived in it and the share of its
    period-days that met ``target``."""
    score = evaluate(model, plan, days, target, rule)
    counted = score.counts > 0
    waits: list[list[float]] = [[] for _ in range(model.periods)]
    for sample in days:
        result = simulate_day(sample, model.pools, plan, rule)
        for j, minute in enumerate(sample.minute):
            if result.outcome[j] != ABSENT:
                p = min(max(int((minute - model.start) // model.period), 0), model.periods - 1)
                waits[p].append(result.wait[j])
    out = []
    for p in range(model.periods):
        w = np.asarray(waits[p])
        n = int(counted[:, p, :].sum())
        out.append(
            PeriodCheck(
                sum(row[p] for row in plan.counters.values()),
                len(w),
                round(float(w.mean()), 1) if len(w) else None,
                round(float(np.quantile(w, 0.95)), 1) if len(w) else None,
                float((score.met[:, p, :] & counted[:, p, :]).sum() / n) if n else 1.0,
                n,
            )
        )
    return out


CHECK_SEED = 20261203


@dataclass(frozen=True)
class DayCheck:
    plan: Staffing  # the simulated plan
    simulated: list[PeriodCheck]  # the simulated plan on the check days
    baseline: list[PeriodCheck]  # the baseline plan on the same days
    days: int
    worst_wait: float  # the wait only 1 % of tickets exceed under the simulated plan, minutes


def check_day(
    model: DayModel,
    baseline: Staffing,
    target: erlang.Target,
    *,
    key: str,
    day: date,
    train_days: int = 20,
    check_days: int = 20,
    level: float = 0.95,
    max_evaluations: int = 200,
) -> DayCheck:
    """The simulated plan for a forecast day (searched on ``train_days``), and it and ``baseline`` scored on other
    ``check_days`` (the same people for both: common random numbers); ``key`` names the hall-day's random streams."""
    train = [model.sample(rng_for(CHECK_SEED, f"{key}:train", k), day=day) for k in range(train_days)]
    check = [model.sample(rng_for(CHECK_SEED, f"{key}:check", k), day=day) for k in range(check_days)]
    plan = simulated_plan(model, target, train, level=level, max_evaluations=max_evaluations)
    worst, _ = evaluate(model, plan, check, target).worst_waits(0.01)
    return DayCheck(
        plan, check_by_period(model, plan, check, target), check_by_period(model, baseline, check, target),
        check_days, round(worst, 1),
    )  # fmt: skip
