"""Pure rules: numbers, opening hours, calling order with the starvation guard, wait estimates (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from smarthall.appointment import policy as appt_policy
from smarthall.queueing import estimate, policy
from smarthall.rules.service import defaults

# The platform defaults of the rule settings (a hall without overrides).
RULES = policy.QueueRules.from_values(defaults())
SLOTS = appt_policy.SlotRule.from_values(defaults())
CREDIT = appt_policy.CreditRule.from_values(defaults())

BASE = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
HOURS = {
    "weekly": {
        "mon": [{"open": "08:30", "close": "12:00"}, {"open": "14:00", "close": "17:30"}],
        "sat": [{"open": "09:00", "close": "12:00"}],
        "sun": [],
    }
}


@given(st.integers(min_value=1, max_value=100_000))
def test_numbers_widen_and_parse_back(seq):
    n = policy.format_number("A", seq)
    assert n.startswith("A") and int(n[1:]) == seq and len(n) >= 4


def test_number_examples():
    assert policy.format_number("B", 12) == "B012"
    assert policy.format_number("B", 1000) == "B1000"


def test_prefixes_are_distinct_letters():
    prefixes = policy.queue_prefixes(["SC", "GA", "RS", "YB", "BD"])
    assert len(set(prefixes.values())) == 5 and "I" not in prefixes.values() and "O" not in prefixes.values()


def test_opening_hours():
    monday = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert policy.is_open(HOURS, monday, True)
    assert policy.is_open(HOURS, monday + timedelta(hours=4), True)  # lunch: the queue stays open
    assert not policy.is_open(HOURS, monday + timedelta(hours=10), True)
    assert not policy.is_open(HOURS, monday, False)  # a public holiday
    assert not policy.is_open(HOURS, monday - timedelta(days=1), False)  # Sunday


def test_priority_reasons():
    d = date(2026, 11, 30)
    assert policy.priority_reason("690102195001010011", None, False, d, priority_age=60) == "elderly"
    assert policy.priority_reason(None, "pregnant", False, d, priority_age=60) == "pregnant"
    assert policy.priority_reason(None, None, True, d, priority_age=60) == "appointment"
    assert policy.priority_reason("690102199001010011", None, False, d, priority_age=60) is None


candidates = st.lists(
    st.builds(
        policy.Candidate,
        id=st.integers(min_value=1, max_value=10_000),
        priority=st.booleans(),
        queued_at=st.integers(min_value=0, max_value=120).map(lambda m: BASE + timedelta(minutes=m)),
        targeted=st.booleans(),
    ),
    max_size=30,
    unique_by=lambda c: c.id,
)


@given(candidates, st.integers(min_value=0, max_value=5))
def test_calling_order_is_a_permutation_with_transfers_first(cands, streak):
    now = BASE + timedelta(minutes=125)
    order = policy.calling_order(cands, now=now, priority_streak=streak, rule=RULES)
    assert sorted(order) == sorted(c.id for c in cands)
    by_id = {c.id: c for c in cands}
    flags = [by_id[i].targeted for i in order]
    assert flags == sorted(flags, reverse=True)


def test_starvation_guard():
    now = BASE + timedelta(minutes=10)
    prio = policy.Candidate(1, True, BASE + timedelta(minutes=5))
    ordinary = policy.Candidate(2, False, BASE)
    assert policy.calling_order([prio, ordinary], now=now, priority_streak=0, rule=RULES)[0] == 1
    assert policy.calling_order([prio, ordinary], now=now, priority_streak=3, rule=RULES)[0] == 2
    late = BASE + timedelta(minutes=31)
    assert policy.calling_order([prio, ordinary], now=late, priority_streak=0, rule=RULES)[0] == 2


waiting_lists = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C"]), st.booleans(), st.floats(min_value=-60, max_value=0)),
    max_size=40,
)


@given(waiting_lists, st.integers(min_value=1, max_value=4))
def test_simulation_covers_everyone_with_a_comprehensive_window(rows, n_windows):
    waiting = [estimate.WaitingTicket(i, item, prio, q) for i, (item, prio, q) in enumerate(rows)]
    windows = [estimate.OpenWindow(f"W{i}", None if i == 0 else frozenset({"A"})) for i in range(n_windows)]
    result = estimate.simulate(waiting, windows, estimate.ServiceStats())
    assert set(result) == {t.id for t in waiting}
    assert all(e.wait_minutes is not None and e.wait_minutes >= 0 and e.ahead >= 0 for e in result.values())
    # Within one item and priority class, later arrivals never get an earlier estimate.
    for item in "ABC":
        for prio in (True, False):
            line = sorted(
                (t for t in waiting if t.item_code == item and t.priority == prio), key=lambda t: (t.queued_min, t.id)
            )
            waits = [result[t.id].wait_minutes for t in line]
            assert waits == sorted(waits)


def test_no_window_for_an_item_gives_no_estimate():
    waiting = [estimate.WaitingTicket(1, "B", False, 0.0)]
    assert estimate.simulate(waiting, [estimate.OpenWindow("W", frozenset({"A"}))], estimate.ServiceStats()) == {}
    assert estimate.naive(3, 8.0, 0) is None and estimate.naive(3, 8.0, 2) == 12.0


def test_slot_generation_and_credit_verdicts():
    slots = appt_policy.slot_times(HOURS, date(2026, 11, 30), True, SLOTS)
    assert len(slots) == 8 and (slots[3][1] - slots[3][0]) == timedelta(minutes=30)
    assert appt_policy.slot_times(HOURS, date(2026, 12, 6), False, SLOTS) == []
    assert appt_policy.credit_verdict(0, 0, CREDIT) == "ok"
    assert appt_policy.credit_verdict(1, 0, CREDIT) == "warn"
    assert appt_policy.credit_verdict(2, 0, CREDIT) == "block" and appt_policy.credit_verdict(0, 5, CREDIT) == "block"


@given(
    st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.floats(min_value=-60, max_value=-0.01)), max_size=40),
    st.lists(st.tuples(st.booleans(), st.floats(min_value=0, max_value=20)), min_size=1, max_size=4),
    st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=5),
)
def test_snapshot_append_equals_a_full_replay_for_new_ordinary_tickets(rows, window_rows, new_items):
    """The issue response appends to a kept replay; for ordinary tickets that is exactly a replay from scratch."""
    waiting = [estimate.WaitingTicket(i, item, False, q) for i, (item, q) in enumerate(rows)]
    windows = [
        estimate.OpenWindow(f"W{i}", None if comprehensive else frozenset({"A", "B"}), busy)
        for i, (comprehensive, busy) in enumerate(window_rows)
    ]
    stats = estimate.ServiceStats()
    stats.add("A", 5.0)
    stats.add("C", 20.0)
    snap = estimate.snapshot(waiting, windows, stats)
    assert snap.estimates == estimate.simulate(waiting, windows, stats)
    for n, item in enumerate(new_items):
        new = estimate.WaitingTicket(1000 + n, item, False, 0.0)
        waiting.append(new)
        assert snap.append(new.id, item) == estimate.simulate(waiting, windows, stats).get(new.id)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.booleans(),
            st.floats(min_value=-60, max_value=-0.01),
            st.sampled_from([None, None, None, "W0"]),
        ),
        max_size=40,
    ),
    st.lists(
        st.tuples(st.booleans(), st.floats(min_value=0, max_value=20), st.integers(min_value=0, max_value=3)),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["A", "B", "C"]),
)
def test_snapshot_places_a_new_priority_ticket_as_a_full_replay_would(rows, window_rows, new_item):
    """A new priority ticket is placed in a kept replay (priority, transferred and ordinary tickets waiting, windows
    part-way through a priority streak) exactly where a replay from scratch puts it."""
    waiting = [estimate.WaitingTicket(i, item, prio, q, target) for i, (item, prio, q, target) in enumerate(rows)]
    windows = [
        estimate.OpenWindow(f"W{i}", None if comprehensive else frozenset({"A", "B"}), busy, streak)
        for i, (comprehensive, busy, streak) in enumerate(window_rows)
    ]
    stats = estimate.ServiceStats()
    stats.add("A", 5.0)
    stats.add("C", 20.0)
    snap = estimate.snapshot(waiting, windows, stats)
    assert snap.estimates == estimate.simulate(waiting, windows, stats)
    new = estimate.WaitingTicket(1000, new_item, True, 0.0)
    assert snap.place_priority(new.id, new_item) == estimate.simulate([*waiting, new], windows, stats).get(new.id)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C", "D"]),
            st.booleans(),
            st.sampled_from([-45.0, -30.0, -12.5, -5.0, -1.0]) | st.floats(min_value=-90, max_value=-0.01),
            st.sampled_from([None, None, None, None, "W0", "W2"]),
        ),
        max_size=60,
    ),
    st.lists(
        st.tuples(
            st.sampled_from([None, frozenset({"A", "B"}), frozenset({"C"}), frozenset({"B", "D"})]),
            st.sampled_from([0.0, 1.0, 2.5]) | st.floats(min_value=0, max_value=20),
            st.integers(min_value=0, max_value=4),
        ),
        min_size=1,
        max_size=5,
    ),
    st.none() | st.integers(min_value=1, max_value=30),
)
def test_optimised_replay_equals_the_reference_replay(rows, window_rows, limit):
    """``simulate`` (per-window line lists, "ahead" counted on the fly) gives exactly the estimates of the plain
    reference replay, with priority, transferred and ordinary tickets, streaks, ties and a dispatch limit."""
    from tests.queueing.reference_replay import reference_simulate

    waiting = [estimate.WaitingTicket(i, item, prio, q, target) for i, (item, prio, q, target) in enumerate(rows)]
    windows = [estimate.OpenWindow(f"W{i}", items, busy, streak) for i, (items, busy, streak) in enumerate(window_rows)]
    stats = estimate.ServiceStats()
    stats.add("A", 5.0)
    stats.add("C", 20.0)
    stats.add("D", 2.5)
    free_ref, free_new = [0.0] * len(windows), [0.0] * len(windows)
    opens_ref: list[list[float]] = [[] for _ in windows]
    opens_new: list[list[float]] = [[] for _ in windows]
    ref = reference_simulate(waiting, windows, stats, limit=limit, _free_at=free_ref, _open_to_priority=opens_ref)
    new = estimate.simulate(waiting, windows, stats, limit=limit, _free_at=free_new, _open_to_priority=opens_new)
    assert new == ref
    assert free_new == free_ref and opens_new == opens_ref
