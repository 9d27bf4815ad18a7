"""The demo as a manager opens it on a fresh ``make run``: the generated history, the forecast fitted on it and the
demo roster give a staffing plan a real hall could have — peaks one to three counters over the roster at most, most
hours covered, a few visible gaps, the lunch break closed — and the simulation check of a day answers."""

from __future__ import annotations

from datetime import timedelta

from smarthall.core.clock import SHANGHAI
from smarthall.operations import flows
from tests.conftest import DEFAULT_NOW, auth
from tests.queueing.helpers import HALL

TODAY = DEFAULT_NOW.astimezone(SHANGHAI).date()


def test_the_demo_plan_is_plausible_for_the_demo_roster(env, client):
    with env.db.unit_of_work() as s:
        flows.load_history(s, days=35, hall_codes=[HALL], seed=20261202, now=env.clock.now(), today=TODAY)
    manager = auth(client, "hallmanager1")
    hours, short, worst = 0, 0, 0
    for k in range(7):
        day = TODAY + timedelta(days=k)
        r = client.get(f"/api/v1/halls/{HALL}/staffing?date={day.isoformat()}", headers=manager)
        assert r.status_code == 200, r.text
        for h in r.json()["hours"]:
            if h["closed"]:  # 12:00–14:00: the windows are closed, the tickets wait for 14:00
                assert h["hour"] in (12, 13) and h["plan"] == 0 and h["rostered"] == 0
                continue
            hours += 1
            assert h["plan"] == max(h["sipp"], h["lag_sipp"]) and set(h["pools"]) == {"all"}
            assert h["rostered"] >= 1, (day, h["hour"])  # the roster covers every open hour
            short += h["gap"] < 0
            worst = max(worst, h["plan"] - h["rostered"])
    assert hours >= 40
    assert 1 <= short <= hours // 4 and worst <= 3, (short, hours, worst)
    checked = client.get(f"/api/v1/halls/{HALL}/staffing?date={TODAY.isoformat()}&check=true", headers=manager)
    assert checked.status_code == 200, checked.text
    sim = checked.json()["simulation"]
    assert sim["days"] > 0 and 0 < sim["met_share"]["plan"] <= 1
