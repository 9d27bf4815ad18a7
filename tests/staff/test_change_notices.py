""" "What changed" notices (issue 14 item 7, 8.3): when an item's catalog entry gets a new version, the staff who
handle it in each hall (the clerks and helpers at the windows serving it, the approvers of each department with a
step of it) get a notice listing the differences in words, read and confirm it; the hall manager sees the
confirmation rate per item and change."""

from __future__ import annotations

import json
import re
from typing import Any

from smarthall.catalog import changes, importer
from smarthall.demo import demo_catalog_text
from tests.conftest import auth
from tests.factories import assert_problem, make_staff

HALL = "H-690102"
NOTICES = "/api/v1/staff-change-notices"
RATES = NOTICES + "/rates"
ORIGIN = {"Origin": "http://testserver"}
SC001_HANDLERS = {"clerk1", "clerk2", "clerk3", "clerk4", "clerk7", "approver1"}  # W01–W04, W12; 市场监管


def _catalog() -> dict[str, Any]:
    return json.loads(demo_catalog_text())


def _sc001(data: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in data["items"] if i["code"] == "SC-001")


def _changed_sc001() -> dict[str, Any]:
    data = _catalog()
    item = _sc001(data)
    item["legal_limit_workdays"] = 5
    venue = next(m for m in item["materials"] if m["code"] == "SC-001-M05")
    venue["required"] = True
    item["materials"].append(
        {"code": "SC-001-M07", "name": "名称自主申报告知书", "kind": "other", "required": True, "copies": 1,
         "original_needed": False, "e_licence_type": None}
    )  # fmt: skip
    item["materials"] = [m for m in item["materials"] if m["code"] != "SC-001-M06"]
    item["rules"] = [{"field": "registered_capital", "op": ">=", "value": 1, "message": "注册资本不少于1万元"}]
    return data


def _import(env: Any, data: dict[str, Any]) -> None:
    with env.db.unit_of_work() as session:
        importer.import_catalog(session, json.dumps(data, ensure_ascii=False), now=env.clock.now())


def _mine(client: Any, username: str) -> list[dict[str, Any]]:
    response = client.get(NOTICES, headers=auth(client, username))
    assert response.status_code == 200, response.text
    return list(response.json())


