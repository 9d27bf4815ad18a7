"""Login, lockout and session lifetime — the last two are rule settings read in the account's hall (citizens: the
province's), through the real token endpoint."""

from __future__ import annotations

from tests.conftest import _settings, auth
from tests.factories import assert_problem, make_rule, make_staff, register_citizen

HALL = "H-690102"
STATION = "H-690102001"


def _login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def _refused(response) -> None:
    assert_problem(response, 401, "invalid_credentials")


class TestLogin:
    def test_staff_and_citizen_log_in(self, client):
        staff = _login(client, "clerk1", "smarthall-demo")
        assert staff.status_code == 200 and staff.json()["role"] == "clerk"
        citizen = _login(client, "690102199003071232", "smarthall-demo")
        assert citizen.status_code == 200 and citizen.json()["subject_kind"] == "citizen"
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {staff.json()['access_token']}"}).json()
        assert me["hall_code"] == HALL and me["window_code"] == "H-690102-W01"
        assert me["display_name"] == "陈若溪"  # their own name, unmasked (issue 16)

    def test_unknown_user_and_wrong_password_look_the_same(self, client):
        unknown = _login(client, "nobody", "whatever1")
        wrong = _login(client, "clerk1", "whatever1")
        _refused(unknown)
        _refused(wrong)
        assert unknown.json()["message_zh"] == wrong.json()["message_zh"]

    def test_logins_are_audited_with_outcome(self, client):
        _login(client, "clerk4", "wrong-pass1")
        _login(client, "clerk4", "smarthall-demo")
        events = client.get(
            "/api/v1/audit/events", params={"action": "auth.login"}, headers=auth(client, "auditor1")
        ).json()
        mine = [e for e in events if e["actor_id"] == "clerk4"]
        assert [e["outcome"] for e in mine][:2] == ["ok", "denied"]


def _throttled(response) -> int:
    body = assert_problem(response, 429, "login_throttled")
    assert int(response.headers["Retry-After"]) == body["detail"]["retry_after"] >= 1
    return int(response.headers["Retry-After"])


def _failed_before(env, username: str | None, addresses: list[str]) -> None:
    """Failures already counted (what many earlier HTTP attempts would have left; each costs an Argon2 check)."""
    from smarthall.identity import throttle

    policy = throttle.Policy(free=5, max_delay=30 * 60)
    for n, address in enumerate(addresses):
        name = username or f"earlier-name-{n}"
        throttle.record_failure(env.db.limiter.store, name, address, policy, env.clock.now().timestamp())


def _from(env, address: str):
    from fastapi.testclient import TestClient

    return TestClient(env.app, base_url="http://testserver", client=(address, 50000))


