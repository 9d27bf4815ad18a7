"""Sessions that end (issue 12, item 13): logout and a password change revoke tokens and cookies, staff sessions
time out when idle (a rule setting), and every session has an absolute lifetime."""

from __future__ import annotations

import pytest

from tests.conftest import auth
from tests.factories import assert_problem, make_rule, register_citizen

# Uses Redis: on one xdist worker (Redis pub/sub is shared by all its databases).
pytestmark = pytest.mark.xdist_group("redis")

HALL = "H-690102"
ORIGIN = {"Origin": "http://testserver"}


def _me(client, headers=None):
    return client.get("/api/v1/me", headers=headers or {})


def test_logout_revokes_the_bearer_token(client):
    headers = auth(client, "clerk1")
    other = auth(client, "clerk1")  # a second session of the same account
    assert _me(client, headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert_problem(_me(client, headers), 401, "unauthorized")
    assert _me(client, other).status_code == 200  # only that session ended


def test_logout_revokes_a_copied_session_cookie(client):
    client.post("/login", data={"username": "admin1", "password": "smarthall-demo"}, follow_redirects=False)
    stolen = client.cookies.get("smarthall_session")
    assert _me(client).status_code == 200
    client.post("/logout", headers=ORIGIN, follow_redirects=False)
    assert_problem(_me(client, {"Authorization": f"Bearer {stolen}"}), 401, "unauthorized")
    client.cookies.set("smarthall_session", stolen)
    assert_problem(_me(client), 401, "unauthorized")


def test_a_password_change_ends_every_other_session(env, client):
    _, citizen = register_citizen(client, password="first-pass1")
    elsewhere = dict(citizen)
    env.clock.advance(seconds=5)
    r = client.post(
        "/api/v1/me/password",
        json={"current_password": "first-pass1", "new_password": "second-pass2"},
        headers=citizen,
    )
    assert r.status_code == 200, r.text
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert_problem(_me(client, elsewhere), 401, "unauthorized")
    assert _me(client, fresh).status_code == 200


def test_a_wrong_current_password_changes_nothing(client):
    headers = auth(client, "guide1")
    r = client.post(
        "/api/v1/me/password", json={"current_password": "nope-nope1", "new_password": "second-pass2"}, headers=headers
    )
    assert_problem(r, 403, "wrong_password")
    assert _me(client, headers).status_code == 200
    assert (
        client.post("/api/v1/auth/token", data={"username": "guide1", "password": "smarthall-demo"}).status_code == 200
    )


def test_staff_sessions_time_out_when_idle(env, client):
    headers = auth(client, "clerk1")
    env.clock.advance(minutes=29)
    assert _me(client, headers).status_code == 200
    env.clock.advance(minutes=29)
    assert _me(client, headers).status_code == 200  # each use restarts the idle clock
    env.clock.advance(minutes=31)
    assert_problem(_me(client, headers), 401, "unauthorized")


def test_the_idle_timeout_is_the_halls_rule(env, client):
    with env.db.unit_of_work() as session:
        make_rule(session, key="identity.staff_idle_minutes", scope_code=HALL, value=5)
    headers = auth(client, "clerk1")
    env.clock.advance(minutes=6)
    assert_problem(_me(client, headers), 401, "unauthorized")


def test_citizens_have_no_idle_timeout_but_an_absolute_lifetime(env, client):
    _, citizen = register_citizen(client)
    env.clock.advance(minutes=300)
    assert _me(client, citizen).status_code == 200
    env.clock.advance(minutes=181)
    assert_problem(_me(client, citizen), 401, "unauthorized")


def test_a_token_without_a_session_id_is_refused(env, client):
    import jwt

    now = int(env.clock.now().timestamp())
    forged_old = jwt.encode(
        {"sub": "staff:1", "kind": "staff", "iat": now, "exp": now + 3600}, env.settings.secret_key, algorithm="HS256"
    )
    assert_problem(_me(client, {"Authorization": f"Bearer {forged_old}"}), 401, "unauthorized")


def _second_process(env, **overrides):
    """Another server process on the same database: its own app, its own in-process stores."""
    from smarthall.main import create_app
    from tests.conftest import _settings

    settings = _settings(env.settings.resolved_database_url, env.settings.data_dir, **overrides)
    return create_app(settings, clock=env.clock)


def test_revocation_reaches_every_process_through_redis(env):
    import os

    import pytest
    from fastapi.testclient import TestClient

    url = os.environ.get("SMARTHALL_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs SMARTHALL_TEST_REDIS_URL")
    import redis

    redis.Redis.from_url(url).flushdb()
    first, second = _second_process(env, redis_url=url), _second_process(env, redis_url=url)
    try:
        with TestClient(first) as a, TestClient(second) as b:
            headers = auth(a, "clerk1")
            assert _me(b, headers).status_code == 200
            assert a.post("/api/v1/auth/logout", headers=headers).status_code == 204
            assert_problem(_me(b, headers), 401, "unauthorized")
            # a password change in one process voids the other sessions in the other
            citizen, old = register_citizen(a)
            env.clock.advance(seconds=5)
            again = {
                "Authorization": "Bearer "
                + b.post(
                    "/api/v1/auth/token", data={"username": citizen["id_number"], "password": citizen["password"]}
                ).json()["access_token"]
            }
            changed = a.post(
                "/api/v1/me/password",
                headers=old,
                json={"current_password": citizen["password"], "new_password": "Another-pass-9"},
            )
            assert changed.status_code == 200, changed.text
            env.clock.advance(seconds=5)
            assert_problem(_me(b, again), 401, "unauthorized")
    finally:
        first.state.db.dispose()
        second.state.db.dispose()
        redis.Redis.from_url(url).flushdb()
