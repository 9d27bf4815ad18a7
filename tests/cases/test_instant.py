"""Instant approval (秒批): verified values decide; contradictions, unknowns and engine errors go to a human."""

from __future__ import annotations

from typing import Any

from tests.cases.helpers import li_ming, sc003
from tests.factories import register_citizen


def test_demo_citizen_sc003_approves_instantly_with_evidence(client: Any) -> None:
    headers = li_ming(client)
    body = sc003(client, headers)
    assert body["status"] == "delivered", body
    assert body["precheck"]["passed"] is True
    assert body["instant"]["approved"] is True
    case = client.get(f"/api/v1/cases/{body['case_no']}", headers=headers).json()
    assert case["auto_decided"] is True
    evidence = case["evidence"]
    assert evidence["rule_version"] >= 1
    assert {o["field"]: o["value_source"] for o in evidence["outcomes"]} == {
        "tax_clearance": "verified",
        "abnormal_listed": "verified",
        "pending_case": "verified",
    }
    assert all(o["outcome"] == "pass" for o in evidence["outcomes"])
    kinds = [d["kind"] for d in case["documents"]]
    assert "licence" in kinds
    actions = [e["action"] for e in case["timeline"]]
    assert actions == ["submit", "instant_check", "auto_approve", "deliver"]
    wallet = client.get("/api/v1/me/licences", headers=headers).json()
    assert any(lic["case_no"] == body["case_no"] for lic in wallet)


def test_declared_value_contradicting_verified_is_a_finding_not_an_approval(client: Any) -> None:
    headers = li_ming(client)
    body = sc003(client, headers, tax_clearance="无涉税事项")  # allowed by the rule, but 税务 says 已清税
    assert body["status"] == "submitted"
    assert body["instant"]["approved"] is False
    assert any(f["code"] == "rule_contradiction" for f in body["precheck"]["findings"])


def test_unknown_inputs_go_to_a_human(client: Any) -> None:
    _, headers = register_citizen(client)
    form = {
        "uscc": "91350100M000100Y43",
        "operator_name": "王小明",
        "phone": "13912345678",
        "cancel_reason": "停止经营",
        "tax_clearance": "已清税",
        "abnormal_listed": "否",
        "pending_case": "否",
    }
    me = client.get("/api/v1/items/SC-003/form", headers=headers).json()
    form["operator_id"] = next(f["value"] for f in me["fields"] if f["name"] == "operator_id")
    response = client.post(
        "/api/v1/cases",
        headers=headers,
        json={"item_code": "SC-003", "hall_code": "H-690102", "form": form, "materials": []},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted"
    assert body["instant"]["approved"] is False
    codes = {f["code"] for f in body["precheck"]["findings"]}
    assert "material_missing" in codes  # no business licence held
