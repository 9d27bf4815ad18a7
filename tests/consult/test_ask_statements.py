"""What one question costs the database (issue 17): the served entries' signature, the hall, the item's facts and
the seeding check come from the process's caches (``Database.cache``, emptied when a row they are built from
commits), so an answer is one INSERT of the question — its write transaction holds nothing else — and a change to
an entry or a hall still shows in the very next answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.conftest import AppEnv, auth

HALL = "H-690102"


def ask(client: Any, question: str) -> dict[str, Any]:
    r = client.post("/api/v1/consult/ask", json={"question": question, "hall_code": HALL})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _statements(env: AppEnv, client: Any, question: str) -> tuple[list[str], dict[str, Any]]:
    seen: list[str] = []

    def execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            seen.append(" ".join(statement.split())[:80])

    event.listen(env.db.engine, "before_cursor_execute", execute)
    try:
        body = ask(client, question)
    finally:
        event.remove(env.db.engine, "before_cursor_execute", execute)
    return seen, body


def test_an_answered_question_is_one_insert_and_nothing_else(env: AppEnv, client: Any) -> None:
    ask(client, "你好")  # seeds the catalog's entries: their commit empties the cache of what is served
    first = ask(client, "身份证弄丢了咋补")  # builds the index, fills the caches
    assert first["confident"] and first["answers"][0]["item_code"] == "GA-002"
    statements, body = _statements(env, client, "身份证丢了怎么补办")
    assert body["confident"] and body["answers"][0]["item_code"] == "GA-002"
    assert body["answers"][0]["entry_version"] == first["answers"][0]["entry_version"] >= 1
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO consult_question"), statements
    from smarthall.consult.models import Question

    with env.db.unit_of_work() as session:  # the row is there, with what was answered
        row = session.get(Question, body["question_id"])
        assert row is not None and row.hall_code == HALL and row.review_status == "none"
        assert row.top_entry_code == body["answers"][0]["entry_code"] == row.answers[0]["entry_code"]
    declined, _ = _statements(env, client, "明天天气怎么样")  # a hand-over: the same one statement
    assert len(declined) == 1 and declined[0].startswith("INSERT INTO consult_question"), declined


def test_an_entry_change_reaches_the_next_answer_at_once(client: Any) -> None:
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    before = ask(client, "wifi密码是多少")
    top = before["answers"][0]
    assert top["entry_code"] == "FAQ-030", top
    entry = client.get("/api/v1/consult/entries/FAQ-030", headers=manager).json()
    change = {**{k: entry[k] for k in ("kind", "item_code", "title", "tags", "keywords")}, "body": "新的WiFi说明"}
    assert client.put("/api/v1/consult/entries/FAQ-030", json=change, headers=manager).status_code == 200
    ok = client.post("/api/v1/consult/entries/FAQ-030/review", json={"approve": True}, headers=admin)
    assert ok.status_code == 200, ok.text
    after = ask(client, "wifi密码是多少")["answers"][0]
    assert after["entry_code"] == "FAQ-030"
    assert after["entry_version"] == top["entry_version"] + 1 and after["snippet"] == "新的WiFi说明"


def test_a_halls_new_hotline_shows_in_the_next_hand_over(env: AppEnv, client: Any) -> None:
    from smarthall.org.models import Hall

    ask(client, "明天天气怎么样")  # the hall's view is cached now
    with env.db.unit_of_work() as session:
        hall = session.query(Hall).filter_by(code=HALL).one()
        hall.hotline = "0991-7654321"
    body = ask(client, "明天天气怎么样")
    assert body["confident"] is False and "0991-7654321" in body["message_zh"], body["message_zh"]
    assert any(s["href"] == "tel:0991-7654321" for s in body["next_steps"])


def test_asking_is_matched_at_the_apps_top_level_and_runs_off_the_loop(env: AppEnv, client: Any) -> None:
    from smarthall.core.routing import UnitOfWorkRoute

    routes = env.app.router.routes
    top = [r for r in routes if isinstance(r, UnitOfWorkRoute) and r.first]
    (ask_route,) = [r for r in top if r.path == "/api/v1/consult/ask"]
    assert ask_route.hot is False  # a question's embedding is not event-loop work: a worker thread runs it
    assert routes.index(ask_route) < len(top)  # in front of every included router
    paths = [p for p in client.get("/openapi.json").json()["paths"] if p == "/api/v1/consult/ask"]
    assert paths == ["/api/v1/consult/ask"]
    assert ask(client, "护照过期了怎么换")["answers"][0]["item_code"] == "GA-006"
