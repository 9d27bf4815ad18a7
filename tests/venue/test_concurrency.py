"""Real parallel clients: four browsers race one pairing code (exactly one device credential comes out), and a
locker's two taps of the right code open the door once."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.conftest import DEMO_PASSWORD

HALL = "H-690102"


def token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def race(n: int, call: Any) -> list[int]:
    barrier, results = threading.Barrier(n), []

    def run() -> None:
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(results)


def test_one_pairing_code_pairs_one_browser(live_server: str, env: Any) -> None:
    manager = token(live_server, "hallmanager1")
    body = {"code": f"{HALL}-KIOSK-RACE", "kind": "kiosk", "name": "并发测试", "hall_code": HALL}
    assert httpx.post(f"{live_server}/api/v1/venue/devices", json=body, headers=manager).status_code == 201
    code = httpx.post(f"{live_server}/api/v1/venue/devices/{body['code']}/pairing", headers=manager).json()["code"]
    statuses = race(4, lambda: httpx.post(f"{live_server}/api/v1/venue/pair", json={"code": code}).status_code)
    assert statuses == [200, 409, 409, 409]


def test_two_taps_of_the_right_code_open_the_door_once(live_server: str, env: Any) -> None:
    manager, clerk = token(live_server, "hallmanager1"), token(live_server, "clerk1")
    body = {"code": f"{HALL}-LOCKER-RACE", "kind": "locker", "name": "并发柜", "hall_code": HALL, "slots": 1}
    assert httpx.post(f"{live_server}/api/v1/venue/devices", json=body, headers=manager).status_code == 201
    code = httpx.post(f"{live_server}/api/v1/venue/devices/{body['code']}/pairing", headers=manager).json()["code"]
    with httpx.Client(base_url=live_server, headers={"Origin": live_server}) as locker:
        assert locker.post("/api/v1/venue/pair", json={"code": code}).status_code == 200
        cookie = locker.cookies.get("smarthall_device")
    loaded = httpx.post(f"{live_server}/api/v1/venue/lockers/{body['code']}/load", json={"ref": "C-1"}, headers=clerk)
    pickup = loaded.json()["pickup_code"]

    def tap() -> int:
        with httpx.Client(
            base_url=live_server, headers={"Origin": live_server}, cookies={"smarthall_device": cookie}
        ) as c:
            return c.post("/api/v1/venue/locker/open", json={"code": pickup}).status_code

    statuses = race(2, tap)
    assert statuses[0] == 200 and statuses[1] in (400, 423)
