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
