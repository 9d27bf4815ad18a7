"""The day-level rollup of the facts (issue 13, dashboard speed): every grain equals the sums of the hourly facts,
the API answers the same from the rollup as from the hourly grain, the rollup follows the incremental fold, and a
hall manager can fold today on demand (other halls and other roles refused)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from smarthall.operations import flows
from smarthall.operations import repository as repo
from smarthall.operations import service as operations_service
from smarthall.operations.models import MEASURES, ROLLUP_GRAINS, Fact, FactDay
from tests.conftest import auth
from tests.factories import assert_problem, make_staff

DAY = date(2026, 11, 24)
Q = {"from": "2026-11-25", "to": "2026-11-27"}


def _history(env) -> None:
    with env.db.unit_of_work() as session:
        flows.load_history(session, days=3, hall_codes=["H-690102", "H-690200"], seed=11, now=env.clock.now(),
                           today=DAY + timedelta(days=4))  # fmt: skip


def test_every_rollup_grain_sums_to_the_hourly_facts(env):
    _history(env)
    split = {"day": (), "hour": (Fact.hour,), "item": (Fact.item_code,), "window": (Fact.window_code,)}
    with env.db.unit_of_work() as session:
        for grain in ROLLUP_GRAINS:
            keys = split[grain]
            facts = session.execute(
                select(Fact.hall_id, Fact.day, *keys, *[func.sum(getattr(Fact, m)) for m in MEASURES])
                .group_by(Fact.hall_id, Fact.day, *keys)
            ).all()  # fmt: skip
            cols = {"hour": FactDay.hour, "item": FactDay.item_code, "window": FactDay.window_code}
            roll_keys = (cols[grain],) if grain in cols else ()
            rolled = session.execute(
                select(FactDay.hall_id, FactDay.day, *roll_keys, *[getattr(FactDay, m) for m in MEASURES])
                .where(FactDay.grain == grain)
            ).all()  # fmt: skip
            assert len(facts) > 0
            assert sorted(tuple(int(x) if isinstance(x, int) else x for x in r) for r in facts) == sorted(
                tuple(r) for r in rolled
            ), grain


def _sum_by(rows: list[dict], keys: tuple[str, ...]) -> dict[tuple, dict[str, int]]:
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for r in rows:
        acc = out[tuple(r[k] for k in keys)]
        for m in MEASURES:
            acc[m] += r[m]
    return dict(out)


def test_the_api_answers_the_same_from_the_rollup_as_from_the_hourly_facts(env, client):
    """``group_by=item`` reads the rollup, ``group_by=item,queue`` the hourly facts: summed over queues they agree,
    for each grouping the cockpit and the wall screen use."""
    _history(env)
    headers = auth(client, "hallmanager1")
    for groups in (("day",), ("weekday", "hour"), ("item",), ("window",), ("child",)):
        params = {**Q, "level": "hall", "code": "H-690102"}
        fast = client.get("/api/v1/facts", params={**params, "group_by": ",".join(groups)}, headers=headers)
        slow = client.get("/api/v1/facts", params={**params, "group_by": ",".join((*groups, "queue"))},
                          headers=headers)  # fmt: skip
        assert fast.status_code == 200 and slow.status_code == 200, (fast.text, slow.text)
        assert fast.json()["rows"], groups
        assert _sum_by(fast.json()["rows"], groups) == _sum_by(slow.json()["rows"], groups), groups
    total = client.get("/api/v1/facts", params={**Q, "level": "hall", "code": "H-690102"}, headers=headers).json()
    by_day = client.get("/api/v1/facts", params={**Q, "level": "hall", "code": "H-690102", "group_by": "day"},
                        headers=headers).json()  # fmt: skip
    assert total["rows"][0]["arrivals"] == sum(r["arrivals"] for r in by_day["rows"]) > 0
    assert repo.rollup_grain(["day"]) == "day" and repo.rollup_grain(["hour", "item"]) is None


def test_the_rollup_follows_the_incremental_fold_and_a_manager_can_fold_today_on_demand(env, client):
    now = env.clock.now()
    today = operations_service.service_day(now).isoformat()
    with env.db.unit_of_work() as session:
        operations_service.fold_changed(session, now=now)
    kiosk = {"X-Device-Key": "demo-kiosk-key"}
    for _ in range(2):
        issued = client.post("/api/v1/tickets", json={"hall_code": "H-690102", "item_code": "GA-001"}, headers=kiosk)
        assert issued.status_code == 201, issued.text
    mgr = auth(client, "hallmanager1")
    params = {"from": today, "to": today, "level": "hall", "code": "H-690102", "group_by": "day"}
    before = client.get("/api/v1/facts", params=params, headers=mgr).json()["rows"]
    assert before == []  # not folded yet: the minute job has not run
    done = client.post("/api/v1/halls/H-690102/facts/refresh", headers=mgr)
    assert done.status_code == 200, done.text
    assert done.json()["day"] == today and done.json()["fact_rows"] >= 1
    rows = client.get("/api/v1/facts", params=params, headers=mgr).json()["rows"]
    assert [r["arrivals"] for r in rows] == [2]
    client.post("/api/v1/tickets", json={"hall_code": "H-690102", "item_code": "GA-001"}, headers=kiosk)
    with env.db.unit_of_work() as session:  # the minute job refreshes the rollup with the facts
        assert operations_service.fold_changed(session, now=now + timedelta(seconds=5)) >= 1
    rows = client.get("/api/v1/facts", params=params, headers=mgr).json()["rows"]
    assert [r["arrivals"] for r in rows] == [3]


def test_fold_today_refuses_other_halls_and_wrong_roles(env, client):
    make_staff(env, username="other_mgr2", role="hall_manager", hall_code="H-690200")
    other = auth(client, "other_mgr2")
    assert_problem(client.post("/api/v1/halls/H-690102/facts/refresh", headers=other), 403, "out_of_scope")
    clerk = auth(client, "clerk1")
    assert_problem(client.post("/api/v1/halls/H-690102/facts/refresh", headers=clerk), 403, "forbidden_role")
    assert_problem(client.post("/api/v1/halls/H-690102/facts/refresh"), 401, "unauthorized")
