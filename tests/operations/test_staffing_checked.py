"""The staffing plan checked by the queue simulation, through the HTTP API: per hour the counters of the plan found
by simulation and of the Erlang plan with their simulated waits; the simulated plan meets the target on (nearly)
every period-day it is scored on, and a day without history or another hall's day is refused."""

from __future__ import annotations

from datetime import date

from smarthall.operations import erlang
from smarthall.operations import staffing as plans
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import assert_problem, make_staff
from tests.operations.test_plan_api import _history
from tests.queueing.helpers import HALL, problem

DAY = DEFAULT_NOW.date().isoformat()
STAFFING = f"/api/v1/halls/{HALL}/staffing?date={DAY}"


def test_staffing_with_check_shows_simulated_counters_and_waits_per_hour(client, env):
    _history(env)
    manager = auth(client, "hallmanager1")
    plain = client.get(STAFFING, headers=manager).json()
    assert "simulation" not in plain and all("simulated" not in h for h in plain["hours"])
    r = client.get(STAFFING + "&check=true", headers=manager)
    assert r.status_code == 200, r.text
    body = r.json()
    sim = body["simulation"]
    assert sim["days"] == 20 and sim["hours"]
    assert {h["hour"] for h in body["hours"]} <= {h["hour"] for h in sim["hours"]}
    busy = [h for h in body["hours"] if h["arrivals"] >= 1]
    assert busy
    for h in busy:
        assert h["simulated"]["counters"] >= 1 and h["plan_checked"]["counters"] == h["plan"]
        assert h["simulated"]["mean_wait_min"] is not None and 0 <= h["simulated"]["met_share"] <= 1
    assert sim["met_share"]["simulated"] >= 0.9, sim
    assert sim["counter_hours"]["simulated"] == sum(h["simulated"]["counters"] for h in sim["hours"])
    assert sim["worst_1pct_wait_min"] >= 0
    again = client.get(STAFFING + "&check=true", headers=manager).json()  # the same days: the same answer
    assert again["simulation"] == sim


def test_checked_staffing_refuses_no_history_other_halls_and_roles(client, env):
    manager = auth(client, "hallmanager1")
    problem(client.get(STAFFING + "&check=true", headers=manager), 422, "not_enough_history")
    make_staff(env, username="othermgr5", role="hall_manager", hall_code="H-690200")
    problem(client.get(STAFFING + "&check=true", headers=auth(client, "othermgr5")), 403, "out_of_scope")
    assert_problem(client.get(STAFFING + "&check=true", headers=auth(client, "clerk1")), 403, "forbidden_role")
    assert_problem(client.get(STAFFING + "&check=maybe", headers=manager), 422, "validation_error")


def test_the_simulated_plan_staffs_the_backlog_after_a_peak():
    """A sharp 9 o'clock peak and a closed lunch hour: Erlang per hour sees no one arrive at 12 and staffs nothing
    there; the simulation keeps a counter for the backlog carried from 11, spends fewer counter-hours than SIPP, and
    is scored on days it was not searched on (its waits are what the API shows)."""
    hours = [(9, {"A": 30.0}), (10, {"A": 8.0}), (11, {"A": 8.0}), (13, {"A": 8.0})]
    model = plans.forecast_model(hours, {"A": (12.0, 0.05)})
    target = erlang.Target.from_rules(15, 30, 10)
    sipp = plans.sipp_plan(model, target)
    assert sipp.counters["A"][3] == 0  # hour 12: nobody arrives
    result = plans.check_day(model, sipp, target, key="peak", day=date(2026, 12, 7))
    assert result.plan.counters["A"][3] >= 1
    assert result.plan.counter_hours() <= sipp.counter_hours()
    assert [c.counters for c in result.baseline] == list(sipp.counters["A"])
    assert result.simulated[3].tickets == 0 and result.simulated[3].mean_wait is None
    served = [c for c in result.simulated if c.period_days]
    share = sum(c.met_share * c.period_days for c in served) / sum(c.period_days for c in served)
    assert share >= 0.85, result.simulated
    again = plans.check_day(model, sipp, target, key="peak", day=date(2026, 12, 7))
    assert again == result  # common random numbers: the same days every time
