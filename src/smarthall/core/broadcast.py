"""Live fan-out of small JSON messages to SSE subscribers (display boards, window pads, citizens' phones).

``publish`` is synchronous and thread-safe: it is called from after-commit hooks that run in the worker thread of a
request, so a board never shows a rolled-back call. ``subscribe`` is an async iterator used by SSE endpoints; its
first item is ``{"type": "subscribed"}``, sent once the subscription is live, so a client told "ready" misses
nothing after it.

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
    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        # Pub/sub ignores the database number; the prefix keeps deployments sharing one Redis apart.
        self.prefix = f"smarthall{urlparse(url).path or '/0'}:"
        self._sync = redis.Redis.from_url(url)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._sync.publish(self.prefix + channel, json.dumps(message, ensure_ascii=False))
        except Exception:  # a board missing one update must not fail the committed request
            log.exception("redis publish to %s failed", channel)

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
