"""Per-item workflow steps (issue 15 item 4): the catalog declares each item's steps (role, department, time limit,
paused clock), versioned with the item; cases follow them — current step, per-step deadline on the working-day
calendar with pauses, cross-department steps on both departments' work lists, refusals by step, department, hall."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from smarthall.cases import steps as on_steps
from smarthall.catalog import importer
from smarthall.catalog import steps as catalog_steps
from smarthall.catalog.errors import CatalogInvalid
from smarthall.core.clock import SHANGHAI
from smarthall.core.workdays import WorkCalendar
from smarthall.demo import demo_catalog_text
from tests.cases.helpers import HALL, act, add_staff, li_ming, refused, submit_sc001
from tests.conftest import auth
from tests.factories import assert_problem

# SC-001 (企业设立登记, 市场监管) reworked as a two-department item with time limits on its steps.
TWO_DEPARTMENTS = [
    {"code": "accept", "name": "受理", "name_en": "Acceptance", "stage": "submitted", "role": "clerk",
     "limit_workdays": 1},
    {"code": "supplement", "name": "补正材料", "name_en": "Supplements", "stage": "supplement", "role": "applicant",
     "clock_paused": True},
    {"code": "review_sc", "name": "登记审查", "name_en": "Registration review", "stage": "review", "role": "approver",
     "department_code": "SC", "limit_workdays": 2},
    {"code": "review_wj", "name": "卫生审查", "name_en": "Health review", "stage": "review", "role": "approver",
     "department_code": "WJ", "limit_workdays": 3},
    {"code": "notice", "name": "公示", "name_en": "Public notice", "stage": "suspended", "role": "approver",
     "clock_paused": True},
    {"code": "deliver", "name": "送达", "name_en": "Delivery", "stage": "approved", "role": "clerk"},
]  # fmt: skip


def _catalog() -> dict[str, Any]:
    return json.loads(demo_catalog_text())


def _item(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["code"] == code)


def _with_steps(code: str, workflow: list[dict[str, Any]]) -> dict[str, Any]:
    data = _catalog()
    _item(data, code)["workflow"] = workflow
    return data


def _faults(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CatalogInvalid) as exc:
        importer.parse_catalog(json.dumps(data, ensure_ascii=False))
    return {f["path"]: f["message"] for f in exc.value.detail}


def _import(env: Any, data: dict[str, Any]) -> None:
    with env.db.unit_of_work() as session:
        importer.import_catalog(session, json.dumps(data, ensure_ascii=False))


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _position(data: dict[str, Any], code: str) -> int:
    return next(i for i, item in enumerate(data["items"]) if item["code"] == code)


# --- the format ---------------------------------------------------------------------------------------------------


def test_bad_steps_are_refused_with_their_paths() -> None:
    bad = [dict(s) for s in TWO_DEPARTMENTS]
    bad[0]["role"] = "boss"
    bad[3]["department_code"] = "XX"
    bad[4]["code"] = "accept"
    data = _with_steps("SC-001", bad)
    at = f"items[{_position(data, 'SC-001')}].workflow"
    faults = _faults(data)
    assert faults[f"{at}[0].role"] == "unknown role 'boss'"
    assert faults[f"{at}[3].department_code"] == "unknown department 'XX'"
    assert faults[f"{at}[4].code"] == "duplicate step code 'accept'"


def test_a_step_role_must_fit_its_stage_and_the_workflow_must_be_whole() -> None:
    wrong = [dict(s) for s in TWO_DEPARTMENTS if s["stage"] != "approved"]
    wrong[2]["role"] = "clerk"  # a review step worked by a clerk
    data = _with_steps("SC-001", wrong)
    at = f"items[{_position(data, 'SC-001')}].workflow"
    faults = _faults(data)
    assert faults[f"{at}[2].role"] == "a review step is worked by the approver, not the clerk"
    assert faults[at] == "the workflow needs a approved step"


def test_the_review_steps_and_a_joint_review_must_agree() -> None:
    data = _with_steps("SC-004", [s for s in _item(_catalog(), "SC-004")["workflow"] if s["code"] != "review_wj"])
    assert any("departments of the review steps" in m for m in _faults(data).values())


def test_the_import_api_refuses_bad_steps_naming_the_path(client: Any) -> None:
    bad = [dict(s) for s in TWO_DEPARTMENTS]
    bad[1]["role"] = "wizard"
    data = _with_steps("SC-001", bad)
    body = json.dumps(data, ensure_ascii=False).encode()
    problem = assert_problem(
        client.post("/api/v1/catalog/import", content=body, headers=auth(client, "admin1")), 422, "catalog_invalid"
    )
    wanted = f"items[{_position(data, 'SC-001')}].workflow[1].role"
    assert [f for f in problem["detail"] if f["path"] == wanted and f["line"]], problem["detail"]


def test_the_demo_joint_items_state_todays_behaviour_as_steps() -> None:
    """The steps the demo catalog writes for its joint reviews are the default an item without steps gets."""
    for item in _catalog()["items"]:
        if not item.get("workflow"):
            continue
        declared = catalog_steps.effective_steps(item["workflow"], item["department_code"])
        default = catalog_steps.default_steps(item["department_code"], item["joint_review"])

        def shape(steps: list[dict[str, Any]], department: str) -> list[tuple[Any, ...]]:
            return [
                (s["stage"], s["role"], catalog_steps.department_of(s, department), s["limit_workdays"],
                 s["clock_paused"])
                for s in steps
            ]  # fmt: skip

        assert shape(declared, item["department_code"]) == shape(default, item["department_code"])


def test_an_item_without_steps_gets_the_default_machine() -> None:
    old = _catalog()
    for item in old["items"]:
        item.pop("workflow", None)
    parsed = {i.code: i for i in importer.parse_catalog(json.dumps(old, ensure_ascii=False)).items}
    assert parsed["GA-001"].workflow == []
    steps = catalog_steps.effective_steps([], "GA")
    assert [(s["code"], s["role"]) for s in steps] == [
        ("accept", "clerk"), ("supplement", "applicant"), ("review", "approver"), ("suspended", "approver"),
        ("deliver", "clerk"),
    ]  # fmt: skip
    assert catalog_steps.paused_stages(steps) == {"supplement", "suspended"}
    assert catalog_steps.review_departments(catalog_steps.effective_steps([], "SC", ["SC", "WJ"]), "SC") == (
        "SC",
        "WJ",
    )


# --- the step clock (pure) ------------------------------------------------------------------------------------------


def test_a_step_deadline_skips_days_off_and_the_paused_days() -> None:
    holiday = WorkCalendar({date(2026, 12, 3): False})  # the hall's day off: Thursday
    review = catalog_steps.effective_steps(TWO_DEPARTMENTS, "SC")[2]  # 2 working days
    paused = catalog_steps.paused_stages(TWO_DEPARTMENTS)
    moves = [
        on_steps.Move(date(2026, 11, 30), None, "submitted"),
        on_steps.Move(date(2026, 12, 1), "submitted", "review"),
    ]
    assert on_steps.due(holiday, moves, review, paused) == date(2026, 12, 4)  # Wed 2, (Thu off), Fri 4
    moves += [
        on_steps.Move(date(2026, 12, 2), "review", "suspended"),
        on_steps.Move(date(2026, 12, 8), "suspended", "review"),  # paused Thu(off) Fri Mon Tue: 3 working days
    ]
    assert on_steps.due(holiday, moves, review, paused) == date(2026, 12, 9)
    accept = catalog_steps.effective_steps(TWO_DEPARTMENTS, "SC")[0]
    after_supplements = [
        on_steps.Move(date(2026, 11, 30), None, "submitted"),
        on_steps.Move(date(2026, 11, 30), "submitted", "supplement"),
        on_steps.Move(date(2026, 12, 4), "supplement", "submitted"),
    ]
    assert on_steps.due(holiday, after_supplements, accept, paused) == date(2026, 12, 7)  # acceptance starts again


# --- through the API --------------------------------------------------------------------------------------------


def _steps(body: dict[str, Any]) -> dict[str, str]:
    return {s["code"]: s["state"] for s in body["steps"]}


def _current(body: dict[str, Any]) -> dict[str, str | None]:
    return {s["code"]: s["due_date"] for s in body["current_steps"]}


def _listed(client: Any, headers: dict[str, str], case_no: str) -> dict[str, Any] | None:
    rows = client.get("/api/v1/cases", headers=headers).json()
    return next((r for r in rows if r["case_no"] == case_no), None)


def test_a_two_department_item_from_submission_to_delivery(client: Any, env: Any) -> None:
    _import(env, _with_steps("SC-001", TWO_DEPARTMENTS))
    add_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
    citizen, clerk = li_ming(client), auth(client, "clerk1")
    sc, wj = auth(client, "approver1"), auth(client, "approver_wj")
    case_no = submit_sc001(client, citizen)["case_no"]
    body = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()
    assert _current(body) == {"accept": "2026-12-01"}  # Monday's case: one working day for acceptance
    assert _steps(body)["review_wj"] == "waiting" and _steps(body)["notice"] == "not_needed"
    assert body["step_due_date"] == "2026-12-01"

    assert act(client, clerk, case_no, "accept").status_code == 200
    body = client.get(f"/api/v1/cases/{case_no}", headers=sc).json()
    assert _current(body) == {"review_sc": "2026-12-02", "review_wj": "2026-12-03"}
    assert body["joint_review"] == ["SC", "WJ"] and _steps(body)["accept"] == "done"
    for headers, department in ((sc, "SC"), (wj, "WJ")):  # on both departments' work lists, with the deadlines
        row = _listed(client, headers, case_no)
        assert row is not None and {s["department_code"] for s in row["current_steps"]} == {"SC", "WJ"}, department
    assert _listed(client, auth(client, "approver2"), case_no) is None  # 民政: no step of its own

    env.clock.set(_at(date(2026, 12, 2)))  # Wednesday: the public notice pauses the clock
    sc = auth(client, "approver1")  # a new day, a new login
    assert act(client, sc, case_no, "suspend", note="公示七日").status_code == 200
    body = client.get(f"/api/v1/cases/{case_no}", headers=sc).json()
    assert body["clock_stopped"] is True and body["warning_level"] == "none" and _current(body) == {"notice": None}
    env.clock.set(_at(date(2026, 12, 7)))  # the next Monday: Thu, Fri, Mon paused — 3 working days
    clerk, sc, wj = auth(client, "clerk1"), auth(client, "approver1"), auth(client, "approver_wj")
    assert act(client, sc, case_no, "resume").status_code == 200
    body = client.get(f"/api/v1/cases/{case_no}", headers=wj).json()
    assert _current(body) == {"review_sc": "2026-12-07", "review_wj": "2026-12-08"}
    assert body["stopped_workdays"] == 3

    r = act(client, wj, case_no, "approve")
    assert r.status_code == 200 and r.json()["status"] == "review"
    assert _current(r.json()) == {"review_sc": "2026-12-07"} and _steps(r.json())["review_wj"] == "done"
    refused(act(client, wj, case_no, "approve"), 409, "case_state_conflict")  # the same department twice
    r = act(client, sc, case_no, "approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert list(_current(r.json())) == ["deliver"]
    r = act(client, clerk, case_no, "deliver", delivery={"mode": "electronic"})
    assert r.status_code == 200 and r.json()["status"] == "delivered"
    assert _steps(r.json()) == {
        "accept": "done", "supplement": "not_needed", "review_sc": "done", "review_wj": "done", "notice": "done",
        "deliver": "done",
    }  # fmt: skip


def test_the_case_page_and_the_work_list_show_the_steps(client: Any, env: Any) -> None:
    _import(env, _with_steps("SC-001", TWO_DEPARTMENTS))
    add_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
    case_no = submit_sc001(client, li_ming(client))["case_no"]
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    wj = auth(client, "approver_wj")
    page = client.get(f"/cases/{case_no}", headers=wj)
    assert page.status_code == 200
    assert all(words in page.text for words in ("办理环节", "卫生审查", "卫生健康局", "2026-12-03"))
    listing = client.get("/staff/cases", headers=wj)
    assert listing.status_code == 200 and case_no in listing.text
    assert "卫生审查" in listing.text and "2026-12-03" in listing.text and "登记审查" not in listing.text


def test_actions_outside_the_current_step_are_refused(client: Any, env: Any) -> None:
    _import(env, _with_steps("SC-001", TWO_DEPARTMENTS))
    add_staff(env, username="approver_far", role="approver", hall_code="H-690123", department_code="SC")
    add_staff(env, username="clerk_far", role="clerk", hall_code="H-690123")
    case_no = submit_sc001(client, li_ming(client))["case_no"]
    r = act(client, auth(client, "approver1"), case_no, "accept")  # the acceptance step is the clerk's
    refused(r, 403, "case_action_forbidden")
    assert r.json()["detail"]["step"] == "accept"
    refused(act(client, auth(client, "clerk_far"), case_no, "accept"), 403, "out_of_scope")  # another hall
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    refused(act(client, auth(client, "clerk1"), case_no, "approve"), 403, "case_action_forbidden")  # approvers'
    refused(act(client, auth(client, "approver2"), case_no, "approve"), 403, "out_of_department")  # 民政: no step
    far = auth(client, "approver_far")
    refused(act(client, far, case_no, "approve"), 403, "out_of_scope")
    refused(client.get(f"/api/v1/cases/{case_no}", headers=far), 403, "out_of_scope")
    assert _listed(client, far, case_no) is None


def test_an_action_into_a_step_the_item_does_not_have_is_refused(client: Any, env: Any) -> None:
    _import(env, _with_steps("SC-001", [s for s in TWO_DEPARTMENTS if s["stage"] != "suspended"]))
    case_no = submit_sc001(client, li_ming(client))["case_no"]
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    r = act(client, auth(client, "approver1"), case_no, "suspend", note="现场核查")
    assert_problem(r, 409, "step_not_in_workflow")


def test_a_case_keeps_the_steps_of_the_version_it_was_filed_under(client: Any, env: Any) -> None:
    _import(env, _with_steps("SC-001", TWO_DEPARTMENTS))
    add_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
    case_no = submit_sc001(client, li_ming(client))["case_no"]
    _import(env, _catalog())  # the item goes back to one department (a new version)
    later = submit_sc001(client, li_ming(client))["case_no"]
    sc = auth(client, "approver1")
    first = client.get(f"/api/v1/cases/{case_no}", headers=sc).json()
    second = client.get(f"/api/v1/cases/{later}", headers=sc).json()
    assert second["item_version"] > first["item_version"]
    assert "review_wj" in _steps(first) and "review_wj" not in _steps(second)
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    r = act(client, sc, case_no, "approve")
    assert r.status_code == 200 and r.json()["status"] == "review"  # the health department's part is still open
    assert act(client, auth(client, "approver_wj"), case_no, "approve").json()["status"] == "approved"


def test_the_item_detail_lists_its_steps(client: Any) -> None:
    joint = client.get("/api/v1/items/SC-004").json()["workflow"]
    assert [(s["code"], s["department_code"]) for s in joint if s["stage"] == "review"] == [
        ("review_sc", "SC"),
        ("review_wj", "WJ"),
    ]
    plain = client.get("/api/v1/items/GA-001").json()["workflow"]
    assert [s["code"] for s in plain] == ["accept", "supplement", "review", "suspended", "deliver"]
