"""Performance (8.2) through the HTTP API: the ranking recounted from served tickets and pad ratings, the score
from the hall's weights (a rule setting inherited down the hall tree), CSV and XLSX export, one's own record, and
refusals for other halls, wrong roles and bad input."""

from __future__ import annotations

import csv
import io

import openpyxl

from smarthall.staff import scoring
from tests.conftest import auth
from tests.factories import assert_problem, make_staff
from tests.queueing.helpers import W02
from tests.staff.helpers import HALL, OTHER_HALL, pad_rate, serve

DAY = {"from": "2026-11-30", "to": "2026-11-30"}


def _served_morning(env, client) -> None:
    """clerk1 at W01: three services of 5, 10 and 15 minutes rated 5, 4 and 1; clerk2 at W02: one of 20 minutes."""
    for minutes, level in ((5, 5), (10, 4), (15, 1)):
        pad_rate(client, serve(env, client, minutes=minutes), level)
    serve(env, client, minutes=20, window=W02, clerk="clerk2")


def _expected(weights: dict[str, int]) -> dict[str, float]:
    """The two scores recounted by hand from the morning above, measure by measure (see ``scoring``)."""
    fastest = 10 * 60  # clerk1's mean: (5 + 10 + 15) / 3 minutes
    clerk1 = {"handled": 3 / 3, "service_time": fastest / 600, "good_rating": 2 / 3, "complaints": 1 - 1 / 3}
    clerk2 = {"handled": 1 / 3, "service_time": fastest / 1200, "complaints": 1.0}

    def weighted(parts: dict[str, float]) -> float:
        total = sum(weights[k] for k in parts)
        return round(100 * sum(weights[k] * v for k, v in parts.items()) / total, 1)

    return {"clerk1": weighted(clerk1), "clerk2": weighted(clerk2)}


def test_ranking_is_recounted_from_tickets_and_ratings(env, client):
    _served_morning(env, client)
    manager = auth(client, "hallmanager1")
    r = client.get("/api/v1/staff-performance", params={"hall_code": HALL, **DAY}, headers=manager)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["weights"] == scoring.DEFAULT_WEIGHTS
    rows = {row["staff_code"]: row for row in data["rows"]}
    by_window = {row["window_code"]: row for row in data["rows"] if row["handled"]}
    one, two = by_window["H-690102-W01"], by_window["H-690102-W02"]
    assert (one["handled"], one["mean_service_minutes"], one["ratings"], one["complaints"]) == (3, 10.0, 3, 1)
    assert one["good_rating_rate"] == round(2 / 3, 4) and one["on_time_rate"] is None
    assert (two["handled"], two["mean_service_minutes"], two["ratings"], two["good_rating_rate"]) == (1, 20.0, 0, None)
    expected = _expected(scoring.DEFAULT_WEIGHTS)
    assert one["score"] == expected["clerk1"] and two["score"] == expected["clerk2"]
    assert data["rows"][0]["staff_code"] == one["staff_code"] and one["rank"] == 1 and two["rank"] == 2
    assert "*" in one["name"]  # masked in lists
    idle = [row for row in data["rows"] if not row["handled"]]
    assert idle and all(row["score"] == 0.0 and row["rank"] == 3 for row in idle)  # served nothing: shared last
    assert len(rows) == len(data["rows"])

    # the same ranking as CSV
    exported = client.get("/api/v1/staff-performance.csv", params={"hall_code": HALL, **DAY}, headers=manager)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert table[0][0] == "rank" and len(table) == len(data["rows"]) + 1
    assert table[1][1] == one["staff_code"] and table[1][-1] == str(one["score"])
    # and as an Excel workbook: the same rows, numbers kept as numbers
    book = client.get("/api/v1/staff-performance.xlsx", params={"hall_code": HALL, **DAY}, headers=manager)
    assert book.status_code == 200 and "spreadsheetml" in book.headers["content-type"]
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0][0] == "rank" and len(cells) == len(table)
    assert cells[1][1] == one["staff_code"] and cells[1][-1] == one["score"] and cells[1][5] == one["handled"]
    assert_problem(client.get("/api/v1/staff-performance.xlsx", headers=auth(client, "clerk1")), 403, "forbidden_role")

    # a day without services: nothing served, nobody scored above 0
    other_day = client.get(
        "/api/v1/staff-performance",
        params={"hall_code": HALL, "from": "2026-11-01", "to": "2026-11-29"},
        headers=manager,
    ).json()
    assert all(row["handled"] == 0 for row in other_day["rows"])


