"""An SMS gateway over HTTP (短信网关): a delivery ``Channel`` for the outbox and the gateway's delivery receipts.

Off unless ``SMARTHALL_SMS_GATEWAY_URL`` is set (the log channel stays the default). A message with a phone number
goes to the gateway as JSON ``{"id", "to", "template", "text"}``: the template is the message kind (so a gateway that
requires pre-registered templates maps each kind once), the text is the rendered Chinese body. Both directions are
signed like webhooks: ``X-Smarthall-Timestamp`` and ``X-Smarthall-Signature: v1=HMAC-SHA256(key, "<ts>.<body>")``.
The gateway reports the outcome later at ``POST /api/v1/notify/sms-receipts`` (``{"id", "status": "delivered" |
"failed"}``), signed with the same key; a receipt with a bad or stale signature is refused (401) and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict

from smarthall.core.deps import DbSession, Now
from smarthall.core.errors import NotFound, Unauthorized
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.notify.models import Message
from smarthall.notify.repository import ReceiptRepository

log = logging.getLogger("smarthall.notify.sms")
TOLERANCE_SECONDS = 300


def sign(key: str, timestamp: int, body: bytes) -> str:
    return "v1=" + hmac.new(key.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


class HttpSmsChannel:
    name = "sms_http"

    def __init__(self, url: str, key: str, timeout: float = 5.0) -> None:
        self.url, self.key, self.timeout = url, key, timeout

    def deliver(self, message: Message) -> bool:
        if not message.phone:
            return True  # staff and citizens without a number read it in the inbox
        body = json.dumps(
            {"id": message.id, "to": message.phone, "template": message.template, "text": message.body_zh},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        ts = int(time.time())
        headers = {"Content-Type": "application/json", "X-Smarthall-Timestamp": str(ts),
                   "X-Smarthall-Signature": sign(self.key, ts, body)}  # fmt: skip
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout, trust_env=False)
        except httpx.HTTPError as exc:
            log.warning("sms gateway unreachable for message %s: %s", message.id, type(exc).__name__)
            return False
        return 200 <= response.status_code < 300


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    status: Literal["delivered", "failed"]


class BadReceiptSignature(Unauthorized):
    code = "sms_receipt_signature"
    message_zh = "回执签名无效或已过期"
    message_en = "The receipt's signature is not valid or is too old"


router = APIRouter(route_class=UnitOfWorkRoute, tags=["notify"])


async def _body(request: Request) -> bytes:
    """The receipt's raw body (the signature covers the bytes as sent), read on the event loop."""
    return (await request.body())[:4096]


@router.post("/notify/sms-receipts")
def sms_receipt(
    request: Request,
    session: DbSession,
    now: Now,
    raw: Annotated[bytes, Depends(_body)],
    x_smarthall_timestamp: Annotated[str, Header(max_length=20)] = "",
    x_smarthall_signature: Annotated[str, Header(max_length=80)] = "",
) -> dict[str, str]:
    """A delivery receipt from the SMS gateway (signed with the gateway key)."""
    key = request.app.state.settings.sms_gateway_key or ""
    try:
        ts = int(x_smarthall_timestamp)
    except ValueError:
        ts = 0
    fresh = abs(now.timestamp() - ts) <= TOLERANCE_SECONDS
    if not key or not fresh or not hmac.compare_digest(sign(key, ts, raw), x_smarthall_signature):
        raise BadReceiptSignature()
    receipt = Receipt.model_validate_json(raw)
    message = ReceiptRepository(session).by_id(receipt.id)
    if message is None:
        raise NotFound(code="sms_message_not_found", detail={"id": receipt.id})
    message.status = receipt.status
    return {"status": message.status}
