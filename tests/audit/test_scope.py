"""The audit trail read through the one scope filter: another hall's auditor reads nothing of this hall's events."""

from __future__ import annotations

from smarthall.audit import service as audit_service
from smarthall.core.tenancy import SYSTEM
from tests.conftest import auth
from tests.factories import assert_problem, make_staff, staff_actor

HOME, OTHER = "H-690102", "H-690123"


def _events(client, username: str, action: str) -> list[dict]:
    response = client.get("/api/v1/audit/events", params={"action": action}, headers=auth(client, username))
    assert response.status_code == 200, response.text
    return response.json()


def test_another_halls_auditor_reads_none_of_this_halls_events(env, client):
    make_staff(env, username="auditor-other", role="auditor", hall_code=OTHER)
    make_staff(env, username="clerk-other", role="clerk", hall_code=OTHER)
    with env.db.unit_of_work() as session:
        audit_service.record(session, SYSTEM, "test.scoped", target_id="platform")
        for username, hall in (("clerk1", HOME), ("clerk-other", OTHER)):
            audit_service.record(
                session, staff_actor(session, username), "test.scoped", target_id=username, hall_code=hall
            )
        session.flush()
    with env.db.unit_of_work() as session:  # a township hall beneath the county: its auditor supervises it
        audit_service.record(
            session, staff_actor(session, "clerk1"), "test.scoped", target_id="township", hall_code="H-690102001"
        )
    home = {e["target_id"] for e in _events(client, "auditor1", "test.scoped")}
    other = {e["target_id"] for e in _events(client, "auditor-other", "test.scoped")}
    assert {"clerk1", "township"} <= home and "clerk-other" not in home
    assert "clerk-other" in other and not {"clerk1", "township"} & other
    assert "platform" in home and "platform" in other  # an event of no hall is the platform's, not a hall's
    # the page is filled after the scope: a limit of 1 still finds this hall's newest event
    newest = client.get(
        "/api/v1/audit/events", params={"action": "test.scoped", "limit": 1}, headers=auth(client, "auditor-other")
    ).json()
    assert [e["target_id"] for e in newest] == ["clerk-other"]


def test_wrong_roles_cannot_read_the_trail(env, client):
    for username in ("admin1", "hallmanager1", "clerk1"):
        assert_problem(client.get("/api/v1/audit/events", headers=auth(client, username)), 403, "forbidden_role")
        assert_problem(client.get("/api/v1/audit/verify", headers=auth(client, username)), 403, "forbidden_role")
