"""Township stations (11.3) and handovers across regions (11.2) through the HTTP API on a real database:
a station's profile and page, "收件在站、审批在县" end to end with the result handed out back at the station,
跨域通办 with the result posted, the trail and the audit, who may see and do what, and two clerks at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import select

from tests.cases.helpers import act, generic_form, li_ming, prefilled
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_problem, make_staff

STATION = "H-690102001"  # 湖滨街道便民服务站, beneath 澜湖区政务服务中心
COUNTY = "H-690102"
OTHER_REGION = "H-690202"  # 松台区政务服务中心, in another city
THIRD = "H-690123"  # 青溪县政务服务中心


def _station_staff(env: Any) -> None:
    make_staff(env, username="stclerk", role="clerk", hall_code=STATION)
    make_staff(env, username="stmanager", role="hall_manager", hall_code=STATION)


def _file_at(client: Any, clerk: dict[str, str], hall_code: str, item_code: str = "SC-002") -> str:
    """A clerk files a case at the counter of ``hall_code`` for the demo citizen (窗口代录), with the form the
    citizen's own profile fills."""
    form, _ = prefilled(client, li_ming(client), item_code)
    if item_code == "SC-001":
        form.update(generic_form())
    else:
        form.update({"organization_form": "个人经营", "business_address": "江安省云澜市澜湖区湖滨路1号",
                     "business_scope": "日用百货零售"})  # fmt: skip
    r = client.post(
        "/api/v1/cases",
        headers=clerk,
        json={"item_code": item_code, "hall_code": hall_code, "form": form, "materials": [],
              "applicant_id_number": DEMO_CITIZEN_ID},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return str(r.json()["case_no"])


def test_station_profile_lists_what_it_does_and_only_managers_in_scope_set_it(client: Any, env: Any) -> None:
    _station_staff(env)
    make_staff(env, username="qxmanager", role="hall_manager", hall_code=THIRD)
    station_clerk, admin = auth(client, "stclerk"), auth(client, "admin1")
    before = client.get(f"/api/v1/stations/{STATION}", headers=station_clerk)
    assert before.status_code == 200, before.text
    body = before.json()
    assert body["supervisor_hall_code"] == COUNTY and body["version"] == 1  # the demo set the station up
    codes = [i["code"] for i in body["items"]]
    assert "SC-002" in codes and "SC-001" not in codes  # the station's items: those of the township level
    local = {i["code"] for i in body["items"] if i["handling"] == "local"}
    assert {"RS-002", "MZ-002"} <= local and "SC-002" not in local  # instant approvals finish at the station

    r = client.put(f"/api/v1/stations/{STATION}", headers=admin, json={"local_items": ["BD-003", "RS-002"]})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["version"] == 2 and after["window_code"] == f"{STATION}-W01"
    local = {i["code"] for i in after["items"] if i["handling"] == "local"}
    assert local == {"BD-003", "RS-002"}
    assert {i["handling_zh"] for i in after["items"]} == {"本站办结", "本站收件、上级大厅审批"}
    # the one comprehensive window now exists in the hall tree
    hall = client.get(f"/api/v1/halls/{STATION}").json()
    assert [(w["code"], w["kind"]) for w in hall["windows"]] == [(f"{STATION}-W01", "comprehensive")]

    stale = client.put(f"/api/v1/stations/{STATION}", headers=admin, json={"local_items": [], "version": 7})
    assert_problem(stale, 409, "station_changed")
    unknown = client.put(f"/api/v1/stations/{STATION}", headers=admin, json={"local_items": ["SC-001"]})
    assert_problem(unknown, 422, "items_not_offered")
    assert_problem(client.put(f"/api/v1/stations/{COUNTY}", headers=admin, json={"local_items": []}),
                   422, "not_a_station")  # fmt: skip
    # wrong role, other hall: refused, nothing changed
    assert_problem(client.put(f"/api/v1/stations/{STATION}", headers=station_clerk, json={"local_items": []}),
                   403, "forbidden_role")  # fmt: skip
    other = auth(client, "qxmanager")
    assert_problem(client.put(f"/api/v1/stations/{STATION}", headers=other, json={"local_items": []}),
                   403, "out_of_scope")  # fmt: skip
    assert_problem(client.get(f"/api/v1/stations/{STATION}", headers=other), 403, "out_of_scope")
    # a county clerk is front-line staff of the county hall: the station is not theirs to read
    assert_problem(client.get(f"/api/v1/stations/{STATION}", headers=auth(client, "clerk1")), 403, "out_of_scope")
    assert client.get(f"/api/v1/stations/{STATION}", headers=admin).json()["version"] == 2
    page = client.get(f"/stations/{STATION}", headers=station_clerk)
    assert page.status_code == 200 and "本站办结 2 项" in page.text and "澜湖区政务服务中心" in page.text


def test_station_receives_county_decides_result_handed_out_at_the_station(client: Any, env: Any) -> None:
    _station_staff(env)
    client.put(f"/api/v1/stations/{STATION}", headers=auth(client, "admin1"), json={"local_items": ["BD-003"]})
    station_clerk = auth(client, "stclerk")
    case_no = _file_at(client, station_clerk, STATION)
    # the county's clerk cannot see a case still at the station
    assert_problem(client.get(f"/api/v1/cases/{case_no}", headers=auth(client, "clerk1")), 403, "out_of_scope")
    up = {"case_no": case_no, "kind": "station", "result_at": "receiver", "note": "材料已核验"}
    r = client.post("/api/v1/handovers", headers=station_clerk, json=up)
    assert r.status_code == 201, r.text
    handover = r.json()
    assert (handover["to_hall_code"], handover["my_side"], handover["status"]) == (COUNTY, "receiver", "transferred")
    assert handover["applicant_masked"] != "李明" and handover["applicant_masked"].startswith("李")
    hid = handover["id"]
    # the case is the county's now; the station keeps the handover in view, not the case file
    clerk, approver = auth(client, "clerk1"), auth(client, "approver1")
    timeline = client.get(f"/api/v1/cases/{case_no}", headers=clerk).json()
    assert timeline["hall_code"] == COUNTY
    moved = [e for e in timeline["timeline"] if e["action"] == "handover"]
    assert [(e["action_zh"], e["to"], e["actor"]) for e in moved] == [("移交办理大厅", "submitted", "staff:stclerk")]
    assert_problem(client.get(f"/api/v1/cases/{case_no}", headers=station_clerk), 403, "out_of_scope")
    assert client.get(f"/api/v1/handovers/{hid}", headers=clerk).json()["my_side"] == "handler"
    # 收件在站、审批在县
    assert act(client, clerk, case_no, "accept").status_code == 200
    # the result cannot go back before a decision
    assert_problem(client.post(f"/api/v1/handovers/{hid}/result", headers=clerk, json={}), 409,
                   "handover_out_of_order")  # fmt: skip
    assert act(client, approver, case_no, "approve").status_code == 200
    # the station cannot send the county's result; the county cannot hand out at the station
    assert_problem(client.post(f"/api/v1/handovers/{hid}/result", headers=station_clerk, json={}), 403,
                   "handover_wrong_side")  # fmt: skip
    sent = client.post(f"/api/v1/handovers/{hid}/result", headers=clerk, json={})
    assert sent.status_code == 200 and sent.json()["status"] == "result_sent", sent.text
    assert_problem(client.post(f"/api/v1/handovers/{hid}/hand-out", headers=clerk,
                               json={"pickup_id_number": DEMO_CITIZEN_ID}), 403, "handover_wrong_side")  # fmt: skip
    wrong = client.post(f"/api/v1/handovers/{hid}/hand-out", headers=station_clerk,
                        json={"pickup_id_number": "690102199001011234"})  # fmt: skip
    assert assert_problem(wrong, 422, "case_action_invalid")["detail"]["faults"][0]["code"] == "identity_mismatch"
    assert client.get(f"/api/v1/handovers/{hid}", headers=station_clerk).json()["status"] == "result_sent"
    out = client.post(f"/api/v1/handovers/{hid}/hand-out", headers=station_clerk,
                      json={"pickup_id_number": DEMO_CITIZEN_ID})  # fmt: skip
    assert out.status_code == 200, out.text
    body = out.json()
    assert (body["status"], body["case_status"]) == ("handed_out", "delivered")
    assert [s["action"] for s in body["steps"]] == ["transfer", "send_result", "hand_out"]
    assert [s["hall_code"] for s in body["steps"]] == [STATION, COUNTY, STATION]
    again = client.post(f"/api/v1/handovers/{hid}/hand-out", headers=station_clerk,
                        json={"pickup_id_number": DEMO_CITIZEN_ID})  # fmt: skip
    assert_problem(again, 409, "handover_out_of_order")
    # the applicant sees the delivery at the station in their own case
    mine = client.get(f"/api/v1/cases/{case_no}", headers=li_ming(client)).json()
    assert mine["status"] == "delivered"
    # the audit trail names every step with the hall that took it
    from smarthall.audit.models import AuditEvent

    with env.db.unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.hall_code).where(AuditEvent.target_id == case_no)
        ).all()
    steps = [(a, h) for a, h in rows if a.startswith("handover.")]
    assert steps == [("handover.transfer", STATION), ("handover.send_result", COUNTY),
                     ("handover.hand_out", STATION)]  # fmt: skip


