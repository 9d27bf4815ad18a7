"""The acting subject of a request (who is calling): staff, citizen or device, from a bearer token, the session
cookie or a device key; anonymous otherwise.

Tokens are verified (signature, expiry) on every request. The account behind a credential is read once and kept
in a per-process cache for ``ACTOR_CACHE_SECONDS``: a committed change to a staff member, citizen, device or hall
made in this process empties the cache at once, so only other processes can lag, by at most that long (see
docs/decisions.md). The cache lets the request dependencies stay off the worker threads (``core.deps``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from smarthall.core.db import Database
from smarthall.core.errors import Forbidden
from smarthall.core.ratelimit import limiter_of
from smarthall.core.tenancy import ANONYMOUS, Actor
from smarthall.identity import security, sessions
from smarthall.identity.models import Citizen, Device, Staff
from smarthall.identity.permissions import permissions_for
from smarthall.identity.repository import ActorRows

SESSION_COOKIE = "smarthall_session"
# A paired browser (kiosk, board, pad) carries its device key in this HttpOnly cookie (``venue`` pairing).
DEVICE_COOKIE = "smarthall_device"
ACTOR_CACHE_SECONDS = 5.0
ACTORS_CACHE = "actors"


def _staff(
    *,
    id: int,  # noqa: A002
    role: str,
    username: str,
    hall_id: int,
    hall_code: str,
    region_path: str,
    department_code: str | None,
    window_code: str | None,
    via_cookie: bool = False,
) -> Actor:
    return Actor(
        kind="staff",
        id=id,
        role=role,
        username=username,
        hall_id=hall_id,
        hall_code=hall_code,
        region_path=region_path,
        department_code=department_code,
        window_code=window_code,
        via_cookie=via_cookie,
        permissions=permissions_for(role),
    )


def staff_actor(staff: Staff, *, via_cookie: bool = False) -> Actor:
    return _staff(
        id=staff.id,
        role=staff.role,
        username=staff.username,
        hall_id=staff.hall_id,
        hall_code=staff.hall.code,
        region_path=staff.hall.region_path,
        department_code=staff.department_code,
        window_code=staff.window_code,
        via_cookie=via_cookie,
    )


def _citizen(citizen_id: int, *, via_cookie: bool = False) -> Actor:
    return Actor(
        kind="citizen", id=citizen_id, role="citizen", via_cookie=via_cookie, permissions=permissions_for("citizen")
    )


def citizen_actor(citizen: Citizen, *, via_cookie: bool = False) -> Actor:
    return _citizen(citizen.id, via_cookie=via_cookie)


def citizen_actor_by_id(citizen_id: int) -> Actor:
    """The citizen as an actor, e.g. once identified at a kiosk (the kiosk then files as them)."""
    return _citizen(citizen_id)


def _device(
    *,
    id: int,  # noqa: A002
    kind: str,
    code: str,
    hall_id: int,
    hall_code: str,
    region_path: str,
    window_code: str | None,
) -> Actor:
    return Actor(
        kind="device",
        id=id,
        role=kind,
        username=code,
        hall_id=hall_id,
        hall_code=hall_code,
        region_path=region_path,
        window_code=window_code,
        device_kind=kind,
        permissions=permissions_for(kind),
    )


def device_actor(device: Device) -> Actor:
    return _device(
        id=device.id,
        kind=device.kind,
        code=device.code,
        hall_id=device.hall_id,
        hall_code=device.hall.code,
        region_path=device.hall.region_path,
        window_code=device.window_code,
    )


def same_origin(request: Request) -> bool:
    """Whether a request comes from our own pages: its Origin (or Referer) names this host. ``HX-Request`` proves
    nothing (any page can send it), so it does not count; a browser sends Origin with every cross-site POST."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return False
    host = request.headers.get("host", "")
    return re.sub(r"^https?://", "", origin).split("/")[0] == host


def end_presented_session(request: Request, now: datetime) -> None:
    """Logout: the session of the token or cookie the request presents ends, on every process (with Redis)."""
    payload, _ = presented_token(request, now)
    sessions.end(limiter_of(request.app.state.db).store, payload)


