"""Behind nginx (issue 12, attack12b): ``serve`` ran uvicorn with forwarded headers off, so every client was nginx's
address and per-address throttling counted them together. ``Settings.trusted_proxies`` names the proxies whose
X-Forwarded-For / X-Forwarded-Proto are honoured; from anyone else the headers are ignored (a client cannot pick the
address it is throttled as)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.testclient import TestClient

from smarthall.core.deps import client_ip
from smarthall.main import create_app

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def _seen(env: Any, trusted: list[str]) -> dict[str, str]:
    app = create_app(env.settings.model_copy(update={"trusted_proxies": trusted}), clock=env.clock)

    def probe(request: Request) -> dict[str, str]:
        return {"ip": client_ip(request) or "", "scheme": request.url.scheme}

    app.add_api_route("/_probe_ip", probe)
    with TestClient(app) as client:  # its peer address is "testclient"
        return client.get("/_probe_ip", headers=FORWARDED).json()  # type: ignore[no-any-return]


def test_forwarded_headers_are_honoured_only_from_a_trusted_proxy(env: Any) -> None:
    assert _seen(env, []) == {"ip": "testclient", "scheme": "http"}  # default: nobody is believed
    assert _seen(env, ["10.0.0.0/8"]) == {"ip": "testclient", "scheme": "http"}  # not from this peer
    assert _seen(env, ["testclient"]) == {"ip": "203.0.113.7", "scheme": "https"}
