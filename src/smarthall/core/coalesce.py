"""In-process work that follows a burst of requests once, off the request path.

``Coalescer(fn)`` runs ``fn(key, now)`` in a daemon thread after ``request(key, now)``; many requests for one key
while a run is pending or under way give one more run, not many, and a key runs at most once per ``min_interval``
(which ``fn`` may raise by returning a number of seconds). ``now`` is the requester's clock (the app's injected
clock) carried forward by the time that has passed since, so a run works on the hall's time, not the host's.
Used where every request changes what a derived view shows — a hall's wait-estimate replay, quiet-calling
notifications, the notification outbox — but the view only needs to follow within moments.
In the test environment (``inline``) ``fn`` runs at once in the requesting thread, so tests see its effect
synchronously. Failures are logged and do not stop the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

log = logging.getLogger(__name__)
_inline = False


def configure(*, inline: bool) -> None:
    """Inline (tests): every coalescer runs its work at once in the requesting thread."""
    global _inline
    _inline = inline


class Coalescer:
    def __init__(
        self, name: str, fn: Callable[[Hashable, datetime], float | None], *, min_interval: float = 0.2
    ) -> None:
        self.name = name
        self.fn = fn
        self.min_interval = min_interval
        self._pending: dict[Hashable, tuple[float, datetime]] = {}  # key → (monotonic, clock) of the last request
        self._next: dict[Hashable, float] = {}  # key → earliest time of its next run
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def request(self, key: Hashable, now: datetime) -> None:
        if _inline:
            try:
                self.fn(key, now)
            except Exception:
                log.exception("%s failed for %r", self.name, key)
            return
        with self._cond:
            self._pending[key] = (time.monotonic(), now)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=f"coalesce-{self.name}", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self, key: Hashable, asked_at: tuple[float, datetime]) -> None:
        started = time.monotonic()
        wait = self.min_interval
        now = asked_at[1] + timedelta(seconds=started - asked_at[0])
        try:
            asked = self.fn(key, now)
            if asked is not None:
                wait = max(wait, asked)
        except Exception:
            log.exception("%s failed for %r", self.name, key)
        with self._cond:
            self._next[key] = started + wait

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                now = time.monotonic()
                key = min(self._pending, key=lambda k: self._next.get(k, 0.0))
                due = self._next.get(key, 0.0)
                if due > now:
                    self._cond.wait(due - now)
                    continue
                asked_at = self._pending.pop(key)
            self._run(key, asked_at)
