"""``operations.staffing``: the baselines are Erlang C period by period, the scoring recounts what the simulator did,
and the simulated plan meets its level on its training days and cannot lose a counter without failing it."""

from __future__ import annotations

import numpy as np
import pytest

from smarthall.operations import erlang, staffing
from smarthall.operations.arrivals import ItemProfile, rng_for
from smarthall.operations.daytypes import DAY_TYPES
from smarthall.operations.simulate import ABSENT, Pool, simulate_day

TARGET = erlang.Target()
ITEMS = (ItemProfile("A1", "A", 1.0, 10.0, 0.6, elderly_share=0.1),)


def model(knots: list[tuple[float, float, float]], items=ITEMS, pools=(Pool("ALL"),), start=540.0, end=720.0):
    return staffing.DayModel((staffing.Stream(tuple(knots), items),), tuple(pools), start, end)


def test_sipp_is_erlang_c_on_each_periods_mean_rate():
    m = model([(540, 600, 20.0), (600, 660, 60.0), (660, 720, 30.0)])
    plan = staffing.sipp_plan(m, TARGET)
    expected = []
    for p in range(m.periods):
        a, b = m.bounds(p)
        rate = staffing.mean_rate(m.stream_bins(), a, b)
        expected.append(erlang.counters_needed(rate, 10.0, TARGET, 0.1))
    assert plan.counters["ALL"] == tuple(expected)
    assert plan.counter_hours() == sum(expected) * 0.5


def test_lag_sipp_staffs_a_step_in_demand_one_service_time_later():
    m = model([(540, 600, 0.0), (600, 720, 120.0)])  # nobody before 10:00, then 60 an hour
    sipp, lag = staffing.sipp_plan(m, TARGET), staffing.lag_sipp_plan(m, TARGET)
    first = 2  # the period 10:00–10:30
    assert sipp.counters["ALL"][:first] == (0, 0) and lag.counters["ALL"][:first] == (0, 0)
    assert lag.counters["ALL"][first] < sipp.counters["ALL"][first]  # two thirds of the load reach the counters
    assert lag.counters["ALL"][first + 1 :] == sipp.counters["ALL"][first + 1 :]


def test_each_queue_is_staffed_on_its_most_specialised_pool():
    items = (ItemProfile("A1", "A", 0.7, 6.0), ItemProfile("B1", "B", 0.3, 20.0))
    pools = (Pool("ALL"), Pool("B", frozenset({"B"})))
    assert staffing.home_pools(pools, ["A", "B"]) == {"A": "ALL", "B": "B"}
    m = model([(540, 720, 90.0)], items=items, pools=pools)
    loads = m.loads()
    assert loads["ALL"][0][0] == pytest.approx(0.5 * 0.7) and loads["ALL"][0][1] == pytest.approx(6.0)
    assert loads["B"][0][0] == pytest.approx(0.5 * 0.3) and loads["B"][0][1] == pytest.approx(20.0)
    with pytest.raises(ValueError):
        staffing.home_pools((Pool("B", frozenset({"B"})),), ["A"])


def test_scoring_recounts_the_simulated_days():
    m = model([(540, 630, 40.0), (630, 720, 25.0)])
    days = [m.sample(rng_for(3, "score", k), day=None) for k in range(5)]  # type: ignore[arg-type]
    plan = staffing.sipp_plan(m, TARGET).with_counter("ALL", 1, -2)
    result = staffing.evaluate(m, plan, days, TARGET)
    for d, sample in enumerate(days):
        sim = simulate_day(sample, m.pools, plan)
        for p in range(m.periods):
            a, b = m.bounds(p)
            mine = [i for i in range(len(sample)) if a <= sample.minute[i] < b and sim.outcome[i] != ABSENT]
            waits = [sim.wait[i] for i in mine]
            prio = [sim.wait[i] for i in mine if sample.priority[i]]
            ok = not waits or (
                np.mean(waits) <= 15 + 1e-9
                and np.mean(np.array(waits) <= 30 + 1e-9) >= 0.95 - 1e-9
                and (not prio or np.mean(np.array(prio) <= 10 + 1e-9) >= 0.95 - 1e-9)
            )
            assert result.counts[0, p, d] == len(mine)
            if mine:
                assert bool(result.met[0, p, d]) == ok


def test_the_simulated_plan_meets_its_level_and_cannot_lose_a_counter():
    m = model([(540, 600, 40.0), (600, 660, 70.0), (660, 720, 30.0)])
    train = [m.sample(rng_for(5, "plan", k), day=None) for k in range(12)]  # type: ignore[arg-type]
    plan = staffing.simulated_plan(m, TARGET, train, level=0.9)
    share = staffing.evaluate(m, plan, train, TARGET).period_met()
    assert (share >= 0.9 - 1e-12).all()
    for p, c in enumerate(plan.counters["ALL"]):
        if c > 1:
            fewer = staffing.evaluate(m, plan.with_counter("ALL", p, -1), train, TARGET).period_met()
            assert (fewer < 0.9 - 1e-12).any(), f"period {p} could do with {c - 1}"


def test_a_plan_can_be_asked_to_match_another_period_by_period():
    day = DAY_TYPES["two_skill"]
    m = staffing.DayModel(day.model.streams, day.model.pools, 540.0, 660.0)
    train = [m.sample(rng_for(9, "match", k), day=None) for k in range(8)]  # type: ignore[arg-type]
    lag = staffing.lag_sipp_plan(m, TARGET)
    level = staffing.shares_of(m, lag, train, TARGET)
    plan = staffing.simulated_plan(m, TARGET, train, level=level)
    assert set(plan.counters) == {"GEN", "BD"}
    assert (staffing.shares_of(m, plan, train, TARGET) >= level - 1e-12).all()


def test_the_benchmark_days_are_well_formed():
    for day in DAY_TYPES.values():
        assert day.model.periods == 18  # 08:30–17:30 in half hours
        sample = day.sample(1, 0)
        assert sample.minute == sorted(sample.minute) and len(sample) > 100
        assert day.sample(1, 0).service == sample.service  # common random numbers
        for rows in day.model.loads().values():
            assert all(rate >= 0 for rate, _, _ in rows)
