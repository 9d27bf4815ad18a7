"""JSON nested thousands deep (issue 12, attack12 probe): ``json.loads`` raises ``RecursionError``, which no parser
of a raw body caught — the anonymous payment callback (``POST /payments/callback/demo``) and the catalog import
answered 500 to ``{"order_no": [[[…]]]}`` 3,000 deep (the JSON bodies FastAPI parses already answered 400)."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem

DEEP = 3000
JSON = {"Content-Type": "application/json"}


def _nested(key: str) -> bytes:
    return ('{"' + key + '": ' + "[" * DEEP + "]" * DEEP + "}").encode()


def test_the_payment_callback_refuses_deep_json_anonymously(client: Any) -> None:
    answer = client.post("/api/v1/payments/callback/demo", content=_nested("order_no"),
                         headers={**JSON, "X-Pay-Signature": "x"})  # fmt: skip
    assert_problem(answer, 422, "payment_notice_invalid")


def test_the_catalog_import_refuses_deep_json(client: Any) -> None:
    answer = client.post("/api/v1/catalog/import", content=_nested("meta"), headers={**JSON, **auth(client, "admin1")})
    body = assert_problem(answer, 422, "catalog_invalid")
    assert body["detail"][0]["message"] == "nested too deep"


def test_json_bodies_fastapi_parses_stay_400(client: Any) -> None:
    for path in ("/api/v1/consult/ask", "/api/v1/help-requests"):
        answer = client.post(path, content=_nested("question"), headers=JSON)
        assert answer.status_code in (400, 422), (path, answer.status_code, answer.text[:200])
        assert answer.json()["code"]
