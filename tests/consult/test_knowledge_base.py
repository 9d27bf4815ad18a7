"""Knowledge base: the review step (four eyes), versions, effective/expiry dates, import/export, role denials."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from tests.conftest import DEFAULT_NOW, auth
from tests.factories import assert_problem


def ask(client: Any, question: str) -> dict[str, Any]:
    r = client.post("/api/v1/consult/ask", json={"question": question})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


NEW = {
    "code": "KB-PET-01",
    "kind": "faq",
    "title": "大厅可以带宠物狗进来吗?",
    "body": "除导盲犬等工作犬外,宠物不能进入大厅。",
    "tags": ["宠物", "便民设施"],
    "keywords": ["带狗", "宠物狗"],
}


def test_new_entry_is_served_only_after_another_editor_reviews_it(client: Any) -> None:
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    r = client.post("/api/v1/consult/entries", json=NEW, headers=manager)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "in_review"
    assert all(a["entry_code"] != "KB-PET-01" for a in ask(client, "能带宠物狗进大厅吗")["answers"])
    # the author may not approve their own entry
    own = client.post("/api/v1/consult/entries/KB-PET-01/review", json={"approve": True}, headers=manager)
    assert own.status_code == 403 and own.json()["code"] == "self_review"
    ok = client.post("/api/v1/consult/entries/KB-PET-01/review", json={"approve": True, "note": "ok"}, headers=admin)
    assert ok.status_code == 200 and ok.json()["status"] == "published" and ok.json()["version"] == 1
    body = ask(client, "能带宠物狗进大厅吗")
    assert body["confident"] and body["answers"][0]["entry_code"] == "KB-PET-01"
    assert body["answers"][0]["entry_version"] == 1


def test_a_change_keeps_the_old_text_served_until_approved_and_keeps_versions(client: Any) -> None:
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    entry = client.get("/api/v1/consult/entries/FAQ-030", headers=manager).json()
    if entry.get("code") != "FAQ-030":  # the catalog is synced on first use
        ask(client, "wifi")
        entry = client.get("/api/v1/consult/entries/FAQ-030", headers=manager).json()
    change = {**{k: entry[k] for k in ("kind", "item_code", "title", "tags", "keywords")}, "body": "新的WiFi说明"}
    r = client.put("/api/v1/consult/entries/FAQ-030", json=change, headers=manager)
    assert r.status_code == 200 and r.json()["pending"]["body"] == "新的WiFi说明"
    assert r.json()["body"] == entry["body"]  # still the published text
    client.post("/api/v1/consult/entries/FAQ-030/review", json={"approve": True}, headers=admin)
    versions = client.get("/api/v1/consult/entries/FAQ-030/versions", headers=manager).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["content"]["body"] == "新的WiFi说明"
    assert versions[0]["content"]["body"] == entry["body"]


def test_expired_and_not_yet_effective_entries_are_not_served(client: Any, env: Any) -> None:
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    expires = (DEFAULT_NOW + timedelta(days=1)).isoformat()
    data = {**NEW, "expires_at": expires}
    client.post("/api/v1/consult/entries", json=data, headers=manager)
    client.post("/api/v1/consult/entries/KB-PET-01/review", json={"approve": True}, headers=admin)
    assert ask(client, "能带宠物狗进大厅吗")["answers"][0]["entry_code"] == "KB-PET-01"
    env.clock.advance(days=2)
    after = ask(client, "能带宠物狗进大厅吗")
    assert all(a["entry_code"] != "KB-PET-01" for a in after["answers"])
    future = {**NEW, "code": "KB-PET-02", "effective_from": (DEFAULT_NOW + timedelta(days=30)).isoformat()}
    client.post("/api/v1/consult/entries", json=future, headers=manager)
    client.post("/api/v1/consult/entries/KB-PET-02/review", json={"approve": True}, headers=admin)
    assert all(a["entry_code"] != "KB-PET-02" for a in ask(client, "能带宠物狗进大厅吗")["answers"])


def test_bad_dates_are_rejected(client: Any) -> None:
    manager = auth(client, "hallmanager1")
    bad = {
        **NEW,
        "effective_from": DEFAULT_NOW.isoformat(),
        "expires_at": (DEFAULT_NOW - timedelta(days=1)).isoformat(),
    }
    r = client.post("/api/v1/consult/entries", json=bad, headers=manager)
    assert r.status_code == 422 and r.json()["code"] == "bad_dates"


def test_export_and_import_round_trip_in_json_and_csv(client: Any) -> None:
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    ask(client, "护照")  # seeds the catalog entries
    exported = client.get("/api/v1/consult/export?format=json", headers=manager)
    assert exported.status_code == 200
    entries = exported.json()["entries"]
    assert any(e["code"] == "FAQ-001" for e in entries) and any(e["code"] == "ITEM-GA-006" for e in entries)
    same = client.post("/api/v1/consult/import?format=json", content=exported.content, headers=manager).json()
    assert same == {"created": 0, "proposed": 0, "unchanged": len(entries)}
    csv_text = client.get("/api/v1/consult/export?format=csv", headers=manager).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == len(entries)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow({**rows[0], "code": "KB-CSV-01", "title": "<b>新条目</b>", "body": "CSV导入的内容"})
    r = client.post("/api/v1/consult/import?format=csv", content=buf.getvalue().encode(), headers=manager)
    assert r.status_code == 200 and r.json()["created"] == 1
    entry = client.get("/api/v1/consult/entries/KB-CSV-01", headers=manager).json()
    assert entry["status"] == "in_review" and entry["pending"]["title"] == "<b>新条目</b>"
    assert (
        client.post("/api/v1/consult/entries/KB-CSV-01/review", json={"approve": True}, headers=admin).status_code
        == 200
    )


def test_malformed_imports_are_4xx_and_write_nothing(client: Any) -> None:
    manager = auth(client, "hallmanager1")
    for body, fmt, code in [
        (b"{not json", "json", "import_invalid"),
        (b'{"entries": [{"code": "X"}]}', "json", "import_invalid"),
        (b"\xff\xfe", "csv", "bad_encoding"),
    ]:
        r = client.post(f"/api/v1/consult/import?format={fmt}", content=body, headers=manager)
        assert_problem(r, 400, code)
    assert client.get("/api/v1/consult/entries?status=in_review", headers=manager).json()["total"] == 0


def test_editing_is_denied_to_guides_citizens_and_anonymous(client: Any) -> None:
    from tests.factories import register_citizen

    _, citizen = register_citizen(client)
    for headers, status in [({}, 401), (auth(client, "guide1"), 403), (citizen, 403), (auth(client, "clerk1"), 403)]:
        assert client.post("/api/v1/consult/entries", json=NEW, headers=headers).status_code == status
        assert client.get("/api/v1/consult/export", headers=headers).status_code == status
    # an editor who may not review
    assert_problem(
        client.post("/api/v1/consult/entries/FAQ-001/review", json={"approve": True}, headers=auth(client, "auditor1")),
        403,
        "forbidden_role",
    )


def test_linking_a_queued_question_improves_later_answers(client: Any) -> None:
    manager = auth(client, "hallmanager1")
    question = "大厅里有没有自动售货机"
    first = ask(client, question)
    assert first["confident"] is False
    r = client.post(
        f"/api/v1/consult/review-queue/{first['question_id']}",
        json={"action": "link", "entry_code": "FAQ-028"},
        headers=manager,
    )
    assert r.status_code == 200 and r.json()["review_status"] == "linked"
    again = ask(client, question)
    assert again["confident"] and again["answers"][0]["entry_code"] == "FAQ-028"


def test_sync_follows_catalog_changes(client: Any, env: Any) -> None:
    from sqlalchemy import select

    from smarthall.catalog.models import Item

    manager = auth(client, "hallmanager1")
    first = client.post("/api/v1/consult/sync", headers=manager).json()
    assert first["added"] == 127 and first["updated"] == 0
    assert client.post("/api/v1/consult/sync", headers=manager).json() == {"added": 0, "updated": 0}
    with env.session() as session:
        item = session.execute(select(Item).where(Item.code == "GA-006")).scalar_one()
        item.keywords = [*item.keywords, "出国旅游证件"]
        session.commit()
    assert client.post("/api/v1/consult/sync", headers=manager).json() == {"added": 0, "updated": 1}
    entry = client.get("/api/v1/consult/entries/ITEM-GA-006", headers=manager).json()
    assert entry["version"] == 2 and "出国旅游证件" in entry["keywords"]
    assert_problem(client.post("/api/v1/consult/sync", headers=auth(client, "guide1")), 403, "forbidden_role")
