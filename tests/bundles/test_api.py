"""One-thing bundles (高效办成一件事) through the real API: one form, one submission, one case per item in its own
department, all or none; the combined result whatever order the parts finish in; the refusal rule; bad inputs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.bundles.helpers import NEWBORN, approve_part, approvers, birth_certificate, filled, merged_form
from tests.cases.helpers import HALL, act, add_staff, li_ming, refused
from tests.conftest import auth
from tests.factories import assert_problem


def _apply(client: Any, env: Any) -> tuple[dict[str, str], dict[str, Any]]:
    approvers(env)
    birth_certificate(env)
    citizen = li_ming(client)
    body = filled(client, citizen, merged_form(client, citizen), env.clock.now().date())
    r = client.post("/api/v1/bundle-applications", headers=citizen, json=body)
    assert r.status_code == 201, r.text
    return citizen, r.json()


def _bundle_messages(client: Any, headers: dict[str, str], code: str) -> list[dict[str, Any]]:
    """The messages telling the bundle's outcome (besides its one receipt at filing, ``bundle.received``)."""
    r = client.get("/api/v1/me/messages", headers=headers)
    assert r.status_code == 200, r.text
    return [m for m in r.json() if code in json.dumps(m, ensure_ascii=False) and m["template"] != "bundle.received"]


def test_the_merged_form_asks_each_field_once_and_names_the_items_it_serves(client: Any, env: Any) -> None:
    birth_certificate(env)
    form = merged_form(client, li_ming(client))
    names = [f["name"] for f in form["fields"]]
    assert len(names) == len(set(names))
    by_name = {f["name"]: f for f in form["fields"]}
    assert len(by_name["phone"]["items"]) == 4  # asked once for all four departments
    assert by_name["birth_cert_no"]["value"] == "Q690102261100001"  # prefilled from the held e-licence
    keys = {m["key"]: m for m in form["materials"]}
    assert len(keys["licence:居民身份证"]["items"]) == 4  # the ID card once for four items
    assert keys["licence:出生医学证明"]["held_licence_id"]
    assert [p["department_code"] for p in form["parts"]] == ["WJ", "GA", "YB", "RS"]


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 1, 0, 2)])
def test_parts_run_in_their_departments_and_finish_in_any_order_with_one_result(
    client: Any, env: Any, order: tuple[int, ...]
) -> None:
    citizen, app = _apply(client, env)
    parts = app["parts"]
    assert [p["department_code"] for p in parts] == ["WJ", "GA", "YB", "RS"]
    assert app["status"] == "running" and app["documents"] == []
    assert all(p["status"] == "submitted" and p["promised_due_date"] for p in parts)
    # Each part is its department's: the household registry's approver cannot decide the birth certificate.
    assert act(client, auth(client, "clerk1"), parts[0]["case_no"], "accept").status_code == 200
    refused(act(client, auth(client, "approver_ga"), parts[0]["case_no"], "approve"), 403, "out_of_department")
    for i in order:
        if i != 0:
            assert act(client, auth(client, "clerk1"), parts[i]["case_no"], "accept").status_code == 200
        r = act(client, auth(client, f"approver_{parts[i]['department_code'].lower()}"), parts[i]["case_no"], "approve")
        assert r.status_code == 200, r.text
        now = client.get(f"/api/v1/bundle-applications/{app['code']}", headers=citizen).json()
        assert now["status"] == ("done" if i == order[-1] else "running")
        assert _bundle_messages(client, citizen, app["code"]) == [] or i == order[-1]
    done = client.get(f"/api/v1/bundle-applications/{app['code']}", headers=citizen).json()
    assert (done["status"], done["granted"]) == ("done", 4)
    assert sorted(d["item_name"] for d in done["documents"]) == sorted(p["item_name"] for p in parts)
    assert len(_bundle_messages(client, citizen, app["code"])) == 1  # one notice for the whole bundle
    # The coordinator (the hall's comprehensive window) sees the parts side by side.
    rows = client.get("/api/v1/bundle-applications", headers=auth(client, "clerk1")).json()
    assert [p["status"] for p in next(r for r in rows if r["code"] == app["code"])["parts"]] == ["approved"] * 4


def test_a_fault_in_the_last_item_files_no_case_at_all(client: Any, env: Any) -> None:
    approvers(env)
    birth_certificate(env)
    citizen = li_ming(client)
    before = len(client.get("/api/v1/cases", headers=citizen).json())
    body = filled(client, citizen, merged_form(client, citizen), env.clock.now().date())
    body["form"]["bank"] = "不存在的银行"  # only 社会保障卡申领 (the last part) asks for it
    r = client.post("/api/v1/bundle-applications", headers=citizen, json=body)
    refused(r, 422, "bundle_form_invalid")
    assert r.headers["content-type"].startswith("application/problem+json")
    faults = r.json()["detail"]["faults"]
    assert {(f["item_code"], f["target"]) for f in faults} == {("RS-001", "form.bank")}
    assert len(client.get("/api/v1/cases", headers=citizen).json()) == before  # the three filed before: gone too
    assert client.get("/api/v1/bundle-applications", headers=citizen).json() == []


def test_unknown_fields_and_materials_are_refused(client: Any, env: Any) -> None:
    birth_certificate(env)
    citizen = li_ming(client)
    body = filled(client, citizen, merged_form(client, citizen), env.clock.now().date())
    body["form"]["shoe_size"] = "42"
    body["materials"]["licence:驾驶证"] = {"file_id": "x"}
    r = client.post("/api/v1/bundle-applications", headers=citizen, json=body)
    refused(r, 422, "bundle_form_invalid")
    assert {f["target"] for f in r.json()["detail"]["faults"]} == {"form.shoe_size", "materials.licence:驾驶证"}


