"""Asking through the API: answers with citations, the hand-over when unsure, bad input, feedback and routes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import auth
from tests.factories import assert_problem


def ask(client: Any, question: str, **extra: Any) -> Any:
    return client.post("/api/v1/consult/ask", json={"question": question, **extra})


def test_answers_a_colloquial_question_with_the_item_and_next_steps(client: Any) -> None:
    r = ask(client, "身份证弄丢了咋补", hall_code="H-690102")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["confident"] is True
    top = body["answers"][0]
    assert top["item_code"] == "GA-002"
    assert top["entry_code"] and top["entry_version"] >= 1  # the answer cites its entry
    routes = {s["route"]: s for s in body["next_steps"]}
    assert "book" not in routes  # 居民身份证补领 is not bookable: no "预约办理" that would only answer 422 (issue 16)
    assert routes["ticket"]["href"] == "/take/H-690102?item_code=GA-002"  # from home
    assert routes["ticket"]["api"] == {"href": "/api/v1/tickets", "hall_code": "H-690102", "item_code": "GA-002"}
    assert routes["help"]["method"] == "POST"


def test_pinyin_traditional_and_english_are_understood(client: Any) -> None:
    assert ask(client, "sfz到期了怎么换新的").json()["answers"][0]["item_code"] == "GA-001"
    assert ask(client, "身份證到期了要帶什麼去換").json()["answers"][0]["item_code"] == "GA-001"
    assert ask(client, "how to apply passport").json()["answers"][0]["item_code"] == "GA-006"


def test_declines_what_the_catalog_cannot_answer_and_offers_people(client: Any) -> None:
    body = ask(client, "明天天气怎么样", hall_code="H-690102").json()
    assert body["confident"] is False
    assert "热线" in body["message_zh"]
    routes = [s["route"] for s in body["next_steps"]]
    assert routes == ["guide_desk", "hotline"]
    assert body["next_steps"][1]["href"].startswith("tel:")
    # ...and the question lands in the review queue
    r = client.get("/api/v1/consult/review-queue", headers=auth(client, "hallmanager1"))
    assert r.status_code == 200, r.text
    queue = r.json()
    assert any(q["id"] == body["question_id"] for q in queue)


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("", "question_empty"),
        ("   ", "question_empty"),
        ("办" * 501, "question_too_long"),
        ("身份证\x00\x01\x02", "question_binary"),
        ("\ufffd\ufffd护照", "question_binary"),
    ],
)
def test_bad_questions_get_a_clear_4xx(client: Any, question: str, code: str) -> None:
    r = ask(client, question)
    assert r.status_code == 422
    assert r.json()["code"] == code
    assert r.json()["message_zh"] and r.json()["message_en"]


def test_non_json_and_wrong_types_are_4xx(client: Any) -> None:
    assert_problem(client.post("/api/v1/consult/ask", content=b"\xff\xfe\x00binary"), 422, "validation_error")
    assert_problem(client.post("/api/v1/consult/ask", json={"question": 123}), 422, "validation_error")
    assert_problem(client.post("/api/v1/consult/ask", json={"question": "x" * 6000}), 422, "validation_error")


def test_script_in_a_question_is_answered_safely(client: Any) -> None:
    r = ask(client, "<script>alert(1)</script>护照怎么办")
    assert r.status_code == 200
    body = r.json()
    assert "<script>" not in body["normalised"]
    assert body["answers"][0]["item_code"] == "GA-006"


def test_feedback_not_helpful_goes_to_review_queue(client: Any) -> None:
    answer = ask(client, "社保卡丢了怎么补").json()
    qid, token = answer["question_id"], answer["feedback_token"]
    r = client.post("/api/v1/consult/feedback", json={"question_id": qid, "helpful": False, "feedback_token": token})
    assert r.status_code == 200 and r.json()["review_status"] == "open"
    assert_problem(
        client.post("/api/v1/consult/feedback", json={"question_id": 999999, "helpful": True}),
        404,
        "question_not_found",
    )


def test_route_is_recorded_and_counted_in_metrics(client: Any) -> None:
    body = ask(client, "二手房过户要带啥", hall_code="H-690102").json()
    r = client.post(
        "/api/v1/consult/routes",
        json={"route": "book", "item_code": "BD-001", "hall_code": "H-690102", "question_id": body["question_id"],
              "feedback_token": body["feedback_token"]},
    )  # fmt: skip
    assert r.status_code == 201
    assert r.json()["target"] == "/appointments/book?hall_code=H-690102&item_code=BD-001"
    ask(client, "怎么申请专利")
    days = client.get("/api/v1/consult/metrics?days=1", headers=auth(client, "hallmanager1")).json()
    today = days[-1]
    assert today["asked"] == 2 and today["answered"] == 1
    assert today["answer_rate"] == 0.5 and today["hand_over_rate"] == 0.5
    assert today["routes"] == {"book": 1}


def test_metrics_and_queue_are_denied_to_guides_citizens_and_anonymous(client: Any) -> None:
    assert_problem(client.get("/api/v1/consult/metrics"), 401, "unauthorized")
    assert_problem(client.get("/api/v1/consult/metrics", headers=auth(client, "guide1")), 403, "forbidden_role")
    assert_problem(client.get("/api/v1/consult/review-queue", headers=auth(client, "guide1")), 403, "forbidden_role")
    assert_problem(client.get("/api/v1/consult/review-queue", headers=auth(client, "auditor1")), 403, "forbidden_role")


def test_guidance_card_tailors_the_checklist(client: Any) -> None:
    card = client.get("/api/v1/consult/guide/SC-001?hall_code=H-690102").json()
    assert card["name"] == "企业设立登记"
    assert card["windows"] and card["zones"]
    codes = {m["code"]: m["status"] for m in card["checklist"]}
    assert codes["SC-001-M06"] == "maybe"
    q = next(q for q in card["questions"] if q["material_code"] == "SC-001-M06")
    assert "委托他人办理" in q["question"]
    no = client.get("/api/v1/consult/guide/SC-001?hall_code=H-690102&no=SC-001-M06").json()
    assert "SC-001-M06" not in {m["code"] for m in no["checklist"]}
    yes = client.get("/api/v1/consult/guide/SC-001?hall_code=H-690102&yes=SC-001-M06").json()
    assert {m["code"]: m["status"] for m in yes["checklist"]}["SC-001-M06"] == "required"
    assert_problem(client.get("/api/v1/consult/guide/NOPE-1"), 404, "item_not_found")


def test_unknown_hall_is_a_4xx(client: Any) -> None:
    r = ask(client, "护照怎么办", hall_code="H-NOPE")
    assert r.status_code == 422 and r.json()["code"] == "unknown_hall"
