"""Erlang C (M/M/c) in log space, square-root staffing and the counters a target needs (pure, no I/O).

With offered load ``a = λ/μ`` (arrivals per minute × mean service minutes) and ``c > a`` counters, the probability
of waiting is ``C(c, a) = T / (S + T)`` with ``S = Σ_{k<c} a^k/k!`` and ``T = a^c/c! · c/(c−a)``. Every term is
taken as a logarithm (``k·log a − lgamma(k+1)``) and summed with log-sum-exp, so loads of hundreds of Erlangs neither
overflow nor lose precision. Then ``P(W > t) = C·exp(−(cμ−λ)t)`` and ``E[W] = C/(cμ−λ)``.

Priority tickets (non-preemptive, same service rate): a priority ticket waits only when all counters are busy
(probability ``C``), and then only for the counters to work through the priority tickets ahead of it, so its wait
given a delay is exponential with rate ``cμ − λ_p`` (``λ_p`` the priority arrival rate).

A ``Target`` combines a bound on the mean wait and service levels ``P(W ≤ T) ≥ q`` (for all tickets, and for the
priority ones); ``counters_needed`` is the smallest ``c`` that meets all of it, ``verify`` in the tests and
``bench/operations/erlang_grid.py`` recompute it with exact rational arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_SEARCH_LIMIT = 100_000


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def log_erlang_c(c: int, load: float) -> float:
    """log of the probability that an arrival waits, for ``c`` counters and ``load`` Erlangs (0.0 when ``c ≤ load``,
    where every arrival waits and the line grows without bound)."""
    if load <= 0:
        return -math.inf
    if c <= load:
        return 0.0
    log_a = math.log(load)
    terms = [k * log_a - math.lgamma(k + 1) for k in range(c)]
    log_s = _logsumexp(terms)
    log_t = c * log_a - math.lgamma(c + 1) + math.log(c / (c - load))
    return log_t - float(_logsumexp([log_s, log_t]))


def erlang_c(c: int, load: float) -> float:
    return math.exp(log_erlang_c(c, load))


def mean_wait(c: int, arrival_rate: float, service_minutes: float) -> float:
    """E[W] in minutes (``arrival_rate`` per minute); infinite when the counters cannot keep up."""
    load = arrival_rate * service_minutes
    if load <= 0:
        return 0.0
    if c <= load:
        return math.inf
    drain = c / service_minutes - arrival_rate
    return math.exp(log_erlang_c(c, load) - math.log(drain))


def wait_exceeds(c: int, arrival_rate: float, service_minutes: float, t: float, *, priority_rate: float = -1) -> float:
    """P(W > t); for a priority ticket when ``priority_rate`` (its arrivals per minute) is given."""
    load = arrival_rate * service_minutes
    if load <= 0:
        return 0.0
    if c <= load:
        return 1.0
    competing = arrival_rate if priority_rate < 0 else priority_rate
    drain = c / service_minutes - competing
    return math.exp(log_erlang_c(c, load) - drain * t)


@dataclass(frozen=True)
class Target:
    """A service target: mean wait ≤ ``mean`` minutes, ``P(W ≤ t) ≥ level`` for every ``(t, level)`` in ``levels``,
    and for priority tickets ``P(W ≤ t) ≥ level`` for every pair in ``priority_levels``."""

    mean: float | None = 15.0
    levels: tuple[tuple[float, float], ...] = ((30.0, 0.95),)
    priority_levels: tuple[tuple[float, float], ...] = ((10.0, 0.95),)

    @classmethod
    def from_rules(cls, mean_minutes: float, p95_minutes: float, priority_p95_minutes: float) -> Target:
        return cls(mean_minutes, ((p95_minutes, 0.95),), ((priority_p95_minutes, 0.95),))


def meets(c: int, arrival_rate: float, service_minutes: float, target: Target, priority_share: float = 0.0) -> bool:
    if arrival_rate <= 0:
        return c >= 0
    if c <= arrival_rate * service_minutes:
        return False
    if target.mean is not None and mean_wait(c, arrival_rate, service_minutes) > target.mean:
        return False
    for t, level in target.levels:
        if wait_exceeds(c, arrival_rate, service_minutes, t) > 1 - level:
            return False
    if priority_share > 0:
        rate = arrival_rate * priority_share
        for t, level in target.priority_levels:
            if wait_exceeds(c, arrival_rate, service_minutes, t, priority_rate=rate) > 1 - level:
                return False
    return True


def counters_needed(arrival_rate: float, service_minutes: float, target: Target, priority_share: float = 0.0) -> int:
    """The fewest counters that meet ``target`` in steady state (arrivals per minute, mean service minutes)."""
    if arrival_rate <= 0 or service_minutes <= 0:
        return 0
    c = max(1, math.floor(arrival_rate * service_minutes) + 1)
    while not meets(c, arrival_rate, service_minutes, target, priority_share):
        c += 1
        if c > _SEARCH_LIMIT:
            raise ValueError("load beyond any staffing")
    return c


# -- square-root staffing (Halfin–Whitt) -------------------------------------------------------------------------


def _phi(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def halfin_whitt_delay(beta: float) -> float:
    """The Halfin–Whitt approximation of the probability of waiting with ``a + β√a`` counters."""
    if beta <= 0:
        return 1.0
    return 1 / (1 + beta * _cdf(beta) / _phi(beta))


def sqrt_staffing(arrival_rate: float, service_minutes: float, target: Target, priority_share: float = 0.0) -> int:
    """``⌈a + β√a⌉`` counters with the smallest β (to 0.01) whose Halfin–Whitt approximation meets ``target``:
    the rule of thumb, not exact (compare ``counters_needed``)."""
    load = arrival_rate * service_minutes
    if load <= 0:
        return 0
    root = math.sqrt(load)
    beta = 0.0
    while beta < 20:
        beta += 0.01
        delay = halfin_whitt_delay(beta)
        drain = beta * root / service_minutes  # (c − a)·μ
        ok = target.mean is None or delay / drain <= target.mean
        ok = ok and all(delay * math.exp(-drain * t) <= 1 - q for t, q in target.levels)
        if priority_share > 0:
            pdrain = drain + arrival_rate * (1 - priority_share)  # cμ − λ_p
            ok = ok and all(delay * math.exp(-pdrain * t) <= 1 - q for t, q in target.priority_levels)
        if ok:
            break
    return max(1, math.ceil(load + beta * root - 1e-9))
