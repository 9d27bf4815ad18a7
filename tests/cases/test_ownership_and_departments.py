"""Issue 12 item 5, attacked as found: an approver with no department approved a market-regulation case; a citizen
deregistered a business with another person's credit code and got a signed approval."""

from __future__ import annotations

from typing import Any

from smarthall.cases.demo import DEMO_USCC
from smarthall.cases.sharing import DemoSharing, subject_index
from smarthall.core.crypto import blind_index
from tests.cases.helpers import HALL, act, add_staff, li_ming, refused, submit_sc001
from tests.conftest import auth
from tests.factories import register_citizen


def _with_clean_records(env: Any, id_number: str) -> None:
    """The attacker's own records say all is well (cleared taxes, not listed, no pending case)."""
    with env.db.unit_of_work() as session:
        for department, field, value in (
            ("税务", "clearance_status", "已清税"),
            ("市场监管", "abnormal_listed", "否"),
            ("市场监管", "pending_case", "否"),
        ):
            DemoSharing().put(session, department=department, field=field, subject=id_number, value=value)


def _sc003(client: Any, headers: dict[str, str], uscc: str) -> Any:
    me = client.get("/api/v1/items/SC-003/form", headers=headers).json()
    form = {f["name"]: f["value"] for f in me["fields"] if f["value"] is not None}
    form.update(
        {
            "uscc": uscc,
            "operator_name": "王小明",
            "phone": "13912345678",
            "cancel_reason": "停止经营",
            "tax_clearance": "已清税",
            "abnormal_listed": "否",
            "pending_case": "否",
        }
    )
    return client.post(
        "/api/v1/cases", headers=headers, json={"item_code": "SC-003", "hall_code": HALL, "form": form, "materials": []}
    )


def test_another_persons_credit_code_is_a_blocking_finding_never_an_approval(env: Any, client: Any) -> None:
    payload, headers = register_citizen(client)
    _with_clean_records(env, payload["id_number"])
    response = _sc003(client, headers, DEMO_USCC)  # 李明's shop
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted" and body["instant"]["approved"] is False
    owned = [f for f in body["precheck"]["findings"] if f["code"] == "code_not_owned"]
    assert owned and owned[0]["target"] == "form.uscc" and owned[0]["message_zh"]
    assert not any(
        d["kind"] == "licence"
        for d in client.get(f"/api/v1/cases/{body['case_no']}", headers=headers).json()["documents"]
    )
    refused(act(client, auth(client, "clerk1"), body["case_no"], "accept"), 409, "code_not_owned")
    # the owner's own code still goes through instantly
    own = _sc003(client, li_ming(client), DEMO_USCC).json()
    assert not any(f["code"] == "code_not_owned" for f in own["precheck"]["findings"])


def test_a_code_data_sharing_names_the_applicant_as_holder_of_belongs_to_them(env: Any, client: Any) -> None:
    payload, headers = register_citizen(client)
    code = "91350100M000100Y43"
    with env.db.unit_of_work() as session:
        holder = blind_index(payload["id_number"], "id_number")
        DemoSharing().put(session, department="营业执照", field="holder", subject=code, value=holder)
        assert subject_index(code)
    body = _sc003(client, headers, code).json()
    assert not any(f["code"] == "code_not_owned" for f in body["precheck"]["findings"])


def test_an_approver_without_department_approves_nothing(env: Any, client: Any) -> None:
    add_staff(env, username="nodept", role="approver", hall_code=HALL)
    case = submit_sc001(client, li_ming(client))
    clerk = auth(client, "clerk1")
    assert act(client, clerk, case["case_no"], "accept").status_code == 200
    nodept = auth(client, "nodept")
    refused(act(client, nodept, case["case_no"], "approve"), 403, "approver_without_department")
    assert client.get("/api/v1/cases", headers=nodept).json() == []
    # an approver of another department is refused, the market-regulation approver decides
    refused(act(client, auth(client, "approver2"), case["case_no"], "approve"), 403, "out_of_department")
    assert act(client, auth(client, "approver1"), case["case_no"], "approve").status_code == 200
