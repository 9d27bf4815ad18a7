"""Rules of the 好差评 system. Pure: no I/O.

Levels after the State Council's 好差评 practice (国办发〔2019〕51号): 5 非常满意, 4 满意, 3 基本满意 (the three are
good reviews), 2 不满意, 1 非常不满意 (bad reviews, each opening a rectification work order). Indicators differ for
on-site and online service. The work order moves open → followed_up → rectified → closed; an open or followed-up
order may be appealed (malicious review) and the appeal is upheld (the rating is excluded) or overturned (the work
goes on). Once an order is rectified (or closed) the rater may re-rate once: the re-rating settles the order (a
rectified one is closed); a bad re-rating opens a second order for the same service, and no third rating follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_LEVELS = frozenset({1, 2})
INDICATORS = {
    "onsite": ("overall", "efficiency", "service_level", "attitude"),
    "online": ("overall", "efficiency", "guide_accuracy", "convenience", "usability"),
}
TAGS = {
    "good": ("办事效率高", "服务态度好", "一次办成", "指引清楚"),
    "bad": ("等候时间长", "态度不好", "多次跑动", "材料要求不清", "系统不好用"),
}

# action → (allowed from states, new state)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "follow_up": (frozenset({"open"}), "followed_up"),
    "rectify": (frozenset({"followed_up", "overturned"}), "rectified"),
    "close": (frozenset({"rectified"}), "closed"),
    "appeal": (frozenset({"open", "followed_up"}), "appealed"),
    "uphold": (frozenset({"appealed"}), "upheld"),
    "overturn": (frozenset({"appealed"}), "overturned"),
}
FINAL_STATES = frozenset({"closed", "upheld"})
RERATING_STATES = frozenset({"rectified", "closed"})


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


def indicator_problems(service_channel: str, indicators: Mapping[str, int]) -> list[str]:
    allowed = INDICATORS.get(service_channel, ())
    problems = [f"unknown indicator {key}" for key in indicators if key not in allowed]
    problems += [f"{key} must be 1-5" for key, v in indicators.items() if not isinstance(v, int) or not 1 <= v <= 5]
    return problems


def next_state(action: str, current: str) -> str | None:
    rule = TRANSITIONS.get(action)
    if rule is None or current not in rule[0]:
        return None
    return rule[1]


@dataclass
class Tally:
    """Counts for one group of ratings and the on-time figures of their work orders."""

    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    follow_ups: int = 0
    follow_ups_on_time: int = 0
    fixes: int = 0
    fixes_on_time: int = 0

    @property
    def count(self) -> int:
        return sum(self.levels.values())

    @property
    def bad_count(self) -> int:
        return self.levels[1] + self.levels[2]

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of good reviews (levels 3–5) among all: the 好评率 of the national system."""
        return None if self.count == 0 else round((self.count - self.bad_count) / self.count, 4)

    @property
    def follow_up_on_time_rate(self) -> float | None:
        return None if self.follow_ups == 0 else round(self.follow_ups_on_time / self.follow_ups, 4)

    @property
    def rectify_on_time_rate(self) -> float | None:
        return None if self.fixes == 0 else round(self.fixes_on_time / self.fixes, 4)


def tally(rows: Iterable[tuple[str, int | None, bool | None, bool | None]]) -> dict[str, Tally]:
    """Group ``(key, level, follow_up_on_time, rectify_on_time)`` rows; an on-time ``None`` means "not done yet",
    a level ``None`` a work order whose rating was replaced by the re-rating (it counts for the on-time rates
    only)."""
    out: dict[str, Tally] = {}
    for key, level, follow_on_time, fix_on_time in rows:
        t = out.setdefault(key, Tally())
        if level is not None:
            t.levels[level] += 1
        if follow_on_time is not None:
            t.follow_ups += 1
            t.follow_ups_on_time += int(follow_on_time)
        if fix_on_time is not None:
            t.fixes += 1
            t.fixes_on_time += int(fix_on_time)
    return out