def test_a_bundle_the_hall_does_not_fully_handle_is_refused(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    township = "H-690102001"  # a township hall: the newborn bundle's items are county business
    r = client.get(f"/api/v1/bundles/{NEWBORN}/form", params={"hall_code": township}, headers=citizen)
    refused(r, 422, "bundle_item_not_in_hall")
    r = client.post(
        "/api/v1/bundle-applications", headers=citizen, json={"bundle_code": NEWBORN, "hall_code": township}
    )
    refused(r, 422, "bundle_item_not_in_hall")
    assert set(r.json()["detail"]["items"]) == {"WJ-001", "GA-003"}  # the township handles the other two
    # The county hall switches one item off: the bundle cannot be applied for there either.
    manager = auth(client, "hallmanager1")
    path = f"/api/v1/halls/{HALL}/items/YB-001/override"
    r = client.put(path, headers=manager, json={"enabled": False, "version": 0})
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/bundle-applications", headers=citizen, json={"bundle_code": NEWBORN, "hall_code": HALL})
    refused(r, 422, "bundle_item_not_in_hall")
    assert r.json()["detail"]["items"] == ["YB-001"]
    refused(client.get("/api/v1/bundles/YJS-99/form", params={"hall_code": HALL}, headers=citizen), 404,
            "bundle_not_found")  # fmt: skip


def test_who_may_apply_and_who_may_read(client: Any, env: Any) -> None:
    citizen, app = _apply(client, env)
    code = app["code"]
    refused(
        client.post("/api/v1/bundle-applications", headers=auth(client, "clerk1"), json={"bundle_code": NEWBORN,
                    "hall_code": HALL}), 403, "bundle_apply_forbidden")  # fmt: skip
    assert client.get(f"/api/v1/bundle-applications/{code}", headers=auth(client, "clerk1")).status_code == 200
    assert client.get(f"/api/v1/bundle-applications/{code}", headers=auth(client, "hallmanager1")).status_code == 200
    add_staff(env, username="clerk_other", role="clerk", hall_code="H-690123")
    other = auth(client, "clerk_other")
    refused(client.get(f"/api/v1/bundle-applications/{code}", headers=other), 403, "bundle_out_of_scope")
    assert client.get("/api/v1/bundle-applications", headers=other).json() == []
    r = client.post("/api/v1/auth/token", data={"username": "admin1", "password": "smarthall-demo"})
    admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
    refused(client.get(f"/api/v1/bundle-applications/{code}", headers=admin), 403, "bundle_read_forbidden")
    stranger = client.post(
        "/api/v1/auth/register",
        json={"name": "王芳", "id_number": "690102199105051228", "phone": "13900139000", "password": "Str0ng-pass!"},
    )
    if stranger.status_code in (200, 201):
        someone = auth(client, "690102199105051228", "Str0ng-pass!")
        refused(client.get(f"/api/v1/bundle-applications/{code}", headers=someone), 404,
                "bundle_application_not_found")  # fmt: skip
    assert_problem(client.get(f"/api/v1/bundle-applications/{code}"), 401, "unauthorized")


def _with_rule(env: Any, rule: str) -> None:
    """The catalog states the newborn bundle's refusal rule (imported as the system would)."""
    from smarthall.catalog import importer
    from smarthall.demo import demo_catalog_text

    data = json.loads(demo_catalog_text())
    next(b for b in data["bundles"] if b["code"] == NEWBORN)["on_refusal"] = rule
    with env.db.unit_of_work() as session:
        report = importer.import_catalog(session, json.dumps(data, ensure_ascii=False))
    assert report.changed


def test_stop_rule_a_refused_part_withdraws_the_open_ones(client: Any, env: Any) -> None:
    _with_rule(env, "stop")
    citizen, app = _apply(client, env)
    assert app["on_refusal"] == "stop"
    wj, ga = app["parts"][0], app["parts"][1]
    approve_part(client, wj["case_no"], "WJ")
    assert act(client, auth(client, "clerk1"), ga["case_no"], "accept").status_code == 200
    r = act(client, auth(client, "approver_ga"), ga["case_no"], "reject", note="户籍地址与出生医学证明不符")
    assert r.status_code == 200, r.text
    view = client.get(f"/api/v1/bundle-applications/{app['code']}", headers=citizen).json()
    assert view["status"] == "stopped"
    assert [p["status"] for p in view["parts"]] == ["approved", "rejected", "withdrawn", "withdrawn"]
    assert [d["item_name"] for d in view["documents"] if d["kind"] == "licence"] == [wj["item_name"]]
    assert len(_bundle_messages(client, citizen, app["code"])) == 1


def test_continue_rule_a_refused_part_leaves_a_partial_result(client: Any, env: Any) -> None:
    citizen, app = _apply(client, env)
    assert app["on_refusal"] == "continue"  # the default when the catalog states none
    parts = app["parts"]
    assert act(client, auth(client, "clerk1"), parts[2]["case_no"], "refuse", note="已在外地参保").status_code == 200
    view = client.get(f"/api/v1/bundle-applications/{app['code']}", headers=citizen).json()
    assert view["status"] == "running" and view["parts"][0]["status"] == "submitted"
    for i in (0, 1, 3):
        approve_part(client, parts[i]["case_no"], parts[i]["department_code"])
    view = client.get(f"/api/v1/bundle-applications/{app['code']}", headers=citizen).json()
    assert (view["status"], view["granted"]) == ("partial", 3)
    assert len(_bundle_messages(client, citizen, app["code"])) == 1
