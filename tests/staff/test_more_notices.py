""" "What changed" notices (8.3) beyond catalog imports, through the HTTP API: when the hall's own settings of an item
change (override set or cleared) and when a knowledge entry is published in a new version, the staff who handle
it get a notice to confirm, and the hall manager sees the confirmation rate."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.staff.test_change_notices import NOTICES, RATES, SC001_HANDLERS

HALL = "H-690102"
OVERRIDE = f"/api/v1/halls/{HALL}/items/SC-001/override"


def _of(client: Any, username: str, source: str) -> list[dict[str, Any]]:
    rows = client.get(NOTICES, headers=auth(client, username)).json()
    return [n for n in rows if n["source"] == source]


def test_a_hall_override_change_notifies_the_items_handlers(client):
    manager = auth(client, "hallmanager1")
    set_ = client.put(OVERRIDE, json={"promised_limit_workdays": 1, "note": "本厅提速"}, headers=manager)
    assert set_.status_code == 200, set_.text
    for username in SC001_HANDLERS:
        mine = _of(client, username, "override")
        assert len(mine) == 1, username
        assert mine[0]["item_code"] == "SC-001" and mine[0]["confirmed_at"] is None
        assert mine[0]["changes"][0]["kind"] == "limits" and "承诺办结时限" in mine[0]["changes"][0]["zh"]
    assert _of(client, "clerk5", "override") == []  # a window that does not serve SC-001
    notice = _of(client, "clerk1", "override")[0]
    ok = client.post(f"{NOTICES}/{notice['id']}/confirm", headers=auth(client, "clerk1"))
    assert ok.status_code == 200 and ok.json()["confirmed_at"] is not None
    rates = client.get(RATES, headers=manager).json()
    row = next(n for n in rates["notices"] if n["id"] == notice["id"])
    assert (row["recipients"], row["confirmed"]) == (len(SC001_HANDLERS), 1)
    # cleared: a second notice (the catalog applies again)
    cleared = client.delete(OVERRIDE, headers=manager)
    assert cleared.status_code in (200, 204), cleared.text
    again = _of(client, "clerk2", "override")
    assert len(again) == 2 and any("恢复按事项目录" in c["zh"] for n in again for c in n["changes"])
    page = client.get("/staff/notices", headers=auth(client, "clerk2"))
    assert page.status_code == 200 and "本大厅承诺办结时限" in page.text


def test_a_published_knowledge_entry_notifies_the_halls_staff(client):
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    entry = {"code": "KB-DOG-02", "kind": "faq", "title": "大厅可以带宠物狗进来吗?",
             "body": "除导盲犬等工作犬外,宠物不能进入大厅。", "tags": [], "keywords": ["宠物"]}  # fmt: skip
    assert client.post("/api/v1/consult/entries", json=entry, headers=manager).status_code == 201
    assert _of(client, "clerk1", "knowledge") == []  # not yet published: nothing to learn
    ok = client.post("/api/v1/consult/entries/KB-DOG-02/review", json={"approve": True}, headers=admin)
    assert ok.status_code == 200 and ok.json()["version"] == 1, ok.text
    mine = _of(client, "clerk1", "knowledge")
    assert len(mine) == 1 and mine[0]["item_code"] == "KB-DOG-02" and mine[0]["to_version"] == 1
    assert "首次发布" in mine[0]["changes"][0]["zh"] and _of(client, "approver1", "knowledge")
    # a new version: a second notice
    changed = {**entry, "body": "除导盲犬外,宠物不能进入大厅;可寄存在门口宠物寄存处。"}
    assert client.put("/api/v1/consult/entries/KB-DOG-02", json=changed, headers=manager).status_code == 200
    assert (
        client.post("/api/v1/consult/entries/KB-DOG-02/review", json={"approve": True}, headers=admin).status_code
        == 200
    )
    assert [n["to_version"] for n in _of(client, "clerk1", "knowledge")] == [2, 1]
    rates = client.get(RATES, headers=manager).json()
    kb = [n for n in rates["notices"] if n["source"] == "knowledge"]
    assert len(kb) == 2 and all(n["confirmed"] == 0 and n["recipients"] > 0 for n in kb)
    page = client.get("/staff/notices/rates", headers=manager)
    assert page.status_code == 200 and "知识库" in page.text
