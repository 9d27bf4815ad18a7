"""The payment provider interface and the demo provider.

A provider turns an order into a cashier address, verifies the notification it sends when the payer has paid, and
refunds. The demo provider's cashier is a page of the platform (``/pay/demo/<order>``); its notification is JSON
``{"order_no", "txn_id", "amount_fen", "timestamp"}`` signed like the webhooks: header ``X-Pay-Signature: v1=<hex>``
with ``<hex>`` = HMAC-SHA256(secret, ``<timestamp>.<body>``). A notification older than five minutes is a replay.
A provider retries a notification until it is answered 200: the same notification again is answered 200 and
changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Notice:
    order_no: str
    txn_id: str
    amount_fen: int
    timestamp: int


class PaymentProvider(Protocol):
    name: str

    def checkout_url(self, order_no: str) -> str: ...

    def verify(self, body: bytes, headers: dict[str, str], *, now: float) -> Notice:
        """The notification in ``body``, or ``ValueError("signature" | "stale" | "malformed")``."""
        ...

    def refund(self, order_no: str, txn_id: str, amount_fen: int) -> str:
        """Refund a paid order; the provider's refund reference."""
        ...


class DemoProvider:
    name = "demo"

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def checkout_url(self, order_no: str) -> str:
        return f"/pay/demo/{order_no}"

    def sign(self, timestamp: int, body: bytes) -> str:
        mac = hmac.new(self.secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
        return "v1=" + mac.hexdigest()

    def notice(self, order_no: str, amount_fen: int, *, now: float, txn_id: str | None = None) -> tuple[bytes, str]:
        """What the demo cashier sends when the payer confirms: the body and its signature header."""
        timestamp = int(now)
        body = json.dumps(
            {"order_no": order_no, "txn_id": txn_id or "DEMO" + secrets.token_hex(10), "amount_fen": amount_fen,
             "timestamp": timestamp},
            separators=(",", ":"),
        ).encode()  # fmt: skip
        return body, self.sign(timestamp, body)

    def verify(self, body: bytes, headers: dict[str, str], *, now: float) -> Notice:
        try:
            data: Any = json.loads(body)
            notice = Notice(str(data["order_no"]), str(data["txn_id"]), int(data["amount_fen"]), int(data["timestamp"]))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: nested thousands deep
            raise ValueError("malformed") from exc
        if not (0 < len(notice.order_no) <= 40 and 0 < len(notice.txn_id) <= 64):
            raise ValueError("malformed")
        given = headers.get("x-pay-signature", "")
        if not hmac.compare_digest(self.sign(notice.timestamp, body), given):
            raise ValueError("signature")
        if abs(now - notice.timestamp) > TOLERANCE_SECONDS:
            raise ValueError("stale")
        return notice

    def refund(self, order_no: str, txn_id: str, amount_fen: int) -> str:
        return "DEMOREF" + hashlib.sha256(f"{order_no}:{txn_id}".encode()).hexdigest()[:16]


def demo_provider(master_secret: str) -> DemoProvider:
    """The demo provider with a secret derived from the platform's token secret (never stored)."""
    return DemoProvider(hmac.new(master_secret.encode(), b"payment-demo-provider", hashlib.sha256).digest())


def status() -> dict[str, Any]:
    """The /healthz report: which provider is configured (the demo one; a real provider is not wired yet)."""
    return {"available": True, "provider": "demo", "real_provider": False}
