"""Performance (8.2) measures beyond the first five, through the HTTP API with real records: a window's figures are
those of the services served **at** it (not of the staff assigned to it); the waits caused (customers' waiting
time ended by each call), overdue cases and one-time-notice (一次性告知) compliance per person, per window and for
the hall — in the JSON, the page, the CSV and XLSX export, and usable by name in a score formula."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import openpyxl

from smarthall.rules.definitions import STAFF_SCORE_NAMES
from tests.cases.helpers import act, li_ming, submit_sc001
from tests.conftest import auth
from tests.queueing.helpers import W01, W02, issue, sign_in
from tests.staff.helpers import HALL, pad_rate

DAY = {"from": "2026-11-30", "to": "2026-11-30"}
NEW = ("mean_wait_minutes", "waits_caused_minutes", "overdue", "notices", "notice_violations", "notice_compliance")


def _serve_after(env: Any, client: Any, *, wait: int, minutes: int, window: str, clerk: str) -> int:
    """A ticket waiting ``wait`` minutes, then called by ``clerk`` at ``window`` and finished ``minutes`` later."""
    ticket = issue(client, "GA-001").json()
    env.clock.advance(minutes=wait)
    headers = auth(client, clerk)
    sign_in(client, headers, window)
    called = client.post(f"/api/v1/windows/{window}/call-next", headers=headers)
    assert called.status_code == 200 and called.json()["id"] == ticket["id"], called.text
    env.clock.advance(minutes=minutes)
    finished = client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=headers)
    assert finished.status_code == 200, finished.text
    return int(ticket["id"])


def _code(client: Any, username: str) -> str:
    mine = client.get("/api/v1/staff-performance/me", headers=auth(client, username))
    assert mine.status_code == 200, mine.text
    return str(mine.json()["record"]["staff_code"])


def _board(client: Any, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/staff-performance", params={"hall_code": HALL, **DAY, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_window_counts_what_was_served_at_it_and_the_waits_its_calls_ended(env: Any, client: Any) -> None:
    # clerk1 (assigned to W01) serves one customer at W01 after a 6-minute wait, rated 5 on W01's pad; then the
    # manager moves clerk1 to W02 (clerk2's window; clerk2 serves nobody) and clerk1 serves one there after 10
    pad_rate(client, _serve_after(env, client, wait=6, minutes=4, window=W01, clerk="clerk1"), 5)
    manager = auth(client, "hallmanager1")
    clerk1 = {"code": _code(client, "clerk1")}
    assert client.post(f"/api/v1/windows/{W01}/sign-out", headers=auth(client, "clerk1")).status_code == 200
    moved = client.patch(f"/api/v1/staff/{clerk1['code']}", json={"window_code": W02}, headers=auth(client, "admin1"))
    assert moved.status_code == 200, moved.text
    _serve_after(env, client, wait=10, minutes=8, window=W02, clerk="clerk1")
    data = _board(client, manager)
    one = next(r for r in data["rows"] if r["staff_code"] == clerk1["code"])
    assert one["window_code"] == W02 and one["handled"] == 2  # the person: both services, wherever
    assert (one["waits_caused_minutes"], one["mean_wait_minutes"]) == (16.0, 8.0)
    windows = {g["code"]: g for g in data["groups"]["window"]}
    w01, w02 = windows[W01], windows[W02]
    # W01 keeps what was served there though nobody is assigned to it any more; W02 has only its own service
    assert (w01["handled"], w01["mean_service_minutes"], w01["ratings"], w01["waits_caused_minutes"]) == (
        1,
        4.0,
        1,
        6.0,
    )
    assert (w02["handled"], w02["mean_service_minutes"], w02["ratings"], w02["waits_caused_minutes"]) == (
        1,
        8.0,
        0,
        10.0,
    )
    assert w01["people"] == 1 and w02["people"] == 2  # W02: clerk1 who served there and clerk2 assigned there
    assert sum(g["handled"] for g in windows.values()) == data["groups"]["hall"]["handled"] == 2
    assert data["groups"]["hall"]["mean_wait_minutes"] == 8.0

    # the wait is a formula name: shortest mean wait first
    by_wait = _board(client, manager, formula="100 - mean_wait_minutes")
    assert {g["code"]: g["score"] for g in by_wait["groups"]["window"] if g["code"] in (W01, W02)} == {
        W01: 94.0,
        W02: 90.0,
    }
    assert {g["code"]: g["rank"] for g in by_wait["groups"]["window"]}[W01] == 1


def test_overdue_cases_and_one_time_notice_compliance(env: Any, client: Any) -> None:
    citizen, clerk = li_ming(client), auth(client, "clerk1")
    case_no = submit_sc001(client, citizen, with_materials=False)["case_no"]
    assert (
        act(client, clerk, case_no, "supplement", missing=[{"label": "公司章程", "reason": "请补交"}]).status_code
        == 200
    )
    assert act(client, citizen, case_no, "resubmit").status_code == 200
    second = act(client, clerk, case_no, "supplement", missing=[{"label": "股东会决议", "reason": "漏告知"}])
    assert second.status_code == 200, second.text
    other = submit_sc001(client, citizen, with_materials=False)["case_no"]
    assert (
        act(client, clerk, other, "supplement", missing=[{"label": "公司章程", "reason": "请补交"}]).status_code == 200
    )
    manager = auth(client, "hallmanager1")
    data = _board(client, manager)
    me = {"code": _code(client, "clerk1")}
    row = next(r for r in data["rows"] if r["staff_code"] == me["code"])
    # three notices, one of them a case's second: two of three kept the rule
    assert (row["notices"], row["notice_violations"], row["notice_compliance"]) == (3, 1, round(2 / 3, 4))
    w01 = next(g for g in data["groups"]["window"] if g["code"] == W01)
    assert (w01["notices"], w01["notice_violations"]) == (3, 1)  # cases carry no window: the clerk's own window
    others = [r for r in data["rows"] if r["staff_code"] != me["code"]]
    assert all(r["notice_compliance"] is None and r["notices"] == 0 for r in others)
    scored = _board(client, manager, formula="notice_compliance * 100 - 10 * notice_violations")
    assert scored["rows"][0]["staff_code"] == me["code"] and scored["rows"][0]["score"] == round(200 / 3 - 10, 1)

    # the first case accepted and left past its promised date
    assert act(client, citizen, case_no, "resubmit").status_code == 200
    accepted = act(client, clerk, case_no, "accept")
    assert accepted.status_code == 200, accepted.text
    due = date.fromisoformat(client.get(f"/api/v1/cases/{case_no}", headers=clerk).json()["promised_due_date"])
    period = {"from": "2026-11-30", "to": (due + timedelta(days=5)).isoformat()}
    assert _board(client, manager, **period)["rows"][0]["overdue"] == 0  # not yet past
    env.clock.advance(days=(due - date(2026, 11, 30)).days + 3)
    manager = auth(client, "hallmanager1")
    later = _board(client, manager, **period)
    row = next(r for r in later["rows"] if r["staff_code"] == me["code"])
    assert row["overdue"] == 1
    assert later["groups"]["hall"]["overdue"] == 1
    assert next(g for g in later["groups"]["window"] if g["code"] == W01)["overdue"] == 1
    # counted in the period of its promised date only
    before = {"from": "2026-11-30", "to": (due - timedelta(days=1)).isoformat()}
    assert _board(client, manager, **before)["groups"]["hall"]["overdue"] == 0
    by_overdue = _board(client, manager, **period, formula="100 - 50 * overdue_count")
    assert next(r for r in by_overdue["rows"] if r["staff_code"] == me["code"])["score"] == 50.0

    # the export carries the new columns, numbers as numbers
    exported = client.get("/api/v1/staff-performance.csv", params={"hall_code": HALL, **period}, headers=manager)
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert all(c in table[0] for c in NEW) and table[0][-1] == "score"
    mine = next(line for line in table[1:] if line[1] == me["code"])
    assert mine[table[0].index("overdue")] == "1" and mine[table[0].index("notice_violations")] == "1"
    book = client.get("/api/v1/staff-performance.xlsx", params={"hall_code": HALL, **period}, headers=manager)
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    line = next(c for c in cells[1:] if c[1] == me["code"])
    assert line[cells[0].index("overdue")] == 1 and line[cells[0].index("notice_compliance")] == round(2 / 3, 4)

    # and the page shows them in words
    page = client.get("/staff/performance", params={"hall_code": HALL, **period}, headers=manager)
    assert page.status_code == 200
    for words in ("平均等候", "等候合计", "超期办件数", "补正告知", "一次性告知率", "66.7%"):
        assert words in page.text, words
    for name in (
        "waits_caused_minutes",
        "mean_wait_minutes",
        "overdue_count",
        "notice_compliance",
        "notice_violations",
    ):
        assert name in STAFF_SCORE_NAMES and f">{name}</code>" in page.text


def test_own_record_carries_the_new_measures(env: Any, client: Any) -> None:
    _serve_after(env, client, wait=3, minutes=2, window=W01, clerk="clerk1")
    mine = client.get("/api/v1/staff-performance/me", params=DAY, headers=auth(client, "clerk1"))
    assert mine.status_code == 200, mine.text
    record = mine.json()["record"]
    assert all(k in record for k in NEW)
    assert (record["mean_wait_minutes"], record["overdue"], record["notice_compliance"]) == (3.0, 0, None)
