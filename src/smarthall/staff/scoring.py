"""The performance score (8.2): a weighted mean of normalised measures, weights a hall setting. Pure: no I/O.

Each measure becomes a number in [0, 1] for one person, against the others in the same hall and period:

- ``handled``: finished services ÷ the most any one person finished;
- ``service_time``: the fastest mean handling time ÷ this person's mean (faster is better);
- ``on_time``: the share of the person's accepted cases finished by the promised date;
- ``good_rating``: the share of the person's ratings that are 4 or 5 stars;
- ``complaints``: 1 − bad ratings ÷ services finished (at least one), never below 0.

A measure with no data for the person (no ratings, no cases) is left out and the remaining weights are rescaled,
so nobody is rewarded or punished for what could not be measured. The score is 0–100, rounded to one decimal.
The score formula (rule ``staff.score_formula``) then makes the score from these: an expression of the safe
language of ``core.formula`` (own parser, never ``eval``) over the normalised measures, ``weighted`` (the weighted
mean above, 0–100) and the raw counts — by default just ``weighted``. A formula giving no value (a measure without
data, a division by zero) leaves the person unscored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass
from typing import TypeVar

from smarthall.core import formula as formula_lang
from smarthall.rules.definitions import STAFF_SCORE_NAMES

DEFAULT_FORMULA = "weighted"
K = TypeVar("K", int, str)  # a person (staff id) or a group (window, department code)
MEASURES = ("handled", "service_time", "on_time", "good_rating", "complaints")
DEFAULT_WEIGHTS = {"handled": 30, "service_time": 10, "on_time": 20, "good_rating": 30, "complaints": 10}


@dataclass(frozen=True)
class Figures:
    """What was counted for one person in one period."""

    handled: int
    service_seconds: int  # the sum over the handled services
    cases: int  # cases this person accepted that finished in the period
    cases_on_time: int
    ratings: int
    good_ratings: int
    complaints: int  # bad ratings (1 or 2 stars)
    helps: int = 0  # help requests (帮办) this person finished as the helper
    waited: int = 0  # handled services whose wait before the call is known
    wait_seconds: int = 0  # the customers' waits that this person's (this window's) calls ended, summed
    overdue: int = 0  # accepted cases whose promised date in the period passed unkept
    notices: int = 0  # supplement notices given in the period
    repeat_notices: int = 0  # of which a case's second or later (the one-time-notice rule, 一次性告知)

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def mean_service_minutes(self) -> float | None:
        return round(self.service_seconds / self.handled / 60, 2) if self.handled else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.cases_on_time / self.cases, 4) if self.cases else None

    @property
    def good_rating_rate(self) -> float | None:
        return round(self.good_ratings / self.ratings, 4) if self.ratings else None

    @property
    def waits_caused_minutes(self) -> float:
        return round(self.wait_seconds / 60, 1)

    @property
    def mean_wait_minutes(self) -> float | None:
        return round(self.wait_seconds / self.waited / 60, 2) if self.waited else None

    @property
    def notice_compliance(self) -> float | None:
        """The share of this person's supplement notices that were their case's only one so far (None: none)."""
        return round(1 - self.repeat_notices / self.notices, 4) if self.notices else None


def check_weights(weights: Mapping[str, object]) -> dict[str, int]:
    """``weights`` as whole numbers per known measure (missing ones 0), or ``ValueError`` saying what is wrong."""
    unknown = sorted(set(weights) - set(MEASURES))
    if unknown:
        raise ValueError(f"unknown measures: {', '.join(unknown)}")
    out: dict[str, int] = {}
    for key in MEASURES:
        value = weights.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise ValueError(f"{key}: expected a whole number")
        if not 0 <= value <= 100:
            raise ValueError(f"{key}: expected 0–100")
        out[key] = int(value)
    if sum(out.values()) <= 0:
        raise ValueError("the weights must not all be 0")
    return out


def usable_weights(stored: object) -> dict[str, int]:
    """The weights a stored setting gives, or the defaults when the setting does not make a valid formula (the
    generic rules page cannot know which keys this map needs)."""
    if isinstance(stored, Mapping):
        try:
            return check_weights(stored)
        except ValueError:
            pass
    return dict(DEFAULT_WEIGHTS)


def components(f: Figures, *, most_handled: int, fastest_mean_seconds: float | None) -> dict[str, float | None]:
    """The normalised measures of one person (None: not measurable)."""
    mean = f.service_seconds / f.handled if f.handled else None
    service_time: float | None = None
    if mean is not None and fastest_mean_seconds is not None:
        service_time = 1.0 if mean <= 0 else min(1.0, max(fastest_mean_seconds, 0.0) / mean)
    return {
        "handled": f.handled / most_handled if most_handled else None,
        "service_time": service_time,
        "on_time": f.cases_on_time / f.cases if f.cases else None,
        "good_rating": f.good_ratings / f.ratings if f.ratings else None,
        "complaints": (max(0.0, 1 - f.complaints / max(f.handled, 1)) if (f.handled or f.complaints) else None),
    }


def score(parts: Mapping[str, float | None], weights: Mapping[str, int]) -> float | None:
    """The weighted mean of the measurable parts, 0–100 (None when nothing could be measured)."""
    total = sum(weights.get(k, 0) for k, v in parts.items() if v is not None)
    if total <= 0:
        return None
    return round(100 * sum(weights.get(k, 0) * v for k, v in parts.items() if v is not None) / total, 1)


def usable_formula(stored: object) -> formula_lang.Node:
    """The parsed formula a stored setting gives, or the default when it does not parse (any more)."""
    if isinstance(stored, str):
        try:
            return formula_lang.parse(stored, STAFF_SCORE_NAMES)
        except formula_lang.FormulaError:
            pass
    return formula_lang.parse(DEFAULT_FORMULA, STAFF_SCORE_NAMES)


def formula_values(
    f: Figures, parts: Mapping[str, float | None], weights: Mapping[str, int]
) -> dict[str, float | None]:
    """What a formula's names stand for, for one person."""
    return {
        **{("on_time_rate" if k == "on_time" else k): v for k, v in parts.items()},
        "weighted": score(parts, weights),
        "handled_count": float(f.handled),
        "cases_count": float(f.cases),
        "ratings_count": float(f.ratings),
        "complaints_count": float(f.complaints),
        "help_count": float(f.helps),
        "mean_minutes": f.mean_service_minutes,
        "waits_caused_minutes": f.waits_caused_minutes,
        "mean_wait_minutes": f.mean_wait_minutes,
        "overdue_count": float(f.overdue),
        "notice_compliance": f.notice_compliance,
        "notice_violations": float(f.repeat_notices),
    }


