"""Courses and quizzes through the API (8.3), and the staff pages answering in words for the right roles."""

from __future__ import annotations

from tests.conftest import auth
from tests.factories import assert_problem
from tests.staff.helpers import pad_rate, serve

COURSE = {
    "code": "GT-001",
    "title": "个体工商户设立登记",
    "questions": [
        {"text": "需要哪些材料?", "options": ["身份证明", "结婚证"], "answer": 0},
        {"text": "承诺时限?", "options": ["1个工作日", "30日"], "answer": 0},
    ],
    "pass_percent": 100,
}


def test_course_quiz_and_record(client):
    manager = auth(client, "hallmanager1")
    created = client.post("/api/v1/staff-courses", json=COURSE, headers=manager)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert_problem(client.post("/api/v1/staff-courses", json=COURSE, headers=manager), 409, "course_exists")
    bad = {**COURSE, "code": "X", "questions": [{"text": "q", "options": ["a", "b"], "answer": 5}]}
    assert_problem(client.post("/api/v1/staff-courses", json=bad, headers=manager), 422, "course_bad_quiz")
    clerk = auth(client, "clerk1")
    assert_problem(client.post("/api/v1/staff-courses", json=COURSE, headers=clerk), 403, "forbidden_role")
    listed = client.get("/api/v1/staff-courses", headers=clerk).json()
    assert listed[0]["passed"] is False and "answer" not in listed[0]["questions"][0]
    assert_problem(
        client.post(f"/api/v1/staff-courses/{cid}/attempts", json={"answers": [0]}, headers=clerk),
        422,
        "course_bad_answers",
    )
    failed = client.post(f"/api/v1/staff-courses/{cid}/attempts", json={"answers": [0, 1]}, headers=clerk).json()
    assert failed["score"] == 50 and failed["passed"] is False
    passed = client.post(f"/api/v1/staff-courses/{cid}/attempts", json={"answers": [0, 0]}, headers=clerk).json()
    assert passed["score"] == 100 and passed["passed"] is True
    record = client.get("/api/v1/staff-performance/me", headers=clerk).json()
    assert [c["code"] for c in record["courses"]] == ["GT-001"]


def test_pages_answer_in_words(env, client):
    pad_rate(client, serve(env, client, minutes=4), 5)
    manager = auth(client, "hallmanager1")
    for path, words in (
        ("/staff/performance", "人员绩效"),
        ("/staff/supervision", "窗口监督"),
        ("/staff/me", "我的绩效"),
    ):
        page = client.get(path, headers=manager)
        assert page.status_code == 200 and words in page.text, (path, page.text[:300])
    clerk_page = client.get("/staff/performance", headers=auth(client, "clerk1"))
    assert clerk_page.status_code == 403 and "无权" in clerk_page.text
