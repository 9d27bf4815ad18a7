"""The hall manager's live console and dispatch actions through the HTTP API: what it shows, the one-click actions
with their optimistic check (409 with real parallel clients), the long-wait alert's rule, SSE within 2 s, scope."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from smarthall.audit.models import AuditEvent
from tests.conftest import DEFAULT_NOW, DEMO_PASSWORD, auth
from tests.factories import assert_problem, make_rule, make_staff
from tests.queueing.helpers import HALL, W01, W05, issue, problem, sign_in

LIVE = f"/api/v1/halls/{HALL}/live"
ACT = f"/api/v1/halls/{HALL}/dispatch-actions"
OTHER_HALL = "H-690200"


def _paused_w01(client) -> tuple[dict[str, str], dict[str, str]]:
    clerk = auth(client, "clerk1")
    sign_in(client, clerk, W01)
    assert client.post(f"/api/v1/windows/{W01}/pause", headers=clerk).status_code == 200
    return clerk, auth(client, "hallmanager1")


def _rec(body: dict, action: str, window: str) -> dict:
    return next(r for r in body["recommendations"] if r["action"] == action and r["window_code"] == window)


def test_console_shows_queues_windows_and_recommends_calling_the_clerk_back(client, env):
    issue(client, "GA-001")
    issue(client, "GA-001")
    _, manager = _paused_w01(client)
    r = client.get(LIVE, headers=manager)
    assert r.status_code == 200, r.text
    body = r.json()
    ga = next(q for q in body["queues"] if q["waiting"] == 2)
    assert ga["state"] == "ok" and ga["longest_wait_minutes"] >= 0
    w01 = next(w for w in body["windows"] if w["code"] == W01)
    assert w01["status"] == "paused" and w01["staff_name"]
    rec = _rec(body, "resume", W01)
    done = client.post(ACT, json={k: rec[k] for k in ("action", "window_code", "version")}, headers=manager)
    assert done.status_code == 200, done.text
    after = client.get(LIVE, headers=manager).json()
    assert next(w for w in after["windows"] if w["code"] == W01)["status"] == "open"
    assert client.get(f"/api/v1/windows/{W01}", headers=auth(client, "clerk1")).json()["status"] == "open"
    with env.session() as s:
        actions = [e.action for e in s.query(AuditEvent).filter(AuditEvent.actor_id == "hallmanager1")]
    assert "operations.dispatch.resume" in actions and "queue.window.open" in actions


def test_action_on_a_window_changed_meanwhile_is_409_and_changes_nothing(client):
    issue(client, "GA-001")
    clerk, manager = _paused_w01(client)
    rec = _rec(client.get(LIVE, headers=manager).json(), "resume", W01)
    # the clerk resumes and pauses again: the same status, but not the window the manager saw
    client.post(f"/api/v1/windows/{W01}/resume", headers=clerk)
    client.post(f"/api/v1/windows/{W01}/pause", headers=clerk)
    stale = client.post(ACT, json={k: rec[k] for k in ("action", "window_code", "version")}, headers=manager)
    problem(stale, 409, "window_changed")
    assert client.get(f"/api/v1/windows/{W01}", headers=clerk).json()["status"] == "paused"


def test_parallel_managers_one_wins_the_other_gets_409(client, live_server):
    issue(client, "GA-001")
    _, manager = _paused_w01(client)
    rec = _rec(client.get(LIVE, headers=manager).json(), "resume", W01)
    token = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": "hallmanager1", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    body = {k: rec[k] for k in ("action", "window_code", "version")}

    def one(_: int) -> int:
        return httpx.post(f"{live_server}{ACT}", json=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(one, range(6)))
    assert codes == [200, 409, 409, 409, 409, 409]


def test_extend_lets_an_idle_window_also_serve_a_queue(client, env):
    manager = auth(client, "hallmanager1")
    issue(client, "SC-001")  # 市场监督管理局's queue: no open window serves it
    clerk5 = auth(client, "clerk5")
    sign_in(client, clerk5, W05)  # 户政业务窗口: idle, its own items only
    body = client.get(LIVE, headers=manager).json()
    assert any(a["kind"] == "unserved_queue" for a in body["alerts"])
    rec = _rec(body, "extend", W05)
    fields = ("action", "window_code", "version", "queue")
    done = client.post(ACT, json={k: rec[k] for k in fields}, headers=manager)
    assert done.status_code == 200, done.text
    called = client.post(f"/api/v1/windows/{W05}/call-next", headers=clerk5)
    assert called.status_code == 200 and called.json()["item_code"] == "SC-001"  # the window serves the queue now
    again = client.post(ACT, json={k: rec[k] for k in fields}, headers=manager)
    problem(again, 409, "window_changed")


def test_long_wait_alert_follows_the_hall_rule(client, env):
    for _ in range(3):
        issue(client, "GA-001")
    env.clock.advance(minutes=31)
    manager = auth(client, "hallmanager1")
    alerts = client.get(LIVE, headers=manager).json()["alerts"]
    assert not any(a["kind"] == "long_wait" for a in alerts)  # 3 < the default of 5
    with env.db.unit_of_work() as s:
        make_rule(s, key="queue.long_wait_alert_count", scope_code=HALL, value=3)
    body = client.get(LIVE, headers=manager).json()
    alert = next(a for a in body["alerts"] if a["kind"] == "long_wait")
    assert alert["count"] == 3 and body["long_wait_count"] == 3


def test_staff_on_shift_not_signed_in_and_open_recommendation(client, env):
    from smarthall.identity import service as identity_service
    from smarthall.operations import repository as ops_repo
    from smarthall.org import service as org_service

    with env.db.unit_of_work() as s:
        hall = org_service.hall_facts(s, HALL)
        staff = identity_service.active_staff(s, hall_id=hall.id, roles=["clerk"])
        clerk3 = next(x for x in staff if x.username == "clerk3")
        ops_repo.add_shift(
            s,
            {
                "hall_id": hall.id,
                "staff_id": clerk3.id,
                "day": DEFAULT_NOW.date(),
                "starts_at": DEFAULT_NOW - timedelta(hours=1),
                "ends_at": DEFAULT_NOW + timedelta(hours=7),
                "window_code": clerk3.window_code,
                "queues": [],
            },
        )
        window = clerk3.window_code
    for _ in range(2):
        issue(client, "GA-001")
    env.clock.advance(minutes=20)
    manager = auth(client, "hallmanager1")
    body = client.get(LIVE, headers=manager).json()
    assert [o["name"] for o in body["off_seat"]] == [clerk3.name]
    recs = [r for r in body["recommendations"] if r["action"] == "open"]
    assert recs, body
    if recs:
        assert recs[0]["window_code"] == window
        done = client.post(
            ACT, json={k: recs[0][k] for k in ("action", "window_code", "version", "staff_id")}, headers=manager
        )
        assert done.status_code == 200, done.text


def test_scope_other_hall_manager_and_wrong_roles(client, env):
    make_staff(env, username="othermgr", role="hall_manager", hall_code=OTHER_HALL)
    other = auth(client, "othermgr")
    problem(client.get(LIVE, headers=other), 403, "out_of_scope")
    problem(
        client.post(ACT, json={"action": "resume", "window_code": W01, "version": "x"}, headers=other),
        403,
        "out_of_scope",
    )
    for who in ("clerk1", "auditor1"):
        h = auth(client, who)
        assert_problem(client.get(LIVE, headers=h), 403, "forbidden_role")
        assert_problem(
            client.post(ACT, json={"action": "resume", "window_code": W01, "version": "x"}, headers=h),
            403,
            "forbidden_role",
        )
    assert_problem(client.get(LIVE), 401, "unauthorized")
    problem(client.get("/api/v1/halls/NOPE/live", headers=auth(client, "hallmanager1")), 404, "hall_not_found")
    bad = client.post(
        ACT, json={"action": "resume", "window_code": W01, "version": "nonsense"}, headers=auth(client, "hallmanager1")
    )
    problem(bad, 409, "window_changed")


def test_console_stream_tells_of_a_call_within_two_seconds(live_server):
    token = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": "hallmanager1", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    seen: list[tuple[str, float]] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.Client(timeout=20) as c, c.stream("GET", f"{live_server}{LIVE}/stream", headers=headers) as r:
            assert r.status_code == 200
            event = ""
            for line in r.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    json.loads(line[5:])
                    seen.append((event, time.monotonic()))
                    if event == "ready":
                        ready.set()
                    if event == "change" and sum(1 for e, _ in seen if e == "change") >= 3:
                        return

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    assert ready.wait(10)
    with httpx.Client(base_url=live_server, timeout=30) as c:
        c.post(
            "/api/v1/tickets",
            json={"hall_code": HALL, "item_code": "GA-001"},
            headers={"X-Device-Key": "demo-kiosk-key"},
        )
        t = c.post("/api/v1/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}).json()
        h = {"Authorization": f"Bearer {t['access_token']}"}
        c.post(f"/api/v1/windows/{W01}/sign-in", headers=h)
        started = time.monotonic()
        assert c.post(f"/api/v1/windows/{W01}/call-next", headers=h).status_code == 200
        reader.join(10)
        live = c.get(LIVE, headers=headers)
    changes = [at for e, at in seen if e == "change" and at >= started]
    assert changes and changes[0] - started <= 2.0
    assert next(w for w in live.json()["windows"] if w["code"] == W01)["serving"]
