"""Yellow and red cards through the HTTP API and the pages (8.1): the month's supervision alerts reaching the hall's
rule give a card at the next scan (once per colour and month); the carded person replies once, the hall manager
decides once, both kept; others cannot reply to a card not theirs, nor a clerk decide."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem
from tests.staff.helpers import HALL, pad_rate, serve


def _rule(client: Any, key: str, value: int) -> None:
    r = client.put(
        f"/api/v1/rules/{key}", json={"scope_code": HALL, "value": value, "note": "t"}, headers=auth(client, "admin1")
    )
    assert r.status_code == 200, r.text


def _scan(client: Any) -> None:
    r = client.post("/api/v1/staff-supervision/scan", params={"hall_code": HALL}, headers=auth(client, "hallmanager1"))
    assert r.status_code == 200, r.text


def _cards(client: Any) -> list[dict[str, Any]]:
    view = client.get("/api/v1/staff-supervision", params={"hall_code": HALL}, headers=auth(client, "hallmanager1"))
    return list(view.json()["cards"])


def test_cards_by_rule_with_reply_and_decision(env, client):
    _rule(client, "staff.yellow_card_alerts", 1)
    _rule(client, "staff.red_card_alerts", 2)
    _scan(client)
    assert _cards(client) == []
    pad_rate(client, serve(env, client, minutes=3), 1)  # a bad rating for clerk1: one alert
    _scan(client)
    first = _cards(client)
    assert [(c["color"], c["alerts"], c["month"]) for c in first] == [("yellow", 1, "2026-11")]
    assert "*" in first[0]["staff_name"]
    pad_rate(client, serve(env, client, minutes=3), 2)  # a second one
    _scan(client)
    _scan(client)  # a rescan gives nothing new
    cards = _cards(client)
    assert sorted(c["color"] for c in cards) == ["red", "yellow"]
    red = next(c for c in cards if c["color"] == "red")

    clerk = auth(client, "clerk1")
    mine = client.get("/api/v1/staff-cards/mine", headers=clerk).json()
    assert {c["id"] for c in mine} == {c["id"] for c in cards}
    assert_problem(
        client.post(f"/api/v1/staff-cards/{red['id']}/reply", json={"reply": "不是我"}, headers=auth(client, "clerk2")),
        404,
        "staff_card_not_found",
    )
    replied = client.post(f"/api/v1/staff-cards/{red['id']}/reply", json={"reply": "当日系统故障"}, headers=clerk)
    assert replied.status_code == 200 and replied.json()["reply"] == "当日系统故障", replied.text
    assert_problem(
        client.post(f"/api/v1/staff-cards/{red['id']}/reply", json={"reply": "再说一次"}, headers=clerk),
        409,
        "staff_card_closed",
    )
    decision = {"decision": "withdrawn", "note": "已核实系统故障"}
    assert_problem(
        client.post(f"/api/v1/staff-cards/{red['id']}/decision", json=decision, headers=clerk), 403, "forbidden_role"
    )
    manager = auth(client, "hallmanager1")
    decided = client.post(f"/api/v1/staff-cards/{red['id']}/decision", json=decision, headers=manager)
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["decision"] == "withdrawn" and body["decided_by"] == "staff:hallmanager1"
    assert body["reply"] == "当日系统故障"  # the reply is kept with the decision
    assert_problem(
        client.post(f"/api/v1/staff-cards/{red['id']}/decision", json=decision, headers=manager),
        409,
        "staff_card_closed",
    )
    assert_problem(
        client.post("/api/v1/staff-cards/999999/decision", json=decision, headers=manager), 404, "staff_card_not_found"
    )

    # the pages: the clerk answers the yellow card, the manager upholds it
    yellow = next(c for c in cards if c["color"] == "yellow")
    page = client.get("/staff/me", headers=clerk)
    assert "我的红黄牌" in page.text and "黄牌" in page.text and "撤销" in page.text
    empty = client.post(f"/staff/cards/{yellow['id']}/reply", data={"reply": " "}, headers=clerk)
    assert empty.status_code == 422 and "请填写答复" in empty.text
    sent = client.post(
        f"/staff/cards/{yellow['id']}/reply", data={"reply": "已改正"}, headers=clerk, follow_redirects=False
    )
    assert sent.status_code == 303
    upheld = client.post(
        f"/staff/cards/{yellow['id']}/decision",
        data={"decision": "upheld", "note": "维持"},
        headers=manager,
        follow_redirects=False,
    )
    assert upheld.status_code == 303
    board = client.get("/staff/supervision", headers=manager)
    assert "红黄牌" in board.text and "已改正" in board.text and "维持" in board.text


def test_a_manager_gives_a_card_by_hand_with_a_reason(env, client):
    _rule(client, "staff.yellow_card_alerts", 1)
    manager = auth(client, "hallmanager1")
    code1, code2 = (
        client.get("/api/v1/staff-performance/me", headers=auth(client, u)).json()["record"]["staff_code"]
        for u in ("clerk1", "clerk2")
    )
    body = {"staff_code": code1, "color": "yellow", "reason": "窗口前大声训斥群众", "hall_code": HALL}
    given = client.post("/api/v1/staff-cards", json=body, headers=manager)
    assert given.status_code == 201, given.text
    card = given.json()
    assert (
        card["manual"] is True and card["reason"] == "窗口前大声训斥群众" and card["issued_by"] == "staff:hallmanager1"
    )
    again = client.post("/api/v1/staff-cards", json={**body, "reason": "再次训斥群众"}, headers=manager)
    assert again.status_code == 201  # cards by hand are not limited to one a month
    pad_rate(client, serve(env, client, minutes=3), 1)  # an alert: the rule still gives its own yellow card
    _scan(client)
    cards = _cards(client)
    assert sorted((c["color"], c["manual"]) for c in cards) == [("yellow", False), ("yellow", True), ("yellow", True)]
    mine = client.get("/api/v1/staff-cards/mine", headers=auth(client, "clerk1")).json()
    assert card["id"] in {c["id"] for c in mine}
    replied = client.post(
        f"/api/v1/staff-cards/{card['id']}/reply", json={"reply": "群众情绪激动"}, headers=auth(client, "clerk1")
    )
    assert replied.status_code == 200 and replied.json()["reason"] == "窗口前大声训斥群众"
    events = client.get(
        "/api/v1/audit/events", params={"action": "staff.card.give"}, headers=auth(client, "auditor1")
    ).json()
    assert {e["target_id"] for e in events} >= {str(card["id"]), str(again.json()["id"])}

    # refusals: a clerk, a staff member not of the hall, no reason
    assert_problem(client.post("/api/v1/staff-cards", json=body, headers=auth(client, "clerk2")), 403, "forbidden_role")
    assert_problem(
        client.post("/api/v1/staff-cards", json={**body, "staff_code": "nobody"}, headers=manager),
        404,
        "staff_member_not_found",
    )
    assert_problem(
        client.post("/api/v1/staff-cards", json={**body, "reason": ""}, headers=manager), 422, "validation_error"
    )

    # the page: the form gives a red card; an empty reason is refused in words
    form = {"staff_code": code2, "color": "red", "reason": "多次无故离岗", "hall_code": HALL}
    sent = client.post("/staff/cards", data=form, headers=manager, follow_redirects=False)
    assert sent.status_code == 303
    empty = client.post("/staff/cards", data={**form, "reason": " "}, headers=manager)
    assert empty.status_code == 422 and "手动记牌须写明理由" in empty.text
    board = client.get("/staff/supervision", headers=manager)
    assert "手动记牌" in board.text and "多次无故离岗" in board.text and "窗口前大声训斥群众" in board.text
