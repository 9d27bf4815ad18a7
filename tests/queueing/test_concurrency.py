"""Real parallel clients against a live server: numbering and calling stay correct under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import DEMO_PASSWORD
from tests.queueing.helpers import HALL, KIOSK


def _login(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _burst_allowed(env) -> None:
    """These tests are one kiosk issuing hundreds of tickets at once: its abuse limit is raised, by name."""
    env.db.limiter.limits["queueing.kiosk_ticket"] = (10_000, 60)


def test_200_concurrent_issues_get_200_distinct_numbers(env, live_server):
    _burst_allowed(env)

    def one(i: int) -> httpx.Response:
        with httpx.Client(base_url=live_server, timeout=60) as c:
            item = "GA-001" if i % 2 else "GA-002"  # the same queue (GA), two items
            return c.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": item}, headers=KIOSK)

    with ThreadPoolExecutor(max_workers=32) as pool:
        responses = list(pool.map(one, range(200)))
    assert all(r.status_code == 201 for r in responses), {r.status_code for r in responses}
    numbers = [r.json()["number"] for r in responses]
    assert len(set(numbers)) == 200
    seqs = sorted(int(n[1:]) for n in numbers)
    assert seqs == list(range(1, 201))  # no gaps either: failed transactions never took a number


def test_idempotent_retries_in_parallel_give_one_ticket(live_server):
    headers = {**KIOSK, "Idempotency-Key": "same-key"}

    def one(_: int) -> httpx.Response:
        return httpx.post(
            f"{live_server}/api/v1/tickets",
            json={"hall_code": HALL, "item_code": "GA-001"},
            headers=headers,
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(one, range(10)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1


def test_no_ticket_called_by_two_windows(env, live_server):
    _burst_allowed(env)
    with httpx.Client(base_url=live_server, timeout=60) as c:
        ids = set()
        for i in range(60):
            r = c.post(
                "/api/v1/tickets",
                json={"hall_code": HALL, "item_code": ["GA-001", "SC-001", "RS-001"][i % 3]},
                headers=KIOSK,
            )
            assert r.status_code == 201
            ids.add(r.json()["id"])
    windows = {
        "clerk1": "H-690102-W01",
        "clerk2": "H-690102-W02",
        "clerk3": "H-690102-W03",
        "clerk7": "H-690102-W12",
        "clerk4": "H-690102-W04",
    }

    # Logged in one after another: the audit chain's very first record is created by whoever logs in first.
    tokens = {user: _login(live_server, user) for user in windows}

    def work(user: str) -> list[int]:
        called: list[int] = []
        with httpx.Client(base_url=live_server, timeout=60) as c:
            headers = tokens[user]
            assert c.post(f"/api/v1/windows/{windows[user]}/sign-in", headers=headers).status_code == 200
            while True:
                r = c.post(f"/api/v1/windows/{windows[user]}/call-next", headers=headers)
                if r.status_code == 204:
                    return called
                assert r.status_code == 200, r.text
                tid = r.json()["id"]
                called.append(tid)
                f = c.post(f"/api/v1/tickets/{tid}/finish", headers=headers)
                assert f.status_code == 200, f.text

    with ThreadPoolExecutor(max_workers=len(windows)) as pool:
        results = list(pool.map(work, windows))
    everything = [tid for calls in results for tid in calls]
    assert len(everything) == len(set(everything)), "a ticket was called twice"
    assert set(everything) == ids
    assert sum(1 for calls in results if calls) >= 2  # the windows really competed
