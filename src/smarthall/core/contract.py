"""The published contract (``/openapi.json``) completed: every operation documents its error answers as
problem+json (``components.schemas.Problem``, the shape ``core.errors`` renders) and the content types it really
sends (files, CSV, PDF), so that a client generated from the document, and schemathesis' conformance checks, see
what the platform answers.

FastAPI documents only the success answer and a 422 of its own shape; the platform's 422 is problem+json too. A
500 stays undocumented: it is a bug, never part of the contract.
"""

from __future__ import annotations

import re
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

# Operations whose success answer is not JSON: "METHOD path" -> the media types they send (these replace the
# ``application/json`` FastAPI documents for a route that returns a ``Response`` of its own). Found by the stateful
# run (a called ticket's WAV answered ``audio/wav`` where the document said JSON).
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT: dict[str, tuple[str, ...]] = {
    "GET /api/v1/tickets/{ticket_id}/voice.wav": ("audio/wav",),
    "GET /api/v1/documents/{document_id}": ("application/pdf",),
    "GET /api/v1/archives/{case_no}/export": ("application/zip",),
    "GET /api/v1/evaluations/stats.csv": ("text/csv",),
    "GET /api/v1/staff-performance.csv": ("text/csv",),
    "GET /api/v1/staff-performance.xlsx": (XLSX,),
    "GET /api/v1/consult/export": ("application/json", "text/csv"),
}


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
                        generic = content.get("application/json") == {"schema": {}}  # a Response of its own
                        if generic and "application/json" not in media:
                            content.pop("application/json")
                        for kind in media:
                            content.setdefault(kind, {"schema": {"type": "string", "format": "binary"}})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    declare_links(schema)
    return schema


# OpenAPI links (what a client, and schemathesis' state machine, may do next with an answer's ids), declared by two
# rules rather than route by route: (1) what a POST on a collection creates feeds the operations beneath it
# (``POST /tickets`` -> ``GET /tickets/{ticket_id}``, ``POST /api-clients`` -> ``…/{client_id}/approve``); (2) what
# a creation answers under a path parameter's own name feeds every operation taking that parameter (a new case's
# ``case_no`` -> ``/archives/{case_no}``). ``EXTRA_LINKS`` lists the few a rule does not find.
ParamPointers = dict[str, str]

