"""An agent (代办) acts on the entrustor's case only under a confirmed authorization for that item, act and hall:
filing, supplementing, withdrawing (window pickup: tests/cases/test_lifecycle.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.cases.helpers import HALL, act, generic_form, li_ming, prefilled, refused, upload
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import register_citizen


def _me(client: Any, headers: dict[str, str]) -> int:
    return int(client.get("/api/v1/me", headers=headers).json()["id"])


def _authorize(client: Any, entrustor: dict[str, str], agent_id: int, scope: list[str], hall: str = HALL) -> int:
    body = {
        "agent_citizen_id": agent_id,
        "hall_code": hall,
        "item_codes": ["SC-001"],
        "scope": scope,
        "valid_from": DEFAULT_NOW.isoformat(),
        "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat(),
    }
    pid = int(client.post("/api/v1/proxy-authorizations", json=body, headers=entrustor).json()["id"])
    url = f"/api/v1/proxy-authorizations/{pid}/actions"
    confirmed = client.post(url, json={"action": "confirm"}, headers=entrustor)
    assert confirmed.status_code == 200, confirmed.text
    return pid


def _file_for(client: Any, agent: dict[str, str], entrustor: dict[str, str], entrustor_id: int) -> Any:
    form, _ = prefilled(client, entrustor, "SC-001")
    form.update(generic_form())
    materials = [{"material_code": c, "file_id": upload(client, agent)} for c in ("SC-001-M02", "SC-001-M04")]
    body = {"item_code": "SC-001", "hall_code": HALL, "form": form, "materials": materials}
    return client.post("/api/v1/cases", headers=agent, json={**body, "entrustor_citizen_id": entrustor_id})


def test_an_agent_files_and_supplements_only_under_a_confirmed_authorization(client: Any) -> None:
    owner = li_ming(client)
    owner_id = _me(client, owner)
    _, agent = register_citizen(client)
    _, stranger = register_citizen(client)
    # no authorization: filing for someone else is refused
    refused(_file_for(client, stranger, owner, owner_id), 403, "proxy_out_of_scope")
    _authorize(client, owner, _me(client, agent), ["declare", "submit_materials"])
    r = _file_for(client, agent, owner, owner_id)
    assert r.status_code == 201, r.text
    case_no = r.json()["case_no"]
    assert client.get(f"/api/v1/cases/{case_no}", headers=owner).status_code == 200  # the entrustor's case
    clerk = auth(client, "clerk1")
    r = act(client, clerk, case_no, "supplement", missing=[{"field": "business_scope", "reason": "经营范围表述不规范"}])
    assert r.status_code == 200, r.text
    assert client.get(f"/api/v1/cases/{case_no}", headers=agent).status_code == 200  # the agent sees what is asked
    refused(act(client, stranger, case_no, "resubmit", form={"business_scope": "软件开发"}), 404, "case_not_found")
    r = act(client, agent, case_no, "resubmit", form={"business_scope": "软件开发;技术服务"})
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    refused(act(client, agent, case_no, "accept"), 403, "case_action_forbidden")


def test_an_agent_without_the_act_or_at_another_hall_is_refused(client: Any) -> None:
    owner = li_ming(client)
    owner_id = _me(client, owner)
    _, agent = register_citizen(client)
    agent_id = _me(client, agent)
    _authorize(client, owner, agent_id, ["consult"])
    _authorize(client, owner, agent_id, ["declare", "submit_materials"], hall="H-690123")
    r = _file_for(client, agent, owner, owner_id)
    refused(r, 403, "proxy_out_of_scope")
    assert set(r.json()["detail"]["reasons"]) & {"act_not_authorized", "other_hall"}


def test_an_agent_is_refused_each_act_once_the_authorization_has_expired(client: Any, env: Any) -> None:
    """Issue 15 bad input: an agent acting after the authorization expired — filing, supplementing and collecting
    are each refused (403/422 with the reason), and nothing is filed."""
    owner = li_ming(client)
    owner_id = _me(client, owner)
    agent_person, agent = register_citizen(client)
    agent_id = _me(client, agent)
    body = {
        "agent_citizen_id": agent_id,
        "hall_code": HALL,
        "item_codes": ["SC-001"],
        "scope": ["declare", "submit_materials", "collect_result"],
        "valid_from": DEFAULT_NOW.isoformat(),
        "valid_until": (DEFAULT_NOW + timedelta(hours=2)).isoformat(),
    }
    pid = int(client.post("/api/v1/proxy-authorizations", json=body, headers=owner).json()["id"])
    assert client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": "confirm"},
                       headers=owner).status_code == 200  # fmt: skip
    filed = _file_for(client, agent, owner, owner_id)
    assert filed.status_code == 201, filed.text
    case_no = filed.json()["case_no"]
    clerk = auth(client, "clerk1")
    asked = act(client, clerk, case_no, "supplement", missing=[{"field": "business_scope", "reason": "补"}])
    assert asked.status_code == 200, asked.text

    env.clock.advance(hours=3)  # the authorization ran out (and the staff session idled out: sign in again)
    clerk = auth(client, "clerk1")
    mine_before = client.get("/api/v1/cases", headers=owner).json()
    late = _file_for(client, agent, owner, owner_id)
    refused(late, 403, "proxy_out_of_scope")
    assert "outside_validity" in late.json()["detail"]["reasons"]
    assert client.get("/api/v1/cases", headers=owner).json() == mine_before  # nothing half-created
    refused(act(client, agent, case_no, "resubmit", form={"business_scope": "软件开发"}), 404, "case_not_found")
    # the entrustor resubmits; once decided, the agent's window pickup under the expired authorization is refused
    assert act(client, owner, case_no, "resubmit", form={"business_scope": "软件开发"}).status_code == 200
    assert act(client, clerk, case_no, "accept").status_code == 200
    assert act(client, auth(client, "approver1"), case_no, "approve").status_code == 200
    pickup = {"mode": "window", "proxy_name": agent_person["name"], "proxy_id_number": agent_person["id_number"],
              "proxy_authorization_id": pid}  # fmt: skip
    late_pickup = act(client, clerk, case_no, "deliver", delivery=pickup)
    refused(late_pickup, 422, "case_action_invalid")
    assert "outside_validity" in late_pickup.json()["detail"]["faults"][0]["message_en"]
