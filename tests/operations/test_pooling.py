"""Queues that share counters are planned as one pool (``skills.pools``, ``skills.apportion``, ``hourplan``), and
the demo hall's generated volume is sized to its staffed windows (``arrivals.volume_for_counters``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.operations import arrivals, erlang, hourplan, skills

GOAL = erlang.Target.from_rules(15, 30, 10)
CATALOG = json.loads((Path(arrivals.__file__).parent.parent / "data" / "catalog.json").read_text())
HALLS = {h["code"]: h for h in CATALOG["halls"]}


def test_a_comprehensive_window_pools_every_queue_and_specialised_ones_stand_alone():
    assert skills.pools("ABC", [frozenset("ABC"), frozenset("A")]) == {"all": frozenset("ABC")}
    assert skills.pools("ABCD", [frozenset("AB"), frozenset("C")]) == {
        "mix1": frozenset("AB"), "C": frozenset("C"), "D": frozenset("D"),
    }  # fmt: skip
    assert skills.pools("ABC", []) == {"all": frozenset("ABC")}  # floating clerks: any counter
    assert skills.pools("ABC", [frozenset("AB"), frozenset("BC")]) == {"all": frozenset("ABC")}  # joined through B


@settings(deadline=None)
@given(st.integers(0, 30), st.dictionaries(st.sampled_from("ABCDE"), st.floats(0, 50), min_size=1))
def test_apportion_adds_up_and_more_counters_never_take_one_away(counters, loads):
    share = skills.apportion(counters, loads)
    more = skills.apportion(counters + 1, loads)
    if any(v > 0 for v in loads.values()):
        assert sum(share.values()) == counters
        assert all(more[q] >= share[q] for q in loads)
    assert all(share[q] == 0 for q, v in loads.items() if v <= 0)


def test_a_pool_needs_the_counters_of_its_summed_load_not_one_per_queue():
    queues = dict.fromkeys("ABCDEFGHIJKLM", 4.0)  # thirteen department queues, 4 arrivals an hour each
    service = dict.fromkeys(queues, 10.0)
    prio = dict.fromkeys(queues, 0.05)
    pooled, pools = hourplan.hour_plan(queues, service, prio, {}, {"all": frozenset(queues)}, GOAL)
    alone, _ = hourplan.hour_plan(queues, service, prio, {}, {q: frozenset({q}) for q in queues}, GOAL)
    one = pools["all"]["sipp"]
    assert one == erlang.counters_needed(52 / 60, 10.0, GOAL, 0.05)
    assert one < sum(v["sipp"] for v in alone.values()) and sum(v["sipp"] for v in alone.values()) >= 13
    assert sum(v["sipp"] for v in pooled.values()) == one and {v["pool"] for v in pooled.values()} == {"all"}


def test_the_demo_hall_is_busy_for_its_windows_but_not_absurdly():
    """The demo county hall has 7 staffed service windows (and the help desk: 8 on the roster): an ordinary
    Tuesday's busiest hour needs about 7 counters, a month-end Monday 2–3 more than the roster."""
    profile = arrivals.profile_for_hall(HALLS["H-690102"], CATALOG["items"], counters=7)
    service = arrivals.mean_service(profile)

    def peak(day: date) -> int:
        hourly = arrivals.expected_hourly(profile, day)
        return max(erlang.counters_needed(m / 60, service, GOAL, 0.1) for m in hourly.values())

    assert 6 <= peak(date(2026, 12, 1)) <= 8  # Tuesday
    assert 9 <= peak(date(2026, 11, 30)) <= 11  # month-end Monday (+15 %)
    small = arrivals.profile_for_hall(HALLS["H-690102001"], CATALOG["items"], counters=0)  # no windows: level's 3
    assert 40 < small.daily_volume < 100