def formula_score(tree: formula_lang.Node, values: Mapping[str, float | None]) -> float | None:
    value = formula_lang.evaluate(tree, values)
    return None if value is None else round(value, 1) + 0.0  # + 0.0: no "-0.0"


def rollup(figures: Mapping[int, Figures], key_of: Mapping[int, str | None]) -> dict[str, Figures]:
    """The people's figures summed per group (a window, a department); people without a group are left out."""
    out: dict[str, Figures] = {}
    for person, f in figures.items():
        key = key_of.get(person)
        if key:
            out[key] = out[key] + f if key in out else f
    return out


def rank(
    figures: Mapping[K, Figures], weights: Mapping[str, int], formula: formula_lang.Node | None = None
) -> list[tuple[K, float | None, int | None]]:
    """(person or group, score, rank) best first; people without a score come last, unranked. Ties share a rank."""
    tree = formula if formula is not None else usable_formula(DEFAULT_FORMULA)
    most = max((f.handled for f in figures.values()), default=0)
    means = [f.service_seconds / f.handled for f in figures.values() if f.handled]
    fastest = min(means) if means else None
    scored: dict[K, float | None] = {}
    for k, f in figures.items():
        parts = components(f, most_handled=most, fastest_mean_seconds=fastest)
        scored[k] = formula_score(tree, formula_values(f, parts, weights))
    order = sorted(scored, key=lambda k: (scored[k] is None, -(scored[k] or 0.0), k))
    out: list[tuple[K, float | None, int | None]] = []
    previous: float | None = None
    current_rank = 0
    for position, key in enumerate(order, start=1):
        value = scored[key]
        if value is None:
            out.append((key, None, None))
            continue
        if value != previous:
            current_rank, previous = position, value
        out.append((key, value, current_rank))
    return out
