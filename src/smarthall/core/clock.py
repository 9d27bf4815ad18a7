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


class DemoClock:
    """The demo's clock (issue 16, "a demo that works at any hour"): it starts at a chosen instant (the next working
    morning of the demo hall when the demo is started after hours) and runs on in real time from there. Pages show
    it in the top bar as 演示时间; ``SMARTHALL_DEMO_CLOCK=0`` runs the demo on the real clock instead."""

    demo = True

    def __init__(self, start: datetime, *, real: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("DemoClock needs an aware datetime")
        self._real = real or SystemClock()
        self._offset = start.astimezone(UTC) - self._real.now()

    def now(self) -> datetime:
        return self._real.now() + self._offset


def local(dt: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    return dt.astimezone(tz)


def service_day(dt: datetime, tz: ZoneInfo = SHANGHAI) -> date:
    """The hall's local calendar date for an instant (the day a ticket sequence belongs to)."""
    return dt.astimezone(tz).date()


def format_local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if dt is None else dt.astimezone(SHANGHAI).strftime(fmt)
