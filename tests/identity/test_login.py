from __future__ import annotations

from tests.conftest import auth
from tests.factories import register_citizen


def _login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_staff_and_citizen_login(client):
    staff = _login(client, "clerk1", "smarthall-demo")
    assert staff.status_code == 200 and staff.json()["role"] == "clerk"
    citizen = _login(client, "690102199003071232", "smarthall-demo")
    assert citizen.status_code == 200 and citizen.json()["subject_kind"] == "citizen"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {staff.json()['access_token']}"}).json()
    assert me["hall_code"] == "H-690102" and me["window_code"] == "H-690102-W01" and "*" in me["display_name"]


def test_unknown_user_and_wrong_password_look_the_same(client):
    unknown = _login(client, "nobody", "whatever1")
    wrong = _login(client, "clerk1", "whatever1")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["code"] == wrong.json()["code"] == "invalid_credentials"
    assert unknown.json()["message_zh"] == wrong.json()["message_zh"]


def test_lockout_after_five_failures_for_thirty_minutes(env, client):
    for _ in range(5):
        assert _login(client, "clerk2", "wrong-pass1").status_code == 401
    assert _login(client, "clerk2", "smarthall-demo").status_code == 401  # locked, even with the right password
    env.clock.advance(minutes=29)
    assert _login(client, "clerk2", "smarthall-demo").status_code == 401
    env.clock.advance(minutes=2)
    assert _login(client, "clerk2", "smarthall-demo").status_code == 200


def test_success_resets_the_failure_count(client):
    for _ in range(4):
        _login(client, "clerk3", "wrong-pass1")
    assert _login(client, "clerk3", "smarthall-demo").status_code == 200
    for _ in range(4):
        _login(client, "clerk3", "wrong-pass1")
    assert _login(client, "clerk3", "smarthall-demo").status_code == 200


def test_citizen_lockout_too(client):
    payload, _ = register_citizen(client)
    for _ in range(5):
        _login(client, payload["id_number"], "wrong-pass1")
    assert _login(client, payload["id_number"], payload["password"]).status_code == 401


def test_token_expires(env, client):
    headers = auth(client, "clerk1")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    env.clock.advance(minutes=env.settings.token_ttl_minutes + 1)
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401 and expired.json()["code"] == "unauthorized"


def test_forged_token_is_anonymous(client):
    headers = auth(client, "clerk1")
    forged = headers["Authorization"][:-3] + "abc"
    assert client.get("/api/v1/me", headers={"Authorization": forged}).status_code == 401


def test_deactivated_staff_token_stops_working(env, client):
    from sqlalchemy import update

    from smarthall.identity.models import Staff

    headers = auth(client, "guide1")
    with env.db.unit_of_work() as session:
        session.execute(update(Staff).where(Staff.username == "guide1").values(active=False))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_logins_are_audited_with_outcome(client):
    _login(client, "clerk4", "wrong-pass1")
    _login(client, "clerk4", "smarthall-demo")
    events = client.get(
        "/api/v1/audit/events", params={"action": "auth.login"}, headers=auth(client, "auditor1")
    ).json()
    mine = [e for e in events if e["actor_id"] == "clerk4"]
    assert [e["outcome"] for e in mine][:2] == ["ok", "denied"]


def test_device_key(client):
    ok = client.get("/api/v1/whoami-device", headers={"X-Device-Key": "demo-kiosk-key"})
    assert ok.status_code == 200 and ok.json()["kind"] == "kiosk" and ok.json()["hall_code"] == "H-690102"
    bad = client.get("/api/v1/whoami-device", headers={"X-Device-Key": "nope"})
    assert bad.status_code == 403


def test_cookie_session_refuses_cross_site_writes(client):
    response = client.post(
        "/login", data={"username": "admin1", "password": "smarthall-demo", "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303 and "smarthall_session" in response.cookies
    cross = client.post("/api/v1/catalog/import", content=b"{}", headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403 and cross.json()["code"] == "csrf_rejected"
    assert client.get("/api/v1/me").status_code == 200


def test_session_cookie_expires_with_the_token(env, client):
    client.post("/login", data={"username": "admin1", "password": "smarthall-demo"}, follow_redirects=False)
    assert client.get("/api/v1/me").status_code == 200
    env.clock.advance(minutes=env.settings.token_ttl_minutes + 1)
    assert client.get("/api/v1/me").status_code == 401
