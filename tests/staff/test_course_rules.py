"""Competence rules through the HTTP API (8.3): a course required before a role refuses the role until the person
has passed it; courses assigned by the hall manager to a person, a role or a department, due by a day, with each
person's state (passed, pending, overdue) — overdue ones shown on supervision — and the refusals of bad input."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem, make_staff
from tests.staff.helpers import HALL, OTHER_HALL


def _course(client: Any, code: str, **extra: Any) -> int:
    body = {
        "code": code,
        "title": f"课程{code}",
        "questions": [{"text": "首问负责制是指?", "options": ["谁首问谁负责", "谁有空谁负责"], "answer": 0}],
        "pass_percent": 100,
        **extra,
    }
    created = client.post("/api/v1/staff-courses", json=body, headers=auth(client, "hallmanager1"))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _codes(client: Any) -> dict[str, str]:
    staff = client.get("/api/v1/staff?limit=500", headers=auth(client, "admin1")).json()
    return {s["username"]: s["code"] for s in staff}


def _pass(client: Any, username: str, course_id: int) -> None:
    r = client.post(
        f"/api/v1/staff-courses/{course_id}/attempts", json={"answers": [0]}, headers=auth(client, username)
    )
    assert r.status_code == 201 and r.json()["passed"] is True, r.text


def test_a_course_required_before_a_role_refuses_the_role_until_passed(env, client):
    cid = _course(client, "APPROVE-1", required_for_role="approver")
    code = _codes(client)["clerk4"]  # a clerk of the SC department
    admin = auth(client, "admin1")
    promote = {"role": "approver", "department_code": "SC"}
    refused = assert_problem(client.patch(f"/api/v1/staff/{code}", json=promote, headers=admin), 409, "course_required")
    assert refused["detail"] == {"role": "approver", "courses": ["APPROVE-1"]}
    assert client.get(f"/api/v1/staff/{code}", headers=admin).json()["role"] == "clerk"

    # a failed attempt is not a pass
    failed = client.post(f"/api/v1/staff-courses/{cid}/attempts", json={"answers": [1]}, headers=auth(client, "clerk4"))
    assert failed.status_code == 201 and failed.json()["passed"] is False
    assert_problem(client.patch(f"/api/v1/staff/{code}", json=promote, headers=admin), 409, "course_required")

    _pass(client, "clerk4", cid)
    granted = client.patch(f"/api/v1/staff/{code}", json=promote, headers=admin)
    assert granted.status_code == 200 and granted.json()["role"] == "approver", granted.text
    # other changes than the role are not held up by the course
    other = _codes(client)["clerk5"]
    moved = client.patch(f"/api/v1/staff/{other}", json={"department_code": "SC"}, headers=admin)
    assert moved.status_code == 200, moved.text
    # a course of another role does not stand in the way
    assert client.patch(f"/api/v1/staff/{other}", json={"role": "guide"}, headers=admin).status_code == 200


def test_assignments_by_person_and_role_with_due_days_and_overdue_on_supervision(env, client):
    cid = _course(client, "SVC-1")
    manager = auth(client, "hallmanager1")
    codes = _codes(client)
    by_role = client.post(
        "/api/v1/staff-course-assignments",
        json={"course_id": cid, "role": "clerk", "due_on": "2026-11-30"},
        headers=manager,
    )
    assert by_role.status_code == 201, by_role.text
    to_guide = {"course_id": cid, "staff_code": codes["guide1"], "due_on": "2026-12-10"}
    assert client.post("/api/v1/staff-course-assignments", json=to_guide, headers=manager).status_code == 201

    listed = client.get("/api/v1/staff-course-assignments", params={"hall_code": HALL}, headers=manager).json()
    first, second = listed["assignments"]
    assert first["role"] == "clerk" and {p["state"] for p in first["people"]} == {"pending"}
    clerks = {p["staff_code"] for p in first["people"]}
    assert codes["clerk1"] in clerks and codes["guide1"] not in clerks and codes["approver1"] not in clerks
    assert [p["staff_code"] for p in second["people"]] == [codes["guide1"]]
    assert all("*" in p["name"] for p in first["people"])  # names masked in lists

    _pass(client, "clerk1", cid)
    env.clock.advance(days=2)
    manager = auth(client, "hallmanager1")
    listed = client.get("/api/v1/staff-course-assignments", headers=manager).json()["assignments"]
    states = {p["staff_code"]: (p["state"], p["days_overdue"]) for p in listed[0]["people"]}
    assert states[codes["clerk1"]] == ("passed", 0) and states[codes["clerk2"]] == ("overdue", 2)
    assert listed[0]["passed"] == 1 and listed[0]["overdue"] == len(states) - 1
    assert listed[1]["people"][0]["state"] == "pending"  # the guide's day has not come

    view = client.get("/api/v1/staff-supervision", params={"hall_code": HALL}, headers=manager).json()
    overdue = {o["staff_code"] for o in view["overdue_courses"]}
    assert codes["clerk2"] in overdue and codes["clerk1"] not in overdue and codes["guide1"] not in overdue
    page = client.get("/staff/supervision", headers=manager)
    assert page.status_code == 200 and "培训逾期" in page.text and "课程SVC-1" in page.text

    mine = client.get("/staff/me", headers=auth(client, "clerk2"))
    assert "分配给我的培训" in mine.text and "已逾期" in mine.text


def test_assignment_refusals(env, client):
    cid = _course(client, "SVC-2")
    manager = auth(client, "hallmanager1")

    def post(body: dict[str, Any], headers: dict[str, str] = manager) -> Any:
        return client.post("/api/v1/staff-course-assignments", json={"course_id": cid, **body}, headers=headers)

    assert_problem(post({"due_on": "2026-12-31"}), 422, "course_assignment_no_target")
    assert_problem(post({"role": "clerk", "due_on": "2026-11-29"}), 422, "course_assignment_bad_due")
    assert_problem(post({"role": "boss", "due_on": "2026-12-31"}), 422, "unknown_role")
    assert_problem(post({"department_code": "NOPE", "due_on": "2026-12-31"}), 422, "unknown_department")
    assert_problem(post({"staff_code": "H-NOBODY", "due_on": "2026-12-31"}), 404, "staff_not_found")
    assert_problem(post({"role": "clerk", "due_on": "2026-12-31"}, auth(client, "clerk1")), 403, "forbidden_role")
    assert_problem(
        client.post(
            "/api/v1/staff-course-assignments",
            json={"course_id": 999999, "role": "clerk", "due_on": "2026-12-31"},
            headers=manager,
        ),
        404,
        "course_not_found",
    )
    assert_problem(
        client.get("/api/v1/staff-course-assignments", headers=auth(client, "clerk1")), 403, "forbidden_role"
    )
    # another hall's manager sees neither the course nor the hall
    make_staff(env, username="othermanager", role="hall_manager", hall_code=OTHER_HALL)
    other = auth(client, "othermanager")
    assert_problem(post({"role": "clerk", "due_on": "2026-12-31"}, other), 404, "course_not_found")
    assert_problem(
        client.get("/api/v1/staff-course-assignments", params={"hall_code": HALL}, headers=other),
        403,
        "out_of_scope",
    )


def test_assignment_page_assigns_and_shows_progress(env, client):
    cid = _course(client, "SVC-3")
    manager = auth(client, "hallmanager1")
    empty = client.get("/staff/courses/assignments", headers=manager)
    assert empty.status_code == 200 and "尚未分配培训" in empty.text
    made = client.post(
        "/staff/courses/assignments",
        data={"course_id": str(cid), "role": "guide", "due_on": "2026-12-05"},
        headers=manager,
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page = client.get("/staff/courses/assignments", headers=manager)
    assert "课程SVC-3" in page.text and "导办员" in page.text and "待完成" in page.text
    bad = client.post(
        "/staff/courses/assignments", data={"course_id": str(cid), "due_on": "2026-12-05"}, headers=manager
    )
    assert bad.status_code == 422 and "请指定课程分配给谁" in bad.text
    refused = client.get("/staff/courses/assignments", headers=auth(client, "clerk1"))
    assert refused.status_code == 403 and "无权" in refused.text


def test_ids_beyond_a_database_id_are_refused_not_server_errors(client: Any, env: Any) -> None:
    """Course, card and alert ids in paths and bodies are bounded database ids (found by the contract checks: an id
    past 2**63-1 reached SQLite and failed with a 500)."""
    manager = auth(client, "hallmanager1")
    huge, largest = 2**63, 2**63 - 1
    assert_problem(client.get(f"/api/v1/staff-courses/{huge}", headers=manager), 422, "validation_error")
    assert_problem(client.get(f"/api/v1/staff-courses/{largest}", headers=manager), 404, "course_not_found")
    for path, body in (
        (f"/api/v1/staff-courses/{huge}/attempts", {"answers": [0]}),
        (f"/api/v1/staff-cards/{huge}/reply", {"text": "说明"}),
        (f"/api/v1/staff-cards/{huge}/decision", {"decision": "upheld"}),
        (f"/api/v1/staff-supervision/alerts/{huge}/ack", {"note": "已处理"}),
        ("/api/v1/staff-course-assignments", {"course_id": huge, "role": "clerk", "due_on": "2026-12-31"}),
    ):
        assert_problem(client.post(path, json=body, headers=manager), 422, "validation_error")
