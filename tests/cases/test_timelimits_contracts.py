"""Time limits through the API (National Day), the warnings job, prefill, rule replay and the cross-domain
contracts (served subject, archival input)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from smarthall.cases import tasks as case_tasks
from smarthall.core.clock import SHANGHAI
from smarthall.core.subjects import archival_input, resolve_subject
from tests.cases.helpers import act, li_ming, refused, sc003, submit_sc001
from tests.conftest import auth


def test_case_submitted_just_before_national_day_is_due_after_it(client: Any, env: Any) -> None:
    env.clock.set(datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI))
    created = submit_sc001(client, li_ming(client))
    assert date.fromisoformat(created["promised_due_date"]) > date(2026, 10, 7)
    assert date.fromisoformat(created["legal_due_date"]) > date.fromisoformat(created["promised_due_date"])


def test_warning_job_is_a_registered_periodic_task(env: Any) -> None:
    from smarthall.core.tasks import huey

    wrapper = env.app.state.registry.tasks[case_tasks.run_warnings]
    assert any("run_warnings" in name for name in huey._registry._registry)
    assert wrapper.task_class().validate_datetime(datetime(2026, 11, 30, 9, 30))  # every 30 min
    assert not wrapper.task_class().validate_datetime(datetime(2026, 11, 30, 9, 40))


def test_warning_job_raises_yellow_then_red_once_and_notifies_staff(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]  # SC-001: promised 1 working day
    act(client, auth(client, "clerk1"), case_no, "accept")
    first = case_tasks.run_warnings()
    assert first["yellow"] >= 1
    assert case_tasks.run_warnings()["yellow"] == 0  # no repeat for the same level
    env.clock.advance(days=3)
    assert case_tasks.run_warnings()["red"] >= 1
    approver = auth(client, "approver1")
    body = client.get(f"/api/v1/cases/{case_no}", headers=approver).json()
    assert body["warning_level"] == "red"
    messages = client.get("/api/v1/me/messages", headers=approver).json()
    assert any(case_no in m["body_zh"] and "红色" in m["body_zh"] for m in messages)
    page = client.get("/staff/cases", headers=approver)
    assert page.status_code == 200 and f'data-warning="red" data-case="{case_no}"' in page.text


def test_form_prefills_from_profile_wallet_and_sharing_with_audit(client: Any) -> None:
    headers = li_ming(client)
    fields = {f["name"]: f for f in client.get("/api/v1/items/SC-003/form", headers=headers).json()["fields"]}
    assert fields["operator_name"]["value"] == "李明" and fields["operator_name"]["value_source"] == "profile"
    assert fields["uscc"]["value_source"] == "licence" and len(fields["uscc"]["value"]) == 18
    assert fields["tax_clearance"]["value"] == "已清税" and fields["tax_clearance"]["value_source"] == "share"
    audit = client.get("/api/v1/audit/events?action=share.lookup", headers=auth(client, "auditor1"))
    assert audit.status_code == 200
    lookups = {e["target_id"] for e in audit.json()}
    assert {"税务.clearance_status", "市场监管.abnormal_listed", "市场监管.pending_case"} <= lookups
    assert "690102199003071232" not in audit.text


def test_rules_replay_against_past_cases(client: Any) -> None:
    headers = li_ming(client)
    sc003(client, headers)
    sc003(client, headers, tax_clearance="未清税")
    r = client.post("/api/v1/items/SC-003/rules/replay", headers=auth(client, "hallmanager1"))
    assert r.status_code == 200, r.text
    rows = r.json()
    assert len(rows) == 2 and all(row["changed"] is False for row in rows)
    refused(client.post("/api/v1/items/SC-003/rules/replay", headers=auth(client, "clerk1")), 403, "forbidden_role")


def test_subject_resolver_and_archival_input(client: Any, env: Any) -> None:
    headers = li_ming(client)
    case_no = sc003(client, headers)["case_no"]
    pending = submit_sc001(client, headers)["case_no"]
    with env.db.unit_of_work() as session:
        subject = resolve_subject(session, "case", case_no)
        assert subject is not None
        assert subject.channel == "online" and subject.item_code == "SC-003" and subject.finished_at is not None
        assert subject.department_code == "SC" and subject.citizen_id is not None
        open_subject = resolve_subject(session, "case", pending)
        assert open_subject is not None and open_subject.finished_at is None
        assert resolve_subject(session, "case", "NOPE") is None
        archive = archival_input(session, case_no)
        assert archive is not None
        assert archive.applicant_name == "李明" and archive.final_status == "delivered"
        assert archive.form["cancel_reason"] == "停止经营"
        result = next(f for f in archive.files if f.role == "result")
        assert result.signed_fields and result.signature and result.path.exists()
        assert [e["action"] for e in archive.events][:2] == ["submit", "instant_check"]
        assert archival_input(session, pending) is None


def test_pages_render_for_each_role(client: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    assert client.get("/cases/new?hall_code=H-690102", headers=citizen).status_code == 200
    page = client.get("/cases/new?item_code=SC-003&hall_code=H-690102", headers=citizen)
    assert page.status_code == 200 and "已清税" in page.text
    assert client.get(f"/cases/{case_no}", headers=citizen).status_code == 200
    assert client.get("/cases", headers=citizen).status_code == 200
    assert client.get("/staff/cases", headers=auth(client, "clerk1")).status_code == 200
    denied = client.get("/staff/cases", headers=citizen)
    assert denied.status_code == 403 and "您的角色无权访问此页面" in denied.text
    assert client.get("/staff/cases", follow_redirects=False).status_code == 303
    assert client.get("/cases/new", follow_redirects=False).status_code == 303
    clerk_page = client.get("/cases/new", headers=auth(client, "clerk1"))
    assert clerk_page.status_code == 403 and "仅群众本人可在线申报" in clerk_page.text


def test_drafts_are_saved_prefill_the_form_and_go_with_submission(client: Any) -> None:
    headers = li_ming(client)
    r = client.put(
        "/api/v1/drafts/SC-001",
        headers=headers,
        json={"hall_code": "H-690102", "form": {"company_name": "草稿公司", "registered_capital": "5"}},
    )
    assert r.status_code == 200, r.text
    refused(client.put("/api/v1/drafts/SC-001", headers=headers, json={"form": {"nope": 1}}), 422, "case_invalid")
    refused(
        client.put("/api/v1/drafts/SC-001", headers=auth(client, "clerk1"), json={"form": {}}), 403, "forbidden_role"
    )
    fields = {f["name"]: f for f in client.get("/api/v1/items/SC-001/form", headers=headers).json()["fields"]}
    assert fields["company_name"]["value"] == "草稿公司" and fields["company_name"]["value_source"] == "draft"
    assert fields["legal_rep_name"]["value_source"] == "profile"
    assert client.get("/api/v1/drafts/SC-001", headers=headers).json()["form"]["registered_capital"] == "5"
    submit_sc001(client, headers)
    refused(client.get("/api/v1/drafts/SC-001", headers=headers), 404, "draft_not_found")


def test_acceptance_step_limit_is_flagged_once_when_overdue(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    body = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()
    assert body["step_due_date"] == "2026-12-07"  # five working days after Monday 2026-11-30
    env.clock.advance(days=7)
    assert case_tasks.run_warnings()["step_overdue"] == 0  # due today: not yet late
    env.clock.advance(days=1)
    assert case_tasks.run_warnings()["step_overdue"] == 1
    assert case_tasks.run_warnings()["step_overdue"] == 0
    clerk = auth(client, "clerk1")
    assert any(
        case_no in m["body_zh"] and "环节" in m["body_zh"]
        for m in client.get("/api/v1/me/messages", headers=clerk).json()
    )
    act(client, clerk, case_no, "accept")
    assert client.get(f"/api/v1/cases/{case_no}", headers=clerk).json()["step_due_date"] is None
