"""Statistics by window, staff, item, department and period, with CSV export; masked raters in staff lists."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from smarthall.core.clock import SHANGHAI
from tests.conftest import auth
from tests.evaluation.conftest import citizen_headers
from tests.factories import assert_problem


def _rate(client, services, ref: int, level: int, **subject) -> dict:
    services.add("ticket", str(ref), **subject)
    r = client.post(
        "/api/v1/evaluations",
        json={"ticket_id": ref, "level": level, "channel": "web"},
        headers=citizen_headers(client),
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_stats_by_window_item_and_period_with_on_time_rates(env, client, services):
    _rate(client, services, 1, 5)
    _rate(client, services, 2, 4)
    _rate(client, services, 3, 3, window_code="H-690102-W02", item_code="GA-001", department_code="GA")
    bad = _rate(client, services, 4, 1, window_code="H-690102-W02", item_code="GA-001", department_code="GA")
    manager = auth(client, "hallmanager1")
    client.post(
        f"/api/v1/rectifications/{bad['rectification_id']}/actions", json={"action": "follow_up"}, headers=manager
    )
    env.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI))
    _rate(client, services, 5, 2)
    manager = auth(client, "hallmanager1")

    by_window = client.get(
        "/api/v1/evaluations/stats", params={"hall_code": "H-690102", "group_by": "window"}, headers=manager
    ).json()
    rows = {r["key"]: r for r in by_window["rows"]}
    assert rows["H-690102-W01"]["count"] == 3 and rows["H-690102-W01"]["bad_count"] == 1
    assert rows["H-690102-W01"]["satisfaction_rate"] == round(2 / 3, 4)
    assert rows["H-690102-W02"]["levels"] == {"5": 0, "4": 0, "3": 1, "2": 0, "1": 1}
    assert rows["H-690102-W02"]["follow_up_on_time_rate"] == 1.0
    assert rows["H-690102-W01"]["follow_up_on_time_rate"] is None
    assert by_window["total"]["count"] == 5 and by_window["total"]["satisfaction_rate"] == 0.6

    by_item = client.get(
        "/api/v1/evaluations/stats", params={"hall_code": "H-690102", "group_by": "item"}, headers=manager
    ).json()
    assert {r["key"]: r["count"] for r in by_item["rows"]} == {"GA-001": 2, "SC-001": 3}
    by_dept = client.get(
        "/api/v1/evaluations/stats", params={"hall_code": "H-690102", "group_by": "department"}, headers=manager
    ).json()
    assert {r["key"] for r in by_dept["rows"]} == {"GA", "SC"}
    by_staff = client.get(
        "/api/v1/evaluations/stats", params={"hall_code": "H-690102", "group_by": "staff"}, headers=manager
    ).json()
    assert by_staff["rows"][0]["label"].startswith("H-690102-S07 陈*溪")
    period = client.get(
        "/api/v1/evaluations/stats",
        params={"hall_code": "H-690102", "group_by": "day", "from": "2026-11-30", "to": "2026-11-30"},
        headers=manager,
    ).json()
    assert [(r["key"], r["count"]) for r in period["rows"]] == [("2026-11-30", 4)]

    csv_resp = client.get(
        "/api/v1/evaluations/stats.csv", params={"hall_code": "H-690102", "group_by": "window"}, headers=manager
    )
    assert csv_resp.status_code == 200 and csv_resp.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(csv_resp.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["window", "label", "count"]
    assert table[-1][0] == "total" and table[-1][2] == "5"


def test_stats_denials_and_bad_parameters(env, client, services):
    manager = auth(client, "hallmanager1")
    assert_problem(
        client.get("/api/v1/evaluations/stats", params={"hall_code": "H-690102"}, headers=auth(client, "clerk1")),
        403,
        "forbidden_role",
    )
    assert_problem(client.get("/api/v1/evaluations/stats", params={"hall_code": "H-690102"}), 401, "unauthorized")
    assert_problem(
        client.get("/api/v1/evaluations/stats", params={"hall_code": "H-690123"}, headers=manager), 403, "out_of_scope"
    )
    assert_problem(
        client.get("/api/v1/evaluations/stats", params={"hall_code": "H-690102", "group_by": "mood"}, headers=manager),
        422,
        "unknown_group_by",
    )
    assert_problem(
        client.get(
            "/api/v1/evaluations/stats",
            params={"hall_code": "H-690102", "from": "2026-12-05", "to": "2026-12-01"},
            headers=manager,
        ),
        422,
        "date_range_inverted",
    )
    assert_problem(
        client.get("/api/v1/evaluations/stats", params={"hall_code": "H-690102", "from": "yesterday"}, headers=manager),
        422,
        "validation_error",
    )
    assert_problem(
        client.get("/api/v1/evaluations/stats", params={"hall_code": "H-NOPE"}, headers=manager), 404, "hall_not_found"
    )
    auditor = auth(client, "auditor1")
    assert client.get("/api/v1/evaluations/stats", params={"hall_code": "H-690102"}, headers=auditor).status_code == 200


def test_staff_see_the_rater_masked(env, client, services):
    _rate(client, services, 9, 2)
    listed = client.get(
        "/api/v1/evaluations", params={"hall_code": "H-690102"}, headers=auth(client, "hallmanager1")
    ).json()
    assert listed[0]["rater"] == "李*"
    assert "李明" not in str(listed) and "690102199003071232" not in str(listed)
