"""Retention classes (保管期限) of case archives. Pure: no I/O.

After the archival practice for administrative records (DA/T 22 / GB/T 18894 classification): decisions that
create lasting rights — licences (行政许可) — are kept permanently; confirmations, filings and benefit payments
(行政确认、行政备案、行政给付) for 30 years; public services and everything else for 10 years.

The figures are a rule setting, ``archive.retention_years`` (``rules.definitions``): a map of years by item type,
``item:<code>`` for one item and ``default`` for the rest, 0 meaning permanent, inherited down the hall tree and
overridable by a hall. The item code wins over the type, the type over the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

RETENTION_CLASSES = ("permanent", "30y", "10y")
PERMANENT = "permanent"
DEFAULT_YEARS: dict[str, int] = {
    "行政许可": 0,
    "行政裁决": 0,
    "行政确认": 30,
    "行政备案": 30,
    "行政给付": 30,
    "default": 10,
}
FALLBACK_YEARS = 10


def class_of(years: int) -> str:
    """The class of a number of years (0: permanent)."""
    return PERMANENT if years == 0 else f"{years}y"


def years_of(retention: str) -> int:
    """The years of a class (``permanent``: 0; ``30y``: 30)."""
    if retention == PERMANENT:
        return 0
    if not retention.endswith("y") or not retention[:-1].isdigit():
        raise ValueError(f"not a retention class: {retention!r}")
    return int(retention[:-1])


def rule_key(scope: str) -> str:
    """The key in the years map of an override scope: ``item:<code>`` stays, ``type:<type>`` is the type's name."""
    return scope.removeprefix("type:")


def retention_for(item_code: str, item_type: str, years: Mapping[str, int] | None = None) -> str:
    """The class of an item in a hall whose ``archive.retention_years`` rule is ``years``."""
    table = DEFAULT_YEARS if years is None else years
    for key in (f"item:{item_code}", item_type, "default"):
        if key in table:
            return class_of(int(table[key]))
    return class_of(FALLBACK_YEARS)


def longest(classes: list[str]) -> str:
    """The longest of some classes (a bundle's package keeps its parts as long as its longest-kept part)."""
    return min(classes, key=lambda c: (0, 0) if c == PERMANENT else (1, -years_of(c)))


def retain_until(retention: str, finished: date) -> date | None:
    """The last day of keeping: counted in whole years from the year after completion (档案年度的次年起算)."""
    years = years_of(retention)
    if years == 0:
        return None
    return date(finished.year + years, 12, 31)
