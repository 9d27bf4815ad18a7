"""Courses whose quiz is written from the catalog and the knowledge base (8.3), through the HTTP API: the
materials an item needs and its promised time limit, the answer a knowledge entry gives; taken by a clerk with the
right answers (read from the catalog and the KB, not from the course) and assigned by role and department."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem
from tests.staff.helpers import HALL


def _entry(client: Any) -> dict[str, Any]:
    listed = client.get("/api/v1/consult/entries", params={"status": "published"}, headers=auth(client, "admin1"))
    assert listed.status_code == 200, listed.text
    body = listed.json()
    rows = body["entries"]
    assert rows, body
    return next((e for e in rows if e["kind"] == "faq"), rows[0])


def test_a_course_made_from_an_item_and_a_knowledge_entry(env, client):
    manager = auth(client, "hallmanager1")
    only_item = client.post(
        "/api/v1/staff-courses/generate",
        json={"code": "GEN-ITEM", "title": "个体户设立", "item_codes": ["SC-002"]},
        headers=manager,
    )
    assert only_item.status_code == 201 and len(only_item.json()["questions"]) == 2, only_item.text
    entry = _entry(client)
    made = client.post(
        "/api/v1/staff-courses/generate",
        json={"code": "GEN-SC002", "title": "个体户设立与常见问答", "item_codes": ["SC-002"],
              "entry_codes": [entry["code"]], "pass_percent": 100},
        headers=manager,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    course = made.json()
    questions = course["questions"]
    assert questions[0]["text"] == "办理「个体工商户设立登记」需要提交以下哪一项材料?"
    assert questions[1]["text"] == "「个体工商户设立登记」的承诺办结时限是多少个工作日?"
    assert questions[-1]["text"] == f"以下哪一项是知识库中「{entry['title']}」的答复?"
    assert all(2 <= len(q["options"]) <= 4 for q in questions) and "个体工商户设立登记" in course["body"]

    # the right answers, from the catalog and the knowledge base themselves
    item = client.get("/api/v1/items/SC-002", headers=manager).json()
    required = {m["name"] for m in item["materials"] if m["required"]}
    answers = []
    for q in questions:
        if "材料" in q["text"]:
            picks = [i for i, o in enumerate(q["options"]) if o in required]
            assert len(picks) == 1, q  # exactly one option is one of its materials
            answers.append(picks[0])
        elif "时限" in q["text"]:
            answers.append(q["options"].index(str(item["promised_limit_workdays"])))
        else:
            answers.append(next(i for i, o in enumerate(q["options"]) if entry["body"].startswith(o.rstrip("…"))))
    assert [q["answer"] for q in questions] == answers

    # assigned to the clerks of a role, taken by one of them and passed
    assigned = client.post(
        "/api/v1/staff-course-assignments",
        json={"course_id": course["id"], "role": "clerk", "due_on": "2026-12-31"},
        headers=manager,
    )
    assert assigned.status_code == 201, assigned.text
    clerk = auth(client, "clerk1")
    shown = client.get(f"/api/v1/staff-courses/{course['id']}", headers=clerk).json()
    assert all("answer" not in q for q in shown["questions"])
    took = client.post(f"/api/v1/staff-courses/{course['id']}/attempts", json={"answers": answers}, headers=clerk)
    assert took.status_code == 201 and took.json()["passed"] is True, took.text
    listed = client.get("/api/v1/staff-course-assignments", params={"hall_code": HALL}, headers=manager).json()
    states = {p["state"] for a in listed["assignments"] for p in a["people"] if a["course_id"] == course["id"]}
    assert "passed" in states

    # the same course code made again is made the same way (seeded), and refused as a duplicate
    again = client.post(
        "/api/v1/staff-courses/generate",
        json={"code": "GEN-SC002", "title": "x", "item_codes": ["SC-002"]},
        headers=manager,
    )
    assert_problem(again, 409, "course_exists")


def test_generate_refusals(client):
    manager = auth(client, "hallmanager1")
    url = "/api/v1/staff-courses/generate"
    assert_problem(client.post(url, json={"code": "G1", "title": "t"}, headers=manager), 422, "course_no_source")
    unknown = client.post(url, json={"code": "G2", "title": "t", "item_codes": ["NOPE-1"]}, headers=manager)
    assert assert_problem(unknown, 422, "course_unknown_source")["detail"]["unknown"] == ["NOPE-1"]
    clerk = client.post(
        url, json={"code": "G3", "title": "t", "item_codes": ["SC-002"]}, headers=auth(client, "clerk1")
    )
    assert_problem(clerk, 403, "forbidden_role")
