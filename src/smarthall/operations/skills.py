"""Which of a period's per-queue counter needs the staff on shift can meet, given who can serve which queue. Pure.

Each person works one counter at a time, so an hour's rostered staff meet the per-queue needs only as far as a
matching of people to queues allows: three clerks who all serve only the 公安 queue do not staff a 社保 counter. The
largest such matching (Kuhn's augmenting paths over the needed counters; a hall hour has tens of people and counters,
so this is instant) tells per queue how many needed counters are covered; the rest is the skill gap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


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
