"""App factory for the load benchmark: settings from the environment, and a clock that starts on a working Monday
at 09:00 in the hall and runs at real speed (so the hall is open whenever the benchmark runs)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from smarthall.core.config import Settings

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 09:00 Asia/Shanghai


class BenchClock:
    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return START + timedelta(seconds=time.monotonic() - self._t0)


def create() -> Any:
    from smarthall.main import create_app

    return create_app(Settings(), clock=BenchClock())
