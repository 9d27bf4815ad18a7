"""Injected clock. Time is stored in UTC and shown in Asia/Shanghai; the service day is the hall's local date."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
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
    it in the top bar as 演示时间; ``SMARTHALL_DEMO_CLOCK=0`` runs the demo on the real clock instead. A server's
    processes share one (``SharedDemoClock``)."""

    demo = True

    def __init__(self, start: datetime, *, real: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("DemoClock needs an aware datetime")
        self._real = real or SystemClock()
        self._offset = start.astimezone(UTC) - self._real.now()

    def now(self) -> datetime:
        return self._real.now() + self._offset


DEMO_CLOCK_FILE = "demo-clock.json"
DEMO_RECORD_HOURS = 12  # a demo record older than this is a past session's: a start decides afresh


class SharedDemoClock:
    """The demo clock of every process of one deployment (issue 11): the offset from the real clock is stored once
    in the data dir (``demo-clock.json``), by the first process to decide it, and read by every web process and the
    task worker, which re-read it at most every ``reread_seconds`` — so they agree on "now" (a delivery due in a
    minute is due in a minute for the worker too). Offset 0 is the real clock (no 演示时间 shown). The offset only
    moves forward while a record is live (``move_to``), so no process sees time run backwards."""

    def __init__(self, path: Path, *, real: Clock | None = None, reread_seconds: float = 1.0) -> None:
        self.path = path
        self._real = real or SystemClock()
        self._reread = reread_seconds
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._decided_at: datetime | None = None
        self._stamp: tuple[int, int] | None = None
        self._next_check = 0.0
        self._load()

    @property
    def demo(self) -> bool:
        return self.offset() != timedelta(0)

    def now(self) -> datetime:
        return self._real.now() + self.offset()

    def offset(self) -> timedelta:
        if time.monotonic() >= self._next_check:
            self._load()
        return self._offset

    def record_is_live(self) -> bool:
        """Whether a stored decision belongs to this session (made in the last ``DEMO_RECORD_HOURS``)."""
        self._load()
        if self._decided_at is None:
            return False
        return self._real.now() - self._decided_at < timedelta(hours=DEMO_RECORD_HOURS)

    def move_to(self, at: datetime, *, fresh: bool = False) -> None:
        """Store the offset that makes now ``at`` for the whole deployment: later only (``fresh``: any, a new
        session)."""
        offset = at.astimezone(UTC) - self._real.now()
        if fresh or offset > self.offset():
            self._write(offset)

    def keep_real(self) -> None:
        """Record the real clock (offset 0) as this session's: later starts keep it while the hall is open."""
        self._write(timedelta(0))

    def _write(self, offset: timedelta) -> None:
        real_now = self._real.now()
        record = {
            "offset_seconds": offset.total_seconds(),
            "decided_at": real_now.isoformat(),
            "demo_now": (real_now + offset).isoformat(),
            "pid": os.getpid(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, self.path)  # atomic: a reader sees the old record or the new one, never half
        self._stamp = None
        self._load()

    def _load(self) -> None:
        with self._lock:
            self._next_check = time.monotonic() + self._reread
            try:
                st = self.path.stat()
                stamp = (st.st_mtime_ns, st.st_ino)
                if stamp == self._stamp:
                    return
                record = json.loads(self.path.read_text(encoding="utf-8"))
                offset = timedelta(seconds=float(record["offset_seconds"]))
                decided_at = datetime.fromisoformat(str(record["decided_at"]))
            except FileNotFoundError:
                self._stamp, self._offset, self._decided_at = None, timedelta(0), None
                return
            except (OSError, ValueError, KeyError, TypeError):  # torn or foreign file: keep what was read last
                return
            self._stamp, self._offset, self._decided_at = stamp, offset, decided_at


def local(dt: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    return dt.astimezone(tz)


def service_day(dt: datetime, tz: ZoneInfo = SHANGHAI) -> date:
    """The hall's local calendar date for an instant (the day a ticket sequence belongs to)."""
    return dt.astimezone(tz).date()


def format_local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if dt is None else dt.astimezone(SHANGHAI).strftime(fmt)
