"""Contract conformance with schemathesis (issue 18 item 3): for every documented operation, generated requests
from an anonymous caller and from a token of each role get answers whose status code, content type and body the
contract documents (``core.contract`` completes the document with problem+json errors). Bounded: a few examples per
operation and role, derandomized, so it runs in ``make test`` within a couple of minutes.

Operations whose answers still depart from the contract are listed in ``KNOWN_DEPARTURES`` with why; the list may
only shrink (an entry that conforms fails the test)."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import auth

# A few examples per operation and caller in CI; SMARTHALL_CONTRACT_EXAMPLES=25 for a deeper run by hand.
EXAMPLES = int(os.environ.get("SMARTHALL_CONTRACT_EXAMPLES", "3"))
ROLES = ("guide1", "clerk1", "approver1", "hallmanager1", "admin1", "auditor1", "690102199003071232")
# Path fragments, comma-separated: check only the operations whose path holds one of them (debugging).
ONLY = [p for p in os.environ.get("SMARTHALL_CONTRACT_ONLY", "").split(",") if p]
DEVICES = ("demo-kiosk-key", "demo-display-key")  # the demo hall's paired kiosk and call display
CHECKS = (status_code_conformance, content_type_conformance, response_schema_conformance)

# A schema-valid request may still be refused (422) by a rule JSON Schema cannot state: an ID number's check digit,
# a phone number's form, a date relative to today, a hall code that names no hall, a question of unreadable
# characters, a catalog file's content, an uploaded file's content (empty, not the PDF/JPEG/PNG its bytes claim, not a
# readable image), a period whose end is before its start or too far, a field the caller's role must give, a code
# sent by SMS that is not the one sent, weights that must sum to a whole, a quiz answer that names no option,
# answers not one per question of the stored course. Those refusals are accepted by code; any other refusal of
# schema-valid data is a departure from the contract.
SEMANTIC_CODES = frozenset(
    {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "invalid_id_number", "value_error"}
    | {"catalog_invalid", "question_binary", "question_empty", "unknown_hall", "pairing_code_invalid"}
    | {"empty_file", "type_not_allowed", "ocr_not_an_image", "bad_validity", "hall_required", "phone_code_wrong"}
    | {"performance_bad_period", "performance_bad_weights", "range_over_limit", "course_bad_quiz"}
    | {"course_bad_answers", "course_assignment_bad_due"}
)

KNOWN_DEPARTURES: dict[str, str] = {}


def _codes(response) -> set[str]:  # type: ignore[no-untyped-def]
    """The machine codes of a problem+json answer: its own and those of its detail's entries (or faults)."""
    try:
        body = response.json()
    except ValueError:
        return set()
    if not isinstance(body, dict):
        return set()
    detail = body.get("detail")
    entries = detail.get("faults") if isinstance(detail, dict) else detail
    return {str(body.get("code"))} | {str(d.get("code")) for d in entries or [] if isinstance(d, dict)}


def _semantic_refusal(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code != 422:
        return False
    codes = _codes(response)
    return bool(codes & SEMANTIC_CODES) or any(str(c).startswith("invalid_") for c in codes)  # check digits


def _department_system(client) -> str:  # type: ignore[no-untyped-def]
    """The key of an API client with every scope, for the demo hall's departments (a department system)."""
    from smarthall.apiclients.policy import SCOPES

    body = {"name": "契约测试系统", "hall_code": "H-690102", "scopes": sorted(SCOPES), "department_codes": ["SC", "GA"]}
    made = client.post("/api/v1/api-clients", json=body, headers=auth(client, "admin1"))
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


def test_every_operation_answers_as_documented_for_every_role(env, client):
    if env.backend != "sqlite":
        pytest.skip("contract conformance runs once, on SQLite")
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
    callers = [{}] + [auth(client, who) for who in ROLES] + [{"X-Device-Key": key} for key in DEVICES]
    callers.append({"X-Api-Key": _department_system(client)})
    failures: dict[str, set[str]] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if ONLY and not any(p in operation.path for p in ONLY):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):  # type: ignore[no-untyped-def]
            found = failures.setdefault(f"{case.method.upper()} {case.operation.path}", set())
            for headers in callers:
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, then reported
                    found.add(f"{response.status_code}: {str(exc).splitlines()[0][:200]}")
                try:
                    case.validate_response(response, checks=(positive_data_acceptance,))
                except (Exception, BaseExceptionGroup):
                    if not _semantic_refusal(response):
                        found.add(f"valid data refused: {response.status_code} {_codes(response)}")

        check()
    assert operations > 150
    failures = {k: v for k, v in failures.items() if v}
    unexpected = {k: sorted(v) for k, v in failures.items() if k not in KNOWN_DEPARTURES}
    assert not unexpected, json.dumps(unexpected, ensure_ascii=False, indent=1)
    if ONLY:
        return
    conforming = sorted(set(KNOWN_DEPARTURES) - set(failures))
    assert not conforming, f"now conforming, remove from KNOWN_DEPARTURES: {conforming}"