def _rates(client: Any, username: str = "hallmanager1", **params: str) -> dict[str, Any]:
    response = client.get(RATES, headers=auth(client, username), params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_differences_are_told_in_words_never_codes() -> None:
    old, new = _sc001(_catalog()), _sc001(_changed_sc001())
    new["workflow"] = [
        {"code": "accept", "name": "受理", "name_en": "Acceptance", "stage": "submitted", "limit_workdays": 1},
        {"code": "review", "name": "审查决定", "name_en": "Review and decision", "stage": "review"},
        {"code": "review_wj", "name": "卫生审查", "name_en": "Health review", "stage": "review",
         "department_code": "WJ", "limit_workdays": 2},
        {"code": "deliver", "name": "送达", "name_en": "Delivery", "stage": "approved"},
    ]  # fmt: skip
    found = changes.differences(old, new, {"SC": "市场监督管理局", "WJ": "卫生健康委员会"})
    zh = [c["zh"] for c in found]
    assert "申请材料“住所(经营场所)使用证明”改为必交" in zh
    assert "新增申请材料“名称自主申报告知书”(必交)" in zh
    assert "取消申请材料“委托书及经办人身份证件”" in zh
    assert "新增办理条件:注册资本不少于1万元" in zh
    assert "法定时限由3个工作日改为5个工作日" in zh
    assert "“受理”环节时限由不限改为1个工作日" in zh
    assert "新增办理环节“卫生审查”(卫生健康委员会,时限2个工作日)" in zh
    assert "取消办理环节“中止(特别程序)”" in zh
    assert {c["kind"] for c in found} == {"materials", "conditions", "limits", "steps"}
    assert all(c["en"] and not re.search(r"[A-Z]{2}-\d{3}", c["zh"] + c["en"]) for c in found)  # no codes
    assert changes.differences(old, dict(old, keywords=["别的说法"])) == []  # search aids are not staff news


def test_the_staff_who_handle_a_changed_item_get_a_notice_and_confirm_it(env: Any, client: Any) -> None:
    _import(env, _changed_sc001())
    got = {name for name in (*SC001_HANDLERS, "clerk5", "clerk6", "guide3", "approver2") if _mine(client, name)}
    assert got == SC001_HANDLERS  # the GA, real-estate and help-desk windows and 民政 do not handle SC-001
    [notice] = _mine(client, "clerk4")
    assert (notice["item_code"], notice["from_version"], notice["to_version"]) == ("SC-001", 1, 2)
    assert notice["confirmed_at"] is None and notice["hall_code"] == HALL
    assert "法定时限由3个工作日改为5个工作日" in [c["zh"] for c in notice["changes"]]

    before = _rates(client)
    [row] = before["notices"]
    assert (row["recipients"], row["confirmed"], row["rate"]) == (6, 0, 0.0)
    assert {p["staff_code"] for p in row["pending"]} >= {"H-690102-S10", "H-690102-S14"}
    assert all("*" in p["name"] for p in row["pending"])  # names masked

    done = client.post(f"{NOTICES}/{notice['id']}/confirm", headers=auth(client, "clerk4"))
    assert done.status_code == 200 and done.json()["confirmed_at"], done.text
    again = client.post(f"{NOTICES}/{notice['id']}/confirm", headers=auth(client, "clerk4"))
    assert again.json()["confirmed_at"] == done.json()["confirmed_at"]  # the first confirmation stands
    assert client.post(f"{NOTICES}/{notice['id']}/confirm", headers=auth(client, "approver1")).status_code == 200
    after = _rates(client)
    assert (after["notices"][0]["confirmed"], after["notices"][0]["rate"]) == (2, round(2 / 6, 4))
    assert "H-690102-S10" not in {p["staff_code"] for p in after["notices"][0]["pending"]}
    assert (after["recipients"], after["confirmed"]) == (6, 2)

    _import(env, _changed_sc001())  # the same file again: no new version, no new notice
    assert len(_mine(client, "clerk1")) == 1
    keywords = _changed_sc001()
    _sc001(keywords)["keywords"].append("办公司")
    _import(env, keywords)  # a new version that changes nothing staff do
    assert len(_mine(client, "clerk1")) == 1 and len(_rates(client)["notices"]) == 1


def test_a_hall_that_names_the_items_windows_tells_only_their_staff(env: Any, client: Any) -> None:
    manager = auth(client, "hallmanager1")
    named = client.put(
        f"/api/v1/halls/{HALL}/items/SC-001/override", headers=manager, json={"window_codes": ["H-690102-W04"]}
    )
    assert named.status_code == 200, named.text
    _import(env, _changed_sc001())
    got = {name for name in SC001_HANDLERS if _mine(client, name)}
    assert got == {"clerk4", "approver1"}
    assert _rates(client)["notices"][0]["recipients"] == 2


def test_refusals_for_notices(env: Any, client: Any) -> None:
    _import(env, _changed_sc001())
    [notice] = _mine(client, "clerk1")
    not_mine = client.post(f"{NOTICES}/{notice['id']}/confirm", headers=auth(client, "clerk5"))
    assert_problem(not_mine, 404, "change_notice_not_found")
    assert_problem(client.post(f"{NOTICES}/999999/confirm", headers=auth(client, "clerk1")), 404,
                   "change_notice_not_found")  # fmt: skip
    assert_problem(client.get(RATES, headers=auth(client, "clerk1")), 403, "forbidden_role")
    make_staff(env, username="manager_far", role="hall_manager", hall_code="H-690123")
    far = client.get(RATES, headers=auth(client, "manager_far"), params={"hall_code": HALL})
    assert_problem(far, 403, "out_of_scope")
    own = _rates(client, "manager_far")
    assert own["hall_code"] == "H-690123" and all(n["hall_code"] == "H-690123" for n in own["notices"])
    assert_problem(client.get(NOTICES), 401, "unauthorized")


def test_the_notice_pages_show_the_words_and_confirm(env: Any, client: Any) -> None:
    _import(env, _changed_sc001())
    client.post("/login", data={"username": "clerk4", "password": "smarthall-demo", "next": "/"})
    me = client.get("/staff/me")
    assert me.status_code == 200 and 'data-testid="open-notices"' in me.text
    page = client.get("/staff/notices")
    assert page.status_code == 200
    assert "企业设立登记" in page.text and "申请材料“住所(经营场所)使用证明”改为必交" in page.text
    assert "SC-001-M05" not in page.text and 'data-testid="to-confirm"' in page.text
    notice_id = _mine(client, "clerk4")[0]["id"]
    done = client.post(f"/staff/notices/{notice_id}/confirm", headers=ORIGIN, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert 'data-testid="confirmed"' in client.get("/staff/notices").text

    client.post("/logout", headers=ORIGIN)
    client.post("/login", data={"username": "hallmanager1", "password": "smarthall-demo", "next": "/"})
    rates = client.get("/staff/notices/rates")
    assert rates.status_code == 200
    assert "企业设立登记" in rates.text and "17%" in rates.text and "(1 / 6)" in rates.text
