"""A consultation answer's next step opens the errand (一件一码, issue 15 item 1): the question is the errand's first
touch, and the booking and the case it leads to join the same errand — through the consult API and pages."""

from __future__ import annotations

from typing import Any

from tests.cases.helpers import li_ming
from tests.errands.test_api import ITEM, _book, _bookable, _file
from tests.queueing.helpers import HALL, KIOSK


def _ask(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    body = {"question": "个体户不干了怎么注销", "hall_code": HALL}
    r = client.post("/api/v1/consult/ask", json=body, headers=headers)
    assert r.status_code == 200, r.text
    body = dict(r.json())
    assert body["answers"][0]["item_code"] == ITEM, body
    return body


def test_ask_then_book_then_apply_is_one_errand_starting_with_the_question(env: Any, client: Any) -> None:
    _bookable(env)
    citizen = li_ming(client)
    answer = _ask(client, citizen)
    book = next(s for s in answer["next_steps"] if s["route"] == "book")  # the answer's one-tap step
    r = client.post("/ask/go", headers=citizen, follow_redirects=False, data={
        "route": "book", "item_code": ITEM, "hall_code": HALL, "question_id": answer["question_id"],
        "feedback_token": answer["feedback_token"]})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == book["href"]
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert len(mine) == 1 and mine[0]["kinds"] == ["question"] and mine[0]["item_code"] == ITEM
    code = mine[0]["code"]

    booking = _book(client, citizen)  # the booking the step led to joins the question's errand
    filed = _file(client, citizen)  # and so does the case
    assert filed.status_code == 201, filed.text
    case_no = filed.json()["case_no"]
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert [e["code"] for e in mine] == [code]
    steps = client.get(f"/api/v1/errands/{code}", headers=citizen).json()["steps"]
    kinds = [s["step"] for s in steps]
    assert kinds[:3] == ["question", "booking", "case"], kinds
    assert steps[0]["ref"] == str(answer["question_id"]) and steps[1]["ref"] == booking and steps[2]["ref"] == case_no

    page = client.get(f"/errands/{code}", headers=citizen)  # the errand page tells it in that order
    assert page.status_code == 200
    text = page.text
    assert text.index('data-step="question"') < text.index('data-step="booking"') < text.index('data-step="case"')
    assert "咨询" in text and booking in text and case_no in text


def test_an_anonymous_question_or_a_step_that_does_nothing_opens_no_errand(env: Any, client: Any) -> None:
    citizen = li_ming(client)
    anonymous = _ask(client, {})
    r = client.post("/api/v1/consult/routes", json={
        "route": "online", "item_code": ITEM, "hall_code": HALL, "question_id": anonymous["question_id"],
        "feedback_token": anonymous["feedback_token"]})  # fmt: skip
    assert r.status_code == 201, r.text
    answer = _ask(client, citizen)
    r = client.post("/api/v1/consult/routes", headers=citizen, json={
        "route": "hotline", "item_code": ITEM, "hall_code": HALL, "question_id": answer["question_id"],
        "feedback_token": answer["feedback_token"]})  # fmt: skip
    assert r.status_code == 201, r.text
    assert client.get("/api/v1/errands", headers=citizen).json() == []
    r = client.post(
        "/api/v1/consult/routes",
        headers=citizen,
        json={
            "route": "online",
            "item_code": ITEM,
            "hall_code": HALL,
            "question_id": answer["question_id"],
            "feedback_token": answer["feedback_token"],
        },
    )  # fmt: skip  (through the API too)
    assert r.status_code == 201, r.text
    again = client.post(
        "/api/v1/consult/routes",
        headers=citizen,
        json={
            "route": "book",
            "item_code": ITEM,
            "hall_code": HALL,
            "question_id": answer["question_id"],
            "feedback_token": answer["feedback_token"],
        },
    )  # fmt: skip  (a second step: the same errand, once)
    assert again.status_code == 201, again.text
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert len(mine) == 1 and mine[0]["kinds"] == ["question"]


def _route_ticket(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    answer = _ask(client, headers)
    r = client.post("/api/v1/consult/routes", headers=headers, json={
        "route": "ticket", "item_code": ITEM, "hall_code": HALL, "question_id": answer["question_id"],
        "feedback_token": answer["feedback_token"]})  # fmt: skip
    assert r.status_code == 201, r.text
    return answer


def test_a_signed_in_citizens_ticket_after_the_question_joins_its_errand(env: Any, client: Any) -> None:
    citizen = li_ming(client)
    answer = _route_ticket(client, citizen)  # the answer's "ticket" step, taken by its asker
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert len(mine) == 1 and mine[0]["kinds"] == ["question"]
    code = mine[0]["code"]
    ticket = client.post("/api/v1/tickets", headers=citizen, json={"hall_code": HALL, "item_code": ITEM})
    assert ticket.status_code == 201, ticket.text  # the phone/web ticket of the signed-in citizen
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert [e["code"] for e in mine] == [code]  # the same errand, not a new one
    steps = client.get(f"/api/v1/errands/{code}", headers=citizen).json()["steps"]
    assert [s["step"] for s in steps][:2] == ["question", "ticket"], steps
    assert steps[0]["ref"] == str(answer["question_id"]) and steps[1]["ref"] == ticket.json()["number"]


def test_an_anonymous_kiosk_ticket_after_the_question_stays_out_of_its_errand(env: Any, client: Any) -> None:
    citizen = li_ming(client)
    _route_ticket(client, citizen)
    code = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    ticket = client.post("/api/v1/tickets", headers=KIOSK, json={"hall_code": HALL, "item_code": ITEM})
    assert ticket.status_code == 201, ticket.text  # nobody named at the kiosk: the ticket is nobody's
    steps = client.get(f"/api/v1/errands/{code}", headers=citizen).json()["steps"]
    assert [s["step"] for s in steps] == ["question"]  # a stranger's ticket never joins the citizen's errand
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert [e["code"] for e in mine] == [code]


def test_the_ticket_step_takes_a_ticket_from_home_and_the_ticket_joins_the_errand(env: Any, client: Any) -> None:
    """The answer's "ticket" step leads a signed-in citizen to a page that takes one (not to the kiosk page, which
    refuses citizens); the kiosk itself goes on to its own page; the ticket joins the question's errand."""
    from tests.conftest import auth
    from tests.factories import assert_refused_page

    citizen = li_ming(client)
    answer = _ask(client, citizen)
    step = next(s for s in answer["next_steps"] if s["route"] == "ticket")
    r = client.post("/ask/go", headers=citizen, follow_redirects=False, data={
        "route": "ticket", "item_code": ITEM, "hall_code": HALL, "question_id": answer["question_id"],
        "feedback_token": answer["feedback_token"]})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == step["href"] == f"/take/{HALL}?item_code={ITEM}"
    page = client.get(step["href"], headers=citizen)
    assert page.status_code == 200 and 'data-testid="take-submit"' in page.text and "线上取号" in page.text
    assert "个体工商户注销登记" in page.text  # the item in words
    taken = client.post(f"/take/{HALL}", headers=citizen, data={"item_code": ITEM}, follow_redirects=False)
    assert taken.status_code == 303 and taken.headers["location"].startswith("/tickets/"), taken.text
    live = client.get(taken.headers["location"], headers=citizen)
    assert live.status_code == 200
    code = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    steps = client.get(f"/api/v1/errands/{code}", headers=citizen).json()["steps"]
    assert [s["step"] for s in steps][:2] == ["question", "ticket"], steps
    assert steps[1]["ref"] in live.text  # the ticket page shows the number the errand holds

    kiosk = client.get(step["href"], headers=KIOSK, follow_redirects=False)
    assert kiosk.status_code == 303 and kiosk.headers["location"] == f"/kiosk/{HALL}"
    anonymous = client.get(step["href"], follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "login" in anonymous.headers["location"]
    approver = auth(client, "approver1")
    assert_refused_page(client.get(step["href"], headers=approver), 403, "forbidden_role")
    assert_refused_page(client.post(f"/take/{HALL}", headers=approver, data={"item_code": ITEM}), 403, "forbidden_role")
    assert_refused_page(client.get("/take/H-000000", headers=citizen), 404, "hall_not_found")


def test_the_take_page_offers_booking_instead_only_where_the_item_is_bookable(env: Any, client: Any) -> None:
    citizen = li_ming(client)
    not_bookable = client.get(f"/take/{HALL}?item_code=GA-002", headers=citizen)  # 居民身份证补领: no booking here
    assert not_bookable.status_code == 200 and "/appointments/book" not in not_bookable.text
    bookable = client.get(f"/take/{HALL}?item_code=GA-006", headers=citizen)  # 普通护照: bookable at this hall
    assert f"/appointments/book?hall_code={HALL}&item_code=GA-006" in bookable.text
