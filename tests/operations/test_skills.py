"""The per-queue cover of a period's needs by the staff on shift and their skills (operations.skills)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.operations.skills import cover

F = frozenset


def test_staff_who_serve_one_queue_do_not_staff_another():
    assert cover({"A": 1, "B": 1}, [F("A"), F("A"), F("A")]) == {"A": 1, "B": 0}


def test_a_versatile_person_is_moved_to_where_only_they_can_serve():
    # greedy order would put the versatile clerk on A and leave B empty; the matching re-places them
    assert cover({"A": 1, "B": 1}, [F("AB"), F("A")]) == {"A": 1, "B": 1}


def test_no_need_no_staff_and_negative_needs():
    assert cover({}, [F("A")]) == {}
    assert cover({"A": 2}, []) == {"A": 0}
    assert cover({"A": -1, "B": 0}, [F("AB")]) == {"A": 0, "B": 0}


QUEUES = "ABCD"


@settings(deadline=None)  # a loaded machine: no timing in unit tests
@given(
    st.dictionaries(st.sampled_from(QUEUES), st.integers(0, 4), max_size=4),
    st.lists(st.frozensets(st.sampled_from(QUEUES), min_size=1), max_size=8),
)
def test_the_cover_is_a_largest_feasible_assignment(needs, skills):
    covered = cover(needs, skills)
    assert all(0 <= covered[q] <= needs[q] for q in needs)
    assert sum(covered.values()) <= len(skills)
    # Hall's condition, checked on every set of queues: what is covered there is at most the people who serve one
    for mask in range(1, 1 << len(QUEUES)):
        chosen = {q for i, q in enumerate(QUEUES) if mask >> i & 1}
        assert sum(covered.get(q, 0) for q in chosen) <= sum(1 for s in skills if s & chosen)
    # largest: brute force over assignments of each person to one of their queues or none
    best = 0

    def search(i: int, used: dict[str, int]) -> None:
        nonlocal best
        if i == len(skills):
            best = max(best, sum(min(used.get(q, 0), needs[q]) for q in needs))
            return
        search(i + 1, used)
        for q in skills[i]:
            if q in needs and used.get(q, 0) < needs[q]:
                search(i + 1, {**used, q: used.get(q, 0) + 1})

    search(0, {})
    assert sum(covered.values()) == best
