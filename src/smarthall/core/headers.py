"""Security headers on every response (pure ASGI middleware, outermost, so errors and 413s carry them too).

- ``Content-Security-Policy``: scripts only from this origin or inline with the request's nonce (templates write
  ``nonce="{{ csp_nonce }}"``; inline event handlers are not allowed, see ``static/js/page.js``); styles from
  this origin and inline (htmx adds its indicator style); images, audio and SSE from this origin (and ``data:``/
  ``blob:`` for charts and speech); no plugins, no framing, forms post only here.
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (ticket and
  rating links carry tokens), ``Permissions-Policy`` (no camera, microphone or location).
- ``Cache-Control: no-store`` on everything but static files: pages and API answers may hold personal data.
- ``Strict-Transport-Security`` when the request came over HTTPS.
"""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NONCE_KEY = "csp_nonce"


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


_FIXED = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        static = scope["path"].startswith("/static/")
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [h for h in _FIXED if h[0] not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", content_security_policy(nonce).encode()))
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                if https:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)
