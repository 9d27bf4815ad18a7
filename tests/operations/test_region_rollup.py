"""The region-level rollup of the facts (issue 13, scale): every region's row is the sum of the hall-day rollup rows
of the halls beneath it, after the generated history, after an incremental refold and after a rebuild; the API's
region answers (read from it) are the same as the hourly facts' (summed over queues); and a reader who does not see
the whole region still sums only the halls they may see."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from smarthall.core.tenancy import Actor
from smarthall.operations import fact_repository as repo
from smarthall.operations import factbook, flows
from smarthall.operations.models import MEASURES, REGION_GRAINS, FactDay, FactRegion
from smarthall.org import service as org_service
from tests.conftest import auth
from tests.factories import make_staff
from tests.operations.test_rollup import _sum_by

DAY = date(2026, 11, 24)
Q = {"from": "2026-11-25", "to": "2026-11-27"}


def _history(env) -> None:
    with env.db.unit_of_work() as session:
        flows.load_history(session, days=3, hall_codes=["H-690102", "H-690200", "H-690100"], seed=5,
                           now=env.clock.now(), today=DAY + timedelta(days=4))  # fmt: skip


def _recount(session) -> dict[tuple, tuple[int, ...]]:
    """The region rows recounted from the hall-day rollup: every prefix of each hall row's region path."""
    out: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for r in session.execute(select(FactDay).where(FactDay.grain.in_(REGION_GRAINS))).scalars():
        for region in repo.region_paths(r.region_path):
            acc = out[(r.grain, region, r.day, r.hour, r.item_code)]
            for n, m in enumerate(MEASURES):
                acc[n] += getattr(r, m)
    return {k: tuple(v) for k, v in out.items() if any(v)}


def _stored(session) -> dict[tuple, tuple[int, ...]]:
    rows = session.execute(select(FactRegion)).scalars()
    stored = {(r.grain, r.region_path, r.day, r.hour, r.item_code): tuple(getattr(r, m) for m in MEASURES)
              for r in rows}  # fmt: skip
    return {k: v for k, v in stored.items() if any(v)}  # a region-day whose halls all went to zero keeps a 0 row


def test_region_rows_are_the_sums_of_the_halls_beneath_through_refolds_and_a_rebuild(env, client):
    _history(env)
    with env.db.unit_of_work() as session:
        recount = _recount(session)
        assert len({k[1] for k in recount}) >= 3  # the province, two cities at least
        assert _stored(session) == recount
    kiosk = {"X-Device-Key": "demo-kiosk-key"}
    for item in ("GA-001", "SC-001"):
        issued = client.post("/api/v1/tickets", json={"hall_code": "H-690102", "item_code": item}, headers=kiosk)
        assert issued.status_code == 201, issued.text
    now = env.clock.now()
    with env.db.unit_of_work() as session:  # the minute job folds today in: its regions follow
        assert factbook.fold_changed(session, now=now) >= 1
        hall = org_service.hall_facts(session, "H-690102")
        factbook.fold_hall_day(session, hall.id, DAY + timedelta(days=2))  # a refold of the same records: no change
    with env.db.unit_of_work() as session:
        recount = _recount(session)
        assert _stored(session) == recount
        today = factbook.service_day(now)
        assert recount[("day", "690000/", today, -1, "")][MEASURES.index("arrivals")] >= 2
    with env.db.unit_of_work() as session:
        factbook.rebuild(session, now=now)
    with env.db.unit_of_work() as session:
        assert _stored(session) == _recount(session) == recount


def test_the_region_answers_are_the_hourly_facts_and_a_partial_viewer_sums_only_their_halls(env, client):
    _history(env)
    make_staff(env, username="prov_admin", role="admin", hall_code="H-690100")
    admin = auth(client, "prov_admin")
    for level, code in (("city", "690100"), ("county", "690102")):
        for groups in ((), ("day",), ("weekday", "hour"), ("item",)):
            params = {**Q, "level": level, "code": code}
            fast = client.get("/api/v1/facts", params={**params, "group_by": ",".join(groups)}, headers=admin)
            slow = client.get("/api/v1/facts", params={**params, "group_by": ",".join((*groups, "queue"))},
                              headers=admin)  # fmt: skip
            assert fast.status_code == 200 and slow.status_code == 200, (fast.text, slow.text)
            assert fast.json()["rows"], (level, groups)
            assert _sum_by(fast.json()["rows"], groups) == _sum_by(slow.json()["rows"], groups), (level, groups)
    with env.db.unit_of_work() as session:
        hall = org_service.hall_facts(session, "H-690102")
        whole = repo.fact_sums(session, factbook.SYSTEM, region_path="690000/", hall_id=None, from_day=DAY,
                               to_day=DAY + timedelta(days=3), group_by=[])  # fmt: skip
        own = repo.fact_sums(session, factbook.SYSTEM, region_path=None, hall_id=hall.id, from_day=DAY,
                             to_day=DAY + timedelta(days=3), group_by=[])  # fmt: skip
    # a hall manager asking for the province's rows directly (past the service's scope check) gets only their hall's
    manager = Actor(kind="staff", id=1, role="hall_manager", hall_id=hall.id, hall_code=hall.code,
                    region_path=hall.region_path)  # fmt: skip
    with env.db.unit_of_work() as session:
        mine = repo.fact_sums(session, manager, region_path="690000/", hall_id=None, from_day=DAY,
                              to_day=DAY + timedelta(days=3), group_by=[])  # fmt: skip
    assert whole[0]["arrivals"] > own[0]["arrivals"] > 0
    assert mine[0]["arrivals"] == own[0]["arrivals"]
    assert repo.fact_sums.__module__ == "smarthall.operations.fact_repository"
