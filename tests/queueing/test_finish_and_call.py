"""The window's one act (issue 19 item 3): finish the ticket being served and call the next, in one request and one
transaction — the same checks and guarantees as ``finish`` then ``call-next``, through the API, the workstation page
and real parallel windows."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import auth
from tests.factories import make_staff
from tests.queueing.helpers import HALL, KIOSK, W01, W02, issue, problem, sign_in
from tests.queueing.test_concurrency import _login


def _status(client: Any, ticket_id: int) -> str:
    """A ticket's state as the hall's staff read it (the sequential id is staff-only: issue 12 item 12)."""
    return str(client.get(f"/api/v1/tickets/{ticket_id}", headers=auth(client, "hallmanager1")).json()["status"])


def _one_act(client: Any, ticket_id: int, headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/tickets/{ticket_id}/finish-and-call-next", headers=headers)


class TestFinishAndCallNext:
    def test_finishes_calls_the_next_and_reports_nobody_left(self, client, env):
        finished: list[dict[str, Any]] = []
        env.app.state.registry.on("ticket.finished", finished.append)
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        t1, t2 = issue(client, "GA-001").json(), issue(client, "GA-001").json()
        assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()["id"] == t1["id"]
        r = _one_act(client, t1["id"], clerk)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["finished"]["id"] == t1["id"] and body["finished"]["status"] == "finished"
        assert body["called"]["id"] == t2["id"] and body["called"]["status"] == "called"
        assert body["called"]["window_code"] == W01
        last = _one_act(client, t2["id"], clerk).json()
        assert last["finished"]["status"] == "finished" and last["called"] is None  # nobody waits
        assert [p["ticket_id"] for p in finished] == [t1["id"], t2["id"]]
        assert client.get(f"/api/v1/windows/{W01}", headers=clerk).json()["current"] is None
        # finishing twice is refused as ``finish`` refuses it, and changes nothing
        problem(_one_act(client, t2["id"], clerk), 409, "ticket_state")

    def test_a_paused_window_finishes_and_calls_nobody(self, client):
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        t1, t2 = issue(client).json(), issue(client).json()
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        assert client.post(f"/api/v1/windows/{W01}/pause", headers=clerk).status_code == 200
        body = _one_act(client, t1["id"], clerk).json()
        assert body["finished"]["status"] == "finished" and body["called"] is None
        assert _status(client, t2['id']) == "waiting"

    def test_denials_change_nothing(self, client, env):
        make_staff(env, username="farclerk", role="clerk", hall_code="H-690123")
        clerk1, clerk2 = auth(client, "clerk1"), auth(client, "clerk2")
        sign_in(client, clerk1)
        sign_in(client, clerk2, W02)
        t, waiting = issue(client).json(), issue(client).json()
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1)
        problem(_one_act(client, t["id"], clerk2), 403, "not_your_ticket")  # same hall, another window
        problem(_one_act(client, t["id"], auth(client, "farclerk")), 403, "not_your_ticket")  # another hall
        problem(_one_act(client, t["id"], auth(client, "guide1")), 403, "forbidden_role")
        problem(_one_act(client, t["id"], KIOSK), 403, "forbidden_role")
        problem(client.post(f"/api/v1/tickets/{t['id']}/finish-and-call-next"), 401, "unauthorized")
        problem(_one_act(client, 999999, clerk1), 404, "ticket_not_found")
        assert _status(client, t['id']) == "called"
        assert _status(client, waiting['id']) == "waiting"

    def test_the_workstation_uses_it(self, client):
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        t1, t2 = issue(client).json(), issue(client).json()
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        client.post("/login", data={"username": "clerk1", "password": "smarthall-demo", "next": "/"})
        page = client.get(f"/window/{W01}")
        assert 'data-testid="act-finish-next"' in page.text and "办结并叫下一位" in page.text
        origin = {"Origin": "http://testserver"}
        done = client.post(
            f"/window/{W01}/act",
            data={"action": "finish-next", "ticket_id": t1["id"]},
            headers=origin,
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert _status(client, t1['id']) == "finished"
        assert _status(client, t2['id']) == "called"
        assert f">{t2['number']}<" in client.get(f"/window/{W01}").text


def test_parallel_windows_with_the_one_act_call_every_ticket_once(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        ids = set()
        for i in range(60):
            item = ["GA-001", "SC-001", "RS-001"][i % 3]
            r = c.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": item}, headers=KIOSK)
            assert r.status_code == 201
            ids.add(r.json()["id"])
    windows = {
        "clerk1": W01,
        "clerk2": W02,
        "clerk3": "H-690102-W03",
        "clerk7": "H-690102-W12",
        "clerk4": "H-690102-W04",
    }
    tokens = {user: _login(live_server, user) for user in windows}

    def work(user: str) -> tuple[list[int], list[int]]:
        called: list[int] = []
        finished: list[int] = []
        with httpx.Client(base_url=live_server, timeout=60) as c:
            headers = tokens[user]
            assert c.post(f"/api/v1/windows/{windows[user]}/sign-in", headers=headers).status_code == 200
            r = c.post(f"/api/v1/windows/{windows[user]}/call-next", headers=headers)
            if r.status_code == 204:
                return called, finished
            assert r.status_code == 200, r.text
            current: int | None = r.json()["id"]
            while current is not None:
                called.append(current)
                r = c.post(f"/api/v1/tickets/{current}/finish-and-call-next", headers=headers)
                assert r.status_code == 200, r.text
                finished.append(r.json()["finished"]["id"])
                current = (r.json()["called"] or {}).get("id")
        return called, finished

    with ThreadPoolExecutor(max_workers=len(windows)) as pool:
        results = list(pool.map(work, windows))
    everything = [tid for calls, _ in results for tid in calls]
    assert len(everything) == len(set(everything)), "a ticket was called twice"
    assert set(everything) == ids
    assert sorted(t for _, done in results for t in done) == sorted(everything)  # each call finished, once
    assert sum(1 for calls, _ in results if calls) >= 2  # the windows really competed
    with httpx.Client(base_url=live_server, timeout=60) as c:
        manager = auth(c, "hallmanager1")
        assert {c.get(f"/api/v1/tickets/{tid}", headers=manager).json()["status"] for tid in ids} == {"finished"}


def test_one_act_and_two_requests_mixed_while_the_kiosk_issues(live_server, env):
    """Windows that finish-and-call-next in one act and windows that call-next then finish, in parallel, while the
    kiosk keeps issuing: every ticket is called once and finished once, none is lost."""
    env.db.limiter.limits["queueing.kiosk_ticket"] = (10_000, 60)  # one kiosk issuing a burst: its limit raised
    items = ["GA-001", "SC-001", "RS-001"]
    ids: set[int] = set()

    def kiosk(k: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as c:
            for i in range(20):
                body = {"hall_code": HALL, "item_code": items[(i + k) % 3]}
                r = c.post("/api/v1/tickets", json=body, headers=KIOSK)
                assert r.status_code == 201, r.text
                ids.add(r.json()["id"])

    windows = {"clerk1": W01, "clerk2": W02, "clerk3": "H-690102-W03", "clerk7": "H-690102-W12"}
    one_act = {"clerk1", "clerk3"}  # the other two use two requests per ticket
    tokens = {user: _login(live_server, user) for user in windows}
    kiosks_done: list[bool] = []

    def window(user: str) -> tuple[list[int], list[int]]:
        called: list[int] = []
        finished: list[int] = []
        headers, code = tokens[user], windows[user]
        with httpx.Client(base_url=live_server, timeout=60) as c:
            assert c.post(f"/api/v1/windows/{code}/sign-in", headers=headers).status_code == 200
            current: int | None = None
            idle_after_kiosks = 0
            while idle_after_kiosks < 2:
                if current is None:
                    r = c.post(f"/api/v1/windows/{code}/call-next", headers=headers)
                    if r.status_code == 204:
                        idle_after_kiosks += 1 if kiosks_done else 0
                        time.sleep(0.05)  # nobody waits yet: the kiosks are still issuing
                        continue
                    assert r.status_code == 200, r.text
                    current = r.json()["id"]
                    called.append(current)
                elif user in one_act:
                    r = c.post(f"/api/v1/tickets/{current}/finish-and-call-next", headers=headers)
                    assert r.status_code == 200, r.text
                    finished.append(r.json()["finished"]["id"])
                    current = (r.json()["called"] or {}).get("id")
                    if current is not None:
                        called.append(current)
                else:
                    r = c.post(f"/api/v1/tickets/{current}/finish", headers=headers)
                    assert r.status_code == 200, r.text
                    finished.append(r.json()["id"])
                    current = None
        return called, finished

    with ThreadPoolExecutor(max_workers=len(windows) + 2) as pool:
        served = [pool.submit(window, user) for user in windows]
        for f in [pool.submit(kiosk, k) for k in range(2)]:
            f.result()
        kiosks_done.append(True)
        results = [f.result() for f in served]
    everything = [tid for calls, _ in results for tid in calls]
    assert len(everything) == len(set(everything)), "a ticket was called twice"
    assert set(everything) == ids and len(ids) == 40  # none lost
    assert sorted(t for _, done in results for t in done) == sorted(everything)  # each call finished, once
    assert all(calls for calls, _ in results)  # every window took part, both kinds
    with httpx.Client(base_url=live_server, timeout=60) as c:
        manager = auth(c, "hallmanager1")
        assert {c.get(f"/api/v1/tickets/{tid}", headers=manager).json()["status"] for tid in ids} == {"finished"}
