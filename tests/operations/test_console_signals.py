"""The live console's further signals through the HTTP API: the hall's open device faults (in words, with an alert
for faults of alert severity) and the alert when a queue's last hour runs above the forecast; both shown only to
the hall's managers."""

from __future__ import annotations

from smarthall.operations import dispatch
from tests.conftest import auth
from tests.factories import assert_problem, make_staff
from tests.operations.test_plan_api import _history
from tests.queueing.helpers import HALL, issue, problem

LIVE = f"/api/v1/halls/{HALL}/live"


def test_open_device_faults_are_on_the_console_in_words(client):
    manager = auth(client, "hallmanager1")
    quiet = client.get(LIVE, headers=manager).json()
    assert quiet["faults"] == [] and not any(a["kind"] == "device_fault" for a in quiet["alerts"])
    beat = client.post("/api/v1/venue/heartbeat", json={"faults": ["paper_jam"], "paper_percent": 10},
                       headers={"X-Device-Key": "demo-kiosk-key"})  # fmt: skip
    assert beat.status_code == 200, beat.text
    body = client.get(LIVE, headers=manager).json()
    kinds = {(f["kind"], f["severity"]) for f in body["faults"]}
    assert ("paper_jam", "alert") in kinds, body["faults"]
    jam = next(f for f in body["faults"] if f["kind"] == "paper_jam")
    assert jam["kind_zh"] and jam["kind_zh"] != "venue.fault.paper_jam" and jam["kind_en"] != jam["kind_zh"]
    assert jam["minutes_open"] >= 0 and jam["since"].endswith("+08:00")
    alert = next(a for a in body["alerts"] if a["kind"] == "device_fault")
    assert alert["count"] == sum(f["severity"] == "alert" for f in body["faults"]) >= 1


def test_a_queue_growing_faster_than_forecast_raises_an_alert(client, env):
    _history(env)
    manager = auth(client, "hallmanager1")
    assert issue(client, "GA-001").status_code == 201
    calm = client.get(LIVE, headers=manager).json()
    assert not any(a["kind"] == "faster_than_forecast" for a in calm["alerts"])
    for _ in range(18):
        assert issue(client, "GA-001").status_code == 201
    body = client.get(LIVE, headers=manager).json()
    rush = [a for a in body["alerts"] if a["kind"] == "faster_than_forecast"]
    assert len(rush) == 1, body["alerts"]
    assert rush[0]["arrived"] >= 19 and rush[0]["arrived"] > rush[0]["expected"]
    assert rush[0]["queue_name"] and rush[0]["queue_name"] != rush[0]["queue"]


def test_the_signals_are_refused_to_other_halls_and_roles(client, env):
    make_staff(env, username="othermgr4", role="hall_manager", hall_code="H-690200")
    problem(client.get(LIVE, headers=auth(client, "othermgr4")), 403, "out_of_scope")
    assert_problem(client.get(LIVE, headers=auth(client, "clerk1")), 403, "forbidden_role")


def test_growth_rule_is_a_poisson_band():
    assert not dispatch.faster_than_forecast(8, 5.0)  # 5 + 2·√5 ≈ 9.5
    assert dispatch.faster_than_forecast(10, 5.0)
    assert not dispatch.faster_than_forecast(3, 0.0) and dispatch.faster_than_forecast(4, 0.0)
    counts = {9: {"A": 4}, 8: {"A": 6, "B": 2}}
    assert dispatch.last_hour(counts, 9, 30, so_far=True) == {"A": 7.0, "B": 1.0}
    assert dispatch.last_hour(counts, 9, 30, so_far=False) == {"A": 5.0, "B": 1.0}