def test_own_record_and_who_may_read_whose(env, client):
    _served_morning(env, client)
    clerk = auth(client, "clerk1")
    mine = client.get("/api/v1/staff-performance/me", params=DAY, headers=clerk)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["record"]["handled"] == 3 and body["record"]["rank"] == 1 and "*" not in body["record"]["name"]
    assert body["ranked"] >= 2 and body["courses"] == []
    # a clerk reads no colleague's record and no ranking
    ranking = client.get("/api/v1/staff-performance", params={"hall_code": HALL}, headers=clerk)
    assert_problem(ranking, 403, "forbidden_role")
    colleague = client.get("/api/v1/staff-performance/me", headers=auth(client, "clerk2")).json()["record"]
    assert_problem(
        client.get(f"/api/v1/staff-performance/staff/{colleague['staff_code']}", headers=clerk),
        404,
        "staff_member_not_found",
    )
    # own code works the same as /me; the manager reads anyone of the hall (masked)
    own = client.get(f"/api/v1/staff-performance/staff/{body['record']['staff_code']}", params=DAY, headers=clerk)
    assert own.status_code == 200 and own.json()["record"]["handled"] == 3
    managed = client.get(
        f"/api/v1/staff-performance/staff/{body['record']['staff_code']}",
        params=DAY,
        headers=auth(client, "hallmanager1"),
    )
    assert managed.status_code == 200 and "*" in managed.json()["record"]["name"]
    # a manager of another hall sees neither the ranking nor the person
    make_staff(env, username="othermanager", role="hall_manager", hall_code=OTHER_HALL)
    other = auth(client, "othermanager")
    assert_problem(
        client.get("/api/v1/staff-performance", params={"hall_code": HALL}, headers=other), 403, "out_of_scope"
    )
    assert_problem(
        client.get(f"/api/v1/staff-performance/staff/{body['record']['staff_code']}", headers=other),
        404,
        "staff_member_not_found",
    )
    own_hall = client.get("/api/v1/staff-performance", headers=other).json()
    assert own_hall["hall_code"] == OTHER_HALL and all(r["handled"] == 0 for r in own_hall["rows"])
    # a citizen and an anonymous caller
    assert client.get("/api/v1/staff-performance/me").status_code == 401
    assert_problem(
        client.get("/api/v1/staff-performance/me", headers=auth(client, "690102199003071232")), 403, "forbidden_role"
    )


def test_bad_periods_are_refused(client):
    manager = auth(client, "hallmanager1")
    for params in ({"from": "2026-11-30", "to": "2026-11-01"}, {"from": "2024-01-01", "to": "2026-11-30"}):
        assert_problem(
            client.get("/api/v1/staff-performance", params={"hall_code": HALL, **params}, headers=manager),
            422,
            "performance_bad_period",
        )
    assert_problem(
        client.get("/api/v1/staff-performance", params={"from": "30/11/2026"}, headers=manager), 422, "validation_error"
    )
    assert_problem(
        client.get("/api/v1/staff-performance", params={"hall_code": "H-NOPE"}, headers=manager), 404, "hall_not_found"
    )


def test_weights_are_a_hall_setting_inherited_down_the_tree(env, client):
    _served_morning(env, client)
    admin = auth(client, "admin1")
    manager = auth(client, "hallmanager1")
    region = client.put(
        "/api/v1/staff-performance/weights",
        json={"scope_code": "690102", "weights": {"good_rating": 50, "complaints": 50}},
        headers=admin,
    )
    assert region.status_code == 200, region.text
    inherited = client.get("/api/v1/staff-performance", params={"hall_code": HALL, **DAY}, headers=manager).json()
    assert inherited["weights"]["good_rating"] == 50 and inherited["weights"]["handled"] == 0
    by_window = {row["window_code"]: row for row in inherited["rows"] if row["handled"]}
    # clerk2 had no complaint and no rating: only the complaint measure counts, full marks; clerk1: (2/3 + 2/3) / 2
    assert by_window["H-690102-W02"]["score"] == 100.0
    assert by_window["H-690102-W01"]["score"] == round(100 * (50 * 2 / 3 + 50 * 2 / 3) / 100, 1)
    assert inherited["rows"][0]["window_code"] == "H-690102-W02"
    # the hall's own setting wins over the region's
    hall = client.put(
        "/api/v1/staff-performance/weights", json={"scope_code": HALL, "weights": {"handled": 1}}, headers=admin
    )
    assert hall.status_code == 200
    nearest = client.get("/api/v1/staff-performance", params={"hall_code": HALL, **DAY}, headers=manager).json()
    assert nearest["weights"] == {"handled": 1, "service_time": 0, "on_time": 0, "good_rating": 0, "complaints": 0}
    rules = client.get("/api/v1/rules", params={"hall_code": HALL}, headers=admin).json()
    assert "staff.score_weights" in str(rules)
    # not a formula: unknown measures, non-numbers, all zero; the wrong role; a hall not managed
    for weights in ({"handled": 10, "__import__": 1}, {"handled": "1+1"}, {"handled": 0}, {"handled": 101}):
        assert_problem(
            client.put(
                "/api/v1/staff-performance/weights", json={"scope_code": HALL, "weights": weights}, headers=admin
            ),
            422,
            "performance_bad_weights",
        )
    assert_problem(
        client.put(
            "/api/v1/staff-performance/weights", json={"scope_code": HALL, "weights": {"handled": 5}}, headers=manager
        ),
        403,
        "forbidden_role",
    )
    make_staff(env, username="otheradmin", role="admin", hall_code=OTHER_HALL)
    refused = client.put(
        "/api/v1/staff-performance/weights",
        json={"scope_code": HALL, "weights": {"handled": 5}},
        headers=auth(client, "otheradmin"),
    )
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")


def test_scoring_is_weights_only_and_ties_share_a_rank():
    same = scoring.Figures(2, 600, 0, 0, 0, 0, 0)
    ranked = scoring.rank({1: same, 2: same, 3: scoring.Figures(1, 600, 0, 0, 0, 0, 0)}, scoring.DEFAULT_WEIGHTS)
    assert [(k, place) for k, _score, place in ranked] == [(1, 1), (2, 1), (3, 3)]
    assert scoring.usable_weights({"handled": "__import__('os')"}) == scoring.DEFAULT_WEIGHTS
    assert scoring.usable_weights(None) == scoring.DEFAULT_WEIGHTS
