"""Which of a period's per-queue counter needs the staff on shift can meet, given who can serve which queue; which
queues share counters (pools) and how a pool's counters fall to its queues. Pure.

Each person works one counter at a time, so an hour's rostered staff meet the per-queue needs only as far as a
matching of people to queues allows: three clerks who all serve only the 公安 queue do not staff a 社保 counter. The
largest such matching (Kuhn's augmenting paths over the needed counters; a hall hour has tens of people and counters,
so this is instant) tells per queue how many needed counters are covered; the rest is the skill gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def cover(needs: Mapping[str, int], skills: Sequence[frozenset[str]]) -> dict[str, int]:
    """Counters covered per queue by the largest assignment of people (each with the queues they serve) to the
    needed counters, one counter per person."""
    slots = [q for q in sorted(needs) for _ in range(max(int(needs[q]), 0))]
    slot_of_person: dict[int, int] = {}
    person_of_slot: dict[int, int] = {}

    def place(slot: int, seen: set[int]) -> bool:
        for person, can in enumerate(skills):
            if slots[slot] not in can or person in seen:
                continue
            seen.add(person)
            # the person is free, or the slot they hold now can be given to someone else
            if person not in slot_of_person or place(slot_of_person[person], seen):
                slot_of_person[person] = slot
                person_of_slot[slot] = person
                return True
        return False

    for slot in range(len(slots)):
        place(slot, set())
    covered = dict.fromkeys(needs, 0)
    for slot in person_of_slot:
        covered[slots[slot]] += 1
    return covered


def pools(queues: Iterable[str], serving: Sequence[frozenset[str]]) -> dict[str, frozenset[str]]:
    """The queues that share counters (pure): queues joined, directly or through others, by a window that serves
    both fall into one pool (a comprehensive 无差别受理 window joins them all), a queue no window serves stands
    alone; without any window (floating clerks at any counter) every queue is one pool. Keyed ``all`` for a pool of
    every queue, by the queue's own code for a pool of one, else ``mix<k>``."""
    wanted = sorted(set(queues))
    if not wanted:
        return {}
    windows = [s & set(wanted) for s in serving]
    if not any(windows):
        return {"all": frozenset(wanted)}
    parent = {q: q for q in wanted}

    def root(q: str) -> str:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for s in windows:
        first, *rest = sorted(s) or [""]
        for q in rest:
            parent[root(q)] = root(first)
    groups: dict[str, set[str]] = {}
    for q in wanted:
        groups.setdefault(root(q), set()).add(q)
    out: dict[str, frozenset[str]] = {}
    for k, members in enumerate(sorted(groups.values(), key=lambda g: min(g))):
        key = "all" if len(members) == len(wanted) else next(iter(members)) if len(members) == 1 else f"mix{k + 1}"
        out[key] = frozenset(members)
    return out


def apportion(counters: int, loads: Mapping[str, float]) -> dict[str, int]:
    """A pool's counters shared among its queues by load, one at a time to the queue with the highest
    ``load / (given + 0.5)`` (Sainte-Laguë, ties by code): house-monotone, so more counters never take one away
    from a queue, and the shares add up to ``counters``."""
    out = dict.fromkeys(loads, 0)
    active = sorted(q for q, v in loads.items() if v > 0)
    if not active:
        return out
    for _ in range(max(int(counters), 0)):
        best = max(active, key=lambda q: (loads[q] / (out[q] + 0.5), -active.index(q)))
        out[best] += 1
    return out
