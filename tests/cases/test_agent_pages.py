"""Issue 15.5 through the pages: an agent (代办人) chooses an authorization in force under 为他人办理, files the
entrustor's case on the smart form prefilled with the entrustor's data, supplements it, and collects at the window;
the entrustor stays the applicant and is told; outside the authorization each refusal is shown in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.cases.helpers import HALL, PDF_BYTES, act, generic_form, li_ming, prefilled
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import assert_refused_page, register_citizen


def _me(client: Any, headers: dict[str, str]) -> int:
    return int(client.get("/api/v1/me", headers=headers).json()["id"])


def _authorize(client: Any, owner: dict[str, str], agent_id: int, scope: list[str], hours: int = 72) -> int:
    until = DEFAULT_NOW + timedelta(hours=hours)
    body = {"agent_citizen_id": agent_id, "hall_code": HALL, "item_codes": ["SC-001"], "scope": scope,
            "valid_from": DEFAULT_NOW.isoformat(), "valid_until": until.isoformat()}  # fmt: skip
    pid = int(client.post("/api/v1/proxy-authorizations", json=body, headers=owner).json()["id"])
    done = client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": "confirm"}, headers=owner)
    assert done.status_code == 200, done.text
    return pid


def _file_on_the_page(client: Any, agent: dict[str, str], pid: int, form: dict[str, Any]) -> Any:
    data = {"item_code": "SC-001", "hall_code": HALL, "agent_for": str(pid)}
    data.update({f"f_{k}": str(v) for k, v in form.items()})
    files = {f"m_{code}": (f"{code}.pdf", PDF_BYTES, "application/pdf") for code in ("SC-001-M02", "SC-001-M04")}
    return client.post("/cases/new", headers=agent, data=data, files=files, follow_redirects=False)


def test_an_agent_files_supplements_and_collects_for_the_entrustor_on_the_pages(client: Any) -> None:
    owner = li_ming(client)
    owner_id = _me(client, owner)
    agent_person, agent = register_citizen(client)
    pid = _authorize(client, owner, _me(client, agent), ["declare", "submit_materials", "collect_result"])

    chooser = client.get("/agent/entrustors", headers=agent)
    assert chooser.status_code == 200
    assert f'data-testid="file-for-{pid}-SC-001"' in chooser.text and 'data-in-force="yes"' in chooser.text
    page = client.get(f"/cases/new?item_code=SC-001&hall_code={HALL}&for={pid}", headers=agent)
    assert page.status_code == 200 and 'data-testid="agent-banner"' in page.text
    owners_values, _ = prefilled(client, owner, "SC-001")
    assert owners_values and all(str(v) in page.text for v in owners_values.values())  # the entrustor's data
    assert agent_person["name"] not in page.text and 'name="save_draft"' not in page.text

    form = {**owners_values, **generic_form()}
    filed = _file_on_the_page(client, agent, pid, form)
    assert filed.status_code == 303, filed.text[:500]
    case_no = filed.headers["location"].rsplit("/", 1)[1]
    case = client.get(f"/api/v1/cases/{case_no}", headers=owner)
    assert case.status_code == 200 and case.json()["status"] == "submitted"  # the entrustor's own case
    assert all(c["case_no"] != case_no for c in client.get("/api/v1/cases", headers=agent).json())
    told = [m["body_zh"] for m in client.get("/api/v1/me/messages", headers=owner).json()]
    assert any("代办人" in m and case_no in m for m in told), told
    listed = client.get("/agent/entrustors", headers=agent)
    assert f'href="/cases/{case_no}"' in listed.text

    clerk = auth(client, "clerk1")
    asked = act(client, clerk, case_no, "supplement", missing=[{"material_code": "SC-001-M04", "reason": "不清晰"}])
    assert asked.status_code == 200, asked.text
    seen = client.get(f"/cases/{case_no}", headers=agent)
    assert seen.status_code == 200 and 'data-testid="agent-view"' in seen.text
    again = client.post(f"/cases/{case_no}/act", headers=agent, data={"action": "resubmit"},
                        files={"m_SC-001-M04": ("M04.pdf", PDF_BYTES, "application/pdf")},
                        follow_redirects=False)  # fmt: skip
    assert again.status_code == 303, again.text[:500]
    assert client.get(f"/api/v1/cases/{case_no}", headers=owner).json()["status"] == "submitted"

    assert act(client, clerk, case_no, "accept").status_code == 200
    assert act(client, auth(client, "approver1"), case_no, "approve").status_code == 200
    pickup = {"action": "deliver", "mode": "window", "proxy_name": agent_person["name"],
              "proxy_id_number": agent_person["id_number"], "proxy_authorization_id": str(pid)}  # fmt: skip
    wrong = client.post(f"/cases/{case_no}/act", headers=clerk,
                        data={**pickup, "proxy_id_number": "110101199003077777"}, follow_redirects=False)  # fmt: skip
    assert wrong.status_code == 422 and "代领人没有申请人有效的代办授权" in wrong.text
    assert client.get(f"/api/v1/cases/{case_no}", headers=owner).json()["status"] == "approved"
    collected = client.post(f"/cases/{case_no}/act", headers=clerk, data=pickup, follow_redirects=False)
    assert collected.status_code == 303, collected.text[:500]
    body = client.get(f"/api/v1/cases/{case_no}", headers=owner).json()
    assert body["status"] == "delivered" and body["delivery"]["collector"] == "proxy", body["delivery"]
    assert len([m for m in client.get("/api/v1/me/messages", headers=owner).json() if "代办人" in m["body_zh"]]) >= 2
    assert owner_id != _me(client, agent)


def test_outside_the_authorization_the_pages_refuse_in_words(client: Any, env: Any) -> None:
    owner = li_ming(client)
    _, agent = register_citizen(client)
    _, stranger = register_citizen(client)
    agent_id = _me(client, agent)
    pid = _authorize(client, owner, agent_id, ["declare", "submit_materials"], hours=2)
    consult_only = _authorize(client, owner, agent_id, ["consult"])

    page = client.get(f"/cases/new?item_code=SC-001&hall_code={HALL}&for={pid}", headers=stranger)
    assert_refused_page(page, 404, "proxy_authorization_not_found")  # not party to it: as if it did not exist
    other_item = client.get(f"/cases/new?item_code=SC-002&hall_code={HALL}&for={pid}", headers=agent)
    assert_refused_page(other_item, 403, "proxy_out_of_scope")
    assert "授权书不包含该事项" in other_item.text
    no_act = client.get(f"/cases/new?item_code=SC-001&hall_code={HALL}&for={consult_only}", headers=agent)
    assert_refused_page(no_act, 403, "proxy_out_of_scope")
    chooser = client.get("/agent/entrustors", headers=agent).text
    assert f'data-testid="not-in-force-{consult_only}"' in chooser and "授权范围不包含此项代办行为" in chooser

    env.clock.advance(hours=3)
    mine_before = client.get("/api/v1/cases", headers=owner).json()
    late = _file_on_the_page(client, agent, pid, generic_form())
    assert_refused_page(late, 403, "proxy_out_of_scope")
    assert "授权不在有效期内" in late.text
    assert client.get("/api/v1/cases", headers=owner).json() == mine_before  # nothing filed
    assert "授权不在有效期内" in client.get("/agent/entrustors", headers=agent).text
