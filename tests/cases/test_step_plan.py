"""A case keeps the step plan it was filed with (issue 15): the item version's steps with the hall's own roles and
time limits as they were at filing. A later change of the hall's step settings (the JSON API here, the settings
page elsewhere) or of the item's catalog workflow reaches new cases only; an in-flight step's due date does not
move."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from smarthall.catalog import importer
from smarthall.core.clock import SHANGHAI
from smarthall.demo import demo_catalog_text
from tests.cases.helpers import HALL, act, add_staff, li_ming, submit_sc001
from tests.conftest import auth
from tests.factories import assert_problem

STEPS = f"/api/v1/halls/{HALL}/items/SC-001/override/steps"


def _set(client: Any, version: int, **limits: int | None) -> Any:
    body = {"version": version, "steps": {code: {"limit_workdays": days} for code, days in limits.items()}}
    return client.put(STEPS, json=body, headers=auth(client, "hallmanager1"))


def _case(client: Any, case_no: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case_no}", headers=auth(client, "approver1"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _due(body: dict[str, Any]) -> dict[str, str | None]:
    return {s["code"]: s["due_date"] for s in body["current_steps"]}


def _limits(body: dict[str, Any]) -> dict[str, int | None]:
    return {s["code"]: s["limit_workdays"] for s in body["steps"]}


def _import_two_departments(env: Any) -> None:
    data = json.loads(demo_catalog_text())
    item = next(i for i in data["items"] if i["code"] == "SC-001")
    item["workflow"] = [
        {"code": "accept", "name": "受理", "name_en": "Acceptance", "stage": "submitted"},
        {"code": "review_sc", "name": "登记审查", "name_en": "Registration review", "stage": "review",
         "department_code": "SC", "limit_workdays": 2},
        {"code": "review_wj", "name": "卫生审查", "name_en": "Health review", "stage": "review",
         "department_code": "WJ", "limit_workdays": 2},
        {"code": "deliver", "name": "送达", "name_en": "Delivery", "stage": "approved"},
    ]  # fmt: skip
    with env.db.unit_of_work() as session:
        importer.import_catalog(session, json.dumps(data, ensure_ascii=False))


def test_the_step_settings_api_reads_and_sets_the_halls_own_limits(client: Any) -> None:
    read = client.get(STEPS, headers=auth(client, "clerk1"))
    assert read.status_code == 200, read.text
    assert read.json()["version"] == 0
    assert [s["code"] for s in read.json()["steps"]] == ["accept", "supplement", "review", "suspended", "deliver"]
    done = _set(client, 0, review=2)
    assert done.status_code == 200, done.text
    review = next(s for s in done.json()["steps"] if s["code"] == "review")
    assert done.json()["version"] == 1 and review["limit_workdays"] == 2 and review["own"] is True
    assert review["catalog_limit"] is None and review["catalog_role"] == "approver"


def test_bad_step_settings_through_the_api_are_refused_whole(client: Any) -> None:
    manager = auth(client, "hallmanager1")
    wrong_role = {"version": 0, "steps": {"accept": {"role": "approver"}, "review": {"limit_workdays": 99}}}
    body = assert_problem(client.put(STEPS, json=wrong_role, headers=manager), 422, "override_invalid")
    assert {(f["code"], f["step"]) for f in body["detail"]} == {
        ("step_role_mismatch", "accept"),
        ("step_above_legal_limit", "review"),
    }
    assert_problem(_set(client, 0, nosuch=1), 422, "override_invalid")
    assert_problem(_set(client, 5, review=2), 409, "override_version_conflict")
    clerk = client.put(STEPS, json={"steps": {"review": {"limit_workdays": 2}}}, headers=auth(client, "clerk1"))
    assert_problem(clerk, 403, "forbidden_role")
    assert client.get(STEPS, headers=auth(client, "hallmanager1")).json()["version"] == 0  # nothing written


def test_a_filed_case_keeps_its_halls_step_limits_and_a_new_case_gets_the_new_ones(client: Any, env: Any) -> None:
    assert _set(client, 0, accept=2, review=3).status_code == 200  # SC-001: legal limit 3 working days
    old = submit_sc001(client, li_ming(client))["case_no"]
    assert _due(_case(client, old)) == {"accept": "2026-12-02"}  # Monday + 2 working days

    assert _set(client, 1, accept=1, review=1).status_code == 200  # the hall tightens both steps
    new = submit_sc001(client, li_ming(client))["case_no"]
    assert _due(_case(client, old)) == {"accept": "2026-12-02"}  # the waiting acceptance's due date stays
    assert _due(_case(client, new)) == {"accept": "2026-12-01"}
    assert _limits(_case(client, old))["review"] == 3 and _limits(_case(client, new))["review"] == 1

    clerk = auth(client, "clerk1")
    assert act(client, clerk, old, "accept").status_code == 200
    assert act(client, clerk, new, "accept").status_code == 200
    assert _due(_case(client, old)) == {"review": "2026-12-03"}  # three working days from Monday, as filed
    assert _due(_case(client, new)) == {"review": "2026-12-01"}

    assert _set(client, 2, review=2).status_code == 200  # changed again while both are in review
    assert _due(_case(client, old)) == {"review": "2026-12-03"}  # in-flight steps do not move
    assert _due(_case(client, new)) == {"review": "2026-12-01"}
    assert _case(client, new)["step_due_date"] == "2026-12-01"
    listed = {r["case_no"]: r for r in client.get("/api/v1/cases", headers=auth(client, "approver1")).json()}
    assert listed[old]["current_steps"][0]["due_date"] == "2026-12-03"  # the work list shows the same dates

    cleared = client.delete(f"/api/v1/halls/{HALL}/items/SC-001/override", headers=auth(client, "hallmanager1"))
    assert cleared.status_code == 204, cleared.text  # the hall inherits the catalog again
    assert _due(_case(client, old)) == {"review": "2026-12-03"}
    later = submit_sc001(client, li_ming(client))["case_no"]
    assert _limits(_case(client, later))["review"] is None


def test_a_catalog_workflow_change_reaches_new_cases_while_the_old_case_keeps_its_plan(client: Any, env: Any) -> None:
    assert _set(client, 0, review=3).status_code == 200
    old = submit_sc001(client, li_ming(client))["case_no"]
    _import_two_departments(env)  # a new item version: two departments, two days each
    add_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
    new = submit_sc001(client, li_ming(client))["case_no"]
    first, second = _case(client, old), _case(client, new)
    assert second["item_version"] > first["item_version"]
    assert list(_limits(first)) == ["accept", "supplement", "review", "suspended", "deliver"]
    assert _limits(first)["review"] == 3  # the hall's limit of the step it was filed with
    assert _limits(second) == {"accept": None, "review_sc": 2, "review_wj": 2, "deliver": None}

    env.clock.set(datetime(2026, 12, 1, 10, tzinfo=SHANGHAI))
    clerk = auth(client, "clerk1")
    assert act(client, clerk, old, "accept").status_code == 200
    assert act(client, clerk, new, "accept").status_code == 200
    assert _due(_case(client, old)) == {"review": "2026-12-04"}
    assert _due(_case(client, new)) == {"review_sc": "2026-12-03", "review_wj": "2026-12-03"}
    r = act(client, auth(client, "approver1"), old, "approve")  # one department decides the old case alone
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    r = act(client, auth(client, "approver1"), new, "approve")
    assert r.status_code == 200 and r.json()["status"] == "review"  # the health department's part is open
    assert act(client, auth(client, "approver_wj"), new, "approve").json()["status"] == "approved"
    states = {s["code"]: s["state"] for s in _case(client, old)["steps"]}
    assert states == {"accept": "done", "supplement": "not_needed", "review": "done", "suspended": "not_needed",
                      "deliver": "current"}  # fmt: skip
