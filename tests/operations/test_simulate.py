"""``operations.simulate``: the hall day's invariants on random days, and the steady state against Erlang C."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.operations import erlang
from smarthall.operations.arrivals import DaySample, ItemProfile, rng_for, sample_arrivals
from smarthall.operations.simulate import ABANDONED, ABSENT, SERVED, Pool, SimRule, Staffing, simulate_day

ITEMS = (
    ItemProfile("A1", "A", 0.6, 6.0, 0.6, elderly_share=0.2, absent_rate=0.05, patience_mean=40),
    ItemProfile("B1", "B", 0.4, 12.0, 0.5, elderly_share=0.1, absent_rate=0.05, patience_mean=40),
)
POOLS = (Pool("A", frozenset({"A"})), Pool("B", frozenset({"B"})), Pool("ALL"))


def day(seed: int, per_hour: float, hours: int = 3) -> DaySample:
    bins = [(480 + 15 * k, 495 + 15 * k, per_hour / 4) for k in range(4 * hours)]
    return sample_arrivals(bins, ITEMS, rng_for(seed, "sim-test", 0), day=None)  # type: ignore[arg-type]


staffing = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)), min_size=6, max_size=6)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.floats(10, 60), staffing)
def test_every_ticket_ends_once_and_no_counter_serves_two(seed, per_hour, rows):
    sample = day(seed, per_hour)
    plan = Staffing(480, 30, {p.name: tuple(r[k] for r in rows) for k, p in enumerate(POOLS)})
    result = simulate_day(sample, POOLS, plan)
    assert all(o in (SERVED, ABANDONED, ABSENT) for o in result.outcome)
    busy: dict[int, list[tuple[float, float]]] = {}
    for i in range(len(sample)):
        assert result.wait[i] >= -1e-9
        if result.outcome[i] == ABANDONED:
            assert result.counter[i] == -1
            continue
        k = result.counter[i]
        assert k >= 0
        start = result.started[i]
        assert abs(start - sample.minute[i] - result.wait[i]) < 1e-9
        assert start + 1e-9 >= sample.minute[i] and result.wait[i] <= sample.patience[i] + 1e-9
        length = 1.0 if sample.absent[i] else sample.service[i]
        busy.setdefault(k, []).append((start, start + length))
    for spans in busy.values():
        spans.sort()
        assert all(a[1] <= b[0] + 1e-9 for a, b in zip(spans, spans[1:], strict=False))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4))
def test_a_ticket_waits_only_while_every_counter_that_could_serve_it_is_busy(seed, counters):
    sample = day(seed, 40)
    pools = (Pool("ALL"),)
    result = simulate_day(sample, pools, Staffing(480, 60, {"ALL": (counters,) * 3}))
    spans = [
        (result.started[i], result.started[i] + (1.0 if sample.absent[i] else sample.service[i]))
        for i in range(len(sample))
        if result.outcome[i] != ABANDONED
    ]
    for i in range(len(sample)):
        if result.outcome[i] == ABANDONED or result.wait[i] < 1e-6:
            continue
        arrived = sample.minute[i]
        busy_then = sum(1 for a, b in spans if a <= arrived + 1e-9 < b)
        assert busy_then >= counters  # it waited: all counters were busy when it came


def test_the_same_day_gives_the_same_result():
    sample = day(7, 50)
    plan = Staffing(480, 30, {"A": (2,) * 6, "B": (1,) * 6, "ALL": (1,) * 6})
    assert simulate_day(sample, POOLS, plan).wait == simulate_day(sample, POOLS, plan).wait


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 5))
def test_one_more_counter_never_makes_a_first_come_first_served_line_wait_longer(seed, counters):
    items = (ItemProfile("A1", "A", 1.0, 8.0, 0.7, elderly_share=0.0, absent_rate=0.0, patience_mean=1e6),)
    bins = [(480 + 15 * k, 495 + 15 * k, 12.0) for k in range(12)]
    sample = sample_arrivals(bins, items, rng_for(seed, "fcfs", 0), day=None)  # type: ignore[arg-type]
    pools = (Pool("ALL"),)
    fewer = simulate_day(sample, pools, Staffing(480, 180, {"ALL": (counters,)}))
    more = simulate_day(sample, pools, Staffing(480, 180, {"ALL": (counters + 1,)}))
    assert all(b <= a + 1e-9 for a, b in zip(fewer.wait, more.wait, strict=True))


def test_priority_goes_first_but_the_starvation_guard_lets_ordinary_tickets_through():
    sample = DaySample(day=None)  # type: ignore[arg-type]
    for k in range(8):  # one counter busy at the start; then 4 ordinary and 4 priority tickets wait
        sample.minute.append(480.0 + k * 0.1)
        sample.item.append("A1")
        sample.queue.append("A")
        sample.priority.append(k >= 4)
        sample.reason.append("elderly" if k >= 4 else None)
        sample.service.append(10.0)
        sample.patience.append(1e6)
        sample.absent.append(False)
    result = simulate_day(sample, (Pool("ALL"),), Staffing(480, 600, {"ALL": (1,)}), SimRule(2, 1e6))
    order = sorted(range(8), key=lambda i: result.started[i])
    # ticket 0 first (the counter was free), then two priority calls, an ordinary one (the guard), and so on
    assert order == [0, 4, 5, 1, 6, 7, 2, 3]


def test_the_backlog_at_closing_is_served_then_the_rest_sent_home():
    bins = [(480.0, 540.0, 60.0)]  # 60 people in one hour
    items = (ItemProfile("A1", "A", 1.0, 10.0, 0.3, elderly_share=0.0, absent_rate=0.0, patience_mean=1e6),)
    sample = sample_arrivals(bins, items, rng_for(1, "close", 0), day=None)  # type: ignore[arg-type]
    result = simulate_day(sample, (Pool("ALL"),), Staffing(480, 60, {"ALL": (2,)}), SimRule(overtime_limit=60))
    assert result.overtime_minutes > 0
    assert result.last_finish <= 540 + 60 + max(sample.service)
    sent_home = [i for i in range(len(sample)) if result.outcome[i] == ABANDONED]
    assert sent_home and all(abs(result.wait[i] - (600 - sample.minute[i])) < 1e-9 for i in sent_home)


def test_a_long_steady_day_waits_as_erlang_c_says():
    """Exponential service, one queue, no abandonment: the simulated mean wait converges to Erlang C's."""
    rng = np.random.default_rng(11)
    rate, service, c = 0.5, 6.0, 4  # 3 Erlangs on 4 counters
    waits = []
    for _ in range(5):
        times = np.cumsum(rng.exponential(1 / rate, 30_000))
        sample = DaySample(day=None)  # type: ignore[arg-type]
        sample.minute = list(times)
        n = len(times)
        sample.item, sample.queue = ["A1"] * n, ["A"] * n
        sample.priority, sample.reason = [False] * n, [None] * n
        sample.service = list(rng.exponential(service, n))
        sample.patience, sample.absent = [1e9] * n, [False] * n
        result = simulate_day(sample, (Pool("ALL"),), Staffing(0, float(times[-1]) + 1, {"ALL": (c,)}))
        waits.append(np.mean(result.wait[1000:]))  # past the empty start
    assert abs(np.mean(waits) / erlang.mean_wait(c, rate, service) - 1) < 0.15  # about 3.5 standard errors
