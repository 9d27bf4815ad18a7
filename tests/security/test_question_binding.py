"""A question's next steps (routes) and help requests are tied to it only by its asker (issue 12, attack12b).

The probe: ``POST /consult/routes`` and ``POST /ask/go`` attached a route to any ``question_id`` — anyone could skew
the "route taken" metrics of someone else's question. The answer's ``feedback_token`` (a keyed hash of the question
id, returned to the asker only) is now the proof; staff in scope need none.
"""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem

HALL = "H-690102"


def _ask(client: Any, question: str = "身份证弄丢了咋补") -> dict[str, Any]:
    r = client.post("/api/v1/consult/ask", json={"question": question, "hall_code": HALL})
    assert r.status_code == 200, r.text
    return r.json()


def _routes_today(client: Any) -> dict[str, int]:
    days = client.get("/api/v1/consult/metrics?days=1", headers=auth(client, "hallmanager1")).json()
    return dict(days[-1]["routes"])


def _route(client: Any, question_id: int, token: str | None, headers: dict[str, str] | None = None) -> Any:
    body: dict[str, Any] = {"route": "ticket", "item_code": "GA-002", "hall_code": HALL, "question_id": question_id}
    if token is not None:
        body["feedback_token"] = token
    return client.post("/api/v1/consult/routes", json=body, headers=headers or {})


def test_the_api_refuses_a_route_on_someone_elses_question(client: Any) -> None:
    mine, theirs = _ask(client), _ask(client, "护照怎么办")
    assert_problem(_route(client, theirs["question_id"], None), 403, "not_the_asker")
    assert_problem(_route(client, theirs["question_id"], "0" * 32), 403, "not_the_asker")
    # my question's token does not open theirs
    assert_problem(_route(client, theirs["question_id"], mine["feedback_token"]), 403, "not_the_asker")
    assert_problem(_route(client, 2**62, mine["feedback_token"]), 404, "question_not_found")
    assert _routes_today(client) == {}
    assert _route(client, mine["question_id"], mine["feedback_token"]).status_code == 201
    # staff of the hall (a guide taking a visitor's step) need no token; a route without a question needs none either
    assert _route(client, theirs["question_id"], None, auth(client, "guide1")).status_code == 201
    free = client.post("/api/v1/consult/routes", json={"route": "hotline", "hall_code": HALL})
    assert free.status_code == 201
    assert _routes_today(client) == {"ticket": 2, "hotline": 1}


def test_the_page_refuses_a_step_on_someone_elses_question_and_its_own_forms_carry_the_proof(client: Any) -> None:
    theirs = _ask(client, "护照怎么办")
    forged = client.post(
        "/ask/go",
        data={"route": "online", "item_code": "GA-006", "hall_code": HALL, "question_id": theirs["question_id"]},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "not_the_asker" in forged.text
    helped = client.post(
        "/ask/go",
        data={"route": "help", "item_code": "GA-006", "hall_code": HALL, "question_id": theirs["question_id"],
              "feedback_token": "f" * 32},
        follow_redirects=False,
    )  # fmt: skip
    assert helped.status_code == 403 and "not_the_asker" in helped.text  # refused before a help request is opened
    assert client.get("/api/v1/help-requests", headers=auth(client, "guide3")).json() == []
    assert _routes_today(client) == {}

    page = client.post("/ask", data={"question": "身份证弄丢了咋补", "hall_code": HALL})
    assert page.status_code == 200
    form = re.search(r'<form method="post" action="/ask/go".*?</form>', page.text, re.S)
    assert form, page.text
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(0)))
    assert fields["question_id"] and len(fields["feedback_token"]) == 32
    taken = client.post("/ask/go", data=fields, follow_redirects=False)
    assert taken.status_code == 303, taken.text
    assert sum(_routes_today(client).values()) == 1
    # the guide link carries the proof on to the guidance card, whose steps carry it again
    link = re.search(r'href="(/ask/item/[^"]+)" data-testid="guide-link"', page.text)
    assert link
    card = client.get(link.group(1).replace("&amp;", "&")).text
    assert f'name="feedback_token" value="{fields["feedback_token"]}"' in card


def test_a_guidance_card_opened_with_someone_elses_question_does_not_tie_its_steps_to_it(client: Any) -> None:
    theirs = _ask(client, "护照怎么办")
    card = client.get(f"/ask/item/GA-006?hall_code={HALL}&question_id={theirs['question_id']}").text
    assert 'name="question_id"' not in card
    card = client.get(f"/ask/item/GA-006?hall_code={HALL}&question_id={theirs['question_id']}&feedback_token=x").text
    assert 'name="question_id"' not in card


def test_a_help_request_links_a_question_only_for_its_asker(client: Any) -> None:
    mine, theirs = _ask(client), _ask(client, "护照怎么办")
    base = {"hall_code": HALL, "source": "web", "item_code": "GA-002"}
    other = client.post("/api/v1/help-requests", json={**base, "question_id": theirs["question_id"]})
    assert other.status_code == 201, other.text
    own = client.post(
        "/api/v1/help-requests",
        json={**base, "question_id": mine["question_id"], "feedback_token": mine["feedback_token"]},
    )
    assert own.status_code == 201, own.text
    listed = {r["id"]: r for r in client.get("/api/v1/help-requests", headers=auth(client, "guide3")).json()}
    assert listed[other.json()["id"]]["question_id"] is None
    assert listed[own.json()["id"]]["question_id"] == mine["question_id"]


def test_staff_who_are_not_front_line_cannot_rate_choose_or_steer_a_visitors_question(env: Any, client: Any) -> None:
    """A sibling of the holes above (issue 12, trust12c): staff of the same hall needed no token, so an auditor —
    read-only by separation of duties — an approver or an administrator could mark a visitor's question "not
    helpful" (opening a review item), tap its choice or attach routes. Only front-line staff (guide, desk clerk,
    hall manager) act for a visitor without the answer's token; the others are refused like any stranger."""
    theirs = _ask(client)
    qid = theirs["question_id"]
    for who in ("auditor1", "approver1", "admin1"):
        headers = auth(client, who)
        rated = client.post("/api/v1/consult/feedback", json={"question_id": qid, "helpful": False}, headers=headers)
        assert_problem(rated, 403, "not_the_asker")
        chose = client.post(f"/api/v1/consult/questions/{qid}/choice", json={"entry_code": "KB-1"}, headers=headers)
        assert_problem(chose, 403, "not_the_asker")
        assert_problem(_route(client, qid, None, headers), 403, "not_the_asker")
    from sqlalchemy import text

    with env.db.engine.connect() as conn:
        row = conn.execute(text("SELECT helpful, review_status FROM consult_question WHERE id = :i"), {"i": qid}).one()
    assert row.helpful is None and row.review_status == "none"
    assert _routes_today(client) == {}
    # with the answer's token (the asker at the hall's own screen), anyone may; front-line staff need none
    assert _route(client, qid, theirs["feedback_token"], auth(client, "admin1")).status_code == 201
    for who in ("guide1", "clerk1", "hallmanager1"):
        assert _route(client, qid, None, auth(client, who)).status_code == 201, who
