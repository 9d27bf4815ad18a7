"""``operations.erlang`` against the exact rational computation (``operations.erlang_exact``), and its shape."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.operations import erlang, erlang_exact

rates = st.integers(1, 40).map(lambda k: k * 5)  # arrivals per hour, 5 … 200
services = st.integers(3, 30)


@settings(max_examples=40, deadline=None)
@given(rates, services, st.sampled_from([5, 10, 15]))
def test_counts_for_a_mean_target_are_exact(per_hour, service, mean):
    fast = erlang.counters_needed(per_hour / 60, float(service), erlang.Target(float(mean), (), ()))
    assert fast == erlang_exact.counters_exact(per_hour, service, mean=mean)


@settings(max_examples=40, deadline=None)
@given(rates, services, st.sampled_from([5, 10, 15]), st.sampled_from([Fraction(8, 10), Fraction(9, 10)]))
def test_counts_for_a_service_level_are_exact(per_hour, service, t, q):
    fast = erlang.counters_needed(per_hour / 60, float(service), erlang.Target(None, ((float(t), float(q)),), ()))
    assert fast == erlang_exact.counters_exact(per_hour, service, within=(t, q))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(0, 30))
def test_probability_of_waiting_matches_the_textbook_formula(load, extra):
    c = load + 1 + extra
    exact = erlang_exact.probability_of_waiting(c, Fraction(load))
    assert math.isclose(erlang.erlang_c(c, float(load)), float(exact), rel_tol=1e-10)


def test_log_space_does_not_overflow_where_the_plain_formula_would():
    load = 3000.0  # 3000^c and c! are far beyond a double
    c = erlang.counters_needed(load / 10, 10.0, erlang.Target())
    p = erlang.erlang_c(c, load)
    assert 0 < p < 1 and c > load
    assert erlang.mean_wait(c, load / 10, 10.0) <= 15


@settings(max_examples=40, deadline=None)
@given(st.floats(0.5, 80), st.integers(1, 10))
def test_more_counters_wait_less(load, step):
    c = math.floor(load) + 1
    waits = [erlang.mean_wait(c + k, load / 10, 10.0) for k in range(0, 3 * step, step)]
    assert waits == sorted(waits, reverse=True)
    assert erlang.wait_exceeds(c, load / 10, 10.0, 5, priority_rate=load / 100) <= erlang.wait_exceeds(
        c, load / 10, 10.0, 5
    )


def test_an_overloaded_system_never_meets_a_target():
    assert math.isinf(erlang.mean_wait(5, 1.0, 5.0))
    assert erlang.erlang_c(5, 5.0) == 1.0
    assert not erlang.meets(5, 1.0, 5.0, erlang.Target())


def test_priority_target_can_need_more_counters():
    loose = erlang.Target(15.0, ((30.0, 0.95),), ())
    strict = erlang.Target(15.0, ((30.0, 0.95),), ((2.0, 0.99),))
    assert erlang.counters_needed(1.5, 8.0, strict, 0.1) >= erlang.counters_needed(1.5, 8.0, loose, 0.1)


@settings(max_examples=30, deadline=None)
@given(rates, services)
def test_square_root_staffing_is_close_to_exact(per_hour, service):
    target = erlang.Target()
    exact = erlang.counters_needed(per_hour / 60, float(service), target)
    assert abs(erlang.sqrt_staffing(per_hour / 60, float(service), target) - exact) <= 2


def test_targets_from_rule_settings():
    target = erlang.Target.from_rules(15, 30, 10)
    assert target == erlang.Target(15, ((30, 0.95),), ((10, 0.95),))
