"""Contract fuzzing with schemathesis: generated requests against every documented operation must never get a
server error, whatever they contain, for an anonymous caller and for signed-in staff and citizens."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.conftest import auth

EXAMPLES_PER_OPERATION = 10


def test_no_server_errors(env, client):
    if env.backend != "sqlite":
        import pytest

        pytest.skip("contract fuzzing runs once, on SQLite")
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
    callers = [{}, auth(client, "hallmanager1"), auth(client, "690102199003071232")]
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):  # type: ignore[no-untyped-def]
            for headers in callers:
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        check()
    assert operations > 10
    assert not failures, sorted(set(failures))
