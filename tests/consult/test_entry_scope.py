"""Knowledge-base entries belong to a hall (or to the platform): another hall's editors neither make entries for this
hall nor read, change, review, retire or list this hall's (issue 12, item 3 for the knowledge base)."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem, make_staff

HOME, OTHER = "H-690102", "H-690200"


def _other_editors(env: Any, client: Any) -> tuple[dict[str, str], dict[str, str]]:
    make_staff(env, username="kb-other-manager", role="hall_manager", hall_code=OTHER)
    make_staff(env, username="kb-other-admin", role="admin", hall_code=OTHER)
    return auth(client, "kb-other-manager"), auth(client, "kb-other-admin")


def test_another_halls_editors_cannot_touch_this_halls_entries(env: Any, client: Any) -> None:
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    made = client.post(
        "/api/v1/consult/entries", headers=manager, json={"code": "KB-HOME-1", "title": "本厅停车", "body": "地下一层"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["hall_code"] == HOME
    other_manager, other_admin = _other_editors(env, client)
    for headers in (other_manager, other_admin):
        assert_problem(client.get("/api/v1/consult/entries/KB-HOME-1", headers=headers), 404, "entry_not_found")
        assert_problem(
            client.put("/api/v1/consult/entries/KB-HOME-1", headers=headers, json={"title": "改", "body": "改"}),
            404,
            "entry_not_found",
        )
        assert_problem(
            client.get("/api/v1/consult/entries/KB-HOME-1/versions", headers=headers), 404, "entry_not_found"
        )
        assert_problem(client.post("/api/v1/consult/entries/KB-HOME-1/retire", headers=headers), 404, "entry_not_found")
        listed = client.get("/api/v1/consult/entries", params={"q": "KB-HOME"}, headers=headers).json()
        assert listed["entries"] == []
    assert_problem(
        client.post("/api/v1/consult/entries/KB-HOME-1/review", headers=other_manager, json={"approve": True}),
        404,
        "entry_not_found",
    )
    # nor make one in this hall's name
    assert_problem(
        client.post(
            "/api/v1/consult/entries",
            headers=other_manager,
            json={"code": "KB-FORGED", "hall_code": HOME, "title": "假条目", "body": "假"},
        ),
        403,
        "hall_out_of_scope",
    )
    # this hall's own reviewer still reviews it; platform entries (from the catalog) stay shared
    assert (
        client.post("/api/v1/consult/entries/KB-HOME-1/review", headers=admin, json={"approve": True}).status_code
        == 200
    )
    assert client.get("/api/v1/consult/entries/FAQ-001", headers=other_manager).status_code == 200
