"""Issue 16: GET /cases/new of an item prefilled from shared data answered 503 busy in the demo now and then.

The page's read transaction wrote its data-sharing ledger row itself; on SQLite a read transaction that another
write has overtaken since it began cannot become a write one ("database is locked" at once, no waiting). Here another
write commits exactly between the page's first read of shared data and its ledger row, and the page must still
answer and ledger its lookups. (The fix — the row written after the read — is ``coordination.repository``'s.)"""

from __future__ import annotations

from tests.cases.helpers import li_ming


def test_a_form_page_read_while_another_write_commits_still_ledgers_its_lookups(env, client):
    from sqlalchemy import event, text

    citizen = li_ming(client)
    fired: list[bool] = []

    def overtake(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if not fired and "cases_share_record" in statement:
            fired.append(True)
            with env.db.unit_of_work() as other:  # another request's write, committed in between
                other.execute(text("UPDATE org_hall SET hotline = '0000-12345' WHERE code = 'H-690102'"))

    event.listen(env.db.engine, "before_cursor_execute", overtake)
    try:
        page = client.get("/cases/new?item_code=RS-002&hall_code=H-690102", headers={**citizen, "Accept": "text/html"})
    finally:
        event.remove(env.db.engine, "before_cursor_execute", overtake)
    assert fired, "the page read shared data"
    assert page.status_code == 200, page.text[:300]
    rows = client.get("/api/v1/me/data-lookups", headers=citizen).json()
    assert {r["department"] for r in rows} >= {"人社"} and all(r["purpose"] == "prefill" for r in rows)
