"""A NUL (0x00) in any text (issue 12, attack12 probe): PostgreSQL stores no NUL in text, and a NUL in a login name,
a help request's description or a path answered 500 there (SQLite stores it). Every one answers 4xx on both
backends; on PostgreSQL the refusal is 422 ``nul_character``."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import register_citizen

ORIGIN = {"Origin": "http://testserver"}


def test_a_nul_in_any_text_is_refused_not_500(env: Any, client: Any) -> None:
    _, citizen = register_citizen(client)
    clerk, admin = auth(client, "clerk1"), auth(client, "admin1")
    answers = {
        "login": client.post("/api/v1/auth/token", data={"username": "clerk\x001", "password": "x\x00"}),
        "help": client.post(
            "/api/v1/help-requests",
            headers=citizen,
            json={"hall_code": "H-690102", "source": "web", "description": "帮\x00我"},
        ),  # fmt: skip
        "ask": client.post("/api/v1/consult/ask", json={"question": "我想办\x00身份证", "hall_code": "H-690102"}),
        "items": client.get("/api/v1/items", params={"q": "身份\x00证"}),
        "staff": client.get("/api/v1/staff/abc%00", headers=admin),
        "case": client.get("/api/v1/cases/H%00X", headers=clerk),
        "page": client.post("/login", data={"username": "clerk\x001", "password": "x"}, headers=ORIGIN),
    }
    for name, answer in answers.items():
        assert answer.status_code < 500, (name, answer.status_code, answer.text[:300])
    if env.backend == "postgresql":
        for name in ("login", "help"):
            assert answers[name].status_code == 422 and answers[name].json()["code"] == "nul_character", name


def test_a_nul_in_text_kept_as_json_is_refused_not_500(env: Any, client: Any) -> None:
    """The stateful contract run on PostgreSQL (2026-12-08): a knowledge entry whose text held a NUL went into a jsonb
    column as the escape \\u0000 and answered 500 ("unsupported Unicode escape sequence"). Now 422 there, nothing
    stored."""
    manager = auth(client, "hallmanager1")
    body = {"kind": "faq", "code": "KB-NUL-01", "hall_code": "H-690102", "title": "带\x00宠物", "body": "可以\x00吗"}
    answer = client.post("/api/v1/consult/entries", json=body, headers=manager)
    assert answer.status_code < 500, (answer.status_code, answer.text[:300])  # SQLite stores the NUL as typed
    if env.backend == "postgresql":
        assert answer.status_code == 422 and answer.json()["code"] == "nul_character"
        listed = client.get("/api/v1/consult/entries", headers=manager)
        assert listed.status_code == 200 and "KB-NUL-01" not in listed.text
