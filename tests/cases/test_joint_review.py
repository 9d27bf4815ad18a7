"""Parallel review by two departments (并联审批): each approves its part; one rejection rejects the case."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.helpers import HALL, act, add_staff, li_ming, prefilled, refused, upload
from tests.conftest import auth


def _sc004(client: Any, headers: dict[str, str]) -> str:
    form, materials = prefilled(client, headers, "SC-004")
    assert form["entity_name"] == "澜湖区李明小吃店"  # from the held business licence
    form.update(main_format="餐饮服务经营者", business_items="热食类食品制售")
    mats = [{"material_code": m["code"], "licence_id": m["held_licence_id"]} for m in materials if m["held_licence_id"]]
    mats += [
        {"material_code": c, "file_id": upload(client, headers)} for c in ("SC-004-M04", "SC-004-M05", "SC-004-M06")
    ]
    r = client.post(
        "/api/v1/cases",
        headers=headers,
        json={"item_code": "SC-004", "hall_code": HALL, "form": form, "materials": mats},
    )
    assert r.status_code == 201, r.text
    assert r.json()["precheck"]["passed"] is True, r.json()
    case_no = str(r.json()["case_no"])
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    return case_no


def test_both_departments_must_approve(client: Any, env: Any) -> None:
    add_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
    case_no = _sc004(client, li_ming(client))
    sc, wj = auth(client, "approver1"), auth(client, "approver_wj")
    assert any(c["case_no"] == case_no for c in client.get("/api/v1/cases", headers=wj).json())
    r = act(client, sc, case_no, "approve")
    assert r.status_code == 200 and r.json()["status"] == "review"
    assert set(r.json()["reviews"]) == {"SC"}
    refused(act(client, sc, case_no, "approve"), 409, "case_state_conflict")  # the same department twice
    refused(act(client, auth(client, "approver2"), case_no, "approve"), 403, "out_of_department")  # 民政: no party
    refused(act(client, sc, case_no, "approve_part"), 422, "case_action_invalid")  # internal action
    r = act(client, wj, case_no, "approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert [e["action"] for e in r.json()["timeline"]][-2:] == ["approve_part", "approve"]


def test_one_department_rejecting_rejects_the_case(client: Any, env: Any) -> None:
    add_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
    case_no = _sc004(client, li_ming(client))
    assert act(client, auth(client, "approver1"), case_no, "approve").status_code == 200
    r = act(client, auth(client, "approver_wj"), case_no, "reject", note="卫生条件不符合要求")
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_two_departments_approving_at_once_both_count(live_server: str, env: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    add_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
    with TestClient(env.app) as client:
        case_no = _sc004(client, li_ming(client))

    def token(username: str) -> dict[str, str]:
        r = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": username, "password": "smarthall-demo"})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    heads = [token("approver1"), token("approver_wj")]

    def fire(h: dict[str, str]) -> httpx.Response:
        return httpx.post(
            f"{live_server}/api/v1/cases/{case_no}/actions", headers=h, json={"action": "approve"}, timeout=120
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(r.status_code for r in pool.map(fire, heads))
    assert codes == [200, 200]
    final = httpx.get(f"{live_server}/api/v1/cases/{case_no}", headers=heads[0], timeout=60).json()
    assert final["status"] == "approved" and set(final["reviews"]) == {"SC", "WJ"}
