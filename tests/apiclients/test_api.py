"""API clients through the real HTTP API: registration by an admin, the key as credential, rotation with two live
keys, revocation and expiry, scopes, the hall/region limit, the per-client rate, and every call audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import auth
from tests.factories import assert_problem

HALL = "H-690102"


def register(client, admin, **overrides):
    body = {"name": "公安审批系统", "hall_code": HALL, "scopes": ["catalog.read", "events.receive"]}
    body.update(overrides)
    response = client.post("/api/v1/api-clients", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def audit_calls(env):
    from smarthall.audit.models import AuditEvent

    with env.db.unit_of_work(write=False) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == "apiclient.call")).scalars()
        return [(r.actor_kind, r.outcome, r.detail.get("path")) for r in rows]


def test_register_then_call_with_the_key_and_every_call_is_audited(client, env):
    admin = auth(client, "admin1")
    made = register(client, admin, department_codes=["GA"])
    key = made["key"]
    assert key.startswith("shk_") and made["client"]["keys"][0]["prefix"] == key[:10]
    assert key not in str(client.get("/api/v1/api-clients", headers=admin).json())  # never shown again
    me = client.get("/api/v1/open/whoami", headers={"X-Api-Key": key})
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "公安审批系统" and me.json()["department_codes"] == ["GA"]
    assert client.get("/api/v1/items", headers={"X-Api-Key": key}).status_code == 200  # public: key not needed
    bad = client.get("/api/v1/open/whoami", headers={"X-Api-Key": "shk_" + "x" * 43})
    assert_problem(bad, 401, "api_key_unknown")
    calls = audit_calls(env)
    assert ("client", "ok", "/api/v1/open/whoami") in calls
    assert ("system", "refused", "/api/v1/open/whoami") in calls
    from smarthall.apiclients.models import ApiKey

    with env.db.unit_of_work(write=False) as session:
        stored = session.execute(select(ApiKey.key_hash)).scalars().all()
    assert key not in stored and all(len(h) == 64 for h in stored)


def test_staff_are_not_clients_and_scopes_are_checked(client, env):
    admin = auth(client, "admin1")
    assert_problem(client.get("/api/v1/open/whoami", headers=admin), 403, "api_scope_missing")
    assert_problem(client.get("/api/v1/open/whoami"), 401, "unauthorized")
    made = register(client, admin, scopes=["catalog.read"])
    # a client holds no staff permission: the admin API refuses it
    refused = client.get("/api/v1/api-clients", headers={"X-Api-Key": made["key"]})
    assert_problem(refused, 403, "forbidden_role")
    unknown = client.post(
        "/api/v1/api-clients", json={"name": "x", "hall_code": HALL, "scopes": ["all"]}, headers=admin
    )
    assert_problem(unknown, 422, "api_scope_unknown")


def test_rotation_keeps_two_live_keys_then_the_old_one_ends(client, env):
    admin = auth(client, "admin1")
    made = register(client, admin)
    cid, old = made["client"]["id"], made["key"]
    rotated = client.post(f"/api/v1/api-clients/{cid}/keys", json={"grace_hours": 24}, headers=admin)
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["key"]
    assert [k["live"] for k in rotated.json()["client"]["keys"]] == [True, True]
    for key in (old, new):
        assert client.get("/api/v1/open/whoami", headers={"X-Api-Key": key}).status_code == 200
    third = client.post(f"/api/v1/api-clients/{cid}/keys", json={}, headers=admin)
    assert_problem(third, 409, "api_key_rotation_pending")
    env.clock.advance(hours=25)
    assert_problem(client.get("/api/v1/open/whoami", headers={"X-Api-Key": old}), 401, "api_key_expired")
    assert client.get("/api/v1/open/whoami", headers={"X-Api-Key": new}).status_code == 200


def test_revoked_key_and_disabled_or_expired_client_are_refused_at_once(client, env):
    admin = auth(client, "admin1")
    expires = (env.clock.now() + timedelta(days=1)).isoformat()
    made = register(client, admin, expires_at=expires)
    cid, key = made["client"]["id"], made["key"]
    header = {"X-Api-Key": key}
    assert client.get("/api/v1/open/whoami", headers=header).status_code == 200
    assert client.post(f"/api/v1/api-clients/{cid}/disable", headers=admin).status_code == 200
    assert_problem(client.get("/api/v1/open/whoami", headers=header), 401, "api_client_disabled")
    assert client.post(f"/api/v1/api-clients/{cid}/enable", headers=admin).status_code == 200
    assert client.get("/api/v1/open/whoami", headers=header).status_code == 200
    env.clock.advance(days=2)
    assert_problem(client.get("/api/v1/open/whoami", headers=header), 401, "api_key_expired")
    admin = auth(client, "admin1")  # the earlier token has expired meanwhile
    made2 = register(client, admin)
    key_id = made2["client"]["keys"][0]["id"]
    revoked = client.post(f"/api/v1/api-clients/{made2['client']['id']}/keys/{key_id}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["keys"][0]["live"] is False
    assert_problem(client.get("/api/v1/open/whoami", headers={"X-Api-Key": made2["key"]}), 401, "api_key_revoked")


def test_rate_limit_per_client_answers_429_with_retry_after(client, env):
    admin = auth(client, "admin1")
    slow = register(client, admin, rate_per_minute=3)["key"]
    fast = register(client, admin, name="另一个系统")["key"]
    for _ in range(3):
        assert client.get("/api/v1/open/whoami", headers={"X-Api-Key": slow}).status_code == 200
    limited = client.get("/api/v1/open/whoami", headers={"X-Api-Key": slow})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/open/whoami", headers={"X-Api-Key": fast}).status_code == 200  # its own budget
    assert ("client", "rate_limited", "/api/v1/open/whoami") in audit_calls(env)
    env.clock.advance(seconds=61)
    assert client.get("/api/v1/open/whoami", headers={"X-Api-Key": slow}).status_code == 200


def test_hall_and_region_limits_follow_the_admins_scope(client, env):
    admin = auth(client, "admin1")
    outside = client.post(
        "/api/v1/api-clients", json={"name": "x", "hall_code": "H-690200", "scopes": []}, headers=admin
    )
    assert_problem(outside, 403, "out_of_scope")
    wide = client.post(
        "/api/v1/api-clients",
        json={"name": "x", "hall_code": HALL, "scope_code": "690100", "scopes": []},
        headers=admin,
    )
    assert_problem(wide, 403, "out_of_scope")  # the city lies above the admin's county
    county = register(client, admin, scope_code="690102")
    assert county["client"]["region_limit"]
    hall_only = register(client, admin)
    assert hall_only["client"]["region_limit"] is None
    from smarthall.apiclients import service
    from smarthall.apiclients.models import ApiClient

    with env.db.unit_of_work(write=False) as session:
        row = session.get(ApiClient, hall_only["client"]["id"])
        actor = service.client_actor(row)
        facts = service.facts(row)
    assert actor.can_see_hall(row.hall_id, row.region_path)
    assert not facts.reaches(row.hall_id + 1000, "/elsewhere/")
    from smarthall.org import service as org_service

    with env.db.unit_of_work(write=False) as session:
        station = org_service.hall_facts(session, "H-690102001")
        wide_facts = service.facts(session.get(ApiClient, county["client"]["id"]))
        wide_actor = service.client_actor(session.get(ApiClient, county["client"]["id"]))
    assert not facts.reaches(station.id, station.region_path)  # hall only
    assert wide_facts.reaches(station.id, station.region_path) and wide_actor.can_see_hall(
        station.id, station.region_path
    )
    # another hall's admin does not see this hall's clients
    from tests.factories import make_staff

    make_staff(env, username="otheradmin", role="admin", hall_code="H-690200")
    other = auth(client, "otheradmin")
    assert client.get("/api/v1/api-clients", headers=other).json() == []
    assert_problem(
        client.get(f"/api/v1/api-clients/{hall_only['client']['id']}", headers=other), 404, "api_client_not_found"
    )
