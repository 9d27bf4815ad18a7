"""Facts (issue 13 item 2): the fold equals a direct recount from raw records (random histories, pure and through the
database), it is idempotent and incremental, and ``GET /api/v1/facts`` is scoped and refuses bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from smarthall.core.clock import SHANGHAI
from smarthall.operations import facts as fold_facts
from smarthall.operations import flows, history
from smarthall.operations import repository as repo
from smarthall.operations import service as operations_service
from smarthall.operations.models import MEASURES, Fact
from smarthall.org import service as org_service
from tests.conftest import auth
from tests.factories import assert_problem, make_staff

DAY = date(2026, 11, 24)
START = datetime(2026, 11, 24, 8, 30, tzinfo=SHANGHAI)

tickets_st = st.lists(
    st.fixed_dictionaries(
        {
            "offset": st.integers(0, 9 * 3600),
            "queue_code": st.sampled_from("ABC"),
            "item_code": st.sampled_from(["GA-001", "RS-001", "SC-002"]),
            "window_code": st.sampled_from([None, "W01", "W02"]),
            "staff_id": st.sampled_from([None, 1, 2]),
            "priority": st.booleans(),
            "status": st.sampled_from(["waiting", "called", "finished", "skipped", "cancelled"]),
            "transfer_count": st.integers(0, 2),
            "wait": st.one_of(st.none(), st.integers(0, 7200)),
            "handle": st.integers(0, 3600),
        }
    ),
    max_size=40,
)


def _tickets(raw: list[dict]) -> list[dict]:
    out = []
    for r in raw:
        issued = START + timedelta(seconds=r["offset"])
        called = None if r["wait"] is None else issued + timedelta(seconds=r["wait"])
        finished = called + timedelta(seconds=r["handle"]) if called and r["status"] == "finished" else None
        out.append({**r, "issued_at": issued, "called_at": called, "finished_at": finished})
    return out


@given(tickets_st)
def test_fold_totals_equal_a_recount(raw):
    tickets = _tickets(raw)
    rows = fold_facts.fold(tickets)
    total = {m: sum(r[m] for r in rows.values()) for m in MEASURES}
    called = [t for t in tickets if t["called_at"] is not None]
    assert total["arrivals"] == len(tickets)
    assert total["served"] == sum(t["status"] == "finished" for t in tickets)
    assert total["abandoned"] == sum(t["status"] == "cancelled" for t in tickets)
    assert total["wait_n"] == len(called)
    assert total["wait_sum"] == sum(int((t["called_at"] - t["issued_at"]).total_seconds()) for t in called)
    assert total["wait_over30"] == sum((t["called_at"] - t["issued_at"]).total_seconds() > 1800 for t in called)
    assert sum(total[f"w{i}"] for i in range(10)) == len(called)
    for key, row in rows.items():  # every row is the recount of its own cell
        mine = [t for t in tickets if (t["issued_at"].astimezone(SHANGHAI).hour, t["queue_code"], t["item_code"],
                                        t["window_code"] or "", t["staff_id"] or 0) == key]  # fmt: skip
        assert row["arrivals"] == len(mine)


def _recount(session, hall_id: int, days: list[date]) -> dict[str, int]:
    t, b, c, r = (repo.table(n) for n in ("queue_ticket", "appointment_booking", "cases_case", "evaluation_rating"))
    start = datetime.combine(min(days), datetime.min.time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(max(days) + timedelta(days=1), datetime.min.time(), SHANGHAI).astimezone(UTC)

    def n(stmt) -> int:
        return int(session.execute(stmt).scalar_one())

    in_t = (t.c.hall_id == hall_id, t.c.day.in_(days))
    return {
        "arrivals": n(select(func.count()).where(*in_t)),
        "served": n(select(func.count()).where(*in_t, t.c.status == "finished")),
        "abandoned": n(select(func.count()).where(*in_t, t.c.status == "cancelled")),
        "skipped": n(select(func.count()).where(*in_t, t.c.status == "skipped")),
        "appt_kept": n(
            select(func.count()).where(b.c.hall_id == hall_id, b.c.day.in_(days), b.c.status == "checked_in")
        ),  # fmt: skip
        "appt_missed": n(
            select(func.count()).where(b.c.hall_id == hall_id, b.c.day.in_(days), b.c.status == "no_show")
        ),  # fmt: skip
        "cases_submitted": n(
            select(func.count()).where(c.c.hall_id == hall_id, c.c.submitted_at >= start, c.c.submitted_at < end)
        ),  # fmt: skip
        "ratings_n": n(
            select(func.count()).where(
                r.c.hall_id == hall_id,
                r.c.rated_at >= start,
                r.c.rated_at < end,
                r.c.current.is_(True),
                r.c.excluded.is_(False),
            )
        ),  # fmt: skip
    }


def _fact_totals(session, hall_id: int, days: list[date]) -> dict[str, int]:
    stmt = select(*[func.coalesce(func.sum(getattr(Fact, m)), 0) for m in MEASURES]).where(
        Fact.hall_id == hall_id, Fact.day.in_(days)
    )
    return dict(zip(MEASURES, (int(x) for x in session.execute(stmt).one()), strict=True))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(1, 10_000), days=st.integers(1, 3))
def test_facts_of_a_generated_history_equal_a_recount_from_raw_records(env, seed, days):
    now = env.clock.now()
    with env.db.unit_of_work() as session:
        hall = org_service.hall_facts(session, "H-690102001")  # a township station: small days
        history.generate(session, halls=[hall], items=history.catalog_items(), days=days,
                                   today=DAY + timedelta(days=days + 1), seed=seed)  # fmt: skip
        operations_service.rebuild(session, now=now, hall_ids=[hall.id])
        span = [DAY + timedelta(days=k) for k in range(1, days + 1)]
        totals = _fact_totals(session, hall.id, span)
        recount = _recount(session, hall.id, span)
        assert {k: totals[k] for k in recount} == recount
        before = session.execute(select(Fact.id, Fact.arrivals).order_by(Fact.id)).all()
        operations_service.rebuild(session, now=now, hall_ids=[hall.id])  # idempotent: the same rows again
        assert _fact_totals(session, hall.id, span) == totals
        assert len(session.execute(select(Fact.id)).all()) == len(before)
        repo.delete_all_facts(session)


def test_a_new_ticket_is_folded_by_the_next_incremental_fold(env, client):
    now = env.clock.now()
    with env.db.unit_of_work() as session:
        operations_service.fold_changed(session, now=now)
    kiosk = {"X-Device-Key": "demo-kiosk-key"}
    issued = client.post("/api/v1/tickets", json={"hall_code": "H-690102", "item_code": "GA-001"}, headers=kiosk)
    assert issued.status_code == 201, issued.text
    with env.db.unit_of_work() as session:
        assert operations_service.fold_changed(session, now=now + timedelta(seconds=5)) >= 1
        arrivals = operations_service.hourly_arrivals(session, operations_service.SYSTEM, "H-690102", now.date(),
                                                      now.date())  # fmt: skip
    assert sum(n for _d, _h, n in arrivals) == 1
    assert arrivals[0][1] == now.astimezone(SHANGHAI).hour


def _history(env) -> None:
    with env.db.unit_of_work() as session:
        flows.load_history(session, days=3, hall_codes=["H-690102", "H-690200"], seed=7, now=env.clock.now(),
                           today=DAY + timedelta(days=4))  # fmt: skip


def test_facts_api_rolls_up_and_exports(env, client):
    _history(env)
    headers = auth(client, "hallmanager1")
    q = {"from": "2026-11-25", "to": "2026-11-27"}
    hall = client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102", "group_by": "day"},
                      headers=headers)  # fmt: skip
    assert hall.status_code == 200, hall.text
    body = hall.json()
    assert [r["day"] for r in body["rows"]] == ["2026-11-25", "2026-11-26", "2026-11-27"]
    assert all(r["arrivals"] > 0 and r["wait_p95_min"] is not None for r in body["rows"])
    by_hour = client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102", "group_by": "hour,item"},
                         headers=headers).json()  # fmt: skip
    assert sum(r["arrivals"] for r in by_hour["rows"]) == sum(r["arrivals"] for r in body["rows"])
    csv = client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102", "group_by": "day",
                                              "format": "csv"}, headers=headers)  # fmt: skip
    assert csv.status_code == 200 and csv.text.startswith("\ufeffday,arrivals")
    xlsx = client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102", "format": "xlsx"},
                      headers=headers)  # fmt: skip
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    make_staff(env, username="prov_admin", role="admin", hall_code="H-690100")
    admin = auth(client, "prov_admin")
    with env.db.unit_of_work() as session:
        city = org_service.hall_facts(session, "H-690100").region_path.rstrip("/").split("/")[-1]
        province = org_service.scope_facts(session, city)
    assert province is not None
    tree = client.get("/api/v1/facts", params={**q, "level": province.level, "code": province.code,
                                               "group_by": "child"}, headers=admin)  # fmt: skip
    assert tree.status_code == 200, tree.text
    assert sum(r["arrivals"] for r in tree.json()["rows"]) >= sum(r["arrivals"] for r in body["rows"])


def test_facts_api_refuses_other_halls_wrong_roles_and_bad_input(env, client):
    _history(env)
    q = {"from": "2026-11-25", "to": "2026-11-27"}
    make_staff(env, username="other_mgr", role="hall_manager", hall_code="H-690200")
    other = auth(client, "other_mgr")
    r = client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102"}, headers=other)
    assert r.status_code in (403, 404) and r.headers["content-type"].startswith("application/problem+json")
    clerk = auth(client, "clerk1")
    assert_problem(client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102"}, headers=clerk),
                   403, "operations_not_manager")  # fmt: skip
    mgr = auth(client, "hallmanager1")
    assert_problem(client.get("/api/v1/facts", params={**q, "level": "galaxy", "code": "H-690102"}, headers=mgr),
                   400, "facts_bad_level")  # fmt: skip
    assert_problem(client.get("/api/v1/facts", params={**q, "level": "county", "code": "H-690102"}, headers=mgr),
                   400, "facts_bad_level")  # fmt: skip
    bad = {"from": "2026-11-27", "to": "2026-11-25", "level": "hall", "code": "H-690102"}
    assert_problem(client.get("/api/v1/facts", params=bad, headers=mgr), 400, "facts_bad_range")
    long = {"from": "2024-01-01", "to": "2026-11-25", "level": "hall", "code": "H-690102"}
    assert_problem(client.get("/api/v1/facts", params=long, headers=mgr), 400, "facts_bad_range")
    assert_problem(client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102", "group_by": "x"},
                              headers=mgr), 400, "facts_bad_group")  # fmt: skip
    assert_problem(client.get("/api/v1/facts", params={**q, "level": "hall", "code": "H-690102"}), 401, "unauthorized")


def test_a_generated_history_reads_as_real_case_threads(env):
    """Past cases are shown to staff: none still lists materials to supplement, and every 补正 notice in their
    timelines is answered by the applicant's resubmission before the case goes on."""
    from smarthall.cases.models import Case, CaseEvent

    with env.db.unit_of_work() as session:
        hall = org_service.hall_facts(session, "H-690102")
        history.generate(session, halls=[hall], items=history.catalog_items(), days=3,
                         today=DAY + timedelta(days=4), seed=7)  # fmt: skip
        cases = session.scalars(select(Case).where(Case.hall_code == "H-690102")).all()
        assert cases and all(c.missing == [] and c.status != "supplement" for c in cases)
        noticed = 0
        for case in cases:
            events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
            states = [(e.from_status, e.to_status) for e in events]
            assert all(a[1] == b[0] for a, b in zip(states, states[1:], strict=False)), states
            for e, nxt in zip(events, events[1:], strict=False):
                if e.action == "supplement":
                    noticed += 1
                    assert e.detail["missing"] and nxt.action == "resubmit" and nxt.actor_kind == "citizen"
        assert noticed > 0


