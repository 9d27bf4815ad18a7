"""The four hall days the staffing methods are compared on (pure data), after issue 13's staffing targets.

All run 08:30–17:30 in half-hour periods with service through lunch (午间不打烊) and the calling rules of the hall
(priority tickets first with the starvation guard); arrivals are given as arrivals per hour at knots, linear between.

- ``two_peaks``: the research anchor's hall day, a morning peak (110/h at 09:30–10:00), a lunch dip, an afternoon
  peak (100/h at 15:00); a mix of items averaging 9 minutes.
- ``sharp_0900``: people waiting at the door; 260/h in the first quarter hour after 09:00, falling to 70/h by 10:00.
- ``long_service``: property and business registrations, mean 25 minutes; two peaks of 38/h and 34/h.
- ``two_skill``: a general queue (6 minutes, two peaks of 95/h) and a property queue (20 minutes, a morning peak of
  22/h) served by separate counter pools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from smarthall.operations.arrivals import DaySample, ItemProfile, rng_for, shape_at
from smarthall.operations.simulate import Pool
from smarthall.operations.staffing import DayModel, Stream

OPEN, CLOSE, STEP = 510.0, 1050.0, 15.0


def _bins(knots: Sequence[tuple[float, float]], scale: float = 1.0) -> tuple[tuple[float, float, float], ...]:
    out = []
    t = OPEN
    while t < CLOSE:
        mid = t + STEP / 2
        out.append((t, t + STEP, shape_at([(int(m), r) for m, r in knots], mid) * scale * STEP / 60))
        t += STEP
    return tuple(out)


def _hm(text: str) -> float:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


TWO_PEAKS = [
    ("08:30", 45), ("09:30", 110), ("10:00", 110), ("11:00", 80), ("12:00", 35), ("13:00", 25), ("13:45", 45),
    ("14:30", 85), ("15:00", 100), ("16:00", 80), ("17:00", 45), ("17:30", 25),
]  # fmt: skip
SHARP = [
    ("08:30", 40), ("08:59", 40), ("09:00", 260), ("09:15", 260), ("09:30", 130), ("10:00", 70), ("11:30", 55),
    ("12:00", 30), ("13:30", 30), ("14:30", 60), ("16:30", 50), ("17:30", 25),
]  # fmt: skip
LONG = [
    ("08:30", 14), ("09:30", 38), ("10:30", 36), ("11:30", 22), ("12:30", 8), ("13:30", 10), ("14:30", 30),
    ("15:30", 34), ("16:30", 20), ("17:30", 8),
]  # fmt: skip
PROPERTY = [("08:30", 10), ("09:30", 22), ("10:30", 20), ("12:00", 6), ("14:00", 10), ("15:30", 14), ("17:30", 4)]


def _knots(rows: Sequence[tuple[str, float]]) -> list[tuple[float, float]]:
    return [(_hm(t), r) for t, r in rows]


MIXED = (
    ItemProfile("GA-001", "ALL", 0.30, 7.0, 0.5, elderly_share=0.10),
    ItemProfile("RS-001", "ALL", 0.25, 6.0, 0.6, elderly_share=0.10),
    ItemProfile("SC-002", "ALL", 0.20, 12.0, 0.6, elderly_share=0.05),
    ItemProfile("GJ-002", "ALL", 0.15, 9.0, 0.5, elderly_share=0.05),
    ItemProfile("BD-003", "ALL", 0.10, 15.0, 0.6, elderly_share=0.05),
)
LONG_ITEMS = (
    ItemProfile("BD-001", "ALL", 0.5, 28.0, 0.5, elderly_share=0.05),
    ItemProfile("SC-001", "ALL", 0.5, 22.0, 0.6, elderly_share=0.03),
)


GENERAL = (
    ItemProfile("GA-001", "GEN", 0.5, 6.0, 0.5, elderly_share=0.10),
    ItemProfile("RS-001", "GEN", 0.5, 6.0, 0.6, elderly_share=0.10),
)
PROPERTY_ITEMS = (ItemProfile("BD-001", "BD", 1.0, 20.0, 0.5, elderly_share=0.05),)


@dataclass(frozen=True)
class DayType:
    name: str
    model: DayModel
    day_cv: float = 0.0  # no day effect: the plans are scored against the rates they were made for

    def sample(self, seed: int, index: int) -> DaySample:
        """Day ``index`` of run ``seed``: the same for every plan (common random numbers)."""
        day = date(2026, 1, 1) + timedelta(days=index % 3650)
        return self.model.sample(rng_for(seed, self.name, index), day=day, day_cv=self.day_cv)

    def samples(self, seed: int, days: int, first: int = 0) -> list[DaySample]:
        return [self.sample(seed, first + i) for i in range(days)]


def _one_queue(name: str, knots: Sequence[tuple[str, float]], items: tuple[ItemProfile, ...]) -> DayType:
    stream = Stream(_bins(_knots(knots)), items)
    return DayType(name, DayModel((stream,), (Pool("ALL"),), OPEN, CLOSE))


def _two_skill() -> DayType:
    streams = (Stream(_bins(_knots(TWO_PEAKS), 95 / 110), GENERAL), Stream(_bins(_knots(PROPERTY)), PROPERTY_ITEMS))
    pools = (Pool("GEN", frozenset({"GEN"})), Pool("BD", frozenset({"BD"})))
    return DayType("two_skill", DayModel(streams, pools, OPEN, CLOSE))


DAY_TYPES: dict[str, DayType] = {
    t.name: t
    for t in (
        _one_queue("two_peaks", TWO_PEAKS, MIXED),
        _one_queue("sharp_0900", SHARP, MIXED),
        _one_queue("long_service", LONG, LONG_ITEMS),
        _two_skill(),
    )
}
