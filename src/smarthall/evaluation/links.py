"""Signed one-time rating links (QR code on the result slip, SMS invitation). Pure: no I/O.

A token is ``base64url(json payload) . base64url(HMAC-SHA256)`` under a key derived from the master key; the
payload names the service (kind, ref), a random ``jti`` and the expiry. The signature proves we issued it; the
``jti`` row in the database makes it single-use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class LinkClaims:
    kind: str
    ref: str
    jti: str
    expires: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, claims: LinkClaims) -> str:
    body = json.dumps(
        {"k": claims.kind, "r": claims.ref, "j": claims.jti, "e": int(claims.expires.timestamp())},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(mac)}"


def verify(key: bytes, token: str, now: datetime) -> LinkClaims | None:
    """The claims of a genuine, unexpired token; None for anything forged, malformed or expired."""
    try:
        body_text, mac_text = token.split(".", 1)
        body, mac = _unb64(body_text), _unb64(mac_text)
        if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
            return None
        data = json.loads(body)
        claims = LinkClaims(str(data["k"]), str(data["r"]), str(data["j"]), datetime.fromtimestamp(int(data["e"]), UTC))
    except (ValueError, KeyError, TypeError):
        return None
    return claims if claims.expires > now else None
