"""Integers from a request are bounded (issue 12, item 11, fresh probe): 2^63 in ``offset`` (consult entries,
bundle applications, API clients) and in the audit trail's ``before_seq`` answered 500 on the demo server. Every
integer a request may carry — path, query or body, nested too — has a maximum in the OpenAPI (so a new one is
caught here), and the ones found answer 422."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem

BIG = str(2**63)


def _unbounded(spec: dict[str, Any]) -> list[str]:
    schemas = spec.get("components", {}).get("schemas", {})

    def walk(schema: dict[str, Any], where: str, out: list[str], depth: int = 0) -> None:
        if depth > 8:
            return
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        for alt in (*schema.get("anyOf", ()), *schema.get("allOf", ()), *schema.get("oneOf", ())):
            walk(alt, where, out, depth + 1)
        if schema.get("type") == "integer" and "maximum" not in schema and "exclusiveMaximum" not in schema:
            out.append(where)
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}", out, depth + 1)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{where}[]", out, depth + 1)
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], f"{where}{{}}", out, depth + 1)

    found: list[str] = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            out: list[str] = []
            for param in op.get("parameters", []):
                walk(param.get("schema", {}), f"{param['in']}:{param['name']}", out)
            for content in op.get("requestBody", {}).get("content", {}).values():
                walk(content.get("schema", {}), "body", out)
            found += [f"{method.upper()} {path} {w}" for w in out]
    return found


def test_every_integer_a_request_carries_is_bounded(client: Any) -> None:
    assert _unbounded(client.get("/openapi.json").json()) == []


def test_the_probes_huge_integers_are_422(client: Any) -> None:
    admin, manager, auditor = auth(client, "admin1"), auth(client, "hallmanager1"), auth(client, "auditor1")
    for path, headers in (
        ("/api/v1/consult/entries", manager),
        ("/api/v1/bundle-applications", manager),
        ("/api/v1/api-clients", admin),
        ("/api/v1/items", {}),
    ):
        assert_problem(client.get(path, params={"offset": BIG}, headers=headers), 422, "validation_error")
    assert_problem(
        client.get("/api/v1/audit/events", params={"before_seq": BIG}, headers=auditor), 422, "validation_error"
    )
    dispatch = {"action": "open", "window_code": "H-690102-W01", "version": "x", "staff_id": 2**63}
    answer = client.post("/api/v1/halls/H-690102/dispatch-actions", json=dispatch, headers=manager)
    assert_problem(answer, 422, "validation_error")
