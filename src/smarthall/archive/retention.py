"""Retention classes (保管期限) of case archives. Pure: no I/O.

After the archival practice for administrative records (DA/T 22 / GB/T 18894 classification): decisions that
create lasting rights — licences (行政许可) — are kept permanently; confirmations, filings and benefit payments
(行政确认、行政备案、行政给付) for 30 years; public services and everything else for 10 years. A hall may override
per item code or per item type (``archive_retention_rule``); the item code wins over the type.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

RETENTION_CLASSES = ("permanent", "30y", "10y")
YEARS = {"permanent": None, "30y": 30, "10y": 10}
DEFAULT_BY_TYPE = {
    "行政许可": "permanent",
    "行政确认": "30y",
    "行政备案": "30y",
    "行政给付": "30y",
    "行政裁决": "permanent",
    "公共服务": "10y",
}
FALLBACK = "10y"


def retention_for(item_code: str, item_type: str, overrides: Mapping[str, str] | None = None) -> str:
    rules = overrides or {}
    return rules.get(f"item:{item_code}") or rules.get(f"type:{item_type}") or DEFAULT_BY_TYPE.get(item_type, FALLBACK)


def retain_until(retention: str, finished: date) -> date | None:
    """The last day of keeping: counted in whole years from the year after completion (档案年度的次年起算)."""
    years = YEARS[retention]
    if years is None:
        return None
    return date(finished.year + years, 12, 31)
