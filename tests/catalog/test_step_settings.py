"""A hall's own settings of an item's workflow steps (issue 15): on the catalog settings page a hall manager sees
the item's steps and changes a step's time limit (and, within what the step's stage allows, its role); the change
is checked whole, versioned with the hall's settings, audited, and the hall's cases filed from then on are timed
by it (a case filed before keeps the plan it was filed with, ``tests/cases/test_step_plan.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smarthall.audit.models import AuditEvent
from tests.conftest import auth
from tests.factories import assert_refused_page, make_case

HALL = "H-690102"
ITEM = "SC-004"  # 食品经营许可: legal 10 working days; review steps review_sc and review_wj, neither with a limit
PAGE = f"/admin/catalog/halls/{HALL}/items/{ITEM}/override"
ORIGIN = {"Origin": "http://testserver"}


def _login(client: Any, username: str) -> None:
    r = client.post("/login", data={"username": username, "password": "smarthall-demo", "next": "/"})
    assert r.status_code in (200, 303), r.text


def _post(client: Any, **data: str) -> Any:
    return client.post(PAGE + "/steps", data=data, headers=ORIGIN, follow_redirects=False)


def _events(env: Any) -> list[dict[str, Any]]:
    with env.db.session(write=False) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == "catalog.override.steps")).scalars()
        return [dict(e.detail or {}) for e in rows]


def test_a_hall_manager_sets_a_steps_limit_on_the_page_and_the_halls_new_cases_follow_it(env: Any, client: Any) -> None:
    with env.db.unit_of_work() as session:
        case_no = make_case(session, status="review", item_code=ITEM, hall_code=HALL).case_no
    _login(client, "hallmanager1")
    page = client.get(PAGE)
    assert page.status_code == 200 and 'data-testid="steps-form"' in page.text
    assert "卫生健康局审查" in page.text and 'name="limit_review_wj"' in page.text

    done = _post(client, version="0", role_review_wj="approver", limit_review_wj="3", note="联审提速")
    assert done.status_code == 303 and done.headers["location"].endswith("?saved=steps")
    shown = client.get(PAGE + "?saved=steps").text
    assert "已保存环节设置" in shown and 'data-testid="limit-review_wj" value="3"' in shown
    assert "卫生健康局审查 3 个工作日" in shown  # the history, in words

    body = client.get(f"/api/v1/cases/{case_no}", headers=auth(client, "approver1")).json()
    limits = {s["code"]: s["limit_workdays"] for s in body["current_steps"]}
    assert limits == {"review_sc": None, "review_wj": None}, body["current_steps"]  # filed before: its own plan
    with env.db.unit_of_work() as session:
        later = make_case(session, status="review", item_code=ITEM, hall_code=HALL).case_no
    body = client.get(f"/api/v1/cases/{later}", headers=auth(client, "approver1")).json()
    limits = {s["code"]: s["limit_workdays"] for s in body["current_steps"]}
    assert limits == {"review_sc": None, "review_wj": 3}, body["current_steps"]  # filed after: the new limit
    assert next(s for s in body["current_steps"] if s["code"] == "review_wj")["due_date"]
    other = client.get(f"/admin/catalog/halls/H-690102001/items/{ITEM}/override")  # the township station
    assert 'data-testid="limit-review_wj" value=""' in other.text  # another hall keeps the catalog's steps
    assert _events(env) == [{"item_code": ITEM, "version": 1, "step_settings": {"review_wj": {"limit_workdays": 3}}}]
    history = client.get(f"/api/v1/halls/{HALL}/items/{ITEM}/override/history", headers=auth(client, "admin1"))
    assert history.json()[0]["values"] == {"step_settings": {"review_wj": {"limit_workdays": 3}}}


def test_a_wrong_role_or_limit_is_refused_whole_with_each_fault_named_and_nothing_written(
    env: Any, client: Any
) -> None:
    _login(client, "admin1")
    page = _post(client, version="0", role_accept="approver", limit_review_sc="11", limit_review_wj="2")
    assert_refused_page(page, 422, "override_invalid")
    assert "“受理”环节只能由窗口受理员办理" in page.text
    assert "“市场监督管理局审查”环节时限不得超过法定时限(10个工作日)" in page.text
    not_number = _post(client, version="0", limit_review_wj="三")
    assert_refused_page(not_number, 422, "override_invalid")
    assert "环节时限须为不小于0的整数(工作日)" in not_number.text
    unknown = _post(client, version="0", limit_nosuch="2")
    assert_refused_page(unknown, 422, "override_invalid")
    assert "该事项没有此办理环节" in unknown.text
    stale = _post(client, version="7", limit_review_wj="2")
    assert_refused_page(stale, 409, "override_version_conflict")
    assert _events(env) == []
    assert 'data-testid="limit-review_wj" value=""' in client.get(PAGE).text


def test_a_clerk_reads_the_steps_but_may_not_change_them(env: Any, client: Any) -> None:
    _login(client, "clerk1")
    page = client.get(PAGE)
    assert page.status_code == 200 and 'data-testid="override-steps"' in page.text
    assert 'data-testid="steps-form"' not in page.text and "审批人员" in page.text
    assert_refused_page(_post(client, limit_review_wj="2"), 403, "forbidden_role")
    assert _events(env) == []
