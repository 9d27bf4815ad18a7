"""Live fan-out of small JSON messages to SSE subscribers (display boards, window pads, citizens' phones).

``publish`` is synchronous, thread-safe and never waits for the network: it is called from after-commit hooks that
run in the worker thread of a request, so a board never shows a rolled-back call. ``subscribe`` is an async iterator
used by SSE endpoints; its first item is ``{"type": "subscribed"}``, sent once the subscription is live, so a client
told "ready" misses nothing after it.

The broadcaster of an app is found from its database (``of(database)``: the settings it was wired with), never from
a process-wide global.

- Without ``SMARTHALL_REDIS_URL``: an in-memory fan-out for one process (each subscriber owns an asyncio queue on
  its own event loop; publish hands the message over with ``call_soon_threadsafe``).
- With ``SMARTHALL_REDIS_URL``: Redis pub/sub, so a call made through one server process reaches the boards served
  by every other process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any, Protocol
from urllib.parse import urlparse

log = logging.getLogger(__name__)
_QUEUE_LIMIT = 256
_OUTBOX_LIMIT = 10_000  # messages waiting for Redis in one process
# The first item of every subscription: from here on, nothing published to the channel is missed.
SUBSCRIBED: dict[str, Any] = {"type": "subscribed"}


class Broadcaster(Protocol):
    def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class MemoryBroadcaster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]]] = {}

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(_offer, queue, message)
            except RuntimeError:  # the subscriber's loop has closed; it unsubscribes itself
                continue

    async def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=_QUEUE_LIMIT)
        entry = (loop, queue)
        with self._lock:
            self._subscribers.setdefault(channel, []).append(entry)
        try:
            yield dict(SUBSCRIBED)
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                subs = self._subscribers.get(channel, [])
                if entry in subs:
                    subs.remove(entry)

    def subscriber_count(self, channel: str) -> int:
        with self._lock:
            return len(self._subscribers.get(channel, ()))

    def close(self) -> None:
        with self._lock:
            self._subscribers.clear()


def _offer(queue: asyncio.Queue[dict[str, Any]], message: dict[str, Any]) -> None:
    if queue.full():  # a slow board drops its oldest message rather than blocking the publisher
        queue.get_nowait()
    queue.put_nowait(message)


class RedisBroadcaster:
    """Redis pub/sub. ``publish`` only hands the message to this process's publisher thread, which sends what has
    gathered in one pipeline (one round trip however many requests published meanwhile), in order: a request's
    after-commit hook no longer waits for Redis before its answer leaves."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        # Pub/sub ignores the database number; the prefix keeps deployments sharing one Redis apart.
        self.prefix = f"smarthall{urlparse(url).path or '/0'}:"
        self._sync = redis.Redis.from_url(url)
        self._outbox: list[tuple[str, str]] = []
        self._cond = threading.Condition()
        self._sending = False
        self._thread: threading.Thread | None = None

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        payload = json.dumps(message, ensure_ascii=False)
        with self._cond:
            if len(self._outbox) >= _OUTBOX_LIMIT:  # Redis is away: a board misses the oldest update, not the hall
                del self._outbox[0]
            self._outbox.append((self.prefix + channel, payload))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._send_loop, name="broadcast-redis", daemon=True)
                self._thread.start()
            self._cond.notify_all()  # the sender (a ``flush`` may be waiting on the same condition)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything published so far has been sent (or failed); whether it was, within ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._outbox and not self._sending, timeout)

    def _send_loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._outbox))
                batch, self._outbox = self._outbox, []
                self._sending = True
            try:
                pipe = self._sync.pipeline(transaction=False)
                for channel, payload in batch:
                    pipe.publish(channel, payload)
                pipe.execute()
            except Exception:  # a board missing an update must not fail anything: it re-reads on the next one
                log.exception("redis publish of %d messages failed", len(batch))
            finally:
                with self._cond:
                    self._sending = False
                    self._cond.notify_all()

    async def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        await pubsub.subscribe(self.prefix + channel)
        try:
            yield dict(SUBSCRIBED)
            while True:
                item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=30.0)
                if item is None:
                    continue
                yield json.loads(item["data"])
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[attr-defined]
            await client.aclose()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.flush(timeout=2.0)
        self._sync.close()


_lock = threading.Lock()
_instances: dict[str, Broadcaster] = {}


def get_broadcaster(redis_url: str | None) -> Broadcaster:
    """The process-wide broadcaster for this Redis URL (or the in-memory one when the URL is empty)."""
    key = redis_url or ""
    with _lock:
        instance = _instances.get(key)
        if instance is None:
            instance = RedisBroadcaster(key) if key else MemoryBroadcaster()
            _instances[key] = instance
        return instance


def of(database: Any) -> Broadcaster:
    """The broadcaster of the app whose ``Database`` is given: its settings' Redis URL (``database.registry
    .settings``), or the in-memory fan-out without one."""
    settings = getattr(getattr(database, "registry", None), "settings", None)
    return get_broadcaster(getattr(settings, "redis_url", None))
