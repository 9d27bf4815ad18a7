"""The roster (排班) through the HTTP API: a hall manager sets a day's shifts, the staffing plan counts them, bad
shifts and stale versions are refused without a half-saved roster, parallel saves of one day leave one winner, and
other halls, other roles and anonymous callers are refused; the demo history seeds a roster."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from smarthall.core.clock import SHANGHAI
from smarthall.operations.models import Shift
from tests.conftest import DEFAULT_NOW, DEMO_PASSWORD, auth
from tests.factories import assert_problem, make_staff
from tests.operations.test_plan_api import _history
from tests.queueing.helpers import HALL, problem

DAY = DEFAULT_NOW.astimezone(SHANGHAI).date()
ROSTER = f"/api/v1/halls/{HALL}/roster?date={DAY.isoformat()}"


def _clerks(client, env) -> list[tuple[int, str]]:
    from smarthall.identity import service as identity_service
    from smarthall.org import service as org_service

    with env.db.unit_of_work(write=False) as s:
        hall = org_service.hall_facts(s, HALL)
        return sorted((c.id, c.window_code) for c in identity_service.active_staff(s, hall_id=hall.id, roles=["clerk"]))


def _staff_id(env, username: str) -> int:
    from smarthall.identity.models import Staff

    with env.db.unit_of_work(write=False) as s:
        return int(s.execute(select(Staff.id).where(Staff.username == username)).scalar_one())


def test_a_manager_sets_the_roster_and_the_staffing_plan_counts_it(client, env):
    _history(env)
    manager = auth(client, "hallmanager1")
    empty = client.get(ROSTER, headers=manager)
    assert empty.status_code == 200, empty.text
    assert empty.json()["shifts"] == [] and empty.json()["version"] == 0
    (a, wa), (b, wb) = _clerks(client, env)[:2]
    body = {"version": 0, "shifts": [
        {"staff_id": a, "window_code": wa, "starts": "08:30", "ends": "12:00"},
        {"staff_id": a, "window_code": wa, "starts": "13:30", "ends": "17:00"},
        {"staff_id": b, "window_code": wb, "starts": "13:00", "ends": "17:00", "queues": ["A"]},
    ]}  # fmt: skip
    saved = client.put(ROSTER, json=body, headers=manager)
    assert saved.status_code == 200, saved.text
    out = saved.json()
    assert out["version"] == 1 and [(s["staff_id"], s["starts"], s["ends"]) for s in out["shifts"]] == [
        (a, "08:30", "12:00"), (b, "13:00", "17:00"), (a, "13:30", "17:00")]  # fmt: skip
    assert all(s["staff_name"] for s in out["shifts"])
    plan = client.get(f"/api/v1/halls/{HALL}/staffing?date={DAY.isoformat()}", headers=manager).json()
    by_hour = {h["hour"]: h["rostered"] for h in plan["hours"]}
    assert by_hour[9] == 1 and by_hour[14] == 2 and by_hour.get(12, 0) == 0
    again = client.put(ROSTER, json={"version": 1, "shifts": body["shifts"][:1]}, headers=manager)
    assert again.status_code == 200 and again.json()["version"] == 2 and len(again.json()["shifts"]) == 1
    problem(client.put(ROSTER, json={"version": 1, "shifts": []}, headers=manager), 409, "roster_changed")
    assert len(client.get(ROSTER, headers=manager).json()["shifts"]) == 1  # nothing half-done


def test_bad_shifts_are_refused_and_nothing_is_saved(client, env):
    manager = auth(client, "hallmanager1")
    (a, wa), (b, _wb) = _clerks(client, env)[:2]
    make_staff(env, username="far_clerk", role="clerk", hall_code="H-690200")
    other = _staff_id(env, "far_clerk")
    cases = {
        "staff_not_in_hall": {"staff_id": other, "starts": "09:00", "ends": "10:00"},
        "window_not_in_hall": {"staff_id": a, "window_code": "W99-NOPE", "starts": "09:00", "ends": "10:00"},
        "times": {"staff_id": a, "starts": "12:00", "ends": "09:00"},
        "unknown_queue": {"staff_id": a, "starts": "09:00", "ends": "10:00", "queues": ["#"]},
    }
    for reason, shift in cases.items():
        body = problem(client.put(ROSTER, json={"version": 0, "shifts": [shift]}, headers=manager), 422,
                       "roster_invalid")  # fmt: skip
        assert body["detail"]["reason"] == reason and body["message_en"], body
    overlap = [{"staff_id": b, "starts": "09:00", "ends": "11:00"}, {"staff_id": b, "starts": "10:30", "ends": "12:00"}]
    body = problem(client.put(ROSTER, json={"version": 0, "shifts": overlap}, headers=manager), 422, "roster_invalid")
    assert body["detail"] == {"index": 1, "overlaps": 0, "reason": "overlap"}
    assert_problem(client.put(ROSTER, json={"version": 0, "shifts": [{"staff_id": a, "starts": "9h", "ends": "10:00"}]},
                              headers=manager), 422, "validation_error")  # fmt: skip
    with env.db.unit_of_work(write=False) as s:
        assert s.execute(select(func.count()).select_from(Shift)).scalar_one() == 0
    assert client.get(ROSTER, headers=manager).json()["version"] == 0


def test_the_roster_refuses_other_halls_wrong_roles_and_anonymous(client, env):
    make_staff(env, username="othermgr3", role="hall_manager", hall_code="H-690200")
    other = auth(client, "othermgr3")
    body = {"version": 0, "shifts": []}
    problem(client.get(ROSTER, headers=other), 403, "out_of_scope")
    problem(client.put(ROSTER, json=body, headers=other), 403, "out_of_scope")
    for who in ("clerk1", "guide1", "auditor1"):
        assert_problem(client.get(ROSTER, headers=auth(client, who)), 403, "forbidden_role")
        assert_problem(client.put(ROSTER, json=body, headers=auth(client, who)), 403, "forbidden_role")
    assert_problem(client.put(ROSTER, json=body), 401, "unauthorized")


def test_parallel_saves_of_one_day_leave_one_winner(env, live_server):
    token = httpx.post(f"{live_server}/api/v1/auth/token",
                       data={"username": "hallmanager1", "password": DEMO_PASSWORD}).json()["access_token"]  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client() as c:
        clerks = _clerks(c, env)

    def one(k: int) -> int:
        staff_id, window = clerks[k % len(clerks)]
        shifts = [{"staff_id": staff_id, "window_code": window, "starts": "08:30", "ends": "17:00"}]
        return httpx.put(f"{live_server}{ROSTER}", json={"version": 0, "shifts": shifts}, headers=headers,
                         timeout=60).status_code  # fmt: skip

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(one, range(6)))
    assert codes == [200] + [409] * 5
    with env.db.unit_of_work(write=False) as s:
        assert s.execute(select(func.count()).select_from(Shift)).scalar_one() == 1


def test_the_demo_history_seeds_a_roster(env):
    from smarthall.operations import flows

    with env.db.unit_of_work() as s:
        result = flows.load_history(s, days=2, hall_codes=[HALL], seed=3, now=env.clock.now(),
                                    today=DAY)  # fmt: skip
        assert result["roster_days"] >= 5
        days = {d for (d,) in s.execute(select(Shift.day).distinct())}
    ahead = [DAY + timedelta(days=k) for k in range(14)]
    assert any(d in days for d in ahead) and all(d.isoweekday() <= 7 for d in days)


def test_enough_people_but_not_the_skills_is_a_gap_per_queue(client, env):
    """Everyone on shift serves the 公安 queue only: the hour has people enough for its counters but none for the
    市场监管 queue, so that queue is short and the hour is marked; rostering one of them for that queue closes it."""
    _history(env)
    manager = auth(client, "hallmanager1")
    staffing = f"/api/v1/halls/{HALL}/staffing?date={DAY.isoformat()}"
    nine = next(h for h in client.get(staffing, headers=manager).json()["hours"] if h["hour"] == 9)
    from smarthall.queueing import facts

    with env.db.unit_of_work(write=False) as session:
        ga, sc = (facts.prefixes(session)[department] for department in ("GA", "SC"))
    assert nine["queues"][ga]["sipp"] >= 1 and nine["queues"][sc]["sipp"] >= 1
    clerks = _clerks(client, env)
    people = nine["plan"] + 1
    assert len(clerks) >= people
    shifts = [{"staff_id": c, "window_code": w, "starts": "08:30", "ends": "12:00", "queues": [ga]}
              for c, w in clerks[:people]]  # fmt: skip
    assert client.put(ROSTER, json={"version": 0, "shifts": shifts}, headers=manager).status_code == 200
    plan = client.get(staffing, headers=manager).json()
    nine = next(h for h in plan["hours"] if h["hour"] == 9)
    assert nine["rostered"] == people and nine["gap"] > 0
    need_sc = max(nine["queues"][sc]["sipp"], nine["queues"][sc]["lag_sipp"])
    assert nine["skill_gaps"] == {sc: need_sc}
    assert nine["queues"][ga]["covered"] >= 1 and nine["queues"][sc]["covered"] == 0 and 9 in plan["short_hours"]
    page = client.get(f"/operations/staffing?hall={HALL}&date={DAY.isoformat()}", headers=manager)
    assert f'data-testid="skill-gap-9-{sc}"' in page.text and f" · 缺 {need_sc}" in page.text
    for s in shifts[:need_sc]:
        s["queues"] = [ga, sc]
    assert client.put(ROSTER, json={"version": 1, "shifts": shifts}, headers=manager).status_code == 200
    nine = next(h for h in client.get(staffing, headers=manager).json()["hours"] if h["hour"] == 9)
    assert nine["queues"][sc]["covered"] == need_sc and sc not in nine["skill_gaps"]
