"""Personalised push (requirements §10.6), the pure part: what is due for whom (no I/O).

- Licence expiry: a reminder when a wallet licence has 90 days left and again at 30 (``MARKS``); a daily run that
  missed the day still sends the mark most recently passed, once.
- Policy matches from the profile: turning 80 within the next 30 days (or having turned 80 in the last 30) →
  the elder allowance (高龄津贴).
- Related items after a case: the other items of a "one thing" bundle the finished item belongs to (a new
  business → new taxpayer registration).
- A frequency cap: at most ``cap`` pushes in any 7 days per citizen (rule ``operations.push_weekly_cap``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

TOPICS = ("licence_expiry", "related_items", "policy_match")
CONSENT_VERSION = "2026-12"
MARKS = (90, 30)
ELDER_AGE = 80
ELDER_ITEM = "MZ-002"


def licence_mark(valid_until: date | None, today: date) -> int | None:
    """The reminder due for a licence (90 or 30 days before expiry), ``None`` when none is (or it has expired)."""
    if valid_until is None:
        return None
    left = (valid_until - today).days
    if left < 0:
        return None
    due = [m for m in MARKS if left <= m]
    return min(due) if due else None


def birth_date(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None


def turns_elder(born: date | None, today: date, *, window_days: int = 30) -> date | None:
    """The 80th birthday when it falls within ``window_days`` of ``today`` (either side), else ``None``."""
    if born is None:
        return None
    try:
        birthday = born.replace(year=born.year + ELDER_AGE)
    except ValueError:  # 29 February
        birthday = date(born.year + ELDER_AGE, 3, 1)
    return birthday if abs((birthday - today).days) <= window_days else None


def related(item_code: str, bundles: Iterable[Sequence[str]]) -> list[str]:
    """The other items of every bundle that holds ``item_code``, in bundle order, once each."""
    out: list[str] = []
    for items in bundles:
        if item_code in items:
            out.extend(i for i in items if i != item_code and i not in out)
    return out


def capped(sent: Iterable[datetime], now: datetime, cap: int) -> bool:
    """Whether another push now would exceed ``cap`` pushes in the last 7 days."""
    since = now - timedelta(days=7)
    return sum(1 for at in sent if at > since) >= cap