def test_station_refuses_what_it_finishes_itself_and_what_is_not_a_station(client: Any, env: Any) -> None:
    _station_staff(env)
    client.put(f"/api/v1/stations/{STATION}", headers=auth(client, "admin1"), json={"local_items": ["SC-002"]})
    station_clerk = auth(client, "stclerk")
    case_no = _file_at(client, station_clerk, STATION)
    r = client.post("/api/v1/handovers", headers=station_clerk, json={"case_no": case_no, "kind": "station"})
    assert_problem(r, 422, "handover_invalid")
    assert r.json()["detail"]["reason"] == "item_finished_locally"
    # a county case is not a station's
    county_case = _file_at(client, auth(client, "clerk1"), COUNTY)
    r = client.post(
        "/api/v1/handovers", headers=auth(client, "clerk1"), json={"case_no": county_case, "kind": "station"}
    )
    assert r.json()["detail"]["reason"] == "not_a_station"
    # wrong roles
    for who in ("guide1", "approver1", "hallmanager1"):
        refused = client.post(
            "/api/v1/handovers", headers=auth(client, who), json={"case_no": case_no, "kind": "station"}
        )
        assert_problem(refused, 403, "forbidden_role")
    assert_problem(client.post("/api/v1/handovers", json={"case_no": case_no, "kind": "station"}), 401, "unauthorized")
    # a clerk of another hall cannot hand over this hall's case
    r = client.post("/api/v1/handovers", headers=auth(client, "clerk1"), json={"case_no": case_no, "kind": "station"})
    assert_problem(r, 403, "handover_wrong_side")
    assert client.get("/api/v1/handovers?side=receiver", headers=station_clerk).json() == []


