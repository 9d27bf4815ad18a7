"""Counters for abuse limits: fixed-window request limits (429 + Retry-After) and failure records for login
throttling, shared through Redis when ``SMARTHALL_REDIS_URL`` is set and kept in this process otherwise.

Times are the application clock's (seconds since the epoch), so windows follow a frozen clock in tests exactly as
the wall clock in production; the store's own expiry only cleans up. A Redis outage never takes the hall down:
the limiter then counts in process (logged once).

Limits are settings (``Settings.rate_limits``: ``{"name": [count, window_seconds]}``), named where they are
applied (``consult.ask``, ``assist.help_request``, ``queueing.ticket``, ...); an operator or a load generator
raises or lowers one by name, and a count of 0 switches it off.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from smarthall.core.errors import HallError

log = logging.getLogger(__name__)
PREFIX = "smarthall:rl:"

# The default limits: (count, window in seconds) per actor, device or client address.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "consult.ask": (30, 60),  # questions per minute from one asker (anonymous: per address)
    "assist.help_request": (5, 600),  # help requests per 10 minutes from a citizen or an address
    "assist.help_request_desk": (120, 600),  # from a kiosk or a guide desk, on behalf of many people
    "queueing.remote_ticket": (10, 3600),  # remote tickets per hour per citizen
    "queueing.kiosk_ticket": (60, 60),  # tickets per minute from one kiosk (a busy morning is ~10)
    "queueing.ticket": (30, 60),  # other ticket requests per minute per actor or address
    "appointment.book": (20, 3600),  # bookings per hour per citizen
    "consult.feedback": (60, 60),
    "identity.phone_code": (30, 600),  # registration SMS codes per 10 minutes from one address (per number: 1/min, 5/h)
}


class TooManyRequests(HallError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"
    message_zh = "操作过于频繁,请稍后再试"
    message_en = "Too many requests, please try again later"


class Store(Protocol):
    def incr(self, key: str, ttl: int) -> int: ...

    def get(self, key: str) -> dict[str, str]: ...

    def get_many(self, *keys: str) -> list[dict[str, str]]: ...

    def put(self, key: str, values: dict[str, str], ttl: int) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryStore:
    """The in-process store: a dict with expiry, swept now and then so it stays bounded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, Any]] = {}
        self._ops = 0

    def _sweep(self) -> None:
        self._ops += 1
        if self._ops % 4096 == 0:
            now = time.monotonic()
            for key in [k for k, (exp, _) in self._data.items() if exp < now]:
                del self._data[key]

    def incr(self, key: str, ttl: int) -> int:
        with self._lock:
            self._sweep()
            exp, value = self._data.get(key, (0.0, 0))
            if exp < time.monotonic():
                value = 0
            value = int(value) + 1
            self._data[key] = (time.monotonic() + ttl, value)
            return value

    def get(self, key: str) -> dict[str, str]:
        with self._lock:
            exp, value = self._data.get(key, (0.0, None))
            return dict(value) if value is not None and exp >= time.monotonic() else {}

    def get_many(self, *keys: str) -> list[dict[str, str]]:
        return [self.get(key) for key in keys]

    def put(self, key: str, values: dict[str, str], ttl: int) -> None:
        with self._lock:
            self._sweep()
            self._data[key] = (time.monotonic() + ttl, dict(values))

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class RedisStore:
    """Redis, shared by every process; falls back to a memory store while Redis cannot be reached."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._fallback = MemoryStore()
        self._warned = False

    def _failed(self, exc: Exception) -> MemoryStore:
        if not self._warned:
            log.warning("rate-limit store unreachable (%s); counting in process", type(exc).__name__)
            self._warned = True
        return self._fallback

    def incr(self, key: str, ttl: int) -> int:
        import redis

        try:
            pipe = self._client.pipeline()
            pipe.incr(PREFIX + key)
            pipe.expire(PREFIX + key, ttl, nx=True)
            return int(pipe.execute()[0])
        except redis.RedisError as exc:
            return self._failed(exc).incr(key, ttl)

    def get(self, key: str) -> dict[str, str]:
        import redis

        try:
            raw = self._client.hgetall(PREFIX + key)
        except redis.RedisError as exc:
            return self._failed(exc).get(key)
        return {k.decode(): v.decode() for k, v in raw.items()}

    def get_many(self, *keys: str) -> list[dict[str, str]]:
        """Several records in one round trip (a pipeline without MULTI: reads need no transaction)."""
        import redis

        try:
            pipe = self._client.pipeline(transaction=False)
            for key in keys:
                pipe.hgetall(PREFIX + key)
            raws = pipe.execute()
        except redis.RedisError as exc:
            return self._failed(exc).get_many(*keys)
        return [{k.decode(): v.decode() for k, v in raw.items()} for raw in raws]

    def put(self, key: str, values: dict[str, str], ttl: int) -> None:
        import redis

        try:
            pipe = self._client.pipeline()
            pipe.delete(PREFIX + key)
            fields: dict[str | bytes, bytes | float | int | str] = dict(values.items())
            pipe.hset(PREFIX + key, mapping=fields)
            pipe.expire(PREFIX + key, ttl)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc).put(key, values, ttl)

    def delete(self, key: str) -> None:
        import redis

        try:
            self._client.delete(PREFIX + key)
        except redis.RedisError as exc:
            self._failed(exc).delete(key)


def make_store(redis_url: str | None) -> Store:
    return RedisStore(redis_url) if redis_url else MemoryStore()


@dataclass
class Limiter:
    """Fixed-window limits by name over a store."""

    store: Store
    limits: dict[str, tuple[int, int]]

    def check(self, name: str, who: str, now: float) -> None:
        """Count one request of ``who`` against limit ``name``; raise 429 with Retry-After beyond it."""
        count, window = self.limits.get(name, (0, 0))
        self.check_count(name, who, now, count=count, window=window)

    def check_count(self, name: str, who: str, now: float, *, count: int, window: int) -> None:
        """``check`` with a limit of ``who``'s own (an API client's rate), not the named default."""
        if count <= 0 or window <= 0:
            return
        slot = int(now // window)
        seen = self.store.incr(f"{name}:{who}:{slot}", window * 2)
        if seen > count:
            retry = max(1, math.ceil((slot + 1) * window - now))
            raise TooManyRequests(detail={"limit": name, "retry_after": retry}, headers={"Retry-After": str(retry)})


def build_limiter(redis_url: str | None, overrides: dict[str, Any]) -> Limiter:
    limits = dict(DEFAULT_LIMITS)
    for name, value in overrides.items():
        count, window = value
        limits[name] = (int(count), int(window))
    return Limiter(make_store(redis_url), limits)


def limiter_of(database: Any) -> Limiter:
    """The limiter wired to ``database`` by ``create_app`` (a permissive one where none is, e.g. in scripts)."""
    found = getattr(database, "limiter", None)
    if found is None:
        found = Limiter(MemoryStore(), {})
    return found  # type: ignore[no-any-return]


def subject_of(actor: Any, ip: str | None) -> str:
    """Whom a limit counts: the signed-in account or device, else the client address."""
    if getattr(actor, "kind", "anonymous") in ("staff", "citizen", "device", "client") and actor.id is not None:
        return f"{actor.kind}:{actor.id}"
    return f"ip:{ip or 'unknown'}"


def enforce(session: Any, name: str, actor: Any, now: datetime) -> None:
    """Count one request against limit ``name`` for the request's actor (or address); 429 beyond it."""
    info = session.info
    limiter_of(info.get("db")).check(name, subject_of(actor, info.get("ip")), now.timestamp())


def raised_limits(count: int = 10**9) -> dict[str, tuple[int, int]]:
    """Every named limit raised to ``count`` per window: what load generators set (``SMARTHALL_RATE_LIMITS``), so
    that they measure the hall, not the abuse guard — explicitly, by name, never by an exemption in the code."""
    return {name: (count, window) for name, (_, window) in DEFAULT_LIMITS.items()}
