from __future__ import annotations

import pytest

from tests.factories import assert_problem

# Uses Redis: on one xdist worker (Redis pub/sub is shared by all its databases).
pytestmark = pytest.mark.xdist_group("redis")


def test_healthz_reports_database_and_features(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": True, "configured": False}
    assert set(body["features"]) >= {"cjk_font", "tts_espeak_ng", "dense_rerank", "jieba"}


def test_healthz_reports_unreachable_redis_as_degraded(env):
    from fastapi.testclient import TestClient

    env.app.state.settings = env.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with TestClient(env.app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_openapi_and_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/api/v1/items" in schema["paths"]
    assert "/api/v1/auth/token" in schema["paths"]


def test_unknown_route_is_problem_json(client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"


def test_unexpected_error_is_a_plain_500_with_request_id(env):
    from fastapi.testclient import TestClient

    @env.app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    with TestClient(env.app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error" and "request_id" in body
