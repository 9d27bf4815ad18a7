"""Pure rules of webhooks: which events exist, the signature, the back-off, which URLs are refused, and what a
payload may carry.

Signature (shown on the webhook page, ``VERIFY_SNIPPET``, and in docs/open-platform.md):
``X-Smarthall-Signature: v1=<hex>`` where ``<hex>`` is HMAC-SHA256(secret, ``<timestamp>.<body>``) and
``<timestamp>`` is the ``X-Smarthall-Timestamp`` header (seconds since the epoch); a receiver recomputes it and
refuses a timestamp more than five minutes old (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

EVENTS = (
    "case.submitted",
    "case.accepted",
    "case.finished",
    "ticket.called",
    "ticket.finished",
    "evaluation.bad",
    "device.fault",
    "help_request.finished",
    "handover.transferred",
    "handover.result_sent",
    "handover.handed_out",
)

# Keys of an event payload that name or point at a person: left out unless the client holds ``personal.read``.
PERSONAL_KEYS = frozenset(
    {"subject", "citizen_id", "name", "phone", "id_number", "id_number_index", "address", "applicant", "contact"}
)

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 8


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str, *, now: float, tolerance: int = 300) -> bool:
    """What a receiver does (the documented snippet, in Python): the signature matches and is recent."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


# What a receiver runs to verify a delivery, shown as is on the webhook page (/admin/webhooks) so an integrator needs
# no repository document; tests/webhooks/test_page.py runs the shown text against a real delivery.
VERIFY_SNIPPET = """import hashlib, hmac, time

def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    \"\"\"True when the delivery is signed with the subscription's secret and is recent.\"\"\"
    headers = {k.lower(): v for k, v in headers.items()}
    ts = headers["x-smarthall-timestamp"]
    if abs(time.time() - int(ts)) > tolerance:  # refuse replays of old deliveries
        return False
    expected = "v1=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("x-smarthall-signature", ""))
"""


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failure: exponential (30 s, 1 min, 2 min, ... up to 6 h) with jitter
    (between half and all of it), so receivers coming back up are not hit by every sender at once."""
    exp = min(MAX_DELAY, BASE_DELAY * (2 ** max(0, attempts - 1)))
    factor = 0.5 + (rng or random).random() / 2  # noqa: S311 - jitter, not a secret
    return exp * factor


def url_refusal(url: str, own_hosts: Iterable[str]) -> str | None:
    """Why a subscription URL is refused (a problem code), or None. Only http(s); never the platform itself."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "webhook_url_invalid"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "webhook_url_scheme"
    if parts.username or parts.password:
        return "webhook_url_invalid"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "webhook_url_invalid"
    target = f"{parts.hostname.lower()}:{port}"
    for own in own_hosts:
        if own and (target == own.lower() or _same_unspecified(parts.hostname, port, own)):
            return "webhook_url_self"
    if forbidden_address(parts.hostname):
        return "webhook_url_internal"
    return None


def forbidden_address(host: str) -> bool:
    """Whether ``host`` (an address literal or one a name resolved to) is one no receiver may have: link-local
    (169.254.0.0/16 and fe80::/10 — the cloud metadata service lives there), unspecified, multicast or reserved.
    Loopback and private networks stay allowed: receivers in the government intranet have private addresses."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_link_local or address.is_unspecified or address.is_multicast or address.is_reserved


def _same_unspecified(host: str, port: int, own: str) -> bool:
    """``0.0.0.0:8000`` or ``[::]:8000`` reach the platform listening on ``127.0.0.1:8000`` too."""
    own_host, _, own_port = own.rpartition(":")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_unspecified and own_port == str(port) and bool(own_host)


def host_port(url_or_host: str, default_scheme: str = "http") -> str:
    """``host:port`` of a base URL or a Host header, lower-case, with the scheme's default port."""
    if "://" not in url_or_host:
        url_or_host = f"{default_scheme}://{url_or_host}"
    parts = urlsplit(url_or_host)
    if not parts.hostname:
        return ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{parts.hostname.lower()}:{port}"


def redact(data: Any, *, personal: bool) -> Any:
    """``data`` without personal keys (recursively) unless ``personal`` is allowed; values made JSON-safe."""
    if isinstance(data, dict):
        return {
            str(k): redact(v, personal=personal) for k, v in data.items() if personal or str(k) not in PERSONAL_KEYS
        }
    if isinstance(data, list | tuple):
        return [redact(v, personal=personal) for v in data]
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if hasattr(data, "isoformat"):
        return data.isoformat()
    if hasattr(data, "__dataclass_fields__"):
        from dataclasses import asdict

        return redact(asdict(data), personal=personal)
    return str(data)
