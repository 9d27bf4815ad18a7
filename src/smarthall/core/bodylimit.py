"""Request body limits per route, enforced at the door (pure ASGI middleware).

Every request body is small JSON or a small form unless its route is named in the table below: file uploads,
the case forms that carry materials, PDF verification and the catalog import get their own caps (all settings).
A ``Content-Length`` above the route's cap is refused with 413 problem+json before the application sees the
request, so not one byte of the body is read; a chunked body (no length) is counted as it streams and refused as
soon as it passes the cap, so the server never holds more than the cap of any request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smarthall.core.config import Settings
from smarthall.core.logging import request_id_var

PROBLEM = "application/problem+json"

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class BodyRule:
    method: str
    pattern: re.Pattern[str]
    max_bytes: int


def body_rules(settings: Settings) -> tuple[BodyRule, ...]:
    """The routes whose bodies may be larger than ``settings.body_max_bytes``, with their caps."""
    multipart_slack = 64 * KIB  # part headers and the form's other fields around one file
    table = (
        ("POST", r"/api/v1/files", settings.upload_max_bytes + multipart_slack),
        ("POST", r"/api/v1/verify/[^/]+", settings.verify_max_bytes),
        ("POST", r"/verify/[^/]+", settings.verify_max_bytes),
        ("POST", r"/cases/new", settings.form_upload_max_bytes),
        ("POST", r"/cases/[^/]+/act", settings.form_upload_max_bytes),
        ("POST", r"/api/v1/catalog/import", settings.catalog_import_max_bytes),
        ("POST", r"/api/v1/consult/import", settings.catalog_import_max_bytes),  # the knowledge base, JSON or CSV
    )
    return tuple(BodyRule(method, re.compile(path + r"/?"), cap) for method, path, cap in table)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its cap (rendered as 413 problem+json)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail="Content Too Large")
        self.max_bytes = max_bytes


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.default = settings.body_max_bytes
        self.rules = body_rules(settings)

    def limit_for(self, method: str, path: str) -> int:
        for rule in self.rules:
            if rule.method == method and rule.pattern.fullmatch(path):
                return rule.max_bytes
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.limit_for(scope["method"], scope["path"])
        length = _content_length(scope)
        if length is not None and length > cap:
            await _refuse(scope, receive, send, cap)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(cap)
            return message

        async def watch_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watch_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, receive, send, cap)


async def _refuse(scope: Scope, receive: Receive, send: Send, cap: int) -> None:
    body = {
        "type": "https://smarthall.example/problems/payload_too_large",
        "title": "Payload too large",
        "status": 413,
        "code": "payload_too_large",
        "message_zh": f"请求内容过大(此处最多{_size(cap)})",
        "message_en": f"The request body is too large (at most {_size(cap)} here)",
        "detail": {"max_bytes": cap},
    }
    if rid := request_id_var.get():
        body["request_id"] = rid
    response = JSONResponse(body, status_code=413, media_type=PROBLEM, headers={"Connection": "close"})
    await response(scope, receive, send)


def _size(n: int) -> str:
    if n >= MIB:
        return f"{n / MIB:g} MB"
    return f"{n / KIB:g} KB"
