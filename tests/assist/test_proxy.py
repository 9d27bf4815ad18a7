"""Proxy authorizations (代办): entrustor confirmation, states with a notice at every step, and the scope check."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from tests.conftest import DEFAULT_NOW, auth
from tests.factories import register_citizen

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()


def me(client: Any, headers: dict[str, str]) -> int:
    return int(client.get("/api/v1/me", headers=headers).json()["id"])


def make(client: Any, entrustor: dict[str, str], agent_id: int, **extra: Any) -> Any:
    body = {
        "agent_citizen_id": agent_id,
        "item_codes": ["MZ-002"],
        "scope": ["declare", "submit_materials"],
        "valid_from": DEFAULT_NOW.isoformat(),
        "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat(),
        **extra,
    }
    return client.post("/api/v1/proxy-authorizations", json=body, headers=entrustor)


def act(client: Any, pid: int, headers: dict[str, str], action: str, **extra: Any) -> Any:
    return client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": action, **extra}, headers=headers)


def check(client: Any, pid: int, headers: dict[str, str], item: str = "MZ-002", act_: str = "declare") -> Any:
    return client.post(
        f"/api/v1/proxy-authorizations/{pid}/check", json={"item_code": item, "act": act_}, headers=headers
    )


def inbox_count(env: Any, citizen_id: int) -> int:
    from sqlalchemy import func, select

    from smarthall.notify.models import Message

    with env.session(write=False) as session:
        return int(
            session.execute(
                select(func.count(Message.id)).where(
                    Message.recipient_kind == "citizen",
                    Message.recipient_id == citizen_id,
                    Message.ref_type == "proxy_authorization",
                )
            ).scalar_one()
        )


def test_full_lifecycle_notifies_the_entrustor_at_every_step(client: Any, env: Any) -> None:
    _, grandma = register_citizen(client)
    _, grandson = register_citizen(client)
    grandma_id, grandson_id = me(client, grandma), me(client, grandson)
    r = make(client, grandma, grandson_id)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["status"] == "pending_confirmation"
    # the agent cannot act before the entrustor confirms
    assert check(client, pid, grandson).status_code == 403
    assert act(client, pid, grandson, "confirm").status_code == 403
    assert act(client, pid, grandma, "confirm").json()["confirmed_via"] == "login"
    assert check(client, pid, grandson).json() == {"allowed": True, "authorization_id": pid}
    assert act(client, pid, grandson, "start").json()["status"] == "in_progress"
    assert act(client, pid, grandson, "suspend").json()["status"] == "suspended"
    assert check(client, pid, grandson).status_code == 403  # suspended: no acting
    assert act(client, pid, grandson, "resume").json()["status"] == "in_progress"
    done = act(client, pid, grandson, "complete").json()
    assert done["status"] == "completed"
    assert [h["action"] for h in done["history"]] == ["create", "confirm", "start", "suspend", "resume", "complete"]
    assert inbox_count(env, grandma_id) == 6
    assert act(client, pid, grandma, "terminate").status_code == 409


def test_agent_may_only_act_within_scope(client: Any, env: Any) -> None:
    _, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    _, stranger = register_citizen(client)
    short = (DEFAULT_NOW + timedelta(minutes=30)).isoformat()
    pid = make(client, entrustor, me(client, agent), valid_until=short).json()["id"]
    act(client, pid, entrustor, "confirm")
    assert check(client, pid, agent).status_code == 200
    wrong_item = check(client, pid, agent, item="GA-001")
    assert wrong_item.status_code == 403 and wrong_item.json()["code"] == "proxy_out_of_scope"
    assert "item_not_authorized" in wrong_item.json()["detail"]["reasons"]
    wrong_act = check(client, pid, agent, act_="collect_result")
    assert "act_not_authorized" in wrong_act.json()["detail"]["reasons"]
    assert check(client, pid, stranger).status_code == 404  # not a party: cannot even see it
    assert check(client, pid, entrustor).json()["detail"]["reasons"] == ["not_agent"]
    env.clock.advance(minutes=31)
    late = check(client, pid, agent)
    assert late.status_code == 403 and "outside_validity" in late.json()["detail"]["reasons"]


def test_service_check_agent_for_other_domains(client: Any, env: Any) -> None:
    from smarthall.assist import service
    from smarthall.assist.errors import OutOfScope
    from smarthall.core.tenancy import Actor

    _, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    eid, aid = me(client, entrustor), me(client, agent)
    pid = make(client, entrustor, aid).json()["id"]
    act(client, pid, entrustor, "confirm")
    agent_actor = Actor(kind="citizen", id=aid)
    with env.session() as session:
        row = service.check_agent(
            session, agent_actor, entrustor_citizen_id=eid, item_code="MZ-002", act="declare", now=env.clock.now()
        )
        assert row.id == pid
        try:
            service.check_agent(
                session, agent_actor, entrustor_citizen_id=eid, item_code="GA-006", act="declare", now=env.clock.now()
            )
            raise AssertionError("expected OutOfScope")
        except OutOfScope:
            pass


def test_desk_registers_for_an_entrustor_with_a_signature_and_a_helper_agent(client: Any) -> None:
    _, entrustor = register_citizen(client)
    eid = me(client, entrustor)
    desk = auth(client, "guide1")
    helper = auth(client, "guide3")
    r = make(client, desk, 0, agent_citizen_id=None, agent_staff_id=me(client, helper), entrustor_citizen_id=eid)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert act(client, pid, desk, "confirm").status_code == 403  # staff need the entrustor's signature
    bad = act(client, pid, desk, "confirm", signature_png_base64=base64.b64encode(b"GIF89a").decode())
    assert bad.status_code == 422 and bad.json()["code"] == "bad_signature"
    ok = act(client, pid, desk, "confirm", signature_png_base64="data:image/png;base64," + PNG).json()
    assert ok["confirmed_via"] == "signature" and len(ok["signature_sha256"]) == 64
    assert check(client, pid, helper).status_code == 200
    assert check(client, pid, desk).status_code == 403  # the desk registered it but is not the agent


def test_creation_denials_and_bad_input(client: Any) -> None:
    _, citizen = register_citizen(client)
    _, other = register_citizen(client)
    cid, oid = me(client, citizen), me(client, other)
    assert make(client, {}, oid).status_code == 401
    assert make(client, auth(client, "auditor1"), oid, entrustor_citizen_id=cid).status_code == 403
    assert make(client, citizen, cid).status_code == 422  # oneself as agent
    assert make(client, citizen, oid, item_codes=["NOPE-9"]).status_code == 422
    assert make(client, citizen, oid, scope=["rob_the_bank"]).status_code == 422
    past = (DEFAULT_NOW - timedelta(days=1)).isoformat()
    assert make(client, citizen, oid, valid_until=past).json()["code"] == "bad_validity"
    too_long = (DEFAULT_NOW + timedelta(days=800)).isoformat()
    assert make(client, citizen, oid, valid_until=too_long).json()["code"] == "bad_validity"


def test_entrustor_confirms_on_the_page(client: Any) -> None:
    _, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    pid = make(client, entrustor, me(client, agent)).json()["id"]
    page = client.get("/assist/proxy", headers=entrustor)
    assert page.status_code == 200 and f'data-testid="confirm-{pid}"' in page.text
    assert f'data-testid="confirm-{pid}"' not in client.get("/assist/proxy", headers=agent).text
    r = client.post(f"/assist/proxy/{pid}", data={"action": "confirm"}, headers=entrustor, follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/v1/proxy-authorizations/{pid}", headers=agent).json()["status"] == "accepted"
    assert client.post(f"/assist/proxy/{pid}", data={"action": "confirm"}, headers=agent).status_code == 409
    assert client.get("/assist/proxy", follow_redirects=False).status_code == 303
