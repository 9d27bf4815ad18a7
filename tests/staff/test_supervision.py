"""Supervision (8.1) through the HTTP API: the live view of windows from real window sessions and tickets (serving
over-long, idle while the queue waits, paused too long, bad ratings), alerts recorded once per episode — also by
parallel scans — acknowledged once, and refusals for other halls and wrong roles."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from smarthall.staff.models import StaffAlert
from tests.conftest import DEMO_PASSWORD, auth
from tests.factories import assert_problem, make_staff
from tests.queueing.helpers import W01, W02, issue, sign_in
from tests.staff.helpers import HALL, OTHER_HALL, pad_rate, serve


def _windows(client, headers) -> dict[str, dict]:
    r = client.get("/api/v1/staff-supervision", params={"hall_code": HALL}, headers=headers)
    assert r.status_code == 200, r.text
    return {w["window_code"]: w for w in r.json()["windows"]}


def test_live_view_flags_and_alerts_once_per_episode(env, client):
    manager = auth(client, "hallmanager1")
    pad_rate(client, serve(env, client, minutes=3), 1)  # a bad rating for clerk1 today
    clerk1, clerk2 = auth(client, "clerk1"), auth(client, "clerk2")
    sign_in(client, clerk2, W02)
    ticket = issue(client, "GA-001").json()
    called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1)
    assert called.json()["id"] == ticket["id"]
    issue(client, "GA-001")  # waits while W02 stands idle
    first = _windows(client, manager)
    assert first[W01]["state"] == "serving" and first[W01]["flags"] == ["bad_rating"]
    assert first[W02]["state"] == "idle" and first[W02]["waiting"] >= 1 and first[W02]["flags"] == []

    env.clock.advance(minutes=31)
    later = _windows(client, auth(client, "hallmanager1"))
    assert later[W01]["serving_minutes"] == 31 and "long_service" in later[W01]["flags"]
    assert later[W02]["idle_minutes"] >= 31 and later[W02]["flags"] == ["idle"]

    manager = auth(client, "hallmanager1")
    raised = client.post("/api/v1/staff-supervision/scan", params={"hall_code": HALL}, headers=manager)
    assert raised.status_code == 200, raised.text
    kinds = sorted(a["kind"] for a in raised.json())
    assert kinds == ["bad_rating", "idle", "long_service"]
    again = client.post("/api/v1/staff-supervision/scan", params={"hall_code": HALL}, headers=manager)
    assert again.json() == []  # the same episodes: nothing new
    view = client.get("/api/v1/staff-supervision", params={"hall_code": HALL}, headers=manager).json()
    assert sorted(a["kind"] for a in view["alerts"]) == kinds

    alert = next(a for a in view["alerts"] if a["kind"] == "long_service")
    assert alert["detail"]["ticket_number"] == called.json()["number"] and alert["window_code"] == W01
    ack = client.post(f"/api/v1/staff-supervision/alerts/{alert['id']}/ack", json={"note": "已提醒"}, headers=manager)
    assert ack.status_code == 200 and ack.json()["acknowledged_by"] == "staff:hallmanager1"
    assert_problem(
        client.post(f"/api/v1/staff-supervision/alerts/{alert['id']}/ack", json={}, headers=manager),
        409,
        "staff_alert_acknowledged",
    )
    assert_problem(
        client.post("/api/v1/staff-supervision/alerts/999999/ack", json={}, headers=manager),
        404,
        "staff_alert_not_found",
    )

    # a clerk pausing: after the hall's limit, the window counts as away
    finish = client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=auth(client, "clerk1"))
    assert finish.status_code == 200
    assert client.post(f"/api/v1/windows/{W01}/pause", headers=auth(client, "clerk1")).status_code == 200
    env.clock.advance(minutes=21)
    paused = _windows(client, auth(client, "hallmanager1"))[W01]
    assert paused["state"] == "paused" and paused["paused_minutes"] == 21 and "paused_long" in paused["flags"]


def test_supervision_refuses_wrong_roles_and_other_halls(env, client):
    for user in ("clerk1", "approver1", "auditor1"):
        assert_problem(client.get("/api/v1/staff-supervision", headers=auth(client, user)), 403, "forbidden_role")
    assert_problem(client.post("/api/v1/staff-supervision/scan", headers=auth(client, "clerk1")), 403, "forbidden_role")
    make_staff(env, username="othermanager", role="hall_manager", hall_code=OTHER_HALL)
    other = auth(client, "othermanager")
    assert_problem(
        client.get("/api/v1/staff-supervision", params={"hall_code": HALL}, headers=other), 403, "out_of_scope"
    )
    assert_problem(
        client.post("/api/v1/staff-supervision/scan", params={"hall_code": HALL}, headers=other), 403, "out_of_scope"
    )
    # an alert of H-690102 does not exist for the other hall's manager
    pad_rate(client, serve(env, client, minutes=2), 2)
    raised = client.post("/api/v1/staff-supervision/scan", headers=auth(client, "hallmanager1")).json()
    assert [a["kind"] for a in raised] == ["bad_rating"]
    assert_problem(
        client.post(f"/api/v1/staff-supervision/alerts/{raised[0]['id']}/ack", json={}, headers=other),
        404,
        "staff_alert_not_found",
    )
    assert_problem(
        client.get("/api/v1/staff-supervision", params={"hall_code": "x" * 40}, headers=auth(client, "hallmanager1")),
        422,
        "validation_error",
    )


def test_parallel_scans_record_each_episode_once(env, client, live_server):
    pad_rate(client, serve(env, client, minutes=2), 1)
    sign_in(client, auth(client, "clerk2"), W02)
    issue(client, "GA-001")
    env.clock.advance(minutes=15)
    token = httpx.post(
        f"{live_server}/api/v1/auth/token", data={"username": "hallmanager1", "password": DEMO_PASSWORD}
    ).json()["access_token"]

    def scan(_: int) -> int:
        r = httpx.post(
            f"{live_server}/api/v1/staff-supervision/scan", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        assert r.status_code == 200, r.text
        return len(r.json())

    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = list(pool.map(scan, range(6)))
    with env.session() as session:
        stored = session.execute(
            select(StaffAlert.kind, StaffAlert.window_code, func.count()).group_by(
                StaffAlert.kind, StaffAlert.window_code
            )
        ).all()
    # one bad rating (W01), and both windows idle while a GA-001 ticket waits: one alert each, whoever scanned
    assert {(kind, window): n for kind, window, n in stored} == {
        ("bad_rating", W01): 1,
        ("idle", W01): 1,
        ("idle", W02): 1,
    }
    assert sum(counts) == 3
