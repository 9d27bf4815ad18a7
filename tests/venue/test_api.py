"""The venue through the HTTP API: register a device, pair a browser by a one-time code into an HttpOnly device
cookie, revoke it; heartbeats, silent devices and reported faults become fault tickets and alerts; lockers open on
the right pickup code and lock after too many wrong ones. Each refusal is problem+json."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.factories import make_rule

HALL = "H-690102"


def manager(client: Any) -> dict[str, str]:
    return auth(client, "hallmanager1")


def register(client: Any, code: str = f"{HALL}-KIOSK-T1", kind: str = "kiosk", **extra: Any) -> Any:
    body = {"code": code, "kind": kind, "name": "测试终端", "hall_code": HALL, **extra}
    response = client.post("/api/v1/venue/devices", json=body, headers=manager(client))
    assert response.status_code == 201, response.text
    return response.json()


def pairing_code(client: Any, code: str) -> str:
    response = client.post(f"/api/v1/venue/devices/{code}/pairing", headers=manager(client))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["pair_url"].endswith(f"/pair?code={body['code']}")
    return str(body["code"])


def device_client(env: Any) -> TestClient:
    return TestClient(env.app, base_url="http://testserver", headers={"Origin": "http://testserver"})


def problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["message_zh"] and body["message_en"]


def test_pair_by_code_gives_an_httponly_cookie_that_acts_as_the_device(client: Any, env: Any) -> None:
    created = register(client)
    assert created["status"] == "unpaired" and not created["active"]
    code = pairing_code(client, created["code"])
    with device_client(env) as kiosk:
        paired = kiosk.post("/api/v1/venue/pair", json={"code": code})
        assert paired.status_code == 200, paired.text
        assert paired.json()["home"] == f"/kiosk/{HALL}"
        cookie = paired.headers["set-cookie"]
        assert "smarthall_device=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        beat = kiosk.post("/api/v1/venue/heartbeat", json={"page": "/kiosk"})
        assert beat.status_code == 200, beat.text
        assert beat.json()["status"] == "online" and beat.json()["next_in_seconds"] == 30
        # the cookie opens the kiosk page, which carries the heartbeat script and no staff controls
        page = kiosk.get(f"/kiosk/{HALL}")
        assert page.status_code == 200 and "/static/js/device.js" in page.text and "/logout" not in page.text
    row = next(
        d for d in client.get("/api/v1/venue/devices", headers=manager(client)).json() if d["code"] == created["code"]
    )
    assert row["status"] == "online" and row["active"] and row["last_beat_at"] and row["page"] == "/kiosk"


def test_a_pairing_code_works_once_and_expires(client: Any, env: Any) -> None:
    created = register(client)
    code = pairing_code(client, created["code"])
    with device_client(env) as first, device_client(env) as second:
        assert first.post("/api/v1/venue/pair", json={"code": code.lower()}).status_code == 200
        problem(second.post("/api/v1/venue/pair", json={"code": code}), 409, "pairing_code_used")
        problem(second.post("/api/v1/venue/pair", json={"code": "ZZZZ-ZZZZ"}), 422, "pairing_code_invalid")
        late = pairing_code(client, created["code"])
        env.clock.advance(minutes=16)
        problem(second.post("/api/v1/venue/pair", json={"code": late}), 410, "pairing_code_expired")


def test_a_new_code_voids_the_previous_one(client: Any, env: Any) -> None:
    created = register(client)
    old = pairing_code(client, created["code"])
    pairing_code(client, created["code"])
    with device_client(env) as kiosk:
        problem(kiosk.post("/api/v1/venue/pair", json={"code": old}), 409, "pairing_code_used")


def test_a_revoked_device_is_refused_at_once(client: Any, env: Any) -> None:
    created = register(client)
    code = pairing_code(client, created["code"])
    with device_client(env) as kiosk:
        assert kiosk.post("/api/v1/venue/pair", json={"code": code}).status_code == 200
        revoked = client.post(f"/api/v1/venue/devices/{created['code']}/revoke", headers=manager(client))
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
        problem(kiosk.post("/api/v1/venue/heartbeat", json={}), 403, "device_revoked")
        assert kiosk.get(f"/kiosk/{HALL}", follow_redirects=False).status_code in (303, 403)
    with device_client(env) as stranger:
        problem(stranger.post("/api/v1/venue/heartbeat", json={}), 401, "device_only")


def test_silent_device_and_reported_faults_raise_tickets_and_alerts(client: Any, env: Any) -> None:
    from smarthall.venue import service as venue_service

    created = register(client, code=f"{HALL}-PRN-T1", kind="printer")
    code = pairing_code(client, created["code"])
    with device_client(env) as printer:
        assert printer.post("/api/v1/venue/pair", json={"code": code}).status_code == 200
        jam = printer.post("/api/v1/venue/heartbeat", json={"faults": ["paper_jam"], "paper_percent": 10}).json()
        assert jam["status"] == "fault" and len(jam["opened_faults"]) == 2  # the jam, and paper low (≤ 15 %)
        again = printer.post("/api/v1/venue/heartbeat", json={"faults": ["paper_jam"]}).json()
        assert again["opened_faults"] == []  # one open ticket per kind
    faults = client.get("/api/v1/venue/faults", headers=manager(client)).json()
    kinds = {(f["kind"], f["severity"]) for f in faults if f["device_code"] == created["code"]}
    assert kinds == {("paper_jam", "alert"), ("paper_low", "warning")}
    inbox = client.get("/api/v1/messages", headers=manager(client))
    if inbox.status_code == 200:
        assert any("卡纸" in m.get("body_zh", "") or created["code"] in m.get("body_zh", "") for m in inbox.json())
    # silence: 3 missed heartbeats of 30 s
    env.clock.advance(seconds=80)
    with env.db.unit_of_work() as session:
        assert venue_service.sweep_silent(session, now=env.clock.now()) == []
    env.clock.advance(seconds=20)
    with env.db.unit_of_work() as session:
        opened = venue_service.sweep_silent(session, now=env.clock.now())
        assert [f.kind for f in opened] == ["offline"]
        assert venue_service.sweep_silent(session, now=env.clock.now()) == []  # alerted once
    ops = client.get("/api/v1/venue/faults", headers=manager(client)).json()
    offline = next(f for f in ops if f["kind"] == "offline")
    took = client.post(
        f"/api/v1/venue/faults/{offline['id']}/actions", json={"action": "assign"}, headers=manager(client)
    )
    assert took.status_code == 200 and took.json()["status"] == "assigned"
    closed = client.post(
        f"/api/v1/venue/faults/{offline['id']}/actions", json={"action": "close"}, headers=manager(client)
    )
    assert closed.json()["status"] == "closed"
    problem(
        client.post(f"/api/v1/venue/faults/{offline['id']}/actions", json={"action": "close"}, headers=manager(client)),
        409,
        "fault_closed",
    )


def test_a_hall_override_of_the_heartbeat_rule_changes_when_a_device_counts_as_silent(client: Any, env: Any) -> None:
    from smarthall.venue import service as venue_service

    created = register(client, code=f"{HALL}-PAD-T9", kind="display")
    code = pairing_code(client, created["code"])
    with env.db.unit_of_work() as session:
        make_rule(session, key="venue.heartbeat_seconds", scope_code=HALL, value=5)
    with device_client(env) as board:
        assert board.post("/api/v1/venue/pair", json={"code": code}).status_code == 200
        assert board.post("/api/v1/venue/heartbeat", json={}).json()["next_in_seconds"] == 5
    env.clock.advance(seconds=16)
    with env.db.unit_of_work() as session:
        assert [f.kind for f in venue_service.sweep_silent(session, now=env.clock.now())] == ["offline"]


def test_locker_opens_on_the_code_and_locks_after_five_wrong_ones(client: Any, env: Any) -> None:
    created = register(client, code=f"{HALL}-LOCKER-T1", kind="locker", slots=2)
    code = pairing_code(client, created["code"])
    clerk = auth(client, "clerk1")
    first = client.post(f"/api/v1/venue/lockers/{created['code']}/load", json={"ref": "CASE-1"}, headers=clerk)
    assert first.status_code == 201, first.text
    pickup = first.json()["pickup_code"]
    assert first.json()["slot_no"] == 1 and len(pickup) == 6
    second = client.post(f"/api/v1/venue/lockers/{created['code']}/load", json={"ref": "CASE-2"}, headers=clerk).json()
    problem(
        client.post(f"/api/v1/venue/lockers/{created['code']}/load", json={"ref": "CASE-3"}, headers=clerk),
        409,
        "locker_full",
    )
    with device_client(env) as locker:
        assert locker.post("/api/v1/venue/pair", json={"code": code}).status_code == 200
        opened = locker.post("/api/v1/venue/locker/open", json={"code": pickup})
        assert opened.status_code == 200 and opened.json() == {"slot_no": 1, "ref": "CASE-1"}
        problem(locker.post("/api/v1/venue/locker/open", json={"code": pickup}), 400, "locker_code_wrong")  # used
        wrong = "000000" if second["pickup_code"] != "000000" else "111111"
        for _ in range(3):
            problem(locker.post("/api/v1/venue/locker/open", json={"code": wrong}), 400, "locker_code_wrong")
        problem(locker.post("/api/v1/venue/locker/open", json={"code": wrong}), 423, "locker_locked")  # fifth
        # locked: even the right code no longer opens it (collect at a window)
        problem(locker.post("/api/v1/venue/locker/open", json={"code": second["pickup_code"]}), 423, "locker_locked")
    slots = client.get(f"/api/v1/venue/lockers/{created['code']}/slots", headers=clerk).json()
    assert [s["status"] for s in slots] == ["empty", "locked"]


def test_other_halls_and_wrong_roles_are_refused(client: Any, env: Any) -> None:
    created = register(client)
    problem(
        client.post(f"/api/v1/venue/devices/{created['code']}/pairing", headers=auth(client, "clerk1")),
        403,
        "forbidden_role",
    )
    problem(
        client.post("/api/v1/venue/locker/open", json={"code": "123456"}, headers={"X-Device-Key": "demo-kiosk-key"}),
        403,
        "forbidden_role",
    )
    bad = client.post(
        "/api/v1/venue/devices",
        json={"code": "x y", "kind": "kiosk", "name": "n", "hall_code": HALL},
        headers=manager(client),
    )
    assert bad.status_code == 422
    problem(
        client.post(
            "/api/v1/venue/devices",
            json={"code": created["code"], "kind": "kiosk", "name": "n", "hall_code": HALL},
            headers=manager(client),
        ),
        409,
        "device_exists",
    )
