"""Pure appointment rules (no I/O): slot generation from opening hours, booking windows, the credit rule.

The rules are a hall's rule settings (``SlotRule``/``CreditRule`` built from ``appointment.*``); their platform
defaults, after GB/T 44888 §6.3 practice: hourly slots, booking opens 7 days ahead and closes 30 minutes before a
slot starts, check-in from 60 minutes before until 15 minutes after the start (later arrivals lose priority);
within 30 days, 2 no-shows or 5 cancellations block booking for 30 days, with a warning after the first no-show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, Self

from smarthall.core.clock import SHANGHAI
from smarthall.queueing.policy import opening_periods


class _FromRules:
    """Built from a hall's rule settings: ``appointment.<field>`` (``SlotRule``) or ``appointment.credit_<field>``
    (``CreditRule``) in ``rules.definitions``, where the platform defaults live."""

    PREFIX: ClassVar[str] = ""
    ALIASES: ClassVar[dict[str, str]] = {}

    @classmethod
    def _key(cls, name: str) -> str:
        return cls.ALIASES.get(name, cls.PREFIX + name)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The rule keys (without ``appointment.``) this rule is made of."""
        return tuple(cls._key(f.name) for f in fields(cls))  # type: ignore[arg-type]

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Self:
        """From ``{key: value}`` with the keys of ``keys()``, bare or prefixed by ``appointment.``."""

        def get(key: str) -> int:
            return int(values[key] if key in values else values[f"appointment.{key}"])

        return cls(**{f.name: get(cls._key(f.name)) for f in fields(cls)})  # type: ignore[arg-type,call-arg]


@dataclass(frozen=True)
class SlotRule(_FromRules):
    slot_minutes: int
    capacity: int
    horizon_days: int
    cutoff_minutes: int
    grace_minutes: int
    early_checkin_minutes: int
    extended_before_minutes: int  # optional extended hours (延时服务) before opening
    extended_after_minutes: int  # … and after closing

    ALIASES: ClassVar[dict[str, str]] = {"capacity": "slot_capacity"}


@dataclass(frozen=True)
class CreditRule(_FromRules):
    window_days: int
    max_no_shows: int
    max_cancellations: int
    block_days: int

    PREFIX: ClassVar[str] = "credit_"


def slot_times(
    hours: Mapping[str, Any], day: date, is_workday: bool, rule: SlotRule
) -> list[tuple[datetime, datetime]]:
    """Slots as aware local datetimes: each opening period cut into ``slot_minutes`` pieces (a short last piece
    is kept when at least half a slot long)."""
    periods = opening_periods(hours, day, is_workday)
    out: list[tuple[datetime, datetime]] = []
    for i, (opens, closes) in enumerate(periods):
        start = datetime.combine(day, opens, SHANGHAI)
        end = datetime.combine(day, closes, SHANGHAI)
        if i == 0:
            start -= timedelta(minutes=rule.extended_before_minutes)
        if i == len(periods) - 1:
            end += timedelta(minutes=rule.extended_after_minutes)
        step = timedelta(minutes=rule.slot_minutes)
        cursor = start
        while cursor < end:
            stop = min(cursor + step, end)
            if stop - cursor >= step / 2:
                out.append((cursor, stop))
            cursor = stop
    return out


def bookable(starts_at: datetime, now: datetime, rule: SlotRule) -> bool:
    if starts_at - timedelta(minutes=rule.cutoff_minutes) <= now:
        return False
    last_day = now.astimezone(SHANGHAI).date() + timedelta(days=rule.horizon_days)
    return starts_at.astimezone(SHANGHAI).date() <= last_day


def check_in_state(starts_at: datetime, now: datetime, rule: SlotRule) -> str:
    """ "early" (not yet), "on_time" (priority ticket), "late" (an ordinary ticket), or "wrong_day"."""
    if starts_at.astimezone(SHANGHAI).date() != now.astimezone(SHANGHAI).date():
        return "wrong_day"
    if now < starts_at - timedelta(minutes=rule.early_checkin_minutes):
        return "early"
    if now <= starts_at + timedelta(minutes=rule.grace_minutes):
        return "on_time"
    return "late"


def credit_verdict(no_shows: int, cancellations: int, rule: CreditRule) -> str:
    """ "block", "warn" (first no-show) or "ok", from the counts within the rule's window."""
    if no_shows >= rule.max_no_shows or cancellations >= rule.max_cancellations:
        return "block"
    if no_shows >= 1:
        return "warn"
    return "ok"


def time_str(dt: datetime) -> str:
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def local_time(t: time) -> str:
    return t.strftime("%H:%M")
