"""Four eyes on API clients with sensitive scopes (issue 12, attack12b).

The probe: an administrator registering a client with ``cases.act`` / ``personal.read`` was shown its key, which
worked at once — one person alone held a key that acts on cases or receives personal data. Now such a client and
each key issued for it (the first one, every rotation) are refused until a second person — another administrator
or a hall manager of its hall, neither its registrant nor who was shown the key, nor the same person under another
account — approves; the approval is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from tests.conftest import auth
from tests.factories import assert_problem, make_staff

HALL = "H-690102"


def _register(client: Any, admin: dict[str, str], scopes: list[str]) -> tuple[dict[str, str], dict[str, Any]]:
    made = client.post("/api/v1/api-clients", json={"name": "市场监管系统", "hall_code": HALL, "scopes": scopes,
                                                    "department_codes": ["SC"]}, headers=admin)  # fmt: skip
    assert made.status_code == 201, made.text
    return {"X-Api-Key": made.json()["key"]}, made.json()["client"]


def _whoami(client: Any, key: dict[str, str]) -> Any:
    return client.get("/api/v1/open/whoami", headers=key)


def _audits(env: Any, action: str) -> list[tuple[str, int]]:
    from smarthall.audit.models import AuditEvent

    with env.db.unit_of_work(write=False) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        return [(r.actor_id, int(r.target_id)) for r in rows]


def test_a_sensitive_key_works_only_after_a_second_person_approves(client: Any, env: Any) -> None:
    admin, manager = auth(client, "admin1"), auth(client, "hallmanager1")
    key, made = _register(client, admin, ["cases.act", "events.receive"])
    cid = made["id"]
    assert made["four_eyes"] and made["awaiting_approval"] and not made["keys"][0]["approved"]
    assert_problem(_whoami(client, key), 401, "api_key_not_approved")
    # the registrant, who saw the key, cannot approve it
    assert_problem(client.post(f"/api/v1/api-clients/{cid}/approve", headers=admin), 403, "api_client_four_eyes")
    assert_problem(_whoami(client, key), 401, "api_key_not_approved")
    # clerks and guides do not approve
    assert_problem(
        client.post(f"/api/v1/api-clients/{cid}/approve", headers=auth(client, "clerk1")), 403, "forbidden_role"
    )
    approved = client.post(f"/api/v1/api-clients/{cid}/approve", headers=manager)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert not body["awaiting_approval"] and body["approved_by"] == "staff:hallmanager1" and body["keys"][0]["approved"]
    assert _whoami(client, key).status_code == 200
    assert len(_audits(env, "apiclient.approve")) == 1
    assert_problem(
        client.post(f"/api/v1/api-clients/{cid}/approve", headers=manager), 409, "api_client_nothing_to_approve"
    )


def test_a_rotated_sensitive_key_waits_for_approval_while_the_old_one_keeps_working(client: Any, env: Any) -> None:
    admin, manager = auth(client, "admin1"), auth(client, "hallmanager1")
    old, made = _register(client, admin, ["personal.read", "events.receive"])
    cid = made["id"]
    assert client.post(f"/api/v1/api-clients/{cid}/approve", headers=manager).status_code == 200
    rotated = client.post(f"/api/v1/api-clients/{cid}/keys", json={"grace_hours": 24}, headers=admin)
    assert rotated.status_code == 201, rotated.text
    new = {"X-Api-Key": rotated.json()["key"]}
    assert rotated.json()["client"]["awaiting_approval"]
    assert_problem(_whoami(client, new), 401, "api_key_not_approved")
    assert _whoami(client, old).status_code == 200  # the system keeps working during the rotation
    assert_problem(client.post(f"/api/v1/api-clients/{cid}/approve", headers=admin), 403, "api_client_four_eyes")
    assert client.post(f"/api/v1/api-clients/{cid}/approve", headers=manager).status_code == 200
    assert _whoami(client, new).status_code == 200


def test_the_same_person_under_another_account_does_not_approve(client: Any, env: Any) -> None:
    from smarthall.identity.models import Staff

    make_staff(env, username="admin2", role="admin", hall_code=HALL)
    with env.db.unit_of_work() as session:  # admin1 and admin2 are one person (the blind index of one ID number)
        session.execute(update(Staff).where(Staff.username.in_(["admin1", "admin2"])).values(id_number_index="p" * 64))
    key, made = _register(client, auth(client, "admin1"), ["cases.act"])
    refused = client.post(f"/api/v1/api-clients/{made['id']}/approve", headers=auth(client, "admin2"))
    assert_problem(refused, 403, "api_client_four_eyes")
    assert refused.json()["detail"]["reason"] == "same_person"
    assert_problem(_whoami(client, key), 401, "api_key_not_approved")
    assert _audits(env, "apiclient.approve") == []


def test_another_halls_manager_cannot_approve_and_plain_scopes_need_no_approval(client: Any, env: Any) -> None:
    key, made = _register(client, auth(client, "admin1"), ["cases.act"])
    make_staff(env, username="othermanager", role="hall_manager", hall_code="H-690200")
    elsewhere = client.post(f"/api/v1/api-clients/{made['id']}/approve", headers=auth(client, "othermanager"))
    assert_problem(elsewhere, 404, "api_client_not_found")
    assert_problem(_whoami(client, key), 401, "api_key_not_approved")
    plain_key, plain = _register(client, auth(client, "admin1"), ["catalog.read", "events.receive"])
    assert not plain["four_eyes"] and not plain["awaiting_approval"] and plain["keys"][0]["approved"]
    assert _whoami(client, plain_key).status_code == 200


def test_a_pending_personal_data_client_gets_no_events(client: Any, env: Any) -> None:
    from smarthall.apiclients import service as apiclients_service

    _, made = _register(client, auth(client, "admin1"), ["personal.read", "events.receive"])
    with env.db.unit_of_work(write=False) as session:
        facts = apiclients_service.client_facts(session, [made["id"]])[made["id"]]
    from datetime import UTC, datetime

    assert not facts.usable(datetime.now(UTC))  # the event relay delivers nothing to it until approved
    assert client.post(f"/api/v1/api-clients/{made['id']}/approve", headers=auth(client, "hallmanager1")).is_success
    with env.db.unit_of_work(write=False) as session:
        assert apiclients_service.client_facts(session, [made["id"]])[made["id"]].usable(datetime.now(UTC))


def test_the_page_shows_what_waits_and_a_hall_manager_approves_there(client: Any, env: Any) -> None:
    admin, manager = auth(client, "admin1"), auth(client, "hallmanager1")
    created = client.post("/admin/api-clients", data={"name": "不动产系统", "hall_code": HALL, "scopes": ["cases.act"],
                                                       "departments": "SC"}, headers=admin)  # fmt: skip
    assert created.status_code == 201, created.text
    assert 'data-testid="new-key-waits"' in created.text and "须由另一位管理员或大厅负责人审批" in created.text
    cid = client.get("/api/v1/api-clients", headers=admin).json()[-1]["id"]
    own = client.get("/admin/api-clients", headers=admin).text
    assert f'data-testid="awaiting-{cid}"' in own
    refused = client.post(f"/admin/api-clients/{cid}/approve", headers=admin)
    assert refused.status_code == 403 and "登记人以外的另一人" in refused.text
    page = client.get("/admin/api-clients", headers=manager).text
    assert f'data-testid="approve-{cid}"' in page
    assert 'data-testid="apiclient-create"' not in page and "/rotate" not in page  # a hall manager only approves
    done = client.post(f"/admin/api-clients/{cid}/approve", headers=manager, follow_redirects=False)
    assert done.status_code == 303, done.text
    after = client.get("/admin/api-clients", headers=manager).text
    assert f'data-testid="awaiting-{cid}"' not in after and "审批人 hallmanager1" in after
    # the hall manager cannot register or rotate through the page
    rotate = client.post(f"/admin/api-clients/{cid}/rotate", headers=manager)
    assert rotate.status_code == 403 and "forbidden" in rotate.text
