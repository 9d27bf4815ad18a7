"""Acceptance decisions, the supplement loop, approval, suspension with the clock stopped, withdrawal, delivery,
and who may do what."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.cases.helpers import HALL, act, add_staff, li_ming, refused, submit_sc001, upload
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import make_id_number, register_citizen


def test_accept_then_approve_issues_a_result_and_emits_case_finished(client: Any, env: Any) -> None:
    seen: list[dict[str, Any]] = []
    env.app.state.registry.on("case.finished", seen.append)
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    clerk, approver = auth(client, "clerk1"), auth(client, "approver1")
    r = act(client, clerk, case_no, "accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "review"
    assert [d["kind"] for d in r.json()["documents"]] == ["acceptance"]
    r = act(client, approver, case_no, "approve")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "approved" and body["finished_at"]
    assert "licence" in [d["kind"] for d in body["documents"]]
    assert seen == [{"case_no": case_no, "hall_code": "H-690102", "status": "approved"}]
    # the result is in the wallet and the next form prefills from it
    wallet = client.get("/api/v1/me/licences", headers=citizen).json()
    assert any(lic["case_no"] == case_no for lic in wallet)
    # messages to the applicant at every step
    inbox = client.get("/api/v1/me/messages", headers=citizen)
    assert inbox.status_code == 200
    assert len([m for m in inbox.json() if case_no in str(m)]) >= 3


def test_supplement_loop_lists_everything_at_once_and_stops_the_clock(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    created = submit_sc001(client, citizen, with_materials=False)
    case_no = created["case_no"]
    missing_auto = {f["target"] for f in created["precheck"]["findings"] if f["code"] == "material_missing"}
    assert missing_auto == {"SC-001-M02", "SC-001-M04"}
    clerk = auth(client, "clerk1")
    r = act(client, clerk, case_no, "supplement", missing=[{"field": "business_scope", "reason": "经营范围表述不规范"}])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "supplement" and body["clock_stopped"] is True
    listed = {(m["material_code"], m["field"]) for m in body["missing"]}
    assert listed == {(None, "business_scope"), ("SC-001-M02", None), ("SC-001-M04", None)}
    assert [d["kind"] for d in body["documents"]] == ["supplement"]
    due_before = body["promised_due_date"]
    # two working days later the applicant supplies everything
    env.clock.advance(days=2)
    citizen, clerk = li_ming(client), auth(client, "clerk1")  # tokens expire over two days
    files = [{"material_code": c, "file_id": upload(client, citizen)} for c in ("SC-001-M02", "SC-001-M04")]
    r = act(client, citizen, case_no, "resubmit", materials=files, form={"business_scope": "软件开发;技术服务"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["precheck"]["passed"] is True
    assert body["promised_due_date"] > due_before and body["stopped_workdays"] == 2
    assert act(client, clerk, case_no, "accept").status_code == 200


def test_refuse_needs_a_reason_and_gives_appeal_rights(client: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    clerk = auth(client, "clerk1")
    r = act(client, clerk, case_no, "refuse")
    assert r.status_code == 422 and r.json()["detail"]["faults"][0]["code"] == "note_required"
    assert client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()["status"] == "submitted"
    r = act(client, clerk, case_no, "refuse", note="不属于本机关职权范围")
    assert r.status_code == 200 and r.json()["status"] == "refused"
    assert [d["kind"] for d in r.json()["documents"]] == ["refusal"]


def test_tolerated_acceptance_needs_deadline_and_list(client: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen, with_materials=False)["case_no"]
    clerk = auth(client, "clerk1")
    r = act(client, clerk, case_no, "accept_tolerated", note="容缺")
    refused(r, 422, "case_action_invalid")
    codes = {f["code"] for f in r.json()["detail"]["faults"]}
    assert codes == {"deadline_required", "missing_required"}
    r = act(
        client,
        clerk,
        case_no,
        "accept_tolerated",
        note="容缺",
        tolerated_until="2026-12-10",
        missing=[{"material_code": "SC-001-M02", "reason": "章程后补"}],
    )
    assert r.status_code == 200 and r.json()["status"] == "review"
    assert r.json()["tolerated_until"] == "2026-12-10"


def test_suspend_and_resume_stop_the_clock_then_reject(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    clerk, approver = auth(client, "clerk1"), auth(client, "approver1")
    act(client, clerk, case_no, "accept")
    due = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()["legal_due_date"]
    r = act(client, approver, case_no, "suspend", note="现场核查")
    assert r.status_code == 200 and r.json()["warning_level"] == "none"
    env.clock.advance(days=7)  # Monday to Monday: 5 working days
    approver = auth(client, "approver1")
    r = act(client, approver, case_no, "resume")
    assert r.status_code == 200
    assert r.json()["stopped_workdays"] == 5 and r.json()["legal_due_date"] > due
    r = act(client, approver, case_no, "reject", note="不符合条件")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    refused(act(client, approver, case_no, "approve"), 409, "case_state_conflict")


def test_withdraw_by_the_applicant_only(client: Any) -> None:
    from tests.factories import register_citizen

    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    _, other = register_citizen(client)
    refused(act(client, other, case_no, "withdraw"), 404, "case_not_found")
    refused(client.get(f"/api/v1/cases/{case_no}", headers=other), 404, "case_not_found")
    refused(act(client, auth(client, "clerk1"), case_no, "withdraw"), 403, "case_action_forbidden")
    r = act(client, citizen, case_no, "withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    refused(act(client, citizen, case_no, "withdraw"), 409, "case_state_conflict")


def test_role_hall_and_department_denials(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    refused(client.post(f"/api/v1/cases/{case_no}/actions", json={"action": "accept"}), 401, "unauthorized")
    refused(act(client, citizen, case_no, "accept"), 403, "case_action_forbidden")
    refused(act(client, auth(client, "approver1"), case_no, "accept"), 403, "case_action_forbidden")
    refused(act(client, auth(client, "guide1"), case_no, "accept"), 403, "case_action_forbidden")
    add_staff(env, username="clerk_other", role="clerk", hall_code="H-690100")
    r = act(client, auth(client, "clerk_other"), case_no, "accept")
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    refused(client.get(f"/api/v1/cases/{case_no}", headers=auth(client, "clerk_other")), 403, "out_of_scope")
    act(client, auth(client, "clerk1"), case_no, "accept")
    r = act(client, auth(client, "approver2"), case_no, "approve")  # 民政 approver, a 市场监管 case
    assert r.status_code == 403 and r.json()["code"] == "out_of_department"
    refused(act(client, auth(client, "clerk1"), case_no, "approve"), 403, "case_action_forbidden")
    refused(act(client, auth(client, "approver1"), case_no, "frobnicate"), 422, "case_action_invalid")
    # a clerk submits only for a registered applicant, in the clerk's own hall; guides and approvers cannot submit
    empty = {"item_code": "SC-001", "hall_code": "H-690102", "form": {}, "materials": []}
    r = client.post("/api/v1/cases", headers=auth(client, "clerk1"), json=empty)
    assert r.status_code == 422 and r.json()["detail"]["faults"][0]["code"] == "applicant_unknown"
    for who in ("guide1", "approver1"):
        refused(client.post("/api/v1/cases", headers=auth(client, who), json=empty), 403, "forbidden_role")
    refused(client.post("/api/v1/cases", json={"item_code": "SC-001", "hall_code": "H-690102"}), 401, "unauthorized")


def test_delivery_modes(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    clerk, approver = auth(client, "clerk1"), auth(client, "approver1")
    results = {}
    for mode, payload in [
        ("window", {"mode": "window", "pickup_id_number": "690102199003071232"}),
        ("locker", {"mode": "locker"}),
        ("post", {"mode": "post", "tracking_no": "SF1234567890", "address": "江安省云澜市澜湖区柳岸路8号"}),
    ]:
        case_no = submit_sc001(client, citizen)["case_no"]
        act(client, clerk, case_no, "accept")
        act(client, approver, case_no, "approve")
        if mode == "window":
            bad = act(client, clerk, case_no, "deliver", delivery={"mode": "window", "pickup_id_number": "1" * 18})
            assert bad.status_code == 422 and bad.json()["detail"]["faults"][0]["code"] == "identity_mismatch"
            none = act(client, clerk, case_no, "deliver", delivery={"mode": "window"})
            refused(none, 422, "case_action_invalid")
        if mode == "post":
            refused(act(client, clerk, case_no, "deliver", delivery={"mode": "post"}), 422, "case_action_invalid")
        r = act(client, clerk, case_no, "deliver", delivery=payload)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "delivered"
        results[mode] = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()["delivery"]
    assert len(results["locker"]["pickup_code"]) == 6
    assert results["post"]["tracking_no"] == "SF1234567890"
    assert results["window"]["collector"] == "applicant"


def test_bad_submissions_list_every_fault_and_write_nothing(client: Any) -> None:
    citizen = li_ming(client)
    png = upload(client, citizen, b"\x89PNG\r\n\x1a\n" + b"0" * 20, "x.png", "image/png")
    r = client.post(
        "/api/v1/cases",
        headers=citizen,
        json={
            "item_code": "SC-001",
            "hall_code": "H-690102",
            "form": {
                "enterprise_type": "外星公司",
                "registered_capital": "很多",
                "legal_rep_id": "123",
                "phone": "12345",
                "bogus": 1,
            },
            "materials": [
                {"material_code": "NOPE", "file_id": png},
                {"material_code": "SC-001-M02", "file_id": "f" * 32},
            ],
        },
    )
    refused(r, 422, "case_invalid")
    targets = {f["target"] for f in r.json()["detail"]["faults"]}
    assert {
        "form.company_name",
        "form.enterprise_type",
        "form.registered_capital",
        "form.legal_rep_id",
        "form.phone",
        "form.bogus",
        "materials.0",
        "materials.1",
    } <= targets
    assert client.get("/api/v1/cases", headers=citizen).json() == []
    r = client.post(
        "/api/v1/cases",
        headers=citizen,
        json={"item_code": "SC-999", "hall_code": "H-690102", "form": {}, "materials": []},
    )
    refused(r, 404, "item_not_found")


def test_uploads_enforce_type_and_size(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    r = client.post("/api/v1/files", headers=citizen, files={"file": ("a.exe", b"MZ\x90\x00", "application/pdf")})
    assert r.status_code == 422 and r.json()["code"] == "upload_rejected"
    big = b"%PDF-" + b"0" * (env.settings.upload_max_bytes + 1)
    r = client.post("/api/v1/files", headers=citizen, files={"file": ("big.pdf", big, "application/pdf")})
    refused(r, 413, "upload_too_large")
    r = client.post("/api/v1/files", headers=citizen, files={"file": ("ok.pdf", b"%PDF-1.4 hi", "application/pdf")})
    assert r.status_code == 201
    import hashlib

    assert r.json()["sha256"] == hashlib.sha256(b"%PDF-1.4 hi").hexdigest()
    refused(
        client.post("/api/v1/files", files={"file": ("ok.pdf", b"%PDF-1.4", "application/pdf")}), 401, "unauthorized"
    )


def test_staff_reading_the_form_is_audited(client: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    own = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()
    assert own["form"]["company_name"] == "云澜示例科技有限公司" and own["applicant"] == "李*"
    staff_view = client.get(f"/api/v1/cases/{case_no}", headers=auth(client, "clerk1")).json()
    assert staff_view["form"]["legal_rep_id"] == "690102199003071232"
    audit = client.get("/api/v1/audit/events?action=personal_data.read", headers=auth(client, "auditor1")).json()
    assert any(e["target_id"] == case_no and e["actor_id"] == "clerk1" for e in audit)


def test_counter_submission_by_a_clerk_is_onsite(client: Any, env: Any) -> None:
    from smarthall.core.subjects import resolve_subject
    from tests.cases.helpers import generic_form

    clerk = auth(client, "clerk1")
    form = {**generic_form(), "legal_rep_name": "李明", "legal_rep_id": "690102199003071232", "phone": "13800138000"}
    materials = [{"material_code": c, "file_id": upload(client, clerk)} for c in ("SC-001-M02", "SC-001-M04")]
    r = client.post(
        "/api/v1/cases",
        headers=clerk,
        json={
            "item_code": "SC-001",
            "hall_code": "H-690102",
            "form": form,
            "materials": materials,
            "applicant_id_number": "690102199003071232",
        },
    )
    assert r.status_code == 201, r.text
    case_no = r.json()["case_no"]
    assert client.get(f"/api/v1/cases/{case_no}", headers=li_ming(client)).json()["channel"] == "onsite"
    with env.db.unit_of_work() as session:
        subject = resolve_subject(session, "case", case_no)
        assert subject is not None and subject.channel == "onsite"
    add_staff(env, username="clerk_far", role="clerk", hall_code="H-690100")
    r = client.post(
        "/api/v1/cases",
        headers=auth(client, "clerk_far"),
        json={
            "item_code": "SC-001",
            "hall_code": "H-690102",
            "form": form,
            "materials": [],
            "applicant_id_number": "690102199003071232",
        },
    )
    refused(r, 403, "out_of_scope")


def test_tolerated_gaps_are_supplied_later_by_the_applicant(client: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen, with_materials=False)["case_no"]
    r = act(
        client,
        auth(client, "clerk1"),
        case_no,
        "accept_tolerated",
        note="容缺",
        tolerated_until="2026-12-10",
        missing=[
            {"material_code": "SC-001-M02", "reason": "章程后补"},
            {"material_code": "SC-001-M04", "reason": "任职文件后补"},
        ],
    )
    assert r.status_code == 200
    refused(act(client, citizen, case_no, "supply"), 422, "case_action_invalid")
    r = act(
        client,
        citizen,
        case_no,
        "supply",
        materials=[{"material_code": "SC-001-M02", "file_id": upload(client, citizen)}],
    )
    assert r.status_code == 200 and r.json()["status"] == "review"
    assert [m["material_code"] for m in r.json()["missing"]] == ["SC-001-M04"]
    r = act(
        client,
        citizen,
        case_no,
        "supply",
        materials=[{"material_code": "SC-001-M04", "file_id": upload(client, citizen)}],
    )
    assert r.json()["missing"] == [] and r.json()["tolerated_until"] is None


def test_expired_licence_is_a_precheck_finding_and_blocks_instant_approval(client: Any, env: Any) -> None:
    from datetime import date

    from sqlalchemy import select

    from smarthall.licences.models import Licence

    citizen = li_ming(client)
    wallet = client.get("/api/v1/me/licences", headers=citizen).json()
    licence_id = next(lic["licence_id"] for lic in wallet if lic["type"] == "营业执照")
    form = {
        f["name"]: f["value"]
        for f in client.get("/api/v1/items/SC-003/form", headers=citizen).json()["fields"]
        if f["value"] is not None
    }
    with env.db.unit_of_work() as session:
        session.execute(select(Licence).where(Licence.id == licence_id)).scalar_one().valid_until = date(2025, 1, 1)
    form["cancel_reason"] = "停止经营"
    r = client.post(
        "/api/v1/cases",
        headers=citizen,
        json={
            "item_code": "SC-003",
            "hall_code": "H-690102",
            "form": form,
            "materials": [{"material_code": "SC-003-M02", "licence_id": licence_id}],
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["instant"]["approved"] is False
    assert "licence_expired" in {f["code"] for f in body["precheck"]["findings"]}


def test_tolerated_deadline_passing_is_flagged_once(client: Any, env: Any) -> None:
    from smarthall.cases import tasks as case_tasks

    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen, with_materials=False)["case_no"]
    r = act(
        client,
        auth(client, "clerk1"),
        case_no,
        "accept_tolerated",
        note="容缺",
        tolerated_until="2026-12-02",
        missing=[{"material_code": "SC-001-M02", "reason": "章程后补"}],
    )
    assert r.status_code == 200
    assert case_tasks.run_warnings()["tolerated_overdue"] == 0
    env.clock.advance(days=3)
    assert case_tasks.run_warnings()["tolerated_overdue"] == 1
    assert case_tasks.run_warnings()["tolerated_overdue"] == 0
    clerk = auth(client, "clerk1")
    assert any(
        "容缺" in m["body_zh"] and case_no in m["body_zh"]
        for m in client.get("/api/v1/me/messages", headers=clerk).json()
    )
    timeline = client.get(f"/api/v1/cases/{case_no}", headers=clerk).json()["timeline"]
    assert [e["action"] for e in timeline].count("tolerated_overdue") == 1


def _pickup_authorization(client: Any, applicant: dict[str, str], agent_id: int, *, hall: str, confirm: bool) -> int:
    body = {
        "agent_citizen_id": agent_id,
        "hall_code": hall,
        "item_codes": ["SC-001"],
        "scope": ["collect_result"],
        "valid_from": DEFAULT_NOW.isoformat(),
        "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat(),
    }
    r = client.post("/api/v1/proxy-authorizations", json=body, headers=applicant)
    assert r.status_code == 201, r.text
    pid = int(r.json()["id"])
    if confirm:
        r = client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": "confirm"}, headers=applicant)
        assert r.status_code == 200, r.text
    return pid


def test_window_pickup_by_a_proxy_needs_a_confirmed_authorization_of_this_hall(client: Any) -> None:
    citizen = li_ming(client)
    clerk, approver = auth(client, "clerk1"), auth(client, "approver1")
    case_no = submit_sc001(client, citizen)["case_no"]
    act(client, clerk, case_no, "accept")
    act(client, approver, case_no, "approve")
    agent, agent_headers = register_citizen(client)
    agent_id = int(client.get("/api/v1/me", headers=agent_headers).json()["id"])
    pickup = {"mode": "window", "proxy_name": agent["name"], "proxy_id_number": agent["id_number"]}
    refused(act(client, clerk, case_no, "deliver", delivery=pickup), 422, "case_action_invalid")
    # any uploaded "letter" is no authorization
    letter = upload(client, clerk)
    refused(act(client, clerk, case_no, "deliver", delivery={**pickup, "authorization_file_id": letter}), 422,
            "case_action_invalid")  # fmt: skip

    def reasons(pid: int, **extra: Any) -> str:
        r = act(client, clerk, case_no, "deliver", delivery={**pickup, "proxy_authorization_id": pid, **extra})
        refused(r, 422, "case_action_invalid")
        faults = r.json()["detail"]["faults"]
        assert [f["code"] for f in faults] == ["proxy_not_authorized"], faults
        return str(faults[0]["message_en"])

    pending = _pickup_authorization(client, citizen, agent_id, hall=HALL, confirm=False)
    assert "status_pending_confirmation" in reasons(pending)
    elsewhere = _pickup_authorization(client, citizen, agent_id, hall="H-690123", confirm=True)
    assert "other_hall" in reasons(elsewhere)
    good = _pickup_authorization(client, citizen, agent_id, hall=HALL, confirm=True)
    assert "agent_identity_mismatch" in reasons(good, proxy_id_number=make_id_number(date(1970, 5, 5)))
    _, stranger = register_citizen(client)
    theirs = _pickup_authorization(client, stranger, agent_id, hall=HALL, confirm=True)
    assert "no_authorization" in reasons(theirs)  # an authorization of someone else than the applicant
    r = act(client, clerk, case_no, "deliver", delivery={**pickup, "proxy_authorization_id": good})
    assert r.status_code == 200 and r.json()["delivery"]["collector"] == "proxy"
    assert r.json()["delivery"]["proxy_name_masked"] == "王*明"  # 王小明, masked


def test_a_business_licence_from_sc001_lands_in_the_wallet_and_prefills_later_forms(client: Any) -> None:
    from smarthall.core.validators import check_uscc

    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    act(client, auth(client, "clerk1"), case_no, "accept")
    assert act(client, auth(client, "approver1"), case_no, "approve").status_code == 200
    licence = next(
        lic for lic in client.get("/api/v1/me/licences", headers=citizen).json() if lic["case_no"] == case_no
    )
    assert licence["type"] == "营业执照" and licence["fields"]["name"] == "云澜示例科技有限公司"
    assert check_uscc(licence["fields"]["uscc"]) is None
    fields = {f["name"]: f for f in client.get("/api/v1/items/SC-004/form", headers=citizen).json()["fields"]}
    assert (
        fields["entity_name"]["value"] == "云澜示例科技有限公司" and fields["entity_name"]["value_source"] == "licence"
    )
    assert fields["uscc"]["value"] == licence["fields"]["uscc"]