def test_cross_region_received_at_a_handled_by_b_posted_and_seen_by_both_only(client: Any, env: Any) -> None:
    make_staff(env, username="stclerk_b", role="clerk", hall_code=OTHER_REGION)
    make_staff(env, username="stapprover_b", role="approver", hall_code=OTHER_REGION, department_code="SC")
    make_staff(env, username="qxclerk", role="clerk", hall_code=THIRD)
    clerk_a, clerk_b, approver_b = auth(client, "clerk1"), auth(client, "stclerk_b"), auth(client, "stapprover_b")
    case_no = _file_at(client, clerk_a, COUNTY, item_code="SC-001")
    base = {"case_no": case_no, "kind": "cross_region"}
    assert client.post("/api/v1/handovers", headers=clerk_a, json=base).json()["detail"]["reason"] == "to_hall_required"
    same = client.post("/api/v1/handovers", headers=clerk_a, json={**base, "to_hall_code": "H-690100"})
    assert same.json()["detail"]["reason"] == "same_region"  # the city above is not another region
    unknown = client.post("/api/v1/handovers", headers=clerk_a, json={**base, "to_hall_code": "H-000000"})
    assert unknown.json()["detail"]["reason"] == "to_hall_unknown"
    r = client.post("/api/v1/handovers", headers=clerk_a,
                    json={**base, "to_hall_code": OTHER_REGION, "result_at": "post"})  # fmt: skip
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    assert r.json()["kind_zh"] == "跨域通办" and r.json()["result_at_zh"] == "邮寄送达"
    # both halls see it, on their own side; a third hall does not
    assert [h["id"] for h in client.get("/api/v1/handovers?side=receiver", headers=clerk_a).json()] == [hid]
    assert [h["id"] for h in client.get("/api/v1/handovers?side=handler", headers=clerk_b).json()] == [hid]
    assert client.get("/api/v1/handovers?side=handler", headers=clerk_a).json() == []
    third = auth(client, "qxclerk")
    assert client.get("/api/v1/handovers", headers=third).json() == []
    assert_problem(client.get(f"/api/v1/handovers/{hid}", headers=third), 403, "out_of_scope")
    assert_problem(client.get("/api/v1/handovers/999999", headers=third), 404, "handover_not_found")
    assert_problem(client.get(f"/api/v1/handovers/{hid}", headers=auth(client, "guide1")), 403, "forbidden_role")
    # the case is B's to accept and decide now, and no longer A's
    assert_problem(act(client, clerk_a, case_no, "accept"), 403, "out_of_scope")
    again = client.post("/api/v1/handovers", headers=clerk_a, json={**base, "to_hall_code": OTHER_REGION})
    assert_problem(again, 403, "handover_wrong_side")
    assert act(client, clerk_b, case_no, "accept").status_code == 200
    assert act(client, approver_b, case_no, "approve").status_code == 200
    no_tracking = client.post(f"/api/v1/handovers/{hid}/result", headers=clerk_b, json={})
    faults = assert_problem(no_tracking, 422, "case_action_invalid")["detail"]["faults"]
    assert [f["code"] for f in faults] == ["tracking_required"]
    posted = client.post(f"/api/v1/handovers/{hid}/result", headers=clerk_b,
                         json={"tracking_no": "SF0000000018", "address": "江安省云澜市澜湖区柳岸路8号"})  # fmt: skip
    assert posted.status_code == 200, posted.text
    assert (posted.json()["status"], posted.json()["case_status"]) == ("posted", "delivered")
    seen_by_a = client.get(f"/api/v1/handovers/{hid}", headers=clerk_a).json()
    assert (seen_by_a["my_side"], seen_by_a["status_zh"]) == ("receiver", "已邮寄送达")


def test_two_clerks_handing_one_case_at_once_one_wins(live_server: str, env: Any, client: Any) -> None:
    make_staff(env, username="stclerk_b", role="clerk", hall_code=OTHER_REGION)
    make_staff(env, username="clerk_twin", role="clerk", hall_code=COUNTY)
    case_no = _file_at(client, auth(client, "clerk1"), COUNTY, item_code="SC-001")

    def token(username: str) -> dict[str, str]:
        r = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": username, "password": "smarthall-demo"})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    heads = [token("clerk1"), token("clerk_twin")] * 3
    body = {"case_no": case_no, "kind": "cross_region", "to_hall_code": OTHER_REGION}

    def hand(headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{live_server}/api/v1/handovers", headers=headers, json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(hand, heads))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1, [r.text for r in responses]
    assert all(r.status_code in (201, 403, 409) for r in responses), [r.text for r in responses]
    listed = httpx.get(f"{live_server}/api/v1/handovers?side=handler", headers=token("stclerk_b")).json()
    assert [h["case_no"] for h in listed] == [case_no]
