"""Injected clock. Time is stored in UTC and shown in Asia/Shanghai; the service day is the hall's local date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests and simulations: it only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **kwargs: float) -> None:
        self._at += timedelta(**kwargs)


def local(dt: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    return dt.astimezone(tz)


def service_day(dt: datetime, tz: ZoneInfo = SHANGHAI) -> date:
    """The hall's local calendar date for an instant (the day a ticket sequence belongs to)."""
    return dt.astimezone(tz).date()


def format_local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if dt is None else dt.astimezone(SHANGHAI).strftime(fmt)
