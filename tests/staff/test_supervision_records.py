"""Supervision (8.1) from the records of other domains, through the HTTP API with real records: a second supplement
notice for one case (the one-time-notice rule, 一次性告知) alerts on the clerk who asked twice; a service far longer
than the item's usual time (from the folded operations facts, the factor a hall rule); a case past its promised
date; a help request nobody answers. Each is recorded once (a rescan raises nothing new), shown on the page in
words, and counts towards the clerk's cards."""

from __future__ import annotations

from typing import Any

from tests.cases.helpers import act, li_ming, submit_sc001
from tests.conftest import auth
from tests.queueing.helpers import W01, issue, sign_in
from tests.staff.helpers import HALL, serve


def _scan(client: Any) -> list[dict[str, Any]]:
    r = client.post("/api/v1/staff-supervision/scan", params={"hall_code": HALL}, headers=auth(client, "hallmanager1"))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_one_time_notice_overdue_case_and_unanswered_help_are_alerted_once(env, client):
    citizen, clerk = li_ming(client), auth(client, "clerk1")
    case_no = submit_sc001(client, citizen, with_materials=False)["case_no"]
    first = act(client, clerk, case_no, "supplement", missing=[{"label": "公司章程", "reason": "请补交"}])
    assert first.status_code == 200, first.text
    assert [a["kind"] for a in _scan(client)] == []  # one notice: the rule is kept
    assert act(client, citizen, case_no, "resubmit").status_code == 200
    second = act(client, clerk, case_no, "supplement", missing=[{"label": "股东会决议", "reason": "漏告知"}])
    assert second.status_code == 200, second.text
    help_request = client.post("/api/v1/help-requests", json={"hall_code": HALL})
    assert help_request.status_code == 201, help_request.text

    raised = _scan(client)
    notice = next(a for a in raised if a["kind"] == "notice_twice")
    assert notice["detail"]["case_no"] == case_no and notice["detail"]["notice_no"] == 2
    me = client.get("/api/v1/me", headers=clerk).json()
    assert notice["staff_id"] == me["id"]
    assert "help_unanswered" not in [a["kind"] for a in raised]  # not waiting long enough yet
    assert _scan(client) == []  # a rescan: the same episode, nothing new

    env.clock.advance(minutes=11)
    raised = _scan(client)
    assert [a["kind"] for a in raised] == ["help_unanswered"]
    assert raised[0]["detail"]["request_id"] == help_request.json()["id"] and raised[0]["detail"]["minutes"] >= 10

    # the case accepted and left past its promised date
    assert act(client, citizen, case_no, "resubmit").status_code == 200
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    env.clock.advance(days=45)
    raised = _scan(client)
    overdue = next(a for a in raised if a["kind"] == "case_overdue")
    assert overdue["detail"]["case_no"] == case_no and overdue["detail"]["days_over"] > 0
    assert overdue["staff_id"] == me["id"]
    assert [a["kind"] for a in _scan(client)] == []

    page = client.get("/staff/supervision", params={"hall_code": HALL}, headers=auth(client, "hallmanager1"))
    assert page.status_code == 200
    assert "违反一次性告知" in page.text and f"办件 {case_no}" in page.text and "第 2 次补正告知" in page.text
    assert "办件超期" in page.text and "已超期" in page.text
    assert "帮办请求无人响应" in page.text and "notice_twice" not in page.text


def test_handling_far_longer_than_the_items_usual_time(env, client):
    for _ in range(3):
        serve(env, client, minutes=2)  # GA-001 usually takes 2 minutes here
    manager = auth(client, "hallmanager1")
    assert client.post(f"/api/v1/halls/{HALL}/facts/refresh", headers=manager).status_code == 200
    ticket = issue(client, "GA-001").json()
    clerk = auth(client, "clerk1")
    sign_in(client, clerk, W01)
    assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()["id"] == ticket["id"]
    env.clock.advance(minutes=5)  # under 3 × 2 minutes (the hall's factor)
    assert [a["kind"] for a in _scan(client)] == []
    env.clock.advance(minutes=2)
    view = client.get("/api/v1/staff-supervision", params={"hall_code": HALL}, headers=auth(client, "hallmanager1"))
    row = next(w for w in view.json()["windows"] if w["window_code"] == W01)
    assert row["typical_minutes"] == 2.0 and row["flags"] == ["long_handling"]  # far under the 30-minute limit
    raised = _scan(client)
    assert [(a["kind"], a["detail"]["typical_minutes"], a["detail"]["minutes"]) for a in raised] == [
        ("long_handling", 2.0, 7)
    ]
    assert _scan(client) == []
    page = client.get("/staff/supervision", params={"hall_code": HALL}, headers=auth(client, "hallmanager1"))
    assert "已办理 7 分钟,该事项常规约 2.0 分钟" in page.text