class TestThrottling:
    """Growing delays after failures, never a lock someone else can put on an account (issue 12, item 9)."""

    def test_failures_slow_down_with_growing_delays_instead_of_locking(self, env, client):
        for _ in range(5):
            _refused(_login(client, "clerk2", "wrong-pass1"))
        assert _throttled(_login(client, "clerk2", "smarthall-demo")) == 1  # refused unread, even the right one
        env.clock.advance(seconds=1)
        _refused(_login(client, "clerk2", "wrong-pass1"))
        assert _throttled(_login(client, "clerk2", "wrong-pass1")) == 2
        env.clock.advance(seconds=2)
        _refused(_login(client, "clerk2", "wrong-pass1"))
        assert _throttled(_login(client, "clerk2", "wrong-pass1")) == 4
        env.clock.advance(seconds=4)
        assert _login(client, "clerk2", "smarthall-demo").status_code == 200  # seconds, not thirty minutes

    def test_the_delay_never_exceeds_the_rules_longest_wait(self, env, client):
        with env.db.unit_of_work() as session:
            make_rule(session, key="identity.lockout_minutes", scope_code=HALL, value=1)
        _failed_before(env, "clerk2", ["testclient"] * 11)
        env.clock.advance(seconds=61)
        _refused(_login(client, "clerk2", "wrong-pass1"))
        assert _throttled(_login(client, "clerk2", "smarthall-demo")) == 60

    def test_unknown_and_known_accounts_get_the_same_answers(self, env, client):
        _failed_before(env, "clerk3", ["testclient"] * 4)
        _failed_before(env, "nobody-here", ["testclient"] * 4)
        known = [_login(client, "clerk3", "wrong-pass1") for _ in range(2)]
        unknown = [_login(client, "nobody-here", "wrong-pass1") for _ in range(2)]
        assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401, 429]
        assert known[-1].json()["message_zh"] == unknown[-1].json()["message_zh"]
        assert known[-1].headers["Retry-After"] == unknown[-1].headers["Retry-After"]
        assert known[0].json()["message_zh"] == unknown[0].json()["message_zh"]

    def test_success_clears_the_failures(self, client):
        for _ in range(4):
            _login(client, "clerk3", "wrong-pass1")
        assert _login(client, "clerk3", "smarthall-demo").status_code == 200
        for _ in range(4):
            _login(client, "clerk3", "wrong-pass1")
        assert _login(client, "clerk3", "smarthall-demo").status_code == 200

    def test_an_attacker_elsewhere_cannot_keep_the_owner_out(self, env):
        """Guesses from many addresses slow each guessing address, not the owner at their own desk."""
        with _from(env, "203.0.113.1") as attacker:
            _refused(_login(attacker, "clerk4", "wrong-pass1"))
        _failed_before(env, "clerk4", [f"203.0.113.{n}" for n in range(2, 26)])  # 24 more addresses, once each
        with _from(env, "203.0.113.99") as late_guesser:
            _refused(_login(late_guesser, "clerk4", "wrong-pass1"))
            assert _throttled(_login(late_guesser, "clerk4", "wrong-pass2")) >= 1  # the account is hot now
        with _from(env, "10.1.1.20") as owner:
            assert _login(owner, "clerk4", "smarthall-demo").status_code == 200

    def test_successful_logins_do_not_count_against_the_address(self, env, client):
        """Found on the demo server: every successful sign-in counted as a failure of the client address, so after
        50 logins in an hour every login from that address (a hall behind one NAT address) got 429."""
        names = ["clerk1", "clerk2", "clerk3", "clerk4", "approver1", "hallmanager1", "admin1", "guide1"]
        for n in range(60):
            answer = _login(client, names[n % len(names)], "smarthall-demo")
            assert answer.status_code == 200, (n, answer.text)
        # failures still count for the address: a valid login between guesses does not wash them away
        _failed_before(env, None, ["testclient"] * 47)
        assert _login(client, "clerk1", "smarthall-demo").status_code == 200
        answers = [_login(client, f"user{n}", "wrong-pass1").status_code for n in range(4)]
        assert answers == [401, 401, 401, 429]

    def test_one_address_guessing_many_accounts_is_throttled(self, env, client):
        _failed_before(env, None, ["testclient"] * 48)  # 48 guesses at 48 different names from this address
        answers = [_login(client, f"user{n}", "wrong-pass1").status_code for n in range(3)]
        assert answers == [401, 401, 429]  # ten times the pair's free failures, then delays
        with _from(env, "10.1.1.21") as elsewhere:
            _refused(_login(elsewhere, "user99", "wrong-pass1"))  # another address is not affected

    def test_citizens_are_throttled_too_and_keep_their_account(self, env, client):
        payload, _ = register_citizen(client)
        for _ in range(5):
            _login(client, payload["id_number"], "wrong-pass1")
        _throttled(_login(client, payload["id_number"], payload["password"]))
        with _from(env, "10.1.1.22") as own_phone:
            assert _login(own_phone, payload["id_number"], payload["password"]).status_code == 200

    def test_the_halls_own_threshold_applies(self, env, client):
        make_staff(env, username="stationclerk", role="clerk", hall_code=STATION)
        with env.db.unit_of_work() as session:
            make_rule(session, key="identity.lockout_threshold", scope_code=HALL, value=3)
        for _ in range(3):
            _login(client, "clerk5", "wrong-pass1")
        _throttled(_login(client, "clerk5", "smarthall-demo"))  # three failures were enough in this hall
        # The township station beneath inherits from the county, not from the county's hall: still five.
        for _ in range(3):
            _login(client, "stationclerk", "wrong-pass1")
        assert _login(client, "stationclerk", "smarthall-demo").status_code == 200

    def test_citizens_follow_the_provinces_rule(self, env, client):
        payload, _ = register_citizen(client)
        with env.db.unit_of_work() as session:
            make_rule(session, key="identity.lockout_threshold", scope_code="690000", value=3)
            make_rule(session, key="identity.lockout_threshold", scope_code=HALL, value=50)  # a hall's: not theirs
        for _ in range(3):
            _login(client, payload["id_number"], "wrong-pass1")
        _throttled(_login(client, payload["id_number"], payload["password"]))

    def test_a_burst_against_a_staff_account_alerts_the_hall_manager(self, env, client):
        for _ in range(5):
            _login(client, "clerk6", "wrong-pass1")
        inbox = client.get("/api/v1/me/messages", headers=auth(client, "hallmanager1")).json()
        alerts = [m for m in inbox if m["template"] == "identity.login_burst"]
        assert len(alerts) == 1 and "clerk6" in alerts[0]["body_zh"]
        events = client.get(
            "/api/v1/audit/events", params={"action": "auth.login_burst"}, headers=auth(client, "auditor1")
        ).json()
        assert len(events) == 1


