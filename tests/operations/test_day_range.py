"""The reports over days (``GET /api/v1/facts``, ``GET /api/v1/improvement``) share one query block, the
``DayRange`` dependency: the same bounded ``level``, ``code``, ``from``, ``to`` in the OpenAPI of both, and the
same refusals."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem

BLOCK = ("level", "code", "from", "to")


def _params(spec: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"}


def test_facts_and_improvement_take_one_bounded_day_range(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    facts, improvement = _params(spec, "/api/v1/facts"), _params(spec, "/api/v1/improvement")
    for name in BLOCK:
        assert facts[name] == improvement[name], name
        assert facts[name]["required"], name
    assert facts["level"]["schema"]["maxLength"] == 16 and facts["code"]["schema"]["maxLength"] == 40

    headers = auth(client, "hallmanager1")
    for path in ("/api/v1/facts", "/api/v1/improvement"):
        ok = {"level": "hall", "code": "H-690102", "from": "2026-11-01", "to": "2026-11-29"}
        assert client.get(path, params=ok, headers=headers).status_code == 200, path
        assert_problem(client.get(path, params={**ok, "level": "x" * 17}, headers=headers), 422, "validation_error")
        assert_problem(client.get(path, params={**ok, "from": "1899-12-31"}, headers=headers), 422, "validation_error")
        missing = {k: v for k, v in ok.items() if k != "to"}
        assert_problem(client.get(path, params=missing, headers=headers), 422, "validation_error")
