"""Pure rules of API clients: key format and hashing, scopes and what they allow, which keys are live.

A key is ``shk_`` + 43 url-safe characters (256 random bits); the database keeps its SHA-256 only, so a leaked
table opens nothing. During a rotation two keys are live: the new one, and the old one until its grace ends (or an
admin revokes it); a third is refused until one of them is gone.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

KEY_PREFIX = "shk_"
MAX_LIVE_KEYS = 2
DEFAULT_GRACE = timedelta(days=7)

# What each scope lets a client do, as the platform's permission names (``identity.permissions``).
SCOPES: dict[str, frozenset[str]] = {
    "catalog.read": frozenset({"catalog.browse"}),
    "cases.read": frozenset({"case.read"}),
    "cases.act": frozenset({"case.read", "case.accept", "case.approve"}),
    "events.receive": frozenset({"events.receive"}),
    "personal.read": frozenset({"personal.read"}),  # event payloads may carry personal data
}
# Scopes that reach cases or personal data: such a client, and each of its keys, works only after a second person
# (not the one who registered it or saw the key) approved it — four eyes (docs/security.md).
SENSITIVE_SCOPES = frozenset({"cases.act", "personal.read"})


def sensitive(scopes: Iterable[str]) -> bool:
    return not SENSITIVE_SCOPES.isdisjoint(scopes)


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(key: str) -> bool:
    return key.startswith(KEY_PREFIX) and 20 <= len(key) <= 100


def display_prefix(key: str) -> str:
    return key[:10]


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    return sorted(set(scopes) - set(SCOPES))


def permissions(scopes: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for scope in scopes:
        out |= SCOPES.get(scope, frozenset())
    return frozenset(out)


class KeyLike(Protocol):
    revoked_at: datetime | None
    expires_at: datetime | None
    approved_at: datetime | None


def key_live(key: KeyLike, now: datetime) -> bool:
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


def live(keys: Iterable[KeyLike], now: datetime) -> list[KeyLike]:
    return [k for k in keys if key_live(k, now)]


def refusal(
    client_active: bool, client_expires: datetime | None, key: KeyLike | None, now: datetime, *, four_eyes: bool = False
) -> str | None:
    """Why a presented key does not authenticate (a problem code), or None when it does (``four_eyes``: the client
    has sensitive scopes and is not approved yet, or the key is not)."""
    if key is None:
        return "api_key_unknown"
    if key.revoked_at is not None:
        return "api_key_revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "api_key_expired"
    if not client_active:
        return "api_client_disabled"
    if client_expires is not None and client_expires <= now:
        return "api_client_expired"
    if four_eyes and key.approved_at is None:
        return "api_key_not_approved"
    return None
