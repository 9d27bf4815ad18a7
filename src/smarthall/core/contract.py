"""The published contract (``/openapi.json``) completed: every operation documents its error answers as
problem+json (``components.schemas.Problem``, the shape ``core.errors`` renders) and the content types it really
sends (files, CSV, PDF), so that a client generated from the document, and schemathesis' conformance checks, see
what the platform answers.

FastAPI documents only the success answer and a 422 of its own shape; the platform's 422 is problem+json too. A
500 stays undocumented: it is a bug, never part of the contract.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PROBLEM_MEDIA = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details with a stable code and Chinese and English messages",
    "required": ["type", "title", "status", "code", "message_zh", "message_en"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "message_zh": {"type": "string"},
        "message_en": {"type": "string"},
        "detail": {},
        "request_id": {"type": "string"},
    },
    "additionalProperties": True,
}

ERRORS: dict[str, str] = {
    "400": "Bad request",
    "401": "Authentication is required, or the credential was refused",
    "403": "The caller's role or scope does not allow this",
    "404": "Not found (or not in the caller's scope)",
    "405": "Method not allowed",
    "409": "Conflicts with the current state",
    "413": "The request body is too large",
    "422": "The request did not pass validation or a business rule",
    "429": "Too many requests (see Retry-After)",
    "503": "Busy or a service is unavailable (see Retry-After)",
}

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# Operations whose success answer is not JSON: "METHOD path" -> the media types they send.
CONTENT: dict[str, tuple[str, ...]] = {}


# The text form of a model that strips its strings (``str_strip_whitespace``): its length bounds hold of the stripped
# text, so the contract says the text has no whitespace at either end (else " " would look valid for min_length=1).
TRIMMED = r"^\S(?:[\s\S]*\S)?$"


def trimmed_strings(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` of a model with ``str_strip_whitespace``: every string property with a minimum length
    and no pattern of its own gets ``TRIMMED`` (the text the model accepts unchanged)."""
    for prop in schema.get("properties", {}).values():
        for variant in [prop, *prop.get("anyOf", [])]:
            if variant.get("type") == "string" and "minLength" in variant and "pattern" not in variant:
                variant["pattern"] = _trimmed(int(variant["minLength"]), variant.get("maxLength"))


def _trimmed(low: int, high: int | None) -> str:
    """``TRIMMED`` with the length bounds in it as well, so that a generator of matching texts meets them directly
    (three fields of exact lengths filtered from free-length texts were never met)."""
    if high is None or high < max(low, 1):
        return TRIMMED
    inner_low, inner_high = max(low - 2, 0), high - 2
    if low <= 1:
        return rf"^\S(?:[\s\S]{{0,{inner_high}}}\S)?$" if high >= 2 else r"^\S$"
    return rf"^\S[\s\S]{{{inner_low},{inner_high}}}\S$"


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA: {"schema": dict(PROBLEM_REF)}}}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the Problem component and every operation's error answers and content types (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in ERRORS.items():
                existing = responses.get(status)
                if existing is None or "HTTPValidationError" in str(existing):
                    responses[status] = _problem_response(description)
                else:
                    existing.setdefault("content", {})[PROBLEM_MEDIA] = {"schema": dict(PROBLEM_REF)}
            media = CONTENT.get(f"{method.upper()} {path}")
            if media:
                for status, answer in responses.items():
                    if status.startswith("2"):
                        content = answer.setdefault("content", {})
                        for kind in media:
                            content.setdefault(kind, {"schema": {"type": "string", "format": "binary"}})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    """Serve the completed contract at ``app.openapi_url`` (built once, on first request)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
