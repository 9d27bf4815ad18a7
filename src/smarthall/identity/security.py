"""Passwords (Argon2id), bearer tokens (JWT HS256) and device keys."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import jwt

from smarthall.core.passwords import hash_password, needs_rehash, verify_password  # noqa: F401  (the one hasher)

MIN_PASSWORD_LENGTH = 8


def password_problems(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    if password.isdigit() or password.isalpha():
        problems.append("needs_letters_and_digits")
    return problems


def issue_token(
    secret: str,
    *,
    subject: str,
    kind: str,
    now: datetime,
    ttl_minutes: int,
    session_id: str | None = None,
    idle_minutes: int | None = None,
) -> tuple[str, int]:
    """A signed token for one session (``identity.sessions``): its id, when it was issued, its idle timeout."""
    exp = now + timedelta(minutes=ttl_minutes)
    payload: dict[str, Any] = {
        "sub": subject,
        "kind": kind,
        "sid": session_id or secrets.token_urlsafe(16),
        "ts": now.timestamp(),
        "iat": int(now.timestamp()),
        "exp": int(exp.timestamp()),
    }
    if idle_minutes:
        payload["idle"] = idle_minutes
    return jwt.encode(payload, secret, algorithm="HS256"), ttl_minutes * 60


# Tokens whose signature was verified, by (secret, token): a client sends the same token with every request, and
# verifying it again (JSON, base64, HMAC) cost more than the rest of the request's identity work. Only good
# signatures are kept, the expiry is still checked on every use, and the map is bounded.
_VERIFIED: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
_VERIFIED_MAX = 20_000
_verified_lock = threading.Lock()


def decode_token(secret: str, token: str, now: datetime) -> dict[str, Any] | None:
    key = (secret, token)
    with _verified_lock:
        payload = _VERIFIED.get(key)
        if payload is not None:
            _VERIFIED.move_to_end(key)
    if payload is None:
        try:
            payload = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return None
        with _verified_lock:
            _VERIFIED[key] = payload
            if len(_VERIFIED) > _VERIFIED_MAX:
                _VERIFIED.popitem(last=False)
    if int(payload.get("exp", 0)) <= int(now.timestamp()):
        return None
    return payload


def hash_device_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
