"""Two helpers press "start" on the same help request at once: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.conftest import DEMO_PASSWORD


def token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_concurrent_start_has_one_winner(live_server: str, env: Any) -> None:
    rid = httpx.post(f"{live_server}/api/v1/help-requests", json={"hall_code": "H-690102"}).json()["id"]
    headers = [token(live_server, "guide1"), token(live_server, "guide3")]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def start(h: dict[str, str]) -> None:
        barrier.wait()
        r = httpx.post(f"{live_server}/api/v1/help-requests/{rid}/actions", json={"action": "start"}, headers=h)
        results.append(r.status_code)

    threads = [threading.Thread(target=start, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [200, 409]
