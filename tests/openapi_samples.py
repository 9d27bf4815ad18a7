"""Plausible values for an OpenAPI schema, so that a generated request is answered for who asks, not for its form:
the route sweep (``tests/security/test_route_sweep.py``) and the scope test (``tests/test_scope_generated.py``)
fill paths, queries and bodies from the app's own OpenAPI document with these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` followed and an optional (``anyOf`` with null) taken as its non-null form."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return resolve(spec, options[0]) if options else {}
    return schema


def sample(
    spec: dict[str, Any], name: str, schema: dict[str, Any], known: Mapping[str, Any], *, fill_objects: bool = True
) -> Any:
    """A value for the field ``name``: a real one from ``known`` when named there, else one the schema accepts (an
    object with its required fields filled, or ``{}`` without ``fill_objects``)."""
    if name in known:
        return known[name]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        if not fill_objects:
            return {}
        props = schema.get("properties", {})
        return {k: sample(spec, k, resolve(spec, props[k]), known) for k in schema.get("required", [])}
    if schema.get("format") == "date":
        return "2026-12-01"
    if schema.get("format") == "date-time":
        return "2026-12-01T10:00:00+08:00"
    return "x" * max(1, int(schema.get("minLength", 1)))