# "METHOD path" of a producer -> ("METHOD path" of a consumer, {path parameter: JSON pointer in the answer}).
EXTRA_LINKS: dict[str, list[tuple[str, ParamPointers]]] = {
    # A paired device's pairing code is read by the device itself (``/venue/pair`` takes it in the body, which a
    # link cannot fill); a new staff member's code names their performance page.
    "POST /api/v1/staff": [("GET /api/v1/staff-performance/staff/{staff_code}", {"staff_code": "/code"})],
}
_RECORD = ("_id", "_no")  # a record's own identifier (``ticket_id``, ``case_no``), not a shared code (``hall_code``)
_PARAM = re.compile(r"\{([^}]+)\}")
# (3) What a creation answers also fills the request BODIES that name it: a record's identifier under its own name
# (``ticket_id`` of a booking -> ``/evaluations/links``), or the new record's ``id``/``code`` under the name the
# collection gives it (``POST /tickets`` -> ``{"ticket_id": …}``, ``POST /staff`` -> ``{"staff_code": …}``), and a
# secret handed back for the next step (``feedback_token``). (4) The caller's own hall and window (``GET /me``) feed
# the operations named by them alone (``/halls/{hall_code}/live``, ``/windows/{window_code}/call-next``). (5) A list's
# first record feeds the operations beneath the list (``GET /help-requests`` -> ``…/{request_id}/actions``).
_BODY_OWN = (*_RECORD, "_token")
ME = "GET /api/v1/me"
ME_POINTERS = {"hall_code": "/hall_code", "scope_code": "/hall_code", "window_code": "/window_code"}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    for _ in range(5):
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/components/schemas/"):
            break
        node = schema["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return node


def _pointer(schema: dict[str, Any], body: dict[str, Any], param: str, *, own_name_only: bool) -> str | None:
    """Where in an answer of shape ``body`` the value of path parameter ``param`` is: its own name, else (for a
    record's id or code) ``id``/``code``, at the top or one object down (``ClientWithKey.client.id``)."""
    names = [param] if own_name_only else [param, "id" if param.endswith("_id") else param, "code"]
    if not own_name_only and param not in ("code",) and not param.endswith(("_id", "_no", "code")):
        names = [param]
    props = _resolve(schema, body).get("properties", {})
    for name in names:
        if name in props:
            return f"/{name}"
    if own_name_only:
        return None
    for key, prop in props.items():
        inner = _resolve(schema, prop).get("properties", {})
        for name in names:
            if name in inner:
                return f"/{key}/{name}"
    return None


def _answers(operation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for status, answer in operation.get("responses", {}).items():
        body = answer.get("content", {}).get("application/json", {}).get("schema")
        if status.startswith("2") and isinstance(body, dict):
            out.append((status, answer))
    return out


def _singular(path: str) -> str:
    """The name a collection gives one of its records: ``/api/v1/proxy-authorizations`` -> ``proxy_authorization``."""
    last = path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
    if last.endswith("ies"):
        return last[:-3] + "y"
    return last[:-1] if last.endswith("s") and not last.endswith("ss") else last


def _body_fields(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return list(_resolve(schema, body).get("properties", {})) if isinstance(body, dict) else []


def _body_pointers(schema: dict[str, Any], path: str, answer: dict[str, Any], fields: list[str]) -> ParamPointers:
    """Rule (3): where in a creation's answer each body field of a consumer is."""
    props = _resolve(schema, answer).get("properties", {})
    own = _singular(path)
    found: ParamPointers = {}
    for name in fields:
        if name.endswith(_BODY_OWN) and name in props:
            found[name] = f"/{name}"
        elif name == f"{own}_id" and "id" in props:
            found[name] = "/id"
        elif name == f"{own}_code" and "code" in props:
            found[name] = "/code"
    return found


def declare_links(schema: dict[str, Any]) -> int:
    """Add the links of the two rules and ``EXTRA_LINKS`` to ``schema`` (in place); the number added."""
    ops: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "operationId" in operation:
                ops[f"{method.upper()} {path}"] = (method, path, operation)
    added = 0

    def link(answer: dict[str, Any], consumer: str, params: ParamPointers, body: ParamPointers | None = None) -> None:
        nonlocal added
        _, _, target = ops[consumer]
        links = answer.setdefault("links", {})
        name = target["operationId"]
        if name not in links:
            links[name] = {
                "operationId": name,
                "parameters": {p: f"$response.body#{ptr}" for p, ptr in params.items()},
            }
            added += 1
        if body and "requestBody" not in links[name]:
            links[name]["requestBody"] = {f: f"$response.body#{ptr}" for f, ptr in body.items()}

    for key, (method, path, operation) in ops.items():
        if method != "post" or "{" in path:  # a creation on a collection
            continue
        for _, answer in _answers(operation):
            body = answer["content"]["application/json"]["schema"]
            for consumer, (_, c_path, _c) in ops.items():
                if consumer == key:
                    continue
                params = _PARAM.findall(c_path)
                if not params:
                    continue
                beneath = c_path.startswith(path + "/")
                # Beneath a collection its record's id may answer under ``id``; a second parameter only by name.
                found = {
                    p: ptr
                    for i, p in enumerate(params)
                    if (ptr := _pointer(schema, body, p, own_name_only=not beneath or i > 0))
                }
                if beneath and params[0] in found:
                    link(answer, consumer, found)
                elif not beneath and len(found) == len(params) and all(p.endswith(_RECORD) for p in params):
                    link(answer, consumer, found)
            for consumer, (_, c_path, c_operation) in ops.items():
                fields = _body_fields(schema, c_operation) if consumer != key else []
                filled = _body_pointers(schema, path, body, fields) if fields else {}
                if filled and not _PARAM.findall(c_path):
                    link(answer, consumer, {}, filled)
                elif filled and "links" in answer and c_operation["operationId"] in answer["links"]:
                    link(answer, consumer, {}, filled)  # a path already linked: its body too
            for consumer, pointers in EXTRA_LINKS.get(key, []):
                link(answer, consumer, pointers)
    for method, path, operation in ops.values():  # (5) a list's first record -> the operations beneath it
        if method != "get" or "{" in path:
            continue
        for _, answer in _answers(operation):
            body = _resolve(schema, answer["content"]["application/json"]["schema"])
            if body.get("type") != "array" or not isinstance(body.get("items"), dict):
                continue
            for consumer, (_, c_path, _c) in ops.items():
                params = _PARAM.findall(c_path)
                if params and c_path.startswith(path + "/") and "{" not in c_path[len(path) + 2 :].split("}", 1)[1]:
                    ptr = _pointer(schema, body["items"], params[0], own_name_only=False)
                    if ptr:
                        link(answer, consumer, {params[0]: f"/0{ptr}"})
    if ME in ops:
        for _, answer in _answers(ops[ME][2]):
            for consumer, (_, c_path, _c) in ops.items():
                params = _PARAM.findall(c_path)
                if params and consumer != ME and all(p in ME_POINTERS for p in params):
                    link(answer, consumer, {p: ME_POINTERS[p] for p in params})
    return added


def install(app: FastAPI) -> None:
    """Serve the completed contract at ``app.openapi_url`` (built once, on first request)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
