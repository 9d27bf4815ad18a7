"""One hour of the staffing plan (pure): counters per pool of queues that share counters, by Erlang C on the pool's
pooled load (SIPP on the hour's rate, Lag-SIPP on the rate a service time earlier), shared back to its queues by
load (``skills.apportion``) so that the roster's skills can be checked per queue.

Pooling is what a hall with comprehensive windows (无差别受理) does: thirteen department queues served by the same
counters need the counters of their summed load, not a counter each. A pool's service time is the rate-weighted
mean of its queues', its priority share likewise (Erlang C on the mixture: M/M/c with the mean service time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smarthall.operations import erlang, skills


def _pooled(rates: Mapping[str, float], service: Mapping[str, float], prio: Mapping[str, float],
            members: frozenset[str]) -> tuple[float, float, float]:  # fmt: skip
    rate = sum(rates.get(q, 0.0) for q in members)
    if rate <= 0:
        return 0.0, 0.0, 0.0
    mean = sum(rates.get(q, 0.0) * service[q] for q in members if q in service) / rate
    share = sum(rates.get(q, 0.0) * prio.get(q, 0.0) for q in members) / rate
    return rate, mean, share


def hour_plan(
    arrivals: Mapping[str, float],
    service: Mapping[str, float],
    prio: Mapping[str, float],
    previous: Mapping[str, float],
    pools: Mapping[str, frozenset[str]],
    goal: erlang.Target,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(per queue, per pool) for an hour: ``arrivals`` per queue (this hour), ``service`` minutes and ``prio`` share
    per queue, ``previous`` the arrivals per minute of the hour before (Lag-SIPP)."""
    rates = {q: a / 60.0 for q, a in arrivals.items()}
    lagged = {}
    for q, rate in rates.items():
        lag_share = min(service[q] / 60.0, 1.0)  # the load at the counters trails arrivals by a service time
        lagged[q] = (1 - lag_share) * rate + lag_share * previous.get(q, rate)
    per_queue: dict[str, dict[str, Any]] = {}
    per_pool: dict[str, dict[str, Any]] = {}
    for key, members in pools.items():
        inside = sorted(q for q in members if q in rates)
        if not inside:
            continue
        rate, mean, share = _pooled(rates, service, prio, frozenset(inside))
        c = erlang.counters_needed(rate, mean, goal, share) if rate > 0 else 0
        lag_rate, lag_mean, lag_prio = _pooled(lagged, service, prio, frozenset(inside))
        lc = erlang.counters_needed(lag_rate, lag_mean, goal, lag_prio) if lag_rate > 0 else 0
        loads = {q: rates[q] * service[q] for q in inside}
        by_sipp, by_lag = skills.apportion(c, loads), skills.apportion(lc, loads)
        per_pool[key] = {"queues": inside, "arrivals": round(rate * 60, 1), "service_minutes": round(mean, 1),
                         "sipp": c, "lag_sipp": lc}  # fmt: skip
        for q in inside:
            per_queue[q] = {"arrivals": round(arrivals[q], 1), "service_minutes": round(service[q], 1), "pool": key,
                            "sipp": by_sipp[q], "lag_sipp": by_lag[q]}  # fmt: skip
    return per_queue, per_pool