class TestSessionLifetime:
    def test_a_token_lasts_the_rules_default_of_eight_hours(self, env, client):
        token = _login(client, "clerk1", "smarthall-demo").json()
        assert token["expires_in"] == 480 * 60
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        for _ in range(23):  # in use every 20 minutes, so the staff idle timeout never strikes
            env.clock.advance(minutes=20)
            assert client.get("/api/v1/me", headers=headers).status_code == 200
        env.clock.advance(minutes=19)
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        env.clock.advance(minutes=2)
        assert_problem(client.get("/api/v1/me", headers=headers), 401, "unauthorized")

    def test_the_halls_session_rule_sets_the_token_lifetime(self, env, client):
        with env.db.unit_of_work() as session:
            make_rule(session, key="identity.session_minutes", scope_code="690102", value=60)  # the county
        clerk = _login(client, "clerk1", "smarthall-demo").json()
        citizen = _login(client, "690102199003071232", "smarthall-demo").json()
        assert clerk["expires_in"] == 60 * 60
        assert citizen["expires_in"] == 480 * 60  # citizens follow the province, not the county
        env.clock.advance(minutes=61)
        headers = {"Authorization": f"Bearer {clerk['access_token']}"}
        assert_problem(client.get("/api/v1/me", headers=headers), 401, "unauthorized")

    def test_the_older_setting_is_the_platform_value(self, env, seeded, tmp_path):
        from fastapi.testclient import TestClient

        from smarthall.main import create_app

        app = create_app(_settings(seeded.url, tmp_path, token_ttl_minutes=90))
        with TestClient(app) as client:
            assert _login(client, "clerk1", "smarthall-demo").json()["expires_in"] == 90 * 60
            rules = client.get("/api/v1/rules", params={"hall_code": HALL}, headers=auth(client, "admin1")).json()
            session_rule = next(r for r in rules["rules"] if r["key"] == "identity.session_minutes")
            assert (session_rule["value"], session_rule["level"]) == (90, "platform")
        app.state.db.dispose()

    def test_a_platform_value_out_of_the_rules_bounds_is_refused_at_start(self, env, seeded, tmp_path):
        import pytest

        from smarthall.main import create_app

        with pytest.raises(ValueError, match="identity.lockout_threshold"):
            create_app(_settings(seeded.url, tmp_path, rule_defaults={"identity.lockout_threshold": 10_000}))

    def test_the_session_cookie_expires_with_the_token(self, env, client):
        client.post("/login", data={"username": "admin1", "password": "smarthall-demo"}, follow_redirects=False)
        assert client.get("/api/v1/me").status_code == 200
        env.clock.advance(minutes=481)
        assert_problem(client.get("/api/v1/me"), 401, "unauthorized")


class TestCredentials:
    def test_a_forged_token_is_anonymous(self, client):
        headers = auth(client, "clerk1")
        forged = headers["Authorization"][:-3] + "abc"
        assert_problem(client.get("/api/v1/me", headers={"Authorization": forged}), 401, "unauthorized")

    def test_a_deactivated_staff_members_token_stops_working(self, env, client):
        from sqlalchemy import update

        from smarthall.identity.models import Staff

        headers = auth(client, "guide1")
        with env.db.unit_of_work() as session:
            session.execute(update(Staff).where(Staff.username == "guide1").values(active=False))
        assert_problem(client.get("/api/v1/me", headers=headers), 401, "unauthorized")

    def test_a_device_key_names_its_hall(self, client):
        ok = client.get("/api/v1/whoami-device", headers={"X-Device-Key": "demo-kiosk-key"})
        assert ok.status_code == 200 and ok.json()["kind"] == "kiosk" and ok.json()["hall_code"] == HALL
        bad = client.get("/api/v1/whoami-device", headers={"X-Device-Key": "nope"})
        assert_problem(bad, 403, "device_only")

    def test_a_cookie_session_refuses_cross_site_writes(self, client):
        response = client.post(
            "/login", data={"username": "admin1", "password": "smarthall-demo", "next": "/"}, follow_redirects=False
        )
        assert response.status_code == 303 and "smarthall_session" in response.cookies
        cross = client.post("/api/v1/catalog/import", content=b"{}", headers={"Origin": "http://evil.example"})
        assert_problem(cross, 403, "csrf_rejected")
        assert client.get("/api/v1/me").status_code == 200