def test_every_improvement_table_exports_as_csv_and_xlsx(env, client):
    """The improvement page links an export for each of its tables; each holds the rows the page shows."""
    _history(env)
    headers = auth(client, "hallmanager1")
    q = {"from": "2026-11-25", "to": "2026-11-27", "level": "hall", "code": "H-690102"}
    data = client.get("/api/v1/improvement", params=q, headers=headers)
    assert data.status_code == 200, data.text
    body = data.json()
    assert body["tags"] and body["notice_items"] and body["slowest"]
    for table, key in (("tags", "tags"), ("notices", "notice_items"), ("slowest", "slowest"),
                       ("materials", "materials"), ("questions", "questions"), ("no_shows", "no_shows")):  # fmt: skip
        csv = client.get("/api/v1/improvement", params={**q, "table": table, "format": "csv"}, headers=headers)
        assert csv.status_code == 200 and csv.text.startswith("\ufeff"), (table, csv.text[:200])
        assert len(csv.text.strip().splitlines()) == 1 + len(body[key]), table
        xlsx = client.get("/api/v1/improvement", params={**q, "table": table, "format": "xlsx"}, headers=headers)
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    first = body["tags"][0]
    assert (
        f"{first['tag']},{first['count']}"
        in client.get("/api/v1/improvement", params={**q, "table": "tags", "format": "csv"}, headers=headers).text
    )
    page = client.get("/operations/improvement", params={"level": "hall", "code": "H-690102", "from": q["from"],
                                                         "to": q["to"]}, headers=headers)  # fmt: skip
    assert page.status_code == 200 and page.text.count('data-testid="export-csv"') == 6
    assert_problem(client.get("/api/v1/improvement", params={**q, "table": "nope"}, headers=headers), 422,
                   "validation_error")  # fmt: skip
    assert_problem(client.get("/api/v1/improvement", params=q, headers=auth(client, "clerk1")), 403,
                   "operations_not_manager")  # fmt: skip
    assert_problem(client.get("/api/v1/improvement", params=q), 401, "unauthorized")