def cross_site(request: Request) -> bool:
    """Whether a browser says this request comes from another site (Sec-Fetch-Site, Origin or Referer). A request
    that names no origin at all is not a browser's cross-site form post (browsers send Origin with every POST)."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return True
    if not (request.headers.get("origin") or request.headers.get("referer")):
        return False
    return not same_origin(request)


def is_https(request: Request) -> bool:
    """Whether the client reached us over HTTPS (directly, or through a proxy uvicorn trusts)."""
    return request.url.scheme == "https"


@dataclass(frozen=True)
class _Credential:
    key: tuple[str, str]  # ("account", "staff:12") or ("device", the key's hash)
    via_cookie: bool = False


def presented_token(request: Request, now: datetime) -> tuple[dict[str, Any] | None, bool]:
    """The payload of the bearer token or session cookie the request presents (signature and expiry checked),
    and whether it came in the cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return security.decode_token(request.app.state.secret_key, auth[7:].strip(), now), False
    token = request.cookies.get(SESSION_COOKIE, "")
    return (security.decode_token(request.app.state.secret_key, token, now) if token else None), True


def _credential(request: Request, now: datetime) -> _Credential | None:
    """What the request presents, with a token's signature, expiry and session checked; ``None`` for anonymous."""
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        device_key = request.headers.get("x-device-key")
        if device_key:
            return _Credential(("device", security.hash_device_key(device_key)))
    payload, via_cookie = presented_token(request, now)
    if payload is None:
        # a paired browser: its device cookie (a staff session on the same browser, when live, wins)
        cookie_key = request.cookies.get(DEVICE_COOKIE, "")
        if cookie_key and not request.headers.get("authorization"):
            return _Credential(("device", security.hash_device_key(cookie_key)), via_cookie=True)
        return None
    if not sessions.is_live(limiter_of(request.app.state.db).store, payload, now.timestamp()):
        return None
    subject = str(payload.get("sub", ""))
    kind, _, raw_id = subject.partition(":")
    if kind not in ("staff", "citizen") or not raw_id.isdigit():
        return None
    return _Credential(("account", subject), via_cookie)


def presented_device_key(request: Request) -> str | None:
    """The device key a request presents (header or pairing cookie), whether or not it is still valid."""
    return request.headers.get("x-device-key") or request.cookies.get(DEVICE_COOKIE) or None


def _load_actor(session: Session, key: tuple[str, str]) -> Actor:
    rows = ActorRows(session)
    what, value = key
    if what == "device":
        device = rows.device(value)
        if device is None or not device.active:
            return ANONYMOUS
        return _device(
            id=device.id,
            kind=device.kind,
            code=device.code,
            hall_id=device.hall_id,
            hall_code=device.hall_code,
            region_path=device.region_path,
            window_code=device.window_code,
        )
    kind, _, raw_id = value.partition(":")
    if kind == "staff":
        staff = rows.staff(int(raw_id))
        if staff is None or not staff.active:
            return ANONYMOUS
        return _staff(
            id=staff.id,
            role=staff.role,
            username=staff.username,
            hall_id=staff.hall_id,
            hall_code=staff.hall_code,
            region_path=staff.region_path,
            department_code=staff.department_code,
            window_code=staff.window_code,
        )
    citizen = rows.citizen(int(raw_id))
    return _citizen(citizen.id) if citizen is not None and citizen.active else ANONYMOUS


def _presented(request: Request, actor: Actor, credential: _Credential) -> Actor:
    """The cached actor as this request presents it: a cookie session must come from our own pages to write."""
    if actor.kind == "anonymous" or not credential.via_cookie:
        return actor
    if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin(request):
        raise Forbidden("跨站请求被拒绝", "Cross-site request refused", code="csrf_rejected")
    return replace(actor, via_cookie=True)


def cached_actor(database: Database, request: Request, now: datetime) -> Actor | None:
    """The request's actor when the cache knows its account (no I/O); ``None`` when it must be read."""
    credential = _credential(request, now)
    if credential is None:
        return ANONYMOUS
    hit = database.cache.setdefault(ACTORS_CACHE, {}).get(credential.key)
    if hit is None or hit[0] < time.monotonic():
        return None
    return _presented(request, hit[1], credential)


def resolve_actor_fresh(database: Database, request: Request, now: datetime) -> Actor:
    """Read the request's actor from the database, in a read transaction of its own, and cache it."""
    credential = _credential(request, now)
    if credential is None:
        return ANONYMOUS
    with database.unit_of_work(write=False) as session:
        actor = _load_actor(session, credential.key)
    database.cache.setdefault(ACTORS_CACHE, {})[credential.key] = (time.monotonic() + ACTOR_CACHE_SECONDS, actor)
    return _presented(request, actor, credential)


class ActorResolver:
    """The request's actor for ``core.deps``: from the short per-process cache, or read fresh."""

    def cached(self, database: Database, request: Request, now: datetime) -> Actor | None:
        return cached_actor(database, request, now)

    def fresh(self, database: Database, request: Request, now: datetime) -> Actor:
        return resolve_actor_fresh(database, request, now)
