"""Dense re-ranking is optional: with the flag on, the answer is re-ranked when the ``dense`` extra is installed and
the assistant still answers (BM25 only) when it is not; /healthz reports which."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from smarthall.consult import qa, service


@pytest.fixture
def dense_on() -> Iterator[None]:
    service.set_dense(True)
    yield
    service.set_dense(False)


def test_dense_flag_degrades_cleanly(client: Any, dense_on: None) -> None:
    body = client.post("/api/v1/consult/ask", json={"question": "护照过期了怎么换"}).json()
    assert body["answers"][0]["item_code"] == "GA-006"
    assert body["reranked"] is qa.dense_available()
    health = client.get("/healthz").json()["features"]["dense_rerank"]
    assert health["available"] is qa.dense_available()
    assert health["enabled"] is True
    assert health["loaded"] is qa.dense_available()


def test_dense_is_off_by_default(client: Any) -> None:
    body = client.post("/api/v1/consult/ask", json={"question": "护照过期了怎么换"}).json()
    assert body["reranked"] is False
    assert client.get("/healthz").json()["features"]["dense_rerank"]["enabled"] is False
